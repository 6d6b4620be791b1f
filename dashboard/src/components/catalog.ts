// What the catalog screens (sites, prices, discounts, bonus, tariffs) share: the shapes the API answers
// for the network, sites and products, roubles typed in a form checked and turned into kopecks, and
// reading a list again after a write until the read model shows it (it follows the engine within
// about a second).

import type { TFunction } from 'i18next';

export interface NetworkInfo {
  id: string;
  name: string;
  currency: string;
  timezone: string;
}

export interface Site {
  id: string;
  name: string;
  kind: string;
}

export interface Product {
  code: string;
  name: string;
  group: string;
  unit: 'l' | 'pcs' | 'min';
  holdMinutes: number | null;
}

/** The largest amount a form takes, in roubles (the engine's money bound is far above any price). */
const roublesMax = 10_000_000;

/** Roubles with at most two decimals → kopecks (an integer). */
export function kopecksOf(roubles: number): number {
  return Math.round(roubles * 100);
}

/** An antd rule: a number of roubles, not negative, at most two decimals. */
export function roublesRule(t: TFunction, options: { zero?: boolean } = {}) {
  return {
    validator: (_rule: unknown, value: number | null | undefined): Promise<void> => {
      if (value === null || value === undefined) return Promise.resolve();
      const kopecks = value * 100;
      const whole = Math.abs(kopecks - Math.round(kopecks)) < 1e-6;
      const bad = !Number.isFinite(value) || value < 0 || (value === 0 && options.zero !== true) || value > roublesMax || !whole;
      return bad ? Promise.reject(new Error(t('catalog.common.roubles'))) : Promise.resolve();
    },
  };
}

/** Reads with `load` until `shown` holds for the answer (a bounded number of tries, a short pause between). */
export async function refreshUntil<T>(load: () => Promise<T>, shown: (answer: T) => boolean, tries = 20): Promise<void> {
  for (let attempt = 0; attempt < tries; attempt++) {
    if (shown(await load())) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Options for choosing products in a rule: each product group ("fuel", "cafe" …) first, then each product. */
export function productChoices(t: TFunction, products: readonly Product[]): { value: string; label: string }[] {
  return [...new Set(products.map((product) => product.group))]
    .map((group) => ({ value: group, label: t('promo.group', { group }) }))
    .concat(products.map((product) => ({ value: product.code, label: `${product.code} — ${product.name}` })));
}
