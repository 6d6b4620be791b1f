// The feed search the search bench measures — the read model's own `searchOperations`, the query
// GET /api/v1/transactions runs — behind one small interface: a filter and an optional cursor in, a
// page of operations (newest first) and the next cursor out, with what the bench checks of each row.

import type pg from 'pg';
import { constants, decodeFeedCursor, encodeFeedCursor, searchOperations } from '../engine/index.js';

export interface FeedFilter {
  cardHash?: string;
  counterparty?: string;
  site?: string;
  terminal?: string;
  /** A tx id or an operation's reference. */
  reference?: string;
  result?: 'approved' | 'declined';
  /** Period, epoch ms: from inclusive, to exclusive. */
  from?: number;
  to?: number;
}

/** What the bench checks of a row. Times in epoch ms; `card_hash` is the filter's hash when the row shows that card's masked number. */
export interface FeedRow {
  position: number;
  at: number;
  result: string;
  reference: string;
  tx_id: string | null;
  card_hash: string | null;
  counterparty: string | null;
  site: string | null;
  terminal: string | null;
}

export interface FeedPage {
  rows: FeedRow[];
  next?: string;
}

export type FeedSearch = (filter: FeedFilter, cursor?: string) => Promise<FeedPage>;

/** The API's default page. */
export const pageRows = constants.feedPageRowsDefault;

/** `searchOperations` over the pool for the network's owner (every site), and what it is. */
export function feedSearchOf(pool: pg.Pool, network: string, maskedOf: (hash: string) => string | undefined): { search: FeedSearch; description: string } {
  const search: FeedSearch = async (filter, cursor) => {
    const after = cursor === undefined ? undefined : decodeFeedCursor(cursor);
    if (cursor !== undefined && after === undefined) throw new Error('not a cursor of the feed');
    const page = await searchOperations(
      pool,
      network,
      { cardHash: filter.cardHash, counterparty: filter.counterparty, site: filter.site, terminal: filter.terminal, tx: filter.reference, result: filter.result, from: filter.from, to: filter.to },
      { sites: 'all' },
      { limit: pageRows, after },
    );
    const masked = filter.cardHash === undefined ? undefined : maskedOf(filter.cardHash);
    const rows = page.items.map((item) => ({
      position: item.position,
      at: Date.parse(item.at),
      result: item.result,
      reference: item.reference,
      tx_id: item.txId,
      card_hash: filter.cardHash !== undefined && item.card !== null && item.card === masked ? filter.cardHash : item.card,
      counterparty: item.counterparty,
      site: item.site,
      terminal: item.terminal,
    }));
    return { rows, ...(page.next !== null ? { next: encodeFeedCursor(page.next) } : {}) };
  };
  return { search, description: `searchOperations (engine/read-model/queries/feed.ts), ${pageRows} a page, as the owner (every site)` };
}
