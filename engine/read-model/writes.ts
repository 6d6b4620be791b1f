// The statements a batch of journal events becomes. Each write is one SQL statement per batch, fed
// every row of the batch at once as one JSON parameter (`jsonb_to_recordset`), so a batch of a
// thousand events is a dozen statements, not thousands. Rows use the tables' column names; times are
// the engine's milliseconds and go over as ISO 8601 (exact to the millisecond).
// Table and column names here are constants of the code; every value travels as a parameter.

import { readModelSchema } from './migrate.js';

export type ColumnType = 'text' | 'bigint' | 'integer' | 'boolean' | 'timestamptz' | 'jsonb' | 'text[]';
export type CellValue = string | number | boolean | null | readonly string[] | Readonly<Record<string, unknown>>;

export interface WriteSpec<Row> {
  readonly columns: { readonly [K in keyof Row]: ColumnType };
  /** SQL whose `$1` is the rows as a JSON array; `r` is the recordset. */
  readonly sql: string;
}

const schema = readModelSchema;

function columnList<Row>(columns: WriteSpec<Row>['columns']): string {
  return Object.keys(columns).join(', ');
}

function recordset<Row>(columns: WriteSpec<Row>['columns']): string {
  const definitions = Object.entries(columns as Record<string, ColumnType>).map(([name, type]) => `${name} ${type}`);
  return `jsonb_to_recordset($1::jsonb) AS r(${definitions.join(', ')})`;
}

/** INSERT of every column of the recordset, with a conflict clause. */
export function insert<Row>(table: string, columns: WriteSpec<Row>['columns'], conflict: string): WriteSpec<Row> {
  const names = columnList(columns);
  return { columns, sql: `INSERT INTO ${schema}.${table} (${names}) SELECT ${names} FROM ${recordset(columns)} ${conflict}` };
}

/** INSERT, or UPDATE of the other columns where any differs (unchanged rows are not rewritten). */
export function upsert<Row>(table: string, columns: WriteSpec<Row>['columns'], key: readonly (keyof Row & string)[]): WriteSpec<Row> {
  const others = Object.keys(columns).filter((name) => !key.includes(name as keyof Row & string));
  const set = others.map((name) => `${name} = excluded.${name}`).join(', ');
  const changed = `(${others.map((name) => `${table}.${name}`).join(', ')}) IS DISTINCT FROM (${others.map((name) => `excluded.${name}`).join(', ')})`;
  return insert(table, columns, `ON CONFLICT (${key.join(', ')}) DO UPDATE SET ${set} WHERE ${changed}`);
}

// ---- rows --------------------------------------------------------------------------------------

export interface EventRow {
  position: number;
  key: string;
  seq: number;
  type: string;
  network: string | null;
  at: number;
  body: Readonly<Record<string, unknown>>;
}

export interface HoldRow {
  auth_id: string;
  position: number;
  network: string;
  account: string;
  hold_number: number;
  card: string;
  card_hash: string;
  terminal: string;
  site: string;
  product: string;
  price: number;
  list_price: number;
  discount: number;
  discount_rule: string | null;
  amount: number;
  volume: number;
  authorized_at: number;
  expires_at: number;
}

export interface HoldClosureRow {
  auth_id: string;
  status: 'completed' | 'reversed' | 'expired';
  closed_position: number;
  closed_at: number;
  closed_terminal: string;
  released: number;
  tx_id: string | null;
}

export interface TransactionRow {
  position: number;
  tx_id: string;
  auth_id: string;
  network: string;
  account: string;
  counterparty: string | null;
  client: string | null;
  card: string;
  site: string;
  terminal: string;
  product: string;
  amount: number;
  volume: number;
  price: number;
  list_price: number;
  discount: number;
  discount_rule: string | null;
  bonus: number;
  at: number;
}

export interface RefundRow {
  position: number;
  refund_id: string;
  tx_id: string;
  network: string;
  account: string | null;
  card: string | null;
  site: string | null;
  terminal: string;
  shift: number | null;
  amount: number;
  bonus: number;
  payments: Readonly<Record<string, number>>;
  at: number;
}

