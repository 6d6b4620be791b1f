// Table tests of the account's decisions (decideAccount / evolveAccount): what an authorisation
// approves and why it is declined, limits per transaction and calendar period (in the network's time
// zone, Europe/Moscow), product-scoped limits, holds against funds and limits, complete, reverse,
// expire, refund with bonus points, and top-up. Events are applied with evolveAccount exactly as the
// account actor does.

import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import type { AccountCommand, AccountDecision, AccountEvent, AccountState, CardContext, TerminalContext, TransactionRecord } from './account.js';
import { availableFunds, decideAccount, encodeAccountSnapshot, evolveAccount, initialAccountState, transactionRecordOf } from './account.js';
import { decodeHandle } from './handles.js';
import type { AccountConfig, LimitConfig, NetworkCatalog, NetworkCatalogDocument } from '../network/catalog.js';
import { accountKeyFor, compileCatalog } from '../network/catalog.js';
import { demoNetwork } from '../demo/demo-network.js';
import { amountForVolume, volumeForAmount } from '../money.js';
import type { Outcome } from '../protocol/replies.js';
import type { DeclineReason } from '../reasons.js';
import { reasonCodes } from '../reasons.js';

// ---- fixtures ----------------------------------------------------------------------------------

const minute = 60_000;
const hour = 60 * minute;
const day = 24 * hour;

/** An instant given as Moscow wall time (UTC+3, no DST since 2014). */
const msk = (year: number, month: number, dayOfMonth: number, hours = 0, minutes = 0, seconds = 0, ms = 0): number =>
  Date.UTC(year, month - 1, dayOfMonth, hours - 3, minutes, seconds, ms);

/** Wednesday 2026-03-11, 12:00 in Moscow. */
const noon = msk(2026, 3, 11, 12);

/** The demo network's catalog; without its discounts unless asked, so prices are the list prices. */
function catalogOf(changes: Partial<NetworkCatalogDocument> = {}, keepDiscounts = false): NetworkCatalog {
  const { cards: _cards, counterparties: _counterparties, clients: _clients, ...document } = demoNetwork();
  // The classic programme these tables assume: 1 % on fuel and cafe (the demo's own adds product rates and tiers).
  const bonus = { rate: 100, products: ['fuel', 'cafe'], redeem: true };
  return compileCatalog({ ...document, bonus, ...(keepDiscounts ? {} : { discounts: [] }), ...changes });
}

const plainCatalog = catalogOf();
// Demo list prices (minor units per litre / piece): AI95 5999 (5949 at TVR-01), DT 6899, AI98 7349
// (holds live 20 minutes), COFFEE 19900 per piece, WASHER 45000 per piece. Bonus: 100 bp on fuel and cafe.

function fleetAccount(overrides: Partial<AccountConfig> = {}): AccountConfig {
  return {
    networkId: 'sever',
    key: accountKeyFor('sever', 'counterparty', 'logistic-trade'),
    owner: 'counterparty',
    ownerId: 'logistic-trade',
    name: 'ООО «Логистик-Трейд»',
    segment: 'fleet-large',
    openingBalance: 1_000_000,
    creditLimit: 0,
    ...overrides,
  };
}

function loyaltyAccount(overrides: Partial<AccountConfig> = {}): AccountConfig {
  return {
    networkId: 'sever',
    key: accountKeyFor('sever', 'client', 'ivanova'),
    owner: 'client',
    ownerId: 'ivanova',
    name: 'Иванова Мария',
    member: true,
    openingBalance: 1_000_000,
    creditLimit: 0,
    ...overrides,
  };
}

const pump: TerminalContext = { terminalId: 'MSK-01-P1', siteId: 'MSK-01' };
const tverPump: TerminalContext = { terminalId: 'TVR-01-P1', siteId: 'TVR-01' };

function cardWith(limits: LimitConfig[] = [], hash = 'card-1'): CardContext {
  return { hash, masked: '700500******0017', status: 'active', limits };
}

interface AuthorizeInput {
  product?: string;
  amount?: number;
  volume?: number;
  card?: CardContext;
  limits?: LimitConfig[];
  terminal?: TerminalContext;
}

/** An account as its actor runs it: decide, then evolve with every event in order. */
class Account {
  state: AccountState;
  readonly events: AccountEvent[] = [];
  readonly transactions = new Map<number, TransactionRecord>();

  constructor(
    readonly config: AccountConfig = fleetAccount(),
    readonly catalog: NetworkCatalog = plainCatalog,
  ) {
    this.state = initialAccountState(config);
  }

  run(command: AccountCommand, now: number): AccountDecision {
    const decision = decideAccount(this.state, { key: this.config.key, config: this.config, catalog: this.catalog }, command, now);
    for (const event of decision.events) {
      this.state = evolveAccount(this.state, event);
      this.events.push(event);
      if (event.type === 'completed') this.transactions.set(event.txNumber, transactionRecordOf(event));
    }
    return decision;
  }

  authorize(input: AuthorizeInput, now = noon): AccountDecision {
    const command: AccountCommand = { type: 'authorize', card: input.card ?? cardWith(input.limits ?? []), terminal: input.terminal ?? pump, product: input.product ?? 'AI95' };
    if (input.amount !== undefined) command.amount = input.amount;
    if (input.volume !== undefined) command.volume = input.volume;
    return this.run(command, now);
  }

  /** Authorizes and returns the hold number (fails the test if declined). */
  hold(input: AuthorizeInput, now = noon): number {
    return holdNumberOf(this.authorize(input, now).outcome);
  }

  complete(holdNumber: number, dispensed: { amount?: number; volume?: number }, now = noon): AccountDecision {
    const command: AccountCommand = { type: 'complete', holdNumber, terminal: pump };
    if (dispensed.amount !== undefined) command.amount = dispensed.amount;
    if (dispensed.volume !== undefined) command.volume = dispensed.volume;
    return this.run(command, now);
  }

  reverse(holdNumber: number, now = noon): AccountDecision {
    return this.run({ type: 'reverse', holdNumber, terminal: pump }, now);
  }

  expire(holdNumber: number, now: number): AccountDecision {
    return this.run({ type: 'expire', holdNumber }, now);
  }

