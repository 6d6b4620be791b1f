// Cards: lists and one card from the read model (masked numbers only; a card's id is its keyed hash,
// so a number never travels in a URL), a number's id by POST /cards/lookup, issuing a card, blocking
// and unblocking it, its limits and restrictions. Changes go through Engine.changeCard and hold for
// the very next authorisation; a client may block its own card, another's is not found.

import type { Action, CardChange, CardView, OwnerRef } from '../../../../engine/index.js';
import { cardChangeSchema, cardFields, constants, identifier, limitSchema, restrictionsSchema, z } from '../../../../engine/index.js';
import type { ApiContext } from '../context.js';
import { databaseOf, listScope, principalOf, requireAllowed } from '../context.js';
import type { ApiRequest, Route } from '../router.js';
import { ApiError, route } from '../router.js';
import { audit, engineWrite, managementTag, notFound, page, pageOf, pageQuery, textOrNull } from './management.js';

const tag = managementTag;

export const cardAnswer = z
  .object({
    id: z.string().describe("the card's keyed hash: how the API names a card"),
    masked: z.string(),
    counterparty: z.string().nullable(),
    client: z.string().nullable(),
    status: z.enum(['active', 'blocked']),
    expires: z.string().nullable(),
    limits: z.array(limitSchema),
    restrictions: restrictionsSchema,
  })
  .meta({ id: 'Card' });
export type CardAnswer = z.infer<typeof cardAnswer>;

/** A card as the engine holds it (the answer to a change: the read model follows within a second). */
const cardState = z
  .object({
    id: z.string(),
    masked: z.string(),
    counterparty: z.string().optional(),
    client: z.string().optional(),
    status: z.enum(['active', 'blocked']),
    expires: z.string().optional(),
    limits: z.array(limitSchema),
    restrictions: restrictionsSchema,
    tankLitres: z.number().int().optional(),
    pin: z.boolean().describe('whether the card has a PIN (never the PIN)'),
  })
  .meta({ id: 'CardState' });

const hashId = z.string().regex(/^[A-Za-z0-9_-]{8,128}$/, "a card's id (its keyed hash)");

const cardColumns = `c.hash, c.masked, c.status, c.expires, c.limits, c.restrictions, a.owner, a.owner_id`;

export function cardRowOf(row: Record<string, unknown>): CardAnswer {
  const owner = String(row['owner']);
  return {
    id: String(row['hash']),
    masked: String(row['masked']),
    counterparty: owner === 'counterparty' ? String(row['owner_id']) : null,
    client: owner === 'client' ? String(row['owner_id']) : null,
    status: row['status'] === 'blocked' ? 'blocked' : 'active',
    expires: textOrNull(row['expires']),
    limits: row['limits'] as CardAnswer['limits'],
    restrictions: row['restrictions'] as CardAnswer['restrictions'],
  };
}

/** The cards of one account owner, from the read model. */
export async function cardsOfOwner(context: ApiContext, network: string, owner: OwnerRef): Promise<CardAnswer[]> {
  const result = await databaseOf(context).query(
    `SELECT ${cardColumns} FROM readmodel.cards c JOIN readmodel.accounts a ON a.key = c.account
      WHERE c.network = $1 AND a.owner = $2 AND a.owner_id = $3 ORDER BY c.hash LIMIT $4`,
    [network, owner.kind, owner.id, constants.managementPageRowsMax],
  );
  return (result.rows as Record<string, unknown>[]).map(cardRowOf);
}

function ownerOf(card: CardView): OwnerRef | undefined {
  if (card.counterparty !== undefined) return { kind: 'counterparty', id: card.counterparty };
  if (card.client !== undefined) return { kind: 'client', id: card.client };
  return undefined;
}

function cardIdOf(request: ApiRequest<unknown, unknown>): string {
  const parsed = hashId.safeParse(request.params['id'] ?? '');
  if (!parsed.success) throw new ApiError('BAD_REQUEST', 'not a card id', [{ path: 'path.id', message: "a card's id (its keyed hash)" }]);
  return parsed.data;
}

