// The arithmetic of receipts (receipt.ts): pricing the lines, the payments' split over methods, what
// a return gives back, and bonus accrual per line. Table tests for the rules as stated, property
// tests for what must hold for any receipt: the total is the sum of the lines and equals their list
// amounts minus their discounts; returns never exceed a line, the receipt or any payment method, and
// the last return gives back exactly what is left.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { NetworkCatalogDocument } from '../network/catalog.js';
import { compileCatalog } from '../network/catalog.js';
import { paymentMethods } from '../network/schema.js';
import type { PaymentMethod } from '../network/schema.js';
import { testCatalog, mondayNoon } from '../testing/fixtures.js';
import type { PaymentSplit, Returned, SoldReceipt } from './receipt.js';
import { addSplits, bonusRate, decideReturn, nothingReturned, paymentList, priceLines, receiptBonus, splitOf, splitReturn, splitTotal } from './receipt.js';

const context = { siteId: 'S1', at: mondayNoon, minuteOfDay: 12 * 60 };
/** round(a × b / 1000), half away from zero, for non-negative inputs (the protocol's rule). */
const money = (qty: number, price: number): number => Math.floor((qty * price + 500) / 1000);

describe('priceLines', () => {
  const catalog = testCatalog({
    products: [
      { code: 'AI95', name: 'AI-95', group: 'fuel', unit: 'l' },
      { code: 'COFFEE', name: 'Coffee', group: 'cafe', unit: 'pcs' },
      { code: 'SERVICE', name: 'Service', group: 'services', unit: 'pcs' },
      { code: 'WASH', name: 'Wash', group: 'wash', unit: 'min' },
    ],
    prices: [
      { product: 'AI95', price: 6_000 },
      { product: 'COFFEE', price: 19_900 },
      { product: 'WASH', price: 3_000 },
    ],
    discounts: [{ id: 'cafe10', name: 'cafe −10 %', percent: 1_000, products: ['cafe'] }],
  });

  it('prices each line at the best price, with its list price and discount; the total is their sum', () => {
    const priced = priceLines(catalog, context, [
      { product: 'AI95', qty: 12_345 },
      { product: 'COFFEE', qty: 2_000 },
    ]);
    expect(priced).toEqual({
      ok: true,
      lines: [
        { product: 'AI95', qty: 12_345, listPrice: 6_000, price: 6_000, amount: 74_070, discount: 0 },
        { product: 'COFFEE', qty: 2_000, listPrice: 19_900, price: 17_910, amount: 35_820, discount: 3_980, discountRule: 'cafe10' },
      ],
      amount: 74_070 + 35_820,
      discount: 3_980,
    });
  });

  it('a free-price item takes the till’s price; a priced one always the network’s', () => {
    const priced = priceLines(catalog, context, [
      { product: 'SERVICE', qty: 1_000, price: 50_000 },
      { product: 'AI95', qty: 1_000, price: 1 },
    ]);
    expect(priced.ok && priced.lines.map((line) => [line.product, line.price])).toEqual([
      ['SERVICE', 50_000],
      ['AI95', 6_000],
    ]);
  });

  it('declines unknown products, unpriced free-price items and parts of a piece; minutes may be split', () => {
    expect(priceLines(catalog, context, [{ product: 'NOPE', qty: 1_000 }])).toMatchObject({ ok: false, decline: 'PRODUCT_UNKNOWN' });
    expect(priceLines(catalog, context, [{ product: 'SERVICE', qty: 1_000 }])).toMatchObject({ ok: false, decline: 'PRODUCT_UNKNOWN' });
    expect(priceLines(catalog, context, [{ product: 'COFFEE', qty: 1_500 }])).toMatchObject({ ok: false, decline: 'QUANTITY_INVALID' });
    expect(priceLines(catalog, context, [{ product: 'WASH', qty: 1_500 }])).toMatchObject({ ok: true, amount: 4_500 });
  });

  it('declines a total beyond the largest safe amount instead of losing money to rounding', () => {
    const huge = Number.MAX_SAFE_INTEGER - 1;
    expect(priceLines(catalog, context, [{ product: 'SERVICE', qty: 1_000, price: huge }, { product: 'SERVICE', qty: 1_000, price: huge }])).toMatchObject({ ok: false, decline: 'QUANTITY_INVALID' });
  });

  it('property: total = Σ line amounts = Σ list amounts − Σ discounts, each line at round(qty × price / 1000)', () => {
    const line = fc.record({ product: fc.constantFrom('AI95', 'COFFEE', 'WASH'), units: fc.integer({ min: 1, max: 200_000 }) });
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 30 }), (lines) => {
        const requests = lines.map(({ product, units }) => ({ product, qty: product === 'COFFEE' ? (units % 50) * 1_000 + 1_000 : units }));
        const priced = priceLines(catalog, context, requests);
        if (!priced.ok) throw new Error(priced.decline);
        const listAmounts = priced.lines.reduce((sum, entry) => sum + money(entry.qty, entry.listPrice), 0);
        expect(priced.amount).toBe(priced.lines.reduce((sum, entry) => sum + entry.amount, 0));
        expect(priced.amount).toBe(listAmounts - priced.discount);
        for (const entry of priced.lines) expect(entry.amount).toBe(money(entry.qty, entry.price));
      }),
    );
  });
});

