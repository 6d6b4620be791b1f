// The account's retail decisions (account-sale.ts) as its actor runs them — decide, then evolve each
// event: receipts with every payment method, declines in precedence order, card limits on the part
// the account pays, bonus accrual by product rates and spend tiers, volume tiers of discounts built
// from the account's own purchases, returns by lines and by amount, and the price query. Then a
// seeded property test: money and points are conserved through accrue, redeem and return, and no
// limit is ever exceeded.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { AccountCommand, AccountDecision, AccountEvent, AccountState, CardContext, SaleRecord, TerminalContext, TransactionRecord } from './account.js';
import { availableFunds, decideAccount, evolveAccount, initialAccountState, saleRecordOf, transactionRecordOf } from './account.js';
import type { AccountConfig, LimitConfig, NetworkCatalog, NetworkCatalogDocument } from '../network/catalog.js';
import { accountKeyFor, compileCatalog } from '../network/catalog.js';
import type { PaymentRequest } from './receipt.js';
import { decodeHandle } from './handles.js';
import type { Outcome } from '../protocol/replies.js';
import type { DeclineReason } from '../reasons.js';
import { reasonCodes } from '../reasons.js';

const msk = (year: number, month: number, day: number, hours = 0, minutes = 0): number => Date.UTC(year, month - 1, day, hours - 3, minutes);
/** Wednesday 2026-03-11, 12:00 in Moscow. */
const noon = msk(2026, 3, 11, 12);
const till: TerminalContext = { terminalId: 'S1-POS', siteId: 'S1' };

const baseDocument: NetworkCatalogDocument = {
  network: { id: 'n', name: 'Test', currency: 'RUB', timezone: 'Europe/Moscow' },
  sites: [{ id: 'S1', name: 'Site 1', kind: 'shop', terminals: [{ id: 'S1-POS', kind: 'pos' }] }],
  products: [
    { code: 'AI95', name: 'AI-95', group: 'fuel', unit: 'l' },
    { code: 'COFFEE', name: 'Coffee', group: 'cafe', unit: 'pcs' },
    { code: 'WATER', name: 'Water', group: 'drinks', unit: 'pcs' },
    { code: 'LAMP', name: 'Lamp', group: 'goods', unit: 'pcs', fragile: true },
  ],
  prices: [
    { product: 'AI95', price: 6_000 },
    { product: 'COFFEE', price: 20_000 },
    { product: 'WATER', price: 9_000 },
    { product: 'LAMP', price: 70_000 },
  ],
  discounts: [{ id: 'club-cafe', name: 'club cafe −10 %', percent: 1_000, products: ['cafe'], members: true }],
  bonus: { rate: 100, products: ['fuel', 'cafe', 'drinks'], redeem: true, rates: [{ products: ['cafe'], rate: 500 }] },
  prompts: [
    { id: 'birthday', message: 'birthday', birthday: true },
    { id: 'lines', message: 'many lines', linesAbove: 2 },
    { id: 'big', message: 'big receipt', amountAbove: 100_000 },
    { id: 'promo', message: 'promo water', products: ['WATER'] },
    { id: 'fragile', message: 'fragile', fragile: true },
  ],
};

function catalogOf(changes: Partial<NetworkCatalogDocument> = {}): NetworkCatalog {
  return compileCatalog({ ...baseDocument, ...changes });
}

function client(overrides: Partial<AccountConfig> = {}): AccountConfig {
  return { networkId: 'n', key: accountKeyFor('n', 'client', 'ivanova'), owner: 'client', ownerId: 'ivanova', name: 'Ivanova', member: true, birthday: '03-11', openingBalance: 100_000, creditLimit: 0, ...overrides };
}

function fleet(overrides: Partial<AccountConfig> = {}): AccountConfig {
  return { networkId: 'n', key: accountKeyFor('n', 'counterparty', 'acme'), owner: 'counterparty', ownerId: 'acme', name: 'Acme', segment: 'big', openingBalance: 1_000_000, creditLimit: 0, ...overrides };
}

