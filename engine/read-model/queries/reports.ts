// The five reports over a period [from, to) of one network, added up by PostgreSQL from the read
// model's fact tables, scoped by sites (an operator) or by one account (a client):
// - sales: `sale_lines` (fuel, receipts, wash charges; returns are negative lines) by any of site,
//   product, day — lines sold, lines returned, net quantity, amount, discount;
// - payment methods: `payments` (returns negative) by method, and optionally site and day;
// - settlements: per account, the opening balance before `from`, purchases (debits), returns and
//   top-ups (credits) in the period, the closing balance before `to` and the credit limit, from
//   `balance_changes` — so that opening + credits − debits = closing by construction;
// - wash sessions: sessions stopped in the period (count, minutes, the charged revenue from their wash
//   sale lines) by site, tariff, day;
// - top-ups: `topups` by method, site, day.
// A day is the calendar day in the network's time zone (`networks.timezone`), YYYY-MM-DD. Group
// names come from closed sets; their SQL is fixed text here, every value is a parameter.

import { readModelSchema as schema } from '../migrate.js';
import type { AccountOwner, Queryable } from './balances.js';

export const reportNames = ['sales', 'payment-methods', 'settlements', 'wash-sessions', 'topups'] as const;
export type ReportName = (typeof reportNames)[number];

export const salesGroups = ['site', 'product', 'day'] as const;
export type SalesGroup = (typeof salesGroups)[number];
export const paymentMethodGroups = ['site', 'day'] as const;
export type PaymentMethodGroup = (typeof paymentMethodGroups)[number];
export const washSessionGroups = ['site', 'tariff', 'day'] as const;
export type WashSessionGroup = (typeof washSessionGroups)[number];
export const topupGroups = ['method', 'site', 'day'] as const;
export type TopupGroup = (typeof topupGroups)[number];

/** What a reader may see: the sites (operator) and one owner's account (client). */
export interface ReportScope {
  sites: readonly string[] | 'all';
  /** Only this owner's data; `account` is its account key (undefined when it has none: nothing matches). */
  owner?: { owner: AccountOwner; account: string | undefined } | undefined;
}

export interface ReportPeriod {
  network: string;
  from: number;
  to: number;
  /** IANA time zone of the network, for days. */
  timezone: string;
  scope: ReportScope;
  /** Refuse (ReportTooLargeError) past this many rows. */
  rowsMax: number;
}

export class ReportTooLargeError extends Error {
  constructor(readonly rowsMax: number) {
    super(`the report has more than ${rowsMax} rows: choose fewer groups or a shorter period`);
  }
}

export type GroupValues = Partial<Record<'site' | 'product' | 'day' | 'method' | 'tariff', string | null>>;

export interface SalesMeasures {
  count: number;
  returns: number;
  quantity: number;
  amount: number;
  discount: number;
}
export interface PaymentMethodMeasures {
  count: number;
  returns: number;
  amount: number;
}
export interface WashSessionMeasures {
  count: number;
  charged: number;
  minutes: number;
  revenue: number;
}
export interface TopupMeasures {
  count: number;
  amount: number;
}

export interface GroupedReport<Measures> {
  rows: (GroupValues & Measures)[];
  totals: Measures;
}

export interface SettlementRow {
  account: string;
  owner: AccountOwner;
  name: string;
  segment: string | null;
  creditLimit: number;
  opening: number;
  /** Purchases: every decrease of the balance (fuel, receipts, wash charges). */
  debits: number;
  /** Returns credited to the account. */
  returns: number;
  topups: number;
  /** Any other increase (none today; kept so that the sum always holds). */
  otherCredits: number;
  credits: number;
  closing: number;
}

export interface SettlementsReport {
  rows: SettlementRow[];
  totals: Omit<SettlementRow, 'account' | 'owner' | 'name' | 'segment'>;
}

class Statement {
  readonly values: unknown[] = [];
  readonly where: string[] = [];

  parameter(value: unknown, cast = ''): string {
    this.values.push(value);
    return `$${this.values.length}${cast}`;
  }
}

/** The network's time zone (undefined for a network the read model does not know). */
export async function networkTimezone(db: Queryable, network: string): Promise<string | undefined> {
  const result = await db.query<{ timezone: string }>(`SELECT timezone FROM ${schema}.networks WHERE id = $1`, [network]);
  return result.rows[0]?.timezone;
}

function dayOf(statement: Statement, period: ReportPeriod, column: string): string {
  return `to_char(${column} AT TIME ZONE ${statement.parameter(period.timezone, '::text')}, 'YYYY-MM-DD')`;
}

function periodFilter(statement: Statement, period: ReportPeriod, column: string): void {
  statement.where.push(`${column} >= ${statement.parameter(new Date(period.from))}`, `${column} < ${statement.parameter(new Date(period.to))}`);
}

