// The account's model: its state (money, holds, bonus points, limit and purchase counters), the
// events it journals, the commands it decides and the counters' helpers. The decisions live in
// account.ts (fuel, top-ups, inquiries) and account-sale.ts (retail receipts and their returns).

import type { AccountConfig, LimitConfig, NetworkCatalog } from '../network/catalog.js';
import type { CountingPeriod } from '../network/schema.js';
import type { TopupMethod } from '../protocol/requests.js';
import type { Outcome } from '../protocol/replies.js';
import type { DeclinedEvent } from './declined.js';
import type { LineRequest, PaymentRequest, PaymentSplit, PricedLine } from './receipt.js';
import type { Buyer } from './pricing.js';
import { productMatches } from '../network/catalog.js';

/** Closed holds remembered to tell "already closed" from "expired"; older ones answer AUTH_ALREADY_CLOSED. */
export const closedHoldsRemembered = 1024;
/**
 * Calendar periods whose counters each limit keeps (the newest ones). More than one, so that a clock
 * that comes back behind a period boundary (a restart after a correction) counts against that
 * earlier period's own counter instead of a fresh one.
 */
export const usagePeriodsKept = 3;

export interface UsageDelta {
  key: string;
  periodStart: number;
  amount: number;
  volume: number;
}

export interface Hold {
  number: number;
  authId: string;
  card: string;
  cardHash: string;
  terminal: string;
  site: string;
  product: string;
  price: number;
  listPrice: number;
  discountRule?: string;
  amount: number;
  volume: number;
  expiresAt: number;
  at: number;
  usage: UsageDelta[];
}

export interface Usage {
  periodStart: number;
  amount: number;
  volume: number;
}

export interface AccountState {
  balance: number;
  bonus: number;
  held: number;
  holds: Map<number, Hold>;
  closed: Map<number, 'completed' | 'reversed' | 'expired'>;
  nextHold: number;
  nextTx: number;
  nextRefund: number;
  /** Limit counters by usage key, newest period last (at most `usagePeriodsKept`). */
  usage: Map<string, Usage[]>;
  /** What the account bought, by `purchaseKey(period, product)` (discount thresholds, bonus tiers). */
  purchases: Map<string, Usage[]>;
  /** What was returned of each refunded transaction. */
  refunds: Map<number, RefundTotals>;
  /** The highest wash-session number of the client charged so far (charges come in order, once each). */
  sessionsCharged: number;
}

export interface RefundTotals {
  amount: number;
  /** Points of the accrual reversed. */
  bonus: number;
  /** Receipts: quantity returned per line, and money returned per payment method. */
  lines?: number[];
  payments?: PaymentSplit;
}

/** The shift an operation at a till belongs to (the terminal where it happens). */
export interface ShiftRef {
  terminalId: string;
  number: number;
}

/** The record of a fuel transaction kept for refunds (a receipt's is `SaleRecord`). */
export interface TransactionRecord {
  kind?: 'fuel';
  txNumber: number;
  txId: string;
  card: string;
  terminal: string;
  site: string;
  product: string;
  amount: number;
  volume: number;
  bonus: number;
  at: number;
  usage: UsageDelta[];
  periods?: Periods;
}

