// The projector: follows the engine's journal (the store's global feed) from a checkpoint kept in
// PostgreSQL and applies each event exactly once. One batch — at most `readModelBatchEventsMax`
// events — is one PostgreSQL transaction: the events, the rows they mean (projections.ts) and the
// new checkpoint commit together or not at all. Events already in `events` (unique key + seq) are
// skipped with their effects, so a lost commit acknowledgement or a second projector cannot apply
// an event twice; the checkpoint row is locked in each batch, so two projectors take turns.
//
// It projects only events that are on disk: the head advances when the engine publishes an event
// after its flush (`engine.onCommitted`), and it polls in case a wake-up was missed. It never runs
// on a decision's path: the engine hands it a position, nothing more. When PostgreSQL is down it
// retries with a doubling, bounded back-off and catches up when it is back. An event PostgreSQL
// refuses (its rows break a constraint or a type, or its projection fails) is not retried forever: the
// batch is retried one event at a time, and the event refused `readModelRefusalAttemptsMax` times
// alone is recorded in `refused_events` (with the journal's copy in `events`) and skipped.

import type pg from 'pg';
import type { Clock } from '../clock.js';
import { constants } from '../constants.js';
import type { AccountConfig } from '../network/catalog.js';
import { referenceKinds } from '../network/catalog.js';
import type { CommittedEvent } from '../store/lmdb-store.js';
import type { ReadModelDatabase } from './database.js';
import { networkOf } from './keys.js';
import { migrateReadModel, readModelSchema } from './migrate.js';
import type { BalanceBook, ProjectionContext } from './projections.js';
import { projectionOf } from './projections.js';
import type { ReferenceReader, ReferenceStep } from './references.js';
import { referenceSyncSteps, terminalSites } from './references.js';
import type { RowOf, WriteName } from './writes.js';
import { batchWrites, insertEvents, rowsParameter, rowsToWrite } from './writes.js';

/** What the projector reads from the engine's store. */
export interface Journal extends ReferenceReader {
  feedAfter(position: number, limit?: number): Iterable<CommittedEvent>;
}

export interface ReadModelLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** A projection failed on an event (a bug, or an event it cannot read): the event's refusal. */
export class ProjectionError extends Error {
  override readonly name = 'ProjectionError';
  constructor(
    readonly position: number,
    cause: unknown,
  ) {
    super(`the projection of event ${position} failed: ${describe(cause)}`, { cause });
  }
}

/**
 * Whether PostgreSQL (or a projection) refused the batch's data — a data exception (22…), an integrity
 * constraint (23…), a statement that does not fit the rows (42…, but not a missing table, 42P01: a
 * rebuild may be dropping it) — rather than being unreachable, busy or mid-rebuild.
 */
function isRefusal(error: unknown): boolean {
  if (error instanceof ProjectionError) return true;
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && /^(22|23|42)/.test(code) && code !== '42P01';
}

/** The read model was built from another journal (a new data directory, another engine's database). */
export class JournalMismatchError extends Error {
  override readonly name = 'JournalMismatchError';
}

export interface ReadModelLag {
  /** Durable journal events not yet in the read model. */
  positions: number;
  /** Age of the oldest of them (0 when caught up). */
  seconds: number;
}

export interface ProjectorOptions {
  journal: Journal;
  database: ReadModelDatabase;
  clock: Clock;
  log: ReadModelLog;
  batchEventsMax?: number;
  referenceRowsMax?: number;
  pollIntervalMs?: number;
  retryDelayFirstMs?: number;
  retryDelayMaxMs?: number;
  /** Called after each committed batch with the new checkpoint. */
  onProgress?: (position: number) => void;
}

const schema = readModelSchema;
const checkpointName = 'journal';

interface ReferenceJob {
  network: string;
  requested: number;
  steps: Iterator<ReferenceStep>;
}

interface Balance {
  network: string;
  balance: number;
  bonus: number;
  position: number;
  at: number;
  changed: boolean;
}

export class Projector {
  private readonly journal: Journal;
  private readonly database: ReadModelDatabase;
  private readonly clock: Clock;
  private readonly log: ReadModelLog;
  private readonly batchEventsMax: number;
  private readonly referenceRowsMax: number;
  private readonly pollIntervalMs: number;
  private readonly retryDelayFirstMs: number;
  private readonly retryDelayMaxMs: number;
  private readonly onProgress: ((position: number) => void) | undefined;

