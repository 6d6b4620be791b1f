// Balances, histories and reports: read from the read model (engine/read-model/queries), scoped by
// the principal — a client sees only its own record (anything else is 404), an operator only its
// sites' numbers. Periods are [from, to) in ISO 8601 with an offset, at most
// constants.reportPeriodDaysMax days; days are calendar days in the network's time zone.

import { z } from '../../../../engine/index.js';
import type { AccountOwner, AccountRecord, Principal, ReportPeriod, ReportScope } from '../../../../engine/index.js';
import {
  ReportTooLargeError,
  accountOf,
  balanceList,
  balanceOf,
  constants,
  decodeHistoryCursor,
  encodeHistoryCursor,
  networkTimezone,
  operationHistory,
  paymentMethodGroups,
  paymentMethodsReport,
  pricingConditions,
  salesGroups,
  salesReport,
  settlementsReport,
  topupGroups,
  topupsReport,
  washSessionGroups,
  washSessionsReport,
} from '../../../../engine/index.js';
import type { ApiContext } from '../context.js';
import { databaseOf, listScope, principalOf, requireAllowed } from '../context.js';
import type { ExportColumn, ExportColumnType } from '../export.js';
import { exportFormats, exportReply } from '../export.js';
import type { Route } from '../router.js';
import { ApiError, route } from '../router.js';

const dayMs = 86_400_000;

const instant = z.iso.datetime({ offset: true }).describe('An instant in ISO 8601 with an offset or Z, e.g. 2026-11-01T00:00:00+03:00');
const isoOut = z.string().describe('ISO 8601 (UTC)');
const iso = (ms: number): string => new Date(ms).toISOString();

/** A comma-separated list of group names from a closed set (each at most once). */
function groupList<T extends readonly [string, ...string[]]>(names: T) {
  return z
    .string()
    .max(200)
    .transform((text) => (text === '' ? [] : text.split(',')))
    .pipe(
      z
        .array(z.enum(names))
        .max(names.length)
        .refine((list) => new Set(list).size === list.length, { message: 'a group name is given twice' }),
    )
    .optional()
    .describe(`Comma-separated, any of: ${names.join(', ')}`);
}

function periodIssues(query: { from?: string | undefined; to?: string | undefined }, context: z.core.$RefinementCtx): void {
  if (query.from === undefined || query.to === undefined) return;
  const from = Date.parse(query.from);
  const to = Date.parse(query.to);
  if (to <= from) context.addIssue({ code: 'custom', path: ['to'], message: 'to must be after from' });
  else if (to - from > constants.reportPeriodDaysMax * dayMs) context.addIssue({ code: 'custom', path: ['to'], message: `a period covers at most ${constants.reportPeriodDaysMax} days` });
}

const periodShape = { from: instant.describe('Start of the period (included), ISO 8601'), to: instant.describe('End of the period (excluded), ISO 8601') };
const salesQuery = z.object({ ...periodShape, group: groupList(salesGroups) }).superRefine(periodIssues);
const paymentMethodsQuery = z.object({ ...periodShape, group: groupList(paymentMethodGroups) }).superRefine(periodIssues);
const washSessionsQuery = z.object({ ...periodShape, group: groupList(washSessionGroups) }).superRefine(periodIssues);
const topupsQuery = z.object({ ...periodShape, group: groupList(topupGroups) }).superRefine(periodIssues);
const settlementsQuery = z
  .object({ ...periodShape, owner: z.enum(['counterparty', 'client']).optional().describe('Only counterparties or only clients') })
  .superRefine(periodIssues);

const ownerSchema = z.object({ kind: z.enum(['counterparty', 'client']), id: z.string() }).meta({ id: 'AccountOwner' });

const balanceSchema = z
  .object({
    account: z.string(),
    owner: ownerSchema,
    name: z.string(),
    segment: z.string().nullable(),
    at: isoOut.nullable().describe('The instant asked for; null for now'),
    balance: z.number().int().describe('Minor units'),
    bonus: z.number().int().describe('Bonus points'),
    creditLimit: z.number().int(),
    holds: z.number().int().nullable().describe('Open holds (now only)'),
    available: z.number().int().nullable().describe('balance + creditLimit − holds (now only)'),
    changedAt: isoOut.nullable().describe('When the balance last moved (at or before `at`)'),
  })
  .meta({ id: 'Balance' });

