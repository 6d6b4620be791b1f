// Fixtures for decision tests: a small compiled catalog and account/card configurations.

import type { AccountConfig, CardConfig, NetworkCatalog } from '../network/catalog.js';
import { compileCatalog } from '../network/catalog.js';
import type { NetworkCatalogDocument } from '../network/catalog.js';
import type { CardContext } from '../domain/account.js';

/** 2026-11-23 12:00 in Moscow (09:00 UTC), a Monday. */
export const mondayNoon = Date.UTC(2026, 10, 23, 9, 0);
export const minute = 60_000;
export const hour = 60 * minute;
export const day = 24 * hour;

export function testCatalog(extra: Partial<NetworkCatalogDocument> = {}): NetworkCatalog {
  return compileCatalog({
    network: { id: 'n', name: 'Test', currency: 'RUB', timezone: 'Europe/Moscow' },
    sites: [
      { id: 'S1', name: 'Site 1', kind: 'fuel', terminals: [{ id: 'T1', kind: 'pump' }] },
      { id: 'S2', name: 'Site 2', kind: 'fuel', terminals: [{ id: 'T2', kind: 'pump' }] },
    ],
    products: [
      { code: 'AI95', name: 'AI-95', group: 'fuel', unit: 'l' },
      { code: 'DT', name: 'Diesel', group: 'fuel', unit: 'l', holdMinutes: 10 },
      { code: 'COFFEE', name: 'Coffee', group: 'cafe', unit: 'pcs' },
      { code: 'NOPRICE', name: 'Not priced', group: 'fuel', unit: 'l' },
    ],
    prices: [
      { product: 'AI95', price: 6000 },
      { product: 'DT', price: 7000 },
      { product: 'DT', price: 6500, site: 'S2' },
      { product: 'COFFEE', price: 20000 },
    ],
    ...extra,
  });
}

export function accountConfig(overrides: Partial<AccountConfig> = {}): AccountConfig {
  return { networkId: 'n', key: 'acct:n:cp:c1', owner: 'counterparty', ownerId: 'c1', name: 'C1', openingBalance: 1_000_000, creditLimit: 0, ...overrides };
}

export function cardConfig(overrides: Partial<CardConfig> = {}): CardConfig {
  return { networkId: 'n', hash: 'h1', masked: '700500******0017', accountKey: 'acct:n:cp:c1', status: 'active', limits: [], restrictions: {}, ...overrides };
}

export function cardContext(config: CardConfig = cardConfig()): CardContext {
  return { hash: config.hash, masked: config.masked, status: config.status, limits: config.limits };
}
