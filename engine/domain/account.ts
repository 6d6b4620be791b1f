// The account's decisions: it owns the money (balance, credit, holds, bonus points) and the limit
// counters of the cards that spend it, so that checking a limit and placing the hold are one atomic
// step of one actor (docs/decisions/0003-account-owns-limits.md).
// `decideAccount(state, context, command, now)` is pure and returns events plus the outcome;
// `evolveAccount(state, event)` applies one event to the state the actor owns (in place).
// Fuel (authorise, complete, reverse, expire, refund), top-ups and inquiries are decided here;
// retail receipts, their returns and price queries in account-sale.ts. The model is account-state.ts.

import type { LimitConfig } from '../network/catalog.js';
import { productMatches } from '../network/catalog.js';
import { amountForVolume, bonusPoints, proportionalShare, shareUpTo, volumeForAmount } from '../money.js';
import type { Outcome } from '../protocol/replies.js';
import { approved, declined } from '../protocol/replies.js';
import type { CalendarPeriod } from '../time/calendar.js';
import { assertNever } from '../assert.js';
import { quotePrice } from './pricing.js';
import { encodeHandle } from './handles.js';
import { oneUnit } from './units.js';
import type {
  AccountCommand,
  AccountContext,
  AccountDecision,
  AccountEvent,
  AccountState,
  CardContext,
  Hold,
  Periods,
  RefundTotals,
  TransactionRecord,
  Usage,
  UsageDelta,
} from './account-state.js';
import {
  availableFunds,
  buyerOf,
  closedHoldsRemembered,
  counterIn,
  countingPeriodList,
  periodsAt,
  purchasedIn,
  purchaseKey,
  refundPayments,
  usageIn,
  usageKey,
  usagePeriodsKept,
} from './account-state.js';
import { decidePrices, decideReceiptRefund, decideSale } from './account-sale.js';
import { addSplits, bonusRate } from './receipt.js';

export type {
  AccountCommand,
  AccountContext,
  AccountDecision,
  AccountEvent,
  AccountState,
  CardContext,
  Hold,
  Periods,
  RefundTotals,
  SaleEvent,
  SaleRecord,
  SessionCharge,
  ShiftRef,
  TerminalContext,
  TransactionRecord,
  Usage,
  UsageDelta,
} from './account-state.js';
export { availableFunds, closedHoldsRemembered, initialAccountState, usageIn, usageKey, usagePeriodsKept } from './account-state.js';
export { oneUnit } from './units.js';
export { saleRecordOf } from './account-sale.js';

export function decideAccount(state: AccountState, context: AccountContext, command: AccountCommand, now: number): AccountDecision {
  switch (command.type) {
    case 'authorize':
      return decideAuthorize(state, context, command, now);
    case 'complete':
      return decideComplete(state, context, command, now);
    case 'reverse':
      return decideClose(state, context, command.holdNumber, 'reversed', command.terminal.terminalId, now);
    case 'expire':
      return decideExpire(state, context, command.holdNumber, now);
    case 'refund': {
      const record = command.transaction;
      return record?.kind === 'sale' ? decideReceiptRefund(state, context, command, record, now) : decideRefund(state, context, command, record, now);
    }
    case 'topup':
      return decideTopup(state, context, command, now);
    case 'inquire':
      return { events: [], outcome: approved(inquiryFields(state, context, command.card, now)) };
    case 'sale':
      return decideSale(state, context, command, now);
    case 'prices':
      return decidePrices(state, context, command, now);
    case 'session.charge':
      return chargeSession(state, context, command, now);
    default:
      return assertNever(command);
  }
}

// ---- authorize ---------------------------------------------------------------------------------

interface Headroom {
  amount: number;
  volume: number;
  /** Counters this authorisation charges (calendar periods only). */
  charges: { key: string; periodStart: number }[];
}