  refund(txNumber: number, amount?: number, now = noon): AccountDecision {
    const command: AccountCommand = { type: 'refund', txNumber, transaction: this.transactions.get(txNumber), terminal: { terminalId: 'MSK-01-POS1', siteId: 'MSK-01' } };
    if (amount !== undefined) command.amount = amount;
    return this.run(command, now);
  }

  /** Authorizes and completes in full; returns the transaction number. */
  buy(input: AuthorizeInput, now = noon): number {
    const hold = this.hold(input, now);
    const held = this.state.holds.get(hold);
    if (held === undefined) throw new Error('hold not open');
    return txNumberOf(this.complete(hold, { volume: held.volume }, now).outcome);
  }

  get funds(): number {
    return availableFunds(this.state, this.config);
  }

  snapshot(): string {
    return JSON.stringify(encodeAccountSnapshot(this.state));
  }

  eventsOf<T extends AccountEvent['type']>(type: T): Extract<AccountEvent, { type: T }>[] {
    return this.events.filter((event): event is Extract<AccountEvent, { type: T }> => event.type === type);
  }
}

function fieldsOf(outcome: Outcome): Record<string, unknown> {
  if (outcome.result !== 'approved') throw new Error(`expected an approval, got ${JSON.stringify(outcome)}`);
  return outcome.fields;
}

function holdNumberOf(outcome: Outcome): number {
  const handle = decodeHandle('hold', String(fieldsOf(outcome)['authId']));
  if (handle === undefined) throw new Error('authId is not a hold handle');
  return handle.number;
}

function txNumberOf(outcome: Outcome): number {
  const handle = decodeHandle('transaction', String(fieldsOf(outcome)['txId']));
  if (handle === undefined) throw new Error('txId is not a transaction handle');
  return handle.number;
}

function reasonOf(decision: AccountDecision): DeclineReason | 'OK' | 'UNAVAILABLE' {
  return decision.outcome.result === 'approved' ? 'OK' : decision.outcome.reason;
}

// ---- authorize ---------------------------------------------------------------------------------

