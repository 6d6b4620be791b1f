// The card's own decision (decideCardUse / evolveCard): the card-level reasons in precedence order,
// the PIN tries counter per local day, expiry through the end of the month, hours windows that wrap
// midnight and ISO weekdays — all in the network's time zone (Europe/Moscow, UTC+3 all year).

import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import type { CardConfig, NetworkCatalog } from '../network/catalog.js';
import { compileCatalog } from '../network/catalog.js';
import { demoCards, demoNetwork } from '../demo/demo-network.js';
import { CardKeys } from '../card-identity.js';
import type { DeclineReason } from '../reasons.js';
import { reasonCodes } from '../reasons.js';
import type { CardDecision, CardEvent, CardState, CardUse } from './card.js';
import { decideCardUse, evolveCard, initialCardState, isExpired } from './card.js';

// ---- fixtures ----------------------------------------------------------------------------------

const minute = 60_000;
const hour = 60 * minute;
const day = 24 * hour;

/** An instant given as Moscow wall time (UTC+3, no DST since 2014). */
const msk = (year: number, month: number, dayOfMonth: number, hours = 0, minutes = 0, seconds = 0, ms = 0): number =>
  Date.UTC(year, month - 1, dayOfMonth, hours - 3, minutes, seconds, ms);

/** The demo network plus a product without any price and one priced only at TVR-01. */
const catalog: NetworkCatalog = (() => {
  const document = demoNetwork();
  return compileCatalog({
    ...document,
    products: [
      ...(document.products ?? []),
      { code: 'ADBLUE', name: 'AdBlue', group: 'goods', unit: 'l' },
      { code: 'KEROSENE', name: 'Kerosene', group: 'fuel', unit: 'l' },
    ],
    prices: [...(document.prices ?? []), { product: 'KEROSENE', price: 8000, site: 'TVR-01' }],
  });
})();

const keys = new CardKeys(Buffer.from('card-test-secret'));
const identity = keys.identify('sever', demoCards.fleet);
const rightPin = '1234';
const wrongPin = '9999';
const storedPinHash = keys.pinHash(identity.hash, rightPin);
const pinMatches = (pin: string): boolean => keys.pinMatches(identity.hash, pin, storedPinHash);

function card(overrides: Partial<CardConfig> = {}): CardConfig {
  return {
    networkId: 'sever',
    hash: identity.hash,
    masked: identity.masked,
    accountKey: 'acct:sever:cp:logistic-trade',
    status: 'active',
    pinHash: storedPinHash,
    expires: '2030-12',
    limits: [],
    restrictions: {},
    ...overrides,
  };
}

/** Wednesday 2026-03-11, 12:00 in Moscow. */
const wednesdayNoon = msk(2026, 3, 11, 12);
const dayStart = (at: number): number => catalog.calendar.period('day', at).start;

interface Scenario {
  config: CardConfig;
  state: CardState;
  use: CardUse;
  now: number;
}

const baseScenario = (): Scenario => ({
  config: card(),
  state: initialCardState(),
  use: { pin: rightPin, siteId: 'MSK-01', product: 'AI95' },
  now: wednesdayNoon,
});

const decideScenario = (scenario: Scenario): CardDecision =>
  decideCardUse(scenario.state, scenario.config, catalog, scenario.use, pinMatches, scenario.now);

function decideAt(config: CardConfig, now: number, use: Partial<CardUse> = {}, state: CardState = initialCardState()): CardDecision {
  return decideCardUse(state, config, catalog, { pin: rightPin, siteId: 'MSK-01', product: 'AI95', ...use }, pinMatches, now);
}

/** Decides, then applies the events to the state as the card actor does. */
function step(state: CardState, config: CardConfig, pin: string | undefined, now: number): { state: CardState; decision: CardDecision } {
  const use: CardUse = pin === undefined ? { siteId: 'MSK-01', product: 'AI95' } : { pin, siteId: 'MSK-01', product: 'AI95' };
  const decision = decideCardUse(state, config, catalog, use, pinMatches, now);
  let next = state;
  for (const event of decision.events) next = evolveCard(next, event);
  return { state: next, decision };
}

// ---- precedence --------------------------------------------------------------------------------

