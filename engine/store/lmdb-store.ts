// The engine's durable store: one LMDB environment holding the event journal (actor key + sequence),
// snapshots, the global feed the read model follows, idempotency records (terminals' requests and
// the HTTP API's answers kept for `Idempotency-Key`), the hold-expiry index,
// transaction records and reference data. Writes are asynchronous and batched by lmdb-js into one
// transaction per turn of the event loop (group commit). The store follows each commit, not each
// write: `afterFlush(callback)` runs the callback once everything written before it is on disk, and
// committed events reach their listeners then. Nothing that depends on a write is shown before that.
// Reference kinds read on every request (card configurations) can be kept in memory as written.

import { open } from 'lmdb';
import type { Database, DatabaseOptions, RootDatabase } from 'lmdb';
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

/** An HTTP answer kept for retries with the same `Idempotency-Key` (gateways/http/api/idempotency.ts). */
export interface ApiAnswerRecord {
  /** The request's keyed fingerprint (method, path, query, body). */
  fingerprint: string;
  /** The answer (status line, headers, body) as JSON, sealed when the security module is there. */
  answer: string;
  at: number;
}

/** One money operation of a till's shift (the Z-report sums them). */
export interface ShiftOperationRecord {
  op: 'sale' | 'refund' | 'topup';
  amount: number;
  payments: Partial<Record<'cash' | 'bank_card' | 'account' | 'bonus', number>>;
}

/** An open wash session as a site's board lists it (written at start, removed at stop). */
export interface BoardEntry {
  sessionId: string;
  number: number;
  client: string;
  name: string;
  plate?: string;
  member: boolean;
  tariff: string;
  tariffName: string;
  rate: number;
  minimumMinutes: number;
  maximumMinutes: number;
  terminal: string;
  startedAt: number;
}

export interface StoreOptions {
  path: string;
  /** Called when a write fails: the engine cannot go on with state it could not make durable. */
  onFatal: (error: unknown) => void;
  /** Map size; LMDB grows the file lazily up to it. */
  mapSizeBytes?: number;
  /**
   * Reference kinds read on every request (the engine's: card configurations), kept in memory as
   * they are written: up to `referencesCachedMax` records (default none), the oldest forgotten first.
   */
  cachedReferenceKinds?: readonly string[];
  referencesCachedMax?: number;
  /**
   * Called when a committed listener throws (default: one JSON line on stderr). The listener's
   * failure is its own: the other listeners and the replies waiting on the commit still run.
   */
  onListenerError?: (error: unknown) => void;
}

/** One LMDB commit as the store follows it: the writes issued into it and what waits for its flush. */
interface CommitGroup {
  /** The commit's `flushed` promise (lmdb-js shares one per transaction). */
  flushed: Promise<void>;
  writes: number;
  committed: CommittedEvent[];
  callbacks: (() => void)[];
  done: boolean;
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
  private readonly shiftOperationsDb: Database<ShiftOperationRecord, [string, number, string]>;
  private readonly board: Database<BoardEntry, [string, string]>;
  private readonly sessionsDue: Database<true, [number, string, number]>;
  private readonly chargesPending: Database<true, [string, number]>;
  private readonly apiAnswers: Database<ApiAnswerRecord, [string, string]>;
  private readonly apiAnswersByTime: Database<true, [number, string, string]>;
  private nextPosition: number;
  private readonly cachedKinds: ReadonlySet<string>;
  /** Records of the cached kinds as last written or read (`kind\0id`; undefined: known to be absent). */
  private readonly referenceCache = new Map<string, unknown>();
  private readonly referencesCachedMax: number;
  private readonly logSeqs = new Map<string, number>();
  private writesIssued = 0;
  private writesFlushed = 0;
  /** The commit the latest write went into (undefined before the first write). */
  private group: CommitGroup | undefined;
  private readonly committedListeners: ((event: CommittedEvent) => void)[] = [];
  private readonly batchListeners: ((writes: number) => void)[] = [];
  private readonly onFatal: (error: unknown) => void;
  private readonly onListenerError: (error: unknown) => void;
  private closed = false;

