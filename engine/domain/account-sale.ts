// The account's retail decisions: a receipt (`sale`) paid in cash, by bank card, from the account,
// with bonus points or mixed; its full or partial return; and a price query. Pure, like account.ts:
// state, context, command and time in; events and the outcome out. The arithmetic of receipts is
// receipt.ts; here are the account's own checks, in precedence order:
//   PRODUCT_UNKNOWN / QUANTITY_INVALID → PAYMENT_MISMATCH → BONUS_NOT_ALLOWED → LIMIT_EXCEEDED →
//   BONUS_INSUFFICIENT → INSUFFICIENT_FUNDS.
// A sale with a card and no payments is paid from the account. Card limits count the part paid from
// the account: each limit's matching lines, in the share of the total the account pays. Bonus points
// accrue to client (loyalty) accounts only; a return reverses them in proportion to the money returned.

import type { LimitConfig } from '../network/catalog.js';
import { productMatches } from '../network/catalog.js';
import { proportionalShare, shareUpTo } from '../money.js';
import { approved, declined } from '../protocol/replies.js';
import type { CalendarPeriod } from '../time/calendar.js';
import { encodeHandle } from './handles.js';
import type { AccountCommand, AccountContext, AccountDecision, AccountEvent, AccountState, CardContext, SaleEvent, SaleRecord, UsageDelta } from './account-state.js';
import { availableFunds, buyerOf, periodsAt, purchasedIn, usageIn, usageKey } from './account-state.js';
import type { PricedLine, Returned } from './receipt.js';
import { decideReturn, nothingReturned, paymentList, priceLines, receiptBonus, splitOf, splitTotal } from './receipt.js';
import { cashierMessages } from './prompts.js';
import { priceList } from './price-list.js';

export function decideSale(state: AccountState, context: AccountContext, command: Extract<AccountCommand, { type: 'sale' }>, now: number): AccountDecision {
  const { catalog, config } = context;
  const local = catalog.calendar.localTime(now);
  const priced = priceLines(catalog, { siteId: command.terminal.siteId, at: now, minuteOfDay: local.minuteOfDay, buyer: buyerOf(state, context, now) }, command.lines);
  if (!priced.ok) return { events: [], outcome: declined(priced.decline, priced.detail) };
  const total = priced.amount;

  const split = splitOf(command.payments ?? (total > 0 ? [{ method: 'account', amount: total }] : []));
  if (splitTotal(split) !== total) return { events: [], outcome: declined('PAYMENT_MISMATCH') };
  const paidByPoints = split.bonus ?? 0;
  const program = catalog.bonus;
  const loyal = config.owner === 'client' && program !== undefined;
  if (paidByPoints > 0 && !(loyal && program.redeem)) return { events: [], outcome: declined('BONUS_NOT_ALLOWED') };
  const fromAccount = split.account ?? 0;
  const limits = chargeLimits(state, context, command.card, priced.lines, fromAccount, total, now);
  if (limits === undefined) return { events: [], outcome: declined('LIMIT_EXCEEDED') };
  if (paidByPoints > state.bonus) return { events: [], outcome: declined('BONUS_INSUFFICIENT') };
  if (fromAccount > availableFunds(state, config)) return { events: [], outcome: declined('INSUFFICIENT_FUNDS') };

  const spend = loyal && program.tiers.length > 0 ? purchasedIn(state, catalog, program.tierPeriod, () => true, now).amount : 0;
  const bonus = loyal ? receiptBonus(catalog, program, priced.lines, total, paidByPoints, spend) : 0;
  const messages = cashierMessages(catalog, { lines: priced.lines, amount: total, birthday: config.birthday, month: local.month, day: local.day });
  const txNumber = state.nextTx;
  const txId = encodeHandle('transaction', context.key, txNumber);
  const event: SaleEvent = {
    type: 'sale',
    network: config.networkId,
    account: context.key,
    txId,
    txNumber,
    card: command.card.masked,
    cardHash: command.card.hash,
    terminal: command.terminal.terminalId,
    site: command.terminal.siteId,
    lines: priced.lines,
    amount: total,
    discount: priced.discount,
    payments: split,
    bonus,
    messages,
    usage: limits,
    periods: periodsAt(catalog, now),
    at: now,
  };
  if (command.shift !== undefined) event.shift = command.shift.number;
  return {
    events: [event],
    outcome: approved({
      txId,
      lines: priced.lines.map(replyLine),
      amount: total,
      discount: priced.discount,
      payments: paymentList(split),
      bonus,
      bonusBalance: state.bonus + bonus - paidByPoints,
      balance: availableFunds(state, config) - fromAccount,
      messages,
    }),
  };
}

/** A priced line as the reply shows it. */
export function replyLine(line: PricedLine): Record<string, unknown> {
  const { product, qty, price, listPrice, amount, discount, discountRule } = line;
  return discountRule !== undefined ? { product, qty, price, listPrice, amount, discount, discountRule } : { product, qty, price, listPrice, amount, discount };
}

/**
 * The limit counters a sale charges, or undefined when a limit would be exceeded. Each limit counts
 * its matching lines in the share of the total paid from the account.
 */