function limitHeadroom(state: AccountState, context: AccountContext, card: CardContext, product: string, now: number): Headroom {
  const headroom: Headroom = { amount: Number.POSITIVE_INFINITY, volume: Number.POSITIVE_INFINITY, charges: [] };
  for (const limit of card.limits) {
    if (!productMatches(context.catalog, limit.products, product)) continue;
    let usedAmount = 0;
    let usedVolume = 0;
    if (limit.period !== 'transaction') {
      const key = usageKey(card.hash, limit);
      const periodStart = context.catalog.calendar.period(limit.period satisfies CalendarPeriod, now).start;
      const usage = usageIn(state, key, periodStart);
      if (usage !== undefined) {
        usedAmount = usage.amount;
        usedVolume = usage.volume;
      }
      if (!headroom.charges.some((charge) => charge.key === key)) headroom.charges.push({ key, periodStart });
    }
    if (limit.amount !== undefined) headroom.amount = Math.min(headroom.amount, Math.max(0, limit.amount - usedAmount));
    if (limit.volume !== undefined) headroom.volume = Math.min(headroom.volume, Math.max(0, limit.volume - usedVolume));
  }
  return headroom;
}

function decideAuthorize(state: AccountState, context: AccountContext, command: Extract<AccountCommand, { type: 'authorize' }>, now: number): AccountDecision {
  const { catalog, config } = context;
  const product = catalog.products.get(command.product);
  const local = catalog.calendar.localTime(now);
  const quote = quotePrice(catalog, { siteId: command.terminal.siteId, product: command.product, at: now, minuteOfDay: local.minuteOfDay, buyer: buyerOf(state, context, now) });
  if (product === undefined || quote === undefined || quote.listPrice <= 0) return { events: [], outcome: declined('PRODUCT_UNKNOWN') };
  const price = quote.price;

  const unitAmount = amountForVolume(oneUnit, price);
  if ((command.volume !== undefined && command.volume < oneUnit) || (command.amount !== undefined && command.amount < unitAmount)) {
    return { events: [], outcome: declined('AMOUNT_TOO_SMALL') };
  }

  const headroom = limitHeadroom(state, context, command.card, command.product, now);
  const funds = availableFunds(state, config);
  const capVolume = Math.min(command.volume ?? Number.POSITIVE_INFINITY, headroom.volume);
  const capAmount = Math.min(command.amount ?? Number.POSITIVE_INFINITY, headroom.amount, Math.max(0, funds));

  let approvedAmount: number;
  let approvedVolume: number;
  if (price === 0) {
    approvedAmount = 0;
    approvedVolume = Number.isFinite(capVolume) ? capVolume : 0;
  } else {
    const amountOfVolumeCap = Number.isFinite(capVolume) ? amountForVolume(capVolume, price) : Number.POSITIVE_INFINITY;
    approvedAmount = Math.min(capAmount, amountOfVolumeCap);
    approvedVolume = approvedAmount === amountOfVolumeCap ? capVolume : volumeForAmount(approvedAmount, price);
  }
  if (approvedVolume < oneUnit) {
    const limitBinds = headroom.amount < unitAmount || headroom.volume < oneUnit;
    const fundsBind = funds < unitAmount;
    return { events: [], outcome: declined(limitBinds ? 'LIMIT_EXCEEDED' : fundsBind ? 'INSUFFICIENT_FUNDS' : 'AMOUNT_TOO_SMALL') };
  }

  const number = state.nextHold;
  const authId = encodeHandle('hold', context.key, number);
  const discount = Math.max(0, amountForVolume(approvedVolume, quote.listPrice) - approvedAmount);
  const hold: Hold = {
    number,
    authId,
    card: command.card.masked,
    cardHash: command.card.hash,
    terminal: command.terminal.terminalId,
    site: command.terminal.siteId,
    product: command.product,
    price,
    listPrice: quote.listPrice,
    amount: approvedAmount,
    volume: approvedVolume,
    expiresAt: now + product.holdMs,
    at: now,
    usage: headroom.charges.map((charge) => ({ ...charge, amount: approvedAmount, volume: approvedVolume })),
  };
  if (quote.discountRule !== undefined) hold.discountRule = quote.discountRule;
  const event: AccountEvent = { type: 'authorized', network: config.networkId, account: context.key, discount, ...hold };

  const fields: Record<string, unknown> = { authId, approvedAmount, price, discount, expiresAt: hold.expiresAt };
  if (command.volume !== undefined || product.unit === 'l') fields['approvedVolume'] = approvedVolume;
  return { events: [event], outcome: approved(fields) };
}

