// Property tests of the account: random sequences of authorize / complete / reverse / expire /
// refund / topup with random amounts, volumes and clock advances (across day, week and month
// boundaries in Moscow time, and small steps back as after a restart behind a clock correction), over one account with a few cards under random limits. Decisions are
// applied exactly as the account actor applies them (events → evolveAccount, in order), and an
// independent model audits every event and reply and, after every step, the invariants:
//   I1  available funds never drop below zero unless they started below; after an approval
//       balance + credit − held ≥ 0; nothing but an authorisation lowers them.
//   I2  money is conserved: opening + top-ups + refunds − charges = balance; held = Σ open holds.
//   L   per card, limit and calendar period, completed charges (less refunds) + open holds never
//       exceed the limit, and the engine's counters agree with the model.
//   H   each hold closes at most once; R  refunds per transaction ≤ what was charged;
//   B   bonus points are conserved: accrued − reversed = bonus.
// A second property checks that a snapshot round trip (encodeAccountSnapshot → bytes →
// decodeAccountSnapshot) leads to the same decisions afterwards.
//
// Failures print fast-check's seed and path. Replay with FC_SEED=<seed> (and FC_PATH=<path> to jump
// straight to the shrunk case); FC_NUM_RUNS=<n> runs more cases.

import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import type { AccountCommand, AccountDecision, AccountEvent, AccountState, CardContext, TerminalContext, TransactionRecord } from './account.js';
import { availableFunds, decideAccount, decodeAccountSnapshot, encodeAccountSnapshot, evolveAccount, initialAccountState, oneUnit, transactionRecordOf, usageIn, usageKey } from './account.js';
import type { AccountSnapshot } from './account.js';
import type { AccountConfig, LimitConfig, NetworkCatalog } from '../network/catalog.js';
import { accountKeyFor, compileCatalog } from '../network/catalog.js';
import { demoNetwork } from '../demo/demo-network.js';
import { amountForVolume } from '../money.js';
import { quotePrice } from './pricing.js';
import type { CalendarPeriod } from '../time/calendar.js';

// ---- fast-check parameters -----------------------------------------------------------------------

const env = process.env;
const fcParameters = {
  numRuns: env['FC_NUM_RUNS'] !== undefined ? Number(env['FC_NUM_RUNS']) : 200,
  ...(env['FC_SEED'] !== undefined ? { seed: Number(env['FC_SEED']) } : {}),
  ...(env['FC_PATH'] !== undefined ? { path: env['FC_PATH'] } : {}),
};
/** More runs need more than vitest's default time; the default number of runs fits in it. */
const testOptions = { timeout: Math.max(60_000, fcParameters.numRuns * 100) };

// ---- the network ---------------------------------------------------------------------------------

const catalog: NetworkCatalog = (() => {
  const { cards: _cards, counterparties: _counterparties, clients: _clients, ...document } = demoNetwork();
  // Demo prices, with the discounts and bonus this model knows: fleet −1.5 % on fuel, night diesel, 1 % bonus.
  return compileCatalog({
    ...document,
    discounts: [
      { id: 'fleet-large-fuel', name: 'Крупный автопарк: −1,5 % на топливо', percent: 150, products: ['fuel'], segments: ['fleet-large'] },
      { id: 'night-dt', name: 'Ночной дизель: −1 ₽/л', perUnit: 100, products: ['DT'], hours: '23:00-06:00' },
    ],
    bonus: { rate: 100, products: ['fuel', 'cafe'], redeem: true },
  });
})();

const second = 1_000;
const minute = 60 * second;
const hour = 60 * minute;
const day = 24 * hour;

const products = ['AI95', 'AI98', 'DT', 'COFFEE', 'WASHER'] as const;
const terminals: readonly TerminalContext[] = [
  { terminalId: 'MSK-01-P1', siteId: 'MSK-01' },
  { terminalId: 'TVR-01-P2', siteId: 'TVR-01' },
];
const productRefs: readonly (string[] | undefined)[] = [undefined, ['fuel'], ['DT'], ['AI95', 'COFFEE'], ['cafe'], ['goods', 'DT']];

// ---- arbitraries ---------------------------------------------------------------------------------

interface Setup {
  owner: 'client' | 'counterparty';
  segment: boolean;
  opening: number;
  credit: number;
  cards: LimitConfig[][];
  start: number;
}

