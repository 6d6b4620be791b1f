// The transaction feed: a search over `readmodel.operations` (one row per fuel transaction, receipt,
// return, top-up, wash charge and decline), newest first, paged by a keyset cursor on (at, position)
// — a page starts strictly below the last row of the one before, so rows that arrive meanwhile (they
// are newer) never shift it: no gaps, no duplicates. Every filter is an equality (or a range on `at`)
// that one of the table's indexes (network, <filter>, at, position) answers in order, so a page reads
// about `limit` index entries whatever the table's size (EXPLAIN plans: docs/decisions/0014).
// Values are parameters only. A card is searched by its keyed hash (the caller hashes a full number;
// it never reaches this module) or by the last digits of its masked form.

import type pg from 'pg';
import type { OperationKind, OperationResult, OperationRow as WrittenOperationRow } from '../writes.js';
import { operationKinds, operationResults } from '../writes.js';

export { operationKinds, operationResults };
export type { OperationKind, OperationResult };

export interface OperationFilters {
  /** The keyed hash of a full card number (`engine.identifyCard`). */
  cardHash?: string | undefined;
  /** The last digits of a card number (matched on the masked number's end). */
  cardLast?: string | undefined;
  /** A masked number as the read model writes it (`700500******0017`). */
  cardMasked?: string | undefined;
  counterparty?: string | undefined;
  client?: string | undefined;
  site?: string | undefined;
  terminal?: string | undefined;
  /** A tx id, refund id, session id or declined request id: the operation's reference or the transaction it belongs to. */
  tx?: string | undefined;
  kinds?: readonly OperationKind[] | undefined;
  result?: OperationResult | undefined;
  /** Milliseconds since the epoch: from inclusive, to exclusive. */
  from?: number | undefined;
  to?: number | undefined;
}

/** What the caller may see (the API's listScope). */
export interface FeedScope {
  sites: readonly string[] | 'all';
  owner?: { kind: 'counterparty' | 'client'; id: string } | undefined;
}

/** A position in the feed: the last row of a page. */
export interface FeedCursor {
  /** Milliseconds since the epoch. */
  at: number;
  position: number;
}

export interface FeedPage {
  limit: number;
  after?: FeedCursor | undefined;
}

export interface OperationView {
  /** The operation's own id (tx id, refund id, session id, declined request id; `topup:<position>`). */
  reference: string;
  /** The transaction or receipt it belongs to (a return: the one returned). */
  txId: string | null;
  kind: OperationKind;
  result: OperationResult;
  position: number;
  at: string;
  account: string | null;
  counterparty: string | null;
  client: string | null;
  /** The masked card number. */
  card: string | null;
  site: string | null;
  terminal: string | null;
  product: string | null;
  /** Millilitres (fuel), minutes (wash). */
  volume: number | null;
  /** Minor units. */
  amount: number;
  discount: number;
  bonus: number;
  method: string | null;
  reason: string | null;
}

/** A row of the feed as read back (the written row without what only the write needs; times as Date). */
export type OperationRow = Omit<WrittenOperationRow, 'network' | 'card_hash' | 'auth_id' | 'at'> & { at: Date };

/** The columns a query of the feed selects (views and exports read the same). */
export const operationColumnList = 'position, kind, result, reference, tx_id, account, counterparty, client, card, site, terminal, product, volume, amount, discount, bonus, method, reason, at';

export function operationView(row: OperationRow): OperationView {
  return {
    reference: row.reference,
    txId: row.tx_id,
    kind: row.kind,
    result: row.result,
    position: row.position,
    at: row.at.toISOString(),
    account: row.account,
    counterparty: row.counterparty,
    client: row.client,
    card: row.card,
    site: row.site,
    terminal: row.terminal,
    product: row.product,
    volume: row.volume,
    amount: row.amount,
    discount: row.discount,
    bonus: row.bonus,
    method: row.method,
    reason: row.reason,
  };
}

/** Builds `WHERE` conditions with numbered parameters. */
class Conditions {
  readonly values: unknown[] = [];
  readonly parts: string[] = [];

  parameter(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }

  add(condition: (parameter: (value: unknown) => string) => string): void {
    this.parts.push(condition((value) => this.parameter(value)));
  }
}