// ---- complete, reverse, expire -----------------------------------------------------------------

function closedOutcome(state: AccountState, holdNumber: number): Outcome {
  if (holdNumber >= state.nextHold) return declined('AUTH_NOT_FOUND');
  return state.closed.get(holdNumber) === 'expired' ? declined('AUTH_EXPIRED') : declined('AUTH_ALREADY_CLOSED');
}

function releaseUsage(hold: Hold): UsageDelta[] {
  return hold.usage.map((charge) => ({ key: charge.key, periodStart: charge.periodStart, amount: -hold.amount, volume: -hold.volume }));
}

function expiredEvent(context: AccountContext, hold: Hold, now: number): AccountEvent {
  return {
    type: 'expired',
    network: context.config.networkId,
    account: context.key,
    authId: hold.authId,
    holdNumber: hold.number,
    card: hold.card,
    terminal: hold.terminal,
    released: hold.amount,
    usage: releaseUsage(hold),
    at: now,
  };
}

function decideComplete(state: AccountState, context: AccountContext, command: Extract<AccountCommand, { type: 'complete' }>, now: number): AccountDecision {
  const hold = state.holds.get(command.holdNumber);
  if (hold === undefined) return { events: [], outcome: closedOutcome(state, command.holdNumber) };
  if (now >= hold.expiresAt) return { events: [expiredEvent(context, hold, now)], outcome: declined('AUTH_EXPIRED') };
  if ((command.volume !== undefined && command.volume > hold.volume) || (command.amount !== undefined && command.amount > hold.amount)) {
    return { events: [], outcome: declined('AMOUNT_EXCEEDS_AUTH') };
  }
  const volume = command.volume ?? (hold.price > 0 ? Math.min(hold.volume, volumeForAmount(command.amount ?? 0, hold.price)) : 0);
  const amount = command.amount ?? amountForVolume(volume, hold.price);
  if (amount > hold.amount) return { events: [], outcome: declined('AMOUNT_EXCEEDS_AUTH') };

  const discount = Math.max(0, amountForVolume(volume, hold.listPrice) - amount);
  const bonus = bonusFor(state, context, hold.product, amount, now);
  const txNumber = state.nextTx;
  const txId = encodeHandle('transaction', context.key, txNumber);
  const event: AccountEvent = {
    type: 'completed',
    network: context.config.networkId,
    account: context.key,
    authId: hold.authId,
    txId,
    holdNumber: hold.number,
    txNumber,
    card: hold.card,
    terminal: command.terminal.terminalId,
    site: hold.site,
    product: hold.product,
    amount,
    volume,
    price: hold.price,
    listPrice: hold.listPrice,
    discount,
    bonus,
    released: hold.amount - amount,
    usage: hold.usage.map((charge) => ({ key: charge.key, periodStart: charge.periodStart, amount: amount - hold.amount, volume: volume - hold.volume })),
    periods: periodsAt(context.catalog, now),
    at: now,
  };
  if (hold.discountRule !== undefined) event.discountRule = hold.discountRule;
  const after = availableFunds(state, context.config) + hold.amount - amount;
  return { events: [event], outcome: approved({ txId, amount, volume, discount, bonus, balance: after }) };
}

/** Points a client account earns on a fuel charge (fleet accounts earn none). */
function bonusFor(state: AccountState, context: AccountContext, product: string, amount: number, now: number): number {
  const program = context.catalog.bonus;
  if (program === undefined || context.config.owner !== 'client') return 0;
  const spend = program.tiers.length > 0 ? purchasedIn(state, context.catalog, program.tierPeriod, () => true, now).amount : 0;
  return bonusPoints(amount, bonusRate(context.catalog, program, product, spend));
}

function decideClose(state: AccountState, context: AccountContext, holdNumber: number, type: 'reversed', terminalId: string, now: number): AccountDecision {
  const hold = state.holds.get(holdNumber);
  if (hold === undefined) return { events: [], outcome: closedOutcome(state, holdNumber) };
  if (now >= hold.expiresAt) return { events: [expiredEvent(context, hold, now)], outcome: declined('AUTH_EXPIRED') };
  const event: AccountEvent = {
    type,
    network: context.config.networkId,
    account: context.key,
    authId: hold.authId,
    holdNumber,
    card: hold.card,
    terminal: terminalId,
    released: hold.amount,
    usage: releaseUsage(hold),
    at: now,
  };
  return { events: [event], outcome: approved({ authId: hold.authId, released: hold.amount, balance: availableFunds(state, context.config) + hold.amount }) };
}