const limitArbitrary: fc.Arbitrary<LimitConfig> = fc
  .record({
    period: fc.constantFrom<LimitConfig['period']>('transaction', 'day', 'week', 'month'),
    amount: fc.option(fc.oneof(fc.integer({ min: 0, max: 800_000 }), fc.constantFrom(0, 5_999, 6_000, 100_000)), { nil: undefined }),
    volume: fc.option(fc.oneof(fc.integer({ min: 0, max: 120_000 }), fc.constantFrom(0, 999, 1_000, 50_000)), { nil: undefined }),
    products: fc.constantFrom(...productRefs),
  })
  .filter((limit) => limit.amount !== undefined || limit.volume !== undefined)
  .map((limit) => {
    const compact: LimitConfig = { period: limit.period };
    if (limit.amount !== undefined) compact.amount = limit.amount;
    if (limit.volume !== undefined) compact.volume = limit.volume;
    if (limit.products !== undefined) compact.products = limit.products;
    return compact;
  });

const setupArbitrary: fc.Arbitrary<Setup> = fc.record({
  owner: fc.constantFrom<'client' | 'counterparty'>('client', 'counterparty'),
  segment: fc.boolean(),
  opening: fc.oneof(fc.integer({ min: -200_000, max: 3_000_000 }), fc.constantFrom(0, 5_998, 100_000)),
  credit: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 500_000 })),
  cards: fc.array(fc.array(limitArbitrary, { maxLength: 3 }), { minLength: 1, maxLength: 3 }),
  start: fc.integer({ min: Date.UTC(2025, 0, 1), max: Date.UTC(2027, 11, 31) }),
});

type Step =
  | { kind: 'authorize'; card: number; product: (typeof products)[number]; terminal: number; amount: number | undefined; volume: number | undefined }
  | { kind: 'complete'; pick: Pick; mode: 'volume' | 'amount' | 'both'; share: number }
  | { kind: 'reverse'; pick: Pick }
  | { kind: 'expire'; pick: Pick }
  | { kind: 'sweep' }
  | { kind: 'refund'; pick: Pick; share: number | undefined }
  | { kind: 'topup'; amount: number }
  | { kind: 'advance'; milliseconds: number }
  | { kind: 'rewind'; milliseconds: number }
  | { kind: 'boundary'; period: CalendarPeriod; offset: -1 | 0 | 1 };

/** Which hold or transaction a step names: mostly an open one, sometimes any, rarely one that never existed. */
interface Pick {
  index: number;
  from: 'open' | 'any' | 'missing';
}
const pick: fc.Arbitrary<Pick> = fc.record({ index: fc.noBias(fc.nat(1_000)), from: fc.constantFrom<Pick['from']>('open', 'open', 'open', 'any', 'any', 'missing') });
const amount = (max: number, ...special: number[]): fc.Arbitrary<number> => fc.oneof({ weight: 4, arbitrary: fc.noBias(fc.integer({ min: 1, max })) }, { weight: 1, arbitrary: fc.constantFrom(...special) });

/** A share of a hold or charge, 0 … 1.15 (above 1 asks for too much). */
const share = fc.oneof({ weight: 4, arbitrary: fc.noBias(fc.integer({ min: 0, max: 1_150 })).map((permille) => permille / 1_000) }, { weight: 1, arbitrary: fc.constantFrom(0, 0.5, 1, 1.01) });

const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .record({
        kind: fc.constant('authorize' as const),
        card: fc.nat(2),
        product: fc.constantFrom(...products),
        terminal: fc.nat(1),
        amount: fc.option(amount(500_000, 1, 5_998, 5_999, 19_900, 45_000), { nil: undefined }),
        volume: fc.option(amount(80_000, 1, 999, 1_000, 1_001), { nil: undefined }),
      })
      .filter((step) => step.amount !== undefined || step.volume !== undefined),
  },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('complete' as const), pick, mode: fc.constantFrom<'volume' | 'amount' | 'both'>('volume', 'amount', 'both'), share }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reverse' as const), pick }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('expire' as const), pick }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'sweep' as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('refund' as const), pick, share: fc.option(share, { nil: undefined }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('topup' as const), amount: amount(500_000, 1, 1_000_000) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('advance' as const),
      milliseconds: fc.oneof(
        { weight: 6, arbitrary: fc.constantFrom(0, second, minute, 2 * minute, 5 * minute) },
        { weight: 2, arbitrary: fc.constantFrom(10 * minute, 19 * minute, 20 * minute, 29 * minute, 30 * minute, 3 * hour) },
        { weight: 1, arbitrary: fc.constantFrom(25 * hour, 8 * day, 32 * day) },
        { weight: 1, arbitrary: fc.noBias(fc.integer({ min: 0, max: 2 * day })) },
      ),
    }),
  },
  // A restart after the host clock was corrected backwards: time steps back, maybe over a boundary.
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('rewind' as const), milliseconds: fc.constantFrom(second, 10 * minute, hour, 2 * hour) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('boundary' as const), period: fc.constantFrom<CalendarPeriod>('day', 'week', 'month'), offset: fc.constantFrom<-1 | 0 | 1>(-1, 0, 1) }) },
);