  /** The last position applied (the checkpoint), once read from PostgreSQL. */
  private checkpoint = 0;
  /** The last position known to be on disk. */
  private head = 0;
  private prepared = false;
  private mismatch = false;
  private isConnected = false;
  private failures = 0;
  private stopping = false;
  private loop: Promise<void> | undefined;
  private sleeper: { wakeable: boolean; resolve: () => void } | undefined;
  private signalStop: () => void = () => undefined;
  private readonly stopSignal = new Promise<void>((resolve) => (this.signalStop = resolve));
  /** Networks whose reference tables wait for a refresh, with the position that asked for it. */
  private readonly referenceRequests = new Map<string, number>();
  private referenceJob: ReferenceJob | undefined;
  private readonly terminalSiteCache = new Map<string, Map<string, string>>();
  private readonly caughtUpWaiters: (() => void)[] = [];
  /** While the checkpoint is below this, batches hold one event (a batch was refused: find the event). */
  private isolateThrough = 0;
  /** The event refused alone, and how many times in a row. */
  private refusal: { position: number; attempts: number } | undefined;
  private refusedEvents = 0;

  constructor(options: ProjectorOptions) {
    this.journal = options.journal;
    this.database = options.database;
    this.clock = options.clock;
    this.log = options.log;
    this.batchEventsMax = options.batchEventsMax ?? constants.readModelBatchEventsMax;
    this.referenceRowsMax = options.referenceRowsMax ?? constants.readModelReferenceRowsMax;
    this.pollIntervalMs = options.pollIntervalMs ?? constants.readModelPollIntervalMs;
    this.retryDelayFirstMs = options.retryDelayFirstMs ?? constants.readModelRetryDelayFirstMs;
    this.retryDelayMaxMs = options.retryDelayMaxMs ?? constants.readModelRetryDelayMaxMs;
    this.onProgress = options.onProgress;
  }

  /** Tells the projector that every event up to `position` is on disk (cheap: call it from `onCommitted`). */
  advanceHead(position: number): void {
    if (position <= this.head) return;
    this.head = position;
    this.wake('head');
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Finishes the batch in flight (bounded by `readModelStopTimeoutMs`) and stops; what is left is projected on the next start. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.signalStop();
    this.wake('stop');
    if (this.loop) await Promise.race([this.loop, delay(constants.readModelStopTimeoutMs)]);
  }

  /** Resolves once every durable event known now (and every reference refresh they asked for) is applied. */
  caughtUp(): Promise<void> {
    if (this.isCaughtUp()) return Promise.resolve();
    return new Promise((resolve) => this.caughtUpWaiters.push(resolve));
  }

  get connected(): boolean {
    return this.isConnected;
  }

  get position(): number {
    return this.checkpoint;
  }

  get headPosition(): number {
    return this.head;
  }

  /** Events refused and skipped since this projector started (kept in `refused_events`). */
  get refused(): number {
    return this.refusedEvents;
  }

  /** Whether the database holds a read model of another journal (nothing is projected until a rebuild). */
  get journalMismatch(): boolean {
    return this.mismatch;
  }

  /** How far behind the journal the read model is (before the first connection, counted from position 0). */
  lag(): ReadModelLag {
    const positions = this.mismatch ? this.head : Math.max(0, this.head - this.checkpoint);
    if (positions === 0) return { positions, seconds: 0 };
    let seconds = 0;
    for (const oldest of this.journal.feedAfter(this.mismatch ? 0 : this.checkpoint, 1)) seconds = Math.max(0, (this.clock.now() - oldest.at) / 1000);
    return { positions, seconds };
  }

  // ---- the loop ----------------------------------------------------------------------------------

  private async run(): Promise<void> {
    try {
      await Promise.race([this.database.ready, this.stopSignal]);
    } catch (error) {
      this.log.error({ error: describe(error), database: this.database.description }, 'the read model database did not start; the engine goes on without it');
      return;
    }
    let retryDelayMs = this.retryDelayFirstMs;
    while (!this.stopping) {
      try {
        const progressed = await this.step();
        if (!this.isConnected || this.failures > 0) this.log.info({ database: this.database.description, position: this.checkpoint }, 'read model connected');
        this.isConnected = true;
        this.failures = 0;
        retryDelayMs = this.retryDelayFirstMs;
        if (!progressed) {
          this.settleWaiters();
          await this.sleep(this.pollIntervalMs, true);
        }
      } catch (error) {
        this.isConnected = false;
        this.prepared = false;
        this.referenceJob = undefined;
        this.failures++;
        if (this.stopping) break;
        if (error instanceof JournalMismatchError) {
          this.mismatch = true;
          retryDelayMs = this.retryDelayMaxMs;
          this.log.error({ error: error.message, database: this.database.description }, 'read model: not built from this journal; run `tessera readmodel rebuild`');
        } else if (isRefusal(error)) {
          this.log.warn({ error: describe(error), attempt: this.failures, retryInMs: retryDelayMs, position: this.checkpoint }, 'read model: PostgreSQL refused the rows of an event; retrying the events one at a time');
        } else this.log.warn({ error: describe(error), attempt: this.failures, retryInMs: retryDelayMs, lag: this.lag().positions }, 'read model: cannot write to PostgreSQL; retrying');
        await this.sleep(retryDelayMs, false);
        retryDelayMs = Math.min(retryDelayMs * 2, this.retryDelayMaxMs);
      }
    }
  }

