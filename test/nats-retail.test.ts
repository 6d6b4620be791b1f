// The retail operations of docs/protocol.md — `sale`, `refund` of receipts (by lines, by amount, in
// full), `prices`, `shift.open` / `shift.close`, price lists pushed on `cfg.<site>.prices` and the
// retail events — spoken over a real NATS server to an engine started in-process with the demo
// network, as a terminal vendor would speak them.
//
// Every expected number is computed here from the documented rules, with the small helpers below
// (none of the engine's arithmetic is imported):
// - a line's amount is round(qty × price / 1000), half away from zero; its discount is the same at
//   the list price minus that; the total is the sum of the lines;
// - a percent rule takes round(price × bp / 10000) off the unit price (club-cafe: 1000 bp);
// - bonus points: per line, floor(line amount × (total − points paid) / total), times the line's
//   rate, / 10000, rounded down (cafe 500 bp, fuel/drinks/goods 100 bp, 150 bp from 15 000 ₽ spent
//   this month, gas and services nothing);
// - money returned is split over what each payment method still holds, largest remainder, ties in
//   the order cash, bank_card, account, bonus.
// Where the document leaves a rounding open (points reversed on a partial return), the test checks
// the bounds the words allow, and the exact total on the full return.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'nats';
import type { NatsConnection } from 'nats';
import { pack, unpack } from 'msgpackr';
import { pino } from 'pino';
import { serve } from '../engine/cli/index.js';
import type { RunningServer } from '../engine/cli/index.js';
import { demoCards, demoNetwork, demoPins } from '../engine/index.js';
import type { NetworkDocument } from '../engine/index.js';
import { natsForTests } from './support/nats.js';
import type { NatsServerHandle } from './support/nats.js';
import { RawValue, call, float64, msgpackMap, uniqueId, capture, waitFor } from './support/wire.js';
import type { Body, CallOptions, WireReply, Captured } from './support/wire.js';

const fleetPin = demoPins.fleet ?? '1234';
const dieselPin = demoPins.diesel ?? '4321';
/** demoPriceChangeAt: AI-95 goes up at 2027-01-01 00:00 in Moscow. */
const priceChangeAt = Date.UTC(2026, 11, 31, 21, 0);

/** A shop till that needs no shift, at MSK-01; another at MSK-02; one at another site (Tver). */
const till = 'MSK-01-POS1';
const till2 = 'MSK-02-POS1';
const tverTill = 'TVR-01-POS1';
/** Tills with `requiresShift: true`. */
const shiftTill = 'MSK-01-POS2';
const burstTill = 'MSK-02-POS2';
const eventsTill = 'TVR-01-POS2';

// ---- the documented arithmetic, written independently ---------------------------------------------

/** a × b / d rounded down (non-negative integers), exact. */
function mulDivDown(a: number, b: number, d: number): number {
  return Number((BigInt(a) * BigInt(b)) / BigInt(d));
}

/** a × b / d rounded half away from zero (non-negative integers), exact. */
function mulDivRound(a: number, b: number, d: number): number {
  const numerator = BigInt(a) * BigInt(b);
  const divisor = BigInt(d);
  const whole = numerator / divisor;
  return Number(2n * (numerator - whole * divisor) >= divisor ? whole + 1n : whole);
}

/** a × b / d rounded up (non-negative integers), exact. */
function mulDivUp(a: number, b: number, d: number): number {
  const numerator = BigInt(a) * BigInt(b);
  const divisor = BigInt(d);
  return Number((numerator + divisor - 1n) / divisor);
}

/** Money for a quantity in thousandths at a unit price. */
const money = (qty: number, price: number): number => mulDivRound(qty, price, 1000);
/** A unit price lowered by basis points. */
const percentOff = (price: number, basisPoints: number): number => price - mulDivRound(price, basisPoints, 10_000);
const sum = (values: readonly number[]): number => values.reduce((total, value) => total + value, 0);

type Method = 'cash' | 'bank_card' | 'account' | 'bonus';
/** The documented order of ties. */
const methods: readonly Method[] = ['cash', 'bank_card', 'account', 'bonus'];
type Split = Partial<Record<Method, number>>;

function cleanSplit(split: Split): Split {
  const clean: Split = {};
  for (const method of methods) {
    const value = split[method] ?? 0;
    if (value !== 0) clean[method] = value;
  }
  return clean;
}

function addSplit(a: Split, b: Split): Split {
  const out: Split = {};
  for (const method of methods) out[method] = (a[method] ?? 0) + (b[method] ?? 0);
  return cleanSplit(out);
}

function subtractSplit(a: Split, b: Split): Split {
  const out: Split = {};
  for (const method of methods) out[method] = (a[method] ?? 0) - (b[method] ?? 0);
  return cleanSplit(out);
}

/**
 * `amount` shared over what each method holds in proportion (Hamilton's method): each gets its quota
 * rounded down, then the units left go one each to the largest fractional parts, ties in method order.
 */
function largestRemainder(holds: Split, amount: number): Split {
  const held = methods.map((method) => holds[method] ?? 0);
  const total = sum(held);
  const quotas = held.map((value, index) => ({ index, whole: mulDivDown(value, amount, total), fraction: (BigInt(value) * BigInt(amount)) % BigInt(total) }));
  let left = amount - sum(quotas.map((quota) => quota.whole));
  const ranked = [...quotas].sort((a, b) => (a.fraction === b.fraction ? a.index - b.index : a.fraction > b.fraction ? -1 : 1));
  const shares = quotas.map((quota) => quota.whole);
  for (const { index } of ranked) {
    if (left === 0) break;
    if ((shares[index] ?? 0) < (held[index] ?? 0)) {
      shares[index] = (shares[index] ?? 0) + 1;
      left--;
    }
  }
  const split: Split = {};
  methods.forEach((method, index) => {
    split[method] = shares[index] ?? 0;
  });
  return cleanSplit(split);
}

const cafeProducts = new Set(['COFFEE', 'HOTDOG']);
const baseRateProducts = new Set(['AI92', 'AI95', 'AI98', 'DT', 'WATER', 'WASHER', 'LAMP-H7']);
/** The demo program's rate for a product: cafe 500 bp; fuel, drinks, goods 100 (150 at the tier); else nothing. */
function bonusRate(product: string, tier: boolean): number {
  if (cafeProducts.has(product)) return 500;
  if (baseRateProducts.has(product)) return tier ? 150 : 100;
  return 0;
}

function bonusOf(lines: readonly { product: string; amount: number }[], paidByPoints: number, tier = false): number {
  const total = sum(lines.map((line) => line.amount));
  return sum(lines.map((line) => mulDivDown(mulDivDown(line.amount, total - paidByPoints, total), bonusRate(line.product, tier), 10_000)));
}

interface SoldLine {
  product: string;
  qty: number;
  listPrice: number;
  price: number;
  amount: number;
  discount: number;
  discountRule?: string;
}

function sold(product: string, qty: number, listPrice: number, price = listPrice, rule?: string): SoldLine {
  const amount = money(qty, price);
  const line: SoldLine = { product, qty, listPrice, price, amount, discount: money(qty, listPrice) - amount };
  if (rule !== undefined) line.discountRule = rule;
  return line;
}

const totalOf = (lines: readonly SoldLine[]): number => sum(lines.map((line) => line.amount));
const discountOf = (lines: readonly SoldLine[]): number => sum(lines.map((line) => line.discount));
const requestLines = (lines: readonly SoldLine[]): Body[] => lines.map((line) => ({ product: line.product, qty: line.qty }));

/** List prices at the Moscow sites now (before the scheduled change). */
const list = { AI92: 5489, AI98: 7349, DT: 6899, LPG: 2899, COFFEE: 19900, HOTDOG: 15900, WATER: 8900, WASHER: 45000, LAMP: 69000 } as const;
const clubCoffee = percentOff(list.COFFEE, 1_000);
const clubHotdog = percentOff(list.HOTDOG, 1_000);
const ai95At = (site: string, at: number): number => (site === 'TVR-01' ? (at >= priceChangeAt ? 5999 : 5949) : at >= priceChangeAt ? 6049 : 5999);

// ---- local time in Moscow (the network's zone) ------------------------------------------------------

function moscow(at: number): { monthDay: string; minute: number } {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Moscow', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(new Date(at));
  const part = (type: string): string => parts.find((entry) => entry.type === type)?.value ?? '';
  return { monthDay: `${part('month')}-${part('day')}`, minute: Number(part('hour')) * 60 + Number(part('minute')) };
}

/**
 * The instants a request may have been decided at. The engine's clock is anchored to the wall clock
 * when it starts and then follows the monotonic clock, so it may read a little off Date.now() here:
 * the window is widened by a second each way.
 */
interface Window {
  t0: number;
  t1: number;
}
const clockSlackMs = 1_000;

// ---- prompts -------------------------------------------------------------------------------------

const demo = demoNetwork();
function promptText(id: string): string {
  const prompt = demo.prompts?.find((entry) => entry.id === id);
  if (prompt === undefined) throw new Error(`no prompt ${id} in the demo network`);
  return prompt.message;
}

/**
 * The messages are exactly the prompts named (in any order), plus the birthday prompt exactly when
 * the buyer's birthday is today in Moscow (when the request straddled midnight, either is right).
 */
function expectPrompts(messages: unknown, ids: readonly string[], window: Window, birthday?: string): void {
  expect(Array.isArray(messages)).toBe(true);
  const got = messages as string[];
  const birthdayText = promptText('birthday');
  const rest = got.filter((message) => message !== birthdayText);
  expect([...rest].sort()).toEqual(ids.map(promptText).sort());
  const before = birthday !== undefined && moscow(window.t0).monthDay === birthday;
  const after = birthday !== undefined && moscow(window.t1).monthDay === birthday;
  if (before === after) expect(got.includes(birthdayText)).toBe(before);
  expect(got.filter((message) => message === birthdayText).length).toBeLessThanOrEqual(1);
}

// ---- reading replies -----------------------------------------------------------------------------

const rows = (value: unknown): Body[] => (Array.isArray(value) ? (value as Body[]) : []);

function splitOfPayments(value: unknown): Split {
  const split: Split = {};
  for (const entry of rows(value)) {
    const method = entry['method'] as Method;
    split[method] = (split[method] ?? 0) + Number(entry['amount']);
  }
  return cleanSplit(split);
}

interface LimitRow {
  period: string;
  kind: string;
  limit: number;
  used: number;
  remaining: number;
}

function limitOf(inquiry: Body, period: string, kind: string): LimitRow {
  const row = rows(inquiry['limits']).find((entry) => entry['period'] === period && entry['kind'] === kind);
  if (row === undefined) throw new Error(`no ${period} ${kind} limit`);
  return row as unknown as LimitRow;
}

// ---- Z-reports -----------------------------------------------------------------------------------

interface ShiftOp {
  op: 'sale' | 'refund' | 'topup';
  amount: number;
  payments: Split;
}

interface MethodRow {
  sales: number;
  refunds: number;
  topups: number;
  net: number;
}

function expectZReport(totals: unknown, ops: readonly ShiftOp[]): void {
  const count = (op: ShiftOp['op']): { count: number; amount: number } => {
    const of = ops.filter((entry) => entry.op === op);
    return { count: of.length, amount: sum(of.map((entry) => entry.amount)) };
  };
  const expectedRows: Record<string, MethodRow> = {};
  for (const entry of ops) {
    for (const method of methods) {
      const amount = entry.payments[method] ?? 0;
      if (amount === 0) continue;
      const row = (expectedRows[method] ??= { sales: 0, refunds: 0, topups: 0, net: 0 });
      if (entry.op === 'sale') row.sales += amount;
      else if (entry.op === 'refund') row.refunds += amount;
      else row.topups += amount;
    }
  }
  for (const row of Object.values(expectedRows)) row.net = row.sales + row.topups - row.refunds;

  const report = totals as Body;
  expect(report['sales']).toEqual(count('sale'));
  expect(report['refunds']).toEqual(count('refund'));
  expect(report['topups']).toEqual(count('topup'));
  // byMethod: one row per method; the order is not documented, and a row of zeros is as good as none.
  const got: Record<string, MethodRow> = {};
  for (const row of rows(report['byMethod'])) {
    const method = row['method'] as string;
    expect(got[method], `method ${method} listed twice`).toBeUndefined();
    const entry: MethodRow = { sales: Number(row['sales']), refunds: Number(row['refunds']), topups: Number(row['topups']), net: Number(row['net']) };
    expect(entry.net).toBe(entry.sales + entry.topups - entry.refunds);
    if (entry.sales !== 0 || entry.refunds !== 0 || entry.topups !== 0 || entry.net !== 0) got[method] = entry;
  }
  expect(got).toEqual(expectedRows);
}

// ---- the engine and the wire ---------------------------------------------------------------------