function chargeLimits(state: AccountState, context: AccountContext, card: CardContext, lines: readonly PricedLine[], fromAccount: number, total: number, now: number): UsageDelta[] | undefined {
  const charges: UsageDelta[] = [];
  if (fromAccount <= 0 || total <= 0) return charges;
  for (const limit of card.limits) {
    const { amount, volume } = matching(context, limit, lines);
    const chargeAmount = proportionalShare(amount, fromAccount, total);
    const chargeVolume = proportionalShare(volume, fromAccount, total);
    if (chargeAmount === 0 && chargeVolume === 0) continue;
    let used = { amount: 0, volume: 0 };
    if (limit.period !== 'transaction') {
      const key = usageKey(card.hash, limit);
      const periodStart = context.catalog.calendar.period(limit.period satisfies CalendarPeriod, now).start;
      used = usageIn(state, key, periodStart) ?? used;
      if (!charges.some((charge) => charge.key === key)) charges.push({ key, periodStart, amount: chargeAmount, volume: chargeVolume });
    }
    if (limit.amount !== undefined && used.amount + chargeAmount > limit.amount) return undefined;
    if (limit.volume !== undefined && used.volume + chargeVolume > limit.volume) return undefined;
  }
  return charges;
}

function matching(context: AccountContext, limit: LimitConfig, lines: readonly PricedLine[]): { amount: number; volume: number } {
  let amount = 0;
  let volume = 0;
  for (const line of lines) {
    if (!productMatches(context.catalog, limit.products, line.product)) continue;
    amount += line.amount;
    volume += line.qty;
  }
  return { amount, volume };
}

/** The record a receipt keeps for its returns. */
export function saleRecordOf(event: SaleEvent): SaleRecord {
  const record: SaleRecord = {
    kind: 'sale',
    txNumber: event.txNumber,
    txId: event.txId,
    terminal: event.terminal,
    site: event.site,
    amount: event.amount,
    lines: event.lines.map((line) => ({ product: line.product, qty: line.qty, amount: line.amount })),
    payments: event.payments,
    bonus: event.bonus,
    usage: event.usage,
    periods: event.periods,
    at: event.at,
  };
  if (event.card !== undefined) record.card = event.card;
  return record;
}

// ---- returns -------------------------------------------------------------------------------------

/** What earlier returns of a receipt gave back, from the refund totals the owner keeps. */
export function returnedOf(record: SaleRecord, totals: { amount: number; lines?: number[]; payments?: Returned['payments'] } | undefined): Returned {
  if (totals === undefined) return nothingReturned(record.lines.length);
  const lines = record.lines.map((_, index) => totals.lines?.[index] ?? 0);
  return { amount: totals.amount, lines, payments: totals.payments ?? {} };
}

/** The lines a return touches: given by the request, or (a return by amount) the amount spread over the lines. */
export function returnParts(record: SaleRecord, parts: readonly { line: number; product: string; qty: number; amount: number }[], amount: number): { line: number; product: string; qty: number; amount: number }[] {
  if (parts.length > 0) return [...parts];
  return record.lines.map((line, index) => ({ line: index, product: line.product, qty: 0, amount: proportionalShare(line.amount, amount, record.amount) }));
}

export function decideReceiptRefund(state: AccountState, context: AccountContext, command: Extract<AccountCommand, { type: 'refund' }>, record: SaleRecord, now: number): AccountDecision {
  const totals = state.refunds.get(command.txNumber);
  const decision = decideReturn(record, returnedOf(record, totals), { amount: command.amount, lines: command.lines });
  if (!decision.ok) return { events: [], outcome: declined(decision.decline) };
  const before = totals ?? { amount: 0, bonus: 0 };
  const refundedAfter = before.amount + decision.amount;
  const bonusAfter = shareUpTo(record.bonus, refundedAfter, record.amount);
  const reversed = bonusAfter - before.bonus;
  const paidFromAccount = record.payments.account ?? 0;
  const backToAccount = decision.payments.account ?? 0;
  const backBefore = totals?.payments?.account ?? 0;
  // Limit usage goes back with the account's money, cumulatively, so the last return restores it exactly.
  const giveBack = (charged: number): number => shareUpTo(charged, backBefore + backToAccount, paidFromAccount) - shareUpTo(charged, backBefore, paidFromAccount);
  const refundNumber = state.nextRefund;
  const refundId = encodeHandle('refund', context.key, refundNumber);
  const event: Extract<AccountEvent, { type: 'refunded' }> = {
    type: 'refunded',
    network: context.config.networkId,
    account: context.key,
    txId: record.txId,
    txNumber: record.txNumber,
    refundId,
    refundNumber,
    card: record.card ?? '',
    terminal: command.terminal.terminalId,
    site: command.terminal.siteId,
    amount: decision.amount,
    bonus: reversed,
    payments: decision.payments,
    lines: returnParts(record, decision.parts, decision.amount),
    usage: record.usage.map((charge) => ({ key: charge.key, periodStart: charge.periodStart, amount: -giveBack(charge.amount), volume: -giveBack(charge.volume) })),
    periods: record.periods,
    at: now,
  };
  if (command.shift !== undefined) event.shift = command.shift.number;
  const pointsBack = decision.payments.bonus ?? 0;
  return {
    events: [event],
    outcome: approved({
      refundId,
      amount: decision.amount,
      payments: paymentList(decision.payments),
      bonus: reversed,
      bonusBalance: state.bonus - reversed + pointsBack,
      balance: availableFunds(state, context.config) + backToAccount,
    }),
  };
}

// ---- price query ---------------------------------------------------------------------------------

export function decidePrices(state: AccountState, context: AccountContext, command: Extract<AccountCommand, { type: 'prices' }>, now: number): AccountDecision {
  const local = context.catalog.calendar.localTime(now);
  const list = priceList(context.catalog, command.terminal.siteId, now, local.minuteOfDay, buyerOf(state, context, now), command.products);
  if (list === undefined) return { events: [], outcome: declined('PRODUCT_UNKNOWN') };
  return { events: [], outcome: approved({ site: command.terminal.siteId, at: now, prices: list.prices, scheduled: list.scheduled }) };
}
