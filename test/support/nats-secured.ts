// A nats-server of a test's own, started with a configuration file (the tests of terminal
// credentials include the authorization `tessera nats-config` generates), on a free port.

import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { connect, nkeyAuthenticator } from 'nats';
import { freePort, natsServerBinary, sleep } from './nats.js';

export interface SecuredNatsServer {
  url: string;
  pid: number;
  /** What the server printed last (permission violations are logged there). */
  output(): string;
  stop(): Promise<void>;
}

/** Starts `nats-server -c <config> -a 127.0.0.1 -p <free port>`; ready once `probeSeed`'s user can connect. */
export async function startNatsServerWithConfig(configPath: string, probeSeed: string): Promise<SecuredNatsServer> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const child = spawn(natsServerBinary, ['-c', configPath, '-a', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let output = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-20_000);
    });
    const url = `nats://127.0.0.1:${port}`;
    try {
      await waitUntilAccepting(url, child, probeSeed);
      const pid = child.pid;
      if (pid === undefined) throw new Error('no pid');
      return { url, pid, output: () => output, stop: () => stopChild(child) };
    } catch (error) {
      lastError = new Error(`nats-server on ${url} did not start: ${String(error)}\n${output}`);
      await stopChild(child);
    }
  }
  throw lastError instanceof Error ? lastError : new Error('nats-server did not start');
}

async function waitUntilAccepting(url: string, child: ChildProcess, seed: string): Promise<void> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 200; attempt++) {
    if (child.exitCode !== null) throw new Error(`exited with code ${child.exitCode}`);
    try {
      const connection = await connect({ servers: url, timeout: 500, reconnect: false, authenticator: nkeyAuthenticator(new TextEncoder().encode(seed)) });
      await connection.close();
      return;
    } catch (error) {
      lastError = error;
      await sleep(50);
    }
  }
  throw new Error(`no connection after 200 attempts: ${String(lastError)}`);
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
