// The read model through the real CLI: `tessera readmodel rebuild` projects a journal it finds on
// disk, `tessera serve` projects what it decides (lag back to 0 in /metrics) and stops the projector
// after the drain with exit 0, leaving the embedded database free for the next rebuild.
// On the PostgreSQL server when one answers (a fresh database, dropped afterwards), else on PGlite.

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { demoCards, demoNetwork, demoPins, Engine } from '../engine/index.js';
import type { Reply, TerminalRequest } from '../engine/index.js';
import { sleep } from './support/nats.js';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

/** A fresh database on the server, or undefined when none answers. */
async function serverDatabase(): Promise<{ url: string; drop: () => Promise<void> } | undefined> {
  const admin = new URL(process.env['DATABASE_URL'] || 'postgres://postgres@127.0.0.1:5432/postgres');
  if (admin.username === '') admin.username = userInfo().username;
  const client = new pg.Client({ connectionString: admin.toString(), connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
  } catch {
    return undefined;
  }
  const name = `tessera_test_${randomBytes(6).toString('hex')}`;
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const cleanup = new pg.Client({ connectionString: admin.toString() });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await cleanup.end();
    },
  };
}

function runCli(args: string[], database: string | undefined): { output: () => string; exited: Promise<number | null>; kill: (signal: NodeJS.Signals) => void } {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env['DATABASE_URL'];
  const child = spawn(process.execPath, ['--import', 'tsx', 'engine/cli/main.ts', ...args, ...(database ? ['--database', database] : [])], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { output: () => output, exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))), kill: (signal) => child.kill(signal) };
}

describe('the read model through the CLI', () => {
  let dataDir: string;
  let database: { url: string; drop: () => Promise<void> } | undefined;
  const journalEvents = 4; // the demo import, its prices.changed, one authorisation, its completion

  beforeAll(async () => {
    database = await serverDatabase();
    dataDir = mkdtempSync(join(tmpdir(), 'tessera-cli-'));
    const engine = new Engine({ dataDir, schedulers: false });
    await engine.import(demoNetwork());
    const submit = (request: TerminalRequest): Promise<Reply> => new Promise((resolve) => engine.submit('MSK-01-P1', request, resolve));
    const auth = await submit({ op: 'authorize', request: { id: 'cli-1', card: demoCards.fleet, pin: demoPins.fleet ?? '', product: 'AI95', volume: 10_000 } });
    expect((await submit({ op: 'complete', request: { id: 'cli-2', authId: String(auth['authId']), volume: 10_000 } })).result).toBe('approved');
    await engine.close();
  });

  afterAll(async () => {
    await database?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('`tessera readmodel rebuild` projects the journal on disk', async () => {
    const rebuild = runCli(['readmodel', 'rebuild', '--data', dataDir], database?.url);
    expect(await rebuild.exited, rebuild.output()).toBe(0);
    expect(rebuild.output()).toContain(`read model rebuilt: ${journalEvents} events, journal position ${journalEvents}`);
    // Its output is a pipe, not a terminal: the progress still shows, as lines (the start and the end at least).
    expect(rebuild.output()).toMatch(new RegExp(`^rebuild \\S* 0% \\| 0/${journalEvents} events`, 'm'));
    expect(rebuild.output()).toMatch(new RegExp(`^rebuild \\S* 100% \\| ${journalEvents}/${journalEvents} events`, 'm'));
  });

  it('`tessera serve` projects what it decides, reports the lag, and stops the projector after the drain', async () => {
    const server = runCli(['serve', '--data', dataDir, '--http', '0'], database?.url);
    let port = 0;
    for (let attempt = 0; attempt < 600 && port === 0; attempt++) {
      const ready = /"http":(\d+),[^\n]*"msg":"tessera is ready"/.exec(server.output());
      if (ready) port = Number(ready[1]);
      else await sleep(50);
    }
    expect(port, server.output()).toBeGreaterThan(0);
    const gauges = async (): Promise<{ lag: number; connected: number }> => {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      const gauge = (name: string): number => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
      return { lag: gauge('tessera_read_model_lag_positions'), connected: gauge('tessera_read_model_connected') };
    };
    const settled = async (): Promise<{ lag: number; connected: number }> => {
      let last = await gauges();
      for (let attempt = 0; attempt < 1_200 && !(last.connected === 1 && last.lag === 0); attempt++) {
        await sleep(50);
        last = await gauges();
      }
      return last;
    };
    expect(await settled(), server.output()).toEqual({ lag: 0, connected: 1 });

    const response = await fetch(`http://127.0.0.1:${port}/api/v1/term/MSK-01-P2/authorize`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ id: 'cli-3', card: demoCards.fleet, pin: demoPins.fleet, product: 'AI95', volume: 5_000 }),
    });
    expect(((await response.json()) as Record<string, unknown>)['result']).toBe('approved');
    expect(await settled()).toEqual({ lag: 0, connected: 1 });

    server.kill('SIGTERM');
    expect(await server.exited, server.output()).toBe(0);

    // The embedded database is free again (and a server's is simply rebuilt): one more event than before.
    const rebuild = runCli(['readmodel', 'rebuild', '--data', dataDir], database?.url);
    expect(await rebuild.exited, rebuild.output()).toBe(0);
    expect(rebuild.output()).toContain(`read model rebuilt: ${journalEvents + 1} events`);
  });
});
