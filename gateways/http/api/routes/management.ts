// What every management route shares: the network of the caller, paging of reference lists, the
// engine's validation problems as 400s, the audit of each change. Writes go through the engine
// (Engine.update / Engine.changeCard: queued with imports, validated, durable before the answer);
// reads come from the read model's reference tables, which follow the engine within about a second.

import type { Action, NetworkCatalogDocument, NetworkDocument, Principal } from '../../../../engine/index.js';
import { constants, ImportError, z } from '../../../../engine/index.js';
import type { ApiContext } from '../context.js';
import { principalOf, requireAllowed } from '../context.js';
import type { ApiRequest } from '../router.js';
import { ApiError } from '../router.js';

export const managementTag = 'management';

/** Keyset paging of a reference list: rows after `after` (the last id of the previous page). */
export const pageQuery = z.object({
  after: z.string().min(1).max(constants.identifierLengthMax).optional().describe('the last id of the previous page'),
  limit: z.coerce.number().int().min(1).max(constants.managementPageRowsMax).default(constants.managementPageRowsDefault),
});
export type PageQuery = z.infer<typeof pageQuery>;

export function pageOf<T>(schema: z.ZodType<T>, id: string): z.ZodType {
  return z.object({
    items: z.array(schema),
    next: z.string().optional().describe('pass as `after` for the next page; absent on the last page'),
  }).meta({ id: `${id}Page` });
}

/** The page answer from `limit + 1` rows: the extra row says there is a next page. */
export function page<T>(rows: readonly T[], limit: number, idOf: (row: T) => string): { items: T[]; next?: string } {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return rows.length > limit && last !== undefined ? { items, next: idOf(last) } : { items };
}

export const written = z.object({ accepted: z.literal(true) });

/** Where in a change the engine found problems: `path: message` becomes an issue of the answer. */
export function badRequestOf(error: ImportError): ApiError {
  const issues = error.problems.slice(0, constants.importProblemsMax).map((problem) => {
    const colon = problem.indexOf(': ');
    return colon > 0 ? { path: problem.slice(0, colon), message: problem.slice(colon + 2) } : { path: '(document)', message: problem };
  });
  return new ApiError('BAD_REQUEST', 'the change is not valid for this network', issues);
}

/** Runs an engine write; the engine's validation problems answer 400. */
export async function engineWrite<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (error instanceof ImportError) throw badRequestOf(error);
    throw error;
  }
}

export function notFound(what: string): ApiError {
  return new ApiError('NOT_FOUND', `${what} not found`);
}

/**
 * A change of the catalog: checks the permission over the network, lets `change` edit a copy of
 * the current catalog (it throws ApiError for unknown ids), imports the whole result through the
 * engine and audits before → after of the thing changed (after: null for a removal, which answers
 * with what it removed).
 */
export async function changeCatalog<T>(
  context: ApiContext,
  request: ApiRequest<unknown, unknown>,
  action: Action,
  target: { type: string; id: string },
  change: (catalog: NetworkCatalogDocument) => { before: unknown; after: T; removed?: true; many?: Pick<NetworkDocument, 'counterparties' | 'clients' | 'cards'> },
): Promise<T> {
  const principal = principalOf(request);
  requireAllowed(context, principal, action, { network: principal.network }, request.remote);
  let audited: { before: unknown; after: unknown } | undefined;
  const outcome = await engineWrite(() =>
    context.engine.update(principal.network, (catalog) => {
      const { before, after, removed, many } = change(catalog);
      // A removal answers with what was removed; the audit says it is gone.
      audited = { before, after: removed === true ? null : after };
      return { document: { ...catalog, ...many }, result: after };
    }),
  );
  if (outcome === undefined || audited === undefined) throw notFound('network');
  audit(context, principal, action, target, audited.before, audited.after, request.remote);
  return outcome.result;
}

export function audit(context: ApiContext, principal: Principal, action: Action, target: { type: string; id: string }, before: unknown, after: unknown, address: string): void {
  context.security?.recordChange(principal, action, target, before ?? null, after ?? null, { address });
}

/** A LIKE pattern that matches `text` anywhere, its own wildcards taken literally. */
export function containing(text: string): string {
  return `%${text.replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
}

/** Epoch milliseconds of a timestamptz column, as int8 (a number). */
export function millis(column: string): string {
  return `(extract(epoch from ${column}) * 1000)::int8`;
}

/** A nullable text column. */
export function textOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}