describe('authorize: what is approved, what is declined', () => {
  type Row = {
    name: string;
    account?: Partial<AccountConfig>;
    request: AuthorizeInput;
    expect: { reason: DeclineReason } | { approvedAmount: number; approvedVolume?: number };
  };
  const table: Row[] = [
    // whole requests
    { name: 'a volume, in full', request: { volume: 40_000 }, expect: { approvedAmount: 239_960, approvedVolume: 40_000 } },
    { name: 'an amount, in full: the largest volume it pays for', request: { amount: 100_000 }, expect: { approvedAmount: 100_000, approvedVolume: 16_669 } },
    { name: 'amount and volume: the volume binds', request: { amount: 100_000, volume: 10_000 }, expect: { approvedAmount: 59_990, approvedVolume: 10_000 } },
    { name: 'amount and volume: the amount binds', request: { amount: 30_000, volume: 10_000 }, expect: { approvedAmount: 30_000, approvedVolume: 5_000 } },
    { name: 'exactly one unit by amount', request: { amount: 5_999 }, expect: { approvedAmount: 5_999, approvedVolume: 1_000 } },
    { name: 'exactly one unit by volume', request: { volume: 1_000 }, expect: { approvedAmount: 5_999, approvedVolume: 1_000 } },
    { name: 'the site price applies (TVR-01: 59.49 ₽/l)', request: { volume: 10_000, terminal: tverPump }, expect: { approvedAmount: 59_490, approvedVolume: 10_000 } },
    { name: 'pieces by amount: no approvedVolume in the reply', request: { product: 'COFFEE', amount: 39_800 }, expect: { approvedAmount: 39_800 } },
    { name: 'pieces by quantity', request: { product: 'COFFEE', volume: 2_000 }, expect: { approvedAmount: 39_800, approvedVolume: 2_000 } },
    // partial approvals
    { name: 'partial by funds', account: { openingBalance: 100_000 }, request: { volume: 40_000 }, expect: { approvedAmount: 100_000, approvedVolume: 16_669 } },
    { name: 'partial by funds: the credit limit counts', account: { openingBalance: 0, creditLimit: 60_000 }, request: { volume: 40_000 }, expect: { approvedAmount: 60_000, approvedVolume: 10_001 } },
    { name: 'partial by funds: a negative balance within credit', account: { openingBalance: -40_000, creditLimit: 100_000 }, request: { volume: 40_000 }, expect: { approvedAmount: 60_000, approvedVolume: 10_001 } },
    { name: 'partial by a money limit (day)', request: { volume: 40_000, limits: [{ period: 'day', amount: 120_000 }] }, expect: { approvedAmount: 120_000, approvedVolume: 20_003 } },
    { name: 'partial by a volume limit (week)', request: { amount: 500_000, limits: [{ period: 'week', volume: 15_500 }] }, expect: { approvedAmount: 92_985, approvedVolume: 15_500 } },
    { name: 'partial by a transaction limit', request: { volume: 40_000, limits: [{ period: 'transaction', volume: 30_000 }] }, expect: { approvedAmount: 179_970, approvedVolume: 30_000 } },
    { name: 'partial by a month limit with both amount and volume', request: { volume: 40_000, limits: [{ period: 'month', amount: 200_000, volume: 35_000 }] }, expect: { approvedAmount: 200_000, approvedVolume: 33_338 } },
    { name: 'the tightest of several limits binds', request: { volume: 40_000, limits: [{ period: 'day', volume: 50_000 }, { period: 'month', amount: 200_000 }, { period: 'transaction', volume: 35_000 }] }, expect: { approvedAmount: 200_000, approvedVolume: 33_338 } },
    { name: 'the request binds below limits and funds', request: { volume: 5_000, limits: [{ period: 'day', volume: 50_000 }] }, expect: { approvedAmount: 29_995, approvedVolume: 5_000 } },
    // product scopes
    { name: 'a limit on another product code does not apply', request: { volume: 40_000, limits: [{ period: 'day', volume: 1_000, products: ['DT'] }] }, expect: { approvedAmount: 239_960, approvedVolume: 40_000 } },
    { name: 'a limit on another group does not apply', request: { volume: 40_000, limits: [{ period: 'day', volume: 1_000, products: ['cafe'] }] }, expect: { approvedAmount: 239_960, approvedVolume: 40_000 } },
    { name: 'a limit on the product code applies', request: { volume: 40_000, limits: [{ period: 'day', volume: 5_000, products: ['AI95'] }] }, expect: { approvedAmount: 29_995, approvedVolume: 5_000 } },
    { name: 'a limit on the product group applies', request: { volume: 40_000, limits: [{ period: 'day', volume: 5_000, products: ['fuel'] }] }, expect: { approvedAmount: 29_995, approvedVolume: 5_000 } },
    // declines
    { name: 'less than one unit by volume', request: { volume: 999 }, expect: { reason: 'AMOUNT_TOO_SMALL' } },
    { name: 'less than one unit by amount', request: { amount: 5_998 }, expect: { reason: 'AMOUNT_TOO_SMALL' } },
    { name: 'less than one piece', request: { product: 'COFFEE', amount: 19_899 }, expect: { reason: 'AMOUNT_TOO_SMALL' } },
    { name: 'AMOUNT_TOO_SMALL before LIMIT_EXCEEDED and INSUFFICIENT_FUNDS', account: { openingBalance: 0 }, request: { volume: 999, limits: [{ period: 'day', amount: 0 }] }, expect: { reason: 'AMOUNT_TOO_SMALL' } },
    { name: 'a volume limit below one unit', request: { volume: 40_000, limits: [{ period: 'day', volume: 999 }] }, expect: { reason: 'LIMIT_EXCEEDED' } },
    { name: 'a money limit below one unit', request: { volume: 40_000, limits: [{ period: 'month', amount: 5_998 }] }, expect: { reason: 'LIMIT_EXCEEDED' } },
    { name: 'a zero transaction limit', request: { amount: 100_000, limits: [{ period: 'transaction', amount: 0 }] }, expect: { reason: 'LIMIT_EXCEEDED' } },
    { name: 'funds below one unit', account: { openingBalance: 5_998 }, request: { volume: 40_000 }, expect: { reason: 'INSUFFICIENT_FUNDS' } },
    { name: 'no funds', account: { openingBalance: 0 }, request: { amount: 10_000 }, expect: { reason: 'INSUFFICIENT_FUNDS' } },
    { name: 'a negative balance beyond the credit limit', account: { openingBalance: -10_000, creditLimit: 5_000 }, request: { volume: 40_000 }, expect: { reason: 'INSUFFICIENT_FUNDS' } },
    { name: 'LIMIT_EXCEEDED before INSUFFICIENT_FUNDS when both bind', account: { openingBalance: 0 }, request: { volume: 40_000, limits: [{ period: 'day', volume: 500 }] }, expect: { reason: 'LIMIT_EXCEEDED' } },
    { name: 'LIMIT_EXCEEDED before INSUFFICIENT_FUNDS (money limit, negative balance)', account: { openingBalance: -50_000 }, request: { amount: 50_000, limits: [{ period: 'week', amount: 10 }] }, expect: { reason: 'LIMIT_EXCEEDED' } },
    { name: 'an unknown product', request: { product: 'NO-SUCH', volume: 10_000 }, expect: { reason: 'PRODUCT_UNKNOWN' } },
  ];

  for (const row of table) {
    it(row.name, () => {
      const account = new Account(fleetAccount(row.account ?? {}));
      const fundsBefore = account.funds;
      const before = account.snapshot();
      const decision = account.authorize(row.request);
      if ('reason' in row.expect) {
        expect(decision.outcome).toMatchObject({ result: 'declined', reason: row.expect.reason });
        expect(decision.events).toEqual([]);
        expect(account.snapshot()).toBe(before);
        return;
      }
      const fields = fieldsOf(decision.outcome);
      expect(fields['approvedAmount']).toBe(row.expect.approvedAmount);
      if (row.expect.approvedVolume === undefined) expect(fields).not.toHaveProperty('approvedVolume');
      else expect(fields['approvedVolume']).toBe(row.expect.approvedVolume);
      expect(account.state.held).toBe(row.expect.approvedAmount);
      expect(account.funds).toBe(fundsBefore - row.expect.approvedAmount);
      expect(decision.events).toHaveLength(1);
      expect(decision.events[0]).toMatchObject({ type: 'authorized', amount: row.expect.approvedAmount });
    });
  }

  it('the approved volume is paid for by the approved amount and is maximal for it', () => {
    // 1000 ₽ buys 16.669 l at 59.99 ₽/l (99 997.33 kopecks → 99 997); 16.670 l would cost 100 003.
    expect(amountForVolume(16_669, 5_999)).toBe(99_997);
    expect(amountForVolume(16_670, 5_999)).toBe(100_003);
    expect(volumeForAmount(100_000, 5_999)).toBe(16_669);
  });

  it('reasons of the account come in the precedence order of engine/reasons.ts', () => {
    const order = ['PRODUCT_UNKNOWN', 'AMOUNT_TOO_SMALL', 'LIMIT_EXCEEDED', 'INSUFFICIENT_FUNDS'].map((code) => reasonCodes.indexOf(code as DeclineReason));
    expect(order.every((position) => position >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it('replies with price, discount and expiry; the hold lives 30 minutes, or the product’s holdMinutes', () => {
    const account = new Account();
    const decision = account.authorize({ volume: 10_000 });
    const fields = fieldsOf(decision.outcome);
    expect(fields).toEqual({ authId: expect.any(String) as string, approvedAmount: 59_990, approvedVolume: 10_000, price: 5_999, discount: 0, expiresAt: noon + 30 * minute });
    expect(decision.events[0]).toMatchObject({ type: 'authorized', network: 'sever', account: account.config.key, authId: fields['authId'], number: 1, product: 'AI95', site: 'MSK-01', terminal: 'MSK-01-P1', price: 5_999, listPrice: 5_999, amount: 59_990, volume: 10_000, expiresAt: noon + 30 * minute, at: noon });
    expect(fieldsOf(account.authorize({ product: 'AI98', volume: 10_000 }).outcome)['expiresAt']).toBe(noon + 20 * minute);
  });

  it('reports the discount of the winning rule (fleet-large −1.5 % on fuel)', () => {
    const account = new Account(fleetAccount(), catalogOf({}, true));
    const fields = fieldsOf(account.authorize({ volume: 10_000 }).outcome);
    // 59.99 − round(0.89985) = 59.09 ₽/l
    expect(fields).toMatchObject({ price: 5_909, approvedAmount: 59_090, approvedVolume: 10_000, discount: 900 });
    expect(account.events[0]).toMatchObject({ discountRule: 'fleet-large-fuel', listPrice: 5_999, price: 5_909 });
    // A unit's worth is judged at the discounted price.
    expect(reasonOf(new Account(fleetAccount(), catalogOf({}, true)).authorize({ amount: 5_909 }))).toBe('OK');
    expect(reasonOf(new Account(fleetAccount(), catalogOf({}, true)).authorize({ amount: 5_908 }))).toBe('AMOUNT_TOO_SMALL');
  });
});

describe('holds count against funds and limits', () => {
  it('open holds lower the available funds until they are closed', () => {
    const account = new Account(fleetAccount({ openingBalance: 300_000 }));
    const first = account.hold({ volume: 40_000 }); // 239 960
    expect(account.funds).toBe(60_040);
    expect(fieldsOf(account.authorize({ volume: 40_000 }).outcome)).toMatchObject({ approvedAmount: 60_040 });
    expect(account.funds).toBe(0);
    expect(reasonOf(account.authorize({ volume: 40_000 }))).toBe('INSUFFICIENT_FUNDS');
    expect(reasonOf(account.reverse(first))).toBe('OK');
    expect(account.funds).toBe(239_960);
    expect(fieldsOf(account.authorize({ volume: 40_000 }).outcome)).toMatchObject({ approvedAmount: 239_960 });
  });

  it('open holds use up a calendar limit; a reversal gives it back', () => {
    const account = new Account();
    const limits: LimitConfig[] = [{ period: 'day', volume: 50_000 }];
    const first = account.hold({ volume: 40_000, limits });
    expect(fieldsOf(account.authorize({ volume: 40_000, limits }).outcome)).toMatchObject({ approvedVolume: 10_000 });
    expect(reasonOf(account.authorize({ volume: 40_000, limits }))).toBe('LIMIT_EXCEEDED');
    account.reverse(first);
    expect(fieldsOf(account.authorize({ volume: 40_000, limits }).outcome)).toMatchObject({ approvedVolume: 40_000 });
  });

  it('a completion counts what was charged, not what was held', () => {
    const account = new Account();
    const limits: LimitConfig[] = [{ period: 'day', volume: 50_000, amount: 250_000 }];
    const hold = account.hold({ volume: 40_000, limits });
    account.complete(hold, { volume: 12_345 });
    // 50 − 12.345 = 37.655 l left, 250 000 − 74 058 = 175 942 of money: the money binds.
    expect(fieldsOf(account.authorize({ volume: 40_000, limits }).outcome)).toMatchObject({ approvedAmount: 175_942, approvedVolume: volumeForAmount(175_942, 5_999) });
  });

  it('limits are per card: another card of the same account has its own counters', () => {
    const account = new Account();
    const limits: LimitConfig[] = [{ period: 'day', volume: 10_000 }];
    account.hold({ volume: 10_000, card: cardWith(limits, 'card-a') });
    expect(reasonOf(account.authorize({ volume: 10_000, card: cardWith(limits, 'card-a') }))).toBe('LIMIT_EXCEEDED');
    expect(fieldsOf(account.authorize({ volume: 10_000, card: cardWith(limits, 'card-b') }).outcome)).toMatchObject({ approvedVolume: 10_000 });
  });
});

describe('transaction and calendar limits (periods in Moscow time)', () => {
  it('a transaction limit caps each authorisation and never accumulates', () => {
    const account = new Account(fleetAccount({ openingBalance: 10_000_000 }));
    const limits: LimitConfig[] = [{ period: 'transaction', volume: 30_000, amount: 170_000 }];
    for (let index = 0; index < 5; index++) {
      expect(fieldsOf(account.authorize({ volume: 40_000, limits }).outcome)).toMatchObject({ approvedAmount: 170_000, approvedVolume: volumeForAmount(170_000, 5_999) });
    }
  });

  type PeriodRow = [string, LimitConfig['period'], number, number, number];
  const periodTable: PeriodRow[] = [
    // name, period, used at, last instant still in the period, first instant of the next
    ['day: resets at Moscow midnight', 'day', msk(2026, 3, 11, 1, 0), msk(2026, 3, 11, 23, 59, 59, 999), msk(2026, 3, 12)],
    ['week: ISO week, resets Monday 00:00 Moscow', 'week', msk(2026, 3, 9, 0, 0), msk(2026, 3, 15, 23, 59, 59, 999), msk(2026, 3, 16)],
    ['month: resets on the 1st, 00:00 Moscow', 'month', msk(2026, 3, 1, 0, 0), msk(2026, 3, 31, 23, 59, 59, 999), msk(2026, 4, 1)],
    ['month: across the new year', 'month', msk(2026, 12, 31, 23, 0), msk(2026, 12, 31, 23, 59, 59, 999), msk(2027, 1, 1)],
    ['month: February of a leap year', 'month', msk(2028, 2, 10, 12), msk(2028, 2, 29, 23, 59, 59, 999), msk(2028, 3, 1)],
  ];
  for (const [name, period, usedAt, lastInstant, nextPeriod] of periodTable) {
    it(name, () => {
      const account = new Account(fleetAccount({ openingBalance: 10_000_000 }));
      const limits: LimitConfig[] = [{ period, volume: 50_000 }];
      const hold = account.hold({ volume: 50_000, limits }, usedAt);
      account.complete(hold, { volume: 50_000 }, usedAt + minute);
      expect(reasonOf(account.authorize({ volume: 1_000, limits }, usedAt + 2 * minute))).toBe('LIMIT_EXCEEDED');
      expect(reasonOf(account.authorize({ volume: 1_000, limits }, lastInstant))).toBe('LIMIT_EXCEEDED');
      expect(fieldsOf(account.authorize({ volume: 60_000, limits }, nextPeriod).outcome)).toMatchObject({ approvedVolume: 50_000 });
      expect(reasonOf(account.authorize({ volume: 1_000, limits }, nextPeriod + minute))).toBe('LIMIT_EXCEEDED');
    });
  }

  it('the day is the Moscow day, not the UTC day', () => {
    const account = new Account(fleetAccount({ openingBalance: 10_000_000 }));
    const limits: LimitConfig[] = [{ period: 'day', amount: 100_000 }];
    account.hold({ amount: 100_000, limits }, msk(2026, 3, 12, 1, 0)); // 22:00 UTC on the 11th
    // 00:00 UTC on the 12th is 03:00 in Moscow: a new UTC day, the same Moscow day.
    expect(reasonOf(account.authorize({ amount: 100_000, limits }, Date.UTC(2026, 2, 12, 0, 0)))).toBe('LIMIT_EXCEEDED');
    // 21:00 UTC on the 12th is midnight in Moscow.
    expect(reasonOf(account.authorize({ amount: 100_000, limits }, Date.UTC(2026, 2, 12, 20, 59)))).toBe('LIMIT_EXCEEDED');
    expect(reasonOf(account.authorize({ amount: 100_000, limits }, Date.UTC(2026, 2, 12, 21, 0)))).toBe('OK');
  });

  it('a hold of yesterday, completed today, does not count against today', () => {
    const account = new Account(fleetAccount({ openingBalance: 10_000_000 }));
    const limits: LimitConfig[] = [{ period: 'day', volume: 50_000 }];
    const lateHold = account.hold({ volume: 40_000, limits }, msk(2026, 3, 11, 23, 50));
    const today = msk(2026, 3, 12, 0, 10);
    expect(fieldsOf(account.authorize({ volume: 50_000, limits }, today).outcome)).toMatchObject({ approvedVolume: 50_000 });
    // Completing yesterday's hold for less releases 30 l of yesterday's counter, not of today's.
    expect(reasonOf(account.complete(lateHold, { volume: 10_000 }, today + minute))).toBe('OK');
    expect(reasonOf(account.authorize({ volume: 1_000, limits }, today + 2 * minute))).toBe('LIMIT_EXCEEDED');
  });

  it('a clock that steps back over midnight (a restart after an NTP correction) does not lift the day limit', () => {
    const account = new Account(fleetAccount({ openingBalance: 100_000_000 }));
    const limits: LimitConfig[] = [{ period: 'day', volume: 50_000 }];
    const midnight = msk(2026, 3, 12);
    expect(fieldsOf(account.authorize({ volume: 50_000, limits }, midnight + 5 * minute).outcome)).toMatchObject({ approvedVolume: 50_000 });
    // The clock is now 7 minutes earlier: the 11th again, whose day limit is still unused.
    expect(fieldsOf(account.authorize({ volume: 50_000, limits }, midnight - 2 * minute).outcome)).toMatchObject({ approvedVolume: 50_000 });
    // The 11th's 50 l are spent: nothing more may be approved for that day.
    const again = account.authorize({ volume: 50_000, limits }, midnight - minute);
    expect(again.outcome, 'a second 50 l on the 11th').toMatchObject({ result: 'declined', reason: 'LIMIT_EXCEEDED' });
  });

  it('day, week and month limits together: each keeps its own counter', () => {
    const account = new Account(fleetAccount({ openingBalance: 100_000_000 }));
    const limits: LimitConfig[] = [
      { period: 'day', volume: 100_000 },
      { period: 'week', volume: 250_000 },
      { period: 'month', volume: 400_000 },
    ];
    const take = (at: number): number => Number(fieldsOf(account.authorize({ volume: 1_000_000, limits }, at).outcome)['approvedVolume']);
    expect(take(msk(2026, 3, 2, 9))).toBe(100_000); // Monday: the day limit
    expect(take(msk(2026, 3, 3, 9))).toBe(100_000); // Tuesday: the day limit
    expect(take(msk(2026, 3, 4, 9))).toBe(50_000); // Wednesday: the week limit (250 − 200)
    expect(reasonOf(account.authorize({ volume: 1_000, limits }, msk(2026, 3, 5, 9)))).toBe('LIMIT_EXCEEDED');
    expect(take(msk(2026, 3, 9, 9))).toBe(100_000); // next Monday
    expect(take(msk(2026, 3, 10, 9))).toBe(50_000); // the month limit (400 − 350)
    expect(reasonOf(account.authorize({ volume: 1_000, limits }, msk(2026, 3, 31, 23, 59)))).toBe('LIMIT_EXCEEDED');
    expect(take(msk(2026, 4, 1, 0))).toBe(100_000);
  });
});

describe('product-scoped limits', () => {
  it('by product code: only that product is counted and capped', () => {
    const account = new Account();
    const limits: LimitConfig[] = [{ period: 'day', volume: 10_000, products: ['DT'] }];
    expect(fieldsOf(account.authorize({ product: 'DT', volume: 40_000, limits }).outcome)).toMatchObject({ approvedVolume: 10_000 });
    expect(reasonOf(account.authorize({ product: 'DT', volume: 1_000, limits }))).toBe('LIMIT_EXCEEDED');
    expect(fieldsOf(account.authorize({ product: 'AI95', volume: 40_000, limits }).outcome)).toMatchObject({ approvedVolume: 40_000 });
  });

  it('by group: every product of the group shares one counter; other groups are free', () => {
    const account = new Account(fleetAccount({ openingBalance: 10_000_000 }));
    const limits: LimitConfig[] = [{ period: 'day', volume: 50_000, products: ['fuel'] }];
    expect(fieldsOf(account.authorize({ product: 'AI95', volume: 30_000, limits }).outcome)).toMatchObject({ approvedVolume: 30_000 });
    expect(fieldsOf(account.authorize({ product: 'DT', volume: 30_000, limits }).outcome)).toMatchObject({ approvedVolume: 20_000 });
    expect(reasonOf(account.authorize({ product: 'AI98', volume: 1_000, limits }))).toBe('LIMIT_EXCEEDED');
    expect(fieldsOf(account.authorize({ product: 'LPG', volume: 30_000, limits }).outcome)).toMatchObject({ approvedVolume: 30_000 }); // group "gas"
    expect(fieldsOf(account.authorize({ product: 'COFFEE', volume: 3_000, limits }).outcome)).toMatchObject({ approvedVolume: 3_000 });
  });

  it('a list of codes and groups shares one money counter', () => {
    const account = new Account();
    const limits: LimitConfig[] = [{ period: 'day', amount: 100_000, products: ['DT', 'cafe'] }];
    expect(fieldsOf(account.authorize({ product: 'DT', volume: 10_000, limits }).outcome)).toMatchObject({ approvedAmount: 68_990 });
    expect(fieldsOf(account.authorize({ product: 'COFFEE', volume: 1_000, limits }).outcome)).toMatchObject({ approvedAmount: 19_900 });
    // 100 000 − 68 990 − 19 900 = 11 110 < one coffee
    expect(reasonOf(account.authorize({ product: 'COFFEE', volume: 1_000, limits }))).toBe('LIMIT_EXCEEDED');
    expect(reasonOf(account.authorize({ product: 'AI95', volume: 1_000, limits }))).toBe('OK');
  });

  it('a product limit and a card-wide limit both apply', () => {
    const account = new Account();
    const limits: LimitConfig[] = [
      { period: 'day', volume: 10_000, products: ['DT'] },
      { period: 'day', volume: 15_000 },
    ];
    expect(fieldsOf(account.authorize({ product: 'DT', volume: 40_000, limits }).outcome)).toMatchObject({ approvedVolume: 10_000 });
    expect(fieldsOf(account.authorize({ product: 'AI95', volume: 40_000, limits }).outcome)).toMatchObject({ approvedVolume: 5_000 });
  });
});

// ---- complete, reverse, expire -----------------------------------------------------------------

describe('complete', () => {
  it('a partial completion charges what was dispensed and releases the rest of the hold', () => {
    const account = new Account();
    const hold = account.hold({ volume: 40_000 });
    const decision = account.complete(hold, { volume: 12_345 });
    // 12.345 l × 59.99 = 740.57655 ₽ → 74 058 kopecks
    expect(fieldsOf(decision.outcome)).toEqual({ txId: expect.any(String) as string, amount: 74_058, volume: 12_345, discount: 0, bonus: 0, balance: 1_000_000 - 74_058 });
    expect(decision.events).toEqual([expect.objectContaining({ type: 'completed', holdNumber: hold, amount: 74_058, volume: 12_345, released: 239_960 - 74_058 })]);
    expect(account.state.held).toBe(0);
    expect(account.state.holds.size).toBe(0);
    expect(account.state.balance).toBe(1_000_000 - 74_058);
    expect(account.funds).toBe(1_000_000 - 74_058);
  });

  it('a completion by amount charges that amount for the volume it pays for', () => {
    const account = new Account();
    const hold = account.hold({ amount: 100_000 });
    expect(fieldsOf(account.complete(hold, { amount: 50_000 }).outcome)).toMatchObject({ amount: 50_000, volume: 8_334 });
  });

  it('a completion of exactly the hold releases nothing', () => {
    const account = new Account();
    const hold = account.hold({ volume: 40_000 });
    const decision = account.complete(hold, { volume: 40_000 });
    expect(decision.events[0]).toMatchObject({ amount: 239_960, released: 0 });
  });

  it('above the hold is AMOUNT_EXCEEDS_AUTH and changes nothing', () => {
    const account = new Account();
    const hold = account.hold({ volume: 40_000 });
    const before = account.snapshot();
    for (const dispensed of [{ volume: 40_001 }, { amount: 239_961 }, { amount: 1_000, volume: 40_001 }, { amount: 239_961, volume: 1_000 }]) {
      const decision = account.complete(hold, dispensed);
      expect(decision.outcome, JSON.stringify(dispensed)).toMatchObject({ result: 'declined', reason: 'AMOUNT_EXCEEDS_AUTH' });
      expect(decision.events).toEqual([]);
    }
    expect(account.snapshot()).toBe(before);
    expect(reasonOf(account.complete(hold, { volume: 40_000 }))).toBe('OK');
  });

  it('twice is AUTH_ALREADY_CLOSED; so is a reversal after it; an unknown hold is AUTH_NOT_FOUND', () => {
    const account = new Account();
    const hold = account.hold({ volume: 10_000 });
    expect(reasonOf(account.complete(hold, { volume: 5_000 }))).toBe('OK');
    const after = account.snapshot();
    for (const decision of [account.complete(hold, { volume: 5_000 }), account.complete(hold, { volume: 1_000 }, noon + hour), account.reverse(hold)]) {
      expect(decision).toEqual({ events: [], outcome: expect.objectContaining({ result: 'declined', reason: 'AUTH_ALREADY_CLOSED' }) as unknown });
    }
    expect(account.snapshot()).toBe(after);
    expect(reasonOf(account.complete(hold + 1, { volume: 1_000 }))).toBe('AUTH_NOT_FOUND');
    expect(reasonOf(account.reverse(hold + 1))).toBe('AUTH_NOT_FOUND');
  });

  it('after expiry: AUTH_EXPIRED with an expired event releasing the hold (once)', () => {
    const account = new Account();
    const limits: LimitConfig[] = [{ period: 'day', volume: 10_000 }];
    const hold = account.hold({ volume: 10_000, limits }); // expires at noon + 30 min
    const expiresAt = noon + 30 * minute;
    const late = account.complete(hold, { volume: 10_000 }, expiresAt);
    expect(late.outcome).toMatchObject({ result: 'declined', reason: 'AUTH_EXPIRED' });
    expect(late.events).toEqual([expect.objectContaining({ type: 'expired', holdNumber: hold, released: 59_990, at: expiresAt })]);
    expect(account.funds).toBe(1_000_000);
    expect(account.state.balance).toBe(1_000_000);
    expect(fieldsOf(account.authorize({ volume: 10_000, limits }, expiresAt + minute).outcome)).toMatchObject({ approvedVolume: 10_000 }); // the limit is back
    // Later attempts are still AUTH_EXPIRED, and no second expired event is emitted.
    expect(account.complete(hold, { volume: 10_000 }, expiresAt + 2 * minute)).toEqual({ events: [], outcome: expect.objectContaining({ reason: 'AUTH_EXPIRED' }) as unknown });
    expect(account.reverse(hold, expiresAt + 2 * minute)).toEqual({ events: [], outcome: expect.objectContaining({ reason: 'AUTH_EXPIRED' }) as unknown });
    expect(account.expire(hold, expiresAt + day).events).toEqual([]);
    expect(account.eventsOf('expired')).toHaveLength(1);
  });

  it('one millisecond before expiry the completion goes through', () => {
    const account = new Account();
    const hold = account.hold({ volume: 10_000 });
    expect(reasonOf(account.complete(hold, { volume: 10_000 }, noon + 30 * minute - 1))).toBe('OK');
  });
});

describe('reverse', () => {
  it('releases the hold and its limit usage; twice is AUTH_ALREADY_CLOSED; completing after it too', () => {
    const account = new Account();
    const limits: LimitConfig[] = [{ period: 'day', volume: 10_000 }];
    const hold = account.hold({ volume: 10_000, limits });
    const decision = account.reverse(hold);
    expect(fieldsOf(decision.outcome)).toMatchObject({ released: 59_990, balance: 1_000_000 });
    expect(decision.events).toEqual([expect.objectContaining({ type: 'reversed', holdNumber: hold, released: 59_990 })]);
    expect(account.state.held).toBe(0);
    expect(account.state.balance).toBe(1_000_000);
    expect(reasonOf(account.reverse(hold))).toBe('AUTH_ALREADY_CLOSED');
    expect(reasonOf(account.complete(hold, { volume: 1_000 }))).toBe('AUTH_ALREADY_CLOSED');
    expect(account.eventsOf('reversed')).toHaveLength(1);
    expect(fieldsOf(account.authorize({ volume: 10_000, limits }).outcome)).toMatchObject({ approvedVolume: 10_000 });
  });

  it('after expiry is AUTH_EXPIRED with an expired event', () => {
    const account = new Account();
    const hold = account.hold({ product: 'AI98', volume: 10_000 }); // 20 minutes
    const decision = account.reverse(hold, noon + 20 * minute);
    expect(decision.outcome).toMatchObject({ reason: 'AUTH_EXPIRED' });
    expect(decision.events).toEqual([expect.objectContaining({ type: 'expired', holdNumber: hold })]);
    expect(account.funds).toBe(1_000_000);
  });
});

describe('expire', () => {
  it('does nothing before the hold’s expiry, releases it at expiry, and exactly once', () => {
    const account = new Account();
    const hold = account.hold({ product: 'AI98', volume: 10_000 }); // 73 490, expires at noon + 20 min
    const early = account.expire(hold, noon + 20 * minute - 1);
    expect(early.outcome.result).not.toBe('approved');
    expect(early.events).toEqual([]);
    expect(account.state.holds.has(hold)).toBe(true);

    const due = account.expire(hold, noon + 20 * minute);
    expect(due.outcome).toMatchObject({ result: 'approved' });
    expect(due.events).toEqual([expect.objectContaining({ type: 'expired', holdNumber: hold, released: 73_490 })]);
    expect(account.state.held).toBe(0);

    for (const at of [noon + 20 * minute, noon + 21 * minute, noon + 30 * day]) {
      const again = account.expire(hold, at);
      expect(again.outcome.result).not.toBe('approved');
      expect(again.events).toEqual([]);
    }
    expect(reasonOf(account.complete(hold, { volume: 1_000 }, noon + 21 * minute))).toBe('AUTH_EXPIRED');
    expect(account.eventsOf('expired')).toHaveLength(1);
    expect(account.state.balance).toBe(1_000_000);
  });

  it('does nothing to a completed or reversed hold, nor to an unknown one', () => {
    const account = new Account();
    const completed = account.hold({ volume: 10_000 });
    const reversed = account.hold({ volume: 10_000 });
    account.complete(completed, { volume: 10_000 });
    account.reverse(reversed);
    const before = account.snapshot();
    for (const holdNumber of [completed, reversed, 99]) {
      const decision = account.expire(holdNumber, noon + day);
      expect(decision.outcome.result).not.toBe('approved');
      expect(decision.events).toEqual([]);
    }
    expect(account.snapshot()).toBe(before);
  });
});

// ---- refund ------------------------------------------------------------------------------------

describe('refund', () => {
  it('partial refunds add up to at most the charge: REFUND_EXCEEDS_SALE beyond it', () => {
    const account = new Account(loyaltyAccount());
    const tx = account.buy({ volume: 10_000 }); // 59 990
    expect(account.state.balance).toBe(1_000_000 - 59_990);

    const first = account.refund(tx, 20_000);
    expect(fieldsOf(first.outcome)).toEqual({ refundId: expect.any(String) as string, amount: 20_000, balance: 1_000_000 - 59_990 + 20_000 });
    expect(reasonOf(account.refund(tx, 39_991))).toBe('REFUND_EXCEEDS_SALE');
    expect(fieldsOf(account.refund(tx, 30_000).outcome)).toMatchObject({ amount: 30_000 });
    // Without an amount: the rest.
    expect(fieldsOf(account.refund(tx).outcome)).toMatchObject({ amount: 9_990 });
    expect(account.state.balance).toBe(1_000_000);
    const before = account.snapshot();
    for (const amount of [1, undefined, 59_990]) {
      const decision = account.refund(tx, amount);
      expect(decision.outcome, String(amount)).toMatchObject({ result: 'declined', reason: 'REFUND_EXCEEDS_SALE' });
      expect(decision.events).toEqual([]);
    }
    expect(account.snapshot()).toBe(before);
    expect(account.eventsOf('refunded').reduce((sum, event) => sum + event.amount, 0)).toBe(59_990);
  });

  it('a refund above the whole charge at once is declined', () => {
    const account = new Account();
    const tx = account.buy({ volume: 10_000 });
    expect(reasonOf(account.refund(tx, 59_991))).toBe('REFUND_EXCEEDS_SALE');
    expect(reasonOf(account.refund(tx, 59_990))).toBe('OK');
  });

  it('an unknown transaction is TX_NOT_FOUND', () => {
    const account = new Account();
    expect(reasonOf(account.refund(42, 100))).toBe('TX_NOT_FOUND');
  });

  it('bonus points are reversed in proportion, and in full when the whole charge is refunded', () => {
    const account = new Account(loyaltyAccount());
    const tx = account.buy({ volume: 10_000 }); // 59 990 → 1 % = 599 points
    expect(account.eventsOf('completed')[0]).toMatchObject({ amount: 59_990, bonus: 599 });
    expect(account.state.bonus).toBe(599);
    account.refund(tx, 20_000); // floor(599 × 20 000 / 59 990) = 199
    expect(account.eventsOf('refunded')[0]).toMatchObject({ amount: 20_000, bonus: 199 });
    expect(account.state.bonus).toBe(400);
    account.refund(tx, 20_000); // floor(599 × 40 000 / 59 990) = 399 → 200 more
    expect(account.eventsOf('refunded')[1]).toMatchObject({ bonus: 200 });
    expect(account.state.bonus).toBe(200);
    account.refund(tx); // the rest: every remaining point
    expect(account.eventsOf('refunded')[2]).toMatchObject({ amount: 19_990, bonus: 200 });
    expect(account.state.bonus).toBe(0);
  });

  it('a full refund at once reverses every point', () => {
    const account = new Account(loyaltyAccount());
    const tx = account.buy({ product: 'COFFEE', volume: 3_000 }); // 59 700 → 597 points (cafe earns)
    expect(account.state.bonus).toBe(597);
    account.refund(tx);
    expect(account.state.bonus).toBe(0);
  });

  it('random partial refunds: points reversed never exceed those accrued, and all are reversed at the end', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1_000, max: 60_000 }), fc.array(fc.integer({ min: 1, max: 100_000 }), { maxLength: 8 }), (volume, parts) => {
        const account = new Account(loyaltyAccount());
        const tx = account.buy({ volume });
        const charged = account.eventsOf('completed')[0];
        if (charged === undefined) throw new Error('no completion');
        for (const part of parts) {
          account.refund(tx, part);
          const refunded = account.eventsOf('refunded');
          const amount = refunded.reduce((sum, event) => sum + event.amount, 0);
          const points = refunded.reduce((sum, event) => sum + event.bonus, 0);
          expect(amount).toBeLessThanOrEqual(charged.amount);
          expect(points).toBeLessThanOrEqual(charged.bonus);
          expect(points).toBe(amount === charged.amount ? charged.bonus : Math.floor((charged.bonus * amount) / charged.amount));
          expect(account.state.bonus).toBe(charged.bonus - points);
        }
        account.refund(tx);
        expect(account.state.bonus).toBe(0);
        expect(account.state.balance).toBe(1_000_000);
      }),
    );
  });

  it('points: client accounts earn on programme products only; fleet accounts never', () => {
    const client = new Account(loyaltyAccount());
    client.buy({ product: 'WASHER', volume: 1_000 }); // group "goods": not in the programme
    expect(client.state.bonus).toBe(0);
    client.buy({ product: 'DT', volume: 10_000 }); // 68 990 → 689
    expect(client.state.bonus).toBe(689);
    const fleet = new Account(fleetAccount());
    fleet.buy({ volume: 10_000 });
    expect(fleet.eventsOf('completed')[0]).toMatchObject({ bonus: 0 });
    expect(fleet.state.bonus).toBe(0);
  });

  it('a refund in the same period gives the limit back', () => {
    const account = new Account();
    const limits: LimitConfig[] = [{ period: 'day', amount: 100_000 }];
    const tx = account.buy({ volume: 10_000, limits }); // 59 990
    expect(fieldsOf(account.authorize({ amount: 100_000, limits }).outcome)).toMatchObject({ approvedAmount: 40_010 });
    account.reverse(2);
    account.refund(tx);
    expect(fieldsOf(account.authorize({ amount: 100_000, limits }).outcome)).toMatchObject({ approvedAmount: 100_000 });
  });
});