type CardReason = Extract<
  DeclineReason,
  'CARD_BLOCKED' | 'CARD_EXPIRED' | 'PIN_TRIES_EXCEEDED' | 'PIN_INVALID' | 'PRODUCT_UNKNOWN' | 'PRODUCT_NOT_ALLOWED' | 'SITE_NOT_ALLOWED' | 'TIME_NOT_ALLOWED'
>;

const cardReasonsInOrder: readonly CardReason[] = [
  'CARD_BLOCKED',
  'CARD_EXPIRED',
  'PIN_TRIES_EXCEEDED',
  'PIN_INVALID',
  'PRODUCT_UNKNOWN',
  'PRODUCT_NOT_ALLOWED',
  'SITE_NOT_ALLOWED',
  'TIME_NOT_ALLOWED',
];

/** Each trigger makes exactly one reason apply to the (otherwise clean) base scenario. */
const triggers: readonly { name: string; reason: CardReason; apply: (scenario: Scenario) => Scenario }[] = [
  { name: 'blocked card', reason: 'CARD_BLOCKED', apply: (s) => ({ ...s, config: { ...s.config, status: 'blocked' } }) },
  { name: 'expired in February', reason: 'CARD_EXPIRED', apply: (s) => ({ ...s, config: { ...s.config, expires: '2026-02' } }) },
  { name: 'three wrong PINs today', reason: 'PIN_TRIES_EXCEEDED', apply: (s) => ({ ...s, state: { pinFailures: 3, pinFailureDay: dayStart(s.now) } }) },
  { name: 'wrong PIN', reason: 'PIN_INVALID', apply: (s) => ({ ...s, use: { ...s.use, pin: wrongPin } }) },
  { name: 'unknown product', reason: 'PRODUCT_UNKNOWN', apply: (s) => ({ ...s, use: { ...s.use, product: 'NO-SUCH' } }) },
  { name: 'product outside the allowed groups', reason: 'PRODUCT_NOT_ALLOWED', apply: (s) => ({ ...s, config: { ...s.config, restrictions: { ...s.config.restrictions, products: ['gas'] } } }) },
  { name: 'site outside the allowed sites', reason: 'SITE_NOT_ALLOWED', apply: (s) => ({ ...s, config: { ...s.config, restrictions: { ...s.config.restrictions, sites: ['TVR-01'] } } }) },
  { name: 'outside the hours (night only)', reason: 'TIME_NOT_ALLOWED', apply: (s) => ({ ...s, config: { ...s.config, restrictions: { ...s.config.restrictions, hours: '22:00-06:00' } } }) },
  { name: 'outside the weekdays (weekend only)', reason: 'TIME_NOT_ALLOWED', apply: (s) => ({ ...s, config: { ...s.config, restrictions: { ...s.config.restrictions, weekdays: [6, 7] } } }) },
];

const rank = (reason: CardReason): number => cardReasonsInOrder.indexOf(reason);

function expectEventsFor(decision: CardDecision, winner: CardReason | undefined): void {
  if (winner === 'PIN_INVALID') {
    expect(decision.events).toEqual([{ type: 'pin.failed', network: 'sever', card: identity.masked, failures: 1, day: dayStart(wednesdayNoon), at: wednesdayNoon }]);
  } else {
    expect(decision.events).toEqual([]);
  }
}