function card(limits: LimitConfig[] = []): CardContext {
  return { hash: 'card-1', masked: '700500******0017', status: 'active', limits };
}

type Lines = { product: string; qty: number; price?: number }[];

/** An account as its actor runs it, with the records its actor keeps for returns. */
class Account {
  state: AccountState;
  readonly events: AccountEvent[] = [];
  readonly records = new Map<number, TransactionRecord | SaleRecord>();

  constructor(
    readonly config: AccountConfig = client(),
    readonly catalog: NetworkCatalog = catalogOf(),
  ) {
    this.state = initialAccountState(config);
  }

  run(command: AccountCommand, now = noon): AccountDecision {
    const decision = decideAccount(this.state, { key: this.config.key, config: this.config, catalog: this.catalog }, command, now);
    for (const event of decision.events) {
      this.state = evolveAccount(this.state, event);
      this.events.push(event);
      if (event.type === 'completed') this.records.set(event.txNumber, transactionRecordOf(event));
      if (event.type === 'sale') this.records.set(event.txNumber, saleRecordOf(event));
    }
    return decision;
  }

  sell(lines: Lines, payments?: PaymentRequest[], options: { limits?: LimitConfig[]; now?: number } = {}): AccountDecision {
    return this.run({ type: 'sale', card: card(options.limits), terminal: till, lines, ...(payments !== undefined ? { payments } : {}) }, options.now ?? noon);
  }

  refund(txNumber: number, asked: { amount?: number; lines?: { product: string; qty: number }[] } = {}, now = noon): AccountDecision {
    return this.run({ type: 'refund', txNumber, transaction: this.records.get(txNumber), terminal: till, ...asked }, now);
  }

  get funds(): number {
    return availableFunds(this.state, this.config);
  }
}

function fieldsOf(outcome: Outcome): Record<string, unknown> {
  if (outcome.result !== 'approved') throw new Error(`expected an approval, got ${JSON.stringify(outcome)}`);
  return outcome.fields;
}

function reasonOf(decision: AccountDecision): string {
  return decision.outcome.result === 'approved' ? 'OK' : decision.outcome.reason;
}

function txOf(decision: AccountDecision): number {
  const handle = decodeHandle('transaction', String(fieldsOf(decision.outcome)['txId']));
  if (handle === undefined) throw new Error('no txId');
  return handle.number;
}

