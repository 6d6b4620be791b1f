// The terminal's own decisions (terminal.ts): opening and closing shifts with their Z-report,
// receipts sold without a card, and their returns; the shift-index entry of each money event.

import { describe, expect, it } from 'vitest';
import type { TerminalInfo } from '../network/catalog.js';
import { testCatalog, mondayNoon } from '../testing/fixtures.js';
import type { SaleRecord } from './account.js';
import { saleRecordOf } from './account.js';
import type { ShiftOperation, TerminalCommand, TerminalDecision, TerminalState } from './terminal.js';
import { decideTerminal, decodeTerminalSnapshot, encodeTerminalSnapshot, evolveTerminal, initialTerminalState, shiftOperationOf, shiftTotals } from './terminal.js';

const info: TerminalInfo = { id: 'T1', networkId: 'n', siteId: 'S1', kind: 'pos', status: 'active', requiresShift: true };
const catalog = testCatalog({
  prompts: [{ id: 'coffee', message: 'coffee promo', products: ['COFFEE'] }],
  discounts: [
    { id: 'all-cafe', name: 'cafe −5 %', percent: 500, products: ['cafe'] },
    { id: 'members', name: 'members −50 %', percent: 5_000, members: true },
  ],
});

class Terminal {
  state: TerminalState = initialTerminalState();
  readonly records = new Map<number, SaleRecord>();

  run(command: TerminalCommand, now = mondayNoon): TerminalDecision {
    const decision = decideTerminal(this.state, { key: 'term:T1', info, catalog }, command, now);
    for (const event of decision.events) {
      this.state = evolveTerminal(this.state, event);
      if (event.type === 'sale') this.records.set(event.txNumber, saleRecordOf(event));
    }
    return decision;
  }
}

const reasonOf = (decision: TerminalDecision): string => (decision.outcome.result === 'approved' ? 'OK' : decision.outcome.reason);
const fieldsOf = (decision: TerminalDecision): Record<string, unknown> => {
  if (decision.outcome.result !== 'approved') throw new Error(JSON.stringify(decision.outcome));
  return decision.outcome.fields;
};

describe('shifts', () => {
  it('one open shift per kind; numbers count up; closing an unopened shift is SHIFT_CLOSED', () => {
    const terminal = new Terminal();
    expect(reasonOf(terminal.run({ type: 'shift.close', kind: 'cash', operations: [] }))).toBe('SHIFT_CLOSED');
    expect(fieldsOf(terminal.run({ type: 'shift.open', kind: 'cash', cashier: 'Анна' }))).toEqual({ shiftId: 'T1/1', number: 1, kind: 'cash', openedAt: mondayNoon });
    expect(reasonOf(terminal.run({ type: 'shift.open', kind: 'cash' }))).toBe('SHIFT_ALREADY_OPEN');
    expect(fieldsOf(terminal.run({ type: 'shift.open', kind: 'warehouse' }))).toMatchObject({ shiftId: 'T1/2', kind: 'warehouse' });
    expect(fieldsOf(terminal.run({ type: 'shift.close', kind: 'cash', operations: [] }, mondayNoon + 1_000))).toMatchObject({ shiftId: 'T1/1', closedAt: mondayNoon + 1_000 });
    expect(terminal.state.shifts).toEqual({ warehouse: { number: 2, shiftId: 'T1/2', kind: 'warehouse', openedAt: mondayNoon } });
    expect(fieldsOf(terminal.run({ type: 'shift.open', kind: 'cash' }))).toMatchObject({ number: 3 });
  });

  it('the Z-report sums sales, returns and top-ups, and money per method', () => {
    const operations: ShiftOperation[] = [
      { op: 'sale', amount: 1_000, payments: { cash: 600, bank_card: 400 } },
      { op: 'sale', amount: 500, payments: { account: 300, bonus: 200 } },
      { op: 'refund', amount: 250, payments: { cash: 250 } },
      { op: 'topup', amount: 10_000, payments: { bank_card: 10_000 } },
    ];
    expect(shiftTotals(operations)).toEqual({
      sales: { count: 2, amount: 1_500 },
      refunds: { count: 1, amount: 250 },
      topups: { count: 1, amount: 10_000 },
      byMethod: [
        { method: 'cash', sales: 600, refunds: 250, topups: 0, net: 350 },
        { method: 'bank_card', sales: 400, refunds: 0, topups: 10_000, net: 10_400 },
        { method: 'account', sales: 300, refunds: 0, topups: 0, net: 300 },
        { method: 'bonus', sales: 200, refunds: 0, topups: 0, net: 200 },
      ],
    });
    expect(shiftTotals([])).toEqual({ sales: { count: 0, amount: 0 }, refunds: { count: 0, amount: 0 }, topups: { count: 0, amount: 0 }, byMethod: [] });
  });

  it('open shifts survive a snapshot round trip, and old empty snapshots read as a fresh terminal', () => {
    const terminal = new Terminal();
    terminal.run({ type: 'shift.open', kind: 'cash', cashier: 'Анна' });
    terminal.run({ type: 'sale', lines: [{ product: 'COFFEE', qty: 1_000 }] });
    const copy = decodeTerminalSnapshot(JSON.parse(JSON.stringify(encodeTerminalSnapshot(terminal.state))) as ReturnType<typeof encodeTerminalSnapshot>);
    expect(copy).toEqual(terminal.state);
    expect(decodeTerminalSnapshot({})).toEqual(initialTerminalState());
  });
});

