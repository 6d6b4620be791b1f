// Sign-in over HTTP, in the core's two steps (engine/security/sign-in.ts): `POST /api/v1/auth/sign-in`
// with network, e-mail and password answers an attempt token (a code is e-mailed, or the authenticator
// app's is asked for); `POST /api/v1/auth/code` with the token and the code sets the session cookie
// (HttpOnly, SameSite=Strict; Secure and `__Host-` over TLS) and answers the session's CSRF token —
// never the session token itself. `POST /api/v1/auth/logout` ends the session and clears the cookie;
// `GET /api/v1/auth/me` says who the caller is. Refusals are the core's, word for word: an unknown
// user and a wrong password get the same status and the same bytes.

import type { Principal, Security, SignInFailure, UserView } from '../../../../engine/index.js';
import { clearedSessionCookie, codeStepSchema, ownerKinds, passwordStepSchema, roles, secondFactors, sessionCookie, userStatuses, viewOf, z } from '../../../../engine/index.js';
import { requestIsTls } from '../authenticators.js';
import type { ApiContext } from '../context.js';
import { principalOf, requireAllowed } from '../context.js';
import type { ApiErrorCode, Route } from '../router.js';
import { ApiError, route } from '../router.js';

const isoOut = z.string().describe('ISO 8601 (UTC)');
const iso = (ms: number): string => new Date(ms).toISOString();

export const userSchema = z
  .object({
    id: z.string(),
    network: z.string(),
    email: z.string(),
    name: z.string().optional(),
    role: z.enum(roles),
    sites: z.array(z.string()).describe('sites of an operator or attendant; empty for other roles (they reach the whole network)'),
    owner: z.object({ kind: z.enum(ownerKinds), id: z.string() }).optional().describe('the counterparty or club/loyalty client a client user is bound to'),
    status: z.enum(userStatuses),
    authenticator: z.boolean().describe('whether sign-in asks for an authenticator app code (else an e-mailed code)'),
    createdAt: isoOut,
    updatedAt: isoOut,
  })
  .meta({ id: 'User' })
  .describe('A user: never a password, a hash or a secret');
export type UserOut = z.infer<typeof userSchema>;

export function userOut(view: UserView): UserOut {
  return { ...view, createdAt: iso(view.createdAt), updatedAt: iso(view.updatedAt) };
}

const attemptSchema = z
  .object({
    attemptToken: z.string().describe('send it with the code to POST /api/v1/auth/code'),
    secondFactor: z.enum(secondFactors).describe('email: a 6-digit code was e-mailed; totp: the authenticator app’s code'),
    expiresAt: isoOut.describe('the attempt and its code stop working then'),
  })
  .meta({ id: 'SignInAttempt' });

const signedInSchema = z
  .object({
    csrfToken: z.string().describe('send it as X-CSRF-Token on every write of this session; keep it in memory (the session cookie is HttpOnly)'),
    user: userSchema,
    idleTimeoutMs: z.number().int().describe('the session ends after this long without a request'),
    expiresAt: isoOut.describe('the session ends then whatever happens'),
  })
  .meta({ id: 'SignedIn' });

export const meSchema = z
  .object({
    kind: z.enum(['user', 'apikey']),
    id: z.string(),
    network: z.string(),
    role: z.enum(roles),
    sites: z.union([z.array(z.string()), z.literal('all')]).describe('the sites an operator or attendant works at; all for other roles'),
    owner: z.object({ kind: z.enum(ownerKinds), id: z.string() }).optional(),
    label: z.string().optional(),
    timezone: z.string().optional().describe("the network's time zone (IANA, e.g. Europe/Moscow): its days, weeks and months, and the times people read"),
    user: userSchema.optional().describe('for a signed-in person'),
  })
  .meta({ id: 'Me' });

const apiCodeOf: Record<SignInFailure['code'], ApiErrorCode> = {
  INVALID_CREDENTIALS: 'INVALID_CREDENTIALS',
  LOCKED: 'LOCKED',
  RATE_LIMITED: 'RATE_LIMITED',
  CODE_INVALID: 'CODE_INVALID',
  SIGN_IN_EXPIRED: 'SIGN_IN_EXPIRED',
};

