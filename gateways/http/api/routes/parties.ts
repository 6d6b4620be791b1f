// Counterparties (corporate clients: name, segment, account with its credit limit) and clients
// (club and loyalty: name, membership, plate, groups, birthday): lists and one with its account and
// cards from the read model; creating and changing them through the engine (upserted one at a time,
// as an import part would). An opening balance is set when the account is created only; after that
// money moves through operations (top-ups, settlements).

import type { AccountConfig, ClientDocument, CounterpartyDocument, OwnerRef } from '../../../../engine/index.js';
import { clientSchema, constants, displayName, identifier, normalizePlate, plateSchema, z } from '../../../../engine/index.js';
import type { ApiContext } from '../context.js';
import { databaseOf, listScope, principalOf, requireAllowed } from '../context.js';
import type { ApiRequest, Route } from '../router.js';
import { ApiError, route } from '../router.js';
import { cardAnswer, cardsOfOwner } from './cards.js';
import { audit, containing, engineWrite, managementTag, notFound, page, pageOf, pageQuery, textOrNull } from './management.js';

const tag = managementTag;
const money = z.int().min(0).max(constants.moneyMax);
const signedMoney = z.int().min(-constants.moneyMax).max(constants.moneyMax);

const accountAnswer = z
  .object({
    key: z.string(),
    openingBalance: z.number().int(),
    creditLimit: z.number().int(),
    balance: z.number().int().describe('minor units now, as the read model has projected it'),
    bonus: z.number().int().describe('bonus points now'),
  })
  .meta({ id: 'Account' });
const counterpartyAnswer = z.object({ id: z.string(), name: z.string(), segment: z.string().nullable(), account: accountAnswer }).meta({ id: 'Counterparty' });
const clientAnswer = z
  .object({ id: z.string(), name: z.string(), member: z.boolean(), plates: z.array(z.string()), account: accountAnswer })
  .meta({ id: 'Client' });

/** What the engine holds of an account owner after a change. */
const ownerState = z
  .object({
    id: z.string(),
    name: z.string(),
    segment: z.string().optional(),
    member: z.boolean().optional(),
    plate: z.string().optional(),
    groups: z.array(z.string()).optional(),
    birthday: z.string().optional(),
    openingBalance: z.number().int(),
    creditLimit: z.number().int(),
  })
  .meta({ id: 'AccountOwnerState' });

const counterpartyBody = z
  .strictObject({ name: displayName, segment: identifier.optional(), creditLimit: money.optional(), balance: signedMoney.optional().describe('the opening balance (a new account only)') })
  .meta({ id: 'CounterpartyInput' });
const counterpartyPatch = z.strictObject({ name: displayName.optional(), segment: identifier.nullable().optional(), creditLimit: money.optional() }).meta({ id: 'CounterpartyPatch' });
const clientFieldsInput = {
  name: displayName,
  member: z.boolean(),
  plate: plateSchema.optional(),
  qr: clientSchema.shape.qr,
  nfc: clientSchema.shape.nfc,
  birthday: clientSchema.shape.birthday,
  groups: clientSchema.shape.groups,
  creditLimit: money.optional(),
};
const clientBody = z.strictObject({ ...clientFieldsInput, balance: signedMoney.optional().describe('the opening balance (a new account only)') }).meta({ id: 'ClientInput' });
const clientPatch = z.strictObject(clientFieldsInput).partial().meta({ id: 'ClientPatch' });

type Row = Record<string, unknown>;

function accountOf(row: Row): z.infer<typeof accountAnswer> {
  return {
    key: String(row['account']),
    openingBalance: Number(row['opening_balance']),
    creditLimit: Number(row['credit_limit']),
    balance: Number(row['balance'] ?? row['opening_balance']),
    bonus: Number(row['bonus'] ?? 0),
  };
}

