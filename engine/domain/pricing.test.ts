// quotePrice: the list price of a product at a site (a site's price overrides the network's),
// lowered by the best applicable discount: the lowest resulting unit price wins, the first listed on
// a tie. Rules may be limited by products (codes or groups), segments, counterparties, sites, hours
// (wrapping midnight) and a [from, to) validity window.

import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import type { NetworkCatalog, NetworkCatalogDocument } from '../network/catalog.js';
import { compileCatalog, nextPriceChange } from '../network/catalog.js';
import type { DiscountDocument } from '../network/schema.js';
import { demoNetwork } from '../demo/demo-network.js';
import { applyPercent } from '../money.js';
import type { PriceQuery } from './pricing.js';
import { quotePrice } from './pricing.js';
import type { AccountConfig } from '../network/catalog.js';
import { accountKeyFor } from '../network/catalog.js';
import { decideAccount, initialAccountState } from './account.js';

/** An instant given as Moscow wall time (UTC+3). */
const msk = (year: number, month: number, dayOfMonth: number, hours = 0, minutes = 0): number => Date.UTC(year, month - 1, dayOfMonth, hours - 3, minutes);
const noon = msk(2026, 3, 11, 12);

/** The demo catalog with the given discounts and round prices: AI95 6000 (5800 at TVR-01), DT 7000. */
function catalogWith(discounts: DiscountDocument[]): NetworkCatalog {
  const { cards: _cards, counterparties: _counterparties, clients: _clients, ...document } = demoNetwork();
  const changes: Partial<NetworkCatalogDocument> = {
    prices: [
      { product: 'AI95', price: 6_000 },
      { product: 'AI95', price: 5_800, site: 'TVR-01' },
      { product: 'DT', price: 7_000 },
      { product: 'COFFEE', price: 19_900 },
    ],
    discounts,
  };
  return compileCatalog({ ...document, ...changes });
}

const query = (overrides: Partial<PriceQuery> = {}): PriceQuery => ({ siteId: 'MSK-01', product: 'AI95', at: noon, minuteOfDay: 12 * 60, ...overrides });

describe('quotePrice: list prices', () => {
  it('the network price, a site’s override, and undefined for a product without a price', () => {
    const catalog = catalogWith([]);
    expect(quotePrice(catalog, query())).toEqual({ listPrice: 6_000, price: 6_000 });
    expect(quotePrice(catalog, query({ siteId: 'TVR-01' }))).toEqual({ listPrice: 5_800, price: 5_800 });
    expect(quotePrice(catalog, query({ siteId: 'MSK-02', product: 'DT' }))).toEqual({ listPrice: 7_000, price: 7_000 });
    expect(quotePrice(catalog, query({ product: 'AI98' }))).toBeUndefined();
    expect(quotePrice(catalog, query({ product: 'NO-SUCH' }))).toBeUndefined();
  });
});