  /** One unit of work: a batch of events, then one reference step. False when there was nothing to do. */
  private async step(): Promise<boolean> {
    if (this.prepared && this.checkpoint >= this.head && this.referenceJob === undefined && this.referenceRequests.size === 0) return false;
    const client = await this.database.pool.connect();
    let healthy = false;
    try {
      if (!this.prepared) await this.prepare(client);
      const batch = this.nextBatch();
      let progressed = false;
      if (batch.length > 0) {
        await this.applyOrRefuse(client, batch);
        progressed = true;
      }
      if (!this.stopping && (await this.referenceStep(client))) progressed = true;
      healthy = true;
      return progressed;
    } finally {
      // A client that failed mid-way is in an unknown state: drop it, the next step connects afresh.
      client.release(healthy ? undefined : true);
    }
  }

  /** After (re)connecting: migrations, the checkpoint, reference refreshes still owed. */
  private async prepare(client: pg.PoolClient): Promise<void> {
    const applied = await migrateReadModel(client);
    if (applied.length > 0) this.log.info({ migrations: applied }, 'read model migrated');
    await this.readCheckpoint(client);
    await this.checkJournal(client);
    const owed = await client.query<{ network: string; requested_position: number }>(
      `SELECT network, requested_position FROM ${schema}.reference_sync WHERE requested_position > synced_position`,
    );
    for (const row of owed.rows) this.requestReferences(row.network, row.requested_position);
    this.prepared = true;
    this.mismatch = false;
  }

  /** The read model's last event must be this journal's event at that position (same key and seq). */
  private async checkJournal(client: pg.PoolClient): Promise<void> {
    if (this.checkpoint === 0) return;
    const result = await client.query<{ key: string; seq: number }>(`SELECT key, seq FROM ${schema}.events WHERE position = $1`, [this.checkpoint]);
    const projected = result.rows[0];
    let journal: CommittedEvent | undefined;
    for (const event of this.journal.feedAfter(this.checkpoint - 1, 1)) journal = event;
    if (projected !== undefined && journal?.position === this.checkpoint && journal.key === projected.key && journal.seq === projected.seq) return;
    throw new JournalMismatchError(
      `the read model's last event (position ${this.checkpoint}, ${projected ? `${projected.key}#${projected.seq}` : 'missing'}) is ${journal?.position === this.checkpoint ? `${journal.key}#${journal.seq}` : 'not'} in this journal`,
    );
  }

  private async readCheckpoint(client: pg.PoolClient): Promise<void> {
    const result = await client.query<{ position: number }>(`SELECT position FROM ${schema}.checkpoint WHERE name = $1`, [checkpointName]);
    this.checkpoint = result.rows[0]?.position ?? 0;
  }

  private nextBatch(): CommittedEvent[] {
    const batch: CommittedEvent[] = [];
    if (this.checkpoint >= this.head) return batch;
    for (const event of this.journal.feedAfter(this.checkpoint, this.checkpoint < this.isolateThrough ? 1 : this.batchEventsMax)) {
      if (event.position > this.head) break;
      batch.push(event);
    }
    return batch;
  }

  /**
   * Applies the batch; when its data is refused, the batch is retried one event at a time, and an
   * event refused alone `readModelRefusalAttemptsMax` times is set aside. Other failures (PostgreSQL
   * unreachable) are thrown for the loop's back-off, as are refusals still being retried.
   */
  private async applyOrRefuse(client: pg.PoolClient, batch: readonly CommittedEvent[]): Promise<void> {
    try {
      await this.applyBatch(client, batch);
      this.refusal = undefined;
    } catch (error) {
      const first = batch[0];
      if (!isRefusal(error) || first === undefined) throw error;
      if (batch.length > 1) {
        this.isolateThrough = Math.max(this.isolateThrough, batch[batch.length - 1]?.position ?? 0);
        throw error;
      }
      const attempts = this.refusal?.position === first.position ? this.refusal.attempts + 1 : 1;
      this.refusal = { position: first.position, attempts };
      if (attempts < constants.readModelRefusalAttemptsMax) throw error;
      await this.setAside(client, first, error);
      this.refusal = undefined;
    }
  }