function decideExpire(state: AccountState, context: AccountContext, holdNumber: number, now: number): AccountDecision {
  const hold = state.holds.get(holdNumber);
  if (hold === undefined || now < hold.expiresAt) return { events: [], outcome: closedOutcome(state, holdNumber) };
  return { events: [expiredEvent(context, hold, now)], outcome: approved({ authId: hold.authId }) };
}

// ---- refund, topup, inquire --------------------------------------------------------------------

function decideRefund(state: AccountState, context: AccountContext, command: Extract<AccountCommand, { type: 'refund' }>, tx: TransactionRecord | undefined, now: number): AccountDecision {
  if (tx === undefined) return { events: [], outcome: declined('TX_NOT_FOUND') };
  const before = state.refunds.get(command.txNumber) ?? { amount: 0, bonus: 0 };
  const remaining = tx.amount - before.amount;
  const amount = command.amount ?? remaining;
  if (amount > remaining || amount <= 0) return { events: [], outcome: declined('REFUND_EXCEEDS_SALE') };
  const refundedAfter = before.amount + amount;
  const bonusAfter = shareUpTo(tx.bonus, refundedAfter, tx.amount);
  const volume = proportionalShare(tx.volume, refundedAfter, tx.amount) - proportionalShare(tx.volume, before.amount, tx.amount);
  const refundNumber = state.nextRefund;
  const refundId = encodeHandle('refund', context.key, refundNumber);
  const event: Extract<AccountEvent, { type: 'refunded' }> = {
    type: 'refunded',
    network: context.config.networkId,
    account: context.key,
    txId: tx.txId,
    txNumber: tx.txNumber,
    refundId,
    refundNumber,
    card: tx.card,
    terminal: command.terminal.terminalId,
    site: command.terminal.siteId,
    amount,
    bonus: bonusAfter - before.bonus,
    lines: [{ line: 0, product: tx.product, qty: volume, amount }],
    usage: tx.usage.map((charge) => ({ key: charge.key, periodStart: charge.periodStart, amount: -amount, volume: -volume })),
    at: now,
  };
  if (tx.periods !== undefined) event.periods = tx.periods;
  if (command.shift !== undefined) event.shift = command.shift.number;
  return { events: [event], outcome: approved({ refundId, amount, balance: availableFunds(state, context.config) + amount }) };
}

function decideTopup(state: AccountState, context: AccountContext, command: Extract<AccountCommand, { type: 'topup' }>, now: number): AccountDecision {
  if (state.balance + command.amount > Number.MAX_SAFE_INTEGER) return { events: [], outcome: declined('LIMIT_EXCEEDED', 'the balance would exceed the largest amount') };
  const event: Extract<AccountEvent, { type: 'topup' }> = {
    type: 'topup',
    network: context.config.networkId,
    account: context.key,
    amount: command.amount,
    method: command.method,
    terminal: command.terminal.terminalId,
    site: command.terminal.siteId,
    at: now,
  };
  if (command.shift !== undefined) event.shift = command.shift.number;
  return { events: [event], outcome: approved({ balance: availableFunds(state, context.config) + command.amount }) };
}

/**
 * A wash session's charge: applied once, in session order (a repeat — the session actor resuming
 * after a crash — changes nothing). No funds check: the balance may go negative, the attendant then
 * takes a top-up.
 */
function chargeSession(state: AccountState, context: AccountContext, command: Extract<AccountCommand, { type: 'session.charge' }>, now: number): AccountDecision {
  const { charge } = command;
  if (charge.number <= state.sessionsCharged) return { events: [], outcome: approved({ ...command.reply, balance: availableFunds(state, context.config) }) };
  const event: AccountEvent = {
    type: 'session.charged',
    network: context.config.networkId,
    account: context.key,
    sessionId: charge.sessionId,
    number: charge.number,
    amount: charge.amount,
    minutes: charge.minutes,
    tariff: charge.tariff,
    site: charge.site,
    terminal: charge.terminal,
    at: now,
  };
  return { events: [event], outcome: approved({ ...command.reply, balance: availableFunds(state, context.config) - charge.amount }) };
}

