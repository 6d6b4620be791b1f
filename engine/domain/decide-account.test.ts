// Table tests of the account's decisions: pricing, limits, funds, holds, completion, refunds.

import { describe, expect, it } from 'vitest';
import type { AccountCommand, AccountEvent, AccountState } from './account.js';
import { availableFunds, decideAccount, evolveAccount, initialAccountState } from './account.js';
import { quotePrice } from './pricing.js';
import type { AccountConfig, LimitConfig, NetworkCatalog } from '../network/catalog.js';
import { accountConfig, cardConfig, cardContext, day, hour, minute, mondayNoon, testCatalog } from '../testing/fixtures.js';

const terminal = { terminalId: 'T1', siteId: 'S1' };

class Account {
  state: AccountState;
  readonly events: AccountEvent[] = [];
  constructor(
    readonly config: AccountConfig = accountConfig(),
    readonly catalog: NetworkCatalog = testCatalog(),
  ) {
    this.state = initialAccountState(config);
  }
  run(command: AccountCommand, now = mondayNoon) {
    const decision = decideAccount(this.state, { key: this.config.key, config: this.config, catalog: this.catalog }, command, now);
    for (const event of decision.events) {
      this.state = evolveAccount(this.state, event);
      this.events.push(event);
    }
    return decision.outcome;
  }
  authorize(request: { amount?: number; volume?: number; product?: string; limits?: LimitConfig[] }, now = mondayNoon) {
    const card = cardContext(cardConfig({ limits: request.limits ?? [] }));
    const command: AccountCommand = { type: 'authorize', card, terminal, product: request.product ?? 'AI95' };
    if (request.amount !== undefined) command.amount = request.amount;
    if (request.volume !== undefined) command.volume = request.volume;
    return this.run(command, now);
  }
  get funds(): number {
    return availableFunds(this.state, this.config);
  }
}

const holdOf = (outcome: ReturnType<Account['run']>): number => {
  if (outcome.result !== 'approved') throw new Error(`expected an approval, got ${JSON.stringify(outcome)}`);
  return Number(String(outcome.fields['authId']).split('.')[2]);
};

