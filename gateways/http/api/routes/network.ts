// Management of the network's catalog: the network, sites and their terminals, products, prices
// (with scheduled changes), discount rules, the bonus program, wash tariffs, and the network import
// for API keys. Reads come from the read model's reference tables; writes edit the engine's current
// catalog one item at a time (Engine.update) and answer with the new state as the engine holds it.

import { z } from '../../../../engine/index.js';
import type { Action, NetworkCatalogDocument } from '../../../../engine/index.js';
import {
  bonusFields,
  constants,
  discountFields,
  identifier,
  networkDocumentSchema,
  priceSchema,
  productSchema,
  siteFields,
  tariffFields,
  terminalSchema,
} from '../../../../engine/index.js';
import type { ApiContext } from '../context.js';
import { databaseOf, listScope, principalOf, requireAllowed } from '../context.js';
import type { Route } from '../router.js';
import { ApiError, route } from '../router.js';
import { audit, changeCatalog, engineWrite, managementTag, millis, notFound, page, pageOf, pageQuery, textOrNull } from './management.js';

const tag = managementTag;
const idParam = (request: { params: Readonly<Record<string, string>> }, name = 'id'): string => {
  const value = request.params[name] ?? '';
  if (!identifier.safeParse(value).success) throw new ApiError('BAD_REQUEST', 'not a valid id', [{ path: `path.${name}`, message: 'use letters, digits, "_" and "-" only' }]);
  return value;
};

// ---- answers -----------------------------------------------------------------------------------

const networkAnswer = z
  .object({
    id: z.string(),
    name: z.string(),
    currency: z.string(),
    timezone: z.string(),
    bonus: z.object({ rate: z.number().int(), redeem: z.boolean(), products: z.array(z.string()).nullable() }).nullable(),
  })
  .meta({ id: 'Network' });
const terminalAnswer = z
  .object({ id: z.string(), site: z.string(), kind: z.string(), status: z.string(), requiresShift: z.boolean().describe('cash operations need an open cash shift (from the engine)') })
  .meta({ id: 'Terminal' });
const siteFieldsAnswer = {
  id: z.string(),
  name: z.string(),
  kind: z.string(),
  lat: z.number().int().nullable().describe('microdegrees (from the engine)'),
  lon: z.number().int().nullable().describe('microdegrees (from the engine)'),
  openingHours: z.string().nullable().describe('"HH:MM-HH:MM" local; null: always open (from the engine)'),
};
const siteAnswer = z.object(siteFieldsAnswer).meta({ id: 'Site' });
const siteWithTerminals = z.object({ ...siteFieldsAnswer, terminals: z.array(terminalAnswer) }).meta({ id: 'SiteWithTerminals' });
const productAnswer = z
  .object({ code: z.string(), name: z.string(), group: z.string(), unit: z.string(), holdMinutes: z.number().int().nullable() })
  .meta({ id: 'Product' });
const priceStates = ['current', 'scheduled', 'superseded'] as const;
const priceAnswer = z
  .object({
    product: z.string(),
    site: z.string().nullable().describe('null: the network price; a site overrides it'),
    price: z.number().int().describe('minor units per unit'),
    from: z.number().int().nullable().describe('ms since the epoch; null: from the beginning'),
    state: z.enum(priceStates).describe('current: in effect now; scheduled: applies from `from`; superseded: replaced by a later step in effect'),
  })
  .meta({ id: 'Price' });
const discountAnswer = z
  .object({
    id: z.string(),
    name: z.string(),
    percent: z.number().int().nullable(),
    perUnit: z.number().int().nullable(),
    products: z.array(z.string()).nullable(),
    segments: z.array(z.string()).nullable(),
    counterparties: z.array(z.string()).nullable(),
    sites: z.array(z.string()).nullable(),
    hours: z.string().nullable(),
    from: z.number().int().nullable(),
    to: z.number().int().nullable(),
    // The rest of the rule is not in the read model's row; these come from the engine's catalog.
    fixedPrice: z.number().int().nullable(),
    clientGroups: z.array(z.string()).nullable(),
    members: z.boolean().nullable(),
    threshold: discountFields.shape.threshold.unwrap().nullable(),
  })
  .meta({ id: 'Discount' });
