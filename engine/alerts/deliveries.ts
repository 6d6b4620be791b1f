// Deliveries of alerts to the outside: one per alert and channel (webhook, e-mail), persisted in LMDB
// from the alert's own commit until it ends, so a restart resumes them. An attempt that fails for a
// reason that may pass (a timeout, a 5xx) is retried with exponential back-off — the first delay
// doubling to the last — up to a bounded number of attempts; then, or at once on a failure that will
// not pass (no secret configured, a 4xx), the delivery ends failed and the service journals
// `alert.delivery_failed`: never dropped silently. Bounded: attempts in flight, deliveries waiting.
// Nothing here runs on a decision's path: attempts are promises and timers of their own.

import { constants } from '../constants.js';
import type { Clock } from '../clock.js';
import type { LmdbStore } from '../store/lmdb-store.js';
import type { AlertRaised, AlertSubject, AlertTrigger } from './alert.js';
import type { AlertChannel, AlertRuleId, AlertSettings, AlertSeverity } from './settings.js';

/** The alert as a webhook or an e-mail carries it. */
export interface AlertPayload {
  id: string;
  network: string;
  number: number;
  rule: AlertRuleId;
  severity: AlertSeverity;
  subject: AlertSubject;
  message: string;
  trigger: AlertTrigger;
  dedupKey: string;
  raisedAt: number;
}

export function payloadOf(event: AlertRaised): AlertPayload {
  return {
    id: event.alertId,
    network: event.network,
    number: event.number,
    rule: event.rule,
    severity: event.severity,
    subject: event.subject,
    message: event.message,
    trigger: event.trigger,
    dedupKey: event.dedupKey,
    raisedAt: event.at,
  };
}

export interface DeliveryAttempt {
  alert: AlertPayload;
  channel: AlertChannel;
  /** 1 for the first attempt. */
  attempt: number;
  /** The network's alert settings now (where to send). */
  settings: AlertSettings | undefined;
}

export type SendResult = { ok: true } | { ok: false; permanent: boolean; error: string };
export type Sender = (attempt: DeliveryAttempt) => Promise<SendResult>;

export interface DeliveryRecord {
  alert: AlertPayload;
  channel: AlertChannel;
  /** Attempts made so far. */
  attempts: number;
  /** When the next attempt is due (engine clock). */
  dueAt: number;
}

export type DeliveryOutcome = { result: 'delivered'; attempts: number } | { result: 'failed'; attempts: number; error: string };

export const deliveryResults = ['delivered', 'retried', 'failed'] as const;
export type DeliveryResult = (typeof deliveryResults)[number];

export interface DeliveryOptions {
  attemptsMax: number;
  retryDelayFirstMs: number;
  retryDelayMaxMs: number;
  inFlightMax: number;
  pendingMax: number;
}

export function defaultDeliveryOptions(): DeliveryOptions {
  return {
    attemptsMax: constants.alertDeliveryAttemptsMax,
    retryDelayFirstMs: constants.alertDeliveryRetryDelayFirstMs,
    retryDelayMaxMs: constants.alertDeliveryRetryDelayMaxMs,
    inFlightMax: constants.alertDeliveriesInFlightMax,
    pendingMax: constants.alertDeliveriesPendingMax,
  };
}

const recordKind = 'alert-delivery';

export function deliveryIdOf(alertId: string, channel: AlertChannel): string {
  return `${alertId}/${channel}`;
}

/** The delay before attempt `attempts + 1`: the first delay doubled per attempt made, at most the last. */
export function retryDelayMs(options: Pick<DeliveryOptions, 'retryDelayFirstMs' | 'retryDelayMaxMs'>, attempts: number): number {
  return Math.min(options.retryDelayMaxMs, options.retryDelayFirstMs * 2 ** Math.max(0, attempts - 1));
}

export class Deliveries {
  private readonly pending = new Map<string, DeliveryRecord>();
  private readonly ready: string[] = [];
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private inFlight = 0;
  private closed = false;
  /** Attempts by channel and result. */
  readonly counts = new Map<`${AlertChannel}|${DeliveryResult}`, number>();