describe('authorize: what is approved', () => {
  const table: [string, { balance?: number; credit?: number; amount?: number; volume?: number; limits?: LimitConfig[] }, { reason?: string; approvedAmount?: number; approvedVolume?: number }][] = [
    ['the whole request', { volume: 40_000 }, { approvedAmount: 240_000, approvedVolume: 40_000 }],
    ['an amount becomes the largest volume it pays for', { amount: 100_000 }, { approvedAmount: 100_000, approvedVolume: 16_666 }],
    ['partial: funds', { balance: 100_000, volume: 40_000 }, { approvedAmount: 100_000, approvedVolume: 16_666 }],
    ['partial: funds include the credit limit', { balance: 0, credit: 60_000, volume: 40_000 }, { approvedAmount: 60_000, approvedVolume: 10_000 }],
    ['partial: a money limit', { volume: 40_000, limits: [{ period: 'day', amount: 120_000 }] }, { approvedAmount: 120_000, approvedVolume: 20_000 }],
    ['partial: a volume limit', { amount: 500_000, limits: [{ period: 'week', volume: 15_500 }] }, { approvedAmount: 93_000, approvedVolume: 15_500 }],
    ['partial: a transaction limit', { volume: 40_000, limits: [{ period: 'transaction', volume: 30_000 }] }, { approvedAmount: 180_000, approvedVolume: 30_000 }],
    ['a limit on another product does not apply', { volume: 40_000, limits: [{ period: 'day', volume: 1_000, products: ['COFFEE'] }] }, { approvedVolume: 40_000 }],
    ['a limit on the product group applies', { volume: 40_000, limits: [{ period: 'day', volume: 5_000, products: ['fuel'] }] }, { approvedVolume: 5_000 }],
    ['less than one unit asked', { volume: 999 }, { reason: 'AMOUNT_TOO_SMALL' }],
    ['less than one unit of money asked', { amount: 5_999 }, { reason: 'AMOUNT_TOO_SMALL' }],
    ['a limit leaving less than one unit', { volume: 40_000, limits: [{ period: 'day', volume: 999 }] }, { reason: 'LIMIT_EXCEEDED' }],
    ['no funds', { balance: 5_999, volume: 40_000 }, { reason: 'INSUFFICIENT_FUNDS' }],
    ['a negative balance', { balance: -10, credit: 5_000, volume: 40_000 }, { reason: 'INSUFFICIENT_FUNDS' }],
    ['limit before funds when both bind', { balance: 100, volume: 40_000, limits: [{ period: 'month', amount: 10 }] }, { reason: 'LIMIT_EXCEEDED' }],
  ];
  for (const [name, setup, expected] of table) {
    it(name, () => {
      const account = new Account(accountConfig({ openingBalance: setup.balance ?? 1_000_000, creditLimit: setup.credit ?? 0 }));
      const request: { amount?: number; volume?: number; limits?: LimitConfig[] } = {};
      if (setup.amount !== undefined) request.amount = setup.amount;
      if (setup.volume !== undefined) request.volume = setup.volume;
      if (setup.limits !== undefined) request.limits = setup.limits;
      const outcome = account.authorize(request);
      if (expected.reason) {
        expect(outcome).toMatchObject({ result: 'declined', reason: expected.reason });
        expect(account.events).toEqual([]);
        return;
      }
      expect(outcome.result).toBe('approved');
      if (outcome.result !== 'approved') return;
      if (expected.approvedAmount !== undefined) expect(outcome.fields['approvedAmount']).toBe(expected.approvedAmount);
      if (expected.approvedVolume !== undefined) expect(outcome.fields['approvedVolume']).toBe(expected.approvedVolume);
      expect(account.funds).toBe((setup.balance ?? 1_000_000) + (setup.credit ?? 0) - Number(outcome.fields['approvedAmount']));
    });
  }

  it('holds count against funds and calendar limits; a day limit starts again at local midnight', () => {
    const account = new Account();
    const limits: LimitConfig[] = [{ period: 'day', volume: 50_000 }];
    expect(account.authorize({ volume: 40_000, limits })).toMatchObject({ fields: { approvedVolume: 40_000 } });
    expect(account.authorize({ volume: 40_000, limits })).toMatchObject({ fields: { approvedVolume: 10_000 } });
    expect(account.authorize({ volume: 40_000, limits })).toMatchObject({ reason: 'LIMIT_EXCEEDED' });
    expect(account.authorize({ volume: 40_000, limits }, mondayNoon + 12 * hour - 1)).toMatchObject({ reason: 'LIMIT_EXCEEDED' });
    expect(account.authorize({ volume: 40_000, limits }, mondayNoon + 12 * hour)).toMatchObject({ fields: { approvedVolume: 40_000 } });
  });

  it('prices with the best discount and reports it', () => {
    const catalog = testCatalog({
      discounts: [
        { id: 'five', name: '5 %', percent: 500, products: ['fuel'] },
        { id: 'rouble', name: '−1 ₽/l', perUnit: 100, products: ['AI95'] },
        { id: 'segment', name: '10 % for big fleets', percent: 1_000, segments: ['big'] },
      ],
    });
    const plain = new Account(accountConfig(), catalog).authorize({ volume: 10_000 });
    expect(plain).toMatchObject({ fields: { price: 5_700, approvedAmount: 57_000, discount: 3_000 } });
    const big = new Account(accountConfig({ segment: 'big' }), catalog).authorize({ volume: 10_000 });
    expect(big).toMatchObject({ fields: { price: 5_400, discount: 6_000 } });
  });
});