describe('a receipt with a loyalty card', () => {
  it('prices each line for the buyer, pays from the account by default, accrues points per line, and prompts', () => {
    const account = new Account(client({ creditLimit: 50_000 }));
    const decision = account.sell([
      { product: 'COFFEE', qty: 2_000 },
      { product: 'WATER', qty: 1_000 },
      { product: 'LAMP', qty: 1_000 },
    ]);
    // Coffee: club −10 % → 18 000 × 2; water 9 000; lamp 70 000 (goods earn nothing).
    expect(fieldsOf(decision.outcome)).toEqual({
      txId: expect.any(String) as string,
      lines: [
        { product: 'COFFEE', qty: 2_000, price: 18_000, listPrice: 20_000, amount: 36_000, discount: 4_000, discountRule: 'club-cafe' },
        { product: 'WATER', qty: 1_000, price: 9_000, listPrice: 9_000, amount: 9_000, discount: 0 },
        { product: 'LAMP', qty: 1_000, price: 70_000, listPrice: 70_000, amount: 70_000, discount: 0 },
      ],
      amount: 115_000,
      discount: 4_000,
      payments: [{ method: 'account', amount: 115_000 }],
      bonus: 1_800 + 90,
      bonusBalance: 1_890,
      balance: 100_000 + 50_000 - 115_000,
      messages: ['birthday', 'many lines', 'big receipt', 'promo water', 'fragile'],
    });
    expect(account.state.balance).toBe(-15_000);
    expect(account.state.bonus).toBe(1_890);
  });

  it('points pay like money (one point, one kopeck) and earn nothing on the part they pay', () => {
    const account = new Account(client({ openingBalance: 1_000_000 }));
    account.sell([{ product: 'COFFEE', qty: 10_000 }]); // 180 000 → 9 000 points
    expect(account.state.bonus).toBe(9_000);
    const decision = account.sell([{ product: 'WATER', qty: 2_000 }], [
      { method: 'bonus', amount: 9_000 },
      { method: 'cash', amount: 9_000 },
    ]);
    expect(fieldsOf(decision.outcome)).toMatchObject({ amount: 18_000, bonus: 90, bonusBalance: 90, payments: [{ method: 'cash', amount: 9_000 }, { method: 'bonus', amount: 9_000 }] });
    expect(account.state.balance).toBe(1_000_000 - 180_000);
  });

  it('a spend tier raises the base rate once this month’s spend before the receipt reaches it', () => {
    const catalog = catalogOf({ bonus: { rate: 100, redeem: true, tiers: [{ spend: 50_000, rate: 300 }], tierPeriod: 'month' } });
    const account = new Account(client({ openingBalance: 1_000_000, member: false }), catalog);
    expect(fieldsOf(account.sell([{ product: 'WATER', qty: 5_000 }]).outcome)['bonus']).toBe(450); // 45 000 spent before: 1 %
    expect(fieldsOf(account.sell([{ product: 'WATER', qty: 1_000 }]).outcome)['bonus']).toBe(90); // 45 000 < 50 000: still 1 %
    expect(fieldsOf(account.sell([{ product: 'WATER', qty: 1_000 }]).outcome)['bonus']).toBe(270); // 54 000 ≥ 50 000: 3 %
    expect(fieldsOf(account.sell([{ product: 'WATER', qty: 1_000 }], undefined, { now: msk(2026, 4, 1, 0, 0) }).outcome)['bonus']).toBe(90); // a new month
  });
});

describe('declines, in precedence order', () => {
  // Each row meets the conditions of its own code and of every code below it.
  type Row = [DeclineReason, () => AccountDecision];
  const table: Row[] = [
    ['PRODUCT_UNKNOWN', () => new Account(client({ openingBalance: 0 })).sell([{ product: 'NOPE', qty: 1_000 }], [{ method: 'bonus', amount: 1 }])],
    ['QUANTITY_INVALID', () => new Account(client({ openingBalance: 0 })).sell([{ product: 'COFFEE', qty: 1_500 }], [{ method: 'bonus', amount: 1 }])],
    ['PAYMENT_MISMATCH', () => new Account(client({ openingBalance: 0 })).sell([{ product: 'WATER', qty: 1_000 }], [{ method: 'bonus', amount: 8_999 }])],
    ['BONUS_NOT_ALLOWED', () => new Account(fleet({ openingBalance: 0 })).sell([{ product: 'WATER', qty: 1_000 }], [{ method: 'bonus', amount: 9_000 }], { limits: [{ period: 'day', amount: 1 }] })],
    ['LIMIT_EXCEEDED', () => new Account(client({ openingBalance: 0 })).sell([{ product: 'WATER', qty: 1_000 }], [{ method: 'bonus', amount: 1 }, { method: 'account', amount: 8_999 }], { limits: [{ period: 'day', amount: 8_998 }] })],
    ['BONUS_INSUFFICIENT', () => new Account(client({ openingBalance: 0 })).sell([{ product: 'WATER', qty: 1_000 }], [{ method: 'bonus', amount: 1 }, { method: 'account', amount: 8_999 }])],
    ['INSUFFICIENT_FUNDS', () => new Account(client({ openingBalance: 8_998 })).sell([{ product: 'WATER', qty: 1_000 }])],
  ];
  for (const [reason, run] of table) {
    it(`${reason}, and nothing changes`, () => {
      const decision = run();
      expect(reasonOf(decision)).toBe(reason);
      expect(decision.events).toEqual([]);
    });
  }

  it('the table follows reasonCodes order', () => {
    const ranks = table.map(([reason]) => reasonCodes.indexOf(reason));
    expect([...ranks].sort((a, b) => a - b)).toEqual(ranks);
  });

  it('a fleet account’s points cannot pay even when the program redeems; a program that does not redeem refuses everyone', () => {
    expect(reasonOf(new Account(client(), catalogOf({ bonus: { rate: 100, redeem: false } })).sell([{ product: 'WATER', qty: 1_000 }], [{ method: 'bonus', amount: 9_000 }]))).toBe('BONUS_NOT_ALLOWED');
    expect(reasonOf(new Account(client(), catalogOf({ bonus: undefined })).sell([{ product: 'WATER', qty: 1_000 }], [{ method: 'bonus', amount: 9_000 }]))).toBe('BONUS_NOT_ALLOWED');
  });
});

