// Balances from the read model: an account's balance now (the `balances` row the projector keeps, else
// the opening balance of the reference data) and at an instant (the last `balance_changes` row at or
// before it, else the opening balance), with bonus points and the credit limit. Only "now" knows the
// open holds (`holds` where status = 'authorized'), so only "now" has an available amount:
// balance + credit limit − open holds, as the engine's `inquire` answers it.

import type pg from 'pg';
import { readModelSchema as schema } from '../migrate.js';

export type Queryable = Pick<pg.Pool, 'query'>;

export const ownerKindsOfAccounts = ['counterparty', 'client'] as const;
export type AccountOwnerKind = (typeof ownerKindsOfAccounts)[number];

export interface AccountOwner {
  kind: AccountOwnerKind;
  id: string;
}

export interface AccountRecord {
  key: string;
  owner: AccountOwner;
  name: string;
  segment: string | null;
  member: boolean | null;
  /** A client's groups (discount rules, the bonus program); null for counterparties and clients in none. */
  groups: string[] | null;
  openingBalance: number;
  creditLimit: number;
}

export interface BalanceView {
  account: string;
  owner: AccountOwner;
  name: string;
  segment: string | null;
  /** The instant asked for (ms); undefined for "now". */
  at: number | undefined;
  balance: number;
  bonus: number;
  creditLimit: number;
  /** Open holds (now only). */
  holds: number | undefined;
  /** balance + credit limit − open holds (now only). */
  available: number | undefined;
  /** When the balance last moved (ms); undefined when it never did. */
  changedAt: number | undefined;
}

interface AccountColumns {
  key: string;
  owner: AccountOwnerKind;
  owner_id: string;
  name: string;
  segment: string | null;
  member: boolean | null;
  client_groups: string[] | null;
  opening_balance: number;
  credit_limit: number;
}

function accountRecord(row: AccountColumns): AccountRecord {
  return {
    key: row.key,
    owner: { kind: row.owner, id: row.owner_id },
    name: row.name,
    segment: row.segment,
    member: row.member,
    groups: row.client_groups,
    openingBalance: row.opening_balance,
    creditLimit: row.credit_limit,
  };
}

/** The account of a counterparty or client of `network`; undefined when there is none. */
export async function accountOf(db: Queryable, network: string, owner: AccountOwner): Promise<AccountRecord | undefined> {
  const result = await db.query<AccountColumns>(
    `SELECT key, owner, owner_id, name, segment, member, client_groups, opening_balance, credit_limit FROM ${schema}.accounts WHERE network = $1 AND owner = $2 AND owner_id = $3 ORDER BY key LIMIT 1`,
    [network, owner.kind, owner.id],
  );
  const row = result.rows[0];
  return row === undefined ? undefined : accountRecord(row);
}

interface BalanceColumns extends AccountColumns {
  balance: number;
  bonus: number;
  holds: number | null;
  changed_at: Date | null;
}

function balanceView(row: BalanceColumns, at: number | undefined): BalanceView {
  const account = accountRecord(row);
  const holds = at === undefined ? (row.holds ?? 0) : undefined;
  return {
    account: account.key,
    owner: account.owner,
    name: account.name,
    segment: account.segment,
    at,
    balance: row.balance,
    bonus: row.bonus,
    creditLimit: account.creditLimit,
    holds,
    available: holds === undefined ? undefined : row.balance + account.creditLimit - holds,
    changedAt: row.changed_at === null ? undefined : row.changed_at.getTime(),
  };
}

const accountSelect = 'a.key, a.owner, a.owner_id, a.name, a.segment, a.member, a.client_groups, a.opening_balance, a.credit_limit';

/** Now: the running balance, points, open holds. */
const nowColumns = `${accountSelect}, coalesce(b.balance, a.opening_balance) AS balance, coalesce(b.bonus, 0) AS bonus, b.at AS changed_at,
  (SELECT coalesce(sum(h.amount), 0)::bigint FROM ${schema}.holds h WHERE h.account = a.key AND h.status = 'authorized') AS holds`;
const nowFrom = `${schema}.accounts a LEFT JOIN ${schema}.balances b ON b.account = a.key`;

/** At an instant ($2): the last change at or before it. */
const atColumns = `${accountSelect}, coalesce(c.balance_after, a.opening_balance) AS balance, coalesce(c.bonus_after, 0) AS bonus, c.at AS changed_at, NULL::bigint AS holds`;
const atFrom = `${schema}.accounts a LEFT JOIN LATERAL (
    SELECT balance_after, bonus_after, at FROM ${schema}.balance_changes WHERE account = a.key AND at <= $2 ORDER BY at DESC, position DESC LIMIT 1
  ) c ON true`;

/** One owner's balance now (`at` undefined) or at an instant; undefined when the owner has no account. */
export async function balanceOf(db: Queryable, network: string, owner: AccountOwner, at?: number): Promise<BalanceView | undefined> {
  const result =
    at === undefined
      ? await db.query<BalanceColumns>(`SELECT ${nowColumns} FROM ${nowFrom} WHERE a.network = $1 AND a.owner = $2 AND a.owner_id = $3 ORDER BY a.key LIMIT 1`, [network, owner.kind, owner.id])
      : await db.query<BalanceColumns>(`SELECT ${atColumns} FROM ${atFrom} WHERE a.network = $1 AND a.owner = $3 AND a.owner_id = $4 ORDER BY a.key LIMIT 1`, [network, new Date(at), owner.kind, owner.id]);
  const row = result.rows[0];
  return row === undefined ? undefined : balanceView(row, at);
}

export interface BalanceListQuery {
  at?: number | undefined;
  segment?: string | undefined;
  /** Only this owner's account (a client principal). */
  owner?: AccountOwner | undefined;
  /** The last account key of the previous page. */
  after?: string | undefined;
  limit: number;
}

/** The network's accounts with their balances (now or at an instant), by account key; one more row than `limit` tells there is a next page. */
export async function balanceList(db: Queryable, network: string, query: BalanceListQuery): Promise<{ rows: BalanceView[]; next: string | undefined }> {
  const values: unknown[] = [network];
  const at = query.at;
  if (at !== undefined) values.push(new Date(at));
  const where = ['a.network = $1'];
  const parameter = (value: unknown): string => {
    values.push(value);
    return `$${values.length}`;
  };
  if (query.segment !== undefined) where.push(`a.segment = ${parameter(query.segment)}`);
  if (query.owner !== undefined) where.push(`a.owner = ${parameter(query.owner.kind)} AND a.owner_id = ${parameter(query.owner.id)}`);
  if (query.after !== undefined) where.push(`a.key > ${parameter(query.after)}`);
  const limit = parameter(query.limit + 1);
  const sql = `SELECT ${at === undefined ? nowColumns : atColumns} FROM ${at === undefined ? nowFrom : atFrom} WHERE ${where.join(' AND ')} ORDER BY a.key LIMIT ${limit}`;
  const result = await db.query<BalanceColumns>(sql, values);
  const rows = result.rows.slice(0, query.limit).map((row) => balanceView(row, at));
  return { rows, next: result.rows.length > query.limit ? rows.at(-1)?.account : undefined };
}
