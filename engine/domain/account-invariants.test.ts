// Property tests: random sequences of account commands keep money conserved, funds and limits
// never overspent, every hold closed at most once, and refunds within charges.
// Replay a failure with FC_SEED=<seed> (fast-check prints it).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AccountCommand, AccountEvent, AccountState, TransactionRecord } from './account.js';
import { availableFunds, decideAccount, decodeAccountSnapshot, encodeAccountSnapshot, evolveAccount, initialAccountState, transactionRecordOf, usageIn, usageKey } from './account.js';
import type { LimitConfig } from '../network/catalog.js';
import { accountConfig, cardConfig, cardContext, hour, minute, mondayNoon, testCatalog } from '../testing/fixtures.js';

const catalog = testCatalog({ bonus: { rate: 250, redeem: true } });
const terminal = { terminalId: 'T1', siteId: 'S1' };

const limitArbitrary: fc.Arbitrary<LimitConfig> = fc.record({
  period: fc.constantFrom('transaction', 'day', 'week', 'month'),
  amount: fc.option(fc.integer({ min: 0, max: 600_000 }), { nil: undefined }),
  volume: fc.option(fc.integer({ min: 0, max: 90_000 }), { nil: undefined }),
  products: fc.option(fc.constantFrom<string[]>(['fuel'], ['DT'], ['AI95', 'COFFEE']), { nil: undefined }),
}).filter((limit) => limit.amount !== undefined || limit.volume !== undefined);

type Step =
  | { kind: 'authorize'; card: number; product: 'AI95' | 'DT' | 'COFFEE'; amount: number | undefined; volume: number | undefined }
  | { kind: 'complete'; pick: number; share: number; byAmount: boolean }
  | { kind: 'reverse'; pick: number }
  | { kind: 'expire'; pick: number }
  | { kind: 'refund'; pick: number; share: number }
  | { kind: 'topup'; amount: number }
  | { kind: 'advance'; milliseconds: number };

const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('authorize' as const), card: fc.nat(2), product: fc.constantFrom('AI95' as const, 'DT' as const, 'COFFEE' as const), amount: fc.option(fc.integer({ min: 1, max: 400_000 }), { nil: undefined }), volume: fc.option(fc.integer({ min: 1, max: 70_000 }), { nil: undefined }) }).filter((step) => step.amount !== undefined || step.volume !== undefined) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('complete' as const), pick: fc.nat(), share: fc.double({ min: 0, max: 1.1, noNaN: true }), byAmount: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reverse' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('expire' as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('refund' as const), pick: fc.nat(), share: fc.double({ min: 0, max: 1.2, noNaN: true }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('topup' as const), amount: fc.integer({ min: 1, max: 300_000 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('advance' as const), milliseconds: fc.constantFrom(minute, 20 * minute, 3 * hour, 25 * hour, 8 * 24 * hour) }) },
);

const runs = { numRuns: 300, ...(process.env['FC_SEED'] ? { seed: Number(process.env['FC_SEED']) } : {}) };