const balancePageSchema = z.object({ items: z.array(balanceSchema), next: z.string().nullable().describe('Cursor of the next page') }).meta({ id: 'BalancePage' });

const operationSchema = z
  .object({
    position: z.number().int(),
    at: isoOut,
    kind: z.string().describe('The event: completed (fuel), sale, refunded, topup, session.charged'),
    reference: z.string().nullable().describe('Transaction, receipt, return or session id'),
    delta: z.number().int(),
    balanceAfter: z.number().int(),
    bonusDelta: z.number().int(),
    bonusAfter: z.number().int(),
  })
  .meta({ id: 'AccountOperation' });
const operationPageSchema = z.object({ account: z.string(), items: z.array(operationSchema), next: z.string().nullable() }).meta({ id: 'AccountOperationPage' });

const pricingSchema = z
  .object({
    account: z.string(),
    from: isoOut,
    to: isoOut,
    history: z.array(
      z.object({
        product: z.string(),
        listPrice: z.number().int().nullable(),
        price: z.number().int().nullable(),
        discountRule: z.string().nullable(),
        firstAt: isoOut,
        lastAt: isoOut,
        count: z.number().int(),
        quantity: z.number().int().describe('thousandths of the unit (ml, 1/1000 pcs); minutes for a wash tariff'),
        unit: z.string().nullable().describe('the product’s unit (`l`, `pcs`, …), `min` for a wash tariff; null when the catalog no longer has it'),
        amount: z.number().int(),
        discount: z.number().int(),
      }),
    ),
    discounts: z.array(
      z.object({
        id: z.string(),
        name: z.string(),
        percent: z.number().int().nullable(),
        perUnit: z.number().int().nullable(),
        fixedPrice: z.number().int().nullable().describe('a fixed (contract) price per unit'),
        products: z.array(z.string()).nullable(),
        sites: z.array(z.string()).nullable(),
        hours: z.string().nullable(),
        validFrom: isoOut.nullable(),
        validTo: isoOut.nullable(),
        clientGroups: z.array(z.string()).nullable().describe('the client groups it is for (the client is in one of them)'),
        members: z.boolean().describe('club members only'),
        threshold: z
          .object({ period: z.string(), volume: z.number().int().optional(), amount: z.number().int().optional() })
          .nullable()
          .describe('what must be bought within the period first (volume in ml, or an amount)'),
        targeted: z.boolean().describe('named for this owner: its segment, itself, its client groups or its membership'),
      }),
    ),
    bonus: z.object({ rate: z.number().int().nullable(), redeem: z.boolean().nullable(), products: z.array(z.string()).nullable() }).nullable(),
  })
  .meta({ id: 'PricingConditions' });

const groupKeys = { site: z.string().nullable().optional(), product: z.string().nullable().optional(), day: z.string().nullable().optional(), method: z.string().nullable().optional(), tariff: z.string().nullable().optional() };
const int = z.number().int();
const salesMeasures = { count: int.describe('Lines sold'), returns: int.describe('Lines returned'), quantity: int.describe('Net: ml, thousandths of a piece, minutes'), amount: int, discount: int };
const paymentMeasures = { count: int.describe('Payments'), returns: int.describe('Refunds'), amount: int.describe('Net of refunds') };
const washMeasures = { count: int.describe('Sessions stopped'), charged: int.describe('Of them charged'), minutes: int, revenue: int };
const topupMeasures = { count: int, amount: int };

function reportSchema<M extends z.ZodRawShape>(id: string, measures: M) {
  return z
    .object({
      report: z.string(),
      network: z.string(),
      from: isoOut,
      to: isoOut,
      timezone: z.string(),
      group: z.array(z.string()),
      rows: z.array(z.object({ ...groupKeys, ...measures })),
      totals: z.object(measures),
    })
    .meta({ id });
}
const salesSchema = reportSchema('SalesReport', salesMeasures);
const paymentMethodsSchema = reportSchema('PaymentMethodsReport', paymentMeasures);
const washSessionsSchema = reportSchema('WashSessionsReport', washMeasures);
const topupsSchema = reportSchema('TopupsReport', topupMeasures);
const settlementMeasures = { creditLimit: int, opening: int, debits: int, returns: int, topups: int, otherCredits: int, credits: int, closing: int };
const settlementsSchema = z
  .object({
    report: z.string(),
    network: z.string(),
    from: isoOut,
    to: isoOut,
    timezone: z.string(),
    rows: z.array(z.object({ account: z.string(), owner: ownerSchema, name: z.string(), segment: z.string().nullable(), ...settlementMeasures })),
    totals: z.object(settlementMeasures),
  })
  .meta({ id: 'SettlementsReport' });