// ---- the model -----------------------------------------------------------------------------------

interface ModelHold {
  number: number;
  card: string;
  product: string;
  amount: number;
  volume: number;
  price: number;
  at: number;
  expiresAt: number;
  status: 'open' | 'completed' | 'reversed' | 'expired';
  tx?: number;
}

interface ModelTx {
  number: number;
  hold: number;
  amount: number;
  volume: number;
  bonus: number;
  refunded: number;
  bonusReversed: number;
  record: TransactionRecord;
}

interface Expectation {
  reason: string;
  events: AccountEvent['type'][];
  amount?: number;
  /** For an authorisation: the price and what the model says may be granted, before the decision. */
  authorize?: { price: number; listPrice: number; unit: number; amountRoom: number; volumeRoom: number };
}

function accountConfigOf(setup: Setup): AccountConfig {
  const config: AccountConfig =
    setup.owner === 'client'
      ? { networkId: 'sever', key: accountKeyFor('sever', 'client', 'ivanova'), owner: 'client', ownerId: 'ivanova', name: 'Иванова', member: true, openingBalance: setup.opening, creditLimit: setup.credit }
      : { networkId: 'sever', key: accountKeyFor('sever', 'counterparty', 'logistic-trade'), owner: 'counterparty', ownerId: 'logistic-trade', name: 'Логистик-Трейд', openingBalance: setup.opening, creditLimit: setup.credit };
  if (setup.owner === 'counterparty' && setup.segment) config.segment = 'fleet-large';
  return config;
}

/** Whether a limit or programme names the product or its group (written here, not taken from the catalog module). */
function names(refs: readonly string[] | ReadonlySet<string> | undefined, product: string): boolean {
  if (refs === undefined) return true;
  const group = catalog.products.get(product)?.group;
  const list = [...refs];
  return list.includes(product) || (group !== undefined && list.includes(group));
}

/** The volume a transaction still counts after refunds: the refunded share of it is rounded down. */
function remainingVolume(tx: ModelTx): number {
  if (tx.refunded === 0) return tx.volume;
  return Number((BigInt(tx.volume) * BigInt(tx.amount - tx.refunded) + BigInt(tx.amount) - 1n) / BigInt(tx.amount));
}

/**
 * Runs an account as its actor does, and audits it against an independent model.
 * `audit: false` only drives (used for the second copy in the snapshot property).
 */
class Driver {
  state: AccountState;
  now: number;
  readonly config: AccountConfig;
  readonly cards: CardContext[];
  readonly holds = new Map<number, ModelHold>();
  readonly txs = new Map<number, ModelTx>();
  readonly journal: AccountEvent[] = [];
  readonly totals = { topups: 0, refunds: 0, charges: 0, bonusAccrued: 0, bonusReversed: 0 };

  constructor(
    readonly setup: Setup,
    state?: AccountState,
  ) {
    this.config = accountConfigOf(setup);
    this.cards = setup.cards.map((limits, index) => ({ hash: `card-${index}`, masked: `700500******00${10 + index}`, status: 'active' as const, limits }));
    this.state = state ?? initialAccountState(this.config);
    this.now = setup.start;
  }

  get funds(): number {
    return availableFunds(this.state, this.config);
  }