describe('pricing: the lowest price wins', () => {
  const query = { siteId: 'S1', product: 'AI95', at: mondayNoon, minuteOfDay: 12 * 60 };
  it('compares percent and per-unit rules, and keeps the first on a tie', () => {
    const catalog = testCatalog({
      discounts: [
        { id: 'a', name: 'A', perUnit: 300 },
        { id: 'b', name: 'B', percent: 500 },
        { id: 'c', name: 'C', perUnit: 300 },
      ],
    });
    expect(quotePrice(catalog, query)).toEqual({ listPrice: 6_000, price: 5_700, discountRule: 'a' });
  });
  it('honours sites, counterparties, hours and the validity window', () => {
    const catalog = testCatalog({
      discounts: [
        { id: 'site2', name: 'Site 2', percent: 5_000, sites: ['S2'] },
        { id: 'acme', name: 'Acme', percent: 4_000, counterparties: ['acme'] },
        { id: 'night', name: 'Night', percent: 3_000, hours: '23:00-06:00' },
        { id: 'later', name: 'Later', percent: 2_000, from: mondayNoon + minute },
        { id: 'over', name: 'Over', percent: 1_000, to: mondayNoon },
      ],
    });
    expect(quotePrice(catalog, query)).toEqual({ listPrice: 6_000, price: 6_000 });
    expect(quotePrice(catalog, { ...query, siteId: 'S2' })?.discountRule).toBe('site2');
    expect(quotePrice(catalog, { ...query, buyer: { counterpartyId: 'acme' } })?.discountRule).toBe('acme');
    expect(quotePrice(catalog, { ...query, minuteOfDay: 23 * 60 })?.discountRule).toBe('night');
    expect(quotePrice(catalog, { ...query, at: mondayNoon + minute })?.discountRule).toBe('later');
    expect(quotePrice(catalog, { ...query, siteId: 'S2', product: 'DT' })).toEqual({ listPrice: 6_500, price: 3_250, discountRule: 'site2' });
  });
});

describe('complete, reverse, expire', () => {
  it('a partial completion charges what was dispensed and releases the rest', () => {
    const account = new Account();
    const hold = holdOf(account.authorize({ volume: 40_000 }));
    const outcome = account.run({ type: 'complete', holdNumber: hold, terminal, volume: 12_345 });
    expect(outcome).toMatchObject({ result: 'approved', fields: { amount: 74_070, volume: 12_345, balance: 1_000_000 - 74_070 } });
    expect(account.state.held).toBe(0);
    expect(account.run({ type: 'complete', holdNumber: hold, terminal, volume: 1_000 })).toMatchObject({ reason: 'AUTH_ALREADY_CLOSED' });
    expect(account.run({ type: 'reverse', holdNumber: hold, terminal })).toMatchObject({ reason: 'AUTH_ALREADY_CLOSED' });
    expect(account.run({ type: 'complete', holdNumber: hold + 5, terminal, volume: 1_000 })).toMatchObject({ reason: 'AUTH_NOT_FOUND' });
  });

  it('a completion above the hold is declined and changes nothing', () => {
    const account = new Account();
    const hold = holdOf(account.authorize({ volume: 10_000 }));
    expect(account.run({ type: 'complete', holdNumber: hold, terminal, volume: 10_001 })).toMatchObject({ reason: 'AMOUNT_EXCEEDS_AUTH' });
    expect(account.run({ type: 'complete', holdNumber: hold, terminal, amount: 60_001 })).toMatchObject({ reason: 'AMOUNT_EXCEEDS_AUTH' });
    expect(account.state.holds.size).toBe(1);
    expect(account.run({ type: 'complete', holdNumber: hold, terminal, amount: 60_000 })).toMatchObject({ result: 'approved', fields: { amount: 60_000, volume: 10_000 } });
  });

  it('expires once at its timeout; late completion and reversal are AUTH_EXPIRED', () => {
    const account = new Account();
    const hold = holdOf(account.authorize({ volume: 10_000, product: 'DT' })); // DT holds live 10 minutes
    expect(account.run({ type: 'expire', holdNumber: hold }, mondayNoon + 10 * minute - 1).result).not.toBe('approved');
    expect(account.events.filter((event) => event.type === 'expired')).toHaveLength(0);
    expect(account.run({ type: 'expire', holdNumber: hold }, mondayNoon + 10 * minute).result).toBe('approved');
    expect(account.run({ type: 'expire', holdNumber: hold }, mondayNoon + day).result).not.toBe('approved');
    expect(account.events.filter((event) => event.type === 'expired')).toHaveLength(1);
    expect(account.run({ type: 'complete', holdNumber: hold, terminal, volume: 1 })).toMatchObject({ reason: 'AUTH_EXPIRED' });
    expect(account.funds).toBe(1_000_000);

    const second = holdOf(account.authorize({ volume: 10_000, product: 'DT' }));
    expect(account.run({ type: 'reverse', holdNumber: second, terminal }, mondayNoon + hour)).toMatchObject({ reason: 'AUTH_EXPIRED' });
    expect(account.events.filter((event) => event.type === 'expired')).toHaveLength(2);
  });

  it('a reversal releases the hold and the limit usage', () => {
    const account = new Account();
    const limits: LimitConfig[] = [{ period: 'day', volume: 10_000 }];
    const hold = holdOf(account.authorize({ volume: 10_000, limits }));
    expect(account.authorize({ volume: 10_000, limits })).toMatchObject({ reason: 'LIMIT_EXCEEDED' });
    expect(account.run({ type: 'reverse', holdNumber: hold, terminal })).toMatchObject({ result: 'approved', fields: { released: 60_000 } });
    expect(account.authorize({ volume: 10_000, limits })).toMatchObject({ fields: { approvedVolume: 10_000 } });
  });
});

