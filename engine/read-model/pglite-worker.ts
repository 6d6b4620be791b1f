// The embedded PostgreSQL's thread: PGlite (PostgreSQL compiled to WebAssembly) behind pglite-socket,
// listening on a Unix socket. It runs in a worker thread so that PostgreSQL's work — every query runs
// synchronously inside the WebAssembly module — never runs on the engine's event loop. The engine
// talks to it with the same `pg` driver as to a PostgreSQL server.
//
// A fresh data directory is made under a temporary name and renamed when initdb has finished, so a
// crash during the first start leaves no half-made database behind (embedded-postgres.ts wipes the
// temporary one on the next start).

import { renameSync, rmSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface PgliteWorkerSettings {
  /** The PGlite data directory (`<engine data>/pg`). */
  dataDir: string;
  /** Set when `dataDir` does not exist yet: initdb runs here, then this is renamed to `dataDir`. */
  creatingDir?: string;
  /** The Unix socket to listen on. */
  socketPath: string;
  /** Connections the socket server accepts at once. */
  connectionsMax: number;
}

export type PgliteWorkerMessage = { type: 'ready' } | { type: 'failed'; message: string } | { type: 'stopped' };

async function main(): Promise<void> {
  const port = parentPort;
  if (port === null) throw new Error('pglite-worker runs as a worker thread');
  const settings = workerData as PgliteWorkerSettings;
  const send = (message: PgliteWorkerMessage): void => port.postMessage(message);
  try {
    if (settings.creatingDir !== undefined) {
      rmSync(settings.creatingDir, { recursive: true, force: true });
      const fresh = await PGlite.create({ dataDir: settings.creatingDir });
      await fresh.close();
      renameSync(settings.creatingDir, settings.dataDir);
    }
    const db = await PGlite.create({ dataDir: settings.dataDir });
    const server = new PGLiteSocketServer({ db, path: settings.socketPath, maxConnections: settings.connectionsMax });
    await server.start();
    let stopping = false;
    port.on('message', (message: { type: string }) => {
      if (message.type !== 'stop' || stopping) return;
      stopping = true;
      server
        .stop()
        .then(() => db.close())
        .then(
          () => send({ type: 'stopped' }),
          (error: unknown) => send({ type: 'failed', message: String(error) }),
        );
    });
    send({ type: 'ready' });
  } catch (error) {
    send({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
  }
}

await main();
