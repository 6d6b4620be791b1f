// Who may open a live stream on `/ws`: the upgrade is authenticated like an API request — the session
// cookie of a signed-in person, or a program's API key (`Authorization: Bearer`) — and the principal
// becomes a viewer scoped by the permission matrix: staff need `dashboard.read` (an operator or an
// attendant watches its own sites only), a client watches its own account's feed. The viewer's id is
// the user session's, so the socket closes when that session ends (`closeEndedSessions`).

import type { Principal, Security } from '../../engine/index.js';
import { accountKeyFor } from '../../engine/index.js';
import type { TlsOptions } from './api/authenticators.js';
import { sessionTokenOf } from './api/authenticators.js';
import type { HttpGateway } from './server.js';
import type { SocketAuthenticator, StreamViewer, UpgradeRequest } from './streams.js';

/** Finds the principal of an upgrade request (synchronous: the upgrade answers in its callback). */
export type UpgradePrincipal = (request: UpgradeRequest) => Principal | undefined;

/** The signed-in person of the session cookie. */
export function sessionPrincipal(security: Security, options: TlsOptions = {}): UpgradePrincipal {
  return (request) => {
    const token = sessionTokenOf(request.headers, options);
    return token === undefined ? undefined : security.validateSession(token);
  };
}

/** What a principal may watch, or undefined (refused, and the refusal audited). */
export function viewerOf(security: Security, principal: Principal, address: string): StreamViewer | undefined {
  const id = principal.kind === 'user' && principal.sessionId !== undefined ? principal.sessionId : `${principal.kind}:${principal.id}`;
  if (principal.role === 'client') {
    // A client has no dashboard: it watches what its own account does.
    const scope = security.scopeOfQuery(principal, 'transactions.read', principal.network, { address });
    if (!scope.allowed || scope.owner === undefined) return undefined;
    return { id, network: principal.network, account: accountKeyFor(principal.network, scope.owner.kind, scope.owner.id) };
  }
  const scope = security.scopeOfQuery(principal, 'dashboard.read', principal.network, { address });
  if (!scope.allowed) return undefined;
  return scope.sites === 'all' ? { id, network: principal.network } : { id, network: principal.network, sites: [...scope.sites] };
}

/** The upgrade's authenticator: the first principal found decides; none → 401. */
export function principalViewers(security: Security, finders: readonly UpgradePrincipal[]): SocketAuthenticator {
  return (request) => {
    for (const find of finders) {
      const principal = find(request);
      if (principal !== undefined) return viewerOf(security, principal, request.remote);
    }
    return undefined;
  };
}

/**
 * For development only (`--dev-open-streams`): a request with no credential from this machine watches
 * the network named in the query (`/ws?network=ID`) as before people signed in. Credentials still win.
 */
export function withLoopbackViewers(authenticate: SocketAuthenticator, loopback: SocketAuthenticator): SocketAuthenticator {
  return (request) => authenticate(request) ?? loopback(request);
}

/** Closes the live sockets of every user session that ends (logout, password change, disabled user, timeout) and of every API key revoked. */
export function closeEndedSessions(security: Security, http: Pick<HttpGateway, 'streams'>): () => void {
  const sessions = security.onSessionEnded((ended) => {
    http.streams.endViewers((viewer) => viewer.id === ended.sessionId);
  });
  const keys = security.apiKeys.onRevoked((key) => {
    http.streams.endViewers((viewer) => viewer.id === `apikey:${key.id}`);
  });
  return () => {
    sessions();
    keys();
  };
}

/** Allowed origins of a server: its public URL's and those listed (TESSERA_ALLOWED_ORIGINS, comma-separated). */
export function allowedOriginsOf(publicUrl: string | undefined, listed: string | undefined): string[] {
  const origins = new Set<string>();
  const add = (text: string): void => {
    try {
      origins.add(new URL(text).origin);
    } catch {
      throw new Error(`not an origin (scheme://host[:port]): ${text}`);
    }
  };
  if (publicUrl !== undefined && publicUrl !== '') add(publicUrl);
  for (const entry of (listed ?? '').split(',')) if (entry.trim() !== '') add(entry.trim());
  return [...origins];
}
