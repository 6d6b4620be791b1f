// The card of one operation of the feed, found by its reference or the transaction id it belongs to
// and only within what the caller may see (the same scope as the feed: sites, owner): a fuel
// transaction with its hold, prices and returns; a receipt with its lines, payments, returns (each
// with its lines), shift and cashier messages; a return with what it returned; a wash charge with its
// session; a top-up with the balance after; a decline with its reason. Undefined when there is none.

import type pg from 'pg';
import type { FeedScope, OperationRow, OperationView } from './feed.js';
import { operationColumnList, operationView } from './feed.js';

export interface CardLine {
  line: number;
  product: string;
  /** Millilitres, thousandths of a piece, minutes (wash); negative in a return. */
  qty: number;
  listPrice: number | null;
  price: number | null;
  amount: number;
  discount: number;
  discountRule: string | null;
}

export interface CardPayment {
  method: string;
  amount: number;
}

export interface CardReturn {
  refundId: string;
  position: number;
  at: string;
  site: string | null;
  terminal: string;
  shift: number | null;
  amount: number;
  bonus: number;
  payments: CardPayment[];
  lines: CardLine[];
}

export interface CardShift {
  shiftId: string;
  number: number;
  status: 'open' | 'closed';
  cashier: string | null;
  openedAt: string;
  closedAt: string | null;
}

export type OperationDetails =
  | {
      kind: 'fuel';
      authId: string;
      hold: { number: number; amount: number; volume: number; status: string; authorizedAt: string; expiresAt: string; closedAt: string | null; released: number | null } | null;
      product: string;
      volume: number;
      price: number;
      listPrice: number;
      discount: number;
      discountRule: string | null;
      amount: number;
      bonus: number;
      returns: CardReturn[];
    }
  | { kind: 'sale'; lines: CardLine[]; payments: CardPayment[]; messages: string[]; shift: CardShift | null; amount: number; discount: number; bonus: number; returns: CardReturn[] }
  | { kind: 'refund'; refund: CardReturn; returned: { txId: string; kind: 'fuel' | 'sale' | null } }
  | {
      kind: 'wash';
      sessionId: string;
      number: number;
      tariff: string;
      tariffName: string;
      plate: string | null;
      clientName: string;
      member: boolean;
      /** Minor units per minute. */
      rate: number;
      status: string;
      startedAt: string;
      stoppedAt: string | null;
      minutes: number | null;
      amount: number | null;
      auto: boolean | null;
      comments: { at: string; text: string }[];
    }
  | { kind: 'topup'; amount: number; method: string; balanceAfter: number | null }
  | { kind: 'decline'; requestId: string; reason: string; operation: string; product: string | null; amount: number | null; volume: number | null };

export interface OperationCard {
  operation: OperationView;
  details: OperationDetails;
}

type Row = Record<string, unknown>;

const iso = (value: unknown): string => (value as Date).toISOString();
const isoOrNull = (value: unknown): string | null => (value === null ? null : iso(value));

function lineOf(row: Row): CardLine {
  return {
    line: row['line'] as number,
    product: row['product'] as string,
    qty: row['qty'] as number,
    listPrice: row['list_price'] as number | null,
    price: row['price'] as number | null,
    amount: row['amount'] as number,
    discount: row['discount'] as number,
    discountRule: row['discount_rule'] as string | null,
  };
}

function paymentsOf(split: unknown): CardPayment[] {
  if (split === null || typeof split !== 'object') return [];
  return Object.entries(split as Record<string, number>)
    .filter(([, amount]) => amount !== 0)
    .map(([method, amount]) => ({ method, amount }));
}

/** The operation by reference (its own id) first, else the first one with that transaction id, within the scope. */
async function findOperation(pool: pg.Pool, network: string, id: string, scope: FeedScope): Promise<OperationRow | undefined> {
  const values: unknown[] = [network, id];
  const conditions = ['network = $1', '(reference = $2 OR tx_id = $2)'];
  if (scope.sites !== 'all') {
    values.push([...scope.sites]);
    conditions.push(`site = ANY($${values.length}::text[])`);
  }
  if (scope.owner !== undefined) {
    values.push(scope.owner.id);
    conditions.push(`${scope.owner.kind === 'counterparty' ? 'counterparty' : 'client'} = $${values.length}`);
  }
  const { rows } = await pool.query<OperationRow>(
    `SELECT ${operationColumnList} FROM readmodel.operations WHERE ${conditions.join(' AND ')} ORDER BY (reference = $2) DESC, position LIMIT 1`,
    values,
  );
  return rows[0];
}