describe('quotePrice: the best price wins', () => {
  type Row = [string, DiscountDocument[], Partial<PriceQuery>, { price: number; rule?: string }];
  const table: Row[] = [
    ['percent: 5 % of 60.00', [{ id: 'p5', name: 'p5', percent: 500 }], {}, { price: 5_700, rule: 'p5' }],
    ['perUnit: 1.50 off', [{ id: 'u150', name: 'u150', perUnit: 150 }], {}, { price: 5_850, rule: 'u150' }],
    ['percent beats a smaller perUnit', [{ id: 'u150', name: 'u', perUnit: 150 }, { id: 'p5', name: 'p', percent: 500 }], {}, { price: 5_700, rule: 'p5' }],
    ['perUnit beats a smaller percent', [{ id: 'p2', name: 'p', percent: 200 }, { id: 'u150', name: 'u', perUnit: 150 }], {}, { price: 5_850, rule: 'u150' }],
    ['the best of many, wherever it is listed', [{ id: 'a', name: 'a', percent: 100 }, { id: 'b', name: 'b', perUnit: 50 }, { id: 'c', name: 'c', percent: 1_000 }, { id: 'd', name: 'd', perUnit: 500 }], {}, { price: 5_400, rule: 'c' }],
    ['tie percent/perUnit: the first listed (percent)', [{ id: 'p5', name: 'p', percent: 500 }, { id: 'u300', name: 'u', perUnit: 300 }], {}, { price: 5_700, rule: 'p5' }],
    ['tie percent/perUnit: the first listed (perUnit)', [{ id: 'u300', name: 'u', perUnit: 300 }, { id: 'p5', name: 'p', percent: 500 }], {}, { price: 5_700, rule: 'u300' }],
    ['tie of two perUnit rules: the first listed', [{ id: 'x', name: 'x', perUnit: 300 }, { id: 'y', name: 'y', perUnit: 300 }], {}, { price: 5_700, rule: 'x' }],
    ['a rule that lowers nothing is not reported', [{ id: 'zero', name: 'z', perUnit: 0 }, { id: 'none', name: 'n', percent: 0 }], {}, { price: 6_000 }],
    ['never below zero (perUnit above the price)', [{ id: 'big', name: 'b', perUnit: 10_000 }], {}, { price: 0, rule: 'big' }],
    ['100 % is zero', [{ id: 'all', name: 'all', percent: 10_000 }], {}, { price: 0, rule: 'all' }],
    ['percent of the site price', [{ id: 'p10', name: 'p', percent: 1_000 }], { siteId: 'TVR-01' }, { price: 5_220, rule: 'p10' }],
    // products
    ['by product code: applies', [{ id: 'dt', name: 'dt', perUnit: 100, products: ['DT'] }], { product: 'DT' }, { price: 6_900, rule: 'dt' }],
    ['by product code: other products pay the list price', [{ id: 'dt', name: 'dt', perUnit: 100, products: ['DT'] }], {}, { price: 6_000 }],
    ['by group', [{ id: 'fuel', name: 'fuel', percent: 100, products: ['fuel'] }], {}, { price: 5_940, rule: 'fuel' }],
    ['by group: another group pays the list price', [{ id: 'fuel', name: 'fuel', percent: 100, products: ['fuel'] }], { product: 'COFFEE' }, { price: 19_900 }],
    // segments
    ['segment: applies to the segment', [{ id: 'big', name: 'big', percent: 1_000, segments: ['fleet-large'] }], { buyer: { segment: 'fleet-large' } }, { price: 5_400, rule: 'big' }],
    ['segment: not to another segment', [{ id: 'big', name: 'big', percent: 1_000, segments: ['fleet-large'] }], { buyer: { segment: 'fleet-small' } }, { price: 6_000 }],
    ['segment: not to a buyer without one', [{ id: 'big', name: 'big', percent: 1_000, segments: ['fleet-large'] }], {}, { price: 6_000 }],
    ['segment: a better general rule still wins', [{ id: 'big', name: 'big', percent: 100, segments: ['fleet-large'] }, { id: 'all', name: 'all', percent: 200 }], { buyer: { segment: 'fleet-large' } }, { price: 5_880, rule: 'all' }],
    // counterparties
    ['counterparty: applies to a listed one', [{ id: 'cp', name: 'cp', perUnit: 250, counterparties: ['logistic-trade', 'transline'] }], { buyer: { counterpartyId: 'transline' } }, { price: 5_750, rule: 'cp' }],
    ['counterparty: not to another', [{ id: 'cp', name: 'cp', perUnit: 250, counterparties: ['logistic-trade'] }], { buyer: { counterpartyId: 'kuznetsov' } }, { price: 6_000 }],
    ['counterparty: not to a client (none given)', [{ id: 'cp', name: 'cp', perUnit: 250, counterparties: ['logistic-trade'] }], {}, { price: 6_000 }],
    // sites
    ['site: applies at a listed site', [{ id: 's', name: 's', perUnit: 100, sites: ['MSK-02'] }], { siteId: 'MSK-02' }, { price: 5_900, rule: 's' }],
    ['site: not elsewhere', [{ id: 's', name: 's', perUnit: 100, sites: ['MSK-02'] }], { siteId: 'MSK-01' }, { price: 6_000 }],
    // hours (minute of the local day)
    ['hours wrapping midnight: 22:59 is outside', [{ id: 'night', name: 'n', perUnit: 100, hours: '23:00-06:00' }], { minuteOfDay: 22 * 60 + 59 }, { price: 6_000 }],
    ['hours wrapping midnight: 23:00 is inside', [{ id: 'night', name: 'n', perUnit: 100, hours: '23:00-06:00' }], { minuteOfDay: 23 * 60 }, { price: 5_900, rule: 'night' }],
    ['hours wrapping midnight: 00:00 is inside', [{ id: 'night', name: 'n', perUnit: 100, hours: '23:00-06:00' }], { minuteOfDay: 0 }, { price: 5_900, rule: 'night' }],
    ['hours wrapping midnight: 05:59 is inside', [{ id: 'night', name: 'n', perUnit: 100, hours: '23:00-06:00' }], { minuteOfDay: 5 * 60 + 59 }, { price: 5_900, rule: 'night' }],
    ['hours wrapping midnight: 06:00 is outside', [{ id: 'night', name: 'n', perUnit: 100, hours: '23:00-06:00' }], { minuteOfDay: 6 * 60 }, { price: 6_000 }],
    ['hours within a day: 12:00 inside 09:00-18:00', [{ id: 'day', name: 'd', perUnit: 100, hours: '09:00-18:00' }], {}, { price: 5_900, rule: 'day' }],
    // validity window [from, to)
    ['from: not a millisecond before', [{ id: 'w', name: 'w', perUnit: 100, from: noon + 1 }], {}, { price: 6_000 }],
    ['from: inclusive', [{ id: 'w', name: 'w', perUnit: 100, from: noon }], {}, { price: 5_900, rule: 'w' }],
    ['to: exclusive', [{ id: 'w', name: 'w', perUnit: 100, to: noon }], {}, { price: 6_000 }],
    ['to: a millisecond before', [{ id: 'w', name: 'w', perUnit: 100, to: noon + 1 }], {}, { price: 5_900, rule: 'w' }],
    ['from and to around now', [{ id: 'w', name: 'w', perUnit: 100, from: noon - 1, to: noon + 1 }], {}, { price: 5_900, rule: 'w' }],
    // everything at once
    ['all conditions met', [{ id: 'all', name: 'all', percent: 300, products: ['fuel'], segments: ['fleet-large'], counterparties: ['transline'], sites: ['MSK-01'], hours: '06:00-22:00', from: noon - 1, to: noon + 1 }], { buyer: { segment: 'fleet-large', counterpartyId: 'transline' } }, { price: 5_820, rule: 'all' }],
    ['all conditions but one', [{ id: 'all', name: 'all', percent: 300, products: ['fuel'], segments: ['fleet-large'], counterparties: ['transline'], sites: ['MSK-01'], hours: '06:00-22:00', from: noon - 1, to: noon + 1 }], { buyer: { segment: 'fleet-large', counterpartyId: 'logistic-trade' } }, { price: 6_000 }],
  ];

  for (const [name, discounts, overrides, expected] of table) {
    it(name, () => {
      const catalog = catalogWith(discounts);
      const quote = quotePrice(catalog, query(overrides));
      const listPrice = overrides.siteId === 'TVR-01' ? 5_800 : overrides.product === 'DT' ? 7_000 : overrides.product === 'COFFEE' ? 19_900 : 6_000;
      expect(quote).toEqual(expected.rule === undefined ? { listPrice, price: expected.price } : { listPrice, price: expected.price, discountRule: expected.rule });
    });
  }

  it('the winner is the minimum of the applicable prices, the first listed among equals (random rules)', () => {
    const rule = fc.oneof(fc.record({ percent: fc.integer({ min: 0, max: 10_000 }) }), fc.record({ perUnit: fc.integer({ min: 0, max: 7_000 }) }));
    fc.assert(
      fc.property(fc.array(fc.tuple(rule, fc.boolean()), { maxLength: 8 }), (rules) => {
        // Rules marked false apply only at another site, so they never count here.
        const discounts: DiscountDocument[] = rules.map(([value, applies], index) => ({ id: `r${index}`, name: `r${index}`, ...value, ...(applies ? {} : { sites: ['TVR-01'] }) }));
        const quote = quotePrice(catalogWith(discounts), query());
        let best = 6_000;
        let winner: string | undefined;
        rules.forEach(([value, applies], index) => {
          if (!applies) return;
          const price = 'percent' in value ? applyPercent(6_000, value.percent) : Math.max(0, 6_000 - value.perUnit);
          if (price < best) {
            best = price;
            winner = `r${index}`;
          }
        });
        expect(quote).toEqual(winner === undefined ? { listPrice: 6_000, price: 6_000 } : { listPrice: 6_000, price: best, discountRule: winner });
      }),
    );
  });
});