describe('decideCardUse: card-level reasons in precedence order', () => {
  it('the order here is the order of engine/reasons.ts', () => {
    const positions = cardReasonsInOrder.map((reason) => reasonCodes.indexOf(reason));
    expect(positions.every((position) => position >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });

  it('the base scenario is clean: approved, no events', () => {
    const scenario = baseScenario();
    expect(catalog.calendar.localTime(scenario.now)).toMatchObject({ year: 2026, month: 3, day: 11, weekday: 3, minuteOfDay: 12 * 60 });
    expect(decideScenario(scenario)).toEqual({ events: [] });
  });

  describe('each reason alone', () => {
    for (const trigger of triggers) {
      it(`${trigger.name} → ${trigger.reason}`, () => {
        const decision = decideScenario(trigger.apply(baseScenario()));
        expect(decision.decline).toBe(trigger.reason);
        expectEventsFor(decision, trigger.reason);
      });
    }
  });

  describe('two reasons apply: the earlier wins', () => {
    for (const first of triggers) {
      for (const second of triggers) {
        if (rank(first.reason) >= rank(second.reason)) continue;
        it(`${first.reason} (${first.name}) beats ${second.reason} (${second.name})`, () => {
          const both = decideScenario(second.apply(first.apply(baseScenario())));
          expect(both.decline).toBe(first.reason);
          expectEventsFor(both, first.reason);
          // The order the conditions were set up in does not matter.
          expect(decideScenario(first.apply(second.apply(baseScenario()))).decline).toBe(first.reason);
        });
      }
    }
  });

  describe('every later reason applies too: the earliest still wins', () => {
    for (const [index, trigger] of triggers.entries()) {
      it(`${trigger.reason} with everything after it`, () => {
        const scenario = triggers.slice(index).reduce((current, next) => next.apply(current), baseScenario());
        const decision = decideScenario(scenario);
        expect(decision.decline).toBe(trigger.reason);
        expectEventsFor(decision, trigger.reason);
      });
    }
  });

  it('a random set of reasons is declined with the earliest of them', () => {
    fc.assert(
      fc.property(fc.subarray([...triggers.keys()], { minLength: 0 }), fc.boolean(), (chosen, reversed) => {
        const order = reversed ? [...chosen].reverse() : chosen;
        const scenario = order.reduce((current, index) => (triggers[index] ?? triggers[0]!).apply(current), baseScenario());
        const expected = chosen
          .map((index) => (triggers[index] ?? triggers[0]!).reason)
          .sort((a, b) => rank(a) - rank(b))[0];
        expect(decideScenario(scenario).decline).toBe(expected);
      }),
    );
  });

  it('PRODUCT_UNKNOWN: an unknown code, a known product without a price, a product priced only at another site', () => {
    const config = card();
    expect(decideAt(config, wednesdayNoon, { product: 'NO-SUCH' }).decline).toBe('PRODUCT_UNKNOWN');
    expect(decideAt(config, wednesdayNoon, { product: 'ADBLUE' }).decline).toBe('PRODUCT_UNKNOWN');
    expect(decideAt(config, wednesdayNoon, { product: 'KEROSENE' }).decline).toBe('PRODUCT_UNKNOWN');
    expect(decideAt(config, wednesdayNoon, { product: 'KEROSENE', siteId: 'TVR-01' }).decline).toBeUndefined();
  });

  it('PRODUCT_NOT_ALLOWED by product code and by group name', () => {
    expect(decideAt(card({ restrictions: { products: ['DT'] } }), wednesdayNoon, { product: 'AI95' }).decline).toBe('PRODUCT_NOT_ALLOWED');
    expect(decideAt(card({ restrictions: { products: ['DT'] } }), wednesdayNoon, { product: 'DT' }).decline).toBeUndefined();
    expect(decideAt(card({ restrictions: { products: ['fuel'] } }), wednesdayNoon, { product: 'COFFEE' }).decline).toBe('PRODUCT_NOT_ALLOWED');
    expect(decideAt(card({ restrictions: { products: ['fuel'] } }), wednesdayNoon, { product: 'AI98' }).decline).toBeUndefined();
    expect(decideAt(card({ restrictions: { products: ['cafe', 'LPG'] } }), wednesdayNoon, { product: 'COFFEE' }).decline).toBeUndefined();
    expect(decideAt(card({ restrictions: { products: ['cafe', 'LPG'] } }), wednesdayNoon, { product: 'LPG' }).decline).toBeUndefined();
  });

  it('a card without a PIN ignores whatever PIN is typed', () => {
    const { pinHash: _pinHash, ...withoutPin } = card();
    expect(decideAt(withoutPin, wednesdayNoon, { pin: wrongPin })).toEqual({ events: [] });
    expect(decideCardUse(initialCardState(), withoutPin, catalog, { siteId: 'MSK-01', product: 'AI95' }, pinMatches, wednesdayNoon)).toEqual({ events: [] });
  });

  it('an inquiry (no product) checks status, expiry and PIN but not product, site or time restrictions', () => {
    const restricted = card({ restrictions: { products: ['gas'], sites: ['TVR-01'], hours: '22:00-06:00', weekdays: [6, 7] } });
    expect(decideCardUse(initialCardState(), restricted, catalog, { pin: rightPin, siteId: 'MSK-01' }, pinMatches, wednesdayNoon)).toEqual({ events: [] });
    expect(decideCardUse(initialCardState(), { ...restricted, status: 'blocked' }, catalog, { pin: rightPin, siteId: 'MSK-01' }, pinMatches, wednesdayNoon).decline).toBe('CARD_BLOCKED');
    expect(decideCardUse(initialCardState(), restricted, catalog, { pin: wrongPin, siteId: 'MSK-01' }, pinMatches, wednesdayNoon).decline).toBe('PIN_INVALID');
  });
});

// ---- PIN tries ---------------------------------------------------------------------------------

describe('PIN tries counter (3 wrong PINs lock the card until the next local day)', () => {
  const config = card();

  it('three wrong PINs are PIN_INVALID with failures 1, 2, 3; then PIN_TRIES_EXCEEDED, even with the right PIN, until local midnight', () => {
    let state = initialCardState();
    const lockedAt = msk(2026, 3, 11, 20, 0); // 17:00 UTC
    for (let attempt = 1; attempt <= 3; attempt++) {
      const result = step(state, config, wrongPin, lockedAt + attempt * minute);
      expect(result.decision.decline).toBe('PIN_INVALID');
      expect(result.decision.events).toEqual([
        { type: 'pin.failed', network: 'sever', card: identity.masked, failures: attempt, day: dayStart(lockedAt), at: lockedAt + attempt * minute },
      ]);
      state = result.state;
    }
    expect(state).toEqual({ pinFailures: 3, pinFailureDay: dayStart(lockedAt) });

    for (const [pin, at] of [
      [rightPin, lockedAt + 4 * minute],
      [wrongPin, lockedAt + 5 * minute],
      [undefined, lockedAt + 6 * minute],
      [rightPin, msk(2026, 3, 11, 23, 59, 59, 999)],
    ] as const) {
      const result = step(state, config, pin, at);
      expect(result.decision, `PIN ${String(pin)} at ${new Date(at).toISOString()}`).toEqual({ events: [], decline: 'PIN_TRIES_EXCEEDED' });
      expect(result.state).toBe(state); // a locked card does not count further tries
    }

    // Midnight in Moscow (21:00 UTC): a new local day, the right PIN works again and resets the counter.
    const midnight = msk(2026, 3, 12, 0, 0);
    expect(midnight).toBe(Date.UTC(2026, 2, 11, 21, 0));
    const unlocked = step(state, config, rightPin, midnight);
    expect(unlocked.decision).toEqual({ events: [{ type: 'pin.reset', network: 'sever', card: identity.masked, at: midnight }] });
    expect(unlocked.state).toEqual(initialCardState());
  });

  it('the lock follows the Moscow day, not the UTC day', () => {
    // Locked at 01:00 Moscow on the 12th (22:00 UTC on the 11th).
    let state = initialCardState();
    const lockedAt = msk(2026, 3, 12, 1, 0);
    for (let attempt = 0; attempt < 3; attempt++) state = step(state, config, wrongPin, lockedAt + attempt * minute).state;
    // 00:00 UTC on the 12th is 03:00 Moscow: still the same local day, still locked.
    expect(step(state, config, rightPin, Date.UTC(2026, 2, 12, 0, 0)).decision.decline).toBe('PIN_TRIES_EXCEEDED');
    expect(step(state, config, rightPin, msk(2026, 3, 12, 23, 59)).decision.decline).toBe('PIN_TRIES_EXCEEDED');
    expect(step(state, config, rightPin, msk(2026, 3, 13, 0, 0)).decision.decline).toBeUndefined();
  });

  it('a right PIN before the third wrong one resets the counter (event pin.reset)', () => {
    let state = initialCardState();
    const start = wednesdayNoon;
    state = step(state, config, wrongPin, start).state;
    state = step(state, config, wrongPin, start + minute).state;
    expect(state.pinFailures).toBe(2);
    const right = step(state, config, rightPin, start + 2 * minute);
    expect(right.decision).toEqual({ events: [{ type: 'pin.reset', network: 'sever', card: identity.masked, at: start + 2 * minute }] });
    state = right.state;
    expect(state.pinFailures).toBe(0);
    // Counting starts again from one: two more wrong PINs do not lock the card, the third does.
    const first = step(state, config, wrongPin, start + 3 * minute);
    expect(first.decision.events).toEqual([expect.objectContaining({ type: 'pin.failed', failures: 1 })]);
    state = step(first.state, config, wrongPin, start + 4 * minute).state;
    expect(step(state, config, rightPin, start + 5 * minute).decision.decline).toBeUndefined();
    state = step(state, config, wrongPin, start + 5 * minute).state;
    expect(state.pinFailures).toBe(3);
    expect(step(state, config, rightPin, start + 6 * minute).decision.decline).toBe('PIN_TRIES_EXCEEDED');
  });

  it('a right PIN with no earlier failures emits no event', () => {
    expect(step(initialCardState(), config, rightPin, wednesdayNoon).decision).toEqual({ events: [] });
  });

  it('a right PIN resets the counter even when the request is then declined for its product', () => {
    const state = step(initialCardState(), config, wrongPin, wednesdayNoon).state;
    const decision = decideAt(config, wednesdayNoon + minute, { product: 'NO-SUCH' }, state);
    expect(decision.decline).toBe('PRODUCT_UNKNOWN');
    expect(decision.events).toEqual([expect.objectContaining({ type: 'pin.reset' })]);
  });

  it('a missing PIN is PIN_INVALID but does not count towards the lock', () => {
    let state = initialCardState();
    for (let attempt = 0; attempt < 5; attempt++) {
      const result = step(state, config, undefined, wednesdayNoon + attempt * minute);
      expect(result.decision).toEqual({ events: [], decline: 'PIN_INVALID' });
      state = result.state;
    }
    expect(state).toEqual(initialCardState());
  });

  it('failures of an earlier local day do not count today', () => {
    let state = initialCardState();
    state = step(state, config, wrongPin, msk(2026, 3, 11, 23, 50)).state;
    state = step(state, config, wrongPin, msk(2026, 3, 11, 23, 55)).state;
    const afterMidnight = step(state, config, wrongPin, msk(2026, 3, 12, 0, 5));
    expect(afterMidnight.decision.decline).toBe('PIN_INVALID');
    expect(afterMidnight.decision.events).toEqual([expect.objectContaining({ type: 'pin.failed', failures: 1, day: dayStart(msk(2026, 3, 12, 0, 5)) })]);
    state = step(afterMidnight.state, config, wrongPin, msk(2026, 3, 12, 0, 6)).state;
    expect(step(state, config, rightPin, msk(2026, 3, 12, 0, 7)).decision.decline).toBeUndefined();
  });

  it('random PIN sequences: locked exactly when 3 wrong PINs in a row fell on the current local day', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ pin: fc.constantFrom<string | undefined>(rightPin, wrongPin, '0000', undefined), gap: fc.constantFrom(minute, hour, 5 * hour, day) }), { maxLength: 40 }),
        (attempts) => {
          let state = initialCardState();
          let now = wednesdayNoon;
          let streak = 0;
          let streakDay = -1;
          for (const attempt of attempts) {
            now += attempt.gap;
            const today = dayStart(now);
            if (streakDay !== today) streak = 0;
            const result = step(state, config, attempt.pin, now);
            if (streak >= 3) {
              expect(result.decision.decline).toBe('PIN_TRIES_EXCEEDED');
            } else if (attempt.pin === rightPin) {
              expect(result.decision.decline).toBeUndefined();
              streak = 0;
            } else {
              expect(result.decision.decline).toBe('PIN_INVALID');
              if (attempt.pin !== undefined) {
                streak += 1;
                streakDay = today;
              }
            }
            state = result.state;
          }
        },
      ),
    );
  });

  it('evolveCard: pin.failed records the count and day, pin.reset clears it, declined changes nothing', () => {
    const failed: CardEvent = { type: 'pin.failed', network: 'sever', card: identity.masked, failures: 2, day: 123, at: 456 };
    expect(evolveCard(initialCardState(), failed)).toEqual({ pinFailures: 2, pinFailureDay: 123 });
    expect(evolveCard({ pinFailures: 2, pinFailureDay: 123 }, { type: 'pin.reset', network: 'sever', card: identity.masked, at: 789 })).toEqual(initialCardState());
    const state = { pinFailures: 1, pinFailureDay: 5 };
    expect(evolveCard(state, { type: 'declined', network: 'sever', terminal: 'MSK-01-P1', site: 'MSK-01', id: 'r1', reason: 'PIN_INVALID', at: 1, op: 'authorize' })).toBe(state);
  });
});