/** The conditions of a search: network, filters, scope and (for a page) the cursor. */
function conditionsOf(network: string, filters: OperationFilters, scope: FeedScope, after?: FeedCursor): Conditions {
  const where = new Conditions();
  where.add((p) => `network = ${p(network)}`);
  if (filters.cardHash !== undefined) where.add((p) => `card_hash = ${p(filters.cardHash)}`);
  // The masked form keeps the last four digits: both searches go through the index on them (migration 0003).
  const { cardLast, cardMasked } = filters;
  if (cardLast !== undefined) where.add((p) => `card IS NOT NULL AND right(card, 4) = ${p(cardLast.slice(-4))}`);
  if (cardMasked !== undefined) where.add((p) => `card IS NOT NULL AND right(card, 4) = ${p(cardMasked.slice(-4))} AND card = ${p(cardMasked)}`);
  if (filters.counterparty !== undefined) where.add((p) => `counterparty = ${p(filters.counterparty)}`);
  if (filters.client !== undefined) where.add((p) => `client = ${p(filters.client)}`);
  if (filters.site !== undefined) where.add((p) => `site = ${p(filters.site)}`);
  if (filters.terminal !== undefined) where.add((p) => `terminal = ${p(filters.terminal)}`);
  if (filters.tx !== undefined) where.add((p) => `(reference = ${p(filters.tx)} OR tx_id = ${p(filters.tx)})`);
  const kinds = filters.kinds === undefined ? [] : [...new Set(filters.kinds)];
  // One kind is an equality (the kind index answers it in order); several, a list.
  if (kinds.length === 1) where.add((p) => `kind = ${p(kinds[0])}`);
  else if (kinds.length > 1) where.add((p) => `kind = ANY(${p(kinds)}::text[])`);
  if (filters.result !== undefined) where.add((p) => `result = ${p(filters.result)}`);
  const { from, to } = filters;
  if (from !== undefined) where.add((p) => `at >= ${p(new Date(from).toISOString())}::timestamptz`);
  // With a cursor, only the tighter of the two upper bounds is given (the planner starts its index scan at one of them).
  if (to !== undefined && (after === undefined || after.at >= to)) where.add((p) => `at < ${p(new Date(to).toISOString())}::timestamptz`);
  // One site is an equality (the site index answers it in order); several, a list.
  const sites = scope.sites;
  if (sites !== 'all' && sites.length === 1) where.add((p) => `site = ${p(sites[0])}`);
  else if (sites !== 'all') where.add((p) => `site = ANY(${p([...sites])}::text[])`);
  if (scope.owner !== undefined) {
    const owner = scope.owner;
    where.add((p) => (owner.kind === 'counterparty' ? `counterparty = ${p(owner.id)}` : `client = ${p(owner.id)}`));
  }
  if (after !== undefined && (to === undefined || after.at < to)) where.add((p) => `(at, position) < (${p(new Date(after.at).toISOString())}::timestamptz, ${p(after.position)}::bigint)`);
  return where;
}

/** The search as SQL, newest first; `limit` rows at most when given (the export reads it whole through a cursor). */
export function operationsQuery(network: string, filters: OperationFilters, scope: FeedScope, page: { limit?: number; after?: FeedCursor | undefined } = {}): { text: string; values: unknown[] } {
  const where = conditionsOf(network, filters, scope, page.after);
  const limit = page.limit !== undefined ? ` LIMIT ${where.parameter(page.limit)}` : '';
  return { text: `SELECT ${operationColumnList} FROM readmodel.operations WHERE ${where.parts.join(' AND ')} ORDER BY at DESC, position DESC${limit}`, values: where.values };
}

/** One page of the feed and the cursor of the next (null on the last page). */
export async function searchOperations(pool: pg.Pool, network: string, filters: OperationFilters, scope: FeedScope, page: FeedPage): Promise<{ items: OperationView[]; next: FeedCursor | null }> {
  const query = operationsQuery(network, filters, scope, { limit: page.limit + 1, after: page.after });
  const { rows } = await pool.query<OperationRow>(query.text, query.values);
  const items = rows.slice(0, page.limit);
  const last = items.at(-1);
  const next = rows.length > page.limit && last !== undefined ? { at: last.at.getTime(), position: last.position } : null;
  return { items: items.map(operationView), next };
}

/** The cursor as an opaque base64url token. */
export function encodeFeedCursor(cursor: FeedCursor): string {
  return Buffer.from(JSON.stringify([cursor.at, cursor.position])).toString('base64url');
}

/** A token back to its cursor; undefined when it is not one this module made. */
export function decodeFeedCursor(token: string): FeedCursor | undefined {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(token)) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== 2) return undefined;
    const [at, position] = value as unknown[];
    if (!Number.isSafeInteger(at) || !Number.isSafeInteger(position) || (position as number) < 0) return undefined;
    if (Number.isNaN(new Date(at as number).getTime())) return undefined;
    return { at: at as number, position: position as number };
  } catch {
    return undefined;
  }
}
