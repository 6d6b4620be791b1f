// The engine's alerts (`engine.alerts`): the rules' runner, the alert book, deliveries, and what staff
// and the rest of the engine use — list, acknowledge, resolve, listen, settings, statistics.
// Alerts are durable before anyone hears of them: an alert is journalled in `alerts:<network>` (in
// the commit of the batch that raised it, with its owed deliveries), and listeners, webhooks and
// e-mails start once that commit is flushed. Staff actions are journalled the same way and answered
// after their flush. At start the book is rebuilt from the alert journals, open dedup windows with it,
// and deliveries a previous run left unfinished resume.

import type { Clock } from '../clock.js';
import type { Catalogs } from '../network/catalogs.js';
import type { LmdbStore } from '../store/lmdb-store.js';
import type { AlertDraft, AlertEvent, AlertRaised, AlertView } from './alert.js';
import { alertIdOf, alertLogKey, networkOfAlertId } from './alert.js';
import type { AlertActionReason, AlertBook, AlertQuery } from './book.js';
import { applyAlertEvent, countAlerts, decideAction, emptyAlertBook, findAlert, listAlerts, nextAlertNumber, unresolvedCount } from './book.js';
import type { DeliveryOptions, DeliveryOutcome, DeliveryRecord, DeliveryResult } from './deliveries.js';
import { Deliveries, defaultDeliveryOptions, payloadOf } from './deliveries.js';
import type { DeliveryConfig } from './delivery-config.js';
import { noDelivery } from './delivery-config.js';
import type { EmailSender } from './email.js';
import { emailSender } from './email.js';
import { AlertRunner } from './runner.js';
import type { AlertChannel, AlertRuleId, AlertSettings, AlertSeverity } from './settings.js';
import { channelsFor } from './settings.js';
import { webhookSender } from './webhook.js';

export const alertChanges = ['raised', 'acknowledged', 'resolved', 'delivered', 'delivery_failed'] as const;
export type AlertChange = (typeof alertChanges)[number];
export type AlertListener = (alert: AlertView, change: AlertChange) => void;

export type AlertActionResult = { result: 'approved'; reason: 'OK'; alert: AlertView } | { result: 'declined' | 'error'; reason: Exclude<AlertActionReason, 'OK'> | 'UNAVAILABLE'; message: string };

/** Something for the engine's log (never a secret, a card number or a request body). */
export type AlertLog = (level: 'info' | 'warn' | 'error', message: string, fields: Record<string, string | number>) => void;

export interface AlertOptions {
  /** Evaluate the rules (default true). false: nothing is evaluated; the book and API still answer. */
  evaluate?: boolean;
  /** Run the periodic rules every `alertSweepIntervalMs` (default true; the engine turns it off with its schedulers). */
  sweep?: boolean;
  delivery?: DeliveryConfig;
  /** Attempts and back-off of deliveries (defaults in constants.ts). */
  retry?: Partial<DeliveryOptions>;
  log?: AlertLog;
  queueEventsMax?: number;
  batchEventsMax?: number;
  /** How long a drain waits for more events (default `alertDrainDelayMs`; 0: at the next turn). */
  drainDelayMs?: number;
}

export interface AlertStats {
  raised: { rule: AlertRuleId; severity: AlertSeverity; count: number }[];
  suppressed: { rule: AlertRuleId; count: number }[];
  deliveries: { channel: AlertChannel; result: DeliveryResult; count: number }[];
  deliveriesPending: number;
  unresolved: number;
  evaluated: number;
  overflowed: number;
  lagPositions: number;
  lagSeconds: number;
}

const sweepIntervalMs = 30_000;