/** What a row of the feed is, and how it ended (the CHECK constraints of migration 0002). */
export const operationKinds = ['fuel', 'sale', 'refund', 'topup', 'wash', 'decline'] as const;
export type OperationKind = (typeof operationKinds)[number];
export const operationResults = ['approved', 'declined'] as const;
export type OperationResult = (typeof operationResults)[number];

/** A row of the feed; `auth_id` only finds a fuel transaction's card hash (it is not stored). */
export interface OperationRow {
  position: number;
  network: string;
  kind: OperationKind;
  result: OperationResult;
  reference: string;
  tx_id: string | null;
  account: string | null;
  counterparty: string | null;
  client: string | null;
  card: string | null;
  card_hash: string | null;
  site: string | null;
  terminal: string | null;
  product: string | null;
  volume: number | null;
  amount: number;
  discount: number;
  bonus: number;
  method: string | null;
  reason: string | null;
  at: number;
  auth_id: string | null;
}

export interface ReceiptRow {
  tx_id: string;
  position: number;
  network: string;
  account: string | null;
  counterparty: string | null;
  client: string | null;
  card: string | null;
  card_hash: string | null;
  site: string;
  terminal: string;
  shift: number | null;
  amount: number;
  discount: number;
  bonus: number;
  payments: Readonly<Record<string, number>>;
  messages: readonly string[];
  at: number;
}

export interface SaleLineRow {
  position: number;
  line: number;
  network: string;
  kind: 'fuel' | 'sale' | 'wash';
  tx_id: string;
  account: string | null;
  counterparty: string | null;
  client: string | null;
  site: string;
  terminal: string;
  product: string;
  qty: number;
  list_price: number | null;
  price: number | null;
  amount: number;
  discount: number;
  discount_rule: string | null;
  at: number;
}

/** A line returned: priced from the line sold (negative quantities and money); `line` is the receipt's line (fuel: 0). */
export interface RefundLineRow {
  position: number;
  line_index: number;
  network: string;
  tx_id: string;
  refund_id: string;
  account: string | null;
  counterparty: string | null;
  client: string | null;
  terminal: string;
  line: number;
  /** Receipt returns name product, quantity and money; a fuel return names only money (the rest is pro rata). */
  product: string | null;
  qty: number | null;
  amount: number;
  at: number;
}

export interface PaymentRow {
  position: number;
  method: string;
  network: string;
  kind: 'fuel' | 'sale' | 'refund' | 'wash';
  tx_id: string;
  account: string | null;
  site: string | null;
  terminal: string;
  amount: number;
  at: number;
}

export interface ShiftOpenedRow {
  shift_id: string;
  network: string;
  terminal: string;
  site: string;
  number: number;
  kind: string;
  cashier: string | null;
  opened_at: number;
  opened_position: number;
}

export interface ShiftClosedRow extends ShiftOpenedRow {
  closed_at: number;
  totals: Readonly<Record<string, unknown>>;
  closed_position: number;
}

export interface SessionStartedRow {
  session_id: string;
  network: string;
  client: string;
  number: number;
  tariff: string;
  tariff_name: string;
  site: string;
  terminal: string;
  plate: string | null;
  client_name: string;
  member: boolean;
  rate: number;
  started_at: number;
  comments: readonly { at: number; text: string }[];
  started_position: number;
}

export interface SessionStoppedRow {
  session_id: string;
  stopped_at: number;
  minutes: number;
  rate: number;
  amount: number;
  auto: boolean;
  comments: readonly { at: number; text: string }[];
}

export interface SessionChargedRow {
  session_id: string;
  account: string;
  amount: number;
  charged_at: number;
}

export interface TopupRow {
  position: number;
  network: string;
  account: string;
  amount: number;
  method: string;
  terminal: string;
  site: string | null;
  at: number;
}

export interface DeclineRow {
  position: number;
  network: string;
  terminal: string;
  site: string;
  request_id: string;
  reason: string;
  operation: string;
  card: string | null;
  product: string | null;
  amount: number | null;
  volume: number | null;
  at: number;
}