export type AccountEvent =
  | ({ type: 'authorized'; network: string; account: string; discount: number } & Hold)
  | {
      type: 'completed';
      network: string;
      account: string;
      authId: string;
      txId: string;
      holdNumber: number;
      txNumber: number;
      card: string;
      terminal: string;
      site: string;
      product: string;
      amount: number;
      volume: number;
      price: number;
      listPrice: number;
      discount: number;
      discountRule?: string;
      bonus: number;
      released: number;
      usage: UsageDelta[];
      /** The counting periods of the purchase (absent in events written before they were counted). */
      periods?: Periods;
      at: number;
    }
  | { type: 'reversed'; network: string; account: string; authId: string; holdNumber: number; card: string; terminal: string; released: number; usage: UsageDelta[]; at: number }
  | { type: 'expired'; network: string; account: string; authId: string; holdNumber: number; card: string; terminal: string; released: number; usage: UsageDelta[]; at: number }
  | {
      type: 'refunded';
      network: string;
      account: string;
      txId: string;
      txNumber: number;
      refundId: string;
      refundNumber: number;
      card: string;
      terminal: string;
      /** The terminal's site, and the shift the return belongs to (receipts). */
      site?: string;
      shift?: number;
      amount: number;
      /** Points of the accrual reversed. */
      bonus: number;
      /** Receipts: money back per payment method (fuel: all to the account), the lines returned. */
      payments?: PaymentSplit;
      lines?: { line: number; product: string; qty: number; amount: number }[];
      usage: UsageDelta[];
      /** The counting periods of the transaction returned (its purchase counters go down if still kept). */
      periods?: Periods;
      at: number;
    }
  | { type: 'topup'; network: string; account: string; amount: number; method: TopupMethod; terminal: string; site?: string; shift?: number; at: number }
  | SaleEvent
  | {
      type: 'session.charged';
      network: string;
      account: string;
      sessionId: string;
      number: number;
      amount: number;
      minutes: number;
      tariff: string;
      site: string;
      terminal: string;
      at: number;
    }
  | DeclinedEvent;

/** A retail receipt charged to (or earning points on) the account. */
export interface SaleEvent {
  type: 'sale';
  network: string;
  /** The account (absent for a sale without a card, journalled by the terminal). */
  account?: string;
  txId: string;
  txNumber: number;
  card?: string;
  /** The card's keyed hash (what a search by card number finds); absent in events written before it was kept. */
  cardHash?: string;
  terminal: string;
  site: string;
  shift?: number;
  lines: PricedLine[];
  amount: number;
  discount: number;
  payments: PaymentSplit;
  /** Points accrued. */
  bonus: number;
  messages: string[];
  usage: UsageDelta[];
  periods: Periods;
  at: number;
}

/** The starts of the calendar periods an instant falls in: purchases are counted per product in each. */
export type Periods = Record<CountingPeriod, number>;

/** The record of a receipt kept for returns. */
export interface SaleRecord {
  kind: 'sale';
  txNumber: number;
  txId: string;
  card?: string;
  terminal: string;
  site: string;
  amount: number;
  lines: { product: string; qty: number; amount: number }[];
  payments: PaymentSplit;
  bonus: number;
  /** Limit counters the receipt charged (amounts and volumes as charged, for proportional give-back). */
  usage: UsageDelta[];
  periods: Periods;
  at: number;
}

export interface CardContext {
  hash: string;
  masked: string;
  status: 'active' | 'blocked';
  limits: readonly LimitConfig[];
}

export interface TerminalContext {
  terminalId: string;
  siteId: string;
}

export type AccountCommand =
  | { type: 'authorize'; card: CardContext; terminal: TerminalContext; product: string; amount?: number; volume?: number }
  | { type: 'complete'; holdNumber: number; terminal: TerminalContext; amount?: number; volume?: number }
  | { type: 'reverse'; holdNumber: number; terminal: TerminalContext }
  | { type: 'expire'; holdNumber: number }
  | {
      type: 'refund';
      txNumber: number;
      transaction: TransactionRecord | SaleRecord | undefined;
      terminal: TerminalContext;
      amount?: number;
      lines?: { product: string; qty: number }[];
      shift?: ShiftRef;
    }
  | { type: 'topup'; amount: number; method: TopupMethod; terminal: TerminalContext; shift?: ShiftRef }
  | { type: 'inquire'; card: CardContext }
  | { type: 'sale'; card: CardContext; terminal: TerminalContext; lines: LineRequest[]; payments?: PaymentRequest[]; shift?: ShiftRef }
  | { type: 'prices'; card: CardContext; terminal: TerminalContext; products?: string[] }
  /** A stopped wash session's charge, from the client's session actor (the money may go below zero). */
  | { type: 'session.charge'; charge: SessionCharge; reply: Record<string, unknown> };