const tariffAnswer = z
  .object({
    code: z.string(),
    name: z.string(),
    perMinute: z.number().int(),
    perMinuteMember: z.number().int().nullable(),
    minimumMinutes: z.number().int().nullable(),
    maximumMinutes: z.number().int().nullable().describe('from the engine'),
    sites: z.array(z.string()).nullable().describe('the sites that offer it; null: every site (from the engine)'),
  })
  .meta({ id: 'Tariff' });
const bonusAnswer = z.object({ bonus: bonusFields.nullable() }).meta({ id: 'BonusProgram' });

const sitesBody = siteFields.omit({ id: true }).partial({ terminals: true }).meta({ id: 'SiteInput' });
const sitePatch = siteFields.omit({ id: true, terminals: true }).partial().meta({ id: 'SitePatch' });
const terminalBody = z.strictObject({ site: identifier, ...terminalSchema.omit({ id: true }).shape }).meta({ id: 'TerminalInput' });
const terminalPatch = terminalSchema.omit({ id: true }).partial().meta({ id: 'TerminalPatch' });
const productBody = productSchema.omit({ code: true }).meta({ id: 'ProductInput' });
const productPatch = productSchema.omit({ code: true }).partial().meta({ id: 'ProductPatch' });
const priceKey = z.object({ product: identifier, site: identifier.optional(), from: z.coerce.number().int().min(0).max(constants.moneyMax).optional() });
const discountBody = discountFields.omit({ id: true }).meta({ id: 'DiscountInput' });
const tariffBody = tariffFields.omit({ code: true }).meta({ id: 'TariffInput' });

/** What the engine holds of a site after a change (its terminals included). */
const siteState = siteFields.meta({ id: 'SiteState' });

// ---- reads -------------------------------------------------------------------------------------

type Row = Record<string, unknown>;

async function rows(context: ApiContext, sql: string, values: unknown[]): Promise<Row[]> {
  return (await databaseOf(context).query(sql, values)).rows as Row[];
}

function siteFilter(sites: readonly string[] | 'all', column: string, values: unknown[]): string {
  if (sites === 'all') return '';
  values.push(sites);
  return ` AND ${column} = ANY($${values.length}::text[])`;
}

function priceState(row: { from: number | null }, steps: readonly { from: number | null }[], now: number): (typeof priceStates)[number] {
  const from = row.from ?? 0;
  if (from > now) return 'scheduled';
  const inEffect = steps.filter((step) => (step.from ?? 0) <= now).reduce((latest, step) => Math.max(latest, step.from ?? 0), 0);
  return from === inEffect ? 'current' : 'superseded';
}

/**
 * The fields of the catalog the read model's rows do not keep (a site's place and hours, a terminal's
 * shifts, the rest of a discount rule or tariff), from the engine's current catalog, by id. The row
 * stays the source of what exists and who may see it; this only completes it.
 */
function catalogExtras(context: ApiContext, network: string) {
  const catalog = context.engine.catalogOf(network);
  const sites = new Map((catalog?.sites ?? []).map((site) => [site.id, site]));
  const terminals = new Map((catalog?.sites ?? []).flatMap((site) => site.terminals.map((terminal) => [terminal.id, terminal] as const)));
  const discounts = new Map((catalog?.discounts ?? []).map((rule) => [rule.id, rule]));
  const tariffs = new Map((catalog?.tariffs ?? []).map((tariff) => [tariff.code, tariff]));
  return {
    site: (id: string) => {
      const site = sites.get(id);
      return { lat: site?.lat ?? null, lon: site?.lon ?? null, openingHours: site?.openingHours ?? null };
    },
    terminal: (id: string) => ({ requiresShift: terminals.get(id)?.requiresShift === true }),
    discount: (id: string) => {
      const rule = discounts.get(id);
      return { fixedPrice: rule?.fixedPrice ?? null, clientGroups: rule?.clientGroups ?? null, members: rule?.members ?? null, threshold: rule?.threshold ?? null };
    },
    tariff: (code: string) => {
      const tariff = tariffs.get(code);
      return { maximumMinutes: tariff?.maximumMinutes ?? null, sites: tariff?.sites ?? null };
    },
  };
}