  /**
   * One transaction that moves the checkpoint to `to`: the checkpoint row is locked first — when
   * another projector (or a rebuild) moved it, nothing is done and this one goes on from where it is
   * (false) — then `work`, the new checkpoint, the commit.
   */
  private async advanceCheckpoint(client: pg.PoolClient, to: number, work: () => Promise<void>): Promise<boolean> {
    await client.query('BEGIN');
    try {
      const locked = await client.query<{ position: number }>(`SELECT position FROM ${schema}.checkpoint WHERE name = $1 FOR UPDATE`, [checkpointName]);
      const stored = locked.rows[0]?.position ?? 0;
      if (stored !== this.checkpoint) {
        await client.query('ROLLBACK');
        this.checkpoint = stored;
        return false;
      }
      await work();
      await client.query(`UPDATE ${schema}.checkpoint SET position = $2, updated_at = now() WHERE name = $1`, [checkpointName, to]);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
    this.checkpoint = to;
    this.onProgress?.(to);
    return true;
  }

  /** Records a refused event in `refused_events` (and `events`) and moves the checkpoint past it. */
  private async setAside(client: pg.PoolClient, committed: CommittedEvent, error: unknown): Promise<void> {
    const network = networkOf(committed.key, committed.event);
    const reason = describe(error).slice(0, constants.readModelRefusalErrorLengthMax);
    const done = await this.advanceCheckpoint(client, committed.position, async () => {
      // The journal's copy without its body (the body may be what PostgreSQL cannot hold): key and seq
      // are what the journal check compares.
      const row = { position: committed.position, key: committed.key, seq: committed.seq, type: committed.event.type, network, at: committed.at, body: { type: committed.event.type, refused: true } };
      await client.query(insertEvents.sql, [rowsParameter(insertEvents, [row])]);
      await client.query(
        `INSERT INTO ${schema}.refused_events (position, key, seq, type, network, error) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (position) DO NOTHING`,
        [committed.position, committed.key, committed.seq, committed.event.type, network, reason],
      );
    });
    if (!done) return;
    this.refusedEvents++;
    this.log.error(
      { position: committed.position, key: committed.key, seq: committed.seq, type: committed.event.type, error: reason },
      'read model: an event was refused and is skipped (kept in readmodel.refused_events; fix, then `tessera readmodel rebuild`)',
    );
  }

  private async applyBatch(client: pg.PoolClient, batch: readonly CommittedEvent[]): Promise<void> {
    const last = batch[batch.length - 1];
    if (last === undefined) return;
    const requested: [string, number][] = [];
    const done = await this.advanceCheckpoint(client, last.position, async () => {
      const eventRows = batch.map((committed) => ({
        position: committed.position,
        key: committed.key,
        seq: committed.seq,
        type: committed.event.type,
        network: networkOf(committed.key, committed.event),
        at: committed.at,
        body: committed.event,
      }));
      const inserted = await client.query<{ position: number }>(insertEvents.sql, [rowsParameter(insertEvents, eventRows)]);
      const fresh = new Set(inserted.rows.map((row) => row.position));
      const events = batch.filter((committed) => fresh.has(committed.position));

      const rows = new Map<WriteName, unknown[]>();
      const balances = await this.loadBalances(client, events);
      const context: ProjectionContext = {
        add: <W extends WriteName>(write: W, row: RowOf<W>) => {
          let list = rows.get(write);
          if (list === undefined) rows.set(write, (list = []));
          list.push(row);
          if (write === 'referenceSync') {
            const request = row as RowOf<'referenceSync'>;
            requested.push([request.network, request.requested_position]);
            this.terminalSiteCache.delete(request.network);
          }
        },
        balances: balances.book,
        siteOfTerminal: (network, terminal) => this.siteOfTerminal(network, terminal),
      };
      for (const committed of events) {
        try {
          projectionOf(committed.event.type)?.(committed, context);
        } catch (error) {
          throw new ProjectionError(committed.position, error);
        }
      }
      for (const [account, balance] of balances.entries) {
        if (balance.changed) context.add('balances', { account, network: balance.network, balance: balance.balance, bonus: balance.bonus, position: balance.position, at: balance.at });
      }
      for (const name of Object.keys(batchWrites) as WriteName[]) {
        const list = rows.get(name);
        if (list === undefined || list.length === 0) continue;
        const spec = batchWrites[name];
        await client.query(spec.sql, [rowsParameter(spec as never, rowsToWrite(name, list as never[]) as never[])]);
      }
    });
    if (done) for (const [network, position] of requested) this.requestReferences(network, position);
  }

  /** The running balances of the accounts the batch touches: from PostgreSQL, else the opening balance. */
  private async loadBalances(client: pg.PoolClient, events: readonly CommittedEvent[]): Promise<{ book: BalanceBook; entries: Map<string, Balance> }> {
    const accounts = new Set<string>();
    for (const committed of events) {
      const account = committed.event['account'];
      if (typeof account === 'string') accounts.add(account);
    }
    const entries = new Map<string, Balance>();
    if (accounts.size > 0) {
      const result = await client.query<{ account: string; network: string; balance: number; bonus: number; position: number; at: Date }>(
        `SELECT account, network, balance, bonus, position, at FROM ${schema}.balances WHERE account = ANY($1::text[])`,
        [[...accounts]],
      );
      for (const row of result.rows) entries.set(row.account, { network: row.network, balance: row.balance, bonus: row.bonus, position: row.position, at: row.at.getTime(), changed: false });
    }
    const book: BalanceBook = {
      apply: (account, network, delta, bonusDelta, position, at) => {
        let entry = entries.get(account);
        if (entry === undefined) {
          const opening = this.journal.getReference<AccountConfig>(referenceKinds.account, account)?.openingBalance ?? 0;
          entry = { network, balance: opening, bonus: 0, position, at, changed: true };
          entries.set(account, entry);
        }
        entry.balance += delta;
        entry.bonus += bonusDelta;
        entry.position = position;
        entry.at = at;
        entry.changed = true;
        return { balance: entry.balance, bonus: entry.bonus };
      },
    };
    return { book, entries };
  }

  private siteOfTerminal(network: string, terminal: string): string | undefined {
    let sites = this.terminalSiteCache.get(network);
    if (sites === undefined) {
      sites = terminalSites(this.journal, network);
      this.terminalSiteCache.set(network, sites);
    }
    return sites.get(terminal);
  }

  // ---- reference refreshes -----------------------------------------------------------------------

  private requestReferences(network: string, position: number): void {
    if ((this.referenceRequests.get(network) ?? 0) < position) this.referenceRequests.set(network, position);
  }

  /** Runs one step of the current refresh (starting the next one owed); false when none is owed. */
  private async referenceStep(client: pg.PoolClient): Promise<boolean> {
    if (this.referenceJob === undefined) {
      const next = this.referenceRequests.entries().next();
      if (next.done) return false;
      const [network, requested] = next.value;
      this.referenceRequests.delete(network);
      this.referenceJob = { network, requested, steps: referenceSyncSteps(this.journal, network, this.referenceRowsMax) };
    }
    const job = this.referenceJob;
    const step = job.steps.next();
    await client.query('BEGIN');
    try {
      if (!step.done) for (const statement of step.value) await client.query(statement.text, statement.values);
      else await client.query(`UPDATE ${schema}.reference_sync SET synced_position = greatest(synced_position, $2) WHERE network = $1`, [job.network, job.requested]);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      // Start this refresh again from its first step after reconnecting.
      this.requestReferences(job.network, job.requested);
      throw error;
    }
    if (step.done) this.referenceJob = undefined;
    return true;
  }

  // ---- waiting -----------------------------------------------------------------------------------

  private isCaughtUp(): boolean {
    return this.prepared && this.checkpoint >= this.head && this.referenceJob === undefined && this.referenceRequests.size === 0;
  }

  private settleWaiters(): void {
    if (!this.isCaughtUp()) return;
    for (const resolve of this.caughtUpWaiters.splice(0)) resolve();
  }

  private wake(reason: 'head' | 'stop'): void {
    const sleeper = this.sleeper;
    if (sleeper === undefined || (reason === 'head' && !sleeper.wakeable)) return;
    this.sleeper = undefined;
    sleeper.resolve();
  }

  /** Sleeps; a stop ends it early, and so does a new head when `wakeable` (never a back-off). */
  private sleep(ms: number, wakeable: boolean): Promise<void> {
    return new Promise((resolve) => {
      if (this.stopping) return resolve();
      const timer = setTimeout(() => {
        this.sleeper = undefined;
        resolve();
      }, ms);
      this.sleeper = {
        wakeable,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
    });
  }
}

/** An error's message; a connection refused on every address of a host name comes as an AggregateError with none. */
function describe(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return error.errors.map(describe).join('; ');
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