export interface PinEventRow {
  position: number;
  network: string;
  card: string;
  card_hash: string;
  type: 'pin.failed' | 'pin.reset';
  failures: number | null;
  at: number;
}

export interface NetworkImportRow {
  position: number;
  network: string;
  created: number;
  updated: number;
  unchanged: number;
  catalog_changed: boolean;
  at: number;
}

export interface BalanceChangeRow {
  position: number;
  network: string;
  account: string;
  kind: string;
  reference: string | null;
  delta: number;
  balance_after: number;
  bonus_delta: number;
  bonus_after: number;
  at: number;
}

export interface BalanceRow {
  account: string;
  network: string;
  balance: number;
  bonus: number;
  position: number;
  at: number;
}

export interface ReferenceSyncRow {
  network: string;
  requested_position: number;
}

/** A card as a `card.changed` event gives it (the reference tables' row; never the number or the PIN's hash). */
export interface CardChangedRow {
  network: string;
  hash: string;
  masked: string;
  account: string;
  status: string;
  expires: string | null;
  limits: readonly Readonly<Record<string, unknown>>[];
  restrictions: Readonly<Record<string, unknown>>;
}

// ---- statements --------------------------------------------------------------------------------

const eventColumns = { position: 'bigint', key: 'text', seq: 'bigint', type: 'text', network: 'text', at: 'timestamptz', body: 'jsonb' } as const;

/** Journal events; returns the positions it inserted (an event already there is skipped, with its effects). */
export const insertEvents: WriteSpec<EventRow> = {
  columns: eventColumns,
  sql: `INSERT INTO ${schema}.events (${columnList(eventColumns)}) SELECT ${columnList(eventColumns)} FROM ${recordset(eventColumns)}
        ON CONFLICT DO NOTHING RETURNING position`,
};

const transactionColumns = {
  position: 'bigint', tx_id: 'text', auth_id: 'text', network: 'text', account: 'text', counterparty: 'text', client: 'text', card: 'text',
  site: 'text', terminal: 'text', product: 'text', amount: 'bigint', volume: 'bigint', price: 'bigint', list_price: 'bigint', discount: 'bigint',
  discount_rule: 'text', bonus: 'bigint', at: 'timestamptz',
} as const;

const refundColumns = {
  position: 'bigint', refund_id: 'text', tx_id: 'text', network: 'text', account: 'text', card: 'text', site: 'text', terminal: 'text', shift: 'integer',
  amount: 'bigint', bonus: 'bigint', payments: 'jsonb', at: 'timestamptz',
} as const;

const operationColumns = {
  position: 'bigint', network: 'text', kind: 'text', result: 'text', reference: 'text', tx_id: 'text', account: 'text', counterparty: 'text',
  client: 'text', card: 'text', card_hash: 'text', site: 'text', terminal: 'text', product: 'text', volume: 'bigint', amount: 'bigint',
  discount: 'bigint', bonus: 'bigint', method: 'text', reason: 'text', at: 'timestamptz', auth_id: 'text',
} as const;
const operationStored = Object.keys(operationColumns).filter((name) => name !== 'auth_id');
/**
 * Columns an operation takes from what it refers to when its event does not carry them. A return
 * (`rl`: its lines, already written in this batch) names the product when it gives back one, the
 * volume when it returns fuel, and the discount its lines give back.
 */
const operationDerived: Readonly<Record<string, string>> = {
  card_hash: 'coalesce(r.card_hash, h.card_hash, t.card_hash, rc.card_hash)',
  card: 'coalesce(r.card, t.card, rc.card)',
  site: 'coalesce(r.site, t.site, rc.site)',
  product: 'coalesce(r.product, CASE WHEN rl.products = 1 THEN rl.product END)',
  volume: 'coalesce(r.volume, CASE WHEN t.tx_id IS NOT NULL THEN rl.qty END)',
  discount: `CASE WHEN r.kind = 'refund' THEN coalesce(rl.discount, 0) ELSE r.discount END`,
};

const refundLineColumns = {
  position: 'bigint', line_index: 'integer', network: 'text', tx_id: 'text', refund_id: 'text', account: 'text', counterparty: 'text', client: 'text',
  terminal: 'text', line: 'integer', product: 'text', qty: 'bigint', amount: 'bigint', at: 'timestamptz',
} as const;