  /** Turns a step into a command (or moves the clock); undefined when there is nothing to send. */
  commandFor(step: Step): AccountCommand | AccountCommand[] | undefined {
    /** A number from the list, or one that never existed; undefined when there is nothing to pick. */
    const pickFrom = (numbers: number[], choice: Pick, missing: number): number | undefined => (choice.from === 'missing' ? missing : numbers[choice.index % Math.max(1, numbers.length)]);
    const pickHold = (choice: Pick): number | undefined => {
      const open = [...this.holds.values()].filter((hold) => hold.status === 'open').map((hold) => hold.number);
      return pickFrom(choice.from === 'open' && open.length > 0 ? open : [...this.holds.keys()], choice, this.state.nextHold + 3);
    };
    switch (step.kind) {
      case 'authorize': {
        const command: AccountCommand = { type: 'authorize', card: this.cards[step.card % this.cards.length] ?? this.cards[0]!, terminal: terminals[step.terminal] ?? terminals[0]!, product: step.product };
        if (step.amount !== undefined) command.amount = step.amount;
        if (step.volume !== undefined) command.volume = step.volume;
        return command;
      }
      case 'complete': {
        const number = pickHold(step.pick);
        if (number === undefined) return undefined;
        const hold = this.holds.get(number);
        const volume = Math.floor((hold?.volume ?? 1_000) * step.share);
        const amount = Math.floor((hold?.amount ?? 1_000) * step.share);
        const command: AccountCommand = { type: 'complete', holdNumber: number, terminal: terminals[0]! };
        if (step.mode !== 'amount') command.volume = volume;
        if (step.mode !== 'volume') command.amount = amount;
        return command;
      }
      case 'reverse': {
        const number = pickHold(step.pick);
        return number === undefined ? undefined : { type: 'reverse', holdNumber: number, terminal: terminals[0]! };
      }
      case 'expire': {
        const number = pickHold(step.pick);
        return number === undefined ? undefined : { type: 'expire', holdNumber: number };
      }
      case 'sweep':
        // What the expiry scheduler sends: every open hold that is due.
        return [...this.state.holds.values()].filter((hold) => hold.expiresAt <= this.now).map((hold): AccountCommand => ({ type: 'expire', holdNumber: hold.number }));
      case 'refund': {
        const txNumbers = [...this.txs.values()].filter((tx) => step.pick.from !== 'open' || tx.refunded < tx.amount).map((tx) => tx.number);
        const number = pickFrom(txNumbers.length > 0 ? txNumbers : [...this.txs.keys()], step.pick, this.state.nextTx + 3);
        if (number === undefined) return undefined;
        const tx = this.txs.get(number);
        const command: AccountCommand = { type: 'refund', txNumber: number, transaction: tx?.record, terminal: terminals[0]! };
        // A share of what is left to refund (of the whole charge when picking any transaction).
        const base = tx === undefined ? 1_000 : step.pick.from === 'open' ? tx.amount - tx.refunded : tx.amount;
        if (step.share !== undefined) command.amount = Math.floor(base * step.share);
        return command;
      }
      case 'topup':
        return { type: 'topup', amount: step.amount, method: 'cash', terminal: { terminalId: 'MSK-01-POS1', siteId: 'MSK-01' } };
      case 'advance':
        this.now += step.milliseconds;
        return undefined;
      case 'rewind':
        this.now -= step.milliseconds;
        return undefined;
      case 'boundary':
        this.now = catalog.calendar.period(step.period, this.now).end + step.offset;
        return undefined;
      default:
        throw new Error('unknown step');
    }
  }

  /** Decides and applies, as the actor: every event through evolveAccount, in order. */
  execute(command: AccountCommand, audit: boolean): AccountDecision {
    const fundsBefore = this.funds;
    const expected = audit ? this.predict(command) : undefined;
    const decision = decideAccount(this.state, { key: this.config.key, config: this.config, catalog }, command, this.now);
    for (const event of decision.events) {
      if (audit) this.auditEvent(event);
      this.record(event);
      this.state = evolveAccount(this.state, event);
      this.journal.push(event);
    }
    if (audit && expected !== undefined) this.auditOutcome(command, decision, expected, fundsBefore);
    return decision;
  }

  run(step: Step, audit: boolean): AccountDecision[] {
    const made = this.commandFor(step);
    const commands = made === undefined ? [] : Array.isArray(made) ? made : [made];
    const decisions = commands.map((command) => this.execute(command, audit));
    if (audit) this.checkInvariants();
    return decisions;
  }

  // -- model bookkeeping ---------------------------------------------------------------------------

  private record(event: AccountEvent): void {
    switch (event.type) {
      case 'authorized':
        this.holds.set(event.number, { number: event.number, card: event.cardHash, product: event.product, amount: event.amount, volume: event.volume, price: event.price, at: event.at, expiresAt: event.expiresAt, status: 'open' });
        return;
      case 'completed': {
        const hold = this.holds.get(event.holdNumber);
        if (hold) {
          hold.status = 'completed';
          hold.tx = event.txNumber;
        }
        this.txs.set(event.txNumber, { number: event.txNumber, hold: event.holdNumber, amount: event.amount, volume: event.volume, bonus: event.bonus, refunded: 0, bonusReversed: 0, record: transactionRecordOf(event) });
        this.totals.charges += event.amount;
        this.totals.bonusAccrued += event.bonus;
        return;
      }
      case 'reversed':
      case 'expired': {
        const hold = this.holds.get(event.holdNumber);
        if (hold) hold.status = event.type;
        return;
      }
      case 'refunded': {
        const tx = this.txs.get(event.txNumber);
        if (tx) {
          tx.refunded += event.amount;
          tx.bonusReversed += event.bonus;
        }
        this.totals.refunds += event.amount;
        this.totals.bonusReversed += event.bonus;
        return;
      }
      case 'topup':
        this.totals.topups += event.amount;
        return;
      case 'declined':
        return;
      case 'sale':
      case 'session.charged':
        throw new Error('this model issues no sales or wash sessions');
    }
  }

