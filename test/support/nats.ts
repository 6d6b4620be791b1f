// NATS for the wire tests. With NATS_URL set, the tests use that server. Otherwise each test file
// starts its own nats-server on a free port (JetStream on, store in a temporary directory), so that
// engines of test files running in parallel never share the `engine` queue group.

import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'nats';
import type { NatsConnection } from 'nats';

export interface NatsServerHandle {
  url: string;
  /** The server process when this helper started one (the bench reports its CPU). */
  pid: number | undefined;
  spawned: boolean;
  /** Stops the server this helper started (a no-op for a server named by NATS_URL). */
  stop(): Promise<void>;
}

export const natsServerBinary = process.env['NATS_SERVER_BIN'] ?? '/usr/sbin/nats-server';

/** NATS_URL when set; else a nats-server of this test file's own. */
export async function natsForTests(): Promise<NatsServerHandle> {
  const configured = process.env['NATS_URL'];
  if (configured !== undefined && configured !== '') {
    const connection = await connect({ servers: configured, timeout: 2_000 });
    await connection.close();
    return { url: configured, pid: undefined, spawned: false, stop: () => Promise.resolve() };
  }
  return startNatsServer();
}

/** A free TCP port on 127.0.0.1 (asked of the kernel, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Starts `nats-server -a 127.0.0.1 -p <free port> -js -sd <tmpdir>` and waits until it accepts clients. */
export async function startNatsServer(): Promise<NatsServerHandle> {
  const storeDir = mkdtempSync(join(tmpdir(), 'tessera-nats-'));
  let lastError: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const child = spawn(natsServerBinary, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir], { stdio: ['ignore', 'ignore', 'pipe'] });
    let output = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4_000);
    });
    const url = `nats://127.0.0.1:${port}`;
    try {
      await waitUntilAccepting(url, child);
      return {
        url,
        pid: child.pid,
        spawned: true,
        stop: async () => {
          await stopChild(child);
          rmSync(storeDir, { recursive: true, force: true });
        },
      };
    } catch (error) {
      lastError = new Error(`nats-server on ${url} did not start: ${String(error)}\n${output}`);
      await stopChild(child);
    }
  }
  rmSync(storeDir, { recursive: true, force: true });
  throw lastError instanceof Error ? lastError : new Error('nats-server did not start');
}

async function waitUntilAccepting(url: string, child: ChildProcess): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    if (child.exitCode !== null) throw new Error(`exited with code ${child.exitCode}`);
    try {
      const connection: NatsConnection = await connect({ servers: url, timeout: 500, reconnect: false });
      await connection.close();
      return;
    } catch {
      await sleep(50);
    }
  }
  throw new Error('no connection after 200 attempts');
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
