// An account's history from the read model.
// - Operations: its `balance_changes` rows (every event that moved its money or points: kind,
//   reference, delta, balance after, points), newest first, paged by the keyset (at, position); a
//   site-scoped reader sees only the changes of operations made at its sites (joined to the feed).
// - Pricing conditions: what the owner actually got — its sale lines in a period grouped by product ×
//   (list price, price, discount rule) with first and last time seen, count, quantity, amount,
//   discount — and what is in force now: the discount rules of the reference data that apply to it
//   (a rule's segments and counterparties lists, when given, must name it; an empty or absent list
//   means everyone) and, for a client, the bonus program.

import { readModelSchema as schema } from '../migrate.js';
import type { AccountRecord, Queryable } from './balances.js';

export interface OperationHistoryRow {
  position: number;
  at: number;
  kind: string;
  reference: string | null;
  delta: number;
  balanceAfter: number;
  bonusDelta: number;
  bonusAfter: number;
}

/** Where a page starts: strictly before this (at, position). */
export interface HistoryCursor {
  at: number;
  position: number;
}

export function encodeHistoryCursor(cursor: HistoryCursor): string {
  return Buffer.from(`${cursor.at}:${cursor.position}`, 'utf8').toString('base64url');
}

/** undefined for a cursor this API did not make. */
export function decodeHistoryCursor(text: string): HistoryCursor | undefined {
  const match = /^(\d{1,16}):(\d{1,16})$/.exec(Buffer.from(text, 'base64url').toString('utf8'));
  if (match === null) return undefined;
  const at = Number(match[1]);
  const position = Number(match[2]);
  return Number.isSafeInteger(at) && Number.isSafeInteger(position) ? { at, position } : undefined;
}

export interface OperationHistoryQuery {
  from?: number | undefined;
  to?: number | undefined;
  before?: HistoryCursor | undefined;
  /** Only changes of operations made at these sites. */
  sites: readonly string[] | 'all';
  limit: number;
}

interface ChangeColumns {
  position: number;
  at: Date;
  kind: string;
  reference: string | null;
  delta: number;
  balance_after: number;
  bonus_delta: number;
  bonus_after: number;
}

/** One page of an account's balance changes, newest first. */
export async function operationHistory(db: Queryable, account: string, query: OperationHistoryQuery): Promise<{ rows: OperationHistoryRow[]; next: HistoryCursor | undefined }> {
  const values: unknown[] = [account];
  const parameter = (value: unknown): string => {
    values.push(value);
    return `$${values.length}`;
  };
  const where = ['c.account = $1'];
  if (query.from !== undefined) where.push(`c.at >= ${parameter(new Date(query.from))}`);
  if (query.to !== undefined) where.push(`c.at < ${parameter(new Date(query.to))}`);
  if (query.before !== undefined) where.push(`(c.at, c.position) < (${parameter(new Date(query.before.at))}, ${parameter(query.before.position)})`);
  if (query.sites !== 'all') where.push(`EXISTS (SELECT 1 FROM ${schema}.operations o WHERE o.position = c.position AND o.site = ANY(${parameter(query.sites)}::text[]))`);
  const limit = parameter(query.limit + 1);
  const result = await db.query<ChangeColumns>(
    `SELECT c.position, c.at, c.kind, c.reference, c.delta, c.balance_after, c.bonus_delta, c.bonus_after
     FROM ${schema}.balance_changes c WHERE ${where.join(' AND ')} ORDER BY c.at DESC, c.position DESC LIMIT ${limit}`,
    values,
  );
  const rows = result.rows.slice(0, query.limit).map((row) => ({
    position: row.position,
    at: row.at.getTime(),
    kind: row.kind,
    reference: row.reference,
    delta: row.delta,
    balanceAfter: row.balance_after,
    bonusDelta: row.bonus_delta,
    bonusAfter: row.bonus_after,
  }));
  const last = rows.at(-1);
  return { rows, next: result.rows.length > query.limit && last !== undefined ? { at: last.at, position: last.position } : undefined };
}

export interface PricingHistoryRow {
  product: string;
  listPrice: number | null;
  price: number | null;
  discountRule: string | null;
  firstAt: number;
  lastAt: number;
  count: number;
  /** Thousandths of the product's unit (ml, 1/1000 pcs); minutes for a wash tariff. */
  quantity: number;
  /** The product's unit (`l`, `pcs`, …), `min` for a wash tariff; null when the catalog no longer has it. */
  unit: string | null;
  amount: number;
  discount: number;
}

export interface DiscountInForce {
  id: string;
  name: string;
  /** Basis points (150 = 1.5 %). */
  percent: number | null;
  /** Money off per unit (minor units). */
  perUnit: number | null;
  /** A fixed (contract) price per unit (minor units). */
  fixedPrice: number | null;
  products: string[] | null;
  sites: string[] | null;
  hours: string | null;
  validFrom: number | null;
  validTo: number | null;
  /** The client groups it is for (one of them is the client's); null: not limited to groups. */
  clientGroups: string[] | null;
  /** For club members only. */
  members: boolean;
  /** The purchases it needs within a day, week or month (volume in ml, or an amount). */
  threshold: { period: string; volume?: number; amount?: number } | null;
  /** Named for this owner (its segment, itself, its client groups or its membership), rather than for everyone. */
  targeted: boolean;
}

