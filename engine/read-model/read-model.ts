// The read model as `tessera serve` runs it: the database (DATABASE_URL, else embedded PGlite under
// `<data>/pg`) and a projector fed by the engine's commits. Starting returns at once — the embedded
// database may take seconds to start — and nothing here can stop the engine: a database that cannot
// start or is down only makes the read model lag (see the lag metric).

import { join } from 'node:path';
import type { Clock } from '../clock.js';
import type { CommittedEvent } from '../store/lmdb-store.js';
import type { ReadModelDatabase } from './database.js';
import { openReadModelDatabase } from './database.js';
import type { Journal, ReadModelLag, ReadModelLog } from './projector.js';
import { Projector } from './projector.js';

/** What the read model needs of the engine. */
export interface ReadModelSource {
  store: Journal & { readonly lastPosition: number; flushed(): Promise<void> };
  clock: Clock;
  onCommitted(listener: (event: CommittedEvent) => void): void;
}

export interface ReadModelSettings {
  /** PostgreSQL connection string; without it, the embedded PGlite. */
  databaseUrl?: string | undefined;
  /** The engine's data directory (the embedded database lives in `<dataDir>/pg`). */
  dataDir: string;
}

export interface ReadModel {
  readonly projector: Projector;
  readonly database: ReadModelDatabase;
  lag(): ReadModelLag;
  readonly connected: boolean;
  /** Events refused and set aside (`readmodel.refused_events`) since the start. */
  readonly refused: number;
  /** Stops the projector, then the database (call it once the engine has drained). */
  stop(): Promise<void>;
}

export function embeddedDataDirOf(dataDir: string): string {
  return join(dataDir, 'pg');
}

/** Opens the database and starts projecting (throws only if the embedded database is held by another process). */
export function startReadModel(source: ReadModelSource, settings: ReadModelSettings, log: ReadModelLog): ReadModel {
  const database = openReadModelDatabase({
    databaseUrl: settings.databaseUrl,
    embeddedDataDir: embeddedDataDirOf(settings.dataDir),
    onIdleError: (error) => log.warn({ error: error.message }, 'read model: an idle PostgreSQL connection failed'),
  });
  const projector = new Projector({ journal: source.store, database, clock: source.clock, log });
  source.onCommitted((event) => projector.advanceHead(event.position));
  // Everything appended before now is on disk once this flush resolves.
  const head = source.store.lastPosition;
  void source.store.flushed().then(() => projector.advanceHead(head));
  projector.start();
  log.info({ database: database.description }, 'read model starting');
  let stopping: Promise<void> | undefined;
  return {
    projector,
    database,
    lag: () => projector.lag(),
    get connected() {
      return projector.connected;
    },
    get refused() {
      return projector.refused;
    },
    stop: () =>
      (stopping ??= (async () => {
        await projector.stop();
        await database.close();
      })()),
  };
}
