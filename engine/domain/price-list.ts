// A site's price list at an instant: every product with a list price there, the price a buyer pays
// after the best discount (no buyer: what anyone pays), and the scheduled list-price changes still
// to come. The `prices` operation answers with it, and the engine pushes it to the site's terminals
// on `tessera.v1.cfg.<siteId>.prices` whenever it changes.

import type { NetworkCatalog } from '../network/catalog.js';
import { listPrice, sitePriceKey } from '../network/catalog.js';
import type { Unit } from '../network/schema.js';
import { constants } from '../constants.js';
import type { Buyer } from './pricing.js';
import { quotePrice } from './pricing.js';

export interface PriceListEntry {
  product: string;
  name: string;
  group: string;
  unit: Unit;
  listPrice: number;
  price: number;
  discountRule?: string;
}

export interface ScheduledPrice {
  product: string;
  price: number;
  from: number;
}

export interface PriceList {
  prices: PriceListEntry[];
  scheduled: ScheduledPrice[];
}

/**
 * The list at `siteId` at `at`, for `products` (default: every product priced there). A product
 * asked for that is unknown or has no price there gives `undefined`.
 */
export function priceList(catalog: NetworkCatalog, siteId: string, at: number, minuteOfDay: number, buyer?: Buyer, products?: readonly string[]): PriceList | undefined {
  const codes = products ?? [...catalog.products.keys()].filter((code) => listPrice(catalog, siteId, code, at) !== undefined);
  const prices: PriceListEntry[] = [];
  const scheduled: ScheduledPrice[] = [];
  for (const code of codes) {
    const product = catalog.products.get(code);
    if (product === undefined) return undefined;
    if (listPrice(catalog, siteId, code, at) === undefined) {
      if (products !== undefined) return undefined;
      continue;
    }
    const quote = quotePrice(catalog, { siteId, product: code, at, minuteOfDay, ...(buyer !== undefined ? { buyer } : {}) });
    if (quote === undefined) return undefined;
    const entry: PriceListEntry = { product: code, name: product.name, group: product.group, unit: product.unit, listPrice: quote.listPrice, price: quote.price };
    if (quote.discountRule !== undefined) entry.discountRule = quote.discountRule;
    prices.push(entry);
    scheduled.push(...upcoming(catalog, siteId, code, at));
  }
  return { prices, scheduled };
}

/** The list-price changes of a product at a site after `at` (at most `scheduledPricesMax`). */
function upcoming(catalog: NetworkCatalog, siteId: string, product: string, at: number): ScheduledPrice[] {
  const instants = new Set<number>();
  for (const step of catalog.sitePrices.get(sitePriceKey(siteId, product)) ?? []) if (step.from > at) instants.add(step.from);
  for (const step of catalog.prices.get(product) ?? []) if (step.from > at) instants.add(step.from);
  const changes: ScheduledPrice[] = [];
  let previous = listPrice(catalog, siteId, product, at);
  for (const from of [...instants].sort((a, b) => a - b)) {
    const price = listPrice(catalog, siteId, product, from);
    if (price === undefined || price === previous) continue;
    changes.push({ product, price, from });
    previous = price;
    if (changes.length >= constants.scheduledPricesMax) break;
  }
  return changes;
}