interface Wire {
  nc: NatsConnection;
  /** Every reply received, for the "no card number in replies" check. */
  replies: Uint8Array[];
}

async function startEngine(nats: NatsServerHandle): Promise<{ server: RunningServer; dataDir: string; wire: Wire }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-retail-'));
  const server = await serve({ dataDir, natsUrl: nats.url, httpPort: 0, httpHost: '127.0.0.1', demo: true, logger: pino({ level: 'silent' }) });
  const nc = await connect({ servers: nats.url, name: 'tessera-retail-test' });
  return { server, dataDir, wire: { nc, replies: [] } };
}

function client(wire: Wire) {
  const send = async (terminal: string, op: string, body: Body | Uint8Array, options: CallOptions = {}): Promise<WireReply> => {
    const reply = await call(wire.nc, terminal, op, body, options);
    wire.replies.push(reply.bytes);
    return reply;
  };
  const request = async (terminal: string, op: string, body: Body | Uint8Array, options: CallOptions = {}): Promise<Body> => (await send(terminal, op, body, options)).body;
  /** A request with the wall-clock window it was decided in (for prompts and times). */
  const timed = async (terminal: string, op: string, body: Body | Uint8Array, options: CallOptions = {}): Promise<{ reply: Body; window: Window }> => {
    const t0 = Date.now() - clockSlackMs;
    const reply = await request(terminal, op, body, options);
    return { reply, window: { t0, t1: Date.now() + clockSlackMs } };
  };
  const inquire = async (card: string, pin?: string): Promise<Body> => {
    const reply = await request(till, 'inquire', { id: uniqueId('inq'), card, ...(pin !== undefined ? { pin } : {}) });
    expect(reply).toMatchObject({ result: 'approved', reason: 'OK' });
    return reply;
  };
  const sale = (terminal: string, body: Omit<Body, 'id'>, options: CallOptions = {}): Promise<Body> => request(terminal, 'sale', { id: uniqueId('sale'), ...body }, options);
  const refund = (terminal: string, body: Omit<Body, 'id'>): Promise<Body> => request(terminal, 'refund', { id: uniqueId('ref'), ...body });
  return { send, request, timed, inquire, sale, refund };
}

type Api = ReturnType<typeof client>;

function expectApproved(reply: Body): void {
  expect(reply, JSON.stringify(reply)).toMatchObject({ result: 'approved', reason: 'OK' });
}

function expectDeclined(reply: Body, reason: string): void {
  expect(reply, JSON.stringify(reply)).toMatchObject({ result: 'declined', reason });
  expect(typeof reply['message']).toBe('string');
}

// ==================================================================================================