// ---- topup, inquire ----------------------------------------------------------------------------

describe('topup', () => {
  it('adds to the balance and replies with the available funds after', () => {
    const account = new Account(fleetAccount({ openingBalance: -20_000, creditLimit: 50_000 }));
    account.hold({ amount: 12_000 });
    const decision = account.run({ type: 'topup', amount: 100_000, method: 'cash', terminal: { terminalId: 'MSK-01-POS1', siteId: 'MSK-01' } }, noon);
    expect(fieldsOf(decision.outcome)).toEqual({ balance: -20_000 + 100_000 + 50_000 - 12_000 });
    expect(decision.events).toEqual([{ type: 'topup', network: 'sever', account: account.config.key, amount: 100_000, method: 'cash', terminal: 'MSK-01-POS1', site: 'MSK-01', at: noon }]);
    expect(account.state.balance).toBe(80_000);
  });

  it('refuses a top-up that would take the balance beyond the largest safe amount', () => {
    const account = new Account(fleetAccount({ openingBalance: Number.MAX_SAFE_INTEGER - 10 }));
    const terminal = { terminalId: 'MSK-01-POS1', siteId: 'MSK-01' };
    expect(account.run({ type: 'topup', amount: 11, method: 'bank_card', terminal }, noon)).toMatchObject({ events: [], outcome: { result: 'declined', reason: 'LIMIT_EXCEEDED' } });
    expect(reasonOf(account.run({ type: 'topup', amount: 10, method: 'bank_card', terminal }, noon))).toBe('OK');
    expect(account.state.balance).toBe(Number.MAX_SAFE_INTEGER);
  });
});