describe('pricing inside an authorisation (hours in Moscow time, buyer’s segment and counterparty)', () => {
  const fleet: AccountConfig = {
    networkId: 'sever',
    key: accountKeyFor('sever', 'counterparty', 'logistic-trade'),
    owner: 'counterparty',
    ownerId: 'logistic-trade',
    name: 'Логистик-Трейд',
    segment: 'fleet-large',
    openingBalance: 10_000_000,
    creditLimit: 0,
  };
  const authorize = (catalog: NetworkCatalog, config: AccountConfig, product: string, now: number): Record<string, unknown> => {
    const decision = decideAccount(
      initialAccountState(config),
      { key: config.key, config, catalog },
      { type: 'authorize', card: { hash: 'h', masked: 'm', status: 'active', limits: [] }, terminal: { terminalId: 'MSK-01-P1', siteId: 'MSK-01' }, product, volume: 10_000 },
      now,
    );
    if (decision.outcome.result !== 'approved') throw new Error(JSON.stringify(decision.outcome));
    return decision.outcome.fields;
  };

  it('the demo network’s night diesel (−1 ₽/l, 23:00-06:00) follows Moscow wall time', () => {
    const { cards: _cards, counterparties: _counterparties, clients: _clients, ...document } = demoNetwork();
    const catalog = compileCatalog(document);
    const client: AccountConfig = { ...fleet, key: accountKeyFor('sever', 'client', 'ivanova'), owner: 'client', ownerId: 'ivanova' };
    delete client.segment;
    expect(authorize(catalog, client, 'DT', msk(2026, 3, 11, 22, 59))).toMatchObject({ price: 6_899, discount: 0 });
    expect(authorize(catalog, client, 'DT', msk(2026, 3, 11, 23, 0))).toMatchObject({ price: 6_799, discount: 1_000 });
    expect(authorize(catalog, client, 'DT', Date.UTC(2026, 2, 11, 21, 0))).toMatchObject({ price: 6_799 }); // 00:00 Moscow
    expect(authorize(catalog, client, 'DT', msk(2026, 3, 12, 6, 0))).toMatchObject({ price: 6_899 });
    // A large fleet gets −1.5 % all day (6899 − 103 = 6796), better than −1 ₽ at night too.
    expect(authorize(catalog, fleet, 'DT', msk(2026, 3, 11, 23, 30))).toMatchObject({ price: 6_796, discount: 1_030 });
    expect(authorize(catalog, fleet, 'AI95', noon)).toMatchObject({ price: 5_909 });
  });

  it('a counterparty rule applies to that counterparty’s account only', () => {
    const catalog = catalogWith([{ id: 'lt', name: 'lt', perUnit: 500, counterparties: ['logistic-trade'] }]);
    expect(authorize(catalog, fleet, 'AI95', noon)).toMatchObject({ price: 5_500, discount: 5_000 });
    expect(authorize(catalog, { ...fleet, ownerId: 'kuznetsov', key: accountKeyFor('sever', 'counterparty', 'kuznetsov') }, 'AI95', noon)).toMatchObject({ price: 6_000, discount: 0 });
  });
});