// ---- catalog edits (pure: a copy of the catalog in, the edited copy out) ------------------------

type Catalog = NetworkCatalogDocument;
type SiteDocument = NonNullable<Catalog['sites']>[number];

function findSite(catalog: Catalog, id: string): SiteDocument | undefined {
  return (catalog.sites ?? []).find((site) => site.id === id);
}

/** Replaces or adds the item with `key` = `id` in a section list (order kept; a new item goes last). */
function upsertItem<T>(items: readonly T[] | undefined, keyOf: (item: T) => string, id: string, item: T): T[] {
  const list = [...(items ?? [])];
  const index = list.findIndex((existing) => keyOf(existing) === id);
  if (index >= 0) list[index] = item;
  else list.push(item);
  return list;
}

/** The fields a PATCH names (an absent field stays as it is). */
function withoutUndefined<T extends object>(value: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };
}

/** The keyed sections (products, discounts, tariffs): PUT creates or replaces, PATCH merges, DELETE removes. */
function keyedSection<Item extends Record<string, unknown>>(
  context: ApiContext,
  spec: {
    section: 'products' | 'discounts' | 'tariffs';
    key: 'code' | 'id';
    noun: string;
    path: string;
    action: Action;
    body: z.ZodType;
    patch?: z.ZodType;
    state: z.ZodType;
  },
): Route[] {
  const get = (catalog: Catalog): Item[] => (catalog[spec.section] ?? []) as unknown as Item[];
  const set = (catalog: Catalog, items: Item[]): void => {
    (catalog as Record<string, unknown>)[spec.section] = items;
  };
  const keyOf = (item: Item): string => String(item[spec.key]);
  const routes: Route[] = [
    route({
      method: 'put',
      path: `${spec.path}/:id`,
      summary: `Create or replace a ${spec.noun}`,
      tag,
      action: spec.action,
      body: spec.body,
      response: spec.state,
      handle: async (request) => {
        const id = idParam(request);
        const after = await changeCatalog(context, request, spec.action, { type: spec.noun, id }, (catalog) => {
          const before = get(catalog).find((item) => keyOf(item) === id);
          const item = { [spec.key]: id, ...(request.body as Record<string, unknown>) } as Item;
          set(catalog, upsertItem(get(catalog), keyOf, id, item));
          return { before, after: item };
        });
        return { body: after };
      },
    }),
    route({
      method: 'delete',
      path: `${spec.path}/:id`,
      summary: `Remove a ${spec.noun}`,
      tag,
      action: spec.action,
      response: spec.state,
      handle: async (request) => {
        const id = idParam(request);
        const removed = await changeCatalog(context, request, spec.action, { type: spec.noun, id }, (catalog) => {
          const before = get(catalog).find((item) => keyOf(item) === id);
          if (before === undefined) throw notFound(spec.noun);
          set(catalog, get(catalog).filter((item) => keyOf(item) !== id));
          return { before, after: before, removed: true };
        });
        return { body: removed };
      },
    }),
  ];
  if (spec.patch !== undefined) {
    routes.push(
      route({
        method: 'patch',
        path: `${spec.path}/:id`,
        summary: `Change some fields of a ${spec.noun}`,
        tag,
        action: spec.action,
        body: spec.patch,
        response: spec.state,
        handle: async (request) => {
          const id = idParam(request);
          const after = await changeCatalog(context, request, spec.action, { type: spec.noun, id }, (catalog) => {
            const before = get(catalog).find((item) => keyOf(item) === id);
            if (before === undefined) throw notFound(spec.noun);
            const fields: Record<string, unknown> = { ...(request.body as Record<string, unknown>) };
            const item = { ...before, ...withoutUndefined(fields) };
            set(catalog, upsertItem(get(catalog), keyOf, id, item));
            return { before, after: item };
          });
          return { body: after };
        },
      }),
    );
  }
  return routes;
}