export interface LimitReport {
  period: LimitConfig['period'];
  kind: 'amount' | 'volume';
  products?: string[];
  limit: number;
  used: number;
  remaining: number;
}

export function inquiryFields(state: AccountState, context: AccountContext, card: CardContext, now: number): Record<string, unknown> {
  const limits: LimitReport[] = [];
  for (const limit of card.limits) {
    let used = { amount: 0, volume: 0 };
    if (limit.period !== 'transaction') {
      const usage = usageIn(state, usageKey(card.hash, limit), context.catalog.calendar.period(limit.period, now).start);
      if (usage !== undefined) used = usage;
    }
    for (const kind of ['amount', 'volume'] as const) {
      const cap = limit[kind];
      if (cap === undefined) continue;
      const row: LimitReport = { period: limit.period, kind, limit: cap, used: used[kind], remaining: Math.max(0, cap - used[kind]) };
      if (limit.products !== undefined) row.products = [...limit.products];
      limits.push(row);
    }
  }
  return { status: card.status, balance: availableFunds(state, context.config), bonus: state.bonus, limits };
}

// ---- evolve ------------------------------------------------------------------------------------

/**
 * Applies limit-usage deltas to the counters of their periods. A hold (`opening`) creates its
 * period's counter when needed; later adjustments (completion, release, refund) only touch a
 * counter that is still kept — an old period's hold no longer counts against anything.
 */
function applyUsage(state: AccountState, deltas: readonly UsageDelta[], opening: boolean): void {
  for (const delta of deltas) applyCounter(state.usage, delta.key, delta.periodStart, delta.amount, delta.volume, opening);
}

function applyCounter(counters: Map<string, Usage[]>, key: string, periodStart: number, amount: number, volume: number, opening: boolean): void {
  let usage = counterIn(counters, key, periodStart);
  if (usage === undefined) {
    if (!opening) return;
    usage = { periodStart, amount: 0, volume: 0 };
    const kept = [...(counters.get(key) ?? []), usage].sort((a, b) => a.periodStart - b.periodStart);
    counters.set(key, kept.slice(-usagePeriodsKept));
  }
  usage.amount = Math.max(0, usage.amount + amount);
  usage.volume = Math.max(0, usage.volume + volume);
}

/** Counts a purchase (or, negative, a return) of a product in every counting period of `periods`. */
function applyPurchase(state: AccountState, periods: Periods | undefined, product: string, amount: number, volume: number): void {
  if (periods === undefined) return;
  for (const period of countingPeriodList) applyCounter(state.purchases, purchaseKey(period, product), periods[period], amount, volume, amount > 0 || volume > 0);
}

function closeHold(state: AccountState, holdNumber: number, how: 'completed' | 'reversed' | 'expired'): Hold | undefined {
  const hold = state.holds.get(holdNumber);
  if (hold === undefined) return undefined;
  state.holds.delete(holdNumber);
  state.held -= hold.amount;
  state.closed.set(holdNumber, how);
  if (state.closed.size > closedHoldsRemembered) {
    const oldest = state.closed.keys().next();
    if (!oldest.done) state.closed.delete(oldest.value);
  }
  return hold;
}