  /** What the model expects a command to be answered with (reason, events), before the engine decides. */
  private predict(command: AccountCommand): Expectation | undefined {
    switch (command.type) {
      case 'complete':
      case 'reverse': {
        const hold = this.holds.get(command.holdNumber);
        if (hold === undefined) return { reason: 'AUTH_NOT_FOUND', events: [] };
        if (hold.status === 'expired') return { reason: 'AUTH_EXPIRED', events: [] };
        if (hold.status !== 'open') return { reason: 'AUTH_ALREADY_CLOSED', events: [] };
        if (this.now >= hold.expiresAt) return { reason: 'AUTH_EXPIRED', events: ['expired'] };
        if (command.type === 'complete' && ((command.volume ?? 0) > hold.volume || (command.amount ?? 0) > hold.amount)) return { reason: 'AMOUNT_EXCEEDS_AUTH', events: [] };
        return { reason: 'OK', events: [command.type === 'complete' ? 'completed' : 'reversed'] };
      }
      case 'expire': {
        const hold = this.holds.get(command.holdNumber);
        const due = hold !== undefined && hold.status === 'open' && this.now >= hold.expiresAt;
        return due ? { reason: 'OK', events: ['expired'] } : { reason: 'not OK', events: [] };
      }
      case 'refund': {
        const tx = this.txs.get(command.txNumber);
        if (tx === undefined) return { reason: 'TX_NOT_FOUND', events: [] };
        const remaining = tx.amount - tx.refunded;
        const amount = command.amount ?? remaining;
        return amount <= 0 || amount > remaining ? { reason: 'REFUND_EXCEEDS_SALE', events: [] } : { reason: 'OK', events: ['refunded'], amount };
      }
      case 'topup':
        return { reason: 'OK', events: ['topup'] };
      case 'authorize':
        return { reason: 'see auditAuthorize', events: [], authorize: this.room(command) };
      case 'inquire':
      case 'prices':
        return undefined;
      case 'sale':
      case 'session.charge':
        throw new Error('this model issues no sales or wash sessions');
    }
  }

  /** The model's use of a limit in the period containing `now`: open holds and charges less refunds. */
  usage(card: string, limit: LimitConfig): { amount: number; volume: number } {
    const used = { amount: 0, volume: 0 };
    if (limit.period === 'transaction') return used;
    const current = catalog.calendar.period(limit.period, this.now).start;
    for (const hold of this.holds.values()) {
      if (hold.card !== card || !names(limit.products, hold.product)) continue;
      if (catalog.calendar.period(limit.period, hold.at).start !== current) continue;
      if (hold.status === 'open') {
        used.amount += hold.amount;
        used.volume += hold.volume;
      } else if (hold.status === 'completed' && hold.tx !== undefined) {
        const tx = this.txs.get(hold.tx);
        if (tx === undefined) continue;
        used.amount += tx.amount - tx.refunded;
        used.volume += remainingVolume(tx);
      }
    }
    return used;
  }