const shiftOpenedColumns = {
  shift_id: 'text', network: 'text', terminal: 'text', site: 'text', number: 'integer', kind: 'text', cashier: 'text', opened_at: 'timestamptz', opened_position: 'bigint',
} as const;
const shiftClosedColumns = { ...shiftOpenedColumns, closed_at: 'timestamptz', totals: 'jsonb', closed_position: 'bigint' } as const;

const sessionStartedColumns = {
  session_id: 'text', network: 'text', client: 'text', number: 'integer', tariff: 'text', tariff_name: 'text', site: 'text', terminal: 'text', plate: 'text',
  client_name: 'text', member: 'boolean', rate: 'bigint', started_at: 'timestamptz', comments: 'jsonb', started_position: 'bigint',
} as const;
const sessionStoppedColumns = {
  session_id: 'text', stopped_at: 'timestamptz', minutes: 'integer', rate: 'bigint', amount: 'bigint', auto: 'boolean', comments: 'jsonb',
} as const;
const sessionChargedColumns = { session_id: 'text', account: 'text', amount: 'bigint', charged_at: 'timestamptz' } as const;

const holdClosureColumns = {
  auth_id: 'text', status: 'text', closed_position: 'bigint', closed_at: 'timestamptz', closed_terminal: 'text', released: 'bigint', tx_id: 'text',
} as const;

const balanceColumns = { account: 'text', network: 'text', balance: 'bigint', bonus: 'bigint', position: 'bigint', at: 'timestamptz' } as const;

const referenceSyncColumns = { network: 'text', requested_position: 'bigint' } as const;

/** SQL for `share × part / whole`, floored, and all of the share once the part reaches the whole (money.ts `shareUpTo`). */
function shareOf(share: string, part: string, whole: string): string {
  return `(CASE WHEN ${part} >= ${whole} THEN ${share} WHEN ${whole} <= 0 THEN 0 ELSE div(${share}::numeric * (${part}), ${whole})::bigint END)`;
}

