// The alert rules' runner: feeds committed events to the pure evaluator (evaluate.ts), in journal
// order, never on a decision's path. The engine's commit listener only queues the event (after its
// flush); a drain evaluates at most `alertBatchEventsMax` of them per turn of the event loop. The
// drain waits `alertDrainDelayMs` unless a whole batch is waiting (then `setImmediate`): each drain is
// an LMDB commit of its own, and at a moderate rate one per event would double the commits — and the
// flushes decisions wait for. A full queue stops queueing and counts the overflow; the drain then
// reads the missing positions back from the journal (`feedAfter`) until it has caught up.
//
// The checkpoint — the position evaluated up to — is written with the watch state of the subjects
// changed since the last one, in one LMDB commit: with the alerts of the batch that raised them
// (journalled by the service in the same turn), else at most every `alertCheckpointIntervalMs` (or
// sooner past `alertCheckpointEventsMax` events or `alertCheckpointSubjectsMax` subjects), on
// `idle()` and on close. After a restart the evaluation resumes after the checkpoint, with the watch
// state as of that position: an event evaluated since is evaluated again, from the same state, so it
// raises what it raised the first time — nothing, since a batch that raised an alert was checkpointed
// with it. No alert is raised twice and no event is skipped. Cards' watch state is read through from
// LMDB on a cache miss; terminals, cashiers and open shifts are few and loaded at start; an account's
// shadow is rebuilt from its snapshot and journal (the actor's own evolve) when it is not in memory.

import { constants } from '../constants.js';
import type { Clock } from '../clock.js';
import type { AccountEvent, AccountSnapshot } from '../domain/account.js';
import { decodeAccountSnapshot, evolveAccount, initialAccountState } from '../domain/account.js';
import type { AccountConfig, CardConfig } from '../network/catalog.js';
import { referenceKinds } from '../network/catalog.js';
import type { Catalogs } from '../network/catalogs.js';
import type { CommittedEvent, LmdbStore } from '../store/lmdb-store.js';
import type { AlertDraft } from './alert.js';
import type { Evaluation, EvaluationContext } from './evaluate.js';
import { evaluate, forgetEndedWindows, sweep } from './evaluate.js';
import type { AlertRuleId } from './settings.js';
import type { CardWatch, CashierWatch, TerminalWatch, WatchState } from './watch.js';
import { initialWatchState, trimAccountShadow } from './watch.js';

const kinds = {
  checkpoint: 'alert-checkpoint',
  card: 'alert-card',
  terminal: 'alert-terminal',
  cashier: 'alert-cashier',
  shift: 'alert-shift',
} as const;

/** A map of cards' watch state that reads a miss through from LMDB (the evaluator sees a plain Map). */
class ReadThroughMap<V> extends Map<string, V> {
  constructor(private readonly load: (key: string) => V | undefined) {
    super();
  }

  override get(key: string): V | undefined {
    const value = super.get(key);
    if (value !== undefined) return value;
    const loaded = this.load(key);
    if (loaded !== undefined) super.set(key, loaded);
    return loaded;
  }

  override has(key: string): boolean {
    return this.get(key) !== undefined;
  }
}

export interface RunnerStats {
  /** Events evaluated since start. */
  evaluated: number;
  /** Events not queued because the queue was full (read back from the journal). */
  overflowed: number;
  /** Account events whose money rules could not be judged (the shadow could not be rebuilt). */
  accountsSkipped: number;
  suppressed: Map<AlertRuleId, number>;
}

export interface RunnerOptions {
  store: LmdbStore;
  clock: Clock;
  catalogs: Catalogs;
  /** Journals the alerts of a batch (in the batch's commit). */
  raise: (drafts: AlertDraft[]) => void;
  /** Dedup windows still open, from the alert journal. */
  dedup: Iterable<[string, number]>;
  queueEventsMax?: number;
  batchEventsMax?: number;
  drainDelayMs?: number;
  /** 0: write the checkpoint with every batch. */
  checkpointIntervalMs?: number;
}