  constructor(options: StoreOptions) {
    this.onFatal = options.onFatal;
    this.onListenerError =
      options.onListenerError ?? ((error: unknown) => process.stderr.write(`${JSON.stringify({ level: 'error', msg: 'a committed listener failed', error: String(error) })}\n`));
    this.path = options.path;
    this.cachedKinds = new Set(options.cachedReferenceKinds ?? []);
    this.referencesCachedMax = options.referencesCachedMax ?? 0;
    this.root = open({
      path: options.path,
      // Durable by default: commits are flushed (overlappingSync); each write exposes `flushed`.
      separateFlushed: true,
      mapSize: options.mapSizeBytes ?? 64 * 1024 * 1024 * 1024,
      maxDbs: 16,
      noMemInit: true,
    });
    // Plain MessagePack maps, not msgpackr records: the engine writes more shapes of events, replies
    // and records than the 32 structures records share, and past them every write defines its
    // structure again (3× slower than plain maps). More shared structures would be faster still, but
    // lmdb-js 3.5 cannot read them back after a restart. (lmdb-js passes `useRecords` to msgpackr;
    // its type declarations do not list it.)
    const named = (name: string): DatabaseOptions & { name: string } => ({ name, useRecords: false }) as DatabaseOptions & { name: string };
    this.journal = this.root.openDB(named('journal'));
    this.snapshots = this.root.openDB(named('snapshots'));
    this.feed = this.root.openDB(named('feed'));
    this.idempotency = this.root.openDB(named('idempotency'));
    this.idempotencyByTime = this.root.openDB(named('idempotency-by-time'));
    this.holdsDue = this.root.openDB(named('holds-due'));
    this.transactions = this.root.openDB(named('transactions'));
    this.reference = this.root.openDB(named('reference'));
    this.shiftOperationsDb = this.root.openDB(named('shift-operations'));
    this.board = this.root.openDB(named('open-sessions'));
    this.sessionsDue = this.root.openDB(named('sessions-due'));
    this.chargesPending = this.root.openDB(named('session-charges-pending'));
    this.apiAnswers = this.root.openDB(named('api-answers'));
    this.apiAnswersByTime = this.root.openDB(named('api-answers-by-time'));
    let last = 0;
    for (const key of this.feed.getKeys({ reverse: true, limit: 1 })) last = key;
    this.nextPosition = last + 1;
  }

  // ---- journal -------------------------------------------------------------------------------

  /** Appends an event; it reaches the committed listeners once it is flushed. */
  append(key: string, seq: number, data: StoredEvent['data'], at: number): void {
    const position = this.nextPosition++;
    this.issue(this.journal.put([key, seq], { data, at }));
    this.issue(this.feed.put(position, { key, seq })).committed.push({ key, seq, position, event: data, at });
  }