export function networkRoutes(context: ApiContext): Route[] {
  const network = (request: { principal: Parameters<typeof principalOf>[0]['principal'] }): string => principalOf(request).network;
  return [
    // ---- reads ----
    route({
      method: 'get',
      path: '/api/v1/network',
      summary: 'The network: name, currency, time zone, bonus program',
      tag,
      action: 'dashboard.read',
      response: networkAnswer,
      handle: async (request) => {
        const principal = principalOf(request);
        listScope(context, principal, 'dashboard.read', principal.network, request.remote);
        const [row] = await rows(context, `SELECT id, name, currency, timezone, bonus_rate, bonus_redeem, bonus_products FROM readmodel.networks WHERE id = $1`, [principal.network]);
        if (row === undefined) throw notFound('network');
        return {
          body: {
            id: String(row['id']),
            name: String(row['name']),
            currency: String(row['currency']),
            timezone: String(row['timezone']),
            bonus: row['bonus_rate'] === null ? null : { rate: Number(row['bonus_rate']), redeem: row['bonus_redeem'] === true, products: (row['bonus_products'] as string[] | null) ?? null },
          },
        };
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/sites',
      summary: 'Sites (an operator sees its own)',
      tag,
      action: 'dashboard.read',
      query: pageQuery,
      response: pageOf(siteAnswer, 'Site'),
      handle: async (request) => {
        const principal = principalOf(request);
        const scope = listScope(context, principal, 'dashboard.read', principal.network, request.remote);
        const values: unknown[] = [principal.network, request.query.after ?? '', request.query.limit + 1];
        const found = await rows(context, `SELECT id, name, kind FROM readmodel.sites WHERE network = $1 AND id > $2${siteFilter(scope.sites, 'id', values)} ORDER BY id LIMIT $3`, values);
        const extras = catalogExtras(context, principal.network);
        return { body: page(found.map((row) => ({ id: String(row['id']), name: String(row['name']), kind: String(row['kind']), ...extras.site(String(row['id'])) })), request.query.limit, (site) => site.id) };
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/sites/:id',
      summary: 'A site with its terminals',
      tag,
      action: 'dashboard.read',
      response: siteWithTerminals,
      handle: async (request) => {
        const principal = principalOf(request);
        const id = idParam(request);
        const [site] = await rows(context, `SELECT id, name, kind FROM readmodel.sites WHERE network = $1 AND id = $2`, [principal.network, id]);
        if (site === undefined) throw notFound('site');
        requireAllowed(context, principal, 'dashboard.read', { network: principal.network, site: id }, request.remote);
        const terminals = await rows(context, `SELECT id, site, kind, status FROM readmodel.terminals WHERE network = $1 AND site = $2 ORDER BY id`, [principal.network, id]);
        const extras = catalogExtras(context, principal.network);
        return {
          body: {
            id: String(site['id']),
            name: String(site['name']),
            kind: String(site['kind']),
            ...extras.site(id),
            terminals: terminals.map((row) => ({ id: String(row['id']), site: String(row['site']), kind: String(row['kind']), status: String(row['status']), ...extras.terminal(String(row['id'])) })),
          },
        };
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/terminals',
      summary: 'Terminals (an operator sees those of its sites)',
      tag,
      action: 'dashboard.read',
      query: pageQuery.extend({ site: identifier.optional() }),
      response: pageOf(terminalAnswer, 'Terminal'),
      handle: async (request) => {
        const principal = principalOf(request);
        const scope = listScope(context, principal, 'dashboard.read', principal.network, request.remote);
        const values: unknown[] = [principal.network, request.query.after ?? '', request.query.limit + 1];
        let filter = siteFilter(scope.sites, 'site', values);
        if (request.query.site !== undefined) {
          values.push(request.query.site);
          filter += ` AND site = $${values.length}`;
        }
        const found = await rows(context, `SELECT id, site, kind, status FROM readmodel.terminals WHERE network = $1 AND id > $2${filter} ORDER BY id LIMIT $3`, values);
        const extras = catalogExtras(context, principal.network);
        return {
          body: page(
            found.map((row) => ({ id: String(row['id']), site: String(row['site']), kind: String(row['kind']), status: String(row['status']), ...extras.terminal(String(row['id'])) })),
            request.query.limit,
            (terminal) => terminal.id,
          ),
        };
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/products',
      summary: 'Products',
      tag,
      action: 'prices.read',
      query: pageQuery,
      response: pageOf(productAnswer, 'Product'),
      handle: async (request) => {
        const principal = principalOf(request);
        listScope(context, principal, 'prices.read', principal.network, request.remote);
        const found = await rows(
          context,
          `SELECT code, name, product_group, unit, hold_minutes FROM readmodel.products WHERE network = $1 AND code > $2 ORDER BY code LIMIT $3`,
          [principal.network, request.query.after ?? '', request.query.limit + 1],
        );
        const items = found.map((row) => ({
          code: String(row['code']),
          name: String(row['name']),
          group: String(row['product_group']),
          unit: String(row['unit']),
          holdMinutes: row['hold_minutes'] === null ? null : Number(row['hold_minutes']),
        }));
        return { body: page(items, request.query.limit, (product) => product.code) };
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/prices',
      summary: 'List prices: in effect now, scheduled, superseded (by the engine clock)',
      tag,
      action: 'prices.read',
      query: z.object({ product: identifier.optional(), site: identifier.optional() }),
      response: z.object({ now: z.number().int(), items: z.array(priceAnswer) }).meta({ id: 'PriceList' }),
      handle: async (request) => {
        const principal = principalOf(request);
        const scope = listScope(context, principal, 'prices.read', principal.network, request.remote);
        const values: unknown[] = [principal.network];
        let filter = '';
        if (request.query.product !== undefined) {
          values.push(request.query.product);
          filter += ` AND product = $${values.length}`;
        }
        if (request.query.site !== undefined) {
          values.push(request.query.site);
          filter += ` AND (site IS NULL OR site = $${values.length})`;
        }
        if (scope.sites !== 'all') {
          values.push(scope.sites);
          filter += ` AND (site IS NULL OR site = ANY($${values.length}::text[]))`;
        }
        const found = await rows(
          context,
          `SELECT product, site, price, ${millis('valid_from')} AS from_ms FROM readmodel.prices WHERE network = $1${filter} ORDER BY product, site NULLS FIRST, valid_from NULLS FIRST`,
          values,
        );
        const now = context.engine.clock.now();
        const steps = found.map((row) => ({ product: String(row['product']), site: textOrNull(row['site']), price: Number(row['price']), from: row['from_ms'] === null ? null : Number(row['from_ms']) }));
        const items = steps.map((step) => ({ ...step, state: priceState(step, steps.filter((other) => other.product === step.product && other.site === step.site), now) }));
        return { body: { now, items } };
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/discounts',
      summary: 'Discount rules',
      tag,
      action: 'prices.read',
      query: pageQuery,
      response: pageOf(discountAnswer, 'Discount'),
      handle: async (request) => {
        const principal = principalOf(request);
        listScope(context, principal, 'prices.read', principal.network, request.remote);
        const found = await rows(
          context,
          `SELECT id, name, percent, per_unit, products, segments, counterparties, sites, hours, ${millis('valid_from')} AS from_ms, ${millis('valid_to')} AS to_ms
             FROM readmodel.discounts WHERE network = $1 AND id > $2 ORDER BY id LIMIT $3`,
          [principal.network, request.query.after ?? '', request.query.limit + 1],
        );
        const numberOrNull = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));
        const list = (value: unknown): string[] | null => (Array.isArray(value) ? value.map(String) : null);
        const extras = catalogExtras(context, principal.network);
        const items = found.map((row) => ({
          id: String(row['id']),
          name: String(row['name']),
          percent: numberOrNull(row['percent']),
          perUnit: numberOrNull(row['per_unit']),
          products: list(row['products']),
          segments: list(row['segments']),
          counterparties: list(row['counterparties']),
          sites: list(row['sites']),
          hours: textOrNull(row['hours']),
          from: numberOrNull(row['from_ms']),
          to: numberOrNull(row['to_ms']),
          ...extras.discount(String(row['id'])),
        }));
        return { body: page(items, request.query.limit, (rule) => rule.id) };
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/tariffs',
      summary: 'Wash tariffs',
      tag,
      action: 'prices.read',
      query: pageQuery,
      response: pageOf(tariffAnswer, 'Tariff'),
      handle: async (request) => {
        const principal = principalOf(request);
        listScope(context, principal, 'prices.read', principal.network, request.remote);
        const found = await rows(
          context,
          `SELECT code, name, per_minute, per_minute_member, minimum_minutes FROM readmodel.tariffs WHERE network = $1 AND code > $2 ORDER BY code LIMIT $3`,
          [principal.network, request.query.after ?? '', request.query.limit + 1],
        );
        const extras = catalogExtras(context, principal.network);
        const items = found.map((row) => ({
          code: String(row['code']),
          name: String(row['name']),
          perMinute: Number(row['per_minute']),
          perMinuteMember: row['per_minute_member'] === null ? null : Number(row['per_minute_member']),
          minimumMinutes: row['minimum_minutes'] === null ? null : Number(row['minimum_minutes']),
          ...extras.tariff(String(row['code'])),
        }));
        return { body: page(items, request.query.limit, (tariff) => tariff.code) };
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/bonus',
      summary: 'The bonus program (rates, tiers), as the engine holds it',
      tag,
      action: 'prices.read',
      response: bonusAnswer,
      handle: (request) => {
        // The read model keeps the base rate only (networks.bonus_*); rates and tiers come from the engine's catalog.
        const principal = principalOf(request);
        listScope(context, principal, 'prices.read', principal.network, request.remote);
        return Promise.resolve({ body: { bonus: context.engine.catalogOf(principal.network)?.bonus ?? null } });
      },
    }),

    // ---- writes: sites and terminals ----
    route({
      method: 'put',
      path: '/api/v1/sites/:id',
      summary: 'Create or replace a site (without `terminals` its terminals stay)',
      tag,
      action: 'network.configure',
      body: sitesBody,
      response: siteState,
      handle: async (request) => {
        const id = idParam(request);
        const after = await changeCatalog(context, request, 'network.configure', { type: 'site', id }, (catalog) => {
          const before = findSite(catalog, id);
          const site: SiteDocument = { id, ...request.body, terminals: request.body.terminals ?? before?.terminals ?? [] };
          catalog.sites = upsertItem(catalog.sites, (item) => item.id, id, site);
          return { before, after: site };
        });
        return { body: after };
      },
    }),
    route({
      method: 'patch',
      path: '/api/v1/sites/:id',
      summary: 'Change some fields of a site',
      tag,
      action: 'network.configure',
      body: sitePatch,
      response: siteState,
      handle: async (request) => {
        const id = idParam(request);
        const after = await changeCatalog(context, request, 'network.configure', { type: 'site', id }, (catalog) => {
          const before = findSite(catalog, id);
          if (before === undefined) throw notFound('site');
          const site: SiteDocument = { ...before, ...withoutUndefined(request.body) };
          catalog.sites = upsertItem(catalog.sites, (item) => item.id, id, site);
          return { before, after: site };
        });
        return { body: after };
      },
    }),
    route({
      method: 'delete',
      path: '/api/v1/sites/:id',
      summary: 'Remove a site and its terminals (refused while prices, rules or cards name it)',
      tag,
      action: 'network.configure',
      response: siteState,
      handle: async (request) => {
        const id = idParam(request);
        const removed = await changeCatalog(context, request, 'network.configure', { type: 'site', id }, (catalog) => {
          const before = findSite(catalog, id);
          if (before === undefined) throw notFound('site');
          catalog.sites = (catalog.sites ?? []).filter((site) => site.id !== id);
          return { before, after: before, removed: true };
        });
        return { body: removed };
      },
    }),
    route({
      method: 'put',
      path: '/api/v1/terminals/:id',
      summary: 'Create or replace a terminal at a site (moves it if it was at another)',
      tag,
      action: 'network.configure',
      body: terminalBody,
      response: terminalSchema,
      handle: async (request) => {
        const id = idParam(request);
        const { site: siteId, ...fields } = request.body;
        const after = await changeCatalog(context, request, 'network.configure', { type: 'terminal', id }, (catalog) => {
          const site = findSite(catalog, siteId);
          if (site === undefined) throw notFound('site');
          const before = (catalog.sites ?? []).flatMap((each) => each.terminals).find((terminal) => terminal.id === id);
          const terminal = { id, ...fields };
          catalog.sites = (catalog.sites ?? []).map((each) => ({
            ...each,
            terminals: each.id === siteId ? upsertItem(each.terminals, (item) => item.id, id, terminal) : each.terminals.filter((item) => item.id !== id),
          }));
          return { before, after: terminal };
        });
        return { body: after };
      },
    }),
    route({
      method: 'patch',
      path: '/api/v1/terminals/:id',
      summary: 'Change a terminal (block it, say it works in shifts)',
      tag,
      action: 'network.configure',
      body: terminalPatch,
      response: terminalSchema,
      handle: async (request) => {
        const id = idParam(request);
        const after = await changeCatalog(context, request, 'network.configure', { type: 'terminal', id }, (catalog) => {
          const site = (catalog.sites ?? []).find((each) => each.terminals.some((terminal) => terminal.id === id));
          const before = site?.terminals.find((terminal) => terminal.id === id);
          if (site === undefined || before === undefined) throw notFound('terminal');
          const terminal = { ...before, ...withoutUndefined(request.body) };
          site.terminals = upsertItem(site.terminals, (item) => item.id, id, terminal);
          return { before, after: terminal };
        });
        return { body: after };
      },
    }),
    route({
      method: 'delete',
      path: '/api/v1/terminals/:id',
      summary: 'Remove a terminal',
      tag,
      action: 'network.configure',
      response: terminalSchema,
      handle: async (request) => {
        const id = idParam(request);
        const removed = await changeCatalog(context, request, 'network.configure', { type: 'terminal', id }, (catalog) => {
          const site = (catalog.sites ?? []).find((each) => each.terminals.some((terminal) => terminal.id === id));
          const before = site?.terminals.find((terminal) => terminal.id === id);
          if (site === undefined || before === undefined) throw notFound('terminal');
          site.terminals = site.terminals.filter((terminal) => terminal.id !== id);
          return { before, after: before, removed: true };
        });
        return { body: removed };
      },
    }),

    // ---- writes: products, discounts, tariffs ----
    ...keyedSection(context, { section: 'products', key: 'code', noun: 'product', path: '/api/v1/products', action: 'network.configure', body: productBody, patch: productPatch, state: productSchema }),
    ...keyedSection(context, { section: 'discounts', key: 'id', noun: 'discount', path: '/api/v1/discounts', action: 'prices.write', body: discountBody, state: discountFields }),
    ...keyedSection(context, { section: 'tariffs', key: 'code', noun: 'tariff', path: '/api/v1/tariffs', action: 'network.configure', body: tariffBody, state: tariffFields }),

    // ---- writes: prices ----
    route({
      method: 'put',
      path: '/api/v1/prices',
      summary: 'Set a price (with `from`: a scheduled change from that instant; with `site`: that site only)',
      tag,
      action: 'prices.write',
      body: priceSchema,
      response: priceSchema,
      handle: async (request) => {
        const price = request.body;
        const sameStep = (step: typeof price): boolean => step.product === price.product && step.site === price.site && step.from === price.from;
        const after = await changeCatalog(context, request, 'prices.write', { type: 'price', id: priceId(price) }, (catalog) => {
          const before = (catalog.prices ?? []).find(sameStep);
          catalog.prices = [...(catalog.prices ?? []).filter((step) => !sameStep(step)), { ...withoutUndefined(price), product: price.product, price: price.price }];
          return { before, after: price };
        });
        return { body: after };
      },
    }),
    route({
      method: 'delete',
      path: '/api/v1/prices',
      summary: 'Remove a price step (a scheduled change, a site override)',
      tag,
      action: 'prices.write',
      query: priceKey,
      response: priceSchema,
      handle: async (request) => {
        const key = request.query;
        const sameStep = (step: { product: string; site?: string | undefined; from?: number | undefined }): boolean => step.product === key.product && step.site === key.site && step.from === key.from;
        const removed = await changeCatalog(context, request, 'prices.write', { type: 'price', id: priceId(key) }, (catalog) => {
          const before = (catalog.prices ?? []).find(sameStep);
          if (before === undefined) throw notFound('price');
          catalog.prices = (catalog.prices ?? []).filter((step) => !sameStep(step));
          return { before, after: before, removed: true };
        });
        return { body: removed };
      },
    }),

    // ---- writes: the bonus program ----
    route({
      method: 'put',
      path: '/api/v1/bonus',
      summary: 'Set the bonus program',
      tag,
      action: 'network.configure',
      body: bonusFields,
      response: bonusAnswer,
      handle: async (request) => {
        const after = await changeCatalog(context, request, 'network.configure', { type: 'bonus', id: network(request) }, (catalog) => {
          const before = catalog.bonus;
          catalog.bonus = request.body;
          return { before, after: request.body };
        });
        return { body: { bonus: after } };
      },
    }),
    route({
      method: 'delete',
      path: '/api/v1/bonus',
      summary: 'End the bonus program (points already earned stay on the accounts)',
      tag,
      action: 'network.configure',
      response: bonusAnswer,
      handle: async (request) => {
        await changeCatalog(context, request, 'network.configure', { type: 'bonus', id: network(request) }, (catalog) => {
          const before = catalog.bonus;
          if (before === undefined) throw notFound('bonus program');
          delete catalog.bonus;
          return { before, after: null, removed: true };
        });
        return { body: { bonus: null } };
      },
    }),

    // ---- the whole document ----
    route({
      method: 'post',
      path: '/api/v1/network/import',
      summary: 'Import a network document (sections given replace the stored ones; counterparties, clients and cards are upserted)',
      tag,
      action: 'network.configure',
      bodyBytesMax: constants.importRequestBytesMax,
      body: networkDocumentSchema,
      response: z.object({ network: z.string(), created: z.number().int(), updated: z.number().int(), unchanged: z.number().int(), catalogChanged: z.boolean() }).meta({ id: 'ImportSummary' }),
      handle: async (request) => {
        const principal = principalOf(request);
        if (request.body.network.id !== principal.network) throw new ApiError('NOT_FOUND', 'network not found');
        requireAllowed(context, principal, 'network.configure', { network: principal.network }, request.remote);
        const { changedKeys: _keys, ...summary } = await engineWrite(() => context.engine.import(request.body));
        // The summary only: a document may carry card numbers and PINs, which never reach the audit.
        audit(context, principal, 'network.configure', { type: 'network', id: principal.network }, null, summary, request.remote);
        return { body: summary };
      },
    }),
  ];
}

function priceId(price: { product: string; site?: string | undefined; from?: number | undefined }): string {
  return [price.product, price.site ?? '*', price.from ?? 0].join('@');
}