/** The writes of a batch, in the order they run (a hold is placed before it can be closed, a transaction before its refunds). */
export const batchWrites = {
  holds: insert<HoldRow>(
    'holds',
    {
      auth_id: 'text', position: 'bigint', network: 'text', account: 'text', hold_number: 'bigint', card: 'text', card_hash: 'text', terminal: 'text',
      site: 'text', product: 'text', price: 'bigint', list_price: 'bigint', discount: 'bigint', discount_rule: 'text', amount: 'bigint', volume: 'bigint',
      authorized_at: 'timestamptz', expires_at: 'timestamptz',
    },
    'ON CONFLICT DO NOTHING',
  ),
  holdClosures: {
    columns: holdClosureColumns,
    sql: `UPDATE ${schema}.holds AS h
          SET status = r.status, closed_position = r.closed_position, closed_at = r.closed_at, closed_terminal = r.closed_terminal, released = r.released, tx_id = r.tx_id
          FROM ${recordset(holdClosureColumns)}
          WHERE h.auth_id = r.auth_id AND h.status = 'authorized'`,
  } satisfies WriteSpec<HoldClosureRow>,
  // The completed event names the card by its masked number; its keyed hash (the search key) comes from the hold.
  transactions: {
    columns: transactionColumns,
    sql: `INSERT INTO ${schema}.transactions (${columnList(transactionColumns)}, card_hash)
          SELECT ${Object.keys(transactionColumns).map((name) => `r.${name}`).join(', ')}, h.card_hash
          FROM ${recordset(transactionColumns)} LEFT JOIN ${schema}.holds AS h ON h.auth_id = r.auth_id
          ON CONFLICT DO NOTHING`,
  } satisfies WriteSpec<TransactionRow>,
  receipts: insert<ReceiptRow>(
    'receipts',
    {
      tx_id: 'text', position: 'bigint', network: 'text', account: 'text', counterparty: 'text', client: 'text', card: 'text', card_hash: 'text',
      site: 'text', terminal: 'text', shift: 'integer', amount: 'bigint', discount: 'bigint', bonus: 'bigint', payments: 'jsonb', messages: 'jsonb',
      at: 'timestamptz',
    },
    'ON CONFLICT DO NOTHING',
  ),
  // A refund's card hash (and, for a fuel return, its site) come from the transaction or receipt returned.
  refunds: {
    columns: refundColumns,
    sql: `INSERT INTO ${schema}.refunds (${columnList(refundColumns)}, card_hash)
          SELECT ${Object.keys(refundColumns).map((name) => (name === 'site' ? 'coalesce(r.site, t.site, rc.site)' : name === 'card' ? 'coalesce(r.card, t.card, rc.card)' : `r.${name}`)).join(', ')},
                 coalesce(t.card_hash, rc.card_hash)
          FROM ${recordset(refundColumns)}
          LEFT JOIN ${schema}.transactions AS t ON t.tx_id = r.tx_id
          LEFT JOIN ${schema}.receipts AS rc ON rc.tx_id = r.tx_id
          ON CONFLICT DO NOTHING`,
  } satisfies WriteSpec<RefundRow>,
  saleLines: insert<SaleLineRow>(
    'sale_lines',
    {
      position: 'bigint', line: 'integer', network: 'text', kind: 'text', tx_id: 'text', account: 'text', counterparty: 'text', client: 'text', site: 'text',
      terminal: 'text', product: 'text', qty: 'bigint', list_price: 'bigint', price: 'bigint', amount: 'bigint', discount: 'bigint', discount_rule: 'text',
      at: 'timestamptz',
    },
    'ON CONFLICT DO NOTHING',
  ),
  // A returned line is the line sold, negated: its site and prices, and the share of its discount
  // (and, for old fuel returns that name no volume, of its volume) that the money returned so far
  // reaches, minus the share already given back — so returning a line in parts gives back exactly
  // its discount, never a truncation more or less. Integer arithmetic (numeric, no overflow), floored.
  refundLines: {
    columns: refundLineColumns,
    sql: `INSERT INTO ${schema}.sale_lines (position, line, network, kind, tx_id, refund_id, returned_line, account, counterparty, client, site, terminal, product, qty, list_price, price, amount, discount, discount_rule, at)
          SELECT r.position, r.line_index, r.network, 'refund', r.tx_id, r.refund_id, r.line, coalesce(r.account, o.account), coalesce(r.counterparty, o.counterparty),
                 coalesce(r.client, o.client), o.site, r.terminal, coalesce(r.product, o.product),
                 -coalesce(r.qty, ${shareOf('o.qty', 'b.before + r.amount', 'o.amount')} - ${shareOf('o.qty', 'b.before', 'o.amount')}),
                 o.list_price, o.price, -r.amount,
                 -(${shareOf('o.discount', 'b.before + r.amount', 'o.amount')} - ${shareOf('o.discount', 'b.before', 'o.amount')}),
                 o.discount_rule, r.at
          FROM (SELECT r.*, coalesce(sum(r.amount) OVER (PARTITION BY r.tx_id, r.line ORDER BY r.position, r.line_index ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS in_batch
                FROM ${recordset(refundLineColumns)}) AS r
          JOIN ${schema}.sale_lines AS o ON o.tx_id = r.tx_id AND o.line = r.line AND o.refund_id IS NULL
          CROSS JOIN LATERAL (SELECT r.in_batch - coalesce(sum(x.amount), 0) AS before FROM ${schema}.sale_lines AS x
                              WHERE x.tx_id = r.tx_id AND x.returned_line = r.line AND x.refund_id IS NOT NULL) AS b
          ON CONFLICT DO NOTHING`,
  } satisfies WriteSpec<RefundLineRow>,
  payments: insert<PaymentRow>(
    'payments',
    { position: 'bigint', method: 'text', network: 'text', kind: 'text', tx_id: 'text', account: 'text', site: 'text', terminal: 'text', amount: 'bigint', at: 'timestamptz' },
    'ON CONFLICT DO NOTHING',
  ),
  // The feed's row; what its event does not carry (a fuel transaction's card hash, a return's card and site) comes from what it refers to.
  operations: {
    columns: operationColumns,
    sql: `INSERT INTO ${schema}.operations (${operationStored.join(', ')})
          SELECT ${operationStored.map((name) => operationDerived[name] ?? `r.${name}`).join(', ')}
          FROM ${recordset(operationColumns)}
          LEFT JOIN ${schema}.holds AS h ON r.auth_id IS NOT NULL AND h.auth_id = r.auth_id
          LEFT JOIN ${schema}.transactions AS t ON r.kind = 'refund' AND t.tx_id = r.tx_id
          LEFT JOIN ${schema}.receipts AS rc ON r.kind = 'refund' AND rc.tx_id = r.tx_id
          LEFT JOIN LATERAL (SELECT -sum(l.qty)::bigint AS qty, -sum(l.discount)::bigint AS discount, min(l.product) AS product, count(DISTINCT l.product) AS products
                             FROM ${schema}.sale_lines AS l WHERE r.kind = 'refund' AND l.tx_id = r.tx_id AND l.refund_id = r.reference) AS rl ON true
          ON CONFLICT DO NOTHING`,
  } satisfies WriteSpec<OperationRow>,
  shiftsOpened: {
    columns: shiftOpenedColumns,
    sql: `INSERT INTO ${schema}.shifts (${columnList(shiftOpenedColumns)}, status) SELECT ${columnList(shiftOpenedColumns)}, 'open' FROM ${recordset(shiftOpenedColumns)}
          ON CONFLICT DO NOTHING`,
  } satisfies WriteSpec<ShiftOpenedRow>,
  shiftsClosed: {
    columns: shiftClosedColumns,
    sql: `INSERT INTO ${schema}.shifts (${columnList(shiftClosedColumns)}, status) SELECT ${columnList(shiftClosedColumns)}, 'closed' FROM ${recordset(shiftClosedColumns)}
          ON CONFLICT (shift_id) DO UPDATE SET status = 'closed', closed_at = excluded.closed_at, totals = excluded.totals, closed_position = excluded.closed_position`,
  } satisfies WriteSpec<ShiftClosedRow>,
  sessionsStarted: {
    columns: sessionStartedColumns,
    sql: `INSERT INTO ${schema}.wash_sessions (${columnList(sessionStartedColumns)}, status) SELECT ${columnList(sessionStartedColumns)}, 'open' FROM ${recordset(sessionStartedColumns)}
          ON CONFLICT DO NOTHING`,
  } satisfies WriteSpec<SessionStartedRow>,
  sessionsStopped: {
    columns: sessionStoppedColumns,
    sql: `UPDATE ${schema}.wash_sessions AS s
          SET status = CASE WHEN s.status = 'charged' THEN 'charged' ELSE 'stopped' END, stopped_at = r.stopped_at, minutes = r.minutes, rate = r.rate,
              amount = coalesce(s.amount, r.amount), auto = r.auto, comments = r.comments
          FROM ${recordset(sessionStoppedColumns)} WHERE s.session_id = r.session_id`,
  } satisfies WriteSpec<SessionStoppedRow>,
  sessionsCharged: {
    columns: sessionChargedColumns,
    sql: `UPDATE ${schema}.wash_sessions AS s SET status = 'charged', account = r.account, amount = r.amount, charged_at = r.charged_at
          FROM ${recordset(sessionChargedColumns)} WHERE s.session_id = r.session_id`,
  } satisfies WriteSpec<SessionChargedRow>,
  topups: insert<TopupRow>(
    'topups',
    { position: 'bigint', network: 'text', account: 'text', amount: 'bigint', method: 'text', terminal: 'text', site: 'text', at: 'timestamptz' },
    'ON CONFLICT DO NOTHING',
  ),
  declines: insert<DeclineRow>(
    'declines',
    {
      position: 'bigint', network: 'text', terminal: 'text', site: 'text', request_id: 'text', reason: 'text', operation: 'text', card: 'text',
      product: 'text', amount: 'bigint', volume: 'bigint', at: 'timestamptz',
    },
    'ON CONFLICT DO NOTHING',
  ),
  pinEvents: insert<PinEventRow>(
    'pin_events',
    { position: 'bigint', network: 'text', card: 'text', card_hash: 'text', type: 'text', failures: 'integer', at: 'timestamptz' },
    'ON CONFLICT DO NOTHING',
  ),
  networkImports: insert<NetworkImportRow>(
    'network_imports',
    { position: 'bigint', network: 'text', created: 'bigint', updated: 'bigint', unchanged: 'bigint', catalog_changed: 'boolean', at: 'timestamptz' },
    'ON CONFLICT DO NOTHING',
  ),
  balanceChanges: insert<BalanceChangeRow>(
    'balance_changes',
    {
      position: 'bigint', network: 'text', account: 'text', kind: 'text', reference: 'text', delta: 'bigint', balance_after: 'bigint',
      bonus_delta: 'bigint', bonus_after: 'bigint', at: 'timestamptz',
    },
    'ON CONFLICT DO NOTHING',
  ),
  balances: insert<BalanceRow>(
    'balances',
    balanceColumns,
    'ON CONFLICT (account) DO UPDATE SET balance = excluded.balance, bonus = excluded.bonus, position = excluded.position, at = excluded.at',
  ),
  referenceSync: insert<ReferenceSyncRow>(
    'reference_sync',
    referenceSyncColumns,
    `ON CONFLICT (network) DO UPDATE SET requested_position = greatest(${schema}.reference_sync.requested_position, excluded.requested_position)`,
  ),
  cards: upsert<CardChangedRow>(
    'cards',
    { network: 'text', hash: 'text', masked: 'text', account: 'text', status: 'text', expires: 'text', limits: 'jsonb', restrictions: 'jsonb' },
    ['network', 'hash'],
  ),
} as const;