function stateOf(account: AccountConfig): z.infer<typeof ownerState> {
  const state: z.infer<typeof ownerState> = { id: account.ownerId, name: account.name, openingBalance: account.openingBalance, creditLimit: account.creditLimit };
  if (account.segment !== undefined) state.segment = account.segment;
  if (account.member !== undefined) state.member = account.member;
  if (account.plate !== undefined) state.plate = account.plate;
  if (account.groups !== undefined) state.groups = account.groups;
  if (account.birthday !== undefined) state.birthday = account.birthday;
  return state;
}

function idParam(request: ApiRequest<unknown, unknown>): string {
  const parsed = identifier.safeParse(request.params['id'] ?? '');
  if (!parsed.success) throw new ApiError('BAD_REQUEST', 'not a valid id', [{ path: 'path.id', message: 'use letters, digits, "_" and "-" only' }]);
  return parsed.data;
}

/** Upserts one owner through the engine and answers with what the engine holds then. */
async function writeOwner(
  context: ApiContext,
  request: ApiRequest<unknown, unknown>,
  kind: 'counterparty' | 'client',
  id: string,
  documentOf: (before: AccountConfig | undefined) => CounterpartyDocument | ClientDocument,
  mustExist: boolean,
): Promise<z.infer<typeof ownerState>> {
  const principal = principalOf(request);
  const action = kind === 'counterparty' ? 'counterparties.write' : 'clients.write';
  requireAllowed(context, principal, action, { network: principal.network, owner: { kind, id } }, request.remote);
  const before = context.engine.accountOf(principal.network, kind, id);
  if (mustExist && before === undefined) throw notFound(kind);
  const entry = documentOf(before);
  const done = await engineWrite(() =>
    context.engine.update(principal.network, (catalog) => ({
      document: { ...catalog, ...(kind === 'counterparty' ? { counterparties: [entry as CounterpartyDocument] } : { clients: [entry as ClientDocument] }) },
      result: undefined,
    })),
  );
  const after = done !== undefined ? context.engine.accountOf(principal.network, kind, id) : undefined;
  if (after === undefined) throw notFound('network');
  audit(context, principal, action, { type: kind, id }, before !== undefined ? stateOf(before) : null, stateOf(after), request.remote);
  return stateOf(after);
}

function ownFilter(owner: OwnerRef | undefined, kind: 'counterparty' | 'client', column: string, values: unknown[]): string | undefined {
  if (owner === undefined) return '';
  if (owner.kind !== kind) return undefined;
  values.push(owner.id);
  return ` AND ${column} = $${values.length}`;
}

const accountJoin = (alias: string): string =>
  `JOIN readmodel.accounts a ON a.key = ${alias}.account LEFT JOIN readmodel.balances b ON b.account = ${alias}.account`;