// ---- expiry ------------------------------------------------------------------------------------

describe('expiry "YYYY-MM": valid through the end of that month in the network time zone', () => {
  const table: [string, string, number, DeclineReason | undefined][] = [
    ['first moment of the month', '2026-03', msk(2026, 3, 1, 0, 0), undefined],
    ['long before', '2026-03', msk(2020, 1, 1, 12), undefined],
    ['last millisecond of the month, Moscow time', '2026-03', msk(2026, 3, 31, 23, 59, 59, 999), undefined],
    ['first millisecond of the next month, Moscow time (still 31 March in UTC)', '2026-03', msk(2026, 4, 1, 0, 0), 'CARD_EXPIRED'],
    ['months later', '2026-03', msk(2026, 9, 15, 12), 'CARD_EXPIRED'],
    ['December: last millisecond of the year', '2026-12', msk(2026, 12, 31, 23, 59, 59, 999), undefined],
    ['December: New Year in Moscow (21:00 UTC on 31 December)', '2026-12', msk(2027, 1, 1, 0, 0), 'CARD_EXPIRED'],
    ['a later year, an earlier month', '2026-12', msk(2027, 2, 1, 12), 'CARD_EXPIRED'],
    ['an earlier year, a later month', '2027-01', msk(2026, 12, 31, 23, 59), undefined],
    ['February of a leap year, last day', '2028-02', msk(2028, 2, 29, 23, 59, 59, 999), undefined],
    ['February of a leap year, 1 March', '2028-02', msk(2028, 3, 1, 0, 0), 'CARD_EXPIRED'],
  ];
  for (const [name, expires, at, expected] of table) {
    it(`${expires} at ${name}`, () => {
      expect(decideAt(card({ expires }), at).decline).toBe(expected);
    });
  }

  it('the month boundary is Moscow midnight, 21:00 UTC the day before', () => {
    expect(msk(2026, 4, 1)).toBe(Date.UTC(2026, 2, 31, 21, 0));
    expect(decideAt(card({ expires: '2026-03' }), Date.UTC(2026, 2, 31, 20, 59, 59, 999)).decline).toBeUndefined();
    expect(decideAt(card({ expires: '2026-03' }), Date.UTC(2026, 2, 31, 21, 0)).decline).toBe('CARD_EXPIRED');
  });

  it('isExpired compares (year, month) with the expiry month', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2000, max: 2099 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 2000, max: 2099 }), fc.integer({ min: 1, max: 12 }), (ey, em, y, m) => {
        const expires = `${ey}-${String(em).padStart(2, '0')}`;
        expect(isExpired(expires, y, m)).toBe(y * 12 + m > ey * 12 + em);
      }),
    );
  });
});

