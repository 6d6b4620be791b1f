// Pricing: the list price of a product at a site at an instant (scheduled changes included), lowered
// by the best applicable discount rule. A rule is a percentage (basis points), money off per unit, or
// a fixed (contract) price; it may be scoped by products or groups, counterparties and their
// segments, client groups, club membership, sites, hours, a validity window and a purchase threshold
// over a calendar period (volume tiers). When several rules apply, the one giving the lowest unit
// price wins; on a tie, the first listed. No rule ever raises the price above the list price: a
// contract price above it simply does not win.

import type { DiscountRule, NetworkCatalog } from '../network/catalog.js';
import { listPrice, productMatches } from '../network/catalog.js';
import type { CountingPeriod } from '../network/schema.js';
import { applyPercent } from '../money.js';
import { inHoursWindow } from '../time/calendar.js';

/** What the buyer bought in the current calendar period, before this purchase. */
export type PurchasesOf = (period: CountingPeriod, products: ReadonlySet<string> | undefined) => { volume: number; amount: number };

/** Who buys: the account's owner as the rules see it. A sale without a card has no buyer. */
export interface Buyer {
  counterpartyId?: string;
  segment?: string;
  clientGroups?: readonly string[];
  member?: boolean;
  purchases?: PurchasesOf;
}

export interface PriceQuery {
  siteId: string;
  product: string;
  at: number;
  /** Local minute of the day in the network's time zone (for hour windows). */
  minuteOfDay: number;
  buyer?: Buyer;
  /**
   * The price the till gives for an item the network has no price for (a free-price item). A list
   * price of the network always wins over it: one place sets prices, every lane obeys.
   */
  tillPrice?: number;
}

export interface PriceQuote {
  /** List price per unit (minor units). */
  listPrice: number;
  /** Price per unit after the winning discount. */
  price: number;
  /** The rule that set the price, if any. */
  discountRule?: string;
}

export function quotePrice(catalog: NetworkCatalog, query: PriceQuery): PriceQuote | undefined {
  const base = listPrice(catalog, query.siteId, query.product, query.at) ?? query.tillPrice;
  if (base === undefined) return undefined;
  let best = base;
  let bestRule: DiscountRule | undefined;
  for (const rule of catalog.discounts) {
    if (!ruleApplies(catalog, rule, query)) continue;
    const candidate = priceUnder(rule, base);
    if (candidate < best) {
      best = candidate;
      bestRule = rule;
    }
  }
  return bestRule ? { listPrice: base, price: best, discountRule: bestRule.id } : { listPrice: base, price: base };
}

/** The unit price a rule gives for a list price. */
export function priceUnder(rule: DiscountRule, base: number): number {
  if (rule.percent !== undefined) return applyPercent(base, rule.percent);
  if (rule.perUnit !== undefined) return Math.max(0, base - rule.perUnit);
  return Math.min(base, rule.fixedPrice ?? base);
}

/** Whether a rule applies to a query (every scope it names must match). */
export function ruleApplies(catalog: NetworkCatalog, rule: DiscountRule, query: PriceQuery): boolean {
  if (rule.from !== undefined && query.at < rule.from) return false;
  if (rule.to !== undefined && query.at >= rule.to) return false;
  if (rule.sites && !rule.sites.has(query.siteId)) return false;
  if (!productMatches(catalog, rule.products, query.product)) return false;
  if (rule.hours !== undefined && !inHoursWindow(rule.hours, query.minuteOfDay)) return false;
  const buyer = query.buyer;
  if (rule.segments && (buyer?.segment === undefined || !rule.segments.has(buyer.segment))) return false;
  if (rule.counterparties && (buyer?.counterpartyId === undefined || !rule.counterparties.has(buyer.counterpartyId))) return false;
  if (rule.clientGroups) {
    const groups = rule.clientGroups;
    if (!buyer?.clientGroups?.some((group) => groups.has(group))) return false;
  }
  // Club rules (`members: true`) and guest rules (`members: false`) need a known client.
  if (rule.members !== undefined && (buyer === undefined || (buyer.member ?? false) !== rule.members)) return false;
  if (rule.threshold) {
    if (buyer?.purchases === undefined) return false;
    const bought = buyer.purchases(rule.threshold.period, rule.products);
    if (rule.threshold.volume !== undefined && bought.volume < rule.threshold.volume) return false;
    if (rule.threshold.amount !== undefined && bought.amount < rule.threshold.amount) return false;
  }
  return true;
}
