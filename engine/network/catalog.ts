// A network's reference data compiled for decisions: sites, terminals, products, prices, discount
// rules, bonus program and tariffs, with O(1) lookups. Small (thousands of rows), kept in memory.
// Cards, accounts and clients are many; they stay in LMDB and are read when their actor starts.

import { constants } from '../constants.js';
import type { Calendar } from '../time/calendar.js';
import { calendarFor, parseHoursWindow } from '../time/calendar.js';
import type { LimitPeriod, NetworkDocument, Unit } from './schema.js';

export interface TerminalInfo {
  id: string;
  networkId: string;
  siteId: string;
  kind: 'pump' | 'pos' | 'bay' | 'kiosk';
  status: 'active' | 'blocked';
}

export interface ProductInfo {
  code: string;
  name: string;
  group: string;
  unit: Unit;
  holdMs: number;
}

export interface DiscountRule {
  id: string;
  name: string;
  percent?: number;
  perUnit?: number;
  products?: ReadonlySet<string>;
  segments?: ReadonlySet<string>;
  counterparties?: ReadonlySet<string>;
  sites?: ReadonlySet<string>;
  hours?: { fromMinute: number; toMinute: number };
  from?: number;
  to?: number;
}

export interface BonusProgram {
  rate: number;
  products?: ReadonlySet<string>;
  redeem: boolean;
}

export interface TariffInfo {
  code: string;
  name: string;
  perMinute: number;
  perMinuteMember?: number | undefined;
  minimumMinutes?: number | undefined;
}

export interface NetworkCatalog {
  id: string;
  name: string;
  currency: string;
  timeZone: string;
  calendar: Calendar;
  sites: ReadonlyMap<string, { id: string; name: string; kind: 'fuel' | 'shop' | 'wash' }>;
  terminals: ReadonlyMap<string, TerminalInfo>;
  products: ReadonlyMap<string, ProductInfo>;
  /** Network prices by product, and site overrides by `${site}\u0000${product}`. */
  prices: ReadonlyMap<string, number>;
  sitePrices: ReadonlyMap<string, number>;
  discounts: readonly DiscountRule[];
  bonus?: BonusProgram;
  tariffs: ReadonlyMap<string, TariffInfo>;
}

/** The part of the network document that the catalog holds (everything but the many: cards, counterparties, clients). */
export type NetworkCatalogDocument = Omit<NetworkDocument, 'cards' | 'counterparties' | 'clients'>;

export function compileCatalog(document: NetworkCatalogDocument): NetworkCatalog {
  const networkId = document.network.id;
  const sites = new Map<string, { id: string; name: string; kind: 'fuel' | 'shop' | 'wash' }>();
  const terminals = new Map<string, TerminalInfo>();
  for (const site of document.sites ?? []) {
    sites.set(site.id, { id: site.id, name: site.name, kind: site.kind });
    for (const terminal of site.terminals) {
      terminals.set(terminal.id, { id: terminal.id, networkId, siteId: site.id, kind: terminal.kind, status: terminal.status ?? 'active' });
    }
  }
  const products = new Map<string, ProductInfo>();
  for (const product of document.products ?? []) {
    products.set(product.code, {
      code: product.code,
      name: product.name,
      group: product.group,
      unit: product.unit,
      holdMs: product.holdMinutes !== undefined ? product.holdMinutes * 60_000 : constants.holdTimeoutMs,
    });
  }
  const prices = new Map<string, number>();
  const sitePrices = new Map<string, number>();
  for (const price of document.prices ?? []) {
    if (price.site === undefined) prices.set(price.product, price.price);
    else sitePrices.set(sitePriceKey(price.site, price.product), price.price);
  }
  const discounts = (document.discounts ?? []).map((rule): DiscountRule => {
    const compiled: DiscountRule = { id: rule.id, name: rule.name };
    if (rule.percent !== undefined) compiled.percent = rule.percent;
    if (rule.perUnit !== undefined) compiled.perUnit = rule.perUnit;
    if (rule.products) compiled.products = new Set(rule.products);
    if (rule.segments) compiled.segments = new Set(rule.segments);
    if (rule.counterparties) compiled.counterparties = new Set(rule.counterparties);
    if (rule.sites) compiled.sites = new Set(rule.sites);
    const hours = rule.hours !== undefined ? parseHoursWindow(rule.hours) : undefined;
    if (hours) compiled.hours = hours;
    if (rule.from !== undefined) compiled.from = rule.from;
    if (rule.to !== undefined) compiled.to = rule.to;
    return compiled;
  });
  const tariffs = new Map<string, TariffInfo>();
  for (const tariff of document.tariffs ?? []) tariffs.set(tariff.code, { ...tariff });
  const catalog: NetworkCatalog = {
    id: networkId,
    name: document.network.name,
    currency: document.network.currency,
    timeZone: document.network.timezone,
    calendar: calendarFor(document.network.timezone),
    sites,
    terminals,
    products,
    prices,
    sitePrices,
    discounts,
    tariffs,
  };
  if (document.bonus) {
    const bonus: BonusProgram = { rate: document.bonus.rate, redeem: document.bonus.redeem };
    if (document.bonus.products) bonus.products = new Set(document.bonus.products);
    catalog.bonus = bonus;
  }
  return catalog;
}

export function sitePriceKey(siteId: string, product: string): string {
  return `${siteId}\u0000${product}`;
}

/** The list price of a product at a site: the site's override, else the network's. */
export function listPrice(catalog: NetworkCatalog, siteId: string, product: string): number | undefined {
  return catalog.sitePrices.get(sitePriceKey(siteId, product)) ?? catalog.prices.get(product);
}

/** Whether a product matches a list of product codes or group names (no list: every product). */
export function productMatches(catalog: NetworkCatalog, refs: ReadonlySet<string> | readonly string[] | undefined, productCode: string): boolean {
  if (refs === undefined) return true;
  const product = catalog.products.get(productCode);
  if ('has' in refs) return refs.has(productCode) || (product !== undefined && refs.has(product.group));
  return refs.includes(productCode) || (product !== undefined && refs.includes(product.group));
}

// ---- reference records of the many (stored in LMDB) --------------------------------------------

export interface LimitConfig {
  period: LimitPeriod;
  amount?: number | undefined;
  volume?: number | undefined;
  products?: string[] | undefined;
}

export interface CardConfig {
  networkId: string;
  hash: string;
  masked: string;
  accountKey: string;
  status: 'active' | 'blocked';
  pinHash?: string;
  expires?: string;
  limits: LimitConfig[];
  restrictions: {
    sites?: string[] | undefined;
    products?: string[] | undefined;
    hours?: string | undefined;
    weekdays?: number[] | undefined;
  };
}

export interface AccountConfig {
  networkId: string;
  key: string;
  owner: 'counterparty' | 'client';
  ownerId: string;
  name: string;
  segment?: string;
  member?: boolean;
  openingBalance: number;
  creditLimit: number;
}

export const referenceKinds = {
  network: 'network',
  card: 'card',
  account: 'account',
  clientIdentifier: 'client-id',
} as const;

export function accountKeyFor(networkId: string, owner: 'counterparty' | 'client', ownerId: string): string {
  return `acct:${networkId}:${owner === 'counterparty' ? 'cp' : 'cl'}:${ownerId}`;
}

export function cardKeyFor(networkId: string, hash: string): string {
  return `card:${networkId}:${hash}`;
}

export function terminalKeyFor(terminalId: string): string {
  return `term:${terminalId}`;
}