// ---- hours and weekdays ------------------------------------------------------------------------

describe('hours windows and weekdays, in Moscow time', () => {
  const on = (hours: number, minutes: number): number => msk(2026, 3, 11, hours, minutes);

  const nightTable: [string, number, boolean][] = [
    ['12:00', on(12, 0), false],
    ['21:59', on(21, 59), false],
    ['22:00 (start, inclusive)', on(22, 0), true],
    ['23:59', on(23, 59), true],
    ['00:00 (past midnight)', on(24, 0), true],
    ['03:30', on(3, 30), true],
    ['05:59', on(5, 59), true],
    ['06:00 (end, exclusive)', on(6, 0), false],
  ];
  for (const [name, at, allowed] of nightTable) {
    it(`"22:00-06:00" wraps midnight: ${name} → ${allowed ? 'allowed' : 'TIME_NOT_ALLOWED'}`, () => {
      expect(decideAt(card({ restrictions: { hours: '22:00-06:00' } }), at).decline).toBe(allowed ? undefined : 'TIME_NOT_ALLOWED');
    });
  }

  const dayTable: [string, number, boolean][] = [
    ['05:59', on(5, 59), false],
    ['06:00', on(6, 0), true],
    ['21:59', on(21, 59), true],
    ['22:00', on(22, 0), false],
  ];
  for (const [name, at, allowed] of dayTable) {
    it(`"06:00-22:00": ${name} → ${allowed ? 'allowed' : 'TIME_NOT_ALLOWED'}`, () => {
      expect(decideAt(card({ restrictions: { hours: '06:00-22:00' } }), at).decline).toBe(allowed ? undefined : 'TIME_NOT_ALLOWED');
    });
  }

  it('hours are Moscow wall time: 22:00 Moscow is 19:00 UTC', () => {
    const config = card({ restrictions: { hours: '22:00-06:00' } });
    expect(decideAt(config, Date.UTC(2026, 2, 11, 18, 59)).decline).toBe('TIME_NOT_ALLOWED');
    expect(decideAt(config, Date.UTC(2026, 2, 11, 19, 0)).decline).toBeUndefined();
    expect(decideAt(config, Date.UTC(2026, 2, 12, 2, 59)).decline).toBeUndefined(); // 05:59 Moscow
    expect(decideAt(config, Date.UTC(2026, 2, 12, 3, 0)).decline).toBe('TIME_NOT_ALLOWED'); // 06:00 Moscow
  });

  it('"00:00-24:00" is the whole day', () => {
    const config = card({ restrictions: { hours: '00:00-24:00' } });
    for (let minuteOfDay = 0; minuteOfDay < 24 * 60; minuteOfDay += 7) expect(decideAt(config, msk(2026, 3, 11) + minuteOfDay * minute).decline).toBeUndefined();
  });

  it('a wrapping window agrees with a plain check for every minute of the day', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 24 * 60 - 1 }), (fromHour, toHour, minuteOfDay) => {
        fc.pre(fromHour !== toHour);
        const hours = `${String(fromHour).padStart(2, '0')}:00-${String(toHour).padStart(2, '0')}:00`;
        const inside = fromHour < toHour ? minuteOfDay >= fromHour * 60 && minuteOfDay < toHour * 60 : minuteOfDay >= fromHour * 60 || minuteOfDay < toHour * 60;
        expect(decideAt(card({ restrictions: { hours } }), msk(2026, 3, 11) + minuteOfDay * minute).decline).toBe(inside ? undefined : 'TIME_NOT_ALLOWED');
      }),
    );
  });

  // 2026-03-09 is a Monday.
  const weekdayTable: [string, number, number][] = [
    ['Monday', msk(2026, 3, 9, 12), 1],
    ['Tuesday', msk(2026, 3, 10, 12), 2],
    ['Wednesday', msk(2026, 3, 11, 12), 3],
    ['Thursday', msk(2026, 3, 12, 12), 4],
    ['Friday', msk(2026, 3, 13, 12), 5],
    ['Saturday', msk(2026, 3, 14, 12), 6],
    ['Sunday is 7, not 0', msk(2026, 3, 15, 12), 7],
  ];
  for (const [name, at, weekday] of weekdayTable) {
    it(`ISO weekday ${weekday}: ${name}`, () => {
      for (let allowed = 1; allowed <= 7; allowed++) {
        expect(decideAt(card({ restrictions: { weekdays: [allowed] } }), at).decline, `weekdays [${allowed}]`).toBe(allowed === weekday ? undefined : 'TIME_NOT_ALLOWED');
      }
      expect(decideAt(card({ restrictions: { weekdays: [1, 2, 3, 4, 5, 6, 7] } }), at).decline).toBeUndefined();
    });
  }

  it('the weekday is the Moscow one: Sunday 22:00 UTC is already Monday 01:00 in Moscow', () => {
    const at = Date.UTC(2026, 2, 15, 22, 0); // Sunday in UTC
    expect(decideAt(card({ restrictions: { weekdays: [7] } }), at).decline).toBe('TIME_NOT_ALLOWED');
    expect(decideAt(card({ restrictions: { weekdays: [1] } }), at).decline).toBeUndefined();
  });

  it('weekdays and hours must both allow the moment', () => {
    const config = card({ restrictions: { weekdays: [1, 2, 3, 4, 5], hours: '08:00-20:00' } });
    expect(decideAt(config, msk(2026, 3, 11, 12)).decline).toBeUndefined();
    expect(decideAt(config, msk(2026, 3, 11, 21)).decline).toBe('TIME_NOT_ALLOWED');
    expect(decideAt(config, msk(2026, 3, 14, 12)).decline).toBe('TIME_NOT_ALLOWED');
  });
});