describe('card limits on a receipt', () => {
  it('count the matching lines in the share of the total the account pays', () => {
    const account = new Account(fleet());
    const limits: LimitConfig[] = [{ period: 'day', amount: 10_000, products: ['cafe'] }];
    // 20 000 coffee + 9 000 water; the account pays half: coffee counts 10 000 against the cafe limit.
    const half = account.sell([{ product: 'COFFEE', qty: 1_000 }, { product: 'WATER', qty: 1_000 }], [{ method: 'cash', amount: 14_500 }, { method: 'account', amount: 14_500 }], { limits });
    expect(reasonOf(half)).toBe('OK');
    // The day's cafe headroom is spent: one more coffee from the account is over it, in cash it is not counted.
    expect(reasonOf(account.sell([{ product: 'COFFEE', qty: 1_000 }], undefined, { limits }))).toBe('LIMIT_EXCEEDED');
    expect(reasonOf(account.sell([{ product: 'COFFEE', qty: 1_000 }], [{ method: 'cash', amount: 20_000 }], { limits }))).toBe('OK');
    // A return of the half-paid receipt gives the account's share back; the next day starts afresh.
    account.refund(txOf(half));
    expect(reasonOf(account.sell([{ product: 'COFFEE', qty: 500 * 2 }], [{ method: 'account', amount: 20_000 }], { limits: [{ period: 'day', amount: 20_000, products: ['cafe'] }] }))).toBe('OK');
  });

  it('a transaction limit caps one receipt’s account part; volume limits count quantities', () => {
    const account = new Account(fleet());
    expect(reasonOf(account.sell([{ product: 'AI95', qty: 10_000 }], undefined, { limits: [{ period: 'transaction', amount: 59_999 }] }))).toBe('LIMIT_EXCEEDED');
    expect(reasonOf(account.sell([{ product: 'AI95', qty: 10_000 }], undefined, { limits: [{ period: 'transaction', amount: 60_000 }] }))).toBe('OK');
    expect(reasonOf(account.sell([{ product: 'AI95', qty: 10_001 }], undefined, { limits: [{ period: 'week', volume: 20_000, products: ['fuel'] }] }))).toBe('OK');
    expect(reasonOf(account.sell([{ product: 'AI95', qty: 10_000 }], undefined, { limits: [{ period: 'week', volume: 20_000, products: ['fuel'] }] }))).toBe('LIMIT_EXCEEDED');
  });
});

