// Pricing: the list price of a product at a site, lowered by the best applicable discount rule.
// When several rules apply, the one giving the lowest unit price wins; on a tie, the first listed.

import type { DiscountRule, NetworkCatalog } from '../network/catalog.js';
import { listPrice, productMatches } from '../network/catalog.js';
import { applyPercent } from '../money.js';
import { inHoursWindow } from '../time/calendar.js';

export interface PriceQuery {
  siteId: string;
  product: string;
  counterpartyId?: string;
  segment?: string;
  at: number;
  minuteOfDay: number;
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
  const base = listPrice(catalog, query.siteId, query.product);
  if (base === undefined) return undefined;
  let best = base;
  let bestRule: DiscountRule | undefined;
  for (const rule of catalog.discounts) {
    if (!ruleApplies(catalog, rule, query)) continue;
    const candidate = rule.percent !== undefined ? applyPercent(base, rule.percent) : Math.max(0, base - (rule.perUnit ?? 0));
    if (candidate < best) {
      best = candidate;
      bestRule = rule;
    }
  }
  return bestRule ? { listPrice: base, price: best, discountRule: bestRule.id } : { listPrice: base, price: base };
}

function ruleApplies(catalog: NetworkCatalog, rule: DiscountRule, query: PriceQuery): boolean {
  if (rule.from !== undefined && query.at < rule.from) return false;
  if (rule.to !== undefined && query.at >= rule.to) return false;
  if (rule.sites && !rule.sites.has(query.siteId)) return false;
  if (rule.segments && (query.segment === undefined || !rule.segments.has(query.segment))) return false;
  if (rule.counterparties && (query.counterpartyId === undefined || !rule.counterparties.has(query.counterpartyId))) return false;
  if (!productMatches(catalog, rule.products, query.product)) return false;
  return rule.hours === undefined || inHoursWindow(rule.hours, query.minuteOfDay);
}