function scopeFilter(statement: Statement, period: ReportPeriod, columns: { site: string; account: string; client?: string }): void {
  if (period.scope.sites !== 'all') statement.where.push(`${columns.site} = ANY(${statement.parameter(period.scope.sites, '::text[]')})`);
  const owner = period.scope.owner;
  if (owner === undefined) return;
  if (owner.owner.kind === 'client' && columns.client !== undefined) statement.where.push(`${columns.client} = ${statement.parameter(owner.owner.id)}`);
  else if (owner.account === undefined) statement.where.push('false');
  else statement.where.push(`${columns.account} = ${statement.parameter(owner.account)}`);
}

async function grouped<Measures extends object>(
  db: Queryable,
  period: ReportPeriod,
  statement: Statement,
  source: string,
  groups: readonly { name: keyof GroupValues; sql: string | (() => string) }[],
  measures: string,
  zero: Measures,
): Promise<GroupedReport<Measures>> {
  const keys = groups.map((group, index) => `${typeof group.sql === 'string' ? group.sql : group.sql()} AS g${index}`);
  const groupBy = groups.length === 0 ? '' : `GROUP BY ${groups.map((_, index) => `g${index}`).join(', ')} ORDER BY ${groups.map((_, index) => `g${index}`).join(', ')}`;
  const sql = `SELECT ${[...keys, measures].join(', ')} FROM ${source} WHERE ${statement.where.join(' AND ')} ${groupBy} LIMIT ${statement.parameter(period.rowsMax + 1)}`;
  const result = await db.query<Record<string, unknown>>(sql, statement.values);
  if (result.rows.length > period.rowsMax) throw new ReportTooLargeError(period.rowsMax);
  const measureNames = Object.keys(zero) as (keyof Measures)[];
  const totals = { ...zero };
  const rows: (GroupValues & Measures)[] = [];
  for (const row of result.rows) {
    const values: Record<string, unknown> = {};
    groups.forEach((group, index) => (values[group.name] = row[`g${index}`] ?? null));
    for (const name of measureNames) {
      const value = Number(row[name as string] ?? 0);
      values[name as string] = value;
      (totals[name] as number) += value;
    }
    rows.push(values as GroupValues & Measures);
  }
  // Without groups, an aggregate over no rows is still one row (of zeros): keep it only when something was counted.
  return { rows: groups.length === 0 && measureNames.every((name) => rows[0]?.[name] === 0) ? [] : rows, totals };
}

export function salesReport(db: Queryable, period: ReportPeriod, groups: readonly SalesGroup[]): Promise<GroupedReport<SalesMeasures>> {
  const statement = new Statement();
  statement.where.push(`l.network = ${statement.parameter(period.network)}`);
  periodFilter(statement, period, 'l.at');
  scopeFilter(statement, period, { site: 'l.site', account: 'l.account' });
  const columns: Record<SalesGroup, string | (() => string)> = { site: 'l.site', product: 'l.product', day: () => dayOf(statement, period, 'l.at') };
  return grouped(
    db,
    period,
    statement,
    `${schema}.sale_lines l`,
    groups.map((name) => ({ name, sql: columns[name] })),
    `count(*) FILTER (WHERE l.kind <> 'refund')::bigint AS count, count(*) FILTER (WHERE l.kind = 'refund')::bigint AS returns,
     coalesce(sum(l.qty), 0)::bigint AS quantity, coalesce(sum(l.amount), 0)::bigint AS amount, coalesce(sum(l.discount), 0)::bigint AS discount`,
    { count: 0, returns: 0, quantity: 0, amount: 0, discount: 0 },
  );
}

export function paymentMethodsReport(db: Queryable, period: ReportPeriod, groups: readonly PaymentMethodGroup[]): Promise<GroupedReport<PaymentMethodMeasures>> {
  const statement = new Statement();
  statement.where.push(`p.network = ${statement.parameter(period.network)}`);
  periodFilter(statement, period, 'p.at');
  scopeFilter(statement, period, { site: 'p.site', account: 'p.account' });
  const columns: Record<PaymentMethodGroup | 'method', string | (() => string)> = { method: 'p.method', site: 'p.site', day: () => dayOf(statement, period, 'p.at') };
  return grouped(
    db,
    period,
    statement,
    `${schema}.payments p`,
    (['method', ...groups] as const).map((name) => ({ name, sql: columns[name] })),
    `count(*) FILTER (WHERE p.kind <> 'refund')::bigint AS count, count(*) FILTER (WHERE p.kind = 'refund')::bigint AS returns, coalesce(sum(p.amount), 0)::bigint AS amount`,
    { count: 0, returns: 0, amount: 0 },
  );
}