describe('refunds and bonus points', () => {
  const loyalty = (): Account => new Account(accountConfig({ owner: 'client', ownerId: 'm1', key: 'acct:n:cl:m1' }), testCatalog({ bonus: { rate: 300, redeem: true } }));

  it('never refunds more than was charged, and reverses bonus points in proportion', () => {
    const account = loyalty();
    const hold = holdOf(account.authorize({ volume: 10_000 }));
    const completed = account.run({ type: 'complete', holdNumber: hold, terminal, volume: 10_000 });
    expect(completed).toMatchObject({ fields: { amount: 60_000, bonus: 1_800 } });
    const completedEvent = account.events.find((event) => event.type === 'completed');
    if (completedEvent?.type !== 'completed') throw new Error('no completed event');
    const transaction = { txNumber: completedEvent.txNumber, txId: completedEvent.txId, card: completedEvent.card, terminal: 'T1', site: 'S1', product: 'AI95', amount: 60_000, volume: 10_000, bonus: 1_800, at: mondayNoon, usage: [] };
    const refund = (amount?: number) => account.run({ type: 'refund', txNumber: transaction.txNumber, transaction, terminal, ...(amount !== undefined ? { amount } : {}) });
    expect(refund(20_000)).toMatchObject({ result: 'approved', fields: { amount: 20_000 } });
    expect(account.state.bonus).toBe(1_200);
    expect(refund(40_001)).toMatchObject({ reason: 'REFUND_EXCEEDS_SALE' });
    expect(refund()).toMatchObject({ result: 'approved', fields: { amount: 40_000 } });
    expect(account.state.bonus).toBe(0);
    expect(account.state.balance).toBe(1_000_000);
    expect(refund(1)).toMatchObject({ reason: 'REFUND_EXCEEDS_SALE' });
    expect(account.run({ type: 'refund', txNumber: 99, transaction: undefined, terminal })).toMatchObject({ reason: 'TX_NOT_FOUND' });
  });

  it('counterparty (fleet) accounts earn no points; top-ups add to the balance', () => {
    const account = new Account(accountConfig(), testCatalog({ bonus: { rate: 300, redeem: true } }));
    const hold = holdOf(account.authorize({ volume: 10_000 }));
    expect(account.run({ type: 'complete', holdNumber: hold, terminal, volume: 10_000 })).toMatchObject({ fields: { bonus: 0 } });
    expect(account.run({ type: 'topup', amount: 5_000, method: 'cash', terminal })).toMatchObject({ fields: { balance: 1_000_000 - 60_000 + 5_000 } });
  });
});
