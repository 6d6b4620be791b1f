// The arithmetic of a retail receipt, pure and shared by the account (sales with a card) and the
// terminal (sales without one): pricing the lines, checking the payments, splitting money over the
// payment methods, bonus accrual per line, and what a full or partial return gives back.
//
// Rules, stated once:
// - A line's amount is round(qty × price / 1000) at its unit price after discount; its discount is
//   the same at the list price minus that. The receipt's total is the sum of its lines.
// - Payments must add up to the total exactly (PAYMENT_MISMATCH otherwise).
// - Bonus points accrue on the money paid other than by points: each line's share of it, rounded
//   down, times the line's rate in basis points, rounded down.
// - A return gives back, per returned line part, the line's amount in proportion to the quantity
//   (the last part gets exactly what is left); a return by amount takes the amount as asked. The
//   money returned is split over the receipt's payment methods in proportion to what each still
//   holds (largest remainder; ties in the order cash, bank_card, account, bonus), so the last return
//   gives back exactly what each method paid.

import type { BonusProgram, NetworkCatalog } from '../network/catalog.js';
import { productMatches } from '../network/catalog.js';
import type { PaymentMethod } from '../network/schema.js';
import { paymentMethods } from '../network/schema.js';
import { amountForVolume, bonusPoints, proportionalShare, shareUpTo } from '../money.js';
import type { DeclineReason } from '../reasons.js';
import { constants } from '../constants.js';
import type { Buyer } from './pricing.js';
import { quotePrice } from './pricing.js';
import { oneUnit } from './units.js';

export interface LineRequest {
  product: string;
  /** Thousandths of the product's unit. */
  qty: number;
  /** The till's price, used only for an item the network has no price for. */
  price?: number | undefined;
}

export interface PricedLine {
  product: string;
  qty: number;
  listPrice: number;
  price: number;
  amount: number;
  discount: number;
  discountRule?: string;
}

export interface PaymentRequest {
  method: PaymentMethod;
  amount: number;
}

/** Money per payment method (absent: none). */
export type PaymentSplit = Partial<Record<PaymentMethod, number>>;

export interface ReceiptContext {
  siteId: string;
  at: number;
  minuteOfDay: number;
  buyer?: Buyer;
}

export type Priced = { ok: true; lines: PricedLine[]; amount: number; discount: number } | { ok: false; decline: DeclineReason; detail?: string };

/** Prices every line of a receipt; a product unknown or without any price, or a split piece, declines it. */
export function priceLines(catalog: NetworkCatalog, context: ReceiptContext, lines: readonly LineRequest[]): Priced {
  // Reasons in precedence order over the whole receipt, not line by line.
  for (const line of lines) if (!catalog.products.has(line.product)) return { ok: false, decline: 'PRODUCT_UNKNOWN' };
  for (const line of lines) {
    if (catalog.products.get(line.product)?.unit === 'pcs' && line.qty % oneUnit !== 0) {
      return { ok: false, decline: 'QUANTITY_INVALID', detail: 'items sold by the piece take whole pieces (qty in thousandths: 1000 per piece)' };
    }
  }
  const priced: PricedLine[] = [];
  let amount = 0;
  let discount = 0;
  for (const line of lines) {
    const quote = quotePrice(catalog, {
      siteId: context.siteId,
      product: line.product,
      at: context.at,
      minuteOfDay: context.minuteOfDay,
      ...(context.buyer !== undefined ? { buyer: context.buyer } : {}),
      ...(line.price !== undefined ? { tillPrice: line.price } : {}),
    });
    if (quote === undefined) return { ok: false, decline: 'PRODUCT_UNKNOWN' };
    const lineAmount = amountForVolume(line.qty, quote.price);
    const lineDiscount = Math.max(0, amountForVolume(line.qty, quote.listPrice) - lineAmount);
    const entry: PricedLine = { product: line.product, qty: line.qty, listPrice: quote.listPrice, price: quote.price, amount: lineAmount, discount: lineDiscount };
    if (quote.discountRule !== undefined) entry.discountRule = quote.discountRule;
    priced.push(entry);
    amount += lineAmount;
    discount += lineDiscount;
    if (amount > constants.moneyMax) return { ok: false, decline: 'QUANTITY_INVALID', detail: 'the receipt total is too large' };
  }
  return { ok: true, lines: priced, amount, discount };
}

/** Payments per method, summed (the same method may appear more than once). */
export function splitOf(payments: readonly PaymentRequest[]): PaymentSplit {
  const split: PaymentSplit = {};
  for (const payment of payments) split[payment.method] = (split[payment.method] ?? 0) + payment.amount;
  return split;
}

export function splitTotal(split: PaymentSplit): number {
  let total = 0;
  for (const method of paymentMethods) total += split[method] ?? 0;
  return total;
}

/** A split as the wire shows it: `[{ method, amount }]` in the fixed method order, zero amounts left out. */
export function paymentList(split: PaymentSplit): PaymentRequest[] {
  const list: PaymentRequest[] = [];
  for (const method of paymentMethods) {
    const amount = split[method] ?? 0;
    if (amount > 0) list.push({ method, amount });
  }
  return list;
}

/** The rate (basis points) a line earns: its products' own rate, else the spend tier reached, else the base rate. */
export function bonusRate(catalog: NetworkCatalog, program: BonusProgram, product: string, spend: number): number {
  if (!productMatches(catalog, program.products, product)) return 0;
  for (const entry of program.rates) if (productMatches(catalog, entry.products, product)) return entry.rate;
  for (const tier of program.tiers) if (spend >= tier.spend) return tier.rate;
  return program.rate;
}