const atQuery = z.object({ at: instant.optional().describe('The balance at this instant (ISO 8601); now when absent') });
const pageLimit = z.coerce.number().int().min(1).max(constants.historyPageRowsMax).default(constants.historyPageRowsDefault);
const balancesQuery = z.object({
  at: instant.optional().describe('Balances at this instant; now when absent'),
  segment: z.string().min(1).max(constants.identifierLengthMax).optional(),
  cursor: z.string().min(1).max(constants.identifierLengthMax * 4).optional(),
  limit: pageLimit,
});
const operationsQuery = z
  .object({ from: instant.optional(), to: instant.optional(), cursor: z.string().min(1).max(200).optional(), limit: pageLimit })
  .superRefine(periodIssues);
const pricingQuery = z
  .object({ from: instant.optional().describe('Default: 31 days before to'), to: instant.optional().describe('Default: now') })
  .superRefine(periodIssues);

const owners = [
  { kind: 'counterparty', plural: 'counterparties', readAction: 'counterparties.read' },
  { kind: 'client', plural: 'clients', readAction: 'clients.read' },
] as const;

/** The account of the owner named in the path, once the principal may see it (else 404/403). */
async function ownedAccount(context: ApiContext, principal: Principal, owner: AccountOwner): Promise<AccountRecord> {
  const account = await accountOf(databaseOf(context), principal.network, owner);
  if (account === undefined) throw new ApiError('NOT_FOUND', `no ${owner.kind} ${owner.id}`);
  return account;
}

function balanceBody(view: Awaited<ReturnType<typeof balanceOf>> & object): z.infer<typeof balanceSchema> {
  return {
    account: view.account,
    owner: view.owner,
    name: view.name,
    segment: view.segment,
    at: view.at === undefined ? null : iso(view.at),
    balance: view.balance,
    bonus: view.bonus,
    creditLimit: view.creditLimit,
    holds: view.holds ?? null,
    available: view.available ?? null,
    changedAt: view.changedAt === undefined ? null : iso(view.changedAt),
  };
}

/** The network's reading period: the scope of the principal, the account of a client, the time zone. */
async function reportPeriod(context: ApiContext, principal: Principal, query: { from: string; to: string }, action: ReportAction): Promise<ReportPeriod> {
  const scope = listScope(context, principal, action, principal.network);
  const database = databaseOf(context);
  const timezone = await networkTimezone(database, principal.network);
  if (timezone === undefined) throw new ApiError('NOT_FOUND', 'the read model knows no such network yet');
  const reportScope: ReportScope = { sites: scope.sites };
  if (scope.owner !== undefined) reportScope.owner = { owner: scope.owner, account: (await accountOf(database, principal.network, scope.owner))?.key };
  return { network: principal.network, from: Date.parse(query.from), to: Date.parse(query.to), timezone, scope: reportScope, rowsMax: constants.reportRowsMax };
}

async function tooLargeAsBadRequest<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (error instanceof ReportTooLargeError) throw new ApiError('BAD_REQUEST', error.message, [{ path: 'query.group', message: error.message }]);
    throw error;
  }
}

function header(report: string, period: ReportPeriod): { report: string; network: string; from: string; to: string; timezone: string } {
  return { report, network: period.network, from: iso(period.from), to: iso(period.to), timezone: period.timezone };
}

type ReportAction = 'reports.read' | 'reports.export';

