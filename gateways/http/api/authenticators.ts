// Who is asking, for the router (`RouterOptions.authenticators`, tried in order): each reads one kind
// of credential from the request and answers its principal, or undefined when that credential is
// absent or not valid — the router then answers 401 UNAUTHENTICATED, the same for every reason.

import type { Security } from '../../../engine/index.js';
import type { Authenticator } from './router.js';

const bearerPattern = /^Bearer +([\x21-\x7e]+) *$/i;

/** A program's API key, sent as `Authorization: Bearer tsk_…` (`tessera apikey create`); revocation counts from the next request. */
export function bearerAuthenticator(security: Pick<Security, 'apiKeys'>): Authenticator {
  return (request) => {
    const header = request.headers['authorization'];
    if (header === undefined) return undefined;
    const token = bearerPattern.exec(header)?.[1];
    return token === undefined ? undefined : security.apiKeys.authenticate(token);
  };
}