describe('a receipt without a card', () => {
  it('is priced for anyone (no buyer rules), paid in cash by default, prompts, and charges nobody', () => {
    const terminal = new Terminal();
    const decision = terminal.run({ type: 'sale', lines: [{ product: 'COFFEE', qty: 2_000 }], shift: { terminalId: 'T1', number: 7 } });
    expect(fieldsOf(decision)).toEqual({
      txId: expect.any(String) as string,
      lines: [{ product: 'COFFEE', qty: 2_000, price: 19_000, listPrice: 20_000, amount: 38_000, discount: 2_000, discountRule: 'all-cafe' }],
      amount: 38_000,
      discount: 2_000,
      payments: [{ method: 'cash', amount: 38_000 }],
      bonus: 0,
      messages: ['coffee promo'],
    });
    expect(decision.events).toMatchObject([{ type: 'sale', terminal: 'T1', site: 'S1', shift: 7, payments: { cash: 38_000 } }]);
    expect(decision.events[0]).not.toHaveProperty('account');
    expect(decision.events[0]).not.toHaveProperty('card');
  });

  it('declines an account or bonus payment, payments that do not add up, unknown products', () => {
    const terminal = new Terminal();
    const coffee = [{ product: 'COFFEE', qty: 1_000 }];
    expect(reasonOf(terminal.run({ type: 'sale', lines: coffee, payments: [{ method: 'account', amount: 19_000 }] }))).toBe('PAYMENT_NOT_ALLOWED');
    expect(reasonOf(terminal.run({ type: 'sale', lines: coffee, payments: [{ method: 'bonus', amount: 19_000 }] }))).toBe('PAYMENT_NOT_ALLOWED');
    expect(reasonOf(terminal.run({ type: 'sale', lines: coffee, payments: [{ method: 'cash', amount: 18_999 }] }))).toBe('PAYMENT_MISMATCH');
    expect(reasonOf(terminal.run({ type: 'sale', lines: [{ product: 'NOPE', qty: 1_000 }] }))).toBe('PRODUCT_UNKNOWN');
    expect(terminal.state.nextTx).toBe(1);
  });

  it('returns: by lines and by amount, within the receipt, money back per method; a missing record is TX_NOT_FOUND', () => {
    const terminal = new Terminal();
    const sale = terminal.run({ type: 'sale', lines: [{ product: 'COFFEE', qty: 3_000 }], payments: [{ method: 'cash', amount: 37_000 }, { method: 'bank_card', amount: 20_000 }] });
    const record = terminal.records.get(1);
    expect(fieldsOf(sale)['amount']).toBe(57_000);
    const other = { terminalId: 'T9', siteId: 'S2' };
    const refund = (asked: { amount?: number; lines?: { product: string; qty: number }[] }): TerminalDecision => terminal.run({ type: 'refund', txNumber: 1, record, terminal: other, ...asked });
    expect(fieldsOf(refund({ lines: [{ product: 'COFFEE', qty: 1_000 }] }))).toEqual({ refundId: expect.any(String) as string, amount: 19_000, payments: [{ method: 'cash', amount: 12_333 }, { method: 'bank_card', amount: 6_667 }], bonus: 0 });
    expect(reasonOf(refund({ lines: [{ product: 'COFFEE', qty: 2_001 }] }))).toBe('REFUND_EXCEEDS_SALE');
    expect(fieldsOf(refund({ amount: 1_000 }))['amount']).toBe(1_000);
    expect(fieldsOf(refund({}))['amount']).toBe(37_000);
    expect(reasonOf(refund({}))).toBe('REFUND_EXCEEDS_SALE');
    expect(terminal.state.refunds.get(1)).toMatchObject({ amount: 57_000, payments: { cash: 37_000, bank_card: 20_000 } });
    expect(reasonOf(terminal.run({ type: 'refund', txNumber: 2, record: undefined, terminal: other }))).toBe('TX_NOT_FOUND');
  });
});

describe('the shift index', () => {
  it('takes money events made in a shift, and nothing else', () => {
    expect(shiftOperationOf({ type: 'sale', shift: 3, terminal: 'T1', amount: 100, payments: { cash: 100 } })).toEqual({ terminal: 'T1', shift: 3, record: { op: 'sale', amount: 100, payments: { cash: 100 } } });
    expect(shiftOperationOf({ type: 'refunded', shift: 3, terminal: 'T1', amount: 50 })).toEqual({ terminal: 'T1', shift: 3, record: { op: 'refund', amount: 50, payments: { account: 50 } } });
    expect(shiftOperationOf({ type: 'topup', shift: 3, terminal: 'T1', amount: 70, method: 'bank_card' })).toEqual({ terminal: 'T1', shift: 3, record: { op: 'topup', amount: 70, payments: { bank_card: 70 } } });
    expect(shiftOperationOf({ type: 'sale', terminal: 'T1', amount: 100, payments: { cash: 100 } })).toBeUndefined();
    expect(shiftOperationOf({ type: 'authorized', shift: 3, terminal: 'T1', amount: 100 })).toBeUndefined();
  });
});