/** What the session actor hands the account when a session stops. */
export interface SessionCharge {
  number: number;
  sessionId: string;
  amount: number;
  minutes: number;
  tariff: string;
  site: string;
  terminal: string;
}

export interface AccountContext {
  key: string;
  config: AccountConfig;
  catalog: NetworkCatalog;
}

export interface AccountDecision {
  events: AccountEvent[];
  outcome: Outcome;
}

export function initialAccountState(config: AccountConfig): AccountState {
  return {
    balance: config.openingBalance,
    bonus: 0,
    held: 0,
    holds: new Map(),
    closed: new Map(),
    nextHold: 1,
    nextTx: 1,
    nextRefund: 1,
    usage: new Map(),
    purchases: new Map(),
    refunds: new Map(),
    sessionsCharged: 0,
  };
}

/** Available funds: balance + credit limit − open holds. */
export function availableFunds(state: AccountState, config: AccountConfig): number {
  return state.balance + config.creditLimit - state.held;
}


/** The counter of one limit for one calendar period, if it is still kept. */
export function usageIn(state: AccountState, key: string, periodStart: number): Usage | undefined {
  return counterIn(state.usage, key, periodStart);
}

export function counterIn(counters: ReadonlyMap<string, readonly Usage[]>, key: string, periodStart: number): Usage | undefined {
  const kept = counters.get(key);
  if (kept === undefined) return undefined;
  for (const usage of kept) if (usage.periodStart === periodStart) return usage;
  return undefined;
}

/** The purchase counter key of a product for a counting period. */
export function purchaseKey(period: CountingPeriod, product: string): string {
  return `${period}|${product}`;
}

export const countingPeriodList: readonly CountingPeriod[] = ['day', 'week', 'month'];

/** The counting periods containing `at` in the network's calendar. */
export function periodsAt(catalog: NetworkCatalog, at: number): Periods {
  return { day: catalog.calendar.period('day', at).start, week: catalog.calendar.period('week', at).start, month: catalog.calendar.period('month', at).start };
}

/** Money and volume the account bought of matching products in the current `period` (before now). */
export function purchasedIn(state: AccountState, catalog: NetworkCatalog, period: CountingPeriod, matches: (product: string) => boolean, at: number): { amount: number; volume: number } {
  const periodStart = catalog.calendar.period(period, at).start;
  const prefix = `${period}|`;
  let amount = 0;
  let volume = 0;
  for (const [key, counters] of state.purchases) {
    if (!key.startsWith(prefix) || !matches(key.slice(prefix.length))) continue;
    for (const usage of counters) {
      if (usage.periodStart !== periodStart) continue;
      amount += usage.amount;
      volume += usage.volume;
    }
  }
  return { amount, volume };
}

/** The account's owner as the discount rules see it: counterparty and segment, or client groups and membership, and its purchases. */
export function buyerOf(state: AccountState, context: AccountContext, now: number): Buyer {
  const { config, catalog } = context;
  const buyer: Buyer = {
    purchases: (period, products) => purchasedIn(state, catalog, period, (product) => productMatches(catalog, products, product), now),
  };
  if (config.owner === 'counterparty') buyer.counterpartyId = config.ownerId;
  if (config.segment !== undefined) buyer.segment = config.segment;
  if (config.owner === 'client') {
    buyer.member = config.member ?? false;
    if (config.groups !== undefined) buyer.clientGroups = config.groups;
  }
  return buyer;
}

/** Payments a refund of a fuel transaction makes (all back to the account). */
export function refundPayments(event: Extract<AccountEvent, { type: 'refunded' }>): PaymentSplit {
  return event.payments ?? { account: event.amount };
}


export function usageKey(cardHash: string, limit: LimitConfig): string {
  return `${cardHash}|${limit.period}|${limit.products?.join(',') ?? '*'}`;
}