describe('volume tiers built from the account’s purchases', () => {
  const catalog = catalogOf({ discounts: [{ id: 'tier-100', name: 'from 100 l a month', percent: 500, products: ['fuel'], threshold: { period: 'month', volume: 100_000 } }] });

  it('apply once the month’s volume before the purchase reaches the threshold; returns count back; a new month starts at zero', () => {
    const account = new Account(fleet({ openingBalance: 100_000_000 }), catalog);
    const first = account.sell([{ product: 'AI95', qty: 99_999 }]);
    expect(fieldsOf(first.outcome)['lines']).toMatchObject([{ price: 6_000 }]);
    expect(fieldsOf(account.sell([{ product: 'AI95', qty: 1 }]).outcome)['lines']).toMatchObject([{ price: 6_000 }]); // 99 999 before it
    expect(fieldsOf(account.sell([{ product: 'AI95', qty: 1_000 }]).outcome)['lines']).toMatchObject([{ price: 5_700, discountRule: 'tier-100' }]);
    account.refund(txOf(first), { lines: [{ product: 'AI95', qty: 50_000 }] });
    expect(fieldsOf(account.sell([{ product: 'AI95', qty: 1_000 }]).outcome)['lines']).toMatchObject([{ price: 6_000 }]);
    expect(fieldsOf(account.sell([{ product: 'AI95', qty: 1_000 }], undefined, { now: msk(2026, 4, 1, 10) }).outcome)['lines']).toMatchObject([{ price: 6_000 }]);
  });

  it('fuel completed at a pump counts too', () => {
    const account = new Account(fleet({ openingBalance: 100_000_000 }), catalog);
    const hold = account.run({ type: 'authorize', card: card(), terminal: till, product: 'AI95', volume: 100_000 });
    const authId = decodeHandle('hold', String(fieldsOf(hold.outcome)['authId']));
    if (authId === undefined) throw new Error('no hold');
    account.run({ type: 'complete', holdNumber: authId.number, terminal: till, volume: 100_000 });
    expect(fieldsOf(account.sell([{ product: 'AI95', qty: 1_000 }]).outcome)['lines']).toMatchObject([{ price: 5_700, discountRule: 'tier-100' }]);
  });
});

describe('returns of a receipt', () => {
  it('by lines, then by amount, then the rest: money back per method in proportion, points reversed in proportion', () => {
    const account = new Account(client({ openingBalance: 1_000_000 }));
    account.sell([{ product: 'COFFEE', qty: 1_000 }]); // 900 points to spend
    const sale = account.sell(
      [
        { product: 'COFFEE', qty: 3_000 },
        { product: 'WATER', qty: 2_000 },
      ],
      [
        { method: 'cash', amount: 20_000 },
        { method: 'bonus', amount: 900 },
        { method: 'account', amount: 51_100 },
      ],
    );
    const tx = txOf(sale);
    const accrued = Number(fieldsOf(sale.outcome)['bonus']);
    const record = account.records.get(tx);
    // 3 coffees at the club price (18 000) + 2 waters (9 000) = 72 000.
    expect(record).toMatchObject({ kind: 'sale', amount: 72_000, payments: { cash: 20_000, bonus: 900, account: 51_100 } });

    const first = account.refund(tx, { lines: [{ product: 'COFFEE', qty: 1_000 }] });
    expect(fieldsOf(first.outcome)).toMatchObject({ amount: 18_000, bonus: Math.floor((accrued * 18_000) / 72_000) });
    const firstBack = fieldsOf(first.outcome)['payments'] as PaymentRequest[];
    expect(firstBack.reduce((sum, payment) => sum + payment.amount, 0)).toBe(18_000);

    expect(reasonOf(account.refund(tx, { lines: [{ product: 'COFFEE', qty: 2_001 }] }))).toBe('REFUND_EXCEEDS_SALE');
    expect(reasonOf(account.refund(tx, { amount: 54_001 }))).toBe('REFUND_EXCEEDS_SALE');
    expect(reasonOf(account.refund(tx, { amount: 10_000 }))).toBe('OK');
    const rest = account.refund(tx);
    expect(fieldsOf(rest.outcome)['amount']).toBe(44_000);
    expect(reasonOf(account.refund(tx))).toBe('REFUND_EXCEEDS_SALE');

    // Everything is back: the account's part, the points paid, and every point of the accrual.
    const refunds = account.events.filter((event): event is Extract<AccountEvent, { type: 'refunded' }> => event.type === 'refunded');
    const back = { cash: 0, bonus: 0, account: 0 };
    for (const event of refunds) for (const method of ['cash', 'bonus', 'account'] as const) back[method] += event.payments?.[method] ?? 0;
    expect(back).toEqual({ cash: 20_000, bonus: 900, account: 51_100 });
    expect(refunds.reduce((sum, event) => sum + event.bonus, 0)).toBe(accrued);
    expect(account.state.balance).toBe(1_000_000 - 18_000);
    expect(account.state.bonus).toBe(900);
  });
});