export interface BonusProgramInForce {
  /** Basis points of the amount earned as points. */
  rate: number | null;
  redeem: boolean | null;
  products: string[] | null;
}

export interface PricingConditions {
  history: PricingHistoryRow[];
  discounts: DiscountInForce[];
  /** The network's bonus program (clients only; null when none). */
  bonus: BonusProgramInForce | null;
}

interface PricingHistoryColumns {
  product: string;
  list_price: number | null;
  price: number | null;
  discount_rule: string | null;
  first_at: Date;
  last_at: Date;
  count: number;
  quantity: number;
  unit: string | null;
  amount: number;
  discount: number;
}

interface DiscountColumns {
  id: string;
  name: string;
  percent: number | null;
  per_unit: number | null;
  fixed_price: number | null;
  products: string[] | null;
  sites: string[] | null;
  hours: string | null;
  valid_from: Date | null;
  valid_to: Date | null;
  client_groups: string[] | null;
  members_only: boolean;
  threshold: { period: string; volume?: number; amount?: number } | null;
  targeted: boolean;
}

/** An account's pricing conditions: sold lines in [from, to) and the rules in force at `now`. */
export async function pricingConditions(db: Queryable, network: string, account: AccountRecord, period: { from: number; to: number }, now: number, rowsMax: number): Promise<PricingConditions> {
  const history = await db.query<PricingHistoryColumns>(
    `SELECT h.*, coalesce(p.unit, CASE WHEN t.code IS NOT NULL THEN 'min' END) AS unit
     FROM (SELECT product, list_price, price, discount_rule, min(at) AS first_at, max(at) AS last_at, count(*)::bigint AS count,
                  sum(qty)::bigint AS quantity, sum(amount)::bigint AS amount, sum(discount)::bigint AS discount
           FROM ${schema}.sale_lines
           WHERE account = $1 AND network = $2 AND kind <> 'refund' AND at >= $3 AND at < $4
           GROUP BY product, list_price, price, discount_rule
           ORDER BY product, min(at), list_price, price, discount_rule
           LIMIT $5) h
     LEFT JOIN ${schema}.products p ON p.network = $2 AND p.code = h.product
     LEFT JOIN ${schema}.tariffs t ON t.network = $2 AND t.code = h.product
     ORDER BY h.product, h.first_at, h.list_price, h.price, h.discount_rule`,
    [account.key, network, new Date(period.from), new Date(period.to), rowsMax],
  );
  const counterparty = account.owner.kind === 'counterparty' ? account.owner.id : null;
  const segment = account.owner.kind === 'counterparty' ? account.segment : null;
  // A client has no segment nor counterparty: rules naming either never apply to it; a counterparty
  // has no client groups nor membership: rules for groups or members never apply to it.
  const groups = account.owner.kind === 'client' ? (account.groups ?? []) : [];
  const member = account.owner.kind === 'client' && account.member === true;
  const discounts = await db.query<DiscountColumns>(
    `SELECT id, name, percent, per_unit, fixed_price, products, sites, hours, valid_from, valid_to, client_groups, members_only, threshold,
            (coalesce(cardinality(segments), 0) > 0 OR coalesce(cardinality(counterparties), 0) > 0 OR coalesce(cardinality(client_groups), 0) > 0 OR members_only) AS targeted
     FROM ${schema}.discounts
     WHERE network = $1
       AND (coalesce(cardinality(segments), 0) = 0 OR $2::text = ANY(segments))
       AND (coalesce(cardinality(counterparties), 0) = 0 OR $3::text = ANY(counterparties))
       AND (coalesce(cardinality(client_groups), 0) = 0 OR client_groups && $5::text[])
       AND (NOT members_only OR $6::boolean)
       AND (valid_from IS NULL OR valid_from <= $4) AND (valid_to IS NULL OR valid_to > $4)
     ORDER BY id`,
    [network, segment, counterparty, new Date(now), groups, member],
  );
  let bonus: BonusProgramInForce | null = null;
  if (account.owner.kind === 'client') {
    const program = await db.query<{ bonus_rate: number | null; bonus_redeem: boolean | null; bonus_products: string[] | null }>(
      `SELECT bonus_rate, bonus_redeem, bonus_products FROM ${schema}.networks WHERE id = $1`,
      [network],
    );
    const row = program.rows[0];
    if (row !== undefined && row.bonus_rate !== null) bonus = { rate: row.bonus_rate, redeem: row.bonus_redeem, products: row.bonus_products };
  }
  return {
    history: history.rows.map((row) => ({
      product: row.product,
      listPrice: row.list_price,
      price: row.price,
      discountRule: row.discount_rule,
      firstAt: row.first_at.getTime(),
      lastAt: row.last_at.getTime(),
      count: row.count,
      quantity: row.quantity,
      unit: row.unit,
      amount: row.amount,
      discount: row.discount,
    })),
    discounts: discounts.rows.map((row) => ({
      id: row.id,
      name: row.name,
      percent: row.percent,
      perUnit: row.per_unit,
      fixedPrice: row.fixed_price,
      products: row.products,
      sites: row.sites,
      hours: row.hours,
      validFrom: row.valid_from === null ? null : row.valid_from.getTime(),
      validTo: row.valid_to === null ? null : row.valid_to.getTime(),
      clientGroups: row.client_groups,
      members: row.members_only,
      threshold: row.threshold,
      targeted: row.targeted,
    })),
    bonus,
  };
}
