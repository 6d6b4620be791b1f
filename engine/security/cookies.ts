// The cookies the HTTP layer sets: one helper builds every Set-Cookie value, so the attributes are
// decided once. The session cookie is httpOnly (no script reads it), SameSite=Strict (no other site's
// page sends it), Path=/, Secure whenever the page is served over TLS, and lives as long as the
// session may (Max-Age: the absolute timeout). The `__Host-` prefix (Secure, no Domain, Path=/) is
// used over TLS, so a sibling subdomain cannot plant one. The CSRF token is not a cookie: it is
// returned in the sign-in answer and sent back in the `X-CSRF-Token` header.

import { constants } from '../constants.js';

export const csrfHeaderName = 'x-csrf-token';

export function sessionCookieName(tls: boolean): string {
  return tls ? '__Host-tessera_session' : 'tessera_session';
}

/** The Set-Cookie value for a new session token. */
export function sessionCookie(token: string, options: { tls: boolean }): string {
  return [
    `${sessionCookieName(options.tls)}=${token}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Strict',
    `Max-Age=${Math.floor(constants.userSessionAbsoluteMs / 1000)}`,
    ...(options.tls ? ['Secure'] : []),
  ].join('; ');
}

/** The Set-Cookie value that removes the session cookie (logout, an ended session). */
export function clearedSessionCookie(options: { tls: boolean }): string {
  return [`${sessionCookieName(options.tls)}=`, 'Path=/', 'HttpOnly', 'SameSite=Strict', 'Max-Age=0', ...(options.tls ? ['Secure'] : [])].join('; ');
}

/** The session token from a Cookie header, if it has one. */
export function sessionTokenFromCookies(header: string | undefined, options: { tls: boolean }): string | undefined {
  if (header === undefined) return undefined;
  const name = sessionCookieName(options.tls);
  for (const part of header.split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=') || undefined;
  }
  return undefined;
}