export function evolveAccount(state: AccountState, event: AccountEvent): AccountState {
  switch (event.type) {
    case 'authorized': {
      const { type: _type, network: _network, account: _account, discount: _discount, ...hold } = event;
      state.holds.set(hold.number, hold);
      state.held += hold.amount;
      state.nextHold = Math.max(state.nextHold, hold.number + 1);
      applyUsage(state, hold.usage, true);
      return state;
    }
    case 'completed':
      closeHold(state, event.holdNumber, 'completed');
      state.balance -= event.amount;
      state.bonus += event.bonus;
      state.nextTx = Math.max(state.nextTx, event.txNumber + 1);
      applyUsage(state, event.usage, false);
      applyPurchase(state, event.periods, event.product, event.amount, event.volume);
      return state;
    case 'sale': {
      const paid = event.payments;
      state.balance -= paid.account ?? 0;
      state.bonus += event.bonus - (paid.bonus ?? 0);
      state.nextTx = Math.max(state.nextTx, event.txNumber + 1);
      applyUsage(state, event.usage, true);
      for (const line of event.lines) applyPurchase(state, event.periods, line.product, line.amount, line.qty);
      return state;
    }
    case 'reversed':
    case 'expired':
      closeHold(state, event.holdNumber, event.type);
      applyUsage(state, event.usage, false);
      return state;
    case 'refunded': {
      const paid = refundPayments(event);
      const before = state.refunds.get(event.txNumber) ?? { amount: 0, bonus: 0 };
      const after: RefundTotals = { amount: before.amount + event.amount, bonus: before.bonus + event.bonus };
      if (event.payments !== undefined) after.payments = addSplits(before.payments ?? {}, event.payments);
      if (event.payments !== undefined) {
        const lines = [...(before.lines ?? [])];
        for (const part of event.lines ?? []) lines[part.line] = (lines[part.line] ?? 0) + part.qty;
        after.lines = lines;
      }
      state.refunds.set(event.txNumber, after);
      state.balance += paid.account ?? 0;
      state.bonus += (paid.bonus ?? 0) - event.bonus;
      state.nextRefund = Math.max(state.nextRefund, event.refundNumber + 1);
      applyUsage(state, event.usage, false);
      for (const part of event.lines ?? []) applyPurchase(state, event.periods, part.product, -part.amount, -part.qty);
      return state;
    }
    case 'topup':
      state.balance += event.amount;
      return state;
    case 'session.charged':
      state.balance -= event.amount;
      state.sessionsCharged = Math.max(state.sessionsCharged, event.number);
      return state;
    case 'declined':
      return state;
    default:
      return assertNever(event);
  }
}

/** The transaction record kept for refunds, derived from a `completed` event. */
export function transactionRecordOf(event: Extract<AccountEvent, { type: 'completed' }>): TransactionRecord {
  return {
    txNumber: event.txNumber,
    txId: event.txId,
    card: event.card,
    terminal: event.terminal,
    site: event.site,
    product: event.product,
    amount: event.amount,
    volume: event.volume,
    bonus: event.bonus,
    at: event.at,
    usage: event.usage.map((delta) => ({ key: delta.key, periodStart: delta.periodStart, amount: 0, volume: 0 })),
    ...(event.periods !== undefined ? { periods: event.periods } : {}),
  };
}

// ---- snapshots ---------------------------------------------------------------------------------

export interface AccountSnapshot {
  balance: number;
  bonus: number;
  holds: Hold[];
  closed: [number, 'completed' | 'reversed' | 'expired'][];
  nextHold: number;
  nextTx: number;
  nextRefund: number;
  usage: [string, Usage[]][];
  /** Absent in snapshots taken before purchases were counted. */
  purchases?: [string, Usage[]][];
  refunds: [number, RefundTotals][];
  sessionsCharged?: number;
}

export function encodeAccountSnapshot(state: AccountState): AccountSnapshot {
  return {
    balance: state.balance,
    bonus: state.bonus,
    holds: [...state.holds.values()],
    closed: [...state.closed.entries()],
    nextHold: state.nextHold,
    nextTx: state.nextTx,
    nextRefund: state.nextRefund,
    usage: [...state.usage.entries()],
    purchases: [...state.purchases.entries()],
    refunds: [...state.refunds.entries()],
    sessionsCharged: state.sessionsCharged,
  };
}

export function decodeAccountSnapshot(snapshot: AccountSnapshot): AccountState {
  const holds = new Map(snapshot.holds.map((hold) => [hold.number, hold] as const));
  let held = 0;
  for (const hold of holds.values()) held += hold.amount;
  return {
    balance: snapshot.balance,
    bonus: snapshot.bonus,
    held,
    holds,
    closed: new Map(snapshot.closed),
    nextHold: snapshot.nextHold,
    nextTx: snapshot.nextTx,
    nextRefund: snapshot.nextRefund,
    usage: new Map(snapshot.usage),
    purchases: new Map(snapshot.purchases ?? []),
    refunds: new Map(snapshot.refunds),
    sessionsCharged: snapshot.sessionsCharged ?? 0,
  };
}