describe('account invariants under random operations', () => {
  it('conserves money and points, and never overspends funds or limits', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -50_000, max: 2_000_000 }),
        fc.integer({ min: 0, max: 300_000 }),
        fc.array(fc.array(limitArbitrary, { maxLength: 3 }), { minLength: 3, maxLength: 3 }),
        fc.array(stepArbitrary, { minLength: 1, maxLength: 80 }),
        (opening, credit, cardLimits, steps) => {
          const config = accountConfig({ owner: 'client', ownerId: 'm', key: 'acct:n:cl:m', openingBalance: opening, creditLimit: credit });
          const cards = cardLimits.map((limits, index) => cardContext(cardConfig({ hash: `card${index}`, limits })));
          let state: AccountState = initialAccountState(config);
          let now = mondayNoon;
          const transactions: TransactionRecord[] = [];
          const closings = new Map<number, number>();
          const charged = { money: 0, refunds: 0, topups: 0, bonus: 0 };
          const run = (command: AccountCommand): void => {
            const fundsBefore = availableFunds(state, config);
            const decision = decideAccount(state, { key: config.key, config, catalog }, command, now);
            for (const event of decision.events) {
              state = evolveAccount(state, event);
              account(event);
            }
            if (command.type === 'authorize' && decision.outcome.result === 'approved') {
              const approved = Number(decision.outcome.fields['approvedAmount']);
              expect(approved).toBeLessThanOrEqual(Math.max(0, fundsBefore));
              if (command.amount !== undefined) expect(approved).toBeLessThanOrEqual(command.amount);
            }
          };
          const account = (event: AccountEvent): void => {
            switch (event.type) {
              case 'completed':
                charged.money += event.amount;
                charged.bonus += event.bonus;
                transactions.push(transactionRecordOf(event));
                closings.set(event.holdNumber, (closings.get(event.holdNumber) ?? 0) + 1);
                break;
              case 'reversed':
              case 'expired':
                closings.set(event.holdNumber, (closings.get(event.holdNumber) ?? 0) + 1);
                break;
              case 'refunded':
                charged.refunds += event.amount;
                charged.bonus -= event.bonus;
                break;
              case 'topup':
                charged.topups += event.amount;
                break;
              case 'authorized':
              case 'declined':
                break;
              case 'sale':
              case 'session.charged':
                throw new Error('this model issues no sales or wash sessions');
            }
          };
          for (const step of steps) {
            const open = [...state.holds.values()];
            switch (step.kind) {
              case 'authorize': {
                const command: AccountCommand = { type: 'authorize', card: cards[step.card] ?? cards[0]!, terminal, product: step.product };
                if (step.amount !== undefined) command.amount = step.amount;
                if (step.volume !== undefined) command.volume = step.volume;
                run(command);
                break;
              }
              case 'complete': {
                const hold = open[step.pick % Math.max(1, open.length)];
                if (hold === undefined) break;
                run(step.byAmount ? { type: 'complete', holdNumber: hold.number, terminal, amount: Math.floor(hold.amount * step.share) } : { type: 'complete', holdNumber: hold.number, terminal, volume: Math.floor(hold.volume * step.share) });
                break;
              }
              case 'reverse':
              case 'expire': {
                const hold = open[step.pick % Math.max(1, open.length)];
                if (hold !== undefined) run(step.kind === 'reverse' ? { type: 'reverse', holdNumber: hold.number, terminal } : { type: 'expire', holdNumber: hold.number });
                break;
              }
              case 'refund': {
                const transaction = transactions[step.pick % Math.max(1, transactions.length)];
                if (transaction !== undefined) run({ type: 'refund', txNumber: transaction.txNumber, transaction, terminal, amount: Math.max(1, Math.floor(transaction.amount * step.share)) });
                break;
              }
              case 'topup':
                run({ type: 'topup', amount: step.amount, method: 'cash', terminal });
                break;
              case 'advance':
                now += step.milliseconds;
                break;
            }
            // I2: money conserved; held is the sum of open holds; bonus points conserved.
            expect(state.balance).toBe(opening - charged.money + charged.refunds + charged.topups);
            expect(state.held).toBe([...state.holds.values()].reduce((sum, hold) => sum + hold.amount, 0));
            expect(state.bonus).toBe(charged.bonus);
            // I4: each hold closes at most once.
            for (const count of closings.values()) expect(count).toBe(1);
            // Refunds never exceed charges.
            for (const [txNumber, refunded] of state.refunds) {
              const transaction = transactions.find((candidate) => candidate.txNumber === txNumber);
              expect(refunded.amount).toBeLessThanOrEqual(transaction?.amount ?? 0);
            }
            // Limits: every counter of the current period stays within its limit.
            for (const card of cards) {
              for (const limit of card.limits) {
                if (limit.period === 'transaction') continue;
                const usage = usageIn(state, usageKey(card.hash, limit), catalog.calendar.period(limit.period, now).start);
                if (usage === undefined) continue;
                if (limit.amount !== undefined) expect(usage.amount).toBeLessThanOrEqual(limit.amount);
                if (limit.volume !== undefined) expect(usage.volume).toBeLessThanOrEqual(limit.volume);
              }
            }
          }
          // A snapshot round trip changes nothing.
          expect(decodeAccountSnapshot(encodeAccountSnapshot(state))).toEqual(state);
        },
      ),
      runs,
    );
  });
});