  /**
   * Appends to a journal that no actor owns (a network's: imports, price changes), numbering it
   * here: the last sequence number is remembered, because a read does not see writes not yet committed.
   */
  appendToLog(key: string, data: StoredEvent['data'], at: number): void {
    const seq = (this.logSeqs.get(key) ?? this.lastSeqOf(key)) + 1;
    this.logSeqs.set(key, seq);
    this.append(key, seq, data, at);
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

  /** Called with every event once it is flushed, in journal order; returns how to stop listening. */
  onCommitted(listener: (event: CommittedEvent) => void): () => void {
    this.committedListeners.push(listener);
    return () => {
      const index = this.committedListeners.indexOf(listener);
      if (index >= 0) this.committedListeners.splice(index, 1);
    };
  }

  /** Reports, on each flush, how many writes it made durable (the commit batch size). */
  onBatchFlushed(listener: (writes: number) => void): void {
    this.batchListeners.push(listener);
  }

  // ---- snapshots -----------------------------------------------------------------------------

  snapshot(key: string): { seq: number; data: unknown; at: number } | undefined {
    return this.snapshots.get(key);
  }

  saveSnapshot(key: string, seq: number, data: unknown, at: number): void {
    this.issue(this.snapshots.put(key, { seq, data, at }));
  }

  // ---- idempotency ---------------------------------------------------------------------------

  idempotencyRecord(terminalId: string, requestId: string): IdempotencyRecord | undefined {
    return this.idempotency.get([terminalId, requestId]);
  }

  /** Stores the first reply to a request (durable with the writes of the same turn). */
  remember(terminalId: string, requestId: string, record: IdempotencyRecord): void {
    this.issue(this.idempotencyByTime.put([record.at, terminalId, requestId], true));
    this.issue(this.idempotency.put([terminalId, requestId], record));
  }

  /** Forgets idempotency records older than `before`; returns how many it removed. */
  forgetIdempotencyBefore(before: number, max: number): number {
    let removed = 0;
    for (const key of this.idempotencyByTime.getKeys({ start: [0, '', ''], end: [before, '', ''], limit: max })) {
      this.issue(this.idempotency.remove([key[1], key[2]]));
      this.issue(this.idempotencyByTime.remove(key));
      removed++;
    }
    return removed;
  }

  // ---- HTTP answers kept for Idempotency-Key retries ----------------------------------------

  /** The answer kept for a caller's (scope's) key, or undefined. */
  apiAnswer(scope: string, key: string): ApiAnswerRecord | undefined {
    return this.apiAnswers.get([scope, key]);
  }

  /** Keeps an answer (durable with the writes of the same turn; `flushed()` waits for it). */
  rememberApiAnswer(scope: string, key: string, record: ApiAnswerRecord): void {
    const previous = this.apiAnswers.get([scope, key]);
    if (previous !== undefined) this.issue(this.apiAnswersByTime.remove([previous.at, scope, key]));
    this.issue(this.apiAnswersByTime.put([record.at, scope, key], true));
    this.issue(this.apiAnswers.put([scope, key], record));
  }

  /** Forgets answers kept before `before` (at most `max`); returns how many it removed. */
  forgetApiAnswersBefore(before: number, max: number): number {
    let removed = 0;
    for (const key of this.apiAnswersByTime.getKeys({ start: [0, '', ''], end: [before, '', ''], limit: max })) {
      const record = this.apiAnswers.get([key[1], key[2]]);
      if (record !== undefined && record.at === key[0]) this.issue(this.apiAnswers.remove([key[1], key[2]]));
      this.issue(this.apiAnswersByTime.remove(key));
      removed++;
    }
    return removed;
  }

  // ---- hold expiry index ---------------------------------------------------------------------

  holdOpened(expiresAt: number, accountKey: string, holdNumber: number): void {
    this.issue(this.holdsDue.put([expiresAt, accountKey, holdNumber], true));
  }

  holdClosed(expiresAt: number, accountKey: string, holdNumber: number): void {
    this.issue(this.holdsDue.remove([expiresAt, accountKey, holdNumber]));
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
    this.issue(this.transactions.put([accountKey, txNumber], record));
  }

  transaction(accountKey: string, txNumber: number): Record<string, unknown> | undefined {
    return this.transactions.get([accountKey, txNumber]);
  }

  // ---- shift operations ----------------------------------------------------------------------

  /** Records a money operation of a shift, keyed by the terminal's request id (in the decision's commit). */
  recordShiftOperation(terminalId: string, shiftNumber: number, requestId: string, operation: ShiftOperationRecord): void {
    this.issue(this.shiftOperationsDb.put([terminalId, shiftNumber, requestId], operation));
  }

  *shiftOperations(terminalId: string, shiftNumber: number): Iterable<ShiftOperationRecord> {
    for (const { value } of this.shiftOperationsDb.getRange({ start: [terminalId, shiftNumber, ''], end: [terminalId, shiftNumber, '\uffff'] })) yield value;
  }

  // ---- wash sessions -------------------------------------------------------------------------

  /** An open session: on its site's board, and due for the automatic stop at `dueAt`. */
  sessionOpened(site: string, sessionKey: string, entry: BoardEntry, dueAt: number): void {
    this.issue(this.board.put([site, sessionKey], entry));
    this.issue(this.sessionsDue.put([dueAt, sessionKey, entry.number], true));
  }

  /** The session stopped: off the board, not due, and its charge pending until the account confirms it. */
  sessionStopped(site: string, sessionKey: string, dueAt: number, number: number): void {
    this.issue(this.board.remove([site, sessionKey]));
    this.issue(this.sessionsDue.remove([dueAt, sessionKey, number]));
    this.issue(this.chargesPending.put([sessionKey, number], true));
  }

  sessionSettled(sessionKey: string, number: number): void {
    this.issue(this.chargesPending.remove([sessionKey, number]));
  }

  *openSessionsAt(site: string, max: number): Iterable<BoardEntry> {
    for (const { value } of this.board.getRange({ start: [site, ''], end: [site, '\uffff'], limit: max })) yield value;
  }

  *sessionsDueBy(now: number, max: number): Iterable<{ dueAt: number; sessionKey: string; number: number }> {
    for (const key of this.sessionsDue.getKeys({ start: [0, '', 0], end: [now + 1, '', 0], limit: max })) yield { dueAt: key[0], sessionKey: key[1], number: key[2] };
  }

  /** Session actors with a charge the account has not confirmed (resumed at start). */
  *pendingSessionCharges(): Iterable<{ sessionKey: string; number: number }> {
    for (const key of this.chargesPending.getKeys({})) yield { sessionKey: key[0], number: key[1] };
  }

  // ---- reference data ------------------------------------------------------------------------

  /**
   * A reference record. Records of the cached kinds come from memory once read or written: a write
   * is seen at once, before its commit (whatever decides on it commits after it, so nothing durable
   * ever rests on a record that is not). Callers must not change what they get.
   */
  getReference<T>(kind: string, id: string): T | undefined {
    if (!this.cachedKinds.has(kind)) return this.reference.get([kind, id]) as T | undefined;
    const cacheKey = `${kind}\u0000${id}`;
    const cached = this.referenceCache.get(cacheKey);
    if (cached !== undefined || this.referenceCache.has(cacheKey)) return cached as T | undefined;
    const value = this.reference.get([kind, id]);
    this.cacheReference(cacheKey, value);
    return value as T | undefined;
  }

  /** Whether a reference record exists (no decoding). */
  hasReference(kind: string, id: string): boolean {
    const cacheKey = `${kind}\u0000${id}`;
    if (this.cachedKinds.has(kind) && this.referenceCache.has(cacheKey)) return this.referenceCache.get(cacheKey) !== undefined;
    return this.reference.doesExist([kind, id]);
  }

  putReference(kind: string, id: string, value: unknown): void {
    this.issue(this.reference.put([kind, id], value));
    if (this.cachedKinds.has(kind)) this.cacheReference(`${kind}\u0000${id}`, value);
  }

  removeReference(kind: string, id: string): void {
    this.issue(this.reference.remove([kind, id]));
    if (this.cachedKinds.has(kind)) this.cacheReference(`${kind}\u0000${id}`, undefined);
  }

  *referencesOf<T>(kind: string): Iterable<{ id: string; value: T }> {
    for (const { key, value } of this.reference.getRange({ start: [kind, ''], end: [kind, '\uffff'] })) {
      yield { id: key[1], value: value as T };
    }
  }

  // ---- durability ----------------------------------------------------------------------------

  /**
   * Runs `callback` once every write issued so far is on disk (the reply of a decision waits here).
   * Callbacks run in the order they were registered, one commit at a time.
   */
  afterFlush(callback: () => void): void {
    this.whenFlushed(callback);
  }

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
    return new Promise((resolve) => this.whenFlushed(resolve));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.root.flushed;
    await this.root.close();
  }