describe('payments', () => {
  it('sums the same method, lists them in the fixed order without zeros', () => {
    const split = splitOf([
      { method: 'bonus', amount: 100 },
      { method: 'cash', amount: 50 },
      { method: 'cash', amount: 25 },
    ]);
    expect(split).toEqual({ bonus: 100, cash: 75 });
    expect(splitTotal(split)).toBe(175);
    expect(paymentList(split)).toEqual([
      { method: 'cash', amount: 75 },
      { method: 'bonus', amount: 100 },
    ]);
    expect(addSplits({ cash: 1, account: 2 }, { account: -2, bonus: 3 })).toEqual({ cash: 1, bonus: 3 });
  });
});

describe('splitReturn: money back over the payment methods', () => {
  it('in proportion, largest remainder first, ties in the order cash, bank_card, account, bonus', () => {
    expect(splitReturn({ bank_card: 30_000, account: 32_520 }, {}, 10_000)).toEqual({ bank_card: 4_798, account: 5_202 });
    expect(splitReturn({ cash: 1, bank_card: 1, account: 1 }, {}, 1)).toEqual({ cash: 1 });
    expect(splitReturn({ cash: 1, bank_card: 1, account: 1 }, {}, 2)).toEqual({ cash: 1, bank_card: 1 });
    expect(splitReturn({ cash: 100 }, { cash: 40 }, 60)).toEqual({ cash: 60 });
    expect(splitReturn({ cash: 100, bonus: 100 }, { cash: 100 }, 50)).toEqual({ bonus: 50 });
  });

  it('property: every return is split exactly, no method gets back more than it paid, the last gives back the rest', () => {
    const split = fc.record(Object.fromEntries(paymentMethods.map((method) => [method, fc.integer({ min: 0, max: 1_000_000 })])) as Record<PaymentMethod, fc.Arbitrary<number>>);
    fc.assert(
      fc.property(split, fc.array(fc.integer({ min: 1, max: 1_000_000 }), { maxLength: 10 }), (paid, parts) => {
        const total = splitTotal(paid);
        let returned: PaymentSplit = {};
        let back = 0;
        for (const part of parts) {
          const amount = Math.min(part, total - back);
          if (amount <= 0) break;
          const share = splitReturn(paid, returned, amount);
          expect(splitTotal(share)).toBe(amount);
          returned = addSplits(returned, share);
          back += amount;
          for (const method of paymentMethods) expect(returned[method] ?? 0).toBeLessThanOrEqual(paid[method]);
        }
        const last = splitReturn(paid, returned, total - back);
        expect(addSplits(returned, last)).toEqual(Object.fromEntries(paymentMethods.filter((method) => paid[method] > 0).map((method) => [method, paid[method]])));
      }),
    );
  });
});