export class AlertRunner {
  readonly state: WatchState;
  readonly stats: RunnerStats = { evaluated: 0, overflowed: 0, accountsSkipped: 0, suppressed: new Map() };
  private readonly store: LmdbStore;
  private readonly context: EvaluationContext;
  private readonly queue: CommittedEvent[] = [];
  private queueHead = 0;
  private overflowing = false;
  private scheduled = false;
  /** The drain's timer while it waits (undefined when it runs at the next turn). */
  private timer: NodeJS.Timeout | undefined;
  /** Someone waits for `idle()`: drain at once. */
  private hurry = 0;
  private closed = false;
  /** Evaluated up to this position (the checkpoint). */
  private evaluatedPosition: number;
  /** The last position known to be on disk. */
  private headPosition: number;
  private readonly waiters: (() => void)[] = [];
  private readonly cardConfigs = new Map<string, CardConfig | undefined>();
  private readonly accountConfigs = new Map<string, AccountConfig | undefined>();
  private readonly queueEventsMax: number;
  private readonly batchEventsMax: number;
  private readonly drainDelayMs: number;
  private readonly checkpointIntervalMs: number;
  /** Events evaluated since the checkpoint was last written. */
  private unwrittenEvents = 0;
  /** The timer that writes a checkpoint deferred by a batch that raised nothing. */
  private checkpointTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: RunnerOptions) {
    this.store = options.store;
    this.queueEventsMax = options.queueEventsMax ?? constants.alertQueueEventsMax;
    this.batchEventsMax = options.batchEventsMax ?? constants.alertBatchEventsMax;
    this.drainDelayMs = options.drainDelayMs ?? constants.alertDrainDelayMs;
    this.checkpointIntervalMs = options.checkpointIntervalMs ?? constants.alertCheckpointIntervalMs;
    const store = this.store;
    this.state = initialWatchState();
    this.state.cards = new ReadThroughMap<CardWatch>((id) => store.getReference<CardWatch>(kinds.card, id));
    for (const { id, value } of store.referencesOf<TerminalWatch>(kinds.terminal)) this.state.terminals.set(id, value);
    for (const { id, value } of store.referencesOf<CashierWatch>(kinds.cashier)) this.state.cashiers.set(id, value);
    for (const { id, value } of store.referencesOf<string>(kinds.shift)) this.state.shifts.set(id, value);
    for (const [key, until] of options.dedup) this.state.dedup.set(key, until);
    // What the file holds was committed before this start; a first start begins at the present (the
    // rules watch what happens from now on, not years of history).
    const checkpoint = store.getReference<number>(kinds.checkpoint, 'feed');
    this.headPosition = store.lastPosition;
    this.evaluatedPosition = checkpoint ?? this.headPosition;
    if (checkpoint === undefined) store.putReference(kinds.checkpoint, 'feed', this.evaluatedPosition);
    this.context = {
      catalog: (networkId) => options.catalogs.network(networkId),
      card: (networkId, hash) => this.cached(this.cardConfigs, `${networkId}:${hash}`, (id) => store.getReference<CardConfig>(referenceKinds.card, id)),
      account: (accountKey) => this.cached(this.accountConfigs, accountKey, (key) => store.getReference<AccountConfig>(referenceKinds.account, key)),
    };
    if (this.evaluatedPosition < this.headPosition) this.schedule();
  }

  /** The engine's commit listener: the event is on disk. Cheap: a push and a flag. */
  committed(event: CommittedEvent): void {
    if (event.position > this.headPosition) this.headPosition = event.position;
    if (!this.overflowing && this.queue.length - this.queueHead < this.queueEventsMax) this.queue.push(event);
    else {
      this.overflowing = true;
      this.stats.overflowed++;
    }
    this.schedule();
  }

  /** Events on disk not yet evaluated. */
  get lagPositions(): number {
    return Math.max(0, this.headPosition - this.evaluatedPosition);
  }

  /** Age of the oldest event not yet evaluated, in ms (0 when caught up). */
  lagMs(now: number): number {
    if (this.closed || this.evaluatedPosition >= this.headPosition) return 0;
    const queued = this.queue[this.queueHead];
    const next = queued !== undefined && queued.position === this.evaluatedPosition + 1 ? queued : [...this.store.feedAfter(this.evaluatedPosition, 1)][0];
    return next !== undefined ? Math.max(0, now - next.at) : 0;
  }

  get checkpoint(): number {
    return this.evaluatedPosition;
  }

  /** Resolves once every event on disk when it is called — and those its alerts wrote — is evaluated and flushed. */
  async idle(): Promise<void> {
    this.hurry++;
    try {
      for (;;) {
        if (!this.closed) this.writeCheckpoint();
        await this.store.flushed();
        if (this.closed || (this.evaluatedPosition >= this.headPosition && !this.scheduled)) return;
        if (this.timer !== undefined) {
          clearTimeout(this.timer);
          this.timer = undefined;
          setImmediate(() => this.drain());
        }
        await new Promise<void>((resolve) => this.waiters.push(resolve));
      }
    } finally {
      this.hurry--;
    }
  }

  /**
   * The periodic rules at `now`. Skipped while the evaluator lags (a terminal's last event may not be
   * evaluated yet, and it would look silent).
   */
  sweep(now: number): number {
    if (this.closed || this.evaluatedPosition < this.headPosition) return 0;
    forgetEndedWindows(this.state, now);
    const result = sweep(this.state, this.context, [...this.options.catalogs.all()].map((catalog) => catalog.id), now, (siteId) => this.store.openSessionsAt(siteId, constants.siteSessionsMax));
    this.count(result);
    if (result.alerts.length > 0) this.options.raise(result.alerts);
    return result.alerts.length;
  }

  /** Stops evaluating; what was evaluated is checkpointed (the store is still open: the engine flushes it next). */
  close(): void {
    if (!this.closed) this.writeCheckpoint();
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  private schedule(): void {
    if (this.scheduled || this.closed) return;
    this.scheduled = true;
    if (this.hurry > 0 || this.headPosition - this.evaluatedPosition >= this.batchEventsMax || this.drainDelayMs === 0) {
      setImmediate(() => this.drain());
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.drain();
    }, this.drainDelayMs);
    this.timer.unref();
  }

  private drain(): void {
    if (!this.scheduled) return; // a timer cleared for an immediate drain that already ran
    this.scheduled = false;
    if (this.closed) return;
    const batch = this.takeBatch();
    if (batch.length > 0) {
      const drafts: AlertDraft[] = [];
      for (const committed of batch) {
        if (committed.event.type === 'network.imported') this.forgetConfigs();
        if (committed.key.startsWith('acct:')) this.ensureAccount(committed.key, committed.seq);
        const result = evaluate(this.state, committed, this.context);
        this.count(result);
        for (const draft of result.alerts) drafts.push(draft);
        this.evaluatedPosition = committed.position;
        this.stats.evaluated++;
      }
      this.unwrittenEvents += batch.length;
      if (drafts.length > 0) {
        this.options.raise(drafts);
        this.writeCheckpoint();
      } else this.deferCheckpoint();
    }
    if (this.evaluatedPosition < this.headPosition) this.schedule();
    else {
      if (this.queueHead >= this.queue.length) this.overflowing = false;
      for (const waiter of this.waiters.splice(0)) waiter();
    }
  }

  /** The next positions to evaluate, from the queue where it holds them, else from the journal. */
  private takeBatch(): CommittedEvent[] {
    const batch: CommittedEvent[] = [];
    while (batch.length < this.batchEventsMax) {
      const next = this.evaluatedPosition + batch.length + 1;
      if (next > this.headPosition) break;
      while (this.queueHead < this.queue.length && (this.queue[this.queueHead]?.position ?? 0) < next) this.queueHead++;
      const queued = this.queue[this.queueHead];
      if (queued !== undefined && queued.position === next) {
        batch.push(queued);
        this.queueHead++;
        continue;
      }
      const until = queued !== undefined ? Math.min(queued.position - 1, this.headPosition) : this.headPosition;
      const before = batch.length;
      for (const event of this.store.feedAfter(next - 1, Math.min(this.batchEventsMax - batch.length, until - next + 1))) batch.push(event);
      if (batch.length === before) break; // nothing there (cannot happen for positions on disk)
    }
    if (this.queueHead > 4_096 && this.queueHead * 2 > this.queue.length) {
      this.queue.splice(0, this.queueHead);
      this.queueHead = 0;
    }
    return batch;
  }

  /** The account's shadow as of the event before `seq`: kept, or rebuilt from its snapshot and journal. */
  private ensureAccount(key: string, seq: number): void {
    const accounts = this.state.accounts;
    const watch = accounts.get(key);
    if (watch !== undefined && watch.seq >= seq - 1) return;
    accounts.delete(key);
    const config = this.context.account(key);
    if (config === undefined) return;
    const snapshot = this.store.snapshot(key);
    let account;
    let from: number;
    if (snapshot !== undefined && snapshot.data !== undefined && snapshot.data !== null && snapshot.seq <= seq - 1) {
      account = decodeAccountSnapshot(snapshot.data as AccountSnapshot);
      from = snapshot.seq;
    } else if (seq - 1 <= constants.alertAccountReplayEventsMax) {
      account = initialAccountState(config);
      from = 0;
    } else {
      this.stats.accountsSkipped++;
      return;
    }
    for (const { seq: eventSeq, event } of this.store.eventsOf(key, from)) {
      if (eventSeq > seq - 1) break;
      evolveAccount(account, event.data as unknown as AccountEvent);
    }
    accounts.set(key, { account: trimAccountShadow(account), seq: seq - 1 });
    while (accounts.size > constants.alertAccountsCachedMax) {
      const oldest = accounts.keys().next();
      if (oldest.done) break;
      accounts.delete(oldest.value);
    }
  }

  /** Writes the checkpoint now if a bound is passed or someone waits for `idle()`, else within the interval. */
  private deferCheckpoint(): void {
    const changed = this.state.changed;
    const subjects = changed.cards.size + changed.terminals.size + changed.cashiers.size + changed.shifts.size;
    if (this.checkpointIntervalMs === 0 || this.hurry > 0 || this.unwrittenEvents >= constants.alertCheckpointEventsMax || subjects >= constants.alertCheckpointSubjectsMax) {
      this.writeCheckpoint();
      return;
    }
    if (this.checkpointTimer !== undefined) return;
    this.checkpointTimer = setTimeout(() => {
      this.checkpointTimer = undefined;
      if (!this.closed) this.writeCheckpoint();
    }, this.checkpointIntervalMs);
    this.checkpointTimer.unref();
  }

  /**
   * Writes the subjects changed since the last checkpoint and the checkpoint (in the turn of the
   * alerts raised with them: one commit). Nothing when nothing was evaluated since.
   */
  private writeCheckpoint(): void {
    if (this.checkpointTimer !== undefined) {
      clearTimeout(this.checkpointTimer);
      this.checkpointTimer = undefined;
    }
    if (this.unwrittenEvents === 0) return;
    this.unwrittenEvents = 0;
    const { state, store } = this;
    const changed = state.changed;
    for (const id of changed.cards) {
      const watch = state.cards.get(id);
      if (watch !== undefined) store.putReference(kinds.card, id, watch);
    }
    for (const id of changed.terminals) {
      const watch = state.terminals.get(id);
      if (watch !== undefined) store.putReference(kinds.terminal, id, watch);
    }
    for (const id of changed.cashiers) {
      const watch = state.cashiers.get(id);
      if (watch !== undefined) store.putReference(kinds.cashier, id, watch);
    }
    for (const id of changed.shifts) {
      const cashier = state.shifts.get(id);
      if (cashier !== undefined) store.putReference(kinds.shift, id, cashier);
      else store.removeReference(kinds.shift, id);
    }
    changed.cards.clear();
    changed.terminals.clear();
    changed.cashiers.clear();
    changed.shifts.clear();
    store.putReference(kinds.checkpoint, 'feed', this.evaluatedPosition);
    // Written above, so safe to forget: the oldest cards first.
    const cards = state.cards;
    while (cards.size > constants.alertCardsCachedMax) {
      const oldest = cards.keys().next();
      if (oldest.done) break;
      cards.delete(oldest.value);
    }
  }

  private count(result: Evaluation): void {
    for (const rule of result.suppressed) this.stats.suppressed.set(rule, (this.stats.suppressed.get(rule) ?? 0) + 1);
  }

  private cached<V>(cache: Map<string, V | undefined>, key: string, load: (key: string) => V | undefined): V | undefined {
    if (cache.has(key)) return cache.get(key);
    const value = load(key);
    if (cache.size >= constants.alertConfigsCachedMax) cache.clear();
    cache.set(key, value);
    return value;
  }

  private forgetConfigs(): void {
    this.cardConfigs.clear();
    this.accountConfigs.clear();
  }
}
