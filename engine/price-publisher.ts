// Price lists pushed to the tills: whenever the list prices of a site change — an import, or a
// scheduled change coming into effect — the engine records a `prices.changed` event on the
// network's journal and, once it is flushed, hands each affected site's new list to its listeners
// (the terminal gateway publishes it on `tessera.v1.cfg.<siteId>.prices`). A push carries list
// prices and scheduled changes; `price` is what a buyer without a card pays at that moment
// (a card's own discounts come with each decision, or from the `prices` operation).

import type { Clock } from './clock.js';
import type { NetworkCatalog } from './network/catalog.js';
import { nextPriceChange } from './network/catalog.js';
import type { Catalogs } from './network/catalogs.js';
import type { LmdbStore } from './store/lmdb-store.js';
import type { PriceList } from './domain/price-list.js';
import { priceList } from './domain/price-list.js';

export interface SitePriceList extends PriceList {
  network: string;
  site: string;
  at: number;
}

export class PricePublisher {
  /** What was last pushed per site: its list prices and scheduled changes, as text to compare. */
  private readonly published = new Map<string, string>();
  /** The next scheduled change per network (undefined: none to come). */
  private readonly nextChange = new Map<string, number | undefined>();
  private readonly listeners: ((list: SitePriceList) => void)[] = [];

  constructor(
    private readonly catalogs: Catalogs,
    private readonly store: LmdbStore,
    private readonly clock: Clock,
  ) {
    const now = clock.now();
    for (const catalog of catalogs.all()) {
      for (const list of this.listsOf(catalog, now)) this.published.set(list.site, fingerprintOf(list));
      this.nextChange.set(catalog.id, nextPriceChange(catalog, now));
    }
  }

  /** Follows every site's new list; returns how to stop following. */
  onPriceList(listener: (list: SitePriceList) => void): () => void {
    this.listeners.push(listener);
    return () => {
      const index = this.listeners.indexOf(listener);
      if (index >= 0) this.listeners.splice(index, 1);
    };
  }

  /** Every site's list now (a gateway pushes them once when it starts). */
  current(): SitePriceList[] {
    const now = this.clock.now();
    return [...this.catalogs.all()].flatMap((catalog) => this.listsOf(catalog, now));
  }

  /** After an import installed a network's catalog: push what changed. */
  catalogInstalled(networkId: string): void {
    this.refresh(networkId, 'import');
  }

  /** Pushes the lists of networks whose scheduled change is due (the scheduler calls this every second). */
  publishDue(): number {
    const now = this.clock.now();
    let sites = 0;
    for (const [networkId, due] of this.nextChange) if (due !== undefined && due <= now) sites += this.refresh(networkId, 'schedule');
    return sites;
  }

  private refresh(networkId: string, reason: 'import' | 'schedule'): number {
    const catalog = this.catalogs.network(networkId);
    if (catalog === undefined) return 0;
    const now = this.clock.now();
    this.nextChange.set(networkId, nextPriceChange(catalog, now));
    const changed = this.listsOf(catalog, now).filter((list) => this.published.get(list.site) !== fingerprintOf(list));
    if (changed.length === 0) return 0;
    for (const list of changed) this.published.set(list.site, fingerprintOf(list));
    this.store.appendToLog(`net:${networkId}`, { type: 'prices.changed', network: networkId, reason, sites: changed.map((list) => list.site), at: now }, now);
    this.store.afterFlush(() => {
      for (const list of changed) for (const listener of this.listeners) listener(list);
    });
    return changed.length;
  }

  private listsOf(catalog: NetworkCatalog, at: number): SitePriceList[] {
    const minuteOfDay = catalog.calendar.localTime(at).minuteOfDay;
    const lists: SitePriceList[] = [];
    for (const siteId of catalog.sites.keys()) {
      const list = priceList(catalog, siteId, at, minuteOfDay);
      if (list !== undefined) lists.push({ network: catalog.id, site: siteId, at, ...list });
    }
    return lists;
  }
}

/** List prices and scheduled changes only: a discount by the hour does not make a push. */
function fingerprintOf(list: SitePriceList): string {
  return JSON.stringify([list.prices.map((entry) => [entry.product, entry.listPrice]), list.scheduled]);
}
