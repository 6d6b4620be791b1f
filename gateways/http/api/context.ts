// What the API's route handlers work with: the engine (writes go through it), the read model's
// database (reads come from it) and the security module (principals, scopes, the audit). Every area's
// routes are made from one ApiContext (routes/index.ts), so tests mount any subset on a real server
// with their own parts.

import type pg from 'pg';
import type { Action, Engine, OwnerRef, Principal, QueryScope, Security } from '../../../engine/index.js';
import { queryScope, authorize } from '../../../engine/index.js';
import type { Scope } from '../../../engine/index.js';
import { ApiError } from './router.js';

export interface ApiContext {
  engine: Engine;
  /** The read model's pool; undefined when the server runs without one (reads answer UNAVAILABLE). */
  database: pg.Pool | undefined;
  /** The security module: refusals are audited through it; without it the pure matrix decides. */
  security: Security | undefined;
  /** The address people open (TESSERA_PUBLIC_URL): `https:` there makes the session cookie Secure whatever the request says. */
  publicUrl?: string | undefined;
}

/** The read model's pool, or 503 UNAVAILABLE. */
export function databaseOf(context: ApiContext): pg.Pool {
  if (context.database === undefined) throw new ApiError('UNAVAILABLE', 'the read model is not running on this server');
  return context.database;
}

/** The principal the router authenticated (routes with an action always have one). */
export function principalOf(request: { principal: Principal | undefined }): Principal {
  if (request.principal === undefined) throw new ApiError('UNAUTHENTICATED', 'sign in, or send an API key (Authorization: Bearer …)');
  return request.principal;
}

/** What a list may show: the sites and the owner to filter by, or the refusal (403, or 404 for another network or another client's data). */
export type AllowedScope = Extract<QueryScope, { allowed: true }>;

export function listScope(context: ApiContext, principal: Principal, action: Action, network: string, address?: string): AllowedScope {
  const scope = context.security !== undefined ? context.security.scopeOfQuery(principal, action, network, { address }) : queryScope(principal, action, network);
  if (!scope.allowed) throw refusal(scope.code);
  return scope;
}

/** Whether the principal may act on one target (its site, its owner); refusals throw 403/404. */
export function requireAllowed(context: ApiContext, principal: Principal, action: Action, scope: Scope, address?: string): void {
  const decision = context.security !== undefined ? context.security.check(principal, action, scope, { address }) : authorize(principal, action, scope);
  if (!decision.allowed) throw refusal(decision.code);
}

function refusal(code: 'FORBIDDEN' | 'NOT_FOUND'): ApiError {
  return code === 'FORBIDDEN' ? new ApiError('FORBIDDEN', 'your role does not allow this') : new ApiError('NOT_FOUND', 'not found');
}

export type { OwnerRef };