  constructor(
    private readonly store: LmdbStore,
    private readonly clock: Clock,
    private readonly senders: Record<AlertChannel, Sender>,
    private readonly settingsOf: (networkId: string) => AlertSettings | undefined,
    /** Ends a delivery: the service journals its outcome (and this record is removed in the same commit). */
    private readonly end: (record: DeliveryRecord, outcome: DeliveryOutcome) => void,
    private readonly options: DeliveryOptions,
  ) {}

  get pendingCount(): number {
    return this.pending.size;
  }

  /**
   * Registers the deliveries an alert owes, in the alert's commit. Returns the ids to `start` once
   * that commit is flushed. Past `pendingMax` waiting, a delivery ends failed at once.
   */
  add(alert: AlertPayload, channels: readonly AlertChannel[]): string[] {
    const ids: string[] = [];
    for (const channel of channels) {
      const record: DeliveryRecord = { alert, channel, attempts: 0, dueAt: this.clock.now() };
      if (this.pending.size >= this.options.pendingMax) {
        this.count(channel, 'failed');
        this.end(record, { result: 'failed', attempts: 0, error: `too many deliveries waiting (${this.options.pendingMax})` });
        continue;
      }
      const id = deliveryIdOf(alert.id, channel);
      this.pending.set(id, record);
      this.store.putReference(recordKind, id, record);
      ids.push(id);
    }
    return ids;
  }

  start(ids: readonly string[]): void {
    for (const id of ids) this.schedule(id, 0);
  }

  /** Deliveries a previous run left unfinished, resumed when each is due. */
  resume(): number {
    let resumed = 0;
    for (const { id, value } of this.store.referencesOf<DeliveryRecord>(recordKind)) {
      this.pending.set(id, value);
      this.schedule(id, Math.max(0, value.dueAt - this.clock.now()));
      resumed++;
    }
    return resumed;
  }

  /** Removes a delivery's record (in the commit of its outcome). */
  remove(record: DeliveryRecord): void {
    const id = deliveryIdOf(record.alert.id, record.channel);
    this.store.removeReference(recordKind, id);
  }

  close(): void {
    this.closed = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private schedule(id: string, delayMs: number): void {
    if (this.closed) return;
    const timer = setTimeout(() => {
      this.timers.delete(id);
      this.ready.push(id);
      this.pump();
    }, delayMs);
    timer.unref();
    this.timers.set(id, timer);
  }

  private pump(): void {
    while (!this.closed && this.inFlight < this.options.inFlightMax && this.ready.length > 0) {
      const id = this.ready.shift() ?? '';
      const record = this.pending.get(id);
      if (record === undefined) continue;
      this.inFlight++;
      void this.attempt(id, record).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  private async attempt(id: string, record: DeliveryRecord): Promise<void> {
    const attempt = record.attempts + 1;
    let result: SendResult;
    try {
      result = await this.senders[record.channel]({ alert: record.alert, channel: record.channel, attempt, settings: this.settingsOf(record.alert.network) });
    } catch (error) {
      result = { ok: false, permanent: false, error: error instanceof Error ? error.name : 'error' };
    }
    if (this.closed) return; // the record stays: the next start resumes it
    if (result.ok) {
      this.pending.delete(id);
      this.count(record.channel, 'delivered');
      this.end(record, { result: 'delivered', attempts: attempt });
      return;
    }
    const error = result.error.slice(0, constants.alertDeliveryErrorLengthMax);
    if (result.permanent || attempt >= this.options.attemptsMax) {
      this.pending.delete(id);
      this.count(record.channel, 'failed');
      this.end(record, { result: 'failed', attempts: attempt, error });
      return;
    }
    this.count(record.channel, 'retried');
    const delay = retryDelayMs(this.options, attempt);
    const next: DeliveryRecord = { ...record, attempts: attempt, dueAt: this.clock.now() + delay };
    this.pending.set(id, next);
    this.store.putReference(recordKind, id, next);
    this.schedule(id, delay);
  }

  private count(channel: AlertChannel, result: DeliveryResult): void {
    const key = `${channel}|${result}` as const;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }
}