describe('quotePrice: contract prices, client groups, club members and volume tiers (which rule wins, and why)', () => {
  const bought = (volume: number, amount = 0) => (): { volume: number; amount: number } => ({ volume, amount });
  type Row = [string, DiscountDocument[], Partial<PriceQuery>, { price: number; rule?: string }];
  const table: Row[] = [
    // fixed (contract) prices
    ['fixedPrice: the contract price', [{ id: 'c', name: 'c', fixedPrice: 5_500 }], {}, { price: 5_500, rule: 'c' }],
    ['fixedPrice above the list price never wins', [{ id: 'c', name: 'c', fixedPrice: 6_500 }], {}, { price: 6_000 }],
    ['fixedPrice equal to the list price lowers nothing', [{ id: 'c', name: 'c', fixedPrice: 6_000 }], {}, { price: 6_000 }],
    ['fixedPrice against a better percent: the percent wins', [{ id: 'c', name: 'c', fixedPrice: 5_800 }, { id: 'p', name: 'p', percent: 500 }], {}, { price: 5_700, rule: 'p' }],
    ['fixedPrice against a worse percent: the contract wins', [{ id: 'p', name: 'p', percent: 100 }, { id: 'c', name: 'c', fixedPrice: 5_800 }], {}, { price: 5_800, rule: 'c' }],
    ['fixedPrice for one counterparty', [{ id: 'c', name: 'c', fixedPrice: 5_000, counterparties: ['transline'] }], { buyer: { counterpartyId: 'transline' } }, { price: 5_000, rule: 'c' }],
    ['fixedPrice: not for another counterparty', [{ id: 'c', name: 'c', fixedPrice: 5_000, counterparties: ['transline'] }], { buyer: { counterpartyId: 'kuznetsov' } }, { price: 6_000 }],
    ['fixedPrice zero: free', [{ id: 'c', name: 'c', fixedPrice: 0 }], {}, { price: 0, rule: 'c' }],
    // client groups
    ['clientGroups: a client in the group', [{ id: 'g', name: 'g', perUnit: 100, clientGroups: ['taxi'] }], { buyer: { clientGroups: ['vip', 'taxi'] } }, { price: 5_900, rule: 'g' }],
    ['clientGroups: a client in other groups', [{ id: 'g', name: 'g', perUnit: 100, clientGroups: ['taxi'] }], { buyer: { clientGroups: ['vip'] } }, { price: 6_000 }],
    ['clientGroups: a client in no group', [{ id: 'g', name: 'g', perUnit: 100, clientGroups: ['taxi'] }], { buyer: { member: true } }, { price: 6_000 }],
    ['clientGroups: a sale without a card', [{ id: 'g', name: 'g', perUnit: 100, clientGroups: ['taxi'] }], {}, { price: 6_000 }],
    // club members and guests
    ['members: a club member', [{ id: 'm', name: 'm', percent: 1_000, members: true }], { buyer: { member: true } }, { price: 5_400, rule: 'm' }],
    ['members: a guest client', [{ id: 'm', name: 'm', percent: 1_000, members: true }], { buyer: { member: false } }, { price: 6_000 }],
    ['members: a fleet account is no member', [{ id: 'm', name: 'm', percent: 1_000, members: true }], { buyer: { counterpartyId: 'transline' } }, { price: 6_000 }],
    ['members false: guests only, a guest', [{ id: 'g', name: 'g', perUnit: 50, members: false }], { buyer: { member: false } }, { price: 5_950, rule: 'g' }],
    ['members false: guests only, not a member', [{ id: 'g', name: 'g', perUnit: 50, members: false }], { buyer: { member: true } }, { price: 6_000 }],
    ['members false: needs a known client (no card)', [{ id: 'g', name: 'g', perUnit: 50, members: false }], {}, { price: 6_000 }],
    // volume tiers (threshold over a period)
    ['threshold: 1000 l bought this month, tier reached', [{ id: 't', name: 't', percent: 250, threshold: { period: 'month', volume: 1_000_000 } }], { buyer: { purchases: bought(1_000_000) } }, { price: 5_850, rule: 't' }],
    ['threshold: one millilitre short', [{ id: 't', name: 't', percent: 250, threshold: { period: 'month', volume: 1_000_000 } }], { buyer: { purchases: bought(999_999) } }, { price: 6_000 }],
    ['threshold: no purchase history (no card)', [{ id: 't', name: 't', percent: 250, threshold: { period: 'month', volume: 1 } }], {}, { price: 6_000 }],
    ['threshold by amount', [{ id: 't', name: 't', perUnit: 200, threshold: { period: 'week', amount: 500_000 } }], { buyer: { purchases: bought(0, 500_000) } }, { price: 5_800, rule: 't' }],
    [
      'tiers: the highest tier reached wins, wherever it is listed',
      [
        { id: 't1', name: 't1', percent: 100, threshold: { period: 'month', volume: 100_000 } },
        { id: 't3', name: 't3', percent: 300, threshold: { period: 'month', volume: 1_000_000 } },
        { id: 't2', name: 't2', percent: 200, threshold: { period: 'month', volume: 500_000 } },
      ],
      { buyer: { purchases: bought(600_000) } },
      { price: 5_880, rule: 't2' },
    ],
  ];
  for (const [name, discounts, overrides, expected] of table) {
    it(name, () => {
      const quote = quotePrice(catalogWith(discounts), query(overrides));
      expect(quote).toEqual(expected.rule === undefined ? { listPrice: 6_000, price: expected.price } : { listPrice: 6_000, price: expected.price, discountRule: expected.rule });
    });
  }

  it('a threshold counts the rule’s own products over the rule’s own period', () => {
    const asked: { period: string; products: string[] | undefined }[] = [];
    const purchases: NonNullable<PriceQuery['buyer']>['purchases'] = (period, products) => {
      asked.push({ period, products: products ? [...products] : undefined });
      return { volume: 0, amount: 0 };
    };
    quotePrice(catalogWith([{ id: 't', name: 't', percent: 250, products: ['fuel'], threshold: { period: 'week', volume: 1 } }]), query({ buyer: { purchases } }));
    expect(asked).toEqual([{ period: 'week', products: ['fuel'] }]);
  });
});