export function partyRoutes(context: ApiContext): Route[] {
  return [
    // ---- counterparties ----
    route({
      method: 'get',
      path: '/api/v1/counterparties',
      summary: 'Counterparties with their accounts (a client sees its own)',
      tag,
      action: 'counterparties.read',
      query: pageQuery.extend({ segment: identifier.optional() }),
      response: pageOf(counterpartyAnswer, 'Counterparty'),
      handle: async (request) => {
        const principal = principalOf(request);
        const scope = listScope(context, principal, 'counterparties.read', principal.network, request.remote);
        const values: unknown[] = [principal.network, request.query.after ?? '', request.query.limit + 1];
        let filter = ownFilter(scope.owner, 'counterparty', 'cp.id', values);
        if (filter === undefined) return { body: { items: [] } };
        if (request.query.segment !== undefined) {
          values.push(request.query.segment);
          filter += ` AND cp.segment = $${values.length}`;
        }
        const result = await databaseOf(context).query(
          `SELECT cp.id, cp.name, cp.segment, cp.account, a.opening_balance, a.credit_limit, b.balance, b.bonus
             FROM readmodel.counterparties cp ${accountJoin('cp')} WHERE cp.network = $1 AND cp.id > $2${filter} ORDER BY cp.id LIMIT $3`,
          values,
        );
        const items = (result.rows as Row[]).map((row) => ({ id: String(row['id']), name: String(row['name']), segment: textOrNull(row['segment']), account: accountOf(row) }));
        return { body: page(items, request.query.limit, (item) => item.id) };
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/counterparties/:id',
      summary: 'A counterparty with its account and cards',
      tag,
      action: 'counterparties.read',
      response: counterpartyAnswer.extend({ cards: z.array(cardAnswer) }).meta({ id: 'CounterpartyWithCards' }),
      handle: async (request) => {
        const principal = principalOf(request);
        const id = idParam(request);
        requireAllowed(context, principal, 'counterparties.read', { network: principal.network, owner: { kind: 'counterparty', id } }, request.remote);
        const result = await databaseOf(context).query(
          `SELECT cp.id, cp.name, cp.segment, cp.account, a.opening_balance, a.credit_limit, b.balance, b.bonus
             FROM readmodel.counterparties cp ${accountJoin('cp')} WHERE cp.network = $1 AND cp.id = $2`,
          [principal.network, id],
        );
        const row = result.rows[0] as Row | undefined;
        if (row === undefined) throw notFound('counterparty');
        const cards = await cardsOfOwner(context, principal.network, { kind: 'counterparty', id });
        return { body: { id, name: String(row['name']), segment: textOrNull(row['segment']), account: accountOf(row), cards } };
      },
    }),
    route({
      method: 'put',
      path: '/api/v1/counterparties/:id',
      summary: 'Create or replace a counterparty (name, segment, credit limit; the opening balance of a new account)',
      tag,
      action: 'counterparties.write',
      body: counterpartyBody,
      response: ownerState,
      handle: async (request) => {
        const id = idParam(request);
        const { name, segment, creditLimit, balance } = request.body;
        const state = await writeOwner(
          context,
          request,
          'counterparty',
          id,
          (before) => ({ id, name, ...(segment !== undefined ? { segment } : {}), account: { balance: before?.openingBalance ?? balance ?? 0, ...(creditLimit !== undefined ? { creditLimit } : {}) } }),
          false,
        );
        return { body: state };
      },
    }),
    route({
      method: 'patch',
      path: '/api/v1/counterparties/:id',
      summary: 'Change a counterparty (segment null removes it)',
      tag,
      action: 'counterparties.write',
      body: counterpartyPatch,
      response: ownerState,
      handle: async (request) => {
        const id = idParam(request);
        const change = request.body;
        const state = await writeOwner(
          context,
          request,
          'counterparty',
          id,
          (before) => {
            const segment = change.segment === null ? undefined : (change.segment ?? before?.segment);
            return {
              id,
              name: change.name ?? before?.name ?? id,
              ...(segment !== undefined ? { segment } : {}),
              account: { balance: before?.openingBalance ?? 0, creditLimit: change.creditLimit ?? before?.creditLimit ?? 0 },
            };
          },
          true,
        );
        return { body: state };
      },
    }),

    // ---- clients ----
    route({
      method: 'get',
      path: '/api/v1/clients',
      summary: 'Clients, by plate or name (a client sees itself)',
      tag,
      action: 'clients.read',
      query: pageQuery.extend({ plate: plateSchema.optional(), name: z.string().min(1).max(constants.nameLengthMax).optional().describe('part of the name, any case') }),
      response: pageOf(clientAnswer, 'Client'),
      handle: async (request) => {
        const principal = principalOf(request);
        const scope = listScope(context, principal, 'clients.read', principal.network, request.remote);
        const values: unknown[] = [principal.network, request.query.after ?? '', request.query.limit + 1];
        let filter = ownFilter(scope.owner, 'client', 'cl.id', values);
        if (filter === undefined) return { body: { items: [] } };
        if (request.query.plate !== undefined) {
          values.push(normalizePlate(request.query.plate));
          filter += ` AND EXISTS (SELECT 1 FROM readmodel.client_plates p WHERE p.network = cl.network AND p.client = cl.id AND p.plate = $${values.length})`;
        }
        if (request.query.name !== undefined) {
          values.push(containing(request.query.name));
          filter += ` AND cl.name ILIKE $${values.length}`;
        }
        const result = await databaseOf(context).query(
          `SELECT cl.id, cl.name, cl.member, cl.account, a.opening_balance, a.credit_limit, b.balance, b.bonus,
                  ARRAY(SELECT p.plate FROM readmodel.client_plates p WHERE p.network = cl.network AND p.client = cl.id ORDER BY p.plate) AS plates
             FROM readmodel.clients cl ${accountJoin('cl')} WHERE cl.network = $1 AND cl.id > $2${filter} ORDER BY cl.id LIMIT $3`,
          values,
        );
        const items = (result.rows as Row[]).map((row) => ({ id: String(row['id']), name: String(row['name']), member: row['member'] === true, plates: (row['plates'] as string[]).map(String), account: accountOf(row) }));
        return { body: page(items, request.query.limit, (item) => item.id) };
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/clients/:id',
      summary: 'A client with its account, plates and cards',
      tag,
      action: 'clients.read',
      response: clientAnswer
        .extend({
          cards: z.array(cardAnswer),
          groups: z.array(z.string()).describe('client groups (discount rules, the bonus program); from the engine'),
          birthday: z.string().optional().describe('MM-DD, for cashier prompts; from the engine'),
        })
        .meta({ id: 'ClientWithCards' }),
      handle: async (request) => {
        const principal = principalOf(request);
        const id = idParam(request);
        requireAllowed(context, principal, 'clients.read', { network: principal.network, owner: { kind: 'client', id } }, request.remote);
        const result = await databaseOf(context).query(
          `SELECT cl.id, cl.name, cl.member, cl.account, a.opening_balance, a.credit_limit, b.balance, b.bonus,
                  ARRAY(SELECT p.plate FROM readmodel.client_plates p WHERE p.network = cl.network AND p.client = cl.id ORDER BY p.plate) AS plates
             FROM readmodel.clients cl ${accountJoin('cl')} WHERE cl.network = $1 AND cl.id = $2`,
          [principal.network, id],
        );
        const row = result.rows[0] as Row | undefined;
        if (row === undefined) throw notFound('client');
        const cards = await cardsOfOwner(context, principal.network, { kind: 'client', id });
        const held = context.engine.accountOf(principal.network, 'client', id);
        return {
          body: {
            id,
            name: String(row['name']),
            member: row['member'] === true,
            plates: (row['plates'] as string[]).map(String),
            account: accountOf(row),
            cards,
            groups: held?.groups ?? [],
            ...(held?.birthday !== undefined ? { birthday: held.birthday } : {}),
          },
        };
      },
    }),
    route({
      method: 'put',
      path: '/api/v1/clients/:id',
      summary: 'Create or replace a client (the opening balance of a new account)',
      tag,
      action: 'clients.write',
      body: clientBody,
      response: ownerState,
      handle: async (request) => {
        const id = idParam(request);
        const { balance, creditLimit, ...fields } = request.body;
        const state = await writeOwner(
          context,
          request,
          'client',
          id,
          (before) => ({ id, ...fields, account: { balance: before?.openingBalance ?? balance ?? 0, ...(creditLimit !== undefined ? { creditLimit } : {}) } }),
          false,
        );
        return { body: state };
      },
    }),
    route({
      method: 'patch',
      path: '/api/v1/clients/:id',
      summary: 'Change a client',
      tag,
      action: 'clients.write',
      body: clientPatch,
      response: ownerState,
      handle: async (request) => {
        const id = idParam(request);
        const { creditLimit, ...change } = request.body;
        const state = await writeOwner(
          context,
          request,
          'client',
          id,
          (before) => {
            const kept: Partial<ClientDocument> = { name: before?.name ?? id, member: before?.member ?? false };
            if (before?.plate !== undefined) kept.plate = before.plate;
            if (before?.groups !== undefined) kept.groups = before.groups;
            if (before?.birthday !== undefined) kept.birthday = before.birthday;
            const defined = Object.fromEntries(Object.entries(change).filter(([, value]) => value !== undefined));
            return { ...kept, ...defined, id, account: { balance: before?.openingBalance ?? 0, creditLimit: creditLimit ?? before?.creditLimit ?? 0 } } as ClientDocument;
          },
          true,
        );
        return { body: state };
      },
    }),
  ];
}
