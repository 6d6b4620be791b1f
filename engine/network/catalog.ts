// A network's reference data compiled for decisions: sites, terminals, products, prices, discount
// rules, bonus program and tariffs, with O(1) lookups. Small (thousands of rows), kept in memory.
// Cards, accounts and clients are many; they stay in LMDB and are read when their actor starts.

import { constants } from '../constants.js';
import type { Calendar } from '../time/calendar.js';
import { calendarFor, parseHoursWindow } from '../time/calendar.js';
import type { CountingPeriod, LimitPeriod, NetworkDocument, Unit } from './schema.js';
import type { AlertSettings } from '../alerts/settings.js';
import { compileAlertSettings } from '../alerts/settings.js';

export interface TerminalInfo {
  id: string;
  networkId: string;
  siteId: string;
  kind: 'pump' | 'pos' | 'bay' | 'kiosk';
  status: 'active' | 'blocked';
  /** Cash operations need an open cash shift. */
  requiresShift: boolean;
}

export interface ProductInfo {
  code: string;
  name: string;
  group: string;
  unit: Unit;
  holdMs: number;
  fragile: boolean;
}

/** A list price from an instant on (0: always). A product's steps are sorted by `from`. */
export interface PriceStep {
  from: number;
  price: number;
}

export interface DiscountRule {
  id: string;
  name: string;
  percent?: number;
  perUnit?: number;
  fixedPrice?: number;
  products?: ReadonlySet<string>;
  segments?: ReadonlySet<string>;
  counterparties?: ReadonlySet<string>;
  clientGroups?: ReadonlySet<string>;
  members?: boolean;
  sites?: ReadonlySet<string>;
  hours?: { fromMinute: number; toMinute: number };
  from?: number;
  to?: number;
  threshold?: { period: CountingPeriod; volume?: number; amount?: number };
}

export interface BonusProgram {
  rate: number;
  products?: ReadonlySet<string>;
  redeem: boolean;
  /** Rates of their own for some products or groups, first match wins. */
  rates: readonly { products: ReadonlySet<string>; rate: number }[];
  /** Spend tiers, highest `spend` first. */
  tiers: readonly { spend: number; rate: number }[];
  tierPeriod: CountingPeriod;
}

export type PromptCondition =
  | { kind: 'birthday' }
  | { kind: 'linesAbove'; lines: number }
  | { kind: 'amountAbove'; amount: number }
  | { kind: 'products'; products: ReadonlySet<string> }
  | { kind: 'fragile' };

export interface CashierPrompt {
  id: string;
  message: string;
  condition: PromptCondition;
}

export interface TariffInfo {
  code: string;
  name: string;
  perMinute: number;
  perMinuteMember?: number | undefined;
  minimumMinutes?: number | undefined;
  maximumMinutes?: number | undefined;
  sites?: string[] | undefined;
}

export interface SiteInfo {
  id: string;
  name: string;
  kind: 'fuel' | 'shop' | 'wash';
  /** Where the site is, in microdegrees (alerts: travel between sites). */
  location?: { lat: number; lon: number };
  /** Local opening hours (alerts: silent terminals); none: always open. */
  openingHours?: { fromMinute: number; toMinute: number };
}

export interface NetworkCatalog {
  id: string;
  name: string;
  currency: string;
  timeZone: string;
  calendar: Calendar;
  sites: ReadonlyMap<string, SiteInfo>;
  terminals: ReadonlyMap<string, TerminalInfo>;
  products: ReadonlyMap<string, ProductInfo>;
  /** Network price steps by product, and site overrides by `${site}\u0000${product}` (sorted by `from`). */
  prices: ReadonlyMap<string, readonly PriceStep[]>;
  sitePrices: ReadonlyMap<string, readonly PriceStep[]>;
  /** Every instant at which some list price changes, ascending (scheduled changes). */
  priceChanges: readonly number[];
  discounts: readonly DiscountRule[];
  bonus?: BonusProgram;
  tariffs: ReadonlyMap<string, TariffInfo>;
  prompts: readonly CashierPrompt[];
  /** The alert rules watching the network, defaults filled in (alerts/settings.ts). */
  alerts: AlertSettings;
}

/** The part of the network document that the catalog holds (everything but the many: cards, counterparties, clients). */
export type NetworkCatalogDocument = Omit<NetworkDocument, 'cards' | 'counterparties' | 'clients'>;