describe('inquire', () => {
  it('reports funds, points and each limit with what is used and what remains in the current period', () => {
    const account = new Account(loyaltyAccount());
    const limits: LimitConfig[] = [
      { period: 'day', volume: 50_000, products: ['fuel'] },
      { period: 'month', amount: 300_000 },
    ];
    const card = cardWith(limits);
    account.buy({ volume: 10_000, card });
    account.hold({ volume: 5_000, card });
    const decision = account.run({ type: 'inquire', card }, noon);
    expect(decision.events).toEqual([]);
    expect(fieldsOf(decision.outcome)).toEqual({
      status: 'active',
      balance: 1_000_000 - 59_990 - 29_995,
      bonus: 599,
      limits: [
        { period: 'day', kind: 'volume', products: ['fuel'], limit: 50_000, used: 15_000, remaining: 35_000 },
        { period: 'month', kind: 'amount', limit: 300_000, used: 89_985, remaining: 210_015 },
      ],
    });
    const tomorrow = fieldsOf(account.run({ type: 'inquire', card }, msk(2026, 3, 12)).outcome);
    expect(tomorrow['limits']).toEqual([
      { period: 'day', kind: 'volume', products: ['fuel'], limit: 50_000, used: 0, remaining: 50_000 },
      { period: 'month', kind: 'amount', limit: 300_000, used: 89_985, remaining: 210_015 },
    ]);
  });
});
