// Real Chromium for the dashboard's end-to-end tests: Debian's /usr/bin/chromium (installed by
// .ci/run), driven by playwright-core, headless, with the flags a closed network needs. The
// dashboard is built once per test run when its build is missing or older than its sources.

import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';
import { build } from 'vite';

export const chromiumPath = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream'],
  });
}

function newest(directory: string): number {
  let latest = 0;
  for (const name of readdirSync(directory)) {
    const path = join(directory, name);
    const stat = statSync(path);
    latest = Math.max(latest, stat.isDirectory() ? newest(path) : stat.mtimeMs);
  }
  return latest;
}

/** Builds dashboard/dist unless it is newer than every source file. */
export async function ensureDashboardBuilt(root: string): Promise<void> {
  const index = join(root, 'dashboard', 'dist', 'index.html');
  const sources = Math.max(newest(join(root, 'dashboard', 'src')), statSync(join(root, 'dashboard', 'index.html')).mtimeMs);
  if (existsSync(index) && statSync(index).mtimeMs > sources) return;
  await build({ configFile: join(root, 'dashboard', 'vite.config.ts'), logLevel: 'warn' });
}
