// Test helpers for the alert rules: a catalog with located sites, a journal that numbers events like
// the store does, and a watcher that feeds them to the pure evaluator with reference data from maps.
// An account is driven through the domain's own decisions, so its events are the engine's.

import type { AccountCommand, AccountEvent, AccountState } from '../domain/account.js';
import { decideAccount, evolveAccount, initialAccountState } from '../domain/account.js';
import type { AccountConfig, CardConfig, NetworkCatalog, NetworkCatalogDocument } from '../network/catalog.js';
import type { BoardEntry, CommittedEvent } from '../store/lmdb-store.js';
import { accountConfig, cardConfig, cardContext, mondayNoon, testCatalog } from '../testing/fixtures.js';
import type { AlertDraft } from './alert.js';
import { evaluate, sweep } from './evaluate.js';
import type { AlertsSectionDocument } from './settings.js';
import type { WatchState } from './watch.js';
import { initialWatchState } from './watch.js';

/** Red Square, Moscow; Tver (about 160 km away); a site 5 km north of Red Square. In microdegrees. */
export const places = {
  moscow: { lat: 55_753_930, lon: 37_620_795 },
  tver: { lat: 56_858_745, lon: 35_900_543 },
  moscowNorth: { lat: 55_798_900, lon: 37_620_795 },
} as const;

/** Sites S1 (Moscow), S2 (Tver), S3 (5 km from S1), S4 (no coordinates), W1 (a car wash open 08:00–20:00). */
export function alertCatalog(alerts: AlertsSectionDocument = {}, extra: Partial<NetworkCatalogDocument> = {}): NetworkCatalog {
  return testCatalog({
    sites: [
      { id: 'S1', name: 'Moscow', kind: 'fuel', terminals: [{ id: 'T1', kind: 'pump' }, { id: 'POS1', kind: 'pos' }], ...places.moscow },
      { id: 'S2', name: 'Tver', kind: 'fuel', terminals: [{ id: 'T2', kind: 'pump' }], ...places.tver },
      { id: 'S3', name: 'Moscow north', kind: 'fuel', terminals: [{ id: 'T3', kind: 'pump' }], ...places.moscowNorth, openingHours: '07:00-23:00' },
      { id: 'S4', name: 'Nowhere', kind: 'shop', terminals: [{ id: 'T4', kind: 'pos' }] },
      { id: 'W1', name: 'Wash', kind: 'wash', terminals: [{ id: 'B1', kind: 'bay' }], openingHours: '08:00-20:00' },
    ],
    alerts,
    ...extra,
  });
}

export class Watcher {
  readonly state: WatchState = initialWatchState();
  readonly cards = new Map<string, CardConfig>();
  readonly accounts = new Map<string, AccountConfig>();
  private position = 0;
  private readonly seqs = new Map<string, number>();
  readonly raised: AlertDraft[] = [];
  suppressed = 0;

  constructor(public catalog: NetworkCatalog) {}

  private readonly context = {
    catalog: (id: string) => (id === this.catalog.id ? this.catalog : undefined),
    card: (_network: string, hash: string) => this.cards.get(hash),
    account: (key: string) => this.accounts.get(key),
  };

  /** Journals an event under `key` (numbered like the store) and evaluates it; returns the alerts it raised. */
  feed(key: string, event: Record<string, unknown> & { type: string }, at: number): AlertDraft[] {
    const seq = (this.seqs.get(key) ?? 0) + 1;
    this.seqs.set(key, seq);
    const committed: CommittedEvent = { key, seq, position: ++this.position, event: { network: this.catalog.id, ...event }, at };
    const result = evaluate(this.state, committed, this.context);
    this.raised.push(...result.alerts);
    this.suppressed += result.suppressed.length;
    return result.alerts;
  }

  sweep(now: number, board: (siteId: string) => BoardEntry[] = () => []): AlertDraft[] {
    const result = sweep(this.state, this.context, [this.catalog.id], now, board);
    this.raised.push(...result.alerts);
    return result.alerts;
  }

