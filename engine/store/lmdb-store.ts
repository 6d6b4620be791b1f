// The engine's durable store: one LMDB environment holding the event journal (actor key + sequence),
// snapshots, the global feed the read model follows, idempotency records, the hold-expiry index,
// transaction records and reference data. Writes are asynchronous and batched by lmdb-js into one
// transaction per turn of the event loop (group commit); every write's `flushed` promise resolves
// once it is on disk. Nothing that depends on a write is shown to anyone before that.

import { open } from 'lmdb';
import type { Database, RootDatabase } from 'lmdb';
import { assert } from '../assert.js';

export interface StoredEvent {
  /** The domain event: a plain object with a `type`. */
  data: Record<string, unknown> & { type: string };
  at: number;
}

export interface CommittedEvent {
  key: string;
  seq: number;
  position: number;
  event: Record<string, unknown> & { type: string };
  at: number;
}

export interface IdempotencyRecord {
  fingerprint: string;
  reply: Record<string, unknown>;
  at: number;
}

export interface StoreOptions {
  path: string;
  /** Called when a write fails: the engine cannot go on with state it could not make durable. */
  onFatal: (error: unknown) => void;
  /** Map size; LMDB grows the file lazily up to it. */
  mapSizeBytes?: number;
}

export class LmdbStore {
  readonly root: RootDatabase;
  /** The LMDB data file. */
  readonly path: string;
  private readonly journal: Database<StoredEvent, [string, number]>;
  private readonly snapshots: Database<{ seq: number; data: unknown; at: number }, string>;
  private readonly feed: Database<{ key: string; seq: number }, number>;
  private readonly idempotency: Database<IdempotencyRecord, [string, string]>;
  private readonly idempotencyByTime: Database<true, [number, string, string]>;
  private readonly holdsDue: Database<true, [number, string, number]>;
  private readonly transactions: Database<Record<string, unknown>, [string, number]>;
  private readonly reference: Database<unknown, [string, string]>;
  private nextPosition: number;
  private writesIssued = 0;
  private writesFlushed = 0;
  private batchReportScheduled = false;
  private readonly committedListeners: ((event: CommittedEvent) => void)[] = [];
  private readonly batchListeners: ((writes: number) => void)[] = [];
  private readonly onFatal: (error: unknown) => void;
  private closed = false;

  constructor(options: StoreOptions) {
    this.onFatal = options.onFatal;
    this.path = options.path;
    this.root = open({
      path: options.path,
      // Durable by default: commits are flushed (overlappingSync); each write exposes `flushed`.
      separateFlushed: true,
      mapSize: options.mapSizeBytes ?? 64 * 1024 * 1024 * 1024,
      maxDbs: 16,
      noMemInit: true,
    });
    this.journal = this.root.openDB({ name: 'journal' });
    this.snapshots = this.root.openDB({ name: 'snapshots' });
    this.feed = this.root.openDB({ name: 'feed' });
    this.idempotency = this.root.openDB({ name: 'idempotency' });
    this.idempotencyByTime = this.root.openDB({ name: 'idempotency-by-time' });
    this.holdsDue = this.root.openDB({ name: 'holds-due' });
    this.transactions = this.root.openDB({ name: 'transactions' });
    this.reference = this.root.openDB({ name: 'reference' });
    let last = 0;
    for (const key of this.feed.getKeys({ reverse: true, limit: 1 })) last = key;
    this.nextPosition = last + 1;
  }

  // ---- journal -------------------------------------------------------------------------------

  /** Appends an event; publishes it to listeners once it is flushed. Returns when it is durable. */
  append(key: string, seq: number, data: StoredEvent['data'], at: number): Promise<void> {
    const position = this.nextPosition++;
    void this.track(this.journal.put([key, seq], { data, at }));
    const written = this.track(this.feed.put(position, { key, seq }));
    return written.then(() => {
      const committed: CommittedEvent = { key, seq, position, event: data, at };
      for (const listener of this.committedListeners) listener(committed);
    });
  }

  /** Events of one actor after `afterSeq`, in order (synchronous: LMDB reads are memory-mapped). */
  *eventsOf(key: string, afterSeq: number): Iterable<{ seq: number; event: StoredEvent }> {
    for (const { key: entryKey, value } of this.journal.getRange({ start: [key, afterSeq + 1], end: [key, Number.MAX_SAFE_INTEGER] })) {
      yield { seq: entryKey[1], event: value };
    }
  }

  lastSeqOf(key: string): number {
    for (const entryKey of this.journal.getKeys({ start: [key, Number.MAX_SAFE_INTEGER], end: [key, 0], reverse: true, limit: 1 })) return entryKey[1];
    return 0;
  }

  /** The global feed from a position (exclusive), for projections and rebuilds. */
  *feedAfter(position: number, limit = 10_000): Iterable<CommittedEvent> {
    for (const { key: at, value } of this.feed.getRange({ start: position + 1, limit })) {
      const stored = this.journal.get([value.key, value.seq]);
      if (stored) yield { key: value.key, seq: value.seq, position: at, event: stored.data, at: stored.at };
    }
  }

  /** Position of the last event appended (on disk once `flushed()` resolves after reading it). */
  get lastPosition(): number {
    return this.nextPosition - 1;
  }

  onCommitted(listener: (event: CommittedEvent) => void): void {
    this.committedListeners.push(listener);
  }