export function washSessionsReport(db: Queryable, period: ReportPeriod, groups: readonly WashSessionGroup[]): Promise<GroupedReport<WashSessionMeasures>> {
  const statement = new Statement();
  statement.where.push(`s.network = ${statement.parameter(period.network)}`, 's.stopped_at IS NOT NULL');
  periodFilter(statement, period, 's.stopped_at');
  scopeFilter(statement, period, { site: 's.site', account: 's.account', client: 's.client' });
  const columns: Record<WashSessionGroup, string | (() => string)> = { site: 's.site', tariff: 's.tariff', day: () => dayOf(statement, period, 's.stopped_at') };
  return grouped(
    db,
    period,
    statement,
    `${schema}.wash_sessions s LEFT JOIN ${schema}.sale_lines l ON l.tx_id = s.session_id AND l.kind = 'wash'`,
    groups.map((name) => ({ name, sql: columns[name] })),
    `count(*)::bigint AS count, count(l.position)::bigint AS charged, coalesce(sum(s.minutes), 0)::bigint AS minutes, coalesce(sum(l.amount), 0)::bigint AS revenue`,
    { count: 0, charged: 0, minutes: 0, revenue: 0 },
  );
}

export function topupsReport(db: Queryable, period: ReportPeriod, groups: readonly TopupGroup[]): Promise<GroupedReport<TopupMeasures>> {
  const statement = new Statement();
  statement.where.push(`t.network = ${statement.parameter(period.network)}`);
  periodFilter(statement, period, 't.at');
  scopeFilter(statement, period, { site: 't.site', account: 't.account' });
  const columns: Record<TopupGroup, string | (() => string)> = { method: 't.method', site: 't.site', day: () => dayOf(statement, period, 't.at') };
  return grouped(
    db,
    period,
    statement,
    `${schema}.topups t`,
    groups.map((name) => ({ name, sql: columns[name] })),
    `count(*)::bigint AS count, coalesce(sum(t.amount), 0)::bigint AS amount`,
    { count: 0, amount: 0 },
  );
}

interface SettlementColumns {
  key: string;
  owner: AccountOwner['kind'];
  owner_id: string;
  name: string;
  segment: string | null;
  credit_limit: number;
  opening: number;
  closing: number;
  debits: number;
  returns: number;
  topups: number;
  other_credits: number;
}

/** Balances and settlements per account (counterparties and clients); the owner filter keeps one kind. Not site-scoped: a balance belongs to no site. */
export async function settlementsReport(db: Queryable, period: ReportPeriod, ownerKind?: AccountOwner['kind']): Promise<SettlementsReport> {
  const statement = new Statement();
  const from = statement.parameter(new Date(period.from));
  const to = statement.parameter(new Date(period.to));
  statement.where.push(`a.network = ${statement.parameter(period.network)}`);
  if (ownerKind !== undefined) statement.where.push(`a.owner = ${statement.parameter(ownerKind)}`);
  const owner = period.scope.owner;
  if (owner !== undefined) statement.where.push(owner.account === undefined ? 'false' : `a.key = ${statement.parameter(owner.account)}`);
  const balanceBefore = (instant: string): string =>
    `coalesce((SELECT c.balance_after FROM ${schema}.balance_changes c WHERE c.account = a.key AND c.at < ${instant} ORDER BY c.at DESC, c.position DESC LIMIT 1), a.opening_balance)`;
  const sql = `SELECT a.key, a.owner, a.owner_id, a.name, a.segment, a.credit_limit, ${balanceBefore(from)} AS opening, ${balanceBefore(to)} AS closing,
      m.debits, m.returns, m.topups, m.other_credits
    FROM ${schema}.accounts a
    CROSS JOIN LATERAL (
      SELECT coalesce(sum(-c.delta) FILTER (WHERE c.delta < 0), 0)::bigint AS debits,
             coalesce(sum(c.delta) FILTER (WHERE c.delta > 0 AND c.kind = 'refunded'), 0)::bigint AS returns,
             coalesce(sum(c.delta) FILTER (WHERE c.delta > 0 AND c.kind = 'topup'), 0)::bigint AS topups,
             coalesce(sum(c.delta) FILTER (WHERE c.delta > 0 AND c.kind NOT IN ('refunded', 'topup')), 0)::bigint AS other_credits
      FROM ${schema}.balance_changes c WHERE c.account = a.key AND c.at >= ${from} AND c.at < ${to}
    ) m
    WHERE ${statement.where.join(' AND ')}
    ORDER BY a.owner DESC, a.owner_id, a.key
    LIMIT ${statement.parameter(period.rowsMax + 1)}`;
  const result = await db.query<SettlementColumns>(sql, statement.values);
  if (result.rows.length > period.rowsMax) throw new ReportTooLargeError(period.rowsMax);
  const totals = { creditLimit: 0, opening: 0, debits: 0, returns: 0, topups: 0, otherCredits: 0, credits: 0, closing: 0 };
  const rows = result.rows.map((row): SettlementRow => {
    const credits = row.returns + row.topups + row.other_credits;
    const settlement = {
      account: row.key,
      owner: { kind: row.owner, id: row.owner_id },
      name: row.name,
      segment: row.segment,
      creditLimit: row.credit_limit,
      opening: row.opening,
      debits: row.debits,
      returns: row.returns,
      topups: row.topups,
      otherCredits: row.other_credits,
      credits,
      closing: row.closing,
    };
    for (const name of Object.keys(totals) as (keyof typeof totals)[]) totals[name] += settlement[name];
    return settlement;
  });
  return { rows, totals };
}