  /** Starts watching an account the way the runner does: its shadow begins at the account's state now. */
  watchAccount(config: AccountConfig, state: AccountState = initialAccountState(config)): void {
    this.accounts.set(config.key, config);
    this.state.accounts.set(config.key, { account: structuredClone(state), seq: this.seqs.get(config.key) ?? 0 });
  }
}

/** An account decided by the domain's own functions; every event goes through the watcher. */
export class DrivenAccount {
  state: AccountState;
  readonly card: CardConfig;

  constructor(
    readonly watcher: Watcher,
    readonly config: AccountConfig = accountConfig(),
    card: Partial<CardConfig> = {},
  ) {
    this.state = initialAccountState(config);
    this.card = cardConfig({ accountKey: config.key, ...card });
    watcher.cards.set(this.card.hash, this.card);
    watcher.watchAccount(config);
  }

  run(command: AccountCommand, at: number): { outcome: ReturnType<typeof decideAccount>['outcome']; alerts: AlertDraft[] } {
    const decision = decideAccount(this.state, { key: this.config.key, config: this.config, catalog: this.watcher.catalog }, command, at);
    const alerts: AlertDraft[] = [];
    for (const event of decision.events) {
      this.state = evolveAccount(this.state, event);
      alerts.push(...this.watcher.feed(this.config.key, event as unknown as Record<string, unknown> & { type: string }, at));
    }
    return { outcome: decision.outcome, alerts };
  }

  authorize(at: number, request: { amount?: number; volume?: number; site?: string; terminal?: string; product?: string } = {}): { authId: string; holdNumber: number; approvedVolume: number; alerts: AlertDraft[] } {
    const command: AccountCommand = { type: 'authorize', card: cardContext(this.card), terminal: { terminalId: request.terminal ?? 'T1', siteId: request.site ?? 'S1' }, product: request.product ?? 'AI95' };
    if (request.amount !== undefined) command.amount = request.amount;
    if (request.volume !== undefined || request.amount === undefined) command.volume = request.volume ?? 10_000;
    const { outcome, alerts } = this.run(command, at);
    if (outcome.result !== 'approved') throw new Error(`authorisation declined: ${outcome.reason}`);
    const authId = String(outcome.fields['authId']);
    return { authId, holdNumber: parseInt(authId.split('.')[2] ?? '', 36), approvedVolume: Number(outcome.fields['approvedVolume'] ?? 0), alerts };
  }

  complete(at: number, holdNumber: number, request: { volume?: number; amount?: number; terminal?: string; site?: string } = {}): AlertDraft[] {
    const command: AccountCommand = { type: 'complete', holdNumber, terminal: { terminalId: request.terminal ?? 'T1', siteId: request.site ?? 'S1' } };
    if (request.volume !== undefined) command.volume = request.volume;
    if (request.amount !== undefined) command.amount = request.amount;
    const { outcome, alerts } = this.run(command, at);
    if (outcome.result !== 'approved') throw new Error(`completion declined: ${outcome.reason}`);
    return alerts;
  }

  /** Authorises and completes a fill of `volume` millilitres. */
  fill(at: number, volume: number, where: { site?: string; terminal?: string } = {}): AlertDraft[] {
    const hold = this.authorize(at, { volume, ...where });
    return [...hold.alerts, ...this.complete(at, hold.holdNumber, { volume: Math.min(volume, hold.approvedVolume), ...where })];
  }

  topup(at: number, amount: number): AlertDraft[] {
    return this.run({ type: 'topup', amount, method: 'cash', terminal: { terminalId: 'POS1', siteId: 'S1' } }, at).alerts;
  }
}

export const base = mondayNoon;

export function rulesOf(alerts: readonly AlertDraft[]): string[] {
  return alerts.map((alert) => alert.rule);
}

export function accountEvent(event: AccountEvent): Record<string, unknown> & { type: string } {
  return event as unknown as Record<string, unknown> & { type: string };
}