  private auditEvent(event: AccountEvent): void {
    expect(event.at).toBe(this.now);
    switch (event.type) {
      case 'authorized':
        expect(this.holds.has(event.number)).toBe(false);
        expect(event.expiresAt).toBeGreaterThan(this.now);
        return;
      case 'completed': {
        const hold = this.holds.get(event.holdNumber);
        expect(hold?.status, `hold ${event.holdNumber} completed while not open`).toBe('open');
        if (hold === undefined) return;
        expect(this.now).toBeLessThan(hold.expiresAt);
        expect(event.amount).toBeGreaterThanOrEqual(0);
        expect(event.amount).toBeLessThanOrEqual(hold.amount);
        expect(event.volume).toBeLessThanOrEqual(hold.volume);
        expect(event.released).toBe(hold.amount - event.amount);
        expect(this.txs.has(event.txNumber)).toBe(false);
        const programme = catalog.bonus;
        const earns = this.config.owner === 'client' && programme !== undefined && names(programme.products, hold.product);
        expect(event.bonus).toBe(earns && programme ? Number((BigInt(event.amount) * BigInt(programme.rate)) / 10_000n) : 0);
        return;
      }
      case 'reversed':
      case 'expired': {
        const hold = this.holds.get(event.holdNumber);
        expect(hold?.status, `hold ${event.holdNumber} closed twice (${event.type})`).toBe('open');
        if (hold === undefined) return;
        expect(event.released).toBe(hold.amount);
        if (event.type === 'expired') expect(this.now).toBeGreaterThanOrEqual(hold.expiresAt);
        else expect(this.now).toBeLessThan(hold.expiresAt);
        return;
      }
      case 'refunded': {
        const tx = this.txs.get(event.txNumber);
        expect(tx).toBeDefined();
        if (tx === undefined) return;
        expect(event.amount).toBeGreaterThan(0);
        expect(tx.refunded + event.amount).toBeLessThanOrEqual(tx.amount);
        expect(event.bonus).toBeGreaterThanOrEqual(0);
        expect(tx.bonusReversed + event.bonus).toBeLessThanOrEqual(tx.bonus);
        if (tx.refunded + event.amount === tx.amount) expect(tx.bonusReversed + event.bonus).toBe(tx.bonus);
        return;
      }
      case 'topup':
        expect(event.amount).toBeGreaterThan(0);
        return;
      case 'declined':
        throw new Error('the account never emits declined events');
      case 'sale':
      case 'session.charged':
        throw new Error('this model issues no sales or wash sessions');
    }
  }

  private auditOutcome(command: AccountCommand, decision: AccountDecision, expected: Expectation, fundsBefore: number): void {
    const { outcome, events } = decision;
    const reason = outcome.result === 'approved' ? 'OK' : outcome.reason;
    const context = `${command.type} at ${new Date(this.now).toISOString()}: ${JSON.stringify(outcome)}`;
    const fundsAfter = this.funds;
    if (command.type === 'authorize') {
      if (expected.authorize === undefined) throw new Error('no authorisation expectation');
      this.auditAuthorize(command, decision, fundsBefore, expected.authorize);
      return;
    }
    expect(command.type === 'expire' && reason !== 'OK' ? 'not OK' : reason, context).toBe(expected.reason);
    expect(events.map((event) => event.type), context).toEqual(expected.events);
    if (reason !== 'OK' || command.type === 'expire' || outcome.result !== 'approved') return;
    // Replies that carry the balance carry the available funds after the decision.
    expect(outcome.fields['balance'], context).toBe(fundsAfter);
    if (command.type === 'refund') expect(outcome.fields['amount'], context).toBe(expected.amount);
  }

  /** The price and, from the model, the headroom of every limit that applies to an authorisation. */
  private room(command: Extract<AccountCommand, { type: 'authorize' }>): NonNullable<Expectation['authorize']> {
    const local = catalog.calendar.localTime(this.now);
    const quote = quotePrice(catalog, {
      siteId: command.terminal.siteId,
      product: command.product,
      at: this.now,
      minuteOfDay: local.minuteOfDay,
      buyer: {
        ...(this.config.owner === 'counterparty' ? { counterpartyId: this.config.ownerId } : {}),
        ...(this.config.segment !== undefined ? { segment: this.config.segment } : {}),
      },
    });
    if (quote === undefined) throw new Error(`no price for ${command.product}`);
    let amountRoom = Number.POSITIVE_INFINITY;
    let volumeRoom = Number.POSITIVE_INFINITY;
    for (const limit of command.card.limits) {
      if (!names(limit.products, command.product)) continue;
      const used = this.usage(command.card.hash, limit);
      if (limit.amount !== undefined) amountRoom = Math.min(amountRoom, limit.amount - used.amount);
      if (limit.volume !== undefined) volumeRoom = Math.min(volumeRoom, limit.volume - used.volume);
    }
    return { price: quote.price, listPrice: quote.listPrice, unit: amountForVolume(oneUnit, quote.price), amountRoom, volumeRoom };
  }

