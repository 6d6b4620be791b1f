// Who is asking: a person signed in (a user session) or a program (an API key). Both become the same
// Principal, and the same `authorize` decides for both. A principal carries what decisions need — its
// network, role, the sites it is scoped to and, for a client, the one counterparty or client record
// it is bound to — and an id for the audit.

export const roles = ['owner', 'admin', 'accountant', 'operator', 'attendant', 'client'] as const;
export type Role = (typeof roles)[number];

export function isRole(value: string): value is Role {
  return (roles as readonly string[]).includes(value);
}

/** Roles whose people work at some sites only: their principal lists those sites. */
export const siteScopedRoles: ReadonlySet<Role> = new Set<Role>(['operator', 'attendant']);

/** What a client user (or a client's API key) is bound to: one corporate counterparty or one club/loyalty client. */
export const ownerKinds = ['counterparty', 'client'] as const;
export type OwnerKind = (typeof ownerKinds)[number];

export interface OwnerRef {
  kind: OwnerKind;
  id: string;
}

export const principalKinds = ['user', 'apikey'] as const;
export type PrincipalKind = (typeof principalKinds)[number];

export interface Principal {
  /** A person's session (`user`) or a program's key (`apikey`). */
  kind: PrincipalKind;
  /** The user id or the API key id: who the audit names. */
  id: string;
  network: string;
  role: Role;
  /** Sites of an operator or attendant; `all` for every other role. */
  sites: readonly string[] | 'all';
  /** The record a client is bound to (set exactly when `role` is `client`). */
  owner?: OwnerRef | undefined;
  /** The user session behind a `user` principal (logout, CSRF, the WebSocket's close). */
  sessionId?: string | undefined;
  /** A readable name for logs and the audit: the user's e-mail or the key's label. */
  label?: string | undefined;
}

export function sameOwner(a: OwnerRef | undefined, b: OwnerRef | undefined): boolean {
  return a !== undefined && b !== undefined && a.kind === b.kind && a.id === b.id;
}

/** The principal of an API key: the same shape `authorize` reads (a key's reach is checked when it is made). */
export function apiKeyPrincipal(key: { id: string; network: string; role: Role; sites?: readonly string[] | undefined; owner?: OwnerRef | undefined; label?: string | undefined }): Principal {
  if (key.role === 'client' && key.owner === undefined) throw new Error('a client key is bound to a counterparty or client');
  if (siteScopedRoles.has(key.role) && (key.sites === undefined || key.sites.length === 0)) throw new Error(`an ${key.role} key names its sites`);
  return {
    kind: 'apikey',
    id: key.id,
    network: key.network,
    role: key.role,
    sites: siteScopedRoles.has(key.role) ? [...(key.sites ?? [])] : 'all',
    ...(key.role === 'client' && key.owner !== undefined ? { owner: { ...key.owner } } : {}),
    ...(key.label !== undefined ? { label: key.label } : {}),
  };
}