export class AlertService {
  private readonly book: AlertBook = emptyAlertBook();
  private readonly runner: AlertRunner | undefined;
  private readonly deliveries: Deliveries;
  private readonly email: EmailSender;
  private readonly abort = new AbortController();
  private readonly listeners: AlertListener[] = [];
  private readonly raisedCounts = new Map<`${AlertRuleId}|${AlertSeverity}`, number>();
  private readonly log: AlertLog;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly store: LmdbStore,
    private readonly clock: Clock,
    private readonly catalogs: Catalogs,
    options: AlertOptions = {},
  ) {
    this.log = options.log ?? (() => undefined);
    const delivery = options.delivery ?? noDelivery();
    this.email = emailSender(delivery.smtp);
    this.deliveries = new Deliveries(
      store,
      clock,
      { webhook: webhookSender({ secretFor: (networkId) => delivery.webhookSecret(networkId), clock, signal: this.abort.signal }), email: (attempt) => this.email.send(attempt) },
      (networkId) => this.settings(networkId),
      (record, outcome) => this.endDelivery(record, outcome),
      { ...defaultDeliveryOptions(), ...options.retry },
    );
    const dedup = this.rebuild();
    if (options.evaluate !== false) {
      const runner = new AlertRunner({
        store,
        clock,
        catalogs,
        raise: (drafts) => this.raise(drafts),
        dedup,
        ...(options.queueEventsMax !== undefined ? { queueEventsMax: options.queueEventsMax } : {}),
        ...(options.batchEventsMax !== undefined ? { batchEventsMax: options.batchEventsMax } : {}),
        ...(options.drainDelayMs !== undefined ? { drainDelayMs: options.drainDelayMs } : {}),
      });
      this.runner = runner;
      store.onCommitted((event) => runner.committed(event));
      if (options.sweep !== false) {
        this.timer = setInterval(() => this.sweep(), sweepIntervalMs);
        this.timer.unref();
      }
    }
    const resumed = this.deliveries.resume();
    if (resumed > 0) this.log('info', 'alert deliveries resumed', { deliveries: resumed });
  }

  /** Alerts, newest first (default: those not resolved, every network). */
  list(query: AlertQuery = {}): AlertView[] {
    return listAlerts(this.book, query).map(copy);
  }

  /** How many alerts match the query (default: those not resolved, every network). */
  count(query: AlertQuery = {}): number {
    return countAlerts(this.book, query);
  }

  get(alertId: string): AlertView | undefined {
    const network = networkOfAlertId(alertId);
    const view = network !== undefined ? findAlert(this.book, network, alertId) : undefined;
    return view !== undefined ? copy(view) : undefined;
  }

  /** The network's effective alert settings (the document's `alerts` section over the defaults). */
  settings(networkId: string): AlertSettings | undefined {
    return this.catalogs.network(networkId)?.alerts;
  }

  /** Staff saw the alert. Answered after the acknowledgement is on disk. */
  acknowledge(alertId: string, by: string): Promise<AlertActionResult> {
    return this.act({ type: 'acknowledge', alertId, by });
  }

  /** Staff dealt with the alert (it need not be acknowledged first). Answered after the resolution is on disk. */
  resolve(alertId: string, by: string, note?: string): Promise<AlertActionResult> {
    return this.act({ type: 'resolve', alertId, by, ...(note !== undefined ? { note } : {}) });
  }

  /** Called after every change of an alert is durable: raised, acknowledged, resolved, delivered or not. */
  onAlert(listener: AlertListener): void {
    this.listeners.push(listener);
  }

  /** Runs the periodic rules now (the sweep timer calls this); returns the alerts raised. */
  sweep(): number {
    return this.runner?.sweep(this.clock.now()) ?? 0;
  }

  /** Resolves once every committed event is evaluated and the resulting alerts are on disk (tests, drains). */
  async idle(): Promise<void> {
    await this.runner?.idle();
    await this.store.flushed();
  }

  stats(): AlertStats {
    const runner = this.runner;
    return {
      raised: [...this.raisedCounts].map(([key, count]) => {
        const [rule, severity] = key.split('|') as [AlertRuleId, AlertSeverity];
        return { rule, severity, count };
      }),
      suppressed: [...(runner?.stats.suppressed ?? new Map<AlertRuleId, number>())].map(([rule, count]) => ({ rule, count })),
      deliveries: [...this.deliveries.counts].map(([key, count]) => {
        const [channel, result] = key.split('|') as [AlertChannel, DeliveryResult];
        return { channel, result, count };
      }),
      deliveriesPending: this.deliveries.pendingCount,
      unresolved: unresolvedCount(this.book),
      evaluated: runner?.stats.evaluated ?? 0,
      overflowed: runner?.stats.overflowed ?? 0,
      lagPositions: runner?.lagPositions ?? 0,
      lagSeconds: runner !== undefined ? runner.lagMs(this.clock.now()) / 1000 : 0,
    };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.runner?.close();
    this.deliveries.close();
    this.abort.abort();
    this.email.close();
  }

  // ---- inside ----------------------------------------------------------------------------------

  /** Rebuilds the book from every network's alert journal; returns the dedup windows still open. */
  private rebuild(): [string, number][] {
    const now = this.clock.now();
    const open = new Map<string, number>();
    for (const catalog of this.catalogs.all()) {
      for (const { event } of this.store.eventsOf(alertLogKey(catalog.id), 0)) {
        const alertEvent = event.data as unknown as AlertEvent;
        applyAlertEvent(this.book, alertEvent);
        if (alertEvent.type === 'alert' && alertEvent.dedupUntil > now) {
          open.delete(alertEvent.dedupKey);
          open.set(alertEvent.dedupKey, alertEvent.dedupUntil);
        }
      }
    }
    return [...open];
  }

  /** Numbers and journals the alerts of one batch with their owed deliveries; told and sent after the flush. */
  private raise(drafts: readonly AlertDraft[]): void {
    const started: { view: AlertView; deliveries: string[] }[] = [];
    for (const draft of drafts) {
      const number = nextAlertNumber(this.book, draft.network);
      const settings = this.settings(draft.network);
      const event: AlertRaised = { type: 'alert', alertId: alertIdOf(draft.network, number), number, channels: settings !== undefined ? channelsFor(settings, draft.severity) : [], ...draft };
      this.journal(event);
      const view = applyAlertEvent(this.book, event);
      const key = `${draft.rule}|${draft.severity}` as const;
      this.raisedCounts.set(key, (this.raisedCounts.get(key) ?? 0) + 1);
      const deliveries = this.deliveries.add(payloadOf(event), event.channels);
      if (view !== undefined) started.push({ view, deliveries });
    }
    this.store.afterFlush(() => {
      for (const { view, deliveries } of started) {
        this.tell(view, 'raised');
        this.deliveries.start(deliveries);
      }
    });
  }

  private act(action: Parameters<typeof decideAction>[2]): Promise<AlertActionResult> {
    if (this.closed) return Promise.resolve({ result: 'error', reason: 'UNAVAILABLE', message: 'the engine is closing' });
    const network = networkOfAlertId(action.alertId);
    const decision = decideAction(this.book, network, action, this.clock.now());
    if (!decision.ok) return Promise.resolve({ result: decision.reason === 'BAD_REQUEST' ? 'error' : 'declined', reason: decision.reason, message: decision.message });
    this.journal(decision.event);
    const view = applyAlertEvent(this.book, decision.event);
    return new Promise((resolve) =>
      this.store.afterFlush(() => {
        if (view === undefined) {
          resolve({ result: 'declined', reason: 'ALERT_NOT_FOUND', message: 'no such alert' });
          return;
        }
        this.tell(view, decision.event.type === 'alert.acknowledged' ? 'acknowledged' : 'resolved');
        resolve({ result: 'approved', reason: 'OK', alert: copy(view) });
      }),
    );
  }

  private endDelivery(record: DeliveryRecord, outcome: DeliveryOutcome): void {
    if (this.closed) return;
    const base = { network: record.alert.network, alertId: record.alert.id, channel: record.channel, attempts: outcome.attempts, at: this.clock.now() };
    const event: AlertEvent = outcome.result === 'delivered' ? { type: 'alert.delivered', ...base } : { type: 'alert.delivery_failed', ...base, error: outcome.error };
    this.deliveries.remove(record);
    this.journal(event);
    const view = applyAlertEvent(this.book, event);
    if (outcome.result === 'failed') this.log('warn', 'an alert could not be delivered', { alert: record.alert.id, channel: record.channel, attempts: outcome.attempts, error: outcome.error });
    this.store.afterFlush(() => {
      if (view !== undefined) this.tell(view, outcome.result === 'delivered' ? 'delivered' : 'delivery_failed');
    });
  }

  /** Appends to the network's alert journal (in the commit of whatever else this turn writes). */
  private journal(event: AlertEvent): void {
    this.store.appendToLog(alertLogKey(event.network), { ...event }, event.at);
  }

  private tell(view: AlertView, change: AlertChange): void {
    for (const listener of this.listeners) {
      try {
        listener(copy(view), change);
      } catch (error) {
        this.log('error', 'an alert listener failed', { error: error instanceof Error ? error.message : String(error) });
      }
    }
  }
}

function copy(view: AlertView): AlertView {
  return structuredClone(view);
}