/** The core's refusal as the API's error; LOCKED and RATE_LIMITED say when to try again (Retry-After, seconds). */
export function signInError(failure: SignInFailure): ApiError {
  const headers = failure.retryAfterMs !== undefined ? { 'Retry-After': String(Math.max(1, Math.ceil(failure.retryAfterMs / 1000))) } : undefined;
  return new ApiError(apiCodeOf[failure.code], failure.message, undefined, headers);
}

export function securityOf(context: ApiContext): Security {
  if (context.security === undefined) throw new ApiError('UNAVAILABLE', 'the security module is not running on this server');
  return context.security;
}

function meOf(security: Security, principal: Principal, timezone: string | undefined): z.infer<typeof meSchema> {
  const user = principal.kind === 'user' ? security.users.get(principal.network, principal.id) : undefined;
  return {
    kind: principal.kind,
    id: principal.id,
    network: principal.network,
    role: principal.role,
    sites: principal.sites === 'all' ? 'all' : [...principal.sites],
    ...(principal.owner !== undefined ? { owner: { ...principal.owner } } : {}),
    ...(principal.label !== undefined ? { label: principal.label } : {}),
    ...(timezone !== undefined ? { timezone } : {}),
    ...(user !== undefined ? { user: userOut(viewOf(user)) } : {}),
  };
}

export function authRoutes(context: ApiContext): Route[] {
  const tls = (headers: Readonly<Record<string, string>>): boolean => requestIsTls(headers, { publicUrl: context.publicUrl });
  return [
    route({
      method: 'post',
      path: '/api/v1/auth/sign-in',
      summary: 'Sign in, step 1: e-mail and password (a code is e-mailed, or the authenticator app’s is asked for)',
      tag: 'auth',
      action: 'public',
      body: passwordStepSchema.meta({ id: 'SignInPassword' }),
      response: attemptSchema,
      handle: async (request) => {
        const result = await securityOf(context).beginSignIn(request.body, request.remote);
        if (!result.ok) throw signInError(result);
        return { body: { attemptToken: result.attemptToken, secondFactor: result.secondFactor, expiresAt: iso(result.expiresAt) } };
      },
    }),
    route({
      method: 'post',
      path: '/api/v1/auth/code',
      summary: 'Sign in, step 2: the code; sets the session cookie and answers the CSRF token',
      tag: 'auth',
      action: 'public',
      body: codeStepSchema.meta({ id: 'SignInCode' }),
      response: signedInSchema,
      handle: async (request) => {
        const security = securityOf(context);
        const result = await security.completeSignIn(request.body, request.remote);
        if (!result.ok) throw signInError(result);
        const user = security.users.get(result.principal.network, result.principal.id);
        if (user === undefined) throw new ApiError('SIGN_IN_EXPIRED', 'this sign-in is over: start again');
        return {
          headers: { 'Set-Cookie': sessionCookie(result.sessionToken, { tls: tls(request.headers) }) },
          body: { csrfToken: result.csrfToken, user: userOut(viewOf(user)), idleTimeoutMs: result.idleTimeoutMs, expiresAt: iso(result.expiresAt) },
        };
      },
    }),
    route({
      method: 'post',
      path: '/api/v1/auth/logout',
      summary: 'Sign out: ends this session (its live sockets close) and clears the cookie',
      tag: 'auth',
      action: 'profile.manage',
      response: z.object({ ended: z.boolean() }),
      handle: async (request) => {
        const principal = principalOf(request);
        const ended = principal.kind === 'user' ? await securityOf(context).logout(principal) : false;
        return { headers: { 'Set-Cookie': clearedSessionCookie({ tls: tls(request.headers) }) }, body: { ended } };
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/auth/me',
      summary: 'Who I am: role, sites, network (and my user record when signed in)',
      tag: 'auth',
      action: 'profile.manage',
      response: meSchema,
      handle: (request) => {
        const principal = principalOf(request);
        const security = securityOf(context);
        // An API key has no profile: it is told what it is without the self check.
        if (principal.kind === 'user') requireAllowed(context, principal, 'profile.manage', { network: principal.network, user: principal.id }, request.remote);
        return Promise.resolve({ body: meOf(security, principal, context.engine.catalogs.network(principal.network)?.timeZone) });
      },
    }),
  ];
}