/** The JSON reports, by name: what the routes answer and what the exports write (under the action that asks). */
export function reportBuilders(context: ApiContext, action: ReportAction) {
  const db = (): ReturnType<typeof databaseOf> => databaseOf(context);
  return {
    sales: async (principal: Principal, query: z.infer<typeof salesQuery>) => {
      const period = await reportPeriod(context, principal, query, action);
      const group = query.group ?? [];
      return { ...header('sales', period), group, ...(await tooLargeAsBadRequest(salesReport(db(), period, group))) };
    },
    'payment-methods': async (principal: Principal, query: z.infer<typeof paymentMethodsQuery>) => {
      const period = await reportPeriod(context, principal, query, action);
      const group = query.group ?? [];
      return { ...header('payment-methods', period), group: ['method', ...group], ...(await tooLargeAsBadRequest(paymentMethodsReport(db(), period, group))) };
    },
    settlements: async (principal: Principal, query: z.infer<typeof settlementsQuery>) => {
      const period = await reportPeriod(context, principal, query, action);
      // A balance belongs to no site: a reader scoped to some sites cannot have it.
      if (period.scope.sites !== 'all') throw new ApiError('FORBIDDEN', 'settlements cover whole accounts: not for a reader scoped to some sites');
      return { ...header('settlements', period), ...(await tooLargeAsBadRequest(settlementsReport(db(), period, query.owner))) };
    },
    'wash-sessions': async (principal: Principal, query: z.infer<typeof washSessionsQuery>) => {
      const period = await reportPeriod(context, principal, query, action);
      const group = query.group ?? [];
      return { ...header('wash-sessions', period), group, ...(await tooLargeAsBadRequest(washSessionsReport(db(), period, group))) };
    },
    topups: async (principal: Principal, query: z.infer<typeof topupsQuery>) => {
      const period = await reportPeriod(context, principal, query, action);
      const group = query.group ?? [];
      return { ...header('topups', period), group, ...(await tooLargeAsBadRequest(topupsReport(db(), period, group))) };
    },
  };
}

export const reportQueries = { sales: salesQuery, 'payment-methods': paymentMethodsQuery, settlements: settlementsQuery, 'wash-sessions': washSessionsQuery, topups: topupsQuery } as const;

