// Real Chromium for the dashboard's end-to-end tests: Debian's /usr/bin/chromium (installed by
// .ci/run), driven by playwright-core, headless, with the flags a closed network needs. The
// dashboard is built once per test run when its build is missing or older than its sources.

import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
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

/** A build older than this is from a process that died: its lock is taken over. */
const staleLockMs = 180_000;

/**
 * Builds dashboard/dist unless it is newer than every source file. Test files run in parallel
 * processes, so one builds while the others wait for its lock (a directory: mkdir is atomic).
 */
export async function ensureDashboardBuilt(root: string): Promise<void> {
  const index = join(root, 'dashboard', 'dist', 'index.html');
  const lock = join(root, 'dashboard', '.build-lock');
  const fresh = (): boolean => existsSync(index) && statSync(index).mtimeMs > Math.max(newest(join(root, 'dashboard', 'src')), statSync(join(root, 'dashboard', 'index.html')).mtimeMs);
  for (;;) {
    if (fresh()) return;
    try {
      mkdirSync(lock);
    } catch {
      const since = existsSync(lock) ? Date.now() - statSync(lock).mtimeMs : 0;
      if (since > staleLockMs) rmSync(lock, { recursive: true, force: true });
      await new Promise((resolve) => setTimeout(resolve, 250));
      continue;
    }
    try {
      if (!fresh()) await build({ configFile: join(root, 'dashboard', 'vite.config.ts'), logLevel: 'warn' });
      return;
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
}
