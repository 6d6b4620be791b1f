// `tessera readmodel rebuild`: drops the PostgreSQL read model and projects the whole journal again,
// with a progress bar (a progress line every few seconds when its output is not a terminal). It reads the engine's LMDB store directly (no engine, no actors, nothing
// written to the journal). With the embedded PGlite the engine must be stopped (the database has one
// owner; its lock says so); with DATABASE_URL a running engine's projector simply takes turns with it.

import { existsSync } from 'node:fs';
import { Presets, SingleBar } from 'cli-progress';
import { SystemClock } from '../clock.js';
import { constants } from '../constants.js';
import { storePathOf } from '../engine.js';
import { embeddedDataDirOf, openReadModelDatabase, rebuildReadModel } from '../read-model/index.js';
import type { ReadModelDatabase } from '../read-model/index.js';
import { LmdbStore } from '../store/lmdb-store.js';

export async function rebuildCommand(options: { data: string; database?: string | undefined }): Promise<boolean> {
  const storePath = storePathOf(options.data);
  if (!existsSync(storePath)) {
    process.stderr.write(`no engine data in ${options.data} (no ${storePath})\n`);
    return false;
  }
  const store = new LmdbStore({ path: storePath, onFatal: (error) => process.stderr.write(`store: ${String(error)}\n`) });
  let database: ReadModelDatabase | undefined;
  // Without a terminal (logs, CI, a service manager) the bar would print nothing: there, a line every few seconds, and one at the start and the end.
  const bar = new SingleBar(
    { format: 'rebuild {bar} {percentage}% | {value}/{total} events | {eta_formatted} left', hideCursor: true, noTTYOutput: true, notTTYSchedule: constants.readModelRebuildProgressIntervalMs },
    Presets.shades_classic,
  );
  try {
    database = openReadModelDatabase({ databaseUrl: options.database, embeddedDataDir: embeddedDataDirOf(options.data), connectionsMax: 1 });
    const print = (fields: object, message: string): void => void process.stderr.write(`\n${message} ${JSON.stringify(fields)}\n`);
    const quiet = { info: () => undefined, warn: print, error: print };
    process.stdout.write(`rebuilding the read model in ${database.description} from ${store.lastPosition} journal events\n`);
    bar.start(store.lastPosition, 0);
    const summary = await rebuildReadModel({
      journal: store,
      database,
      clock: new SystemClock(),
      log: quiet,
      onProgress: (position, target) => bar.update(Math.min(position, target)),
    });
    bar.stop();
    process.stdout.write(`read model rebuilt: ${summary.events} events, journal position ${summary.position}\n`);
    return true;
  } catch (error) {
    bar.stop();
    process.stderr.write(`rebuild failed: ${error instanceof Error ? error.message : String(error)}\n`);
    return false;
  } finally {
    await database?.close();
    await store.close();
  }
}