describe('decideReturn', () => {
  const sold: SoldReceipt = {
    amount: 10_000 + 3_001 + 2_000,
    lines: [
      { product: 'A', qty: 3_000, amount: 10_000 },
      { product: 'B', qty: 3_000, amount: 3_001 },
      { product: 'A', qty: 1_000, amount: 2_000 },
    ],
    payments: { cash: 5_001, account: 10_000 },
  };
  const after = (before: Returned, decision: ReturnType<typeof decideReturn>): Returned => {
    if (!decision.ok) throw new Error(decision.decline);
    const lines = [...before.lines];
    for (const part of decision.parts) lines[part.line] = (lines[part.line] ?? 0) + part.qty;
    return { amount: before.amount + decision.amount, lines, payments: addSplits(before.payments, decision.payments) };
  };

  it('lines are matched in order; a part is its share of the line, and the part that completes a line gets the rest', () => {
    const first = decideReturn(sold, nothingReturned(3), { lines: [{ product: 'B', qty: 1_000 }] });
    expect(first).toMatchObject({ ok: true, amount: 1_000, parts: [{ line: 1, product: 'B', qty: 1_000, amount: 1_000 }] });
    const state = after(nothingReturned(3), first);
    const rest = decideReturn(sold, state, { lines: [{ product: 'B', qty: 2_000 }] });
    expect(rest).toMatchObject({ ok: true, amount: 2_001 });
    const spanning = decideReturn(sold, nothingReturned(3), { lines: [{ product: 'A', qty: 3_500 }] });
    expect(spanning).toMatchObject({ ok: true, amount: 10_000 + 1_000, parts: [{ line: 0, qty: 3_000, amount: 10_000 }, { line: 2, qty: 500, amount: 1_000 }] });
  });

  it('never more than was sold: a quantity, a product not in the receipt, an amount, a second full return', () => {
    expect(decideReturn(sold, nothingReturned(3), { lines: [{ product: 'A', qty: 4_001 }] })).toEqual({ ok: false, decline: 'REFUND_EXCEEDS_SALE' });
    expect(decideReturn(sold, nothingReturned(3), { lines: [{ product: 'C', qty: 1 }] })).toEqual({ ok: false, decline: 'REFUND_EXCEEDS_SALE' });
    expect(decideReturn(sold, nothingReturned(3), { amount: sold.amount + 1 })).toEqual({ ok: false, decline: 'REFUND_EXCEEDS_SALE' });
    const all = after(nothingReturned(3), decideReturn(sold, nothingReturned(3), {}));
    expect(all.amount).toBe(sold.amount);
    expect(all.payments).toEqual(sold.payments);
    expect(decideReturn(sold, all, {})).toEqual({ ok: false, decline: 'REFUND_EXCEEDS_SALE' });
  });

  it('property: any sequence of returns by lines and amounts stays within every line, the total and each method', () => {
    const step = fc.oneof(
      fc.record({ kind: fc.constant('lines' as const), product: fc.constantFrom('A', 'B'), qty: fc.integer({ min: 1, max: 2_500 }) }),
      fc.record({ kind: fc.constant('amount' as const), amount: fc.integer({ min: 1, max: 6_000 }) }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 12 }), (steps) => {
        let state = nothingReturned(3);
        for (const entry of steps) {
          const decision = decideReturn(sold, state, entry.kind === 'lines' ? { lines: [{ product: entry.product, qty: entry.qty }] } : { amount: entry.amount });
          if (!decision.ok) continue;
          state = after(state, decision);
          expect(state.amount).toBeLessThanOrEqual(sold.amount);
          sold.lines.forEach((line, index) => expect(state.lines[index] ?? 0).toBeLessThanOrEqual(line.qty));
          for (const method of paymentMethods) expect(state.payments[method] ?? 0).toBeLessThanOrEqual(sold.payments[method] ?? 0);
          expect(splitTotal(state.payments)).toBe(state.amount);
        }
      }),
    );
  });
});

describe('bonus accrual', () => {
  const withBonus = (bonus: NetworkCatalogDocument['bonus']) => {
    const base = testCatalog();
    return compileCatalog({
      network: { id: base.id, name: base.name, currency: 'RUB', timezone: 'Europe/Moscow' },
      products: [...base.products.values()].map(({ code, name, group, unit }) => ({ code, name, group, unit })),
      ...(bonus !== undefined ? { bonus } : {}),
    });
  };

  it('the rate of a line: its products’ own rate, else the spend tier reached, else the base; none outside the program', () => {
    const catalog = withBonus({ rate: 100, products: ['fuel', 'cafe'], redeem: true, rates: [{ products: ['COFFEE'], rate: 500 }], tiers: [{ spend: 1_000, rate: 150 }, { spend: 5_000, rate: 300 }] });
    const program = catalog.bonus;
    if (program === undefined) throw new Error('no program');
    expect(bonusRate(catalog, program, 'COFFEE', 10_000)).toBe(500);
    expect(bonusRate(catalog, program, 'AI95', 999)).toBe(100);
    expect(bonusRate(catalog, program, 'AI95', 1_000)).toBe(150);
    expect(bonusRate(catalog, program, 'AI95', 5_000)).toBe(300);
    expect(bonusRate(catalog, program, 'NOPRICE', 5_000)).toBe(300);
    const outside = withBonus({ rate: 100, products: ['cafe'], redeem: true });
    if (outside.bonus === undefined) throw new Error('no program');
    expect(bonusRate(outside, outside.bonus, 'AI95', 0)).toBe(0);
  });

  it('accrues on the money not paid by points, per line, rounded down twice', () => {
    const catalog = withBonus({ rate: 100, redeem: true, rates: [{ products: ['cafe'], rate: 500 }] });
    const program = catalog.bonus;
    if (program === undefined) throw new Error('no program');
    const lines = [
      { product: 'COFFEE', qty: 2_000, listPrice: 19_900, price: 17_910, amount: 35_820, discount: 3_980 },
      { product: 'AI95', qty: 3_000, listPrice: 8_900, price: 8_900, amount: 26_700, discount: 0 },
    ];
    expect(receiptBonus(catalog, program, lines, 62_520, 0, 0)).toBe(1_791 + 267);
    // 20 000 paid in points: each line earns on its share of 42 520.
    const coffeeBase = Math.floor((35_820 * 42_520) / 62_520);
    const fuelBase = Math.floor((26_700 * 42_520) / 62_520);
    expect(receiptBonus(catalog, program, lines, 62_520, 20_000, 0)).toBe(Math.floor((coffeeBase * 500) / 10_000) + Math.floor(fuelBase / 100));
    expect(receiptBonus(catalog, program, lines, 62_520, 62_520, 0)).toBe(0);
    expect(receiptBonus(catalog, program, [], 0, 0, 0)).toBe(0);
  });
});