/** A change of one card: the card as the engine holds it decides the scope (unknown, or another owner's: 404). */
async function changeCard(context: ApiContext, request: ApiRequest<unknown, unknown>, action: Action, change: CardChange): Promise<CardView> {
  const principal = principalOf(request);
  const id = cardIdOf(request);
  const before = context.engine.cardOf(principal.network, id);
  if (before === undefined) {
    requireAllowed(context, principal, action, { network: principal.network }, request.remote);
    throw notFound('card');
  }
  requireAllowed(context, principal, action, { network: principal.network, owner: ownerOf(before) }, request.remote);
  const after = await engineWrite(() => context.engine.changeCard(principal.network, id, change));
  if (after === undefined) throw notFound('card');
  audit(context, principal, action, { type: 'card', id: before.masked }, before, after, request.remote);
  return after;
}

function scopeFilter(owner: OwnerRef | undefined, values: unknown[]): string {
  if (owner === undefined) return '';
  values.push(owner.kind, owner.id);
  return ` AND a.owner = $${values.length - 1} AND a.owner_id = $${values.length}`;
}

const issueBody = cardFields.partial({ status: true }).meta({ id: 'CardIssue' });

export function cardRoutes(context: ApiContext): Route[] {
  return [
    route({
      method: 'get',
      path: '/api/v1/cards',
      summary: 'Cards (masked numbers; a client sees its own)',
      tag,
      action: 'cards.read',
      query: pageQuery.extend({
        counterparty: identifier.optional(),
        client: identifier.optional(),
        status: z.enum(['active', 'blocked']).optional(),
        masked: z.string().min(1).max(constants.cardNumberLengthMax).optional().describe('the masked number, or its end (e.g. the last four digits)'),
      }),
      response: pageOf(cardAnswer, 'Card'),
      handle: async (request) => {
        const principal = principalOf(request);
        const scope = listScope(context, principal, 'cards.read', principal.network, request.remote);
        const values: unknown[] = [principal.network, request.query.after ?? '', request.query.limit + 1];
        let filter = scopeFilter(scope.owner, values);
        const add = (condition: (index: number) => string, value: unknown): void => {
          values.push(value);
          filter += ` AND ${condition(values.length)}`;
        };
        if (request.query.counterparty !== undefined) add((index) => `a.owner = 'counterparty' AND a.owner_id = $${index}`, request.query.counterparty);
        if (request.query.client !== undefined) add((index) => `a.owner = 'client' AND a.owner_id = $${index}`, request.query.client);
        if (request.query.status !== undefined) add((index) => `c.status = $${index}`, request.query.status);
        if (request.query.masked !== undefined) add((index) => `right(c.masked, length($${index}::text)) = $${index}::text`, request.query.masked);
        const result = await databaseOf(context).query(
          `SELECT ${cardColumns} FROM readmodel.cards c JOIN readmodel.accounts a ON a.key = c.account
            WHERE c.network = $1 AND c.hash > $2${filter} ORDER BY c.hash LIMIT $3`,
          values,
        );
        return { body: page((result.rows as Record<string, unknown>[]).map(cardRowOf), request.query.limit, (card) => card.id) };
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/cards/:id',
      summary: 'A card by its id (the keyed hash POST /cards/lookup gives)',
      tag,
      action: 'cards.read',
      response: cardAnswer,
      handle: async (request) => {
        const principal = principalOf(request);
        const id = cardIdOf(request);
        const result = await databaseOf(context).query(
          `SELECT ${cardColumns} FROM readmodel.cards c JOIN readmodel.accounts a ON a.key = c.account WHERE c.network = $1 AND c.hash = $2`,
          [principal.network, id],
        );
        const row = result.rows[0] as Record<string, unknown> | undefined;
        if (row === undefined) {
          requireAllowed(context, principal, 'cards.read', { network: principal.network }, request.remote);
          throw notFound('card');
        }
        const card = cardRowOf(row);
        const owner: OwnerRef = card.counterparty !== null ? { kind: 'counterparty', id: card.counterparty } : { kind: 'client', id: card.client ?? '' };
        requireAllowed(context, principal, 'cards.read', { network: principal.network, owner }, request.remote);
        return { body: card };
      },
    }),
    route({
      method: 'post',
      path: '/api/v1/cards/lookup',
      summary: "A card's id from its number (the number is neither logged nor answered)",
      tag,
      action: 'cards.read',
      body: z.strictObject({ number: cardFields.shape.number }).meta({ id: 'CardLookup' }),
      response: z.object({ id: z.string(), masked: z.string() }).meta({ id: 'CardId' }),
      handle: (request) => {
        const principal = principalOf(request);
        const { hash } = context.engine.identifyCard(principal.network, request.body.number);
        const card = context.engine.cardOf(principal.network, hash);
        if (card === undefined) {
          requireAllowed(context, principal, 'cards.read', { network: principal.network }, request.remote);
          throw notFound('card');
        }
        requireAllowed(context, principal, 'cards.read', { network: principal.network, owner: ownerOf(card) }, request.remote);
        return Promise.resolve({ body: { id: card.id, masked: card.masked } });
      },
    }),
    route({
      method: 'post',
      path: '/api/v1/cards',
      summary: 'Issue a card (the number and PIN are kept as keyed hashes and never answered)',
      tag,
      action: 'cards.write',
      status: 201,
      body: issueBody,
      response: cardState,
      handle: async (request) => {
        const principal = principalOf(request);
        const { status, ...fields } = request.body;
        const ownerCount = (fields.counterparty !== undefined ? 1 : 0) + (fields.client !== undefined ? 1 : 0);
        if (ownerCount !== 1) throw new ApiError('BAD_REQUEST', 'a card belongs to exactly one counterparty or client', [{ path: 'body.counterparty', message: 'name exactly one of counterparty or client' }]);
        const owner: OwnerRef = fields.counterparty !== undefined ? { kind: 'counterparty', id: fields.counterparty } : { kind: 'client', id: fields.client ?? '' };
        requireAllowed(context, principal, 'cards.write', { network: principal.network, owner }, request.remote);
        const { hash } = context.engine.identifyCard(principal.network, fields.number);
        if (context.engine.cardOf(principal.network, hash) !== undefined) throw new ApiError('CONFLICT', 'this card is already issued');
        const done = await engineWrite(() =>
          context.engine.update(principal.network, (catalog) => ({ document: { ...catalog, cards: [{ ...fields, status: status ?? 'active' }] }, result: undefined })),
        );
        const card = done !== undefined ? context.engine.cardOf(principal.network, hash) : undefined;
        if (card === undefined) throw notFound('network');
        audit(context, principal, 'cards.write', { type: 'card', id: card.masked }, null, card, request.remote);
        return { status: 201, body: card };
      },
    }),
    route({
      method: 'post',
      path: '/api/v1/cards/:id/block',
      summary: 'Block a card: the next authorisation with it is declined CARD_BLOCKED',
      tag,
      action: 'cards.block',
      response: cardState,
      handle: async (request) => ({ body: await changeCard(context, request, 'cards.block', { status: 'blocked' }) }),
    }),
    route({
      method: 'post',
      path: '/api/v1/cards/:id/unblock',
      summary: 'Unblock a card',
      tag,
      action: 'cards.write',
      response: cardState,
      handle: async (request) => ({ body: await changeCard(context, request, 'cards.write', { status: 'active' }) }),
    }),
    route({
      method: 'put',
      path: '/api/v1/cards/:id/limits',
      summary: "Replace a card's limits (per transaction, day, week, month; amount and/or volume)",
      tag,
      action: 'cards.write',
      body: z.strictObject({ limits: z.array(limitSchema).max(constants.limitsPerCardMax) }).meta({ id: 'CardLimits' }),
      response: cardState,
      handle: async (request) => ({ body: await changeCard(context, request, 'cards.write', { limits: request.body.limits }) }),
    }),
    route({
      method: 'put',
      path: '/api/v1/cards/:id/restrictions',
      summary: "Replace a card's restrictions (sites, products, hours, weekdays)",
      tag,
      action: 'cards.write',
      body: restrictionsSchema,
      response: cardState,
      handle: async (request) => ({ body: await changeCard(context, request, 'cards.write', { restrictions: request.body }) }),
    }),
    route({
      method: 'patch',
      path: '/api/v1/cards/:id',
      summary: 'Change a card (status, limits, restrictions, expiry, tank)',
      tag,
      action: 'cards.write',
      body: cardChangeSchema,
      response: cardState,
      handle: async (request) => ({ body: await changeCard(context, request, 'cards.write', request.body) }),
    }),
  ];
}
