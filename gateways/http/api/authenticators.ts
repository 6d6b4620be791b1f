// Who is asking an /api/v1 route, for the router (`RouterOptions.authenticators`, tried in order): each
// reads one kind of credential from the request and answers its principal, or undefined when that
// credential is absent or not valid — the router then answers 401 UNAUTHENTICATED, the same for every
// reason. A program sends an API key (`Authorization: Bearer tsk_…`); a person's browser sends the
// session cookie (`sessionCookie`, engine/security/cookies.ts) and, on every write, the session's CSRF
// token in `X-CSRF-Token` (the router's `checkCsrf`). Whether a request came over TLS decides the
// cookie's name (`__Host-tessera_session` then): behind a TLS-terminating proxy, `X-Forwarded-Proto:
// https` or a public URL (`TESSERA_PUBLIC_URL`) starting with `https:` says so.

import type { Principal, Security } from '../../../engine/index.js';
import { csrfHeaderName, sessionTokenFromCookies } from '../../../engine/index.js';
import type { Authenticator, RawRequest } from './router.js';

const bearerPattern = /^Bearer +([\x21-\x7e]+) *$/i;

/** The principal of the API key in an `Authorization: Bearer` header, if any (synchronous: the WebSocket upgrade uses it too). */
export function apiKeyPrincipalOf(security: Pick<Security, 'apiKeys'>, headers: Readonly<Record<string, string>>): Principal | undefined {
  const header = headers['authorization'];
  if (header === undefined) return undefined;
  const token = bearerPattern.exec(header)?.[1];
  return token === undefined ? undefined : security.apiKeys.authenticate(token);
}

/** A program's API key, sent as `Authorization: Bearer tsk_…` (`tessera apikey create`); revocation counts from the next request. */
export function bearerAuthenticator(security: Pick<Security, 'apiKeys'>): Authenticator {
  return (request) => apiKeyPrincipalOf(security, request.headers);
}

export interface TlsOptions {
  /** The address people open (TESSERA_PUBLIC_URL); `https:` makes every cookie Secure. */
  publicUrl?: string | undefined;
}

/** Whether the browser talks to the server over TLS (directly or through a proxy that says so). */
export function requestIsTls(headers: Readonly<Record<string, string>>, options: TlsOptions = {}): boolean {
  if (options.publicUrl !== undefined && options.publicUrl.toLowerCase().startsWith('https:')) return true;
  const forwarded = headers['x-forwarded-proto'];
  return forwarded !== undefined && forwarded.split(',')[0]?.trim().toLowerCase() === 'https';
}

/** The session token a request's cookie carries (the cookie name follows the request's TLS). */
export function sessionTokenOf(headers: Readonly<Record<string, string>>, options: TlsOptions = {}): string | undefined {
  return sessionTokenFromCookies(headers['cookie'], { tls: requestIsTls(headers, options) });
}

/** A signed-in person: the session cookie, validated (its last use moves to now). */
export function sessionAuthenticator(security: Security, options: TlsOptions = {}): Authenticator {
  return (request: RawRequest): Principal | undefined => {
    const token = sessionTokenOf(request.headers, options);
    return token === undefined ? undefined : security.validateSession(token);
  };
}

/** The router's CSRF check: a cookie-authenticated write carries its session's token in X-CSRF-Token. */
export function csrfCheck(security: Security): (principal: Principal, request: RawRequest) => boolean {
  return (principal, request) => security.checkCsrf(principal, request.headers[csrfHeaderName]);
}
