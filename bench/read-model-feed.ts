// The feed search the search bench measures, behind one small interface: a filter and an optional
// cursor in, a page of operations (newest first) and the next cursor out.
//
// Until the read model's own `searchOperations` is on main, this is a stand-in with the same shape of
// SQL the feed needs: the filters as parameters, keyset paging on (at, position) descending, one
// index per filter (the migration's), a page of `pageRows`.

import type pg from 'pg';
import { readModelSchema } from '../engine/testing/index.js';

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

/** What the bench checks of a row. Times in epoch ms. */
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

export const pageRows = 50;
const schema = readModelSchema;

export function encodeCursor(at: number, position: number): string {
  return Buffer.from(`${at}:${position}`).toString('base64url');
}

function decodeCursor(cursor: string): { at: number; position: number } {
  const [at, position] = Buffer.from(cursor, 'base64url').toString().split(':').map(Number);
  if (at === undefined || position === undefined || !Number.isSafeInteger(at) || !Number.isSafeInteger(position)) throw new Error('bad cursor');
  return { at, position };
}

/** The stand-in's SQL for a filter (every value a parameter). */
export function feedQuery(network: string, filter: FeedFilter, cursor: string | undefined, limit = pageRows): { text: string; values: unknown[] } {
  const values: unknown[] = [network];
  const where = ['network = $1'];
  const add = (condition: (placeholder: string) => string, value: unknown): void => {
    values.push(value);
    where.push(condition(`$${values.length}`));
  };
  if (filter.cardHash !== undefined) add((p) => `card_hash = ${p}`, filter.cardHash);
  if (filter.counterparty !== undefined) add((p) => `counterparty = ${p}`, filter.counterparty);
  if (filter.site !== undefined) add((p) => `site = ${p}`, filter.site);
  if (filter.terminal !== undefined) add((p) => `terminal = ${p}`, filter.terminal);
  if (filter.reference !== undefined) add((p) => `(tx_id = ${p} OR reference = ${p})`, filter.reference);
  if (filter.result !== undefined) add((p) => `result = ${p}`, filter.result);
  if (filter.from !== undefined) add((p) => `at >= ${p}`, new Date(filter.from));
  if (filter.to !== undefined) add((p) => `at < ${p}`, new Date(filter.to));
  if (cursor !== undefined) {
    const after = decodeCursor(cursor);
    values.push(new Date(after.at), after.position);
    where.push(`(at, position) < ($${values.length - 1}, $${values.length})`);
  }
  values.push(limit + 1);
  return {
    text: `SELECT position, network, kind, result, reference, tx_id, account, counterparty, client, card, card_hash, site, terminal, product, volume, amount, discount, bonus, method, reason, at
           FROM ${schema}.operations WHERE ${where.join(' AND ')} ORDER BY at DESC, position DESC LIMIT $${values.length}`,
    values,
  };
}

/** The search the bench runs over the pool, and what it is. */
export function feedSearchOf(pool: pg.Pool, network: string): Promise<{ search: FeedSearch; description: string }> {
  const search: FeedSearch = async (filter, cursor) => {
    const query = feedQuery(network, filter, cursor);
    const { rows } = await pool.query<FeedRow & { at: Date }>(query.text, query.values);
    const page = rows.slice(0, pageRows).map((row) => ({ ...row, at: row.at.getTime() }));
    const last = page[page.length - 1];
    return { rows: page, ...(rows.length > pageRows && last !== undefined ? { next: encodeCursor(last.at, last.position) } : {}) };
  };
  return Promise.resolve({ search, description: `the bench's stand-in for searchOperations (keyset on (at, position), ${pageRows} a page)` });
}
