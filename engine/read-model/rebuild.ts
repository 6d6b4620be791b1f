// Rebuilding the read model: drop the `readmodel` schema (data, checkpoint, migration history),
// migrate afresh and project the whole journal from position 0 with the projector that serves
// normally, so a rebuild and a live projection give the same rows.

import type { Clock } from '../clock.js';
import type { ReadModelDatabase } from './database.js';
import { dropReadModel, readModelSchema } from './migrate.js';
import type { Journal, ReadModelLog } from './projector.js';
import { Projector } from './projector.js';

export interface RebuildOptions {
  journal: Journal & { readonly lastPosition: number };
  database: ReadModelDatabase;
  clock: Clock;
  log: ReadModelLog;
  /** Called after each batch: the position reached and the position the rebuild goes to. */
  onProgress?: (position: number, target: number) => void;
  batchEventsMax?: number;
}

export interface RebuildSummary {
  /** Journal position the read model now reflects. */
  position: number;
  /** Events in the read model. */
  events: number;
}

export async function rebuildReadModel(options: RebuildOptions): Promise<RebuildSummary> {
  await options.database.ready;
  const client = await options.database.pool.connect();
  try {
    await dropReadModel(client);
  } finally {
    client.release();
  }
  const target = options.journal.lastPosition;
  const projector = new Projector({
    journal: options.journal,
    database: options.database,
    clock: options.clock,
    log: options.log,
    ...(options.batchEventsMax !== undefined ? { batchEventsMax: options.batchEventsMax } : {}),
    onProgress: (position) => options.onProgress?.(position, target),
  });
  projector.advanceHead(target);
  projector.start();
  try {
    await projector.caughtUp();
  } finally {
    await projector.stop();
  }
  const counted = await options.database.pool.query<{ events: number }>(`SELECT count(*) AS events FROM ${readModelSchema}.events`);
  return { position: projector.position, events: counted.rows[0]?.events ?? 0 };
}