describe('list prices over time: scheduled changes', () => {
  const at = (hours: number): number => noon + hours * 3_600_000;
  const catalog = (() => {
    const { cards: _cards, counterparties: _counterparties, clients: _clients, ...document } = demoNetwork();
    return compileCatalog({
      ...document,
      discounts: [],
      prices: [
        { product: 'AI95', price: 6_000 },
        { product: 'AI95', price: 6_100, from: at(1) },
        { product: 'AI95', price: 6_200, from: at(3) },
        { product: 'AI95', price: 5_900, site: 'TVR-01' },
        { product: 'AI95', price: 6_050, site: 'TVR-01', from: at(2) },
        { product: 'DT', price: 7_000, from: at(1) },
      ],
    });
  })();
  const listAt = (siteId: string, product: string, when: number): number | undefined => quotePrice(catalog, query({ siteId, product, at: when }))?.listPrice;

  it('a price applies from its instant on, until the next one', () => {
    expect([at(0), at(1) - 1, at(1), at(3) - 1, at(3), at(100)].map((when) => listAt('MSK-01', 'AI95', when))).toEqual([6_000, 6_000, 6_100, 6_100, 6_200, 6_200]);
  });

  it('a site’s override applies while one is in effect, the network’s otherwise', () => {
    expect([at(0), at(2), at(3)].map((when) => listAt('TVR-01', 'AI95', when))).toEqual([5_900, 6_050, 6_050]);
  });

  it('a product whose first price lies in the future has no price before it', () => {
    expect(listAt('MSK-01', 'DT', at(0))).toBeUndefined();
    expect(listAt('MSK-01', 'DT', at(1))).toBe(7_000);
  });

  it('the catalog knows the next change after any instant', () => {
    expect([at(0), at(1), at(2), at(3)].map((when) => nextPriceChange(catalog, when))).toEqual([at(1), at(2), at(3), undefined]);
  });
});