export function compileCatalog(document: NetworkCatalogDocument): NetworkCatalog {
  const networkId = document.network.id;
  const sites = new Map<string, SiteInfo>();
  const terminals = new Map<string, TerminalInfo>();
  for (const site of document.sites ?? []) {
    const info: SiteInfo = { id: site.id, name: site.name, kind: site.kind };
    if (site.lat !== undefined && site.lon !== undefined) info.location = { lat: site.lat, lon: site.lon };
    const openingHours = site.openingHours !== undefined ? parseHoursWindow(site.openingHours) : undefined;
    if (openingHours !== undefined) info.openingHours = openingHours;
    sites.set(site.id, info);
    for (const terminal of site.terminals) {
      terminals.set(terminal.id, { id: terminal.id, networkId, siteId: site.id, kind: terminal.kind, status: terminal.status ?? 'active', requiresShift: terminal.requiresShift ?? false });
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
      fragile: product.fragile ?? false,
    });
  }
  const prices = new Map<string, PriceStep[]>();
  const sitePrices = new Map<string, PriceStep[]>();
  const changes = new Set<number>();
  for (const price of document.prices ?? []) {
    const target = price.site === undefined ? prices : sitePrices;
    const key = price.site === undefined ? price.product : sitePriceKey(price.site, price.product);
    const steps = target.get(key) ?? [];
    steps.push({ from: price.from ?? 0, price: price.price });
    target.set(key, steps);
    if (price.from !== undefined) changes.add(price.from);
  }
  for (const steps of [...prices.values(), ...sitePrices.values()]) steps.sort((a, b) => a.from - b.from);
  const discounts = (document.discounts ?? []).map((rule): DiscountRule => {
    const compiled: DiscountRule = { id: rule.id, name: rule.name };
    if (rule.percent !== undefined) compiled.percent = rule.percent;
    if (rule.perUnit !== undefined) compiled.perUnit = rule.perUnit;
    if (rule.fixedPrice !== undefined) compiled.fixedPrice = rule.fixedPrice;
    if (rule.products) compiled.products = new Set(rule.products);
    if (rule.segments) compiled.segments = new Set(rule.segments);
    if (rule.counterparties) compiled.counterparties = new Set(rule.counterparties);
    if (rule.clientGroups) compiled.clientGroups = new Set(rule.clientGroups);
    if (rule.members !== undefined) compiled.members = rule.members;
    if (rule.threshold) {
      const threshold: NonNullable<DiscountRule['threshold']> = { period: rule.threshold.period };
      if (rule.threshold.volume !== undefined) threshold.volume = rule.threshold.volume;
      if (rule.threshold.amount !== undefined) threshold.amount = rule.threshold.amount;
      compiled.threshold = threshold;
    }
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
    priceChanges: [...changes].sort((a, b) => a - b),
    discounts,
    tariffs,
    prompts: (document.prompts ?? []).map(compilePrompt),
    alerts: compileAlertSettings(document.alerts),
  };
  if (document.bonus) {
    const bonus: BonusProgram = {
      rate: document.bonus.rate,
      redeem: document.bonus.redeem,
      rates: (document.bonus.rates ?? []).map((entry) => ({ products: new Set(entry.products), rate: entry.rate })),
      tiers: [...(document.bonus.tiers ?? [])].sort((a, b) => b.spend - a.spend),
      tierPeriod: document.bonus.tierPeriod ?? 'month',
    };
    if (document.bonus.products) bonus.products = new Set(document.bonus.products);
    catalog.bonus = bonus;
  }
  return catalog;
}

function compilePrompt(prompt: NonNullable<NetworkDocument['prompts']>[number]): CashierPrompt {
  const condition: PromptCondition =
    prompt.birthday !== undefined
      ? { kind: 'birthday' }
      : prompt.linesAbove !== undefined
        ? { kind: 'linesAbove', lines: prompt.linesAbove }
        : prompt.amountAbove !== undefined
          ? { kind: 'amountAbove', amount: prompt.amountAbove }
          : prompt.products !== undefined
            ? { kind: 'products', products: new Set(prompt.products) }
            : { kind: 'fragile' };
  return { id: prompt.id, message: prompt.message, condition };
}

export function sitePriceKey(siteId: string, product: string): string {
  return `${siteId}\u0000${product}`;
}

/**
 * The list price of a product at a site at an instant: the site's override in effect then, else the
 * network's price in effect then (a step applies from its `from` on, until the next step).
 */
export function listPrice(catalog: NetworkCatalog, siteId: string, product: string, at: number): number | undefined {
  return stepAt(catalog.sitePrices.get(sitePriceKey(siteId, product)), at) ?? stepAt(catalog.prices.get(product), at);
}

function stepAt(steps: readonly PriceStep[] | undefined, at: number): number | undefined {
  if (steps === undefined) return undefined;
  let price: number | undefined;
  for (const step of steps) {
    if (step.from > at) break;
    price = step.price;
  }
  return price;
}

/** The first scheduled price change after `at`, if any. */
export function nextPriceChange(catalog: NetworkCatalog, at: number): number | undefined {
  for (const change of catalog.priceChanges) if (change > at) return change;
  return undefined;
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
  /** The tank of the vehicle the card fuels, in litres (alerts). */
  tankLitres?: number;
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
  /** Client accounts: the client's groups and birthday ("MM-DD"), for discount rules and prompts; the car plate (normal form). */
  groups?: string[];
  birthday?: string;
  plate?: string;
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

/** The session actor of a client: at most one open wash session at a time. */
export function sessionKeyFor(networkId: string, clientId: string): string {
  return `sess:${networkId}:${clientId}`;
}

export function terminalKeyFor(terminalId: string): string {
  return `term:${terminalId}`;
}