  /** Reports, on each flush, how many writes it made durable (the commit batch size). */
  onBatchFlushed(listener: (writes: number) => void): void {
    this.batchListeners.push(listener);
  }

  // ---- snapshots -----------------------------------------------------------------------------

  snapshot(key: string): { seq: number; data: unknown; at: number } | undefined {
    return this.snapshots.get(key);
  }

  saveSnapshot(key: string, seq: number, data: unknown, at: number): Promise<void> {
    return this.track(this.snapshots.put(key, { seq, data, at }));
  }

  // ---- idempotency ---------------------------------------------------------------------------

  idempotencyRecord(terminalId: string, requestId: string): IdempotencyRecord | undefined {
    return this.idempotency.get([terminalId, requestId]);
  }

  /** Stores the first reply to a request. Resolves once durable (and so once everything before it is). */
  remember(terminalId: string, requestId: string, record: IdempotencyRecord): Promise<void> {
    void this.track(this.idempotencyByTime.put([record.at, terminalId, requestId], true));
    return this.track(this.idempotency.put([terminalId, requestId], record));
  }

  /** Forgets idempotency records older than `before`; returns how many it removed. */
  forgetIdempotencyBefore(before: number, max: number): number {
    let removed = 0;
    for (const key of this.idempotencyByTime.getKeys({ start: [0, '', ''], end: [before, '', ''], limit: max })) {
      void this.track(this.idempotency.remove([key[1], key[2]]));
      void this.track(this.idempotencyByTime.remove(key));
      removed++;
    }
    return removed;
  }

  // ---- hold expiry index ---------------------------------------------------------------------

  holdOpened(expiresAt: number, accountKey: string, holdNumber: number): void {
    void this.track(this.holdsDue.put([expiresAt, accountKey, holdNumber], true));
  }

  holdClosed(expiresAt: number, accountKey: string, holdNumber: number): void {
    void this.track(this.holdsDue.remove([expiresAt, accountKey, holdNumber]));
  }

  /** Holds whose expiry is at or before `now`. */
  *holdsDueBy(now: number, max: number): Iterable<{ expiresAt: number; accountKey: string; holdNumber: number }> {
    for (const key of this.holdsDue.getKeys({ start: [0, '', 0], end: [now + 1, '', 0], limit: max })) {
      yield { expiresAt: key[0], accountKey: key[1], holdNumber: key[2] };
    }
  }

  openHoldCount(): number {
    return this.holdsDue.getCount();
  }

  // ---- transaction records -------------------------------------------------------------------

  saveTransaction(accountKey: string, txNumber: number, record: Record<string, unknown>): void {
    void this.track(this.transactions.put([accountKey, txNumber], record));
  }

  transaction(accountKey: string, txNumber: number): Record<string, unknown> | undefined {
    return this.transactions.get([accountKey, txNumber]);
  }

  // ---- reference data ------------------------------------------------------------------------

  getReference<T>(kind: string, id: string): T | undefined {
    return this.reference.get([kind, id]) as T | undefined;
  }

  putReference(kind: string, id: string, value: unknown): Promise<void> {
    return this.track(this.reference.put([kind, id], value));
  }

  removeReference(kind: string, id: string): Promise<void> {
    return this.track(this.reference.remove([kind, id]));
  }

  *referencesOf<T>(kind: string): Iterable<{ id: string; value: T }> {
    for (const { key, value } of this.reference.getRange({ start: [kind, ''], end: [kind, '\uffff'] })) {
      yield { id: key[1], value: value as T };
    }
  }

  // ---- durability ----------------------------------------------------------------------------

  /** Writes issued and not yet flushed. */
  get unflushedWrites(): number {
    return this.writesIssued - this.writesFlushed;
  }

  /** Sequence number of the last write issued (compare with `flushedWrites`). */
  get issuedWrites(): number {
    return this.writesIssued;
  }

  get flushedWrites(): number {
    return this.writesFlushed;
  }

  /** Resolves once every write issued so far is on disk. */
  flushed(): Promise<void> {
    return this.root.flushed.then(() => undefined);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.root.flushed;
    await this.root.close();
  }

  private track(write: Promise<boolean> & { flushed?: Promise<void> }): Promise<void> {
    assert(!this.closed, 'write after the store was closed');
    this.writesIssued++;
    const flushed = write.flushed;
    assert(flushed !== undefined, 'the store must be opened with separateFlushed');
    return Promise.all([write, flushed]).then(
      () => {
        this.writesFlushed++;
        // Every write of one commit learns of its flush in the same burst of microtasks; the
        // report runs after that burst, so it counts one commit's writes.
        if (!this.batchReportScheduled) {
          this.batchReportScheduled = true;
          setImmediate(() => {
            this.batchReportScheduled = false;
            this.reportBatch();
          });
        }
      },
      (error: unknown) => {
        // Nothing is confirmed after a failed write: the engine stops (onFatal) and waiters stay pending.
        this.onFatal(error);
        return new Promise<void>(() => undefined);
      },
    );
  }

  private lastReported = 0;

  private reportBatch(): void {
    const size = this.writesFlushed - this.lastReported;
    if (size <= 0) return;
    this.lastReported = this.writesFlushed;
    for (const listener of this.batchListeners) listener(size);
  }
}
