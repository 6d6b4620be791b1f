// The transaction feed, an operation's card and the feed's exports:
//   GET /api/v1/transactions                  search with filters, newest first, cursor paging
//   GET /api/v1/transactions/:id              the card of one operation (by reference or tx id)
//   GET /api/v1/exports/transactions.xlsx     the same search, streamed as Excel
//   GET /api/v1/exports/transactions.csv      … and as CSV
// A full card number in `card` is turned into its keyed hash here (engine.identifyCard) and goes no
// further: it is not stored, logged or echoed (validation issues carry paths, never values). The
// caller's scope (sites, owner) is part of every query, so what it may not see does not exist (404).

import type { OperationCard, OperationFilters, OperationView } from '../../../../engine/index.js';
import { constants, decodeFeedCursor, encodeFeedCursor, operationCard, operationKinds, operationResults, operationsQuery, searchOperations, z } from '../../../../engine/index.js';
import type { ApiContext } from '../context.js';
import { databaseOf, listScope, principalOf } from '../context.js';
import type { ExportColumn, ExportFormat } from '../export.js';
import { cursorRows, exportFormats, exportReply, exportRowsMax } from '../export.js';
import type { Route } from '../router.js';
import { ApiError, route } from '../router.js';

const text = z.string().min(1).max(constants.feedFilterLengthMax);

/** A full card number (8–19 digits), the last four digits (`1234`, `*1234`), or a masked number (`700500******0017`). */
const cardPattern = /^(?:\d{8,19}|\**\d{4}|\d{1,6}\*+\d{4})$/;
const fullCardPattern = /^\d{8,19}$/;
const lastDigitsPattern = /^\**(\d{4})$/;

const instant = (description: string) =>
  z.iso
    .datetime({ offset: true })
    .describe(description)
    .transform((value) => Date.parse(value));

const kindSchema = z.enum(operationKinds);

const filterFields = {
  card: z.string().max(constants.feedFilterLengthMax).regex(cardPattern, 'a card number, its last four digits (1234 or *1234) or its masked form').optional().describe('A full card number (searched by its keyed hash, never stored), the last four digits (`1234`, `*1234`) or the masked number'),
  counterparty: text.optional().describe('A corporate counterparty id'),
  client: text.optional().describe('A club or loyalty client id'),
  site: text.optional().describe('A site id'),
  terminal: text.optional().describe('A terminal id'),
  tx: text.optional().describe('A tx id, refund id, wash session id or declined request id'),
  kind: z
    .union([kindSchema, z.array(kindSchema).max(operationKinds.length)])
    .optional()
    .describe('Kinds of operation (repeat the parameter for several)'),
  result: z.enum(operationResults).optional().describe('approved or declined'),
  from: instant('From this instant, inclusive (ISO 8601 with offset)').optional(),
  to: instant('Until this instant, exclusive (ISO 8601 with offset)').optional(),
};

const feedQuery = z
  .object({
    ...filterFields,
    limit: z.coerce.number().int().min(1).max(constants.feedPageRowsMax).default(constants.feedPageRowsDefault).describe(`Operations per page (1–${constants.feedPageRowsMax})`),
    cursor: z.string().max(100).optional().describe('The `next` of the page before'),
  })
  .strict();

const exportQuery = z
  .object({
    ...filterFields,
    limit: z.string().optional().describe('Ignored: an export has every matching operation, up to its cap'),
  })
  .strict();

type FilterQuery = z.infer<z.ZodObject<typeof filterFields>>;

const operationSchema = z
  .object({
    reference: z.string().describe("The operation's own id: tx id, refund id, session id, declined request id, `topup:<position>`"),
    txId: z.string().nullable().describe('The transaction or receipt it belongs to (a return: the one returned)'),
    kind: z.enum(operationKinds),
    result: z.enum(operationResults),
    position: z.number().int().describe('Its position in the journal'),
    at: z.string().describe('ISO 8601, UTC'),
    account: z.string().nullable(),
    counterparty: z.string().nullable(),
    client: z.string().nullable(),
    card: z.string().nullable().describe('The masked card number'),
    site: z.string().nullable(),
    terminal: z.string().nullable(),
    product: z.string().nullable(),
    volume: z.number().int().nullable().describe('Millilitres (fuel), minutes (wash)'),
    amount: z.number().int().describe('Minor units'),
    discount: z.number().int().describe('Minor units'),
    bonus: z.number().int().describe('Bonus points earned (a return: taken back)'),
    method: z.string().nullable().describe('A top-up’s payment method'),
    reason: z.string().nullable().describe('A decline’s reason code'),
  })
  .meta({ id: 'Operation' });