  private auditAuthorize(command: Extract<AccountCommand, { type: 'authorize' }>, decision: AccountDecision, fundsBefore: number, room: NonNullable<Expectation['authorize']>): void {
    const { outcome, events } = decision;
    const context = `authorize ${JSON.stringify({ product: command.product, amount: command.amount, volume: command.volume, site: command.terminal.siteId, limits: command.card.limits, fundsBefore, room, at: new Date(this.now).toISOString() })} → ${JSON.stringify(outcome)}`;
    const { unit, amountRoom, volumeRoom } = room;
    const tooSmall = (command.volume !== undefined && command.volume < oneUnit) || (command.amount !== undefined && command.amount < unit);
    const limitBinds = amountRoom < unit || volumeRoom < oneUnit;
    const fundsBind = fundsBefore < unit;

    if (outcome.result !== 'approved') {
      expect(events, context).toEqual([]);
      // A decline names the first reason that really applies, in precedence order.
      const expectedReason = tooSmall ? 'AMOUNT_TOO_SMALL' : limitBinds ? 'LIMIT_EXCEEDED' : fundsBind ? 'INSUFFICIENT_FUNDS' : 'approval';
      expect(outcome.reason, context).toBe(expectedReason);
      return;
    }
    // An approval: nothing stood in the way, and what was granted fits every cap.
    expect(tooSmall || limitBinds || fundsBind, context).toBe(false);
    const approvedAmount = Number(outcome.fields['approvedAmount']);
    const hold = events[0];
    expect(events, context).toHaveLength(1);
    if (hold?.type !== 'authorized') throw new Error('expected an authorized event');
    expect(hold.amount).toBe(approvedAmount);
    expect(hold.price).toBe(room.price);
    expect(hold.listPrice).toBe(room.listPrice);
    expect(outcome.fields['price']).toBe(room.price);
    expect(approvedAmount, context).toBeLessThanOrEqual(Math.max(0, fundsBefore));
    expect(approvedAmount, context).toBeLessThanOrEqual(amountRoom);
    expect(hold.volume, context).toBeLessThanOrEqual(volumeRoom);
    expect(hold.volume, context).toBeGreaterThanOrEqual(oneUnit);
    if (command.amount !== undefined) expect(approvedAmount, context).toBeLessThanOrEqual(command.amount);
    if (command.volume !== undefined) {
      expect(hold.volume, context).toBeLessThanOrEqual(command.volume);
      expect(outcome.fields['approvedVolume']).toBe(hold.volume);
    }
    // The hold pays for its volume.
    expect(amountForVolume(hold.volume, room.price), context).toBeLessThanOrEqual(approvedAmount);
    // I1 after an approval.
    expect(this.funds, context).toBeGreaterThanOrEqual(0);
  }

  checkInvariants(): void {
    const { state, config, totals } = this;
    const when = new Date(this.now).toISOString();
    // I2: money conserved.
    expect(state.balance, `balance at ${when}`).toBe(config.openingBalance + totals.topups + totals.refunds - totals.charges);
    const open = [...this.holds.values()].filter((hold) => hold.status === 'open');
    expect([...state.holds.keys()].sort((a, b) => a - b)).toEqual(open.map((hold) => hold.number).sort((a, b) => a - b));
    const heldByModel = open.reduce((sum, hold) => sum + hold.amount, 0);
    expect(state.held).toBe(heldByModel);
    expect([...state.holds.values()].reduce((sum, hold) => sum + hold.amount, 0)).toBe(heldByModel);
    expect(availableFunds(state, config)).toBe(state.balance + config.creditLimit - state.held);
    // B: bonus points conserved.
    expect(state.bonus).toBe(totals.bonusAccrued - totals.bonusReversed);
    expect(state.bonus).toBeGreaterThanOrEqual(0);
    // R: refunds per transaction within the charge, and the engine's record agrees.
    for (const tx of this.txs.values()) {
      expect(tx.refunded).toBeLessThanOrEqual(tx.amount);
      expect(tx.bonusReversed).toBeLessThanOrEqual(tx.bonus);
      const recorded = state.refunds.get(tx.number);
      expect(recorded ?? { amount: 0, bonus: 0 }).toEqual({ amount: tx.refunded, bonus: tx.bonusReversed });
    }
    // L: limits per card and current calendar period; the engine's counters agree with the model.
    for (const card of this.cards) {
      for (const limit of card.limits) {
        if (limit.period === 'transaction') {
          for (const hold of this.holds.values()) {
            if (hold.card !== card.hash || !names(limit.products, hold.product)) continue;
            if (limit.amount !== undefined) expect(hold.amount).toBeLessThanOrEqual(limit.amount);
            if (limit.volume !== undefined) expect(hold.volume).toBeLessThanOrEqual(limit.volume);
          }
          continue;
        }
        const used = this.usage(card.hash, limit);
        const context = `${card.hash} ${JSON.stringify(limit)} at ${when}`;
        if (limit.amount !== undefined) expect(used.amount, context).toBeLessThanOrEqual(limit.amount);
        if (limit.volume !== undefined) expect(used.volume, context).toBeLessThanOrEqual(limit.volume);
        const counter = usageIn(state, usageKey(card.hash, limit), catalog.calendar.period(limit.period, this.now).start);
        const engine = counter !== undefined ? { amount: counter.amount, volume: counter.volume } : { amount: 0, volume: 0 };
        expect(engine, context).toEqual(used);
      }
    }
    // The limit check over every period ever touched, not only the current one.
    for (const card of this.cards) {
      for (const limit of card.limits) {
        if (limit.period === 'transaction') continue;
        const byPeriod = new Map<number, { amount: number; volume: number }>();
        for (const hold of this.holds.values()) {
          if (hold.card !== card.hash || !names(limit.products, hold.product)) continue;
          const start = catalog.calendar.period(limit.period, hold.at).start;
          const sums = byPeriod.get(start) ?? { amount: 0, volume: 0 };
          if (hold.status === 'open') {
            sums.amount += hold.amount;
            sums.volume += hold.volume;
          } else if (hold.status === 'completed' && hold.tx !== undefined) {
            const tx = this.txs.get(hold.tx);
            if (tx) {
              sums.amount += tx.amount - tx.refunded;
              sums.volume += remainingVolume(tx);
            }
          }
          byPeriod.set(start, sums);
        }
        for (const [start, sums] of byPeriod) {
          const context = `${card.hash} ${JSON.stringify(limit)} in the period from ${new Date(start).toISOString()}`;
          if (limit.amount !== undefined) expect(sums.amount, context).toBeLessThanOrEqual(limit.amount);
          if (limit.volume !== undefined) expect(sums.volume, context).toBeLessThanOrEqual(limit.volume);
        }
      }
    }
  }
}