  private cacheReference(cacheKey: string, value: unknown): void {
    if (this.referencesCachedMax <= 0) return;
    this.referenceCache.delete(cacheKey);
    if (this.referenceCache.size >= this.referencesCachedMax) {
      const oldest = this.referenceCache.keys().next();
      if (!oldest.done) this.referenceCache.delete(oldest.value);
    }
    this.referenceCache.set(cacheKey, value);
  }

  private whenFlushed(callback: () => void): void {
    const group = this.group;
    if (group === undefined || group.done) queueMicrotask(callback);
    else group.callbacks.push(callback);
  }

  /**
   * Follows a write: lmdb-js gives every write of one transaction the same promises, so the store
   * attaches one continuation per commit, not one per write. A failed commit is fatal: nothing
   * after it is confirmed, and whoever waits keeps waiting while the engine stops (onFatal).
   */
  private issue(write: Promise<boolean> & { flushed?: Promise<void> }): CommitGroup {
    assert(!this.closed, 'write after the store was closed');
    this.writesIssued++;
    const flushed = write.flushed;
    assert(flushed !== undefined, 'the store must be opened with separateFlushed');
    let group = this.group;
    if (group === undefined || group.flushed !== flushed) {
      const opened: CommitGroup = { flushed, writes: 0, committed: [], callbacks: [], done: false };
      this.group = group = opened;
      Promise.all([write, flushed]).then(
        () => this.completed(opened),
        (error: unknown) => this.onFatal(error),
      );
    }
    group.writes++;
    return group;
  }

  private completed(group: CommitGroup): void {
    group.done = true;
    this.writesFlushed += group.writes;
    for (const listener of this.batchListeners) listener(group.writes);
    for (const event of group.committed) {
      for (const listener of this.committedListeners) {
        try {
          listener(event);
        } catch (error) {
          this.onListenerError(error);
        }
      }
    }
    for (const callback of group.callbacks) callback();
  }
}