const pageSchema = z
  .object({
    items: z.array(operationSchema),
    next: z.string().nullable().describe('The cursor of the next page; null on the last'),
  })
  .meta({ id: 'OperationPage' });

const lineSchema = z
  .object({
    line: z.number().int(),
    product: z.string(),
    qty: z.number().int().describe('Millilitres, thousandths of a piece, or minutes (wash); negative in a return'),
    listPrice: z.number().int().nullable(),
    price: z.number().int().nullable(),
    amount: z.number().int(),
    discount: z.number().int(),
    discountRule: z.string().nullable(),
  })
  .meta({ id: 'ReceiptLine' });

const paymentSchema = z.object({ method: z.string(), amount: z.number().int() }).meta({ id: 'Payment' });

const returnSchema = z
  .object({
    refundId: z.string(),
    position: z.number().int(),
    at: z.string(),
    site: z.string().nullable(),
    terminal: z.string(),
    shift: z.number().int().nullable(),
    amount: z.number().int(),
    bonus: z.number().int(),
    payments: z.array(paymentSchema),
    lines: z.array(lineSchema),
  })
  .meta({ id: 'Return' });

const detailsSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('fuel'),
    authId: z.string(),
    hold: z
      .object({
        number: z.number().int(),
        amount: z.number().int(),
        volume: z.number().int(),
        status: z.string(),
        authorizedAt: z.string(),
        expiresAt: z.string(),
        closedAt: z.string().nullable(),
        released: z.number().int().nullable(),
      })
      .nullable(),
    product: z.string(),
    volume: z.number().int(),
    price: z.number().int(),
    listPrice: z.number().int(),
    discount: z.number().int(),
    discountRule: z.string().nullable(),
    amount: z.number().int(),
    bonus: z.number().int(),
    returns: z.array(returnSchema),
  }),
  z.object({
    kind: z.literal('sale'),
    lines: z.array(lineSchema),
    payments: z.array(paymentSchema),
    messages: z.array(z.string()),
    shift: z
      .object({ shiftId: z.string(), number: z.number().int(), status: z.enum(['open', 'closed']), cashier: z.string().nullable(), openedAt: z.string(), closedAt: z.string().nullable() })
      .nullable(),
    amount: z.number().int(),
    discount: z.number().int(),
    bonus: z.number().int(),
    returns: z.array(returnSchema),
  }),
  z.object({ kind: z.literal('refund'), refund: returnSchema, returned: z.object({ txId: z.string(), kind: z.enum(['fuel', 'sale']).nullable() }) }),
  z.object({
    kind: z.literal('wash'),
    sessionId: z.string(),
    number: z.number().int(),
    tariff: z.string(),
    tariffName: z.string(),
    plate: z.string().nullable(),
    clientName: z.string(),
    member: z.boolean(),
    rate: z.number().int().describe('Minor units per minute'),
    status: z.string(),
    startedAt: z.string(),
    stoppedAt: z.string().nullable(),
    minutes: z.number().int().nullable(),
    amount: z.number().int().nullable(),
    auto: z.boolean().nullable(),
    comments: z.array(z.object({ at: z.string(), text: z.string() })),
  }),
  z.object({ kind: z.literal('topup'), amount: z.number().int(), method: z.string(), balanceAfter: z.number().int().nullable() }),
  z.object({ kind: z.literal('decline'), requestId: z.string(), reason: z.string(), operation: z.string(), product: z.string().nullable(), amount: z.number().int().nullable(), volume: z.number().int().nullable() }),
]);

const cardSchema = z.object({ operation: operationSchema, details: detailsSchema }).meta({ id: 'OperationCard' });

/** The query's filters for the read model; a full card number becomes its keyed hash here. */
function filtersOf(context: ApiContext, network: string, query: FilterQuery): OperationFilters {
  const filters: OperationFilters = {
    counterparty: query.counterparty,
    client: query.client,
    site: query.site,
    terminal: query.terminal,
    tx: query.tx,
    kinds: query.kind === undefined ? undefined : typeof query.kind === 'string' ? [query.kind] : (query.kind),
    result: query.result,
    from: query.from,
    to: query.to,
  };
  const card = query.card;
  if (card !== undefined) {
    if (fullCardPattern.test(card)) filters.cardHash = context.engine.identifyCard(network, card).hash;
    else {
      const last = lastDigitsPattern.exec(card);
      if (last !== null) filters.cardLast = last[1];
      else filters.cardMasked = card;
    }
  }
  if (query.from !== undefined && query.to !== undefined && query.from >= query.to) {
    throw new ApiError('BAD_REQUEST', 'the query is not valid: query.to', [{ path: 'query.to', message: 'must be later than from' }]);
  }
  return filters;
}

