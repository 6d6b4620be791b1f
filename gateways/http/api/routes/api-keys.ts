// API keys for programs: `POST /api/v1/apikeys` makes one (the key is in this answer only),
// `GET /api/v1/apikeys` lists the network's keys (never a secret or a hash), `DELETE
// /api/v1/apikeys/:id` revokes one (the next request with it is refused). `apikeys.manage`; an owner
// key needs `owners.manage` too. The network is the caller's. The same calls as `tessera apikey`.

import type { ApiKeyErrorCode, Security } from '../../../../engine/index.js';
import { constants, ownerKinds, roles, z } from '../../../../engine/index.js';
import type { ApiContext } from '../context.js';
import { listScope, principalOf } from '../context.js';
import type { ApiErrorCode, Route } from '../router.js';
import { ApiError, bodyIssues, route } from '../router.js';

const identifier = z.string().min(1).max(constants.identifierLengthMax);
const ownerRef = z.object({ kind: z.enum(ownerKinds), id: z.string() }).describe('the counterparty or club/loyalty client a client key is bound to');

export const apiKeySchema = z
  .object({
    id: z.string().describe('the key id: the part of the key after `tsk_`, before the secret'),
    network: z.string(),
    role: z.enum(roles),
    sites: z.array(z.string()).describe('sites of an operator or attendant key; empty for other roles'),
    owner: ownerRef.optional(),
    label: z.string().optional(),
    createdAt: z.number().int().describe('ms since the epoch'),
    createdBy: z.object({ kind: z.enum(['user', 'apikey', 'system']), id: z.string() }),
    revokedAt: z.number().int().optional().describe('set once the key is revoked (ms since the epoch)'),
  })
  .meta({ id: 'ApiKey' })
  .describe('An API key as listed: never its secret or hash');

const newApiKeyBody = z
  .strictObject({
    role: z.enum(roles),
    sites: z.array(identifier).max(constants.userSitesMax).optional().describe('required for operator and attendant keys'),
    owner: z.strictObject({ kind: z.enum(ownerKinds), id: identifier }).optional().describe('required for a client key'),
    label: z.string().min(1).max(constants.apiKeyLabelLengthMax).optional().describe('what the key is for, shown in lists and the audit'),
  })
  .meta({ id: 'NewApiKey' });

const createdSchema = z
  .object({
    key: apiKeySchema,
    token: z.string().describe('the key to send as `Authorization: Bearer …`; shown in this answer only'),
  })
  .meta({ id: 'CreatedApiKey' });

const errorOf: Record<ApiKeyErrorCode, ApiErrorCode> = { BAD_REQUEST: 'BAD_REQUEST', FORBIDDEN: 'FORBIDDEN', NOT_FOUND: 'NOT_FOUND', LIMIT_REACHED: 'CONFLICT' };

function securityOf(context: ApiContext): Security {
  if (context.security === undefined) throw new ApiError('UNAVAILABLE', 'the security module is not running on this server');
  return context.security;
}

export function apiKeyRoutes(context: ApiContext): Route[] {
  return [
    route({
      method: 'post',
      path: '/api/v1/apikeys',
      summary: 'Make an API key (shown in this answer only)',
      tag: 'apikeys',
      action: 'apikeys.manage',
      status: 201,
      body: newApiKeyBody,
      response: createdSchema,
      handle: async (request) => {
        const principal = principalOf(request);
        const result = await securityOf(context).apiKeys.create({ network: principal.network, ...request.body }, principal, { address: request.remote });
        if (!result.ok) throw new ApiError(errorOf[result.code], result.message, bodyIssues(result.issues));
        return { body: result.value };
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/apikeys',
      summary: "The network's API keys, revoked ones too",
      tag: 'apikeys',
      action: 'apikeys.manage',
      response: z.object({ keys: z.array(apiKeySchema) }),
      handle: (request) => {
        const principal = principalOf(request);
        const security = securityOf(context);
        listScope(context, principal, 'apikeys.manage', principal.network, request.remote);
        return Promise.resolve({ body: { keys: security.apiKeys.list(principal.network) } });
      },
    }),
    route({
      method: 'delete',
      path: '/api/v1/apikeys/:id',
      summary: 'Revoke an API key (refused from the next request on)',
      tag: 'apikeys',
      action: 'apikeys.manage',
      response: apiKeySchema,
      handle: async (request) => {
        const principal = principalOf(request);
        const result = await securityOf(context).apiKeys.revoke(principal.network, request.params['id'] ?? '', principal, { address: request.remote });
        if (!result.ok) throw new ApiError(errorOf[result.code], result.message, bodyIssues(result.issues));
        return { body: result.value };
      },
    }),
  ];
}