/** Snapshots and events are stored as bytes: a JSON round trip stands for that (and shares nothing). */
function throughBytes<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

// ---- properties --------------------------------------------------------------------------------

describe('account invariants under random operations (model-audited)', () => {
  it('I1, I2, limits, holds, refunds and bonus hold after every step', testOptions, () => {
    fc.assert(
      fc.property(setupArbitrary, fc.array(stepArbitrary, { minLength: 1, maxLength: 80, size: 'max' }), (setup, steps) => {
        const driver = new Driver(setup);
        const startedBelow = driver.funds < 0;
        for (const step of steps) {
          const fundsBefore = driver.funds;
          const decisions = driver.run(step, true);
          const approvedAuthorisation = step.kind === 'authorize' && decisions.some((decision) => decision.outcome.result === 'approved');
          // I1: only an authorisation lowers the available funds, and never below zero.
          if (approvedAuthorisation) expect(driver.funds).toBeGreaterThanOrEqual(0);
          else expect(driver.funds).toBeGreaterThanOrEqual(fundsBefore);
          if (!startedBelow) expect(driver.funds).toBeGreaterThanOrEqual(0);
        }
        // Recovery replays the journal onto the initial state: it gives the same state.
        let replayed = initialAccountState(driver.config);
        for (const event of throughBytes(driver.journal)) replayed = evolveAccount(replayed, event);
        expect(replayed).toEqual(driver.state);
      }),
      fcParameters,
    );
  });

  it('a snapshot round trip gives the same state and the same decisions afterwards', testOptions, () => {
    fc.assert(
      fc.property(setupArbitrary, fc.array(stepArbitrary, { maxLength: 50, size: 'max' }), fc.array(stepArbitrary, { minLength: 1, maxLength: 50, size: 'max' }), (setup, before, after) => {
        const original = new Driver(setup);
        for (const step of before) original.run(step, false);

        const snapshot = throughBytes<AccountSnapshot>(encodeAccountSnapshot(original.state));
        const restoredState = decodeAccountSnapshot(snapshot);
        expect(restoredState).toEqual(original.state);

        // The restored copy carries the same bookkeeping so that it picks the same holds and transactions.
        const restored = new Driver(setup, restoredState);
        restored.now = original.now;
        for (const [number, hold] of original.holds) restored.holds.set(number, { ...hold });
        for (const [number, tx] of original.txs) restored.txs.set(number, { ...tx, record: throughBytes(tx.record) });

        for (const step of after) {
          const expected = original.run(step, false);
          const actual = restored.run(step, false);
          expect(actual).toEqual(expected);
        }
        expect(encodeAccountSnapshot(restored.state)).toEqual(encodeAccountSnapshot(original.state));
      }),
      fcParameters,
    );
  });
});