const exportColumns: readonly ExportColumn[] = [
  { key: 'at', header: 'Time (UTC)', type: 'datetime' },
  { key: 'kind', header: 'Kind', type: 'text' },
  { key: 'result', header: 'Result', type: 'text' },
  { key: 'reference', header: 'Reference', type: 'text' },
  { key: 'tx_id', header: 'Transaction', type: 'text' },
  { key: 'site', header: 'Site', type: 'text' },
  { key: 'terminal', header: 'Terminal', type: 'text' },
  { key: 'card', header: 'Card', type: 'text' },
  { key: 'counterparty', header: 'Counterparty', type: 'text' },
  { key: 'client', header: 'Client', type: 'text' },
  { key: 'account', header: 'Account', type: 'text' },
  { key: 'product', header: 'Product', type: 'text' },
  { key: 'litres', header: 'Volume (l)', type: 'quantity' },
  { key: 'minutes', header: 'Minutes', type: 'integer' },
  { key: 'amount', header: 'Amount', type: 'money' },
  { key: 'discount', header: 'Discount', type: 'money' },
  { key: 'bonus', header: 'Bonus points', type: 'integer' },
  { key: 'method', header: 'Method', type: 'text' },
  { key: 'reason', header: 'Reason', type: 'text' },
  { key: 'position', header: 'Position', type: 'integer' },
];

/** A feed row as an export row: `volume` is millilitres for fuel and minutes for a wash, so two columns. */
async function* exportRows(rows: AsyncIterable<Record<string, unknown>>): AsyncGenerator<Record<string, unknown>> {
  for await (const row of rows) {
    const wash = row['kind'] === 'wash';
    yield { ...row, litres: wash ? null : row['volume'], minutes: wash ? row['volume'] : null };
  }
}

function exportRoute(context: ApiContext, format: ExportFormat): Route {
  return route({
    method: 'get',
    path: `/api/v1/exports/transactions.${format}`,
    summary: `The transaction feed's search as ${format === 'xlsx' ? 'Excel (xlsx)' : 'CSV'}, streamed, newest first`,
    tag: 'transactions',
    action: 'reports.export',
    query: exportQuery,
    produces: [format === 'xlsx' ? 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' : 'text/csv'],
    response: z.string(),
    handle: (request) => {
      const principal = principalOf(request);
      const network = principal.network;
      const scope = listScope(context, principal, 'reports.export', network, request.remote);
      const pool = databaseOf(context);
      const filters = filtersOf(context, network, request.query);
      const query = operationsQuery(network, filters, scope, { limit: exportRowsMax(format) });
      return Promise.resolve(exportReply(format, 'transactions', exportColumns, () => exportRows(cursorRows(pool, query.text, query.values))));
    },
  });
}

export function transactionRoutes(context: ApiContext): Route[] {
  return [
    route({
      method: 'get',
      path: '/api/v1/transactions',
      summary: 'Search the transaction feed (fuel, receipts, returns, top-ups, wash charges, declines), newest first',
      tag: 'transactions',
      action: 'transactions.read',
      query: feedQuery,
      response: pageSchema,
      handle: async (request) => {
        const principal = principalOf(request);
        const network = principal.network;
        const scope = listScope(context, principal, 'transactions.read', network, request.remote);
        const { cursor, limit, ...rest } = request.query;
        const after = cursor === undefined ? undefined : decodeFeedCursor(cursor);
        if (cursor !== undefined && after === undefined) throw new ApiError('BAD_REQUEST', 'the query is not valid: query.cursor', [{ path: 'query.cursor', message: 'not a cursor of this feed' }]);
        const filters = filtersOf(context, network, rest);
        const page = await searchOperations(databaseOf(context), network, filters, scope, { limit, after });
        const body: { items: OperationView[]; next: string | null } = { items: page.items, next: page.next === null ? null : encodeFeedCursor(page.next) };
        return { body };
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/transactions/:id',
      summary: "An operation's card: a fuel transaction, a receipt with its lines, payments and returns, a return, a wash charge, a top-up or a decline",
      tag: 'transactions',
      action: 'transactions.read',
      response: cardSchema,
      handle: async (request) => {
        const principal = principalOf(request);
        const network = principal.network;
        const scope = listScope(context, principal, 'transactions.read', network, request.remote);
        const id = request.params['id'] ?? '';
        if (id.length === 0 || id.length > constants.feedFilterLengthMax) throw new ApiError('NOT_FOUND', 'no such operation');
        const card: OperationCard | undefined = await operationCard(databaseOf(context), network, id, scope);
        if (card === undefined) throw new ApiError('NOT_FOUND', 'no such operation');
        return { body: card };
      },
    }),
    ...exportFormats.map((format) => exportRoute(context, format)),
  ];
}