async function returnsOf(pool: pg.Pool, network: string, where: { txId: string } | { refundId: string }): Promise<CardReturn[]> {
  const byTx = 'txId' in where;
  const { rows: refunds } = await pool.query<Row>(
    `SELECT refund_id, position, at, site, terminal, shift, amount, bonus, payments FROM readmodel.refunds WHERE network = $1 AND ${byTx ? 'tx_id' : 'refund_id'} = $2 ORDER BY position`,
    [network, byTx ? where.txId : where.refundId],
  );
  if (refunds.length === 0) return [];
  const { rows: lines } = await pool.query<Row>(
    `SELECT refund_id, line, product, qty, list_price, price, amount, discount, discount_rule FROM readmodel.sale_lines WHERE refund_id = ANY($1::text[]) ORDER BY position, line`,
    [refunds.map((refund) => refund['refund_id'])],
  );
  return refunds.map((refund) => ({
    refundId: refund['refund_id'] as string,
    position: refund['position'] as number,
    at: iso(refund['at']),
    site: refund['site'] as string | null,
    terminal: refund['terminal'] as string,
    shift: refund['shift'] as number | null,
    amount: refund['amount'] as number,
    bonus: refund['bonus'] as number,
    payments: paymentsOf(refund['payments'] ?? { account: refund['amount'] }),
    lines: lines.filter((line) => line['refund_id'] === refund['refund_id']).map(lineOf),
  }));
}

async function fuelDetails(pool: pg.Pool, network: string, operation: OperationRow): Promise<OperationDetails | undefined> {
  const { rows } = await pool.query<Row>(
    `SELECT t.auth_id, t.product, t.volume, t.price, t.list_price, t.discount, t.discount_rule, t.amount, t.bonus,
            h.hold_number, h.amount AS hold_amount, h.volume AS hold_volume, h.status AS hold_status, h.authorized_at, h.expires_at, h.closed_at, h.released
     FROM readmodel.transactions t LEFT JOIN readmodel.holds h ON h.auth_id = t.auth_id
     WHERE t.network = $1 AND t.tx_id = $2`,
    [network, operation.reference],
  );
  const row = rows[0];
  if (row === undefined) return undefined;
  return {
    kind: 'fuel',
    authId: row['auth_id'] as string,
    hold:
      row['hold_number'] === null
        ? null
        : {
            number: row['hold_number'] as number,
            amount: row['hold_amount'] as number,
            volume: row['hold_volume'] as number,
            status: row['hold_status'] as string,
            authorizedAt: iso(row['authorized_at']),
            expiresAt: iso(row['expires_at']),
            closedAt: isoOrNull(row['closed_at']),
            released: row['released'] as number | null,
          },
    product: row['product'] as string,
    volume: row['volume'] as number,
    price: row['price'] as number,
    listPrice: row['list_price'] as number,
    discount: row['discount'] as number,
    discountRule: row['discount_rule'] as string | null,
    amount: row['amount'] as number,
    bonus: row['bonus'] as number,
    returns: await returnsOf(pool, network, { txId: operation.reference }),
  };
}

async function saleDetails(pool: pg.Pool, network: string, operation: OperationRow): Promise<OperationDetails | undefined> {
  const { rows } = await pool.query<Row>(
    `SELECT r.amount, r.discount, r.bonus, r.payments, r.messages, s.shift_id, s.number, s.status, s.cashier, s.opened_at, s.closed_at
     FROM readmodel.receipts r LEFT JOIN readmodel.shifts s ON s.network = r.network AND s.terminal = r.terminal AND s.number = r.shift
     WHERE r.network = $1 AND r.tx_id = $2`,
    [network, operation.reference],
  );
  const row = rows[0];
  if (row === undefined) return undefined;
  const { rows: lines } = await pool.query<Row>(
    `SELECT line, product, qty, list_price, price, amount, discount, discount_rule FROM readmodel.sale_lines WHERE tx_id = $1 AND refund_id IS NULL AND kind = 'sale' ORDER BY line`,
    [operation.reference],
  );
  return {
    kind: 'sale',
    lines: lines.map(lineOf),
    payments: paymentsOf(row['payments']),
    messages: (row['messages'] as string[] | null) ?? [],
    shift:
      row['shift_id'] === null
        ? null
        : {
            shiftId: row['shift_id'] as string,
            number: row['number'] as number,
            status: row['status'] as 'open' | 'closed',
            cashier: row['cashier'] as string | null,
            openedAt: iso(row['opened_at']),
            closedAt: isoOrNull(row['closed_at']),
          },
    amount: row['amount'] as number,
    discount: row['discount'] as number,
    bonus: row['bonus'] as number,
    returns: await returnsOf(pool, network, { txId: operation.reference }),
  };
}