describe('retail over NATS (demo network)', () => {
  let nats: NatsServerHandle;
  let server: RunningServer;
  let dataDir: string;
  let wire: Wire;
  let api: Api;
  const events: Captured[] = [];
  const eventOf = (type: string, predicate: (body: Body) => boolean): Promise<Body> =>
    waitFor(() => events.find((event) => event.subject === `tessera.v1.evt.sever.${type}` && predicate(event.body))?.body, `a ${type} event`);

  beforeAll(async () => {
    nats = await natsForTests();
    ({ server, dataDir, wire } = await startEngine(nats));
    api = client(wire);
    capture(wire.nc, 'tessera.v1.evt.>', events);
    await wire.nc.flush();
  });

  afterAll(async () => {
    await wire?.nc.drain().catch(() => undefined);
    await server?.stop();
    await nats?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('the demo network has the scheduled AI-95 change this test expects', () => {
    const scheduled = (demo.prices ?? []).filter((price) => price.from !== undefined);
    expect(scheduled.map((price) => price.from)).toEqual([priceChangeAt, priceChangeAt]);
  });

  // ------------------------------------------------------------------------------------------------
  describe('sale without a card (MSK-01-POS1 needs no shift)', () => {
    it('is priced for anyone, paid in cash by default, and prompts for a hot dog and a fragile lamp', async () => {
      const lines = [sold('COFFEE', 2_000, list.COFFEE), sold('HOTDOG', 1_000, list.HOTDOG), sold('LAMP-H7', 1_000, list.LAMP)];
      const id = uniqueId('sale');
      const { reply, window } = await api.timed(till, 'sale', { id, lines: requestLines(lines) });
      expect(reply).toMatchObject({ id, result: 'approved', reason: 'OK', amount: totalOf(lines), discount: 0, bonus: 0 });
      expect(totalOf(lines)).toBe(124_700);
      expect(reply['lines']).toEqual(lines);
      expect(splitOfPayments(reply['payments'])).toEqual({ cash: 124_700 });
      expect(typeof reply['txId']).toBe('string');
      expectPrompts(reply['messages'], ['promo-hotdog', 'fragile'], window);
      // Charged to nobody: no balance, no points.
      expect(reply).not.toHaveProperty('balance');
      expect(reply).not.toHaveProperty('bonusBalance');
    });

    it('prompts for more than 5 lines and for a total above 5 000 ₽ — not at 5 lines, nor at exactly 5 000 ₽', async () => {
      // Six lines, litres in odd millilitres: 1.5 l of AI-92 is 8233.5 → 8234; 2.345 l of AI-98 is 17233.405 → 17233.
      const six = [sold('AI92', 1_500, list.AI92), sold('AI98', 2_345, list.AI98), sold('LPG', 10_000, list.LPG), sold('COFFEE', 1_000, list.COFFEE), sold('WATER', 1_000, list.WATER), sold('WASHER', 1_000, list.WASHER)];
      expect(six.slice(0, 2).map((line) => line.amount)).toEqual([8_234, 17_233]);
      const sixReply = await api.timed(till, 'sale', { id: uniqueId('sale'), lines: requestLines(six) });
      expectApproved(sixReply.reply);
      expect(sixReply.reply['lines']).toEqual(six);
      expect(sixReply.reply['amount']).toBe(totalOf(six));
      expectPrompts(sixReply.reply['messages'], ['big-basket'], sixReply.window);

      const five = await api.timed(till, 'sale', { id: uniqueId('sale'), lines: requestLines(six.slice(0, 5)) });
      expectApproved(five.reply);
      expectPrompts(five.reply['messages'], [], five.window);

      // 10 washers (4 500 ₽) and a service at a till price: exactly 5 000 ₽, then 5 000.01 ₽.
      const exactly = await api.timed(till, 'sale', { id: uniqueId('sale'), lines: [{ product: 'WASHER', qty: 10_000 }, { product: 'SERVICE', qty: 1_000, price: 50_000 }] });
      expect(exactly.reply).toMatchObject({ result: 'approved', amount: 500_000 });
      expectPrompts(exactly.reply['messages'], [], exactly.window);
      const above = await api.timed(till, 'sale', { id: uniqueId('sale'), lines: [{ product: 'WASHER', qty: 10_000 }, { product: 'SERVICE', qty: 1_000, price: 50_001 }] });
      expect(above.reply).toMatchObject({ result: 'approved', amount: 500_001 });
      expectPrompts(above.reply['messages'], ['big-receipt'], above.window);

      const everything = [...six.slice(0, 4), sold('HOTDOG', 1_000, list.HOTDOG), sold('LAMP-H7', 1_000, list.LAMP), sold('WASHER', 10_000, list.WASHER)];
      const all = await api.timed(till, 'sale', { id: uniqueId('sale'), lines: requestLines(everything) });
      expect(all.reply).toMatchObject({ result: 'approved', amount: totalOf(everything) });
      expect(totalOf(everything)).toBeGreaterThan(500_000);
      expectPrompts(all.reply['messages'], ['big-basket', 'big-receipt', 'promo-hotdog', 'fragile'], all.window);
    });

    it('takes explicit cash and bank_card payments; PAYMENT_MISMATCH when they do not add up', async () => {
      const lines = [sold('COFFEE', 1_000, list.COFFEE), sold('WATER', 2_000, list.WATER)];
      const total = totalOf(lines);
      expect(total).toBe(37_700);
      const mixed = await api.sale(till, { lines: requestLines(lines), payments: [{ method: 'cash', amount: 10_000 }, { method: 'bank_card', amount: total - 10_000 }] });
      expect(mixed).toMatchObject({ result: 'approved', amount: total, bonus: 0 });
      expect(splitOfPayments(mixed['payments'])).toEqual({ cash: 10_000, bank_card: total - 10_000 });
      const byCard = await api.sale(till, { lines: requestLines(lines), payments: [{ method: 'bank_card', amount: total }] });
      expect(splitOfPayments(byCard['payments'])).toEqual({ bank_card: total });

      for (const payments of [
        [{ method: 'cash', amount: 10_000 }, { method: 'bank_card', amount: total - 10_001 }],
        [{ method: 'cash', amount: 10_000 }, { method: 'bank_card', amount: total - 9_999 }],
        [{ method: 'cash', amount: total + 1 }],
        [],
      ]) {
        expectDeclined(await api.sale(till, { lines: requestLines(lines), payments }), 'PAYMENT_MISMATCH');
      }
    });

    it('refuses account and bonus payments without a card (PAYMENT_NOT_ALLOWED); a mismatch is named first', async () => {
      const lines = [{ product: 'WATER', qty: 1_000 }];
      expectDeclined(await api.sale(till, { lines, payments: [{ method: 'account', amount: list.WATER }] }), 'PAYMENT_NOT_ALLOWED');
      expectDeclined(await api.sale(till, { lines, payments: [{ method: 'bonus', amount: list.WATER }] }), 'PAYMENT_NOT_ALLOWED');
      expectDeclined(await api.sale(till, { lines, payments: [{ method: 'cash', amount: 100 }, { method: 'bonus', amount: list.WATER - 100 }] }), 'PAYMENT_NOT_ALLOWED');
      expectDeclined(await api.sale(till, { lines, payments: [{ method: 'account', amount: 1 }] }), 'PAYMENT_MISMATCH');
    });

    it('PRODUCT_UNKNOWN for an unknown code and a free-price item without a price; the till price counts only where the network has none', async () => {
      expectDeclined(await api.sale(till, { lines: [{ product: 'NOPE', qty: 1_000 }] }), 'PRODUCT_UNKNOWN');
      expectDeclined(await api.sale(till, { lines: [{ product: 'SERVICE', qty: 1_000 }] }), 'PRODUCT_UNKNOWN');
      expectDeclined(await api.sale(till, { lines: [{ product: 'COFFEE', qty: 1_000 }, { product: 'SERVICE', qty: 1_000 }] }), 'PRODUCT_UNKNOWN');

      const service = await api.sale(till, { lines: [{ product: 'SERVICE', qty: 1_000, price: 150_000 }, { product: 'SERVICE', qty: 2_000, price: 12_345 }] });
      expectApproved(service);
      expect(service['lines']).toEqual([sold('SERVICE', 1_000, 150_000), sold('SERVICE', 2_000, 12_345)]);
      expect(service['amount']).toBe(150_000 + 24_690);

      // The network's price wins over the till's, lower or higher.
      const coffee = await api.sale(till, { lines: [{ product: 'COFFEE', qty: 1_000, price: 100 }, { product: 'WATER', qty: 1_000, price: 99_999 }] });
      expectApproved(coffee);
      expect(coffee['lines']).toEqual([sold('COFFEE', 1_000, list.COFFEE), sold('WATER', 1_000, list.WATER)]);
      expect(coffee['amount']).toBe(list.COFFEE + list.WATER);
    });

    it('QUANTITY_INVALID for part of a piece; litres take any millilitres', async () => {
      expectDeclined(await api.sale(till, { lines: [{ product: 'COFFEE', qty: 1_500 }] }), 'QUANTITY_INVALID');
      expectDeclined(await api.sale(till, { lines: [{ product: 'LAMP-H7', qty: 999 }] }), 'QUANTITY_INVALID');
      const fuel = await api.sale(till, { lines: [{ product: 'AI92', qty: 1 }, { product: 'LPG', qty: 1_001 }] });
      expectApproved(fuel);
      // 1 ml of AI-92: 5.489 → 5; 1.001 l of LPG: 2901.899 → 2902.
      expect(fuel['lines']).toEqual([sold('AI92', 1, list.AI92), sold('LPG', 1_001, list.LPG)]);
      expect(fuel['amount']).toBe(5 + 2_902);
    });

    it('names PRODUCT_UNKNOWN before QUANTITY_INVALID, whatever the order of the lines (the reason-code table)', async () => {
      const reasons = {
        unknownFirst: (await api.sale(till, { lines: [{ product: 'NOPE', qty: 1_000 }, { product: 'COFFEE', qty: 1_500 }] }))['reason'],
        splitPieceFirst: (await api.sale(till, { lines: [{ product: 'COFFEE', qty: 1_500 }, { product: 'NOPE', qty: 1_000 }] }))['reason'],
        splitPieceFirstWithACard: (await api.sale(till, { card: demoCards.loyalty, lines: [{ product: 'COFFEE', qty: 1_500 }, { product: 'NOPE', qty: 1_000 }] }))['reason'],
      };
      expect(reasons).toEqual({ unknownFirst: 'PRODUCT_UNKNOWN', splitPieceFirst: 'PRODUCT_UNKNOWN', splitPieceFirstWithACard: 'PRODUCT_UNKNOWN' });
    });

    it('accepts 500 lines and refuses 501', async () => {
      const line = { product: 'WATER', qty: 1_000 };
      const full = await api.timed(till, 'sale', { id: uniqueId('sale'), lines: Array.from({ length: 500 }, () => line) });
      expect(full.reply).toMatchObject({ result: 'approved', amount: 500 * list.WATER });
      expect(rows(full.reply['lines'])).toHaveLength(500);
      expectPrompts(full.reply['messages'], ['big-basket', 'big-receipt'], full.window);
      const id = uniqueId('sale');
      expect(await api.request(till, 'sale', { id, lines: Array.from({ length: 501 }, () => line) })).toMatchObject({ id, result: 'error', reason: 'BAD_REQUEST' });
    });

    const floatLines = (qty: number): RawValue => new RawValue(Buffer.concat([Buffer.from([0x91]), msgpackMap({ product: 'COFFEE', qty: float64(qty) })]));
    type Case = { name: string; op?: string; body?: (id: string) => Body; bytes?: (id: string) => Uint8Array; json?: (id: string) => string };
    const water = [{ product: 'WATER', qty: 1_000 }];
    const badCases: Case[] = [
      { name: 'sale: qty 0', body: (id) => ({ id, lines: [{ product: 'WATER', qty: 0 }] }) },
      { name: 'sale: qty −1000', body: (id) => ({ id, lines: [{ product: 'WATER', qty: -1_000 }] }) },
      { name: 'sale: qty 1000.5', body: (id) => ({ id, lines: [{ product: 'WATER', qty: 1_000.5 }] }) },
      { name: 'sale: qty 1000 sent as a MessagePack float64', bytes: (id) => msgpackMap({ id, lines: floatLines(1_000) }) },
      { name: 'sale: qty 1e3 in JSON', json: (id) => `{"id":"${id}","lines":[{"product":"WATER","qty":1e3}]}` },
      { name: 'sale: qty "1000"', body: (id) => ({ id, lines: [{ product: 'WATER', qty: '1000' }] }) },
      { name: 'sale: lines missing', body: (id) => ({ id }) },
      { name: 'sale: no lines', body: (id) => ({ id, lines: [] }) },
      { name: 'sale: a line without qty', body: (id) => ({ id, lines: [{ product: 'WATER' }] }) },
      { name: 'sale: an unknown field', body: (id) => ({ id, lines: water, tip: 100 }) },
      { name: 'sale: an unknown field in a line', body: (id) => ({ id, lines: [{ product: 'WATER', qty: 1_000, discount: 100 }] }) },
      { name: 'sale: an unknown field in a payment', body: (id) => ({ id, lines: water, payments: [{ method: 'cash', amount: list.WATER, note: 'x' }] }) },
      { name: 'sale: an unknown payment method', body: (id) => ({ id, lines: water, payments: [{ method: 'crypto', amount: list.WATER }] }) },
      { name: 'sale: a payment of 0', body: (id) => ({ id, lines: water, payments: [{ method: 'cash', amount: 0 }, { method: 'bank_card', amount: list.WATER }] }) },
      { name: 'sale: a negative line price', body: (id) => ({ id, lines: [{ product: 'SERVICE', qty: 1_000, price: -1 }] }) },
      { name: 'refund: amount and lines together', op: 'refund', body: (id) => ({ id, txId: 't.x.1', amount: 100, lines: [{ product: 'WATER', qty: 1_000 }] }) },
      { name: 'refund: a line of qty 0', op: 'refund', body: (id) => ({ id, txId: 't.x.1', lines: [{ product: 'WATER', qty: 0 }] }) },
      { name: 'shift.open: an unknown kind', op: 'shift.open', body: (id) => ({ id, kind: 'night' }) },
      { name: 'shift.open: a cashier of 201 characters', op: 'shift.open', body: (id) => ({ id, cashier: 'x'.repeat(201) }) },
      { name: 'shift.close: an unknown field', op: 'shift.close', body: (id) => ({ id, totals: true }) },
      { name: 'prices: an unknown field', op: 'prices', body: (id) => ({ id, all: true }) },
    ];

    it.each(badCases)('error/BAD_REQUEST — $name', async (testCase) => {
      const id = uniqueId('bad');
      const op = testCase.op ?? 'sale';
      const reply = testCase.json
        ? await api.request(till, op, Buffer.from(testCase.json(id)), { json: true })
        : await api.request(till, op, testCase.bytes ? testCase.bytes(id) : pack(testCase.body?.(id) ?? {}));
      expect(reply).toMatchObject({ id, result: 'error', reason: 'BAD_REQUEST' });
      expect(typeof reply['message']).toBe('string');
    });

    it('does not remember a BAD_REQUEST: the same id with a valid body is decided afresh', async () => {
      const id = uniqueId('bad');
      expect(await api.request(till, 'sale', { id, lines: [{ product: 'WATER', qty: 0 }] })).toMatchObject({ id, result: 'error', reason: 'BAD_REQUEST' });
      expect(await api.request(till, 'sale', { id, lines: [{ product: 'WATER', qty: 1_000 }] })).toMatchObject({ id, result: 'approved', amount: list.WATER });
    });
  });

  // ------------------------------------------------------------------------------------------------
  describe('sale with a card', () => {
    it('club card: club-cafe off COFFEE per line, points at 500 bp on cafe and 100 bp on drinks, none on gas or services', async () => {
      const before = await api.inquire(demoCards.loyalty);
      const lines = [sold('COFFEE', 2_000, list.COFFEE, clubCoffee, 'club-cafe'), sold('WATER', 1_000, list.WATER), sold('LPG', 5_000, list.LPG), sold('SERVICE', 1_000, 30_000)];
      expect(clubCoffee).toBe(17_910);
      const total = totalOf(lines);
      const points = bonusOf(lines, 0);
      // 35 820 × 5 % = 1791, 8 900 × 1 % = 89.
      expect(points).toBe(1_880);
      const { reply, window } = await api.timed(till, 'sale', {
        id: uniqueId('sale'),
        card: demoCards.loyalty,
        lines: [...requestLines(lines.slice(0, 3)), { product: 'SERVICE', qty: 1_000, price: 30_000 }],
      });
      expect(reply).toMatchObject({
        result: 'approved',
        amount: total,
        discount: discountOf(lines),
        bonus: points,
        bonusBalance: Number(before['bonus']) + points,
        balance: Number(before['balance']) - total,
      });
      expect(discountOf(lines)).toBe(3_980);
      expect(reply['lines']).toEqual(lines);
      expect(splitOfPayments(reply['payments'])).toEqual({ account: total });
      expectPrompts(reply['messages'], [], window, '03-08');
      const after = await api.inquire(demoCards.loyalty);
      expect(after).toMatchObject({ balance: Number(before['balance']) - total, bonus: Number(before['bonus']) + points });
    });

    it('pays with points it earned; BONUS_INSUFFICIENT above the points held, named before INSUFFICIENT_FUNDS', async () => {
      const before = await api.inquire(demoCards.loyalty);
      const held = Number(before['bonus']);
      expect(held).toBeGreaterThanOrEqual(1_000);
      const lines = [sold('WATER', 1_000, list.WATER)];
      const points = bonusOf(lines, 1_000);
      expect(points).toBe(79); // on the 79 ₽ not paid by points
      const reply = await api.sale(till, { card: demoCards.loyalty, lines: requestLines(lines), payments: [{ method: 'bonus', amount: 1_000 }, { method: 'cash', amount: list.WATER - 1_000 }] });
      expect(reply).toMatchObject({ result: 'approved', amount: list.WATER, bonus: points, bonusBalance: held - 1_000 + points, balance: before['balance'] });
      expect(splitOfPayments(reply['payments'])).toEqual({ bonus: 1_000, cash: list.WATER - 1_000 });
      const paid = await api.inquire(demoCards.loyalty);
      expect(paid).toMatchObject({ balance: before['balance'], bonus: held - 1_000 + points });

      const now = Number(paid['bonus']);
      expect(now + 1).toBeLessThan(list.WASHER);
      expectDeclined(await api.sale(till, { card: demoCards.loyalty, lines: [{ product: 'WASHER', qty: 1_000 }], payments: [{ method: 'bonus', amount: now + 1 }, { method: 'cash', amount: list.WASHER - now - 1 }] }), 'BONUS_INSUFFICIENT');
      // Both apply: too few points and too little money on the account.
      const big = 4 * list.WASHER;
      expect(big - now - 1).toBeGreaterThan(Number(paid['balance']));
      expectDeclined(await api.sale(till, { card: demoCards.loyalty, lines: [{ product: 'WASHER', qty: 4_000 }], payments: [{ method: 'bonus', amount: now + 1 }, { method: 'account', amount: big - now - 1 }] }), 'BONUS_INSUFFICIENT');
      expect(await api.inquire(demoCards.loyalty)).toMatchObject({ balance: paid['balance'], bonus: paid['bonus'] });
    });

    it('mixed bank_card + account + bonus: balance and points through inquire before and after', async () => {
      const before = await api.inquire(demoCards.loyalty);
      const lines = [sold('COFFEE', 1_000, list.COFFEE, clubCoffee, 'club-cafe'), sold('HOTDOG', 1_000, list.HOTDOG, clubHotdog, 'club-cafe'), sold('LAMP-H7', 1_000, list.LAMP)];
      const total = totalOf(lines);
      expect(total).toBe(101_220);
      const payments: Split = { bank_card: total - 20_500, account: 20_000, bonus: 500 };
      const points = bonusOf(lines, 500);
      const { reply, window } = await api.timed(till, 'sale', {
        id: uniqueId('sale'),
        card: demoCards.loyalty,
        lines: requestLines(lines),
        payments: [{ method: 'bank_card', amount: total - 20_500 }, { method: 'account', amount: 20_000 }, { method: 'bonus', amount: 500 }],
      });
      expect(reply).toMatchObject({ result: 'approved', amount: total, discount: discountOf(lines), bonus: points, bonusBalance: Number(before['bonus']) - 500 + points, balance: Number(before['balance']) - 20_000 });
      expect(reply['lines']).toEqual(lines);
      expect(splitOfPayments(reply['payments'])).toEqual(payments);
      expectPrompts(reply['messages'], ['promo-hotdog', 'fragile'], window, '03-08');
      expect(await api.inquire(demoCards.loyalty)).toMatchObject({ balance: Number(before['balance']) - 20_000, bonus: Number(before['bonus']) - 500 + points });
    });

    it('INSUFFICIENT_FUNDS when the account part is above the available funds; nothing changes', async () => {
      const before = await api.inquire(demoCards.loyalty);
      const funds = Number(before['balance']);
      const washers = Math.floor(funds / list.WASHER) + 1;
      expectDeclined(await api.sale(till, { card: demoCards.loyalty, lines: [{ product: 'WASHER', qty: washers * 1_000 }] }), 'INSUFFICIENT_FUNDS');
      const total = washers * list.WASHER;
      expectDeclined(
        await api.sale(till, { card: demoCards.loyalty, lines: [{ product: 'WASHER', qty: washers * 1_000 }], payments: [{ method: 'account', amount: funds + 1 }, { method: 'bank_card', amount: total - funds - 1 }] }),
        'INSUFFICIENT_FUNDS',
      );
      expect(await api.inquire(demoCards.loyalty)).toMatchObject({ balance: before['balance'], bonus: before['bonus'] });
    });

    it('fleet card: PIN required, fleet-large-fuel on fuel, no points; limits count the share the account pays', async () => {
      expectDeclined(await api.sale(till, { card: demoCards.fleet, lines: [{ product: 'COFFEE', qty: 1_000 }] }), 'PIN_INVALID');
      const before = await api.inquire(demoCards.fleet, fleetPin);
      const fleetAi92 = percentOff(list.AI92, 150);
      expect(fleetAi92).toBe(5_407);
      const lines = [sold('AI92', 20_000, list.AI92, fleetAi92, 'fleet-large-fuel'), sold('COFFEE', 1_000, list.COFFEE)];
      const total = totalOf(lines);
      const reply = await api.sale(till, { card: demoCards.fleet, pin: fleetPin, lines: requestLines(lines) });
      expect(reply).toMatchObject({ result: 'approved', amount: total, discount: discountOf(lines), bonus: 0, bonusBalance: 0, balance: Number(before['balance']) - total });
      expect(reply['lines']).toEqual(lines);
      expect(splitOfPayments(reply['payments'])).toEqual({ account: total });
      const charged = await api.inquire(demoCards.fleet, fleetPin);
      expect(charged['balance']).toBe(Number(before['balance']) - total);
      expect(limitOf(charged, 'day', 'volume').used).toBe(limitOf(before, 'day', 'volume').used + 20_000);
      expect(limitOf(charged, 'month', 'amount').used).toBe(limitOf(before, 'month', 'amount').used + total);

      // Half from the account, half by bank card: each limit counts its lines in that share.
      const halfLines = [sold('AI92', 10_000, list.AI92, fleetAi92, 'fleet-large-fuel'), sold('COFFEE', 1_000, list.COFFEE)];
      const halfTotal = totalOf(halfLines);
      const fromAccount = Math.floor(halfTotal / 2);
      const half = await api.sale(till, { card: demoCards.fleet, pin: fleetPin, lines: requestLines(halfLines), payments: [{ method: 'account', amount: fromAccount }, { method: 'bank_card', amount: halfTotal - fromAccount }] });
      expect(half).toMatchObject({ result: 'approved', amount: halfTotal, balance: Number(charged['balance']) - fromAccount });
      const shared = await api.inquire(demoCards.fleet, fleetPin);
      expect(limitOf(shared, 'day', 'volume').used).toBe(limitOf(charged, 'day', 'volume').used + mulDivDown(10_000, fromAccount, halfTotal));
      expect(limitOf(shared, 'month', 'amount').used).toBe(limitOf(charged, 'month', 'amount').used + mulDivDown(halfTotal, fromAccount, halfTotal));

      expectDeclined(await api.sale(till, { card: demoCards.fleet, pin: fleetPin, lines: [{ product: 'COFFEE', qty: 1_000 }], payments: [{ method: 'bonus', amount: 100 }, { method: 'account', amount: list.COFFEE - 100 }] }), 'BONUS_NOT_ALLOWED');
      expectDeclined(await api.sale(till, { card: demoCards.fleet, pin: fleetPin, lines: [{ product: 'COFFEE', qty: 1_000 }], payments: [{ method: 'bonus', amount: 100 }, { method: 'bank_card', amount: list.COFFEE - 100 }] }), 'BONUS_NOT_ALLOWED');
      const after = await api.inquire(demoCards.fleet, fleetPin);
      expect(after['balance']).toBe(shared['balance']);
      expect(after['limits']).toEqual(shared['limits']);
    });

    it('fleet card: a receipt returned in full (by lines, then the rest) gives its balance and limit usage back', async () => {
      const before = await api.inquire(demoCards.fleet, fleetPin);
      const lines = [sold('AI92', 20_000, list.AI92, percentOff(list.AI92, 150), 'fleet-large-fuel'), sold('COFFEE', 1_000, list.COFFEE)];
      const total = totalOf(lines);
      const receipt = await api.sale(till, { card: demoCards.fleet, pin: fleetPin, lines: requestLines(lines) });
      expectApproved(receipt);
      const fuelBack = await api.refund(till, { txId: receipt['txId'], lines: [{ product: 'AI92', qty: 20_000 }] });
      expect(fuelBack).toMatchObject({ result: 'approved', amount: lines[0]?.amount, bonus: 0, balance: Number(before['balance']) - total + (lines[0]?.amount ?? 0) });
      expect(splitOfPayments(fuelBack['payments'])).toEqual({ account: lines[0]?.amount });
      const rest = await api.refund(till, { txId: receipt['txId'] });
      expect(rest).toMatchObject({ result: 'approved', amount: list.COFFEE, balance: before['balance'] });
      const after = await api.inquire(demoCards.fleet, fleetPin);
      expect(after['balance']).toBe(before['balance']);
      expect(after['limits']).toEqual(before['limits']);
    });

    it('a diesel-only card buying COFFEE is PRODUCT_NOT_ALLOWED (every line must be allowed)', async () => {
      expectDeclined(await api.sale(till, { card: demoCards.diesel, pin: dieselPin, lines: [{ product: 'COFFEE', qty: 1_000 }] }), 'PRODUCT_NOT_ALLOWED');
      expectDeclined(await api.sale(till, { card: demoCards.diesel, pin: dieselPin, lines: [{ product: 'DT', qty: 10_000 }, { product: 'COFFEE', qty: 1_000 }] }), 'PRODUCT_NOT_ALLOWED');
    });

    it('card "small" (3 000 ₽, 5 000 ₽ a day): LIMIT_EXCEEDED for the account part, counted in its share; INSUFFICIENT_FUNDS', async () => {
      const before = await api.inquire(demoCards.small);
      expect(before).toMatchObject({ balance: 300_000 });
      expect(limitOf(before, 'day', 'amount')).toMatchObject({ limit: 500_000, used: 0 });
      // 12 washers, 5 400 ₽, all from the account: above the day limit (and the funds; the limit is named first).
      expectDeclined(await api.sale(till, { card: demoCards.small, lines: [{ product: 'WASHER', qty: 12_000 }] }), 'LIMIT_EXCEEDED');
      // 1 000 ₽ from the account, the rest by bank card: the limit counts 1 000 ₽.
      const total = 12 * list.WASHER;
      const receipt = await api.sale(till, { card: demoCards.small, lines: [{ product: 'WASHER', qty: 12_000 }], payments: [{ method: 'bank_card', amount: total - 100_000 }, { method: 'account', amount: 100_000 }] });
      expect(receipt).toMatchObject({ result: 'approved', amount: total, balance: 200_000, bonus: 0 });
      const charged = await api.inquire(demoCards.small);
      expect(charged['balance']).toBe(200_000);
      expect(limitOf(charged, 'day', 'amount')).toMatchObject({ used: mulDivDown(total, 100_000, total), remaining: 400_000 });
      // 5 washers from the account: the limit allows 2 250 ₽, the account holds 2 000 ₽.
      expectDeclined(await api.sale(till, { card: demoCards.small, lines: [{ product: 'WASHER', qty: 5_000 }] }), 'INSUFFICIENT_FUNDS');
      // 9 washers: 4 050 ₽ > 4 000 ₽ of headroom.
      expectDeclined(await api.sale(till, { card: demoCards.small, lines: [{ product: 'WASHER', qty: 9_000 }], payments: [{ method: 'account', amount: 9 * list.WASHER }] }), 'LIMIT_EXCEEDED');
      expect((await api.inquire(demoCards.small))['limits']).toEqual(charged['limits']);

      const back = await api.refund(till2, { txId: receipt['txId'] });
      expect(back).toMatchObject({ result: 'approved', amount: total, balance: 300_000 });
      expect(splitOfPayments(back['payments'])).toEqual({ bank_card: total - 100_000, account: 100_000 });
      const restored = await api.inquire(demoCards.small);
      expect(restored['balance']).toBe(300_000);
      expect(limitOf(restored, 'day', 'amount')).toMatchObject({ used: 0, remaining: 500_000 });
    });

    it('petrov (taxi, birthday 12-02): taxi-fuel off fuel, no club price, and the birthday prompt exactly when today in Moscow is 12-02', async () => {
      const before = await api.inquire(demoCards.taxi);
      const lines = [sold('AI92', 5_000, list.AI92, list.AI92 - 100, 'taxi-fuel'), sold('COFFEE', 1_000, list.COFFEE)];
      const total = totalOf(lines);
      const points = bonusOf(lines, 0);
      expect([total, points]).toEqual([26_945 + 19_900, 269 + 995]);
      const { reply, window } = await api.timed(till, 'sale', { id: uniqueId('sale'), card: demoCards.taxi, lines: requestLines(lines) });
      expect(reply).toMatchObject({ result: 'approved', amount: total, bonus: points, balance: Number(before['balance']) - total, bonusBalance: Number(before['bonus']) + points });
      expect(reply['lines']).toEqual(lines);
      expectPrompts(reply['messages'], [], window, '12-02');
      // The same receipt without the card has no buyer: no birthday, no taxi price.
      const anonymous = await api.timed(till, 'sale', { id: uniqueId('sale'), lines: requestLines(lines) });
      expect(anonymous.reply['lines']).toEqual([sold('AI92', 5_000, list.AI92), sold('COFFEE', 1_000, list.COFFEE)]);
      expectPrompts(anonymous.reply['messages'], [], anonymous.window);
    });
  });

  // ------------------------------------------------------------------------------------------------
  describe('refund of receipts', () => {
    it('by lines (partial, then the rest), by amount, in full; money split over cash and bank_card by largest remainder; refused beyond the sale', async () => {
      // 3 coffees and 10.5 l of AI-92 (57 634.5 → 57 635): 1 173.35 ₽, 500 ₽ in cash, the rest by bank card.
      const lines = [sold('COFFEE', 3_000, list.COFFEE), sold('AI92', 10_500, list.AI92)];
      const total = totalOf(lines);
      expect(total).toBe(59_700 + 57_635);
      const paid: Split = { cash: 50_000, bank_card: total - 50_000 };
      const receipt = await api.sale(till, { lines: requestLines(lines), payments: [{ method: 'cash', amount: 50_000 }, { method: 'bank_card', amount: total - 50_000 }] });
      expectApproved(receipt);
      const txId = receipt['txId'];
      let returned: Split = {};
      let refunded = 0;
      const expectRefund = (reply: Body, amount: number): void => {
        const split = largestRemainder(subtractSplit(paid, returned), amount);
        expect(reply, JSON.stringify(reply)).toMatchObject({ result: 'approved', reason: 'OK', amount, bonus: 0 });
        expect(typeof reply['refundId']).toBe('string');
        expect(splitOfPayments(reply['payments'])).toEqual(split);
        returned = addSplit(returned, split);
        refunded += amount;
      };

      // One coffee of three: exactly a third of the line.
      expectRefund(await api.refund(till, { txId, lines: [{ product: 'COFFEE', qty: 1_000 }] }), 19_900);
      // Another coffee and a fifth of the fuel (2.1 l of 10.5 l: 11 527 exactly), at another till.
      expectRefund(await api.refund(till2, { txId, lines: [{ product: 'COFFEE', qty: 1_000 }, { product: 'AI92', qty: 2_100 }] }), 19_900 + 11_527);
      // More than is left of a line, a product not in the receipt.
      expectDeclined(await api.refund(till, { txId, lines: [{ product: 'COFFEE', qty: 2_000 }] }), 'REFUND_EXCEEDS_SALE');
      expectDeclined(await api.refund(till, { txId, lines: [{ product: 'WATER', qty: 1_000 }] }), 'REFUND_EXCEEDS_SALE');
      expectDeclined(await api.refund(till, { txId, lines: [{ product: 'AI92', qty: 8_401 }] }), 'REFUND_EXCEEDS_SALE');
      // The rest of the fuel, at another site: the part that completes the line gets exactly what is left of it.
      expectRefund(await api.refund(tverTill, { txId, lines: [{ product: 'AI92', qty: 8_400 }] }), 57_635 - 11_527);
      // An amount above what is left (one coffee).
      expectDeclined(await api.refund(till, { txId, amount: 19_901 }), 'REFUND_EXCEEDS_SALE');
      // Neither amount nor lines: all that is left, and each method gets back exactly what it paid.
      const last = await api.refund(till, { txId });
      expect(splitOfPayments(last['payments'])).toEqual(subtractSplit(paid, returned));
      expectRefund(last, total - refunded);
      expect(returned).toEqual(paid);
      expect(refunded).toBe(total);
      expectDeclined(await api.refund(till, { txId }), 'REFUND_EXCEEDS_SALE');
      expectDeclined(await api.refund(till, { txId, amount: 1 }), 'REFUND_EXCEEDS_SALE');
      expectDeclined(await api.refund(till, { txId, lines: [{ product: 'AI92', qty: 1 }] }), 'REFUND_EXCEEDS_SALE');
    });

    it('after a full return nothing is left to return by lines either: REFUND_EXCEEDS_SALE, not a refund of 0', async () => {
      // "Refunds of one transaction never sum above its charge (REFUND_EXCEEDS_SALE), nor return more of a line than was sold."
      const cardless = await api.sale(till, { lines: [{ product: 'COFFEE', qty: 3_000 }] });
      expectApproved(cardless);
      expect(await api.refund(till, { txId: cardless['txId'], lines: [{ product: 'COFFEE', qty: 1_000 }] })).toMatchObject({ result: 'approved', amount: list.COFFEE });
      expect(await api.refund(till, { txId: cardless['txId'] })).toMatchObject({ result: 'approved', amount: 2 * list.COFFEE });
      // Three coffees sold, three returned (one by lines, two in the full return): a fourth is more than was sold.
      const fourthCoffee = await api.refund(till, { txId: cardless['txId'], lines: [{ product: 'COFFEE', qty: 1_000 }] });

      const card = await api.sale(till, { card: demoCards.taxi, lines: [{ product: 'WATER', qty: 2_000 }], payments: [{ method: 'bank_card', amount: 2 * list.WATER }] });
      expectApproved(card);
      expect(await api.refund(till, { txId: card['txId'] })).toMatchObject({ result: 'approved', amount: 2 * list.WATER });
      const thirdWater = await api.refund(till, { txId: card['txId'], lines: [{ product: 'WATER', qty: 1_000 }] });
      const outcome = (reply: Body): string => `${String(reply['result'])}/${String(reply['reason'])}${reply['result'] === 'approved' ? ` amount ${String(reply['amount'])}` : ''}`;
      expect({ cardless: outcome(fourthCoffee), card: outcome(thirdWater) }).toEqual({ cardless: 'declined/REFUND_EXCEEDS_SALE', card: 'declined/REFUND_EXCEEDS_SALE' });
    });

    it('by amount: split in proportion to what each method still holds, ties in the order cash, bank_card, account, bonus', async () => {
      const total = 3 * list.WATER;
      const paid: Split = { cash: 10_000, bank_card: total - 10_000 };
      const receipt = await api.sale(till, { lines: [{ product: 'WATER', qty: 3_000 }], payments: [{ method: 'cash', amount: 10_000 }, { method: 'bank_card', amount: total - 10_000 }] });
      expectApproved(receipt);
      let returned: Split = {};
      for (const amount of [10_001, 7_777, 1]) {
        const split = largestRemainder(subtractSplit(paid, returned), amount);
        const reply = await api.refund(till, { txId: receipt['txId'], amount });
        expect(reply).toMatchObject({ result: 'approved', amount });
        expect(splitOfPayments(reply['payments'])).toEqual(split);
        returned = addSplit(returned, split);
      }
      const left = total - 10_001 - 7_777 - 1;
      expectDeclined(await api.refund(till, { txId: receipt['txId'], amount: left + 1 }), 'REFUND_EXCEEDS_SALE');
      const rest = await api.refund(till, { txId: receipt['txId'] });
      expect(rest).toMatchObject({ result: 'approved', amount: left });
      expect(splitOfPayments(rest['payments'])).toEqual(subtractSplit(paid, returned));

      // 100 ₽ paid 50/50: the first kopeck is a tie (cash first), the second goes to the larger holder, the third is a tie again.
      const even = await api.sale(till, { lines: [{ product: 'SERVICE', qty: 1_000, price: 10_000 }], payments: [{ method: 'bank_card', amount: 5_000 }, { method: 'cash', amount: 5_000 }] });
      expectApproved(even);
      const kopecks: Split[] = [];
      for (let step = 0; step < 3; step++) kopecks.push(splitOfPayments((await api.refund(till, { txId: even['txId'], amount: 1 }))['payments']));
      expect(kopecks).toEqual([{ cash: 1 }, { bank_card: 1 }, { cash: 1 }]);
      expect(largestRemainder({ cash: 5_000, bank_card: 5_000 }, 1)).toEqual({ cash: 1 });
    });

    it('a card receipt paid bank_card + account + bonus: money back to each method, points reversed in proportion, all of them on the full return', async () => {
      const before = await api.inquire(demoCards.loyalty);
      const lines = [sold('COFFEE', 1_000, list.COFFEE, clubCoffee, 'club-cafe'), sold('HOTDOG', 1_000, list.HOTDOG, clubHotdog, 'club-cafe'), sold('LAMP-H7', 1_000, list.LAMP)];
      const total = totalOf(lines);
      const paid: Split = { bank_card: total - 20_500, account: 20_000, bonus: 500 };
      const accrued = bonusOf(lines, 500);
      const receipt = await api.sale(till, {
        card: demoCards.loyalty,
        lines: requestLines(lines),
        payments: [{ method: 'bonus', amount: 500 }, { method: 'account', amount: 20_000 }, { method: 'bank_card', amount: total - 20_500 }],
      });
      expect(receipt).toMatchObject({ result: 'approved', amount: total, bonus: accrued });
      let balance = Number(receipt['balance']);
      let points = Number(receipt['bonusBalance']);
      let returned: Split = {};
      let refunded = 0;
      let reversed = 0;
      const check = async (reply: Body, amount: number, last: boolean): Promise<void> => {
        const split = last ? subtractSplit(paid, returned) : largestRemainder(subtractSplit(paid, returned), amount);
        expect(reply, JSON.stringify(reply)).toMatchObject({ result: 'approved', amount });
        expect(splitOfPayments(reply['payments'])).toEqual(split);
        const back = Number(reply['bonus']);
        if (last) expect(back).toBe(accrued - reversed);
        else {
          expect(back).toBeGreaterThanOrEqual(mulDivDown(accrued, amount, total));
          expect(back).toBeLessThanOrEqual(mulDivUp(accrued, amount, total));
        }
        balance += split.account ?? 0;
        points += (split.bonus ?? 0) - back;
        expect(reply).toMatchObject({ balance, bonusBalance: points });
        expect(await api.inquire(demoCards.loyalty)).toMatchObject({ balance, bonus: points });
        returned = addSplit(returned, split);
        refunded += amount;
        reversed += back;
      };
      await check(await api.refund(till, { txId: receipt['txId'], lines: [{ product: 'LAMP-H7', qty: 1_000 }] }), list.LAMP, false);
      await check(await api.refund(tverTill, { txId: receipt['txId'], amount: 10_000 }), 10_000, false);
      await check(await api.refund(till2, { txId: receipt['txId'] }), total - list.LAMP - 10_000, true);
      expect(refunded).toBe(total);
      expect(reversed).toBe(accrued);
      expect(returned).toEqual(paid);
      expect(await api.inquire(demoCards.loyalty)).toMatchObject({ balance: before['balance'], bonus: before['bonus'] });
      expectDeclined(await api.refund(till, { txId: receipt['txId'] }), 'REFUND_EXCEEDS_SALE');
    });

    it('a return by lines after a return by amount never gives back more than the receipt', async () => {
      const receipt = await api.sale(till, { lines: [{ product: 'COFFEE', qty: 1_000 }, { product: 'WATER', qty: 1_000 }] });
      const total = list.COFFEE + list.WATER;
      expect(receipt).toMatchObject({ result: 'approved', amount: total });
      expect(await api.refund(till, { txId: receipt['txId'], amount: 20_000 })).toMatchObject({ result: 'approved', amount: 20_000 });
      // A whole coffee is worth more than is left: the document does not say whether this is capped or refused, only that it never exceeds.
      const coffee = await api.refund(till, { txId: receipt['txId'], lines: [{ product: 'COFFEE', qty: 1_000 }] });
      const coffeeBack = coffee['result'] === 'approved' ? Number(coffee['amount']) : 0;
      if (coffee['result'] !== 'approved') expectDeclined(coffee, 'REFUND_EXCEEDS_SALE');
      expect(coffeeBack).toBeLessThanOrEqual(total - 20_000);
      const rest = await api.refund(till, { txId: receipt['txId'] });
      const restBack = rest['result'] === 'approved' ? Number(rest['amount']) : 0;
      expect(20_000 + coffeeBack + restBack).toBe(total);
      expectDeclined(await api.refund(till, { txId: receipt['txId'], amount: 1 }), 'REFUND_EXCEEDS_SALE');
    });

    it('a receipt sold at MSK-01-POS1 is returned at TVR-01-POS1, another site', async () => {
      const receipt = await api.sale(till, { lines: [{ product: 'HOTDOG', qty: 2_000 }], payments: [{ method: 'bank_card', amount: 2 * list.HOTDOG }] });
      expectApproved(receipt);
      const back = await api.refund(tverTill, { txId: receipt['txId'] });
      expect(back).toMatchObject({ result: 'approved', amount: 2 * list.HOTDOG, bonus: 0 });
      expect(splitOfPayments(back['payments'])).toEqual({ bank_card: 2 * list.HOTDOG });
      const event = await eventOf('refunded', (body) => body['refundId'] === back['refundId']);
      expect(event).toMatchObject({ txId: receipt['txId'], terminal: tverTill, site: 'TVR-01', amount: 2 * list.HOTDOG, payments: { bank_card: 2 * list.HOTDOG } });
    });

    it('TX_NOT_FOUND for a garbage, an unknown or a foreign transaction id', async () => {
      const receipt = await api.sale(till, { lines: [{ product: 'WATER', qty: 1_000 }] });
      const txId = String(receipt['txId']);
      const unknownNumber = `${txId.slice(0, txId.lastIndexOf('.'))}.zzzzzz`;
      const foreign = [
        'nonsense',
        unknownNumber,
        `t.${Buffer.from('term:NOPE-01-POS1').toString('base64url')}.1`,
        `t.${Buffer.from('acct:elsewhere:cl:ivanova').toString('base64url')}.1`,
      ];
      for (const id of foreign) expectDeclined(await api.refund(till, { txId: id }), 'TX_NOT_FOUND');
      for (const id of foreign) expectDeclined(await api.refund(till, { txId: id, amount: 100 }), 'TX_NOT_FOUND');
      expect(await api.refund(till, { txId })).toMatchObject({ result: 'approved', amount: list.WATER });
    });
  });

  // ------------------------------------------------------------------------------------------------
  describe('prices', () => {
    const product = (code: string): { name: string; group: string; unit: string } => {
      const entry = demo.products?.find((candidate) => candidate.code === code);
      if (entry === undefined) throw new Error(code);
      return { name: entry.name, group: entry.group, unit: entry.unit };
    };
    /** DT is 1 ₽/l off for anyone from 23:00 to 06:00 (night-dt); undefined when the request straddled a boundary. */
    const night = (window: Window): boolean | undefined => {
      const at = (t: number): boolean => {
        const minute = moscow(t).minute;
        return minute >= 23 * 60 || minute < 6 * 60;
      };
      return at(window.t0) === at(window.t1) ? at(window.t0) : undefined;
    };
    const expectList = (reply: Body, site: string, window: Window): void => {
      expect(reply).toMatchObject({ result: 'approved', reason: 'OK', site });
      expect(Number(reply['at'])).toBeGreaterThanOrEqual(window.t0);
      expect(Number(reply['at'])).toBeLessThanOrEqual(window.t1);
      const ai95 = ai95At(site, Number(reply['at']));
      const dt = site === 'TVR-01' ? 6_849 : list.DT;
      const listPrices: Record<string, number> = { AI92: list.AI92, AI95: ai95, AI98: list.AI98, DT: dt, LPG: list.LPG, COFFEE: list.COFFEE, HOTDOG: list.HOTDOG, WATER: list.WATER, WASHER: list.WASHER, 'LAMP-H7': list.LAMP };
      const got = rows(reply['prices']);
      expect(got.map((entry) => entry['product']).sort()).toEqual(Object.keys(listPrices).sort());
      for (const entry of got) {
        const code = String(entry['product']);
        const listPrice = listPrices[code] ?? -1;
        if (code === 'DT') {
          const atNight = night(window);
          if (atNight === true) expect(entry).toEqual({ product: code, ...product(code), listPrice, price: listPrice - 100, discountRule: 'night-dt' });
          if (atNight === false) expect(entry).toEqual({ product: code, ...product(code), listPrice, price: listPrice });
        } else {
          expect(entry).toEqual({ product: code, ...product(code), listPrice, price: listPrice });
        }
      }
      const changed = Number(reply['at']) >= priceChangeAt;
      expect(reply['scheduled']).toEqual(changed ? [] : [{ product: 'AI95', price: site === 'TVR-01' ? 5_999 : 6_049, from: priceChangeAt }]);
    };

    it('without a card: every product priced at the site, and the scheduled AI-95 change', async () => {
      const moscowList = await api.timed(till, 'prices', { id: uniqueId('prc') });
      expectList(moscowList.reply, 'MSK-01', moscowList.window);
      const tver = await api.timed('TVR-01-P1', 'prices', { id: uniqueId('prc') });
      expectList(tver.reply, 'TVR-01', tver.window);
    });

    it('with a products filter; PRODUCT_UNKNOWN for an unknown product or one without a price at the site', async () => {
      const reply = await api.request(till, 'prices', { id: uniqueId('prc'), products: ['COFFEE', 'AI95'] });
      expectApproved(reply);
      const got = rows(reply['prices']);
      expect(got.map((entry) => entry['product']).sort()).toEqual(['AI95', 'COFFEE']);
      expect(got.find((entry) => entry['product'] === 'COFFEE')).toEqual({ product: 'COFFEE', ...product('COFFEE'), listPrice: list.COFFEE, price: list.COFFEE });
      expect(got.find((entry) => entry['product'] === 'AI95')).toMatchObject({ listPrice: ai95At('MSK-01', Number(reply['at'])), price: ai95At('MSK-01', Number(reply['at'])) });
      expect(reply['scheduled']).toEqual(Number(reply['at']) >= priceChangeAt ? [] : [{ product: 'AI95', price: 6_049, from: priceChangeAt }]);
      const coffee = await api.request(till, 'prices', { id: uniqueId('prc'), products: ['COFFEE'] });
      expect(coffee['scheduled']).toEqual([]);
      expectDeclined(await api.request(till, 'prices', { id: uniqueId('prc'), products: ['NOPE'] }), 'PRODUCT_UNKNOWN');
      expectDeclined(await api.request(till, 'prices', { id: uniqueId('prc'), products: ['COFFEE', 'SERVICE'] }), 'PRODUCT_UNKNOWN');
    });

    it('with a card: the prices that card pays (taxi-fuel, club-cafe, fleet-large-fuel)', async () => {
      const taxi = await api.timed(till, 'prices', { id: uniqueId('prc'), card: demoCards.taxi, products: ['AI95', 'COFFEE'] });
      expectApproved(taxi.reply);
      const ai95 = ai95At('MSK-01', Number(taxi.reply['at']));
      expect(rows(taxi.reply['prices']).find((entry) => entry['product'] === 'AI95')).toEqual({ product: 'AI95', ...product('AI95'), listPrice: ai95, price: ai95 - 100, discountRule: 'taxi-fuel' });
      expect(rows(taxi.reply['prices']).find((entry) => entry['product'] === 'COFFEE')).toEqual({ product: 'COFFEE', ...product('COFFEE'), listPrice: list.COFFEE, price: list.COFFEE });
      const tver = await api.timed(tverTill, 'prices', { id: uniqueId('prc'), card: demoCards.taxi, products: ['AI95'] });
      const tverAi95 = ai95At('TVR-01', Number(tver.reply['at']));
      expect(rows(tver.reply['prices'])).toEqual([{ product: 'AI95', ...product('AI95'), listPrice: tverAi95, price: tverAi95 - 100, discountRule: 'taxi-fuel' }]);

      const club = await api.request(till, 'prices', { id: uniqueId('prc'), card: demoCards.loyalty, products: ['COFFEE', 'HOTDOG', 'WATER'] });
      expect(rows(club['prices']).map((entry) => [entry['product'], entry['price'], entry['discountRule']])).toEqual(
        expect.arrayContaining([
          ['COFFEE', clubCoffee, 'club-cafe'],
          ['HOTDOG', clubHotdog, 'club-cafe'],
          ['WATER', list.WATER, undefined],
        ]),
      );
      const fleet = await api.request(till, 'prices', { id: uniqueId('prc'), card: demoCards.fleet, pin: fleetPin, products: ['AI92'] });
      expect(rows(fleet['prices'])).toEqual([{ product: 'AI92', ...product('AI92'), listPrice: list.AI92, price: percentOff(list.AI92, 150), discountRule: 'fleet-large-fuel' }]);
    });
  });

  // ------------------------------------------------------------------------------------------------
  describe('shifts (MSK-01-POS2 requires one)', () => {
    it('declines sale, topup and refund with SHIFT_CLOSED before shift.open, and shift.close with none open', async () => {
      const receipt = await api.sale(till, { lines: [{ product: 'WATER', qty: 1_000 }] });
      expectApproved(receipt);
      const small = await api.inquire(demoCards.small);
      const club = await api.inquire(demoCards.loyalty);
      expectDeclined(await api.sale(shiftTill, { lines: [{ product: 'WATER', qty: 1_000 }] }), 'SHIFT_CLOSED');
      expectDeclined(await api.sale(shiftTill, { card: demoCards.loyalty, lines: [{ product: 'WATER', qty: 1_000 }] }), 'SHIFT_CLOSED');
      expectDeclined(await api.request(shiftTill, 'topup', { id: uniqueId('top'), account: 'kuznetsov', amount: 5_000, method: 'cash' }), 'SHIFT_CLOSED');
      expectDeclined(await api.request(shiftTill, 'topup', { id: uniqueId('top'), card: demoCards.small, amount: 5_000, method: 'bank_card' }), 'SHIFT_CLOSED');
      expectDeclined(await api.refund(shiftTill, { txId: receipt['txId'] }), 'SHIFT_CLOSED');
      expectDeclined(await api.request(shiftTill, 'shift.close', { id: uniqueId('shc') }), 'SHIFT_CLOSED');
      expectDeclined(await api.request(shiftTill, 'shift.close', { id: uniqueId('shc'), kind: 'warehouse' }), 'SHIFT_CLOSED');
      expect((await api.inquire(demoCards.small))['balance']).toBe(small['balance']);
      expect(await api.inquire(demoCards.loyalty)).toMatchObject({ balance: club['balance'], bonus: club['bonus'] });
      // The receipt was not returned: all of it is still returnable elsewhere.
      expect(await api.refund(till, { txId: receipt['txId'] })).toMatchObject({ result: 'approved', amount: list.WATER });
      // Inquiries and prices need no shift.
      expectApproved(await api.request(shiftTill, 'inquire', { id: uniqueId('inq'), card: demoCards.loyalty }));
      expectApproved(await api.request(shiftTill, 'prices', { id: uniqueId('prc'), products: ['WATER'] }));
    });

    it('opens once per kind, and the Z-report totals equal what was sent; after the close SHIFT_CLOSED again; the next shift starts from zero', async () => {
      const cashier = 'Смирнова А. В.';
      const open = await api.timed(shiftTill, 'shift.open', { id: uniqueId('sho'), cashier });
      expect(open.reply).toMatchObject({ result: 'approved', reason: 'OK', kind: 'cash' });
      expect(typeof open.reply['shiftId']).toBe('string');
      const number = Number(open.reply['number']);
      expect(Number.isSafeInteger(number) && number >= 1).toBe(true);
      expect(Number(open.reply['openedAt'])).toBeGreaterThanOrEqual(open.window.t0);
      expect(Number(open.reply['openedAt'])).toBeLessThanOrEqual(open.window.t1);
      expectDeclined(await api.request(shiftTill, 'shift.open', { id: uniqueId('sho') }), 'SHIFT_ALREADY_OPEN');
      expectDeclined(await api.request(shiftTill, 'shift.open', { id: uniqueId('sho'), kind: 'cash', cashier: 'Другой' }), 'SHIFT_ALREADY_OPEN');
      const warehouse = await api.request(shiftTill, 'shift.open', { id: uniqueId('sho'), kind: 'warehouse', cashier: 'Кладовщик' });
      expect(warehouse).toMatchObject({ result: 'approved', kind: 'warehouse' });
      expect(warehouse['shiftId']).not.toBe(open.reply['shiftId']);
      expectDeclined(await api.request(shiftTill, 'shift.open', { id: uniqueId('sho'), kind: 'warehouse' }), 'SHIFT_ALREADY_OPEN');

      const ops: ShiftOp[] = [];
      // 1. A cash receipt (cash by default).
      const first = await api.sale(shiftTill, { lines: [{ product: 'COFFEE', qty: 1_000 }, { product: 'WATER', qty: 1_000 }] });
      expect(first).toMatchObject({ result: 'approved', amount: list.COFFEE + list.WATER });
      ops.push({ op: 'sale', amount: list.COFFEE + list.WATER, payments: { cash: list.COFFEE + list.WATER } });
      // 2. Cash and bank card.
      const second = await api.sale(shiftTill, { lines: [{ product: 'HOTDOG', qty: 2_000 }], payments: [{ method: 'cash', amount: 10_000 }, { method: 'bank_card', amount: 2 * list.HOTDOG - 10_000 }] });
      expectApproved(second);
      ops.push({ op: 'sale', amount: 2 * list.HOTDOG, payments: { cash: 10_000, bank_card: 2 * list.HOTDOG - 10_000 } });
      // 3. With the club card, from the account.
      const third = await api.sale(shiftTill, { card: demoCards.loyalty, lines: [{ product: 'WATER', qty: 1_000 }] });
      expect(third).toMatchObject({ result: 'approved', amount: list.WATER });
      ops.push({ op: 'sale', amount: list.WATER, payments: { account: list.WATER } });
      // A declined sale counts nowhere.
      expectDeclined(await api.sale(shiftTill, { lines: [{ product: 'WATER', qty: 1_000 }], payments: [{ method: 'cash', amount: 1 }] }), 'PAYMENT_MISMATCH');
      // 4, 5. Top-ups in cash and by bank card.
      expectApproved(await api.request(shiftTill, 'topup', { id: uniqueId('top'), account: 'kuznetsov', amount: 5_000, method: 'cash' }));
      ops.push({ op: 'topup', amount: 5_000, payments: { cash: 5_000 } });
      expectApproved(await api.request(shiftTill, 'topup', { id: uniqueId('top'), card: demoCards.small, amount: 7_000, method: 'bank_card' }));
      ops.push({ op: 'topup', amount: 7_000, payments: { bank_card: 7_000 } });
      // 6. A return of part of receipt 1 here.
      const back1 = await api.refund(shiftTill, { txId: first['txId'], lines: [{ product: 'WATER', qty: 1_000 }] });
      expect(back1).toMatchObject({ result: 'approved', amount: list.WATER });
      ops.push({ op: 'refund', amount: list.WATER, payments: largestRemainder({ cash: list.COFFEE + list.WATER }, list.WATER) });
      // 7. A return here of a receipt sold at MSK-01-POS1, outside any shift: it counts at the till that takes it.
      const elsewhere = await api.sale(till, { lines: [{ product: 'WATER', qty: 2_000 }], payments: [{ method: 'cash', amount: 5_000 }, { method: 'bank_card', amount: 2 * list.WATER - 5_000 }] });
      expectApproved(elsewhere);
      const back2 = await api.refund(shiftTill, { txId: elsewhere['txId'], amount: 5_000 });
      expectApproved(back2);
      const back2Split = largestRemainder({ cash: 5_000, bank_card: 2 * list.WATER - 5_000 }, 5_000);
      expect(splitOfPayments(back2['payments'])).toEqual(back2Split);
      ops.push({ op: 'refund', amount: 5_000, payments: back2Split });
      // A return taken at MSK-01-POS1 of receipt 2 does not count here.
      expectApproved(await api.refund(till, { txId: second['txId'], amount: 1_000 }));
      // 8. The club receipt returned in full here, to the account.
      const back3 = await api.refund(shiftTill, { txId: third['txId'] });
      expect(back3).toMatchObject({ result: 'approved', amount: list.WATER });
      ops.push({ op: 'refund', amount: list.WATER, payments: { account: list.WATER } });

      // The warehouse shift holds no cash operations.
      const warehouseClose = await api.request(shiftTill, 'shift.close', { id: uniqueId('shc'), kind: 'warehouse' });
      expect(warehouseClose).toMatchObject({ result: 'approved', kind: 'warehouse', shiftId: warehouse['shiftId'], number: warehouse['number'] });
      expectZReport(warehouseClose['totals'], []);

      const close = await api.timed(shiftTill, 'shift.close', { id: uniqueId('shc') });
      expect(close.reply).toMatchObject({ result: 'approved', reason: 'OK', shiftId: open.reply['shiftId'], number, kind: 'cash', openedAt: open.reply['openedAt'] });
      expect(Number(close.reply['closedAt'])).toBeGreaterThanOrEqual(Math.max(close.window.t0, Number(open.reply['openedAt'])));
      expect(Number(close.reply['closedAt'])).toBeLessThanOrEqual(close.window.t1);
      expectZReport(close.reply['totals'], ops);
      expect(close.reply['totals']).toMatchObject({ sales: { count: 3, amount: list.COFFEE + 2 * list.WATER + 2 * list.HOTDOG }, refunds: { count: 3 }, topups: { count: 2, amount: 12_000 } });

      const closedEvent = await eventOf('shift.closed', (body) => body['shiftId'] === open.reply['shiftId']);
      expect(closedEvent).toMatchObject({ terminal: shiftTill, site: 'MSK-01', number, kind: 'cash', cashier, openedAt: open.reply['openedAt'] });
      expect(closedEvent['totals']).toEqual(close.reply['totals']);

      expectDeclined(await api.sale(shiftTill, { lines: [{ product: 'WATER', qty: 1_000 }] }), 'SHIFT_CLOSED');
      expectDeclined(await api.request(shiftTill, 'topup', { id: uniqueId('top'), account: 'kuznetsov', amount: 1_000, method: 'cash' }), 'SHIFT_CLOSED');
      expectDeclined(await api.request(shiftTill, 'shift.close', { id: uniqueId('shc') }), 'SHIFT_CLOSED');

      const next = await api.request(shiftTill, 'shift.open', { id: uniqueId('sho') });
      expect(next).toMatchObject({ result: 'approved', kind: 'cash' });
      expect(Number(next['number'])).toBeGreaterThan(number);
      expect(next['number']).not.toBe(warehouse['number']);
      expect(next['shiftId']).not.toBe(open.reply['shiftId']);
      const empty = await api.request(shiftTill, 'shift.close', { id: uniqueId('shc') });
      expect(empty).toMatchObject({ result: 'approved', number: next['number'] });
      expectZReport(empty['totals'], []);
      expectDeclined(await api.request(shiftTill, 'shift.close', { id: uniqueId('shc') }), 'SHIFT_CLOSED');
    });

    it('a till that needs no shift counts its cash operations in a shift while one is open (MSK-02-POS1)', async () => {
      expectApproved(await api.sale(till2, { lines: [{ product: 'WATER', qty: 1_000 }] }));
      const open = await api.request(till2, 'shift.open', { id: uniqueId('sho') });
      expectApproved(open);
      const inShift = await api.sale(till2, { lines: [{ product: 'COFFEE', qty: 1_000 }], payments: [{ method: 'bank_card', amount: list.COFFEE }] });
      expectApproved(inShift);
      const close = await api.request(till2, 'shift.close', { id: uniqueId('shc') });
      expect(close).toMatchObject({ result: 'approved', shiftId: open['shiftId'] });
      expectZReport(close['totals'], [{ op: 'sale', amount: list.COFFEE, payments: { bank_card: list.COFFEE } }]);
      expectApproved(await api.sale(till2, { lines: [{ product: 'WATER', qty: 1_000 }] }));
    });
  });

  // ------------------------------------------------------------------------------------------------
  describe('closing a shift with 50 sales in flight (MSK-02-POS2)', () => {
    it('the close waits for the sales sent before it; sales sent after it are SHIFT_CLOSED; the Z-report is exactly the approved sales', async () => {
      const open = await api.request(burstTill, 'shift.open', { id: uniqueId('sho'), cashier: 'Burst' });
      expectApproved(open);
      const number = open['number'];
      const answered: string[] = [];
      const track = (label: string, promise: Promise<Body>): Promise<Body> =>
        promise.then((reply) => {
          answered.push(label);
          return reply;
        });
      const saleBody = (index: number): Body => {
        const qty = (1 + (index % 4)) * 1_000;
        const amount = money(qty, list.WATER);
        const method = index % 2 === 0 ? 'cash' : 'bank_card';
        const card = index % 5 === 0 ? { card: demoCards.taxi } : {};
        return { id: uniqueId('burst'), ...card, lines: [{ product: 'WATER', qty }], payments: [{ method, amount }] };
      };
      const sales = Array.from({ length: 50 }, (_, index) => track(`sale-${index}`, api.request(burstTill, 'sale', saleBody(index))));
      const close = track('close', api.request(burstTill, 'shift.close', { id: uniqueId('shc') }));
      const late = Array.from({ length: 5 }, (_, index) => track(`late-${index}`, api.request(burstTill, 'sale', saleBody(index))));
      const [saleReplies, closeReply, lateReplies] = await Promise.all([Promise.all(sales), close, Promise.all(late)]);

      for (const reply of [...saleReplies, ...lateReplies]) {
        if (reply['result'] !== 'approved') expectDeclined(reply, 'SHIFT_CLOSED');
      }
      const approved = saleReplies.filter((reply) => reply['result'] === 'approved');
      // Sent before the close on one connection, so they arrived before it: all are in the shift.
      expect(approved).toHaveLength(50);
      // Sent after it: they no longer join the shift, and the till requires one.
      for (const reply of lateReplies) expectDeclined(reply, 'SHIFT_CLOSED');
      // The close is answered only after every sale of its shift.
      const closeAt = answered.indexOf('close');
      for (let index = 0; index < 50; index++) expect(answered.indexOf(`sale-${index}`)).toBeLessThan(closeAt);

      expect(closeReply).toMatchObject({ result: 'approved', number });
      expectZReport(
        closeReply['totals'],
        approved.map((reply) => ({ op: 'sale' as const, amount: Number(reply['amount']), payments: splitOfPayments(reply['payments']) })),
      );
      // The sale events name the shift: exactly the approved receipts carry it.
      const txIds = new Set(approved.map((reply) => String(reply['txId'])));
      const shiftEvents = await waitFor(() => {
        const found = events.filter((event) => event.subject === 'tessera.v1.evt.sever.sale' && event.body['terminal'] === burstTill);
        return found.length >= approved.length ? found : undefined;
      }, 'the burst sale events');
      expect(new Set(shiftEvents.map((event) => String(event.body['txId'])))).toEqual(txIds);
      for (const event of shiftEvents) expect([number, open['shiftId']]).toContain(event.body['shift']);
      expect(sum(shiftEvents.map((event) => Number(event.body['amount'])))).toBe(Number((closeReply['totals'] as Body & { sales: { amount: number } }).sales.amount));
    });
  });

  // ------------------------------------------------------------------------------------------------
  describe('idempotency of a sale', () => {
    it('the same request five times: one receipt, the same reply every time; the same id with another body is DUPLICATE_ID_MISMATCH', async () => {
      const before = await api.inquire(demoCards.loyalty);
      const lines = [sold('WATER', 1_000, list.WATER), sold('COFFEE', 1_000, list.COFFEE, clubCoffee, 'club-cafe')];
      const total = totalOf(lines);
      const points = bonusOf(lines, 0);
      const body = { id: uniqueId('idem'), card: demoCards.loyalty, lines: requestLines(lines) };
      const replies: WireReply[] = [];
      for (let attempt = 0; attempt < 5; attempt++) replies.push(await api.send(till, 'sale', body));
      expect(replies[0]?.body).toMatchObject({ result: 'approved', amount: total, bonus: points });
      for (const reply of replies) expect(Buffer.from(reply.bytes).equals(Buffer.from(replies[0]?.bytes ?? []))).toBe(true);
      expect(await api.inquire(demoCards.loyalty)).toMatchObject({ balance: Number(before['balance']) - total, bonus: Number(before['bonus']) + points });

      expectDeclined(await api.request(till, 'sale', { ...body, lines: [{ product: 'WATER', qty: 2_000 }] }), 'DUPLICATE_ID_MISMATCH');
      expectDeclined(await api.request(till, 'sale', { ...body, payments: [{ method: 'bank_card', amount: total }] }), 'DUPLICATE_ID_MISMATCH');
      const again = await api.send(till, 'sale', { ...body, at: Date.now() });
      expect(Buffer.from(again.bytes).equals(Buffer.from(replies[0]?.bytes ?? []))).toBe(true);
      expect(await api.inquire(demoCards.loyalty)).toMatchObject({ balance: Number(before['balance']) - total, bonus: Number(before['bonus']) + points });

      // Five at once, without a card: one receipt, one sale event.
      const twin = { id: uniqueId('twin'), lines: [{ product: 'HOTDOG', qty: 1_000 }] };
      const crowd = await Promise.all(Array.from({ length: 5 }, () => api.send(till, 'sale', twin)));
      expect(crowd[0]?.body).toMatchObject({ result: 'approved', amount: list.HOTDOG });
      for (const reply of crowd) expect(Buffer.from(reply.bytes).equals(Buffer.from(crowd[0]?.bytes ?? []))).toBe(true);
      // A later sale's event comes after any event of the crowd (one publisher, in commit order).
      const marker = await api.sale(till, { lines: [{ product: 'WATER', qty: 1_000 }] });
      await eventOf('sale', (event) => event['txId'] === marker['txId']);
      expect(events.filter((event) => event.subject === 'tessera.v1.evt.sever.sale' && event.body['txId'] === crowd[0]?.body['txId'])).toHaveLength(1);
    });
  });

  // ------------------------------------------------------------------------------------------------
  describe('JSON bodies', () => {
    it('a sale in JSON is answered in JSON', async () => {
      const id = uniqueId('json');
      const reply = await api.send(till, 'sale', { id, lines: [{ product: 'COFFEE', qty: 1_000 }, { product: 'AI92', qty: 1_500 }], payments: [{ method: 'bank_card', amount: list.COFFEE + 8_234 }] }, { json: true });
      expect(reply.bytes[0]).toBe('{'.charCodeAt(0));
      expect(reply.contentType).toBe('application/json');
      expect(reply.body).toMatchObject({ id, result: 'approved', reason: 'OK', amount: list.COFFEE + 8_234, bonus: 0 });
      expect(reply.body['lines']).toEqual([sold('COFFEE', 1_000, list.COFFEE), sold('AI92', 1_500, list.AI92)]);
      expect(splitOfPayments(reply.body['payments'])).toEqual({ bank_card: list.COFFEE + 8_234 });

      const before = await api.inquire(demoCards.loyalty);
      const card = await api.send(till, 'sale', { id: uniqueId('json'), card: demoCards.loyalty, lines: [{ product: 'COFFEE', qty: 1_000 }], payments: [{ method: 'bank_card', amount: clubCoffee }] }, { json: true });
      expect(card.contentType).toBe('application/json');
      expect(card.body).toMatchObject({ result: 'approved', amount: clubCoffee, balance: before['balance'], bonusBalance: Number(before['bonus']) + bonusOf([sold('COFFEE', 1_000, list.COFFEE, clubCoffee)], 0) });
      const mismatch = await api.send(till, 'sale', { id: uniqueId('json'), lines: [{ product: 'COFFEE', qty: 1_000 }], payments: [{ method: 'cash', amount: 1 }] }, { json: true });
      expect(mismatch.body).toMatchObject({ result: 'declined', reason: 'PAYMENT_MISMATCH' });
    });
  });

  // ------------------------------------------------------------------------------------------------
  describe('bonus spend tier (last: it lifts the club client over 15 000 ₽ this month)', () => {
    it('150 bp on drinks once 15 000 ₽ were spent this month; the cafe keeps its own 500 bp', async () => {
      const before = await api.inquire(demoCards.loyalty);
      // 34 washers, 15 300 ₽, by bank card: earned at the base rate (the spend before it is below the tier).
      const washers = [sold('WASHER', 34_000, list.WASHER)];
      const big = await api.sale(till, { card: demoCards.loyalty, lines: requestLines(washers), payments: [{ method: 'bank_card', amount: totalOf(washers) }] });
      expect(big).toMatchObject({ result: 'approved', amount: 1_530_000, bonus: bonusOf(washers, 0), balance: before['balance'] });
      expect(bonusOf(washers, 0)).toBe(15_300);
      const lines = [sold('WATER', 1_000, list.WATER), sold('COFFEE', 1_000, list.COFFEE, clubCoffee, 'club-cafe')];
      const after = await api.sale(till, { card: demoCards.loyalty, lines: requestLines(lines), payments: [{ method: 'bank_card', amount: totalOf(lines) }] });
      expect(bonusOf(lines, 0, true)).toBe(133 + 895);
      expect(after).toMatchObject({ result: 'approved', bonus: bonusOf(lines, 0, true), bonusBalance: Number(before['bonus']) + 15_300 + 133 + 895 });
    });
  });

  // ------------------------------------------------------------------------------------------------
  describe('events', () => {
    it('sale, refunded, shift.opened and shift.closed carry the documented fields', async () => {
      // Money for the club receipt below (at a till without a shift, so outside the Z-report).
      expectApproved(await api.request(till, 'topup', { id: uniqueId('top'), client: { qr: 'QR-IVANOVA-01' }, amount: 50_000, method: 'cash' }));
      const open = await api.request(eventsTill, 'shift.open', { id: uniqueId('sho'), cashier: 'Events' });
      expectApproved(open);
      const anonymous = await api.sale(eventsTill, { lines: [{ product: 'HOTDOG', qty: 1_000 }, { product: 'WATER', qty: 1_000 }], payments: [{ method: 'cash', amount: 5_000 }, { method: 'bank_card', amount: list.HOTDOG + list.WATER - 5_000 }] });
      expectApproved(anonymous);
      const clubLines = [sold('COFFEE', 1_000, list.COFFEE, clubCoffee, 'club-cafe')];
      const club = await api.sale(eventsTill, { card: demoCards.loyalty, lines: requestLines(clubLines) });
      expectApproved(club);
      const back = await api.refund(eventsTill, { txId: anonymous['txId'], lines: [{ product: 'WATER', qty: 1_000 }] });
      expectApproved(back);
      const clubBack = await api.refund(eventsTill, { txId: club['txId'] });
      expectApproved(clubBack);
      const topup = await api.request(eventsTill, 'topup', { id: uniqueId('top'), account: 'kuznetsov', amount: 3_000, method: 'bank_card' });
      expectApproved(topup);
      const close = await api.request(eventsTill, 'shift.close', { id: uniqueId('shc') });
      expectApproved(close);
      const shift = open['number'];
      const inShift = (value: unknown): boolean => value === shift || value === open['shiftId'];

      const common = (event: Body): void => {
        expect(event['network']).toBe('sever');
        expect(typeof event['key']).toBe('string');
        expect(Number.isSafeInteger(event['seq'])).toBe(true);
        expect(Number.isSafeInteger(event['position'])).toBe(true);
        expect(Number.isSafeInteger(event['at'])).toBe(true);
      };

      const saleEvent = await eventOf('sale', (body) => body['txId'] === anonymous['txId']);
      common(saleEvent);
      expect(saleEvent).toMatchObject({
        type: 'sale',
        terminal: eventsTill,
        site: 'TVR-01',
        lines: [sold('HOTDOG', 1_000, list.HOTDOG), sold('WATER', 1_000, list.WATER)],
        amount: list.HOTDOG + list.WATER,
        discount: 0,
        payments: { cash: 5_000, bank_card: list.HOTDOG + list.WATER - 5_000 },
        bonus: 0,
        messages: anonymous['messages'],
      });
      expect(saleEvent['card']).toBeUndefined();
      expect(inShift(saleEvent['shift'])).toBe(true);

      const clubEvent = await eventOf('sale', (body) => body['txId'] === club['txId']);
      common(clubEvent);
      expect(clubEvent).toMatchObject({ card: '700500******0058', terminal: eventsTill, site: 'TVR-01', lines: clubLines, amount: clubCoffee, discount: list.COFFEE - clubCoffee, payments: { account: clubCoffee }, bonus: club['bonus'] });
      expect(inShift(clubEvent['shift'])).toBe(true);

      const refundEvent = await eventOf('refunded', (body) => body['refundId'] === back['refundId']);
      common(refundEvent);
      expect(refundEvent).toMatchObject({ txId: anonymous['txId'], terminal: eventsTill, site: 'TVR-01', amount: list.WATER, bonus: 0, payments: splitOfPayments(back['payments']) });
      expect(rows(refundEvent['lines']).map((line) => ({ product: line['product'], qty: line['qty'], amount: line['amount'] }))).toEqual([{ product: 'WATER', qty: 1_000, amount: list.WATER }]);
      expect(rows(refundEvent['lines']).every((line) => Number.isSafeInteger(line['line']))).toBe(true);
      expect(inShift(refundEvent['shift'])).toBe(true);
      const clubRefundEvent = await eventOf('refunded', (body) => body['refundId'] === clubBack['refundId']);
      expect(clubRefundEvent).toMatchObject({ txId: club['txId'], card: '700500******0058', amount: clubCoffee, bonus: club['bonus'], payments: { account: clubCoffee } });

      const topupEvent = await eventOf('topup', (body) => body['terminal'] === eventsTill);
      expect(topupEvent).toMatchObject({ amount: 3_000, method: 'bank_card', site: 'TVR-01' });
      expect(inShift(topupEvent['shift'])).toBe(true);

      const opened = await eventOf('shift.opened', (body) => body['shiftId'] === open['shiftId']);
      common(opened);
      expect(opened).toMatchObject({ terminal: eventsTill, shiftId: open['shiftId'], number: shift, kind: 'cash', cashier: 'Events' });
      const closed = await eventOf('shift.closed', (body) => body['shiftId'] === open['shiftId']);
      common(closed);
      expect(closed).toMatchObject({ terminal: eventsTill, shiftId: open['shiftId'], number: shift, kind: 'cash', cashier: 'Events', openedAt: open['openedAt'], totals: close['totals'] });
      expectZReport(close['totals'], [
        { op: 'sale', amount: list.HOTDOG + list.WATER, payments: { cash: 5_000, bank_card: list.HOTDOG + list.WATER - 5_000 } },
        { op: 'sale', amount: clubCoffee, payments: { account: clubCoffee } },
        { op: 'refund', amount: list.WATER, payments: splitOfPayments(back['payments']) },
        { op: 'refund', amount: clubCoffee, payments: { account: clubCoffee } },
        { op: 'topup', amount: 3_000, payments: { bank_card: 3_000 } },
      ]);
    });

    it('shift.opened carries openedAt (the events table: shift.opened / shift.closed → shiftId, number, kind, cashier?, openedAt)', async () => {
      const open = await api.request(eventsTill, 'shift.open', { id: uniqueId('sho'), cashier: 'Opened' });
      expectApproved(open);
      expectApproved(await api.request(eventsTill, 'shift.close', { id: uniqueId('shc') }));
      const opened = await eventOf('shift.opened', (body) => body['shiftId'] === open['shiftId']);
      expect(opened).toMatchObject({ shiftId: open['shiftId'], number: open['number'], kind: 'cash', cashier: 'Opened' });
      expect(opened['openedAt']).toBe(open['openedAt']);
    });

    it('no event and no reply carries a full card number or a PIN', () => {
      expect(events.length).toBeGreaterThan(100);
      expect(wire.replies.length).toBeGreaterThan(100);
      const secrets = [...Object.values(demoCards)];
      const pins = [fleetPin, dieselPin];
      const findPin = (value: unknown, path: string): string | undefined => {
        if (typeof value === 'string') return pins.includes(value) ? path : undefined;
        if (Array.isArray(value)) return value.map((item, index) => findPin(item, `${path}[${index}]`)).find((found) => found !== undefined);
        if (typeof value === 'object' && value !== null) {
          for (const [key, inner] of Object.entries(value)) {
            if (key.toLowerCase().includes('pin')) return `${path}.${key}`;
            const found = findPin(inner, `${path}.${key}`);
            if (found !== undefined) return found;
          }
        }
        return undefined;
      };
      for (const event of events) {
        const raw = Buffer.from(event.bytes);
        for (const secret of secrets) expect(raw.includes(secret), `${event.subject} carries ${secret}`).toBe(false);
        expect(findPin(event.body, event.subject)).toBeUndefined();
      }
      for (const reply of wire.replies) {
        for (const secret of secrets) expect(Buffer.from(reply).includes(secret)).toBe(false);
        const text = Buffer.from(reply).toString('utf8');
        const body = text.startsWith('{') ? (JSON.parse(text) as unknown) : (unpack(reply) as unknown);
        expect(findPin(body, 'reply')).toBeUndefined();
      }
    });
  });
});

// ==================================================================================================

describe('price lists pushed to the tills (a second engine, watched from before it starts)', () => {
  let nats: NatsServerHandle;
  let server: RunningServer;
  let dataDir: string;
  let nc: NatsConnection;
  let api: Api;
  const pushes: Captured[] = [];
  const changes: Captured[] = [];
  // Every site of the demo network (a wash site too: network prices apply at every site).
  const sites = ['MSK-01', 'MSK-02', 'TVR-01', 'WASH-01'];

  beforeAll(async () => {
    nats = await natsForTests();
    nc = await connect({ servers: nats.url, name: 'tessera-retail-prices' });
    capture(nc, 'tessera.v1.cfg.*.prices', pushes);
    capture(nc, 'tessera.v1.evt.sever.prices.changed', changes);
    await nc.flush();
    dataDir = mkdtempSync(join(tmpdir(), 'tessera-retail-prices-'));
    server = await serve({ dataDir, natsUrl: nats.url, httpPort: 0, httpHost: '127.0.0.1', demo: true, logger: pino({ level: 'silent' }) });
    api = client({ nc, replies: [] });
  });

  afterAll(async () => {
    await nc?.drain().catch(() => undefined);
    await server?.stop();
    await nats?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const importDocument = async (document: NetworkDocument): Promise<Body> => {
    const reply = await nc.request('tessera.v1.admin.import', pack(document), { timeout: 10_000 });
    return unpack(reply.data) as Body;
  };
  const pushesFrom = async (start: number, count: number): Promise<Captured[]> => {
    const found = await waitFor(() => (pushes.length >= start + count ? pushes.slice(start) : undefined), `${count} price lists`);
    return found;
  };
  const listPriceOf = (push: Captured, code: string): unknown => rows(push.body['prices']).find((entry) => entry['product'] === code)?.['listPrice'];
  const withPrice = (document: NetworkDocument, product: string, price: number, site?: string): NetworkDocument => {
    const prices = (document.prices ?? []).filter((entry) => !(entry.product === product && entry.site === site && entry.from === undefined));
    return { ...document, prices: [...prices, site !== undefined ? { product, price, site } : { product, price }] };
  };

  it('publishes every site list when the gateway starts, as in the prices reply', async () => {
    const initial = await pushesFrom(0, sites.length);
    expect(initial.map((push) => push.subject).sort()).toEqual(sites.map((site) => `tessera.v1.cfg.${site}.prices`));
    for (const push of initial) {
      const site = String(push.body['site']);
      expect(Object.keys(push.body).sort()).toEqual(['at', 'network', 'prices', 'scheduled', 'site']);
      expect(push.body['network']).toBe('sever');
      expect(push.subject).toBe(`tessera.v1.cfg.${site}.prices`);
      expect(Number.isSafeInteger(push.body['at'])).toBe(true);
      // A till of the site: a shop till at the stations, the attendant's kiosk at the wash.
      const terminal = site === 'WASH-01' ? 'WASH-01-K1' : `${site}-POS1`;
      const asked = await api.request(terminal, 'prices', { id: uniqueId('prc') });
      expectApproved(asked);
      const strip = (entries: unknown): unknown[] => rows(entries).map((entry) => [entry['product'], entry['name'], entry['group'], entry['unit'], entry['listPrice']]);
      expect(strip(push.body['prices'])).toEqual(strip(asked['prices']));
      expect(push.body['scheduled']).toEqual(asked['scheduled']);
      expect(listPriceOf(push, 'AI95')).toBe(ai95At(site, Number(push.body['at'])));
    }
  });

  it('an import that changes the COFFEE price pushes the new list of every site, and records prices.changed', async () => {
    const start = pushes.length;
    const changesStart = changes.length;
    const document = withPrice(demoNetwork(), 'COFFEE', 20_900);
    const reply = await importDocument(document);
    expect(reply).toMatchObject({ result: 'approved', reason: 'OK', network: 'sever', catalogChanged: true });
    const pushed = await pushesFrom(start, 3);
    expect(pushed.map((push) => push.body['site']).sort()).toEqual(sites);
    for (const push of pushed) {
      expect(listPriceOf(push, 'COFFEE')).toBe(20_900);
      expect(rows(push.body['prices']).find((entry) => entry['product'] === 'COFFEE')).toMatchObject({ listPrice: 20_900, price: 20_900 });
      expect(listPriceOf(push, 'WATER')).toBe(list.WATER);
    }
    const event = await waitFor(() => changes[changesStart], 'prices.changed');
    expect(event.body).toMatchObject({ type: 'prices.changed', network: 'sever', reason: 'import' });
    expect([...(event.body['sites'] as string[])].sort()).toEqual(sites);
    // Sales and the prices operation follow at once.
    expect(await api.sale(till, { lines: [{ product: 'COFFEE', qty: 1_000 }] })).toMatchObject({ result: 'approved', amount: 20_900 });
    expect(rows((await api.request(till, 'prices', { id: uniqueId('prc'), products: ['COFFEE'] }))['prices'])[0]).toMatchObject({ listPrice: 20_900, price: 20_900 });
  });

  it('a change at one site pushes that site only; importing the same document again pushes nothing', async () => {
    const coffee = withPrice(demoNetwork(), 'COFFEE', 20_900);
    const tver = withPrice(coffee, 'WATER', 9_900, 'TVR-01');
    const start = pushes.length;
    const changesStart = changes.length;
    expect(await importDocument(tver)).toMatchObject({ result: 'approved', catalogChanged: true });
    const [tverPush] = await pushesFrom(start, 1);
    expect(tverPush?.subject).toBe('tessera.v1.cfg.TVR-01.prices');
    expect(tverPush ? listPriceOf(tverPush, 'WATER') : undefined).toBe(9_900);

    // The same document again changes nothing ...
    expect(await importDocument(tver)).toMatchObject({ result: 'approved', created: 0, updated: 0 });
    // ... and the next push is that of the next real change (MSK-02 only): nothing came in between.
    const msk2 = withPrice(tver, 'LPG', 2_999, 'MSK-02');
    expect(await importDocument(msk2)).toMatchObject({ result: 'approved', catalogChanged: true });
    const after = await pushesFrom(start, 2);
    expect(after.map((push) => push.subject)).toEqual(['tessera.v1.cfg.TVR-01.prices', 'tessera.v1.cfg.MSK-02.prices']);
    expect(after[1] ? listPriceOf(after[1], 'LPG') : undefined).toBe(2_999);
    const recorded = await waitFor(() => (changes.length >= changesStart + 2 ? changes.slice(changesStart) : undefined), 'two prices.changed events');
    expect(recorded.map((event) => event.body['sites'])).toEqual([['TVR-01'], ['MSK-02']]);
    expect(await api.request(tverTill, 'prices', { id: uniqueId('prc'), products: ['WATER'] })).toMatchObject({ result: 'approved', prices: [expect.objectContaining({ listPrice: 9_900 })] });
  });
});