/** Points a receipt earns: per line, its share of the money not paid by points, at the line's rate. */
export function receiptBonus(catalog: NetworkCatalog, program: BonusProgram, lines: readonly PricedLine[], total: number, paidByPoints: number, spend: number): number {
  if (total <= 0) return 0;
  const base = total - paidByPoints;
  let points = 0;
  for (const line of lines) points += bonusPoints(proportionalShare(line.amount, base, total), bonusRate(catalog, program, line.product, spend));
  return points;
}

// ---- returns -------------------------------------------------------------------------------------

/** What was sold, as a return needs it. */
export interface SoldReceipt {
  amount: number;
  lines: readonly { product: string; qty: number; amount: number }[];
  payments: PaymentSplit;
}

/** What earlier returns of a receipt gave back. */
export interface Returned {
  amount: number;
  /** Quantity returned per line (index as in the receipt). */
  lines: number[];
  /** Money returned per payment method. */
  payments: PaymentSplit;
}

export interface ReturnPart {
  line: number;
  product: string;
  qty: number;
  amount: number;
}

export type ReturnDecision = { ok: true; amount: number; parts: ReturnPart[]; payments: PaymentSplit } | { ok: false; decline: DeclineReason };

export function nothingReturned(lineCount: number): Returned {
  return { amount: 0, lines: new Array<number>(lineCount).fill(0), payments: {} };
}

/**
 * A return of some lines (by product and quantity, matched to the receipt's lines in order), of an
 * amount, or (neither) of everything still returnable. Never above what was sold.
 */
export function decideReturn(sold: SoldReceipt, before: Returned, request: { amount?: number | undefined; lines?: readonly { product: string; qty: number }[] | undefined }): ReturnDecision {
  const remaining = sold.amount - before.amount;
  let amount: number;
  const parts: ReturnPart[] = [];
  if (request.lines !== undefined) {
    const returnedQty = [...before.lines];
    amount = 0;
    for (const asked of request.lines) {
      let left = asked.qty;
      for (let index = 0; index < sold.lines.length && left > 0; index++) {
        const line = sold.lines[index];
        if (line === undefined || line.product !== asked.product) continue;
        const already = returnedQty[index] ?? 0;
        const take = Math.min(left, line.qty - already);
        if (take <= 0) continue;
        const after = already + take;
        const part = lineAmountAt(line, after) - lineAmountAt(line, already);
        returnedQty[index] = after;
        left -= take;
        parts.push({ line: index, product: line.product, qty: take, amount: part });
        amount += part;
      }
      if (left > 0) return { ok: false, decline: 'REFUND_EXCEEDS_SALE' };
    }
    // A return by lines is bounded by what is left in money too (an earlier return by amount counts):
    // capped at it, and refused when nothing is left.
    if (remaining <= 0) return { ok: false, decline: 'REFUND_EXCEEDS_SALE' };
    amount = Math.min(amount, remaining);
  } else {
    amount = request.amount ?? remaining;
    if (amount > remaining || amount <= 0) return { ok: false, decline: 'REFUND_EXCEEDS_SALE' };
    if (amount === remaining) {
      // Everything left goes back: every line is returned in full from now on.
      sold.lines.forEach((line, index) => {
        const left = line.qty - (before.lines[index] ?? 0);
        if (left > 0) parts.push({ line: index, product: line.product, qty: left, amount: lineAmountAt(line, line.qty) - lineAmountAt(line, before.lines[index] ?? 0) });
      });
    }
  }
  return { ok: true, amount, parts, payments: splitReturn(sold.payments, before.payments, amount) };
}

/** The money of a line up to a returned quantity: proportional, exact at the whole line. */
function lineAmountAt(line: { qty: number; amount: number }, qty: number): number {
  return shareUpTo(line.amount, qty, line.qty);
}

/** Splits `amount` over what each method still holds, in proportion (largest remainder). */
export function splitReturn(paid: PaymentSplit, returned: PaymentSplit, amount: number): PaymentSplit {
  const left = paymentMethods.map((method) => Math.max(0, (paid[method] ?? 0) - (returned[method] ?? 0)));
  const total = left.reduce((sum, value) => sum + value, 0);
  const split: PaymentSplit = {};
  if (amount <= 0 || total <= 0) return split;
  const shares = left.map((value) => proportionalShare(value, amount, total));
  let rest = amount - shares.reduce((sum, value) => sum + value, 0);
  // Largest remainder first; a remainder is (value × amount) mod total, compared without overflow via BigInt.
  const order = left
    .map((value, index) => ({ index, remainder: (BigInt(value) * BigInt(amount)) % BigInt(total) }))
    .sort((a, b) => (a.remainder === b.remainder ? a.index - b.index : a.remainder > b.remainder ? -1 : 1));
  for (const { index } of order) {
    if (rest <= 0) break;
    if ((shares[index] ?? 0) < (left[index] ?? 0)) {
      shares[index] = (shares[index] ?? 0) + 1;
      rest--;
    }
  }
  paymentMethods.forEach((method, index) => {
    const share = shares[index] ?? 0;
    if (share > 0) split[method] = share;
  });
  return split;
}

/** Adds two splits. */
export function addSplits(a: PaymentSplit, b: PaymentSplit): PaymentSplit {
  const sum: PaymentSplit = {};
  for (const method of paymentMethods) {
    const value = (a[method] ?? 0) + (b[method] ?? 0);
    if (value !== 0) sum[method] = value;
  }
  return sum;
}