export function reportRoutes(context: ApiContext): Route[] {
  const reports = reportBuilders(context, 'reports.read');
  const balanceRoutes = owners.flatMap((owner) => [
    route({
      method: 'get',
      path: `/api/v1/${owner.plural}/:id/balance`,
      summary: `A ${owner.kind}'s balance now (with open holds and the amount available) or at an instant`,
      tag: 'balances',
      action: 'balances.read',
      query: atQuery,
      response: balanceSchema,
      handle: async (request) => {
        const principal = principalOf(request);
        const ref: AccountOwner = { kind: owner.kind, id: request.params['id'] ?? '' };
        requireAllowed(context, principal, 'balances.read', { network: principal.network, owner: ref });
        const view = await balanceOf(databaseOf(context), principal.network, ref, request.query.at === undefined ? undefined : Date.parse(request.query.at));
        if (view === undefined) throw new ApiError('NOT_FOUND', `no ${owner.kind} ${ref.id}`);
        return { body: balanceBody(view) };
      },
    }),
    route({
      method: 'get',
      path: `/api/v1/${owner.plural}/:id/operations`,
      summary: `A ${owner.kind}'s account history: every movement of its money and points, newest first`,
      tag: 'balances',
      action: 'transactions.read',
      query: operationsQuery,
      response: operationPageSchema,
      handle: async (request) => {
        const principal = principalOf(request);
        const ref: AccountOwner = { kind: owner.kind, id: request.params['id'] ?? '' };
        const scope = listScope(context, principal, 'transactions.read', principal.network);
        if (scope.owner !== undefined && (scope.owner.kind !== ref.kind || scope.owner.id !== ref.id)) throw new ApiError('NOT_FOUND', 'not found');
        const before = request.query.cursor === undefined ? undefined : decodeHistoryCursor(request.query.cursor);
        if (request.query.cursor !== undefined && before === undefined) throw new ApiError('BAD_REQUEST', 'the cursor is not valid', [{ path: 'query.cursor', message: 'not a cursor of this API' }]);
        const account = await ownedAccount(context, principal, ref);
        const page = await operationHistory(databaseOf(context), account.key, {
          from: request.query.from === undefined ? undefined : Date.parse(request.query.from),
          to: request.query.to === undefined ? undefined : Date.parse(request.query.to),
          before,
          sites: scope.sites,
          limit: request.query.limit,
        });
        return {
          body: {
            account: account.key,
            items: page.rows.map((row) => ({ ...row, at: iso(row.at) })),
            next: page.next === undefined ? null : encodeHistoryCursor(page.next),
          },
        };
      },
    }),
    route({
      method: 'get',
      path: `/api/v1/${owner.plural}/:id/pricing-conditions`,
      summary: `What a ${owner.kind} paid (product × list price × price × rule, over a period) and the discounts and bonus program in force now`,
      tag: 'balances',
      action: owner.readAction,
      query: pricingQuery,
      response: pricingSchema,
      handle: async (request) => {
        const principal = principalOf(request);
        const ref: AccountOwner = { kind: owner.kind, id: request.params['id'] ?? '' };
        requireAllowed(context, principal, owner.readAction, { network: principal.network, owner: ref });
        const account = await ownedAccount(context, principal, ref);
        const now = context.engine.clock.now();
        const to = request.query.to === undefined ? now : Date.parse(request.query.to);
        const from = request.query.from === undefined ? to - 31 * dayMs : Date.parse(request.query.from);
        if (to <= from) throw new ApiError('BAD_REQUEST', 'to must be after from', [{ path: 'query.to', message: 'to must be after from' }]);
        const longest = `a period covers at most ${constants.reportPeriodDaysMax} days`;
        if (to - from > constants.reportPeriodDaysMax * dayMs) throw new ApiError('BAD_REQUEST', longest, [{ path: 'query.from', message: longest }]);
        const conditions = await pricingConditions(databaseOf(context), principal.network, account, { from, to }, now, constants.pricingConditionsRowsMax);
        return {
          body: {
            account: account.key,
            from: iso(from),
            to: iso(to),
            history: conditions.history.map((row) => ({ ...row, firstAt: iso(row.firstAt), lastAt: iso(row.lastAt) })),
            discounts: conditions.discounts.map((rule) => ({ ...rule, validFrom: rule.validFrom === null ? null : iso(rule.validFrom), validTo: rule.validTo === null ? null : iso(rule.validTo) })),
            bonus: conditions.bonus,
          },
        };
      },
    }),
  ]);
  return [
    ...balanceRoutes,
    ...exportRoutes(context),
    route({
      method: 'get',
      path: '/api/v1/balances',
      summary: "The network's accounts with their balances, now or at an instant, by account",
      tag: 'balances',
      action: 'balances.read',
      query: balancesQuery,
      response: balancePageSchema,
      handle: async (request) => {
        const principal = principalOf(request);
        const scope = listScope(context, principal, 'balances.read', principal.network);
        const page = await balanceList(databaseOf(context), principal.network, {
          at: request.query.at === undefined ? undefined : Date.parse(request.query.at),
          segment: request.query.segment,
          owner: scope.owner,
          after: request.query.cursor === undefined ? undefined : Buffer.from(request.query.cursor, 'base64url').toString('utf8'),
          limit: request.query.limit,
        });
        return { body: { items: page.rows.map(balanceBody), next: page.next === undefined ? null : Buffer.from(page.next, 'utf8').toString('base64url') } };
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/reports/sales',
      summary: 'Sales over a period by any of site, product, day (returns netted)',
      tag: 'reports',
      action: 'reports.read',
      query: salesQuery,
      response: salesSchema,
      handle: async (request) => ({ body: await reports.sales(principalOf(request), request.query) }),
    }),
    route({
      method: 'get',
      path: '/api/v1/reports/payment-methods',
      summary: 'Money by payment method over a period, optionally by site and day (refunds netted)',
      tag: 'reports',
      action: 'reports.read',
      query: paymentMethodsQuery,
      response: paymentMethodsSchema,
      handle: async (request) => ({ body: await reports['payment-methods'](principalOf(request), request.query) }),
    }),
    route({
      method: 'get',
      path: '/api/v1/reports/settlements',
      summary: 'Balances and settlements per account: opening, debits, credits, closing, credit limit',
      tag: 'reports',
      action: 'reports.read',
      query: settlementsQuery,
      response: settlementsSchema,
      handle: async (request) => ({ body: await reports.settlements(principalOf(request), request.query) }),
    }),
    route({
      method: 'get',
      path: '/api/v1/reports/wash-sessions',
      summary: 'Wash sessions stopped over a period: count, minutes, revenue, by site, tariff, day',
      tag: 'reports',
      action: 'reports.read',
      query: washSessionsQuery,
      response: washSessionsSchema,
      handle: async (request) => ({ body: await reports['wash-sessions'](principalOf(request), request.query) }),
    }),
    route({
      method: 'get',
      path: '/api/v1/reports/topups',
      summary: 'Top-ups over a period: count and amount by method, site, day',
      tag: 'reports',
      action: 'reports.read',
      query: topupsQuery,
      response: topupsSchema,
      handle: async (request) => ({ body: await reports.topups(principalOf(request), request.query) }),
    }),
  ];
}

const groupTitles: Record<string, string> = { site: 'Site', product: 'Product', day: 'Day', method: 'Method', tariff: 'Tariff' };
const column = (key: string, header: string, type: ExportColumnType): ExportColumn => ({ key, header, type });
const groupColumns = (group: readonly string[]): ExportColumn[] => group.map((name) => column(name, groupTitles[name] ?? name, 'text'));

/** A report's columns: its groups, then its measures (money in minor units; quantities as the lines hold them). */
const exportColumns: Record<keyof typeof reportQueries, (group: readonly string[]) => ExportColumn[]> = {
  sales: (group) => [
    ...groupColumns(group),
    column('count', 'Lines sold', 'integer'),
    column('returns', 'Lines returned', 'integer'),
    column('quantity', 'Quantity (ml, 1/1000 pcs, min)', 'integer'),
    column('amount', 'Amount', 'money'),
    column('discount', 'Discount', 'money'),
  ],
  'payment-methods': (group) => [...groupColumns(group), column('count', 'Payments', 'integer'), column('returns', 'Refunds', 'integer'), column('amount', 'Amount', 'money')],
  settlements: () => [
    column('account', 'Account', 'text'),
    column('ownerKind', 'Owner', 'text'),
    column('ownerId', 'Owner id', 'text'),
    column('name', 'Name', 'text'),
    column('segment', 'Segment', 'text'),
    column('creditLimit', 'Credit limit', 'money'),
    column('opening', 'Opening balance', 'money'),
    column('debits', 'Purchases', 'money'),
    column('returns', 'Returns', 'money'),
    column('topups', 'Top-ups', 'money'),
    column('otherCredits', 'Other credits', 'money'),
    column('credits', 'Credits', 'money'),
    column('closing', 'Closing balance', 'money'),
  ],
  'wash-sessions': (group) => [...groupColumns(group), column('count', 'Sessions', 'integer'), column('charged', 'Charged', 'integer'), column('minutes', 'Minutes', 'integer'), column('revenue', 'Revenue', 'money')],
  topups: (group) => [...groupColumns(group), column('count', 'Top-ups', 'integer'), column('amount', 'Amount', 'money')],
};

async function* each(rows: readonly Record<string, unknown>[]): AsyncGenerator<Record<string, unknown>> {
  for (const row of rows) yield await Promise.resolve(row);
}

/** GET /api/v1/exports/reports/<report>.xlsx|.csv: the JSON report's rows, streamed through exportReply. */
function exportRoutes(context: ApiContext): Route[] {
  const reports = reportBuilders(context, 'reports.export');
  const names = Object.keys(reportQueries) as (keyof typeof reportQueries)[];
  return names.flatMap((name) =>
    exportFormats.map((format) =>
      route({
        method: 'get',
        path: `/api/v1/exports/reports/${name}.${format}`,
        summary: `The ${name} report as ${format === 'xlsx' ? 'Excel' : 'CSV'} (same query as /api/v1/reports/${name})`,
        tag: 'exports',
        action: 'reports.export',
        query: reportQueries[name],
        produces: [format === 'xlsx' ? 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' : 'text/csv'],
        response: z.string(),
        handle: async (request) => {
          const principal = principalOf(request);
          // The query was validated by this report's own schema (the route's).
          const build = reports[name] as (principal: Principal, query: unknown) => Promise<{ network: string; from: string; to: string; group?: string[]; rows: readonly object[] }>;
          const report = await build(principal, request.query);
          const group = report.group ?? [];
          const rows = (report.rows as readonly Record<string, unknown>[]).map((row) => {
            const owner = row['owner'] as AccountOwner | undefined;
            return owner === undefined ? row : { ...row, ownerKind: owner.kind, ownerId: owner.id };
          });
          const day = (instant: string): string => instant.slice(0, 10);
          return exportReply(format, `${name}-${report.network}-${day(report.from)}-${day(report.to)}`, exportColumns[name](group), () => each(rows));
        },
      }),
    ),
  );
}