/**
 * Writes that update a row by its key: one statement may not touch a row twice (ON CONFLICT DO
 * UPDATE refuses), so of the rows of one batch with the same key only the last one is written.
 */
export const batchWriteKeys: { readonly [W in WriteName]?: (row: RowOf<W>) => string } = {
  referenceSync: (row) => row.network,
  cards: (row) => `${row.network}\u0000${row.hash}`,
  balances: (row) => row.account,
};

/** The rows of a write as they go to PostgreSQL: for keyed writes, the last row per key. */
export function rowsToWrite<W extends WriteName>(write: W, rows: readonly RowOf<W>[]): readonly RowOf<W>[] {
  const keyOf = batchWriteKeys[write] as ((row: RowOf<W>) => string) | undefined;
  if (keyOf === undefined || rows.length < 2) return rows;
  const last = new Map<string, RowOf<W>>();
  for (const row of rows) {
    const key = keyOf(row);
    last.delete(key);
    last.set(key, row);
  }
  return [...last.values()];
}

export type BatchWrites = typeof batchWrites;
export type WriteName = keyof BatchWrites;
export type RowOf<W extends WriteName> = BatchWrites[W] extends WriteSpec<infer Row> ? Row : never;

/**
 * Text PostgreSQL cannot hold — NUL and unpaired UTF-16 surrogates, which a terminal may send in a
 * request id — becomes U+FFFD; the journal keeps the original. Anything else is stored exactly.
 */
const unstorable = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

export function storableText(text: string): string {
  return text.replace(unstorable, '\ufffd');
}

/** The JSON parameter of a write: rows with times as ISO 8601 text, and storable text only. */
export function rowsParameter<Row>(spec: WriteSpec<Row>, rows: readonly Row[]): string {
  const times = Object.entries(spec.columns as Record<string, ColumnType>).filter(([, type]) => type === 'timestamptz').map(([name]) => name);
  const converted =
    times.length === 0
      ? rows
      : rows.map((row) => {
          const copy: Record<string, unknown> = { ...(row as Record<string, unknown>) };
          for (const name of times) {
            const value = copy[name];
            if (typeof value === 'number') copy[name] = new Date(value).toISOString();
          }
          return copy;
        });
  return JSON.stringify(converted, (_name: string, value: unknown) => (typeof value === 'string' ? storableText(value) : value));
}