async function refundDetails(pool: pg.Pool, network: string, operation: OperationRow): Promise<OperationDetails | undefined> {
  const [refund] = await returnsOf(pool, network, { refundId: operation.reference });
  if (refund === undefined || operation.tx_id === null) return undefined;
  const { rows } = await pool.query<{ kind: 'fuel' | 'sale' }>(`SELECT kind FROM readmodel.operations WHERE network = $1 AND reference = $2 AND kind IN ('fuel', 'sale') LIMIT 1`, [network, operation.tx_id]);
  return { kind: 'refund', refund, returned: { txId: operation.tx_id, kind: rows[0]?.kind ?? null } };
}

async function washDetails(pool: pg.Pool, network: string, operation: OperationRow): Promise<OperationDetails | undefined> {
  const { rows } = await pool.query<Row>(
    `SELECT session_id, number, tariff, tariff_name, plate, client_name, member, rate, status, started_at, stopped_at, minutes, amount, auto, comments
     FROM readmodel.wash_sessions WHERE network = $1 AND session_id = $2`,
    [network, operation.reference],
  );
  const row = rows[0];
  if (row === undefined) return undefined;
  return {
    kind: 'wash',
    sessionId: row['session_id'] as string,
    number: row['number'] as number,
    tariff: row['tariff'] as string,
    tariffName: row['tariff_name'] as string,
    plate: row['plate'] as string | null,
    clientName: row['client_name'] as string,
    member: row['member'] as boolean,
    rate: row['rate'] as number,
    status: row['status'] as string,
    startedAt: iso(row['started_at']),
    stoppedAt: isoOrNull(row['stopped_at']),
    minutes: row['minutes'] as number | null,
    amount: row['amount'] as number | null,
    auto: row['auto'] as boolean | null,
    comments: ((row['comments'] as { at: number | string; text: string }[] | null) ?? []).map((comment) => ({ at: new Date(comment.at).toISOString(), text: comment.text })),
  };
}

async function topupDetails(pool: pg.Pool, operation: OperationRow): Promise<OperationDetails | undefined> {
  const { rows } = await pool.query<Row>(
    `SELECT t.amount, t.method, c.balance_after FROM readmodel.topups t LEFT JOIN readmodel.balance_changes c ON c.position = t.position WHERE t.position = $1`,
    [operation.position],
  );
  const row = rows[0];
  if (row === undefined) return undefined;
  return { kind: 'topup', amount: row['amount'] as number, method: row['method'] as string, balanceAfter: row['balance_after'] as number | null };
}

async function declineDetails(pool: pg.Pool, operation: OperationRow): Promise<OperationDetails | undefined> {
  const { rows } = await pool.query<Row>(`SELECT request_id, reason, operation, product, amount, volume FROM readmodel.declines WHERE position = $1`, [operation.position]);
  const row = rows[0];
  if (row === undefined) return undefined;
  return {
    kind: 'decline',
    requestId: row['request_id'] as string,
    reason: row['reason'] as string,
    operation: row['operation'] as string,
    product: row['product'] as string | null,
    amount: row['amount'] as number | null,
    volume: row['volume'] as number | null,
  };
}

/** The card of the operation `id` (a reference or a tx id) in `network`, within `scope`; undefined when there is none the caller may see. */
export async function operationCard(pool: pg.Pool, network: string, id: string, scope: FeedScope): Promise<OperationCard | undefined> {
  const operation = await findOperation(pool, network, id, scope);
  if (operation === undefined) return undefined;
  const details = await detailsOf(pool, network, operation);
  return details === undefined ? undefined : { operation: operationView(operation), details };
}

function detailsOf(pool: pg.Pool, network: string, operation: OperationRow): Promise<OperationDetails | undefined> {
  switch (operation.kind) {
    case 'fuel':
      return fuelDetails(pool, network, operation);
    case 'sale':
      return saleDetails(pool, network, operation);
    case 'refund':
      return refundDetails(pool, network, operation);
    case 'wash':
      return washDetails(pool, network, operation);
    case 'topup':
      return topupDetails(pool, operation);
    case 'decline':
      return declineDetails(pool, operation);
  }
}