describe('prices', () => {
  it('lists the site’s prices as this buyer pays them, or declines an unknown product', () => {
    const account = new Account(client());
    const decision = account.run({ type: 'prices', card: card(), terminal: till, products: ['COFFEE', 'WATER'] });
    expect(fieldsOf(decision.outcome)).toEqual({
      site: 'S1',
      at: noon,
      prices: [
        { product: 'COFFEE', name: 'Coffee', group: 'cafe', unit: 'pcs', listPrice: 20_000, price: 18_000, discountRule: 'club-cafe' },
        { product: 'WATER', name: 'Water', group: 'drinks', unit: 'pcs', listPrice: 9_000, price: 9_000 },
      ],
      scheduled: [],
    });
    expect(reasonOf(account.run({ type: 'prices', card: card(), terminal: till, products: ['NOPE'] }))).toBe('PRODUCT_UNKNOWN');
    expect(decision.events).toEqual([]);
  });
});

describe('conservation under random receipts and returns (seeded)', () => {
  const seed = Number(process.env['FC_SEED'] ?? 20_261_202);
  const step = fc.oneof(
    fc.record({
      kind: fc.constant('sale' as const),
      lines: fc.array(fc.record({ product: fc.constantFrom('AI95', 'COFFEE', 'WATER', 'LAMP'), units: fc.integer({ min: 1, max: 30 }) }), { minLength: 1, maxLength: 5 }),
      cash: fc.integer({ min: 0, max: 100 }),
      bonus: fc.integer({ min: 0, max: 100 }),
    }),
    fc.record({ kind: fc.constant('refundLines' as const), pick: fc.nat(), units: fc.integer({ min: 1, max: 10 }) }),
    fc.record({ kind: fc.constant('refundAmount' as const), pick: fc.nat(), amount: fc.integer({ min: 1, max: 200_000 }) }),
    fc.record({ kind: fc.constant('day' as const) }),
  );

  it('money: opening − Σ account payments + Σ account returns = balance; points: Σ accrued − Σ redeemed − Σ reversed + Σ returned = points; limits hold', () => {
    const seen = { sales: 0, redeemed: 0, refunds: 0, declined: 0 };
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 40 }), (steps) => {
        const limits: LimitConfig[] = [{ period: 'day', amount: 300_000 }, { period: 'week', volume: 200_000, products: ['fuel'] }];
        const account = new Account(client({ openingBalance: 2_000_000, creditLimit: 100_000 }));
        let now = noon;
        const sales: number[] = [];
        for (const entry of steps) {
          if (entry.kind === 'day') {
            now += 24 * 3_600_000;
            continue;
          }
          if (entry.kind === 'sale') {
            const lines = entry.lines.map(({ product, units }) => ({ product, qty: product === 'AI95' ? units * 1_001 : units * 1_000 }));
            // The receipt's total from the prices this buyer pays; then pay some in cash, some in points, the rest from the account.
            const list = decideAccount(account.state, { key: account.config.key, config: account.config, catalog: account.catalog }, { type: 'prices', card: card(), terminal: till }, now);
            if (list.outcome.result !== 'approved') throw new Error('no price list');
            const unit = new Map((list.outcome.fields['prices'] as { product: string; price: number }[]).map((entry) => [entry.product, entry.price]));
            const receipt = lines.reduce((sum, line) => sum + Math.floor((line.qty * (unit.get(line.product) ?? 0) + 500) / 1_000), 0);
            const cash = Math.floor((receipt * entry.cash) / 100 / 2);
            const points = Math.min(Math.max(0, account.state.bonus), Math.floor(((receipt - cash) * entry.bonus) / 100));
            const payments: PaymentRequest[] = [];
            if (cash > 0) payments.push({ method: 'cash', amount: cash });
            if (points > 0) payments.push({ method: 'bonus', amount: points });
            if (receipt - cash - points > 0) payments.push({ method: 'account', amount: receipt - cash - points });
            const fundsBefore = account.funds;
            const decision = account.run({ type: 'sale', card: card(limits), terminal: till, lines, payments }, now);
            const reason = reasonOf(decision);
            expect(['OK', 'LIMIT_EXCEEDED', 'INSUFFICIENT_FUNDS']).toContain(reason);
            if (reason !== 'OK') seen.declined++;
            if (reason === 'OK') {
              seen.sales++;
              if (points > 0) seen.redeemed++;
              sales.push(txOf(decision));
              expect(fieldsOf(decision.outcome)['amount']).toBe(receipt);
              expect(receipt - cash - points).toBeLessThanOrEqual(fundsBefore);
            }
          } else if (sales.length > 0) {
            const tx = sales[entry.pick % sales.length] ?? 0;
            const record = account.records.get(tx);
            if (record?.kind !== 'sale') throw new Error('no receipt record');
            const line = record.lines[entry.pick % record.lines.length];
            const asked = entry.kind === 'refundLines' ? { lines: [{ product: line?.product ?? 'AI95', qty: entry.units * 500 }] } : { amount: entry.amount };
            const refunded = reasonOf(account.refund(tx, asked, now));
            expect(['OK', 'REFUND_EXCEEDS_SALE']).toContain(refunded);
            if (refunded === 'OK') seen.refunds++;
          }
          // Conservation after every step.
          let money = account.config.openingBalance;
          let points = 0;
          for (const event of account.events) {
            if (event.type === 'sale') {
              money -= event.payments.account ?? 0;
              points += event.bonus - (event.payments.bonus ?? 0);
            } else if (event.type === 'refunded') {
              money += event.payments?.account ?? 0;
              points += (event.payments?.bonus ?? 0) - event.bonus;
            }
          }
          expect(account.state.balance).toBe(money);
          expect(account.state.bonus).toBe(points);
          expect(account.funds).toBeGreaterThanOrEqual(0);
          // Returns never exceed a receipt, per line and per method.
          for (const [txNumber, totals] of account.state.refunds) {
            const record = account.records.get(txNumber);
            if (record?.kind !== 'sale') continue;
            expect(totals.amount).toBeLessThanOrEqual(record.amount);
            record.lines.forEach((line, index) => expect(totals.lines?.[index] ?? 0).toBeLessThanOrEqual(line.qty));
            for (const method of ['cash', 'bank_card', 'account', 'bonus'] as const) expect(totals.payments?.[method] ?? 0).toBeLessThanOrEqual(record.payments[method] ?? 0);
          }
          // Limit counters never above the limits.
          for (const [key, counters] of account.state.usage) {
            for (const usage of counters) {
              if (key.includes('|day|')) expect(usage.amount).toBeLessThanOrEqual(300_000);
              if (key.includes('|week|')) expect(usage.volume).toBeLessThanOrEqual(200_000);
            }
          }
        }
      }),
      { seed, numRuns: Number(process.env['FC_RUNS'] ?? 200) },
    );
    // The run exercised what it claims to: receipts, points paying, returns and declines.
    expect(Math.min(seen.sales, seen.redeemed, seen.refunds, seen.declined), JSON.stringify(seen)).toBeGreaterThan(0);
  });
});
