// Embedded PostgreSQL for the read model when no DATABASE_URL is given: PGlite in a worker thread
// (pglite-worker.ts), data under `<engine data>/pg`, served on a Unix socket in a private temporary
// directory (mode 0700: only this user can connect; PGlite itself checks no password).
//
// PGlite is one PostgreSQL backend: one process may open a data directory at a time, and clients
// share its single session. A lock file (`<engine data>/pg.lock`, holding the pid) keeps a second
// process — another `tessera serve`, or `tessera readmodel rebuild` while the engine runs — out.

import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { constants } from '../constants.js';
import type { PgliteWorkerMessage, PgliteWorkerSettings } from './pglite-worker.js';

export interface EmbeddedPostgres {
  /** `pg` connection settings: host is the socket's directory. */
  readonly connection: { host: string; port: number; user: string; database: string };
  readonly dataDir: string;
  /** Resolves when the server accepts connections; rejects if it could not start. */
  readonly ready: Promise<void>;
  /** Stops the server (PGlite closes its files) and releases the lock. */
  stop(): Promise<void>;
}

/** The socket file's name as libpq and `pg` build it from a directory and a port. */
const socketPort = 5432;

export class EmbeddedPostgresLockedError extends Error {
  override readonly name = 'EmbeddedPostgresLockedError';
}

/** Starts PGlite on `dataDir` (created with initdb on first use). Throws at once if another process holds it. */
export function startEmbeddedPostgres(dataDir: string, options: { connectionsMax?: number; startTimeoutMs?: number } = {}): EmbeddedPostgres {
  mkdirSync(dirname(dataDir), { recursive: true });
  const lockPath = `${dataDir}.lock`;
  const socketDir = mkdtempSync(join(tmpdir(), socketDirPrefix));
  try {
    takeLock(lockPath, dataDir, socketDir);
  } catch (error) {
    rmSync(socketDir, { recursive: true, force: true });
    throw error;
  }
  const settings: PgliteWorkerSettings = {
    dataDir,
    socketPath: join(socketDir, `.s.PGSQL.${socketPort}`),
    connectionsMax: options.connectionsMax ?? constants.readModelEmbeddedServerConnectionsMax,
  };
  if (!existsSync(dataDir)) settings.creatingDir = `${dataDir}.creating`;
  const worker = spawnWorker(settings);

  let exited = false;
  let started = false;
  const exit = new Promise<void>((resolve) => worker.once('exit', () => resolve())).then(() => {
    exited = true;
  });
  const startTimeoutMs = options.startTimeoutMs ?? constants.readModelEmbeddedStartTimeoutMs;
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the embedded PostgreSQL did not start within ${startTimeoutMs} ms`)), startTimeoutMs);
    timer.unref();
    worker.on('message', (message: PgliteWorkerMessage) => {
      if (message.type === 'ready') {
        started = true;
        clearTimeout(timer);
        resolve();
      }
      if (message.type === 'failed') reject(new Error(`the embedded PostgreSQL failed: ${message.message}`));
    });
    worker.once('error', reject);
    void exit.then(() => reject(new Error('the embedded PostgreSQL stopped')));
  });
  ready.catch(() => undefined); // the caller decides what a failed start means; no unhandled rejection here

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      if (started && !exited) {
        const stopped = new Promise<void>((resolve) => worker.on('message', (message: PgliteWorkerMessage) => message.type !== 'ready' && resolve()));
        worker.postMessage({ type: 'stop' });
        await Promise.race([stopped, exit, delay(constants.readModelStopTimeoutMs)]);
      }
      // A worker still starting is ended where it is: a first start's temporary directory is wiped
      // on the next start, and an existing database recovers as PostgreSQL does after a crash.
      await worker.terminate();
      rmSync(socketDir, { recursive: true, force: true });
      releaseLock(lockPath);
    })());

  return { connection: { host: socketDir, port: socketPort, user: 'postgres', database: 'postgres' }, dataDir, ready, stop };
}

function spawnWorker(settings: PgliteWorkerSettings): Worker {
  const here = import.meta.url;
  if (here.endsWith('.js')) return new Worker(new URL('./pglite-worker.js', here), { workerData: settings });
  // From source (tsx, vitest): the worker thread registers tsx's loader before importing the .ts file.
  const entry = new URL('./pglite-worker.ts', here).href;
  const bootstrap = `import('tsx/esm/api').then((api) => { api.register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(bootstrap, { eval: true, workerData: settings });
}

const socketDirPrefix = 'tessera-pg-';

/** The lock file holds the owner's pid and its socket directory (removed with a stale lock). */
function takeLock(path: string, dataDir: string, socketDir: string): void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, `${process.pid}\n${socketDir}\n`);
      closeSync(fd);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const [pidLine = '', previousSocketDir = ''] = readFileSync(path, 'utf8').split('\n');
      const holder = Number(pidLine.trim());
      if (Number.isInteger(holder) && holder > 0 && isAlive(holder)) {
        throw new EmbeddedPostgresLockedError(`the embedded read model ${dataDir} is in use by process ${holder} (stop that engine first)`);
      }
      // Left by a process that is gone (killed): its lock and its socket directory.
      if (previousSocketDir.startsWith(join(tmpdir(), socketDirPrefix))) rmSync(previousSocketDir, { recursive: true, force: true });
      rmSync(path, { force: true });
    }
  }
  throw new EmbeddedPostgresLockedError(`cannot take the lock ${path}`);
}

function releaseLock(path: string): void {
  try {
    if (Number(readFileSync(path, 'utf8').split('\n')[0]) === process.pid) rmSync(path, { force: true });
  } catch {
    // already gone
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
