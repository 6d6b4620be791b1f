// Table tests of the card's decision, in the precedence order of engine/reasons.ts.

import { describe, expect, it } from 'vitest';
import type { CardConfig } from '../network/catalog.js';
import type { CardState } from './card.js';
import { decideCardUse, evolveCard, initialCardState, isExpired } from './card.js';
import { cardConfig, day, hour, mondayNoon, testCatalog } from '../testing/fixtures.js';

const catalog = testCatalog();
const pinIs = (right: string) => (pin: string) => pin === right;
const use = (overrides: { pin?: string; siteId?: string; product?: string } = {}) => ({ siteId: 'S1', product: 'AI95', ...overrides });

function decide(config: Partial<CardConfig>, request = use(), state: CardState = initialCardState(), now = mondayNoon) {
  return decideCardUse(state, cardConfig(config), catalog, request, pinIs('1234'), now);
}

describe('card decisions in precedence order', () => {
  // Each row sets up every later reason too, so only precedence picks the expected one.
  const everything: Partial<CardConfig> = {
    status: 'blocked',
    expires: '2026-10',
    pinHash: 'x',
    restrictions: { products: ['DT'], sites: ['S2'], weekdays: [6, 7], hours: '22:00-06:00' },
  };
  const lockedState: CardState = { pinFailures: 3, pinFailureDay: testCatalog().calendar.period('day', mondayNoon).start };
  const table: [string, Partial<CardConfig>, ReturnType<typeof use>, CardState, string | undefined][] = [
    ['blocked before everything', everything, use({ pin: '0000', product: 'UNKNOWN' }), lockedState, 'CARD_BLOCKED'],
    ['expired before PIN', { ...everything, status: 'active' }, use({ pin: '0000' }), lockedState, 'CARD_EXPIRED'],
    ['PIN lock before a wrong PIN', { ...everything, status: 'active', expires: '2030-01' }, use({ pin: '0000' }), lockedState, 'PIN_TRIES_EXCEEDED'],
    ['PIN lock even with the right PIN', { ...everything, status: 'active', expires: '2030-01' }, use({ pin: '1234' }), lockedState, 'PIN_TRIES_EXCEEDED'],
    ['wrong PIN before product', { ...everything, status: 'active', expires: '2030-01' }, use({ pin: '0000', product: 'UNKNOWN' }), initialCardState(), 'PIN_INVALID'],
    ['missing PIN', { ...everything, status: 'active', expires: '2030-01' }, use({ product: 'UNKNOWN' }), initialCardState(), 'PIN_INVALID'],
    ['unknown product before restrictions', { ...everything, status: 'active', expires: '2030-01' }, use({ pin: '1234', product: 'UNKNOWN' }), initialCardState(), 'PRODUCT_UNKNOWN'],
    ['a product without a price is unknown here', { status: 'active' }, use({ product: 'NOPRICE' }), initialCardState(), 'PRODUCT_UNKNOWN'],
    ['product not allowed before site', { ...everything, status: 'active', expires: '2030-01' }, use({ pin: '1234' }), initialCardState(), 'PRODUCT_NOT_ALLOWED'],
    ['site not allowed before time', { ...everything, status: 'active', expires: '2030-01' }, use({ pin: '1234', product: 'DT' }), initialCardState(), 'SITE_NOT_ALLOWED'],
    ['weekday not allowed', { ...everything, status: 'active', expires: '2030-01' }, use({ pin: '1234', product: 'DT', siteId: 'S2' }), initialCardState(), 'TIME_NOT_ALLOWED'],
    ['all clear', { status: 'active', expires: '2026-11', pinHash: 'x', restrictions: { products: ['fuel'], sites: ['S1'], weekdays: [1], hours: '06:00-22:00' } }, use({ pin: '1234' }), initialCardState(), undefined],
  ];
  for (const [name, config, request, state, expected] of table) {
    it(name, () => {
      expect(decide(config, request, state).decline).toBe(expected);
    });
  }
});

describe('PIN tries', () => {
  it('locks after three wrong PINs until the next local day; a right PIN before that resets the count', () => {
    let state = initialCardState();
    const config = { pinHash: 'x' };
    for (let attempt = 1; attempt <= 3; attempt++) {
      const decision = decide(config, use({ pin: '9999' }), state);
      expect(decision.decline).toBe('PIN_INVALID');
      expect(decision.events).toEqual([expect.objectContaining({ type: 'pin.failed', failures: attempt })]);
      for (const event of decision.events) state = evolveCard(state, event);
    }
    expect(decide(config, use({ pin: '1234' }), state).decline).toBe('PIN_TRIES_EXCEEDED');
    expect(decide(config, use({ pin: '1234' }), state, mondayNoon + 11 * hour).decline).toBe('PIN_TRIES_EXCEEDED'); // 23:00 Moscow
    const tomorrow = decide(config, use({ pin: '1234' }), state, mondayNoon + 12 * hour); // 00:00 Moscow, Tuesday
    expect(tomorrow.decline).toBeUndefined();
    expect(tomorrow.events).toEqual([expect.objectContaining({ type: 'pin.reset' })]);

    let partial = initialCardState();
    for (const event of decide(config, use({ pin: '9999' }), partial).events) partial = evolveCard(partial, event);
    const right = decide(config, use({ pin: '1234' }), partial);
    for (const event of right.events) partial = evolveCard(partial, event);
    expect(partial.pinFailures).toBe(0);
    expect(decide(config, use({ pin: '1234' })).events).toEqual([]); // nothing to reset: no event
  });
});

describe('expiry and time windows in the network time zone', () => {
  it('a card is valid through the last moment of its expiry month, Moscow time', () => {
    const lastMoment = Date.UTC(2026, 10, 30, 20, 59, 59, 999); // 23:59:59.999 on 30 Nov in Moscow
    expect(decide({ expires: '2026-11' }, use(), initialCardState(), lastMoment).decline).toBeUndefined();
    expect(decide({ expires: '2026-11' }, use(), initialCardState(), lastMoment + 1).decline).toBe('CARD_EXPIRED');
    expect(isExpired('2026-11', 2026, 12)).toBe(true);
    expect(isExpired('2026-11', 2027, 1)).toBe(true);
    expect(isExpired('2026-11', 2026, 11)).toBe(false);
  });

  it('hours that wrap midnight and ISO weekdays', () => {
    const night = { restrictions: { hours: '22:00-06:00' } };
    expect(decide(night, use(), initialCardState(), mondayNoon).decline).toBe('TIME_NOT_ALLOWED');
    expect(decide(night, use(), initialCardState(), mondayNoon + 10 * hour).decline).toBeUndefined(); // 22:00
    expect(decide(night, use(), initialCardState(), mondayNoon + 18 * hour - 1).decline).toBeUndefined(); // 05:59:59
    expect(decide(night, use(), initialCardState(), mondayNoon + 18 * hour).decline).toBe('TIME_NOT_ALLOWED'); // 06:00
    const sunday = { restrictions: { weekdays: [7] } };
    expect(decide(sunday, use(), initialCardState(), mondayNoon).decline).toBe('TIME_NOT_ALLOWED');
    expect(decide(sunday, use(), initialCardState(), mondayNoon - day).decline).toBeUndefined();
  });

  it('restrictions by product group', () => {
    expect(decide({ restrictions: { products: ['fuel'] } }, use({ product: 'COFFEE' })).decline).toBe('PRODUCT_NOT_ALLOWED');
    expect(decide({ restrictions: { products: ['fuel'] } }, use({ product: 'DT' })).decline).toBeUndefined();
  });
});
