// Users of a network: people who sign in, each with one role; operators and attendants work at some
// sites, a client user is bound to one counterparty or client record. Stored as reference data in
// the engine's LMDB (`security-user`, `security-user-email`), every change journalled in the
// network's audit log with who, when, from where, before and after — never the password hash or the
// authenticator secret. Who may change what is the permission matrix's: `users.manage`, plus
// `owners.manage` for anything touching an owner and `users.delete` to delete (owners only).

import { z } from '../validation.js';
import { constants } from '../constants.js';
import { identifier } from '../network/schema.js';
import type { LmdbStore } from '../store/lmdb-store.js';
import type { AuditActor, AuditLog, AuditKind, AuditTarget } from './audit.js';
import { actorOf } from './audit.js';
import type { Action, RefusalCode } from './permissions.js';
import { authorize } from './permissions.js';
import type { OwnerRef, Principal, Role } from './principal.js';
import { ownerKinds, roles, siteScopedRoles } from './principal.js';
import { passwordProblem } from './password.js';
import type { PasswordHasher } from './password.js';
import { newId } from './secrets.js';

export const userStatuses = ['active', 'disabled'] as const;
export type UserStatus = (typeof userStatuses)[number];

export interface StoredUser {
  id: string;
  network: string;
  email: string;
  name?: string | undefined;
  role: Role;
  /** Sites of an operator or attendant (empty for other roles: they reach the whole network). */
  sites: string[];
  owner?: OwnerRef | undefined;
  status: UserStatus;
  passwordHash: string;
  passwordChangedAt: number;
  /** An enrolled authenticator: its secret sealed with the security key, and the last time step used. */
  totp?: { sealed: string; enrolledAt: number; lastStep: number } | undefined;
  /** An enrolment begun and not yet confirmed with a first code. */
  totpPending?: { sealed: string; startedAt: number } | undefined;
  createdAt: number;
  updatedAt: number;
}

/** A user as shown to others and in the audit: no hash, no secret. */
export interface UserView {
  id: string;
  network: string;
  email: string;
  name?: string | undefined;
  role: Role;
  sites: string[];
  owner?: OwnerRef | undefined;
  status: UserStatus;
  authenticator: boolean;
  createdAt: number;
  updatedAt: number;
}

export function viewOf(user: StoredUser): UserView {
  return {
    id: user.id,
    network: user.network,
    email: user.email,
    ...(user.name !== undefined ? { name: user.name } : {}),
    role: user.role,
    sites: [...user.sites],
    ...(user.owner !== undefined ? { owner: { ...user.owner } } : {}),
    status: user.status,
    authenticator: user.totp !== undefined,
    createdAt: user.createdAt,
    updatedAt: user.updatedAt,
  };
}

export function principalOfUser(user: StoredUser, sessionId?: string): Principal {
  return {
    kind: 'user',
    id: user.id,
    network: user.network,
    role: user.role,
    sites: siteScopedRoles.has(user.role) ? [...user.sites] : 'all',
    ...(user.owner !== undefined ? { owner: { ...user.owner } } : {}),
    ...(sessionId !== undefined ? { sessionId } : {}),
    label: user.email,
  };
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

const email = z.string().trim().max(constants.emailLengthMax).pipe(z.email());
const ownerRef = z.strictObject({ kind: z.enum(ownerKinds), id: identifier });
const name = z.string().min(1).max(constants.nameLengthMax).regex(/^[^\u0000-\u001f\u007f]*$/, 'control characters are not allowed');

export const newUserSchema = z.strictObject({
  network: identifier,
  email,
  name: name.optional(),
  role: z.enum(roles),
  password: z.string().min(1).max(constants.passwordLengthMax),
  sites: z.array(identifier).max(constants.userSitesMax).optional(),
  owner: ownerRef.optional(),
});
export type NewUser = z.input<typeof newUserSchema>;

export const userChangeSchema = z.strictObject({
  email: email.optional(),
  name: name.optional(),
  role: z.enum(roles).optional(),
  sites: z.array(identifier).max(constants.userSitesMax).optional(),
  owner: ownerRef.nullable().optional(),
});
export type UserChange = z.input<typeof userChangeSchema>;

export const userErrorCodes = ['BAD_REQUEST', 'FORBIDDEN', 'NOT_FOUND', 'EMAIL_TAKEN', 'LAST_OWNER', 'PASSWORD_WRONG', 'LIMIT_REACHED'] as const;
export type UserErrorCode = (typeof userErrorCodes)[number];

/** Where in the request a refused value is (a field path, '' for the whole request) and what is wrong with it. */
export interface FieldIssue {
  path: string;
  message: string;
}
export type UserRefusal = { ok: false; code: UserErrorCode; message: string; issues?: FieldIssue[] };
export type UserResult<T> = { ok: true; value: T } | UserRefusal;

/** Who makes a change: a principal, or the system itself (the CLI creating the first owner). */
export type Changer = Principal | { kind: 'system'; id: string };

export interface ChangeContext {
  address?: string | undefined;
}

/** What the directory checks against the network's reference data (sites and owners that exist). */
export interface ReferenceChecks {
  site(network: string, site: string): boolean;
  owner(network: string, owner: OwnerRef): boolean;
}

/** What is wrong with a role's reach (sites, owner) for a user or an API key, or undefined. */
export function reachProblem(checks: ReferenceChecks, network: string, role: Role, sites: readonly string[], owner: OwnerRef | undefined): FieldIssue | undefined {
  if (siteScopedRoles.has(role) && sites.length === 0) return { path: 'sites', message: `an ${role} works at one site at least (sites)` };
  if (!siteScopedRoles.has(role) && sites.length > 0) return { path: 'sites', message: `an ${role} reaches the whole network: no sites` };
  for (const site of sites) if (!checks.site(network, site)) return { path: 'sites', message: `site ${site} is not a site of network ${network}` };
  if (role === 'client' && owner === undefined) return { path: 'owner', message: 'a client is bound to one counterparty or client (owner)' };
  if (role !== 'client' && owner !== undefined) return { path: 'owner', message: 'only a client is bound to a counterparty or client' };
  if (owner !== undefined && !checks.owner(network, owner)) return { path: 'owner', message: `${owner.kind} ${owner.id} is not known in network ${network}` };
  return undefined;
}

/** A refused request body: the issues of a schema, each with its field path. */
export function schemaIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[]): FieldIssue[] {
  return issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }));
}

/** One message for a list of issues ("sites: …; owner: …"). */
export function issuesMessage(issues: readonly FieldIssue[], whole: string): string {
  return issues.map((issue) => `${issue.path || whole}: ${issue.message}`).join('; ');
}

const userKind = 'security-user';
const emailKind = 'security-user-email';
const userRef = (network: string, id: string): string => `${network}:${id}`;

/**
 * The first of `needed` that `by` does not hold in `network`, with the refusal written to the audit
 * (what the user directory and the API keys refuse alike); the system holds every action. The target
 * is named only to a principal of the network (a FORBIDDEN one).
 */
export function auditedRefusal(
  audit: AuditLog,
  by: Changer,
  network: string,
  needed: readonly Action[],
  context: ChangeContext,
  attempted: AuditKind,
  target: AuditTarget | undefined,
): { code: RefusalCode; role: Role } | undefined {
  if (by.kind === 'system') return undefined;
  for (const action of needed) {
    const decision = authorize(by, action, { network });
    if (decision.allowed) continue;
    audit.record({
      network: by.network,
      kind: 'access.refused',
      action,
      actor: actorOf(by),
      address: context.address,
      ...(target !== undefined && decision.code === 'FORBIDDEN' ? { target } : {}),
      outcome: 'refused',
      reason: decision.code,
      after: { attempted },
    });
    return { code: decision.code, role: by.role };
  }
  return undefined;
}

function fail(code: UserErrorCode, message: string, issues?: FieldIssue[]): UserRefusal {
  return { ok: false, code, message, ...(issues !== undefined ? { issues } : {}) };
}

/** A refusal of the request's fields: BAD_REQUEST with the issues. */
function invalid(issues: FieldIssue[], whole: string): UserRefusal {
  return fail('BAD_REQUEST', issuesMessage(issues, whole), issues);
}

export class UserDirectory {
  /** Called when a user's sessions must end (disabled, deleted, password changed). */
  onRevoke: (user: StoredUser, reason: 'disabled' | 'deleted' | 'password_changed' | 'role_changed', exceptSessionId?: string) => void = () => undefined;

  private readonly pendingEmails = new Set<string>();

  constructor(
    private readonly store: LmdbStore,
    private readonly audit: AuditLog,
    private readonly hasher: PasswordHasher,
    private readonly checks: ReferenceChecks,
    private readonly now: () => number,
  ) {}

  get(network: string, id: string): StoredUser | undefined {
    return this.store.getReference<StoredUser>(userKind, userRef(network, id));
  }

  byEmail(network: string, address: string): StoredUser | undefined {
    const id = this.store.getReference<string>(emailKind, userRef(network, normalizeEmail(address)));
    return id === undefined ? undefined : this.get(network, id);
  }

  /** Users of a network (for `users.read`). */
  list(network: string): UserView[] {
    const result: UserView[] = [];
    for (const { value } of this.store.referencesOf<StoredUser>(userKind)) if (value.network === network) result.push(viewOf(value));
    return result;
  }

  count(network: string): number {
    let count = 0;
    for (const { value } of this.store.referencesOf<StoredUser>(userKind)) if (value.network === network) count++;
    return count;
  }

  async create(input: NewUser, by: Changer, context: ChangeContext = {}): Promise<UserResult<UserView>> {
    const parsed = newUserSchema.safeParse(input);
    if (!parsed.success) return invalid(schemaIssues(parsed.error.issues), 'user');
    const data = parsed.data;
    const refusal = this.refuse(by, data.network, data.role === 'owner' ? ['users.manage', 'owners.manage'] : ['users.manage'], context, 'user.created');
    if (refusal) return refusal;
    const shape = this.checkShape(data.network, data.role, data.sites ?? [], data.owner);
    if (shape) return fail('BAD_REQUEST', shape.message, [shape]);
    const problem = passwordProblem(data.password);
    if (problem) return fail('BAD_REQUEST', problem, [{ path: 'password', message: problem }]);
    const address = normalizeEmail(data.email);
    if (this.store.hasReference(emailKind, userRef(data.network, address))) return fail('EMAIL_TAKEN', 'a user with this e-mail exists');
    if (this.count(data.network) >= constants.usersPerNetworkMax) return fail('LIMIT_REACHED', `a network has at most ${constants.usersPerNetworkMax} users`);
    // Writes become visible when they commit: addresses being created are held here meanwhile.
    const pendingKey = userRef(data.network, address);
    if (this.pendingEmails.has(pendingKey)) return fail('EMAIL_TAKEN', 'a user with this e-mail exists');
    this.pendingEmails.add(pendingKey);
    try {
      return await this.createHeld(data, address, by, context);
    } finally {
      this.pendingEmails.delete(pendingKey);
    }
  }

  private async createHeld(data: z.output<typeof newUserSchema>, address: string, by: Changer, context: ChangeContext): Promise<UserResult<UserView>> {
    const passwordHash = await this.hasher.hash(data.password);
    const now = this.now();
    const user: StoredUser = {
      id: newId('u'),
      network: data.network,
      email: address,
      ...(data.name !== undefined ? { name: data.name } : {}),
      role: data.role,
      sites: siteScopedRoles.has(data.role) ? [...new Set(data.sites ?? [])] : [],
      ...(data.owner !== undefined ? { owner: data.owner } : {}),
      status: 'active',
      passwordHash,
      passwordChangedAt: now,
      createdAt: now,
      updatedAt: now,
    };
    this.save(user);
    this.store.putReference(emailKind, userRef(user.network, address), user.id);
    this.record(by, 'user.created', user, undefined, viewOf(user), context);
    await this.store.flushed();
    return { ok: true, value: viewOf(user) };
  }

  async update(network: string, id: string, change: UserChange, by: Changer, context: ChangeContext = {}): Promise<UserResult<UserView>> {
    const parsed = userChangeSchema.safeParse(change);
    if (!parsed.success) return invalid(schemaIssues(parsed.error.issues), 'change');
    const before = this.get(network, id);
    if (!before) return this.notFound(by, network, 'users.manage', context);
    const data = parsed.data;
    const role = data.role ?? before.role;
    const touchesOwner = before.role === 'owner' || role === 'owner';
    const refusal = this.refuse(by, network, touchesOwner ? ['users.manage', 'owners.manage'] : ['users.manage'], context, 'user.updated', id);
    if (refusal) return refusal;
    const owner = data.owner === null ? undefined : (data.owner ?? before.owner);
    const sites = data.sites ?? before.sites;
    const shape = this.checkShape(network, role, sites, owner);
    if (shape) return fail('BAD_REQUEST', shape.message, [shape]);
    if (before.role === 'owner' && role !== 'owner' && this.otherActiveOwners(network, id) === 0) return fail('LAST_OWNER', 'the last active owner stays an owner');
    const address = data.email !== undefined ? normalizeEmail(data.email) : before.email;
    if (address !== before.email && this.store.hasReference(emailKind, userRef(network, address))) return fail('EMAIL_TAKEN', 'a user with this e-mail exists');
    const after: StoredUser = {
      ...before,
      email: address,
      ...(data.name !== undefined ? { name: data.name } : {}),
      role,
      sites: siteScopedRoles.has(role) ? [...new Set(sites)] : [],
      owner,
      updatedAt: this.now(),
    };
    if (after.owner === undefined) delete after.owner;
    this.save(after);
    if (address !== before.email) {
      this.store.removeReference(emailKind, userRef(network, before.email));
      this.store.putReference(emailKind, userRef(network, address), id);
    }
    this.record(by, 'user.updated', after, viewOf(before), viewOf(after), context);
    // Live sockets filter by role, sites and owner as they were at sign-in: a change ends the sessions.
    const reach = (user: StoredUser): string => JSON.stringify([user.role, user.sites, user.owner ?? null]);
    if (reach(before) !== reach(after)) this.onRevoke(after, 'role_changed');
    await this.store.flushed();
    return { ok: true, value: viewOf(after) };
  }

  async setStatus(network: string, id: string, status: UserStatus, by: Changer, context: ChangeContext = {}): Promise<UserResult<UserView>> {
    const before = this.get(network, id);
    if (!before) return this.notFound(by, network, 'users.manage', context);
    const kind: AuditKind = status === 'disabled' ? 'user.disabled' : 'user.enabled';
    const refusal = this.refuse(by, network, before.role === 'owner' ? ['users.manage', 'owners.manage'] : ['users.manage'], context, kind, id);
    if (refusal) return refusal;
    if (before.status === status) return { ok: true, value: viewOf(before) };
    if (status === 'disabled' && before.role === 'owner' && this.otherActiveOwners(network, id) === 0) return fail('LAST_OWNER', 'the last active owner cannot be disabled');
    const after: StoredUser = { ...before, status, updatedAt: this.now() };
    this.save(after);
    this.record(by, kind, after, viewOf(before), viewOf(after), context);
    if (status === 'disabled') this.onRevoke(after, 'disabled');
    await this.store.flushed();
    return { ok: true, value: viewOf(after) };
  }

  async delete(network: string, id: string, by: Changer, context: ChangeContext = {}): Promise<UserResult<UserView>> {
    const before = this.get(network, id);
    if (!before) return this.notFound(by, network, 'users.delete', context);
    const refusal = this.refuse(by, network, before.role === 'owner' ? ['users.delete', 'owners.manage'] : ['users.delete'], context, 'user.deleted', id);
    if (refusal) return refusal;
    if (before.role === 'owner' && this.otherActiveOwners(network, id) === 0) return fail('LAST_OWNER', 'the last active owner cannot be deleted');
    this.store.removeReference(userKind, userRef(network, id));
    this.store.removeReference(emailKind, userRef(network, before.email));
    this.record(by, 'user.deleted', before, viewOf(before), undefined, context);
    this.onRevoke(before, 'deleted');
    await this.store.flushed();
    return { ok: true, value: viewOf(before) };
  }

  /** A user changes its own password (the current one is checked); its other sessions end. */
  async changePassword(principal: Principal, current: string, next: string, context: ChangeContext = {}): Promise<UserResult<UserView>> {
    const user = principal.kind === 'user' ? this.get(principal.network, principal.id) : undefined;
    if (!user) return fail('FORBIDDEN', 'only a signed-in user changes its password');
    const problem = passwordProblem(next);
    if (problem) return fail('BAD_REQUEST', problem, [{ path: 'newPassword', message: problem }]);
    if (!(await this.hasher.verify(user.passwordHash, current))) {
      this.audit.record({ network: user.network, kind: 'user.password_changed', action: 'profile.manage', actor: actorOf(principal), address: context.address, target: { type: 'user', id: user.id }, outcome: 'failed', reason: 'PASSWORD_WRONG' });
      await this.store.flushed();
      return fail('PASSWORD_WRONG', 'the current password is not right');
    }
    return this.storePassword(user, await this.hasher.hash(next), principal, context, principal.sessionId);
  }

  /** An admin or owner sets another user's password; all of that user's sessions end. */
  async resetPassword(network: string, id: string, next: string, by: Changer, context: ChangeContext = {}): Promise<UserResult<UserView>> {
    const user = this.get(network, id);
    if (!user) return this.notFound(by, network, 'users.manage', context);
    const refusal = this.refuse(by, network, user.role === 'owner' ? ['users.manage', 'owners.manage'] : ['users.manage'], context, 'user.password_changed', id);
    if (refusal) return refusal;
    const problem = passwordProblem(next);
    if (problem) return fail('BAD_REQUEST', problem, [{ path: 'password', message: problem }]);
    return this.storePassword(user, await this.hasher.hash(next), by, context, undefined);
  }

  /** Saves a user record changed by sign-in or enrolment (not a directory change: no audit here). */
  save(user: StoredUser): void {
    this.store.putReference(userKind, userRef(user.network, user.id), user);
  }

  private async storePassword(user: StoredUser, passwordHash: string, by: Changer, context: ChangeContext, keepSessionId: string | undefined): Promise<UserResult<UserView>> {
    const now = this.now();
    const fresh = this.get(user.network, user.id) ?? user;
    const after: StoredUser = { ...fresh, passwordHash, passwordChangedAt: now, updatedAt: now };
    this.save(after);
    this.record(by, 'user.password_changed', after, undefined, undefined, context);
    this.onRevoke(after, 'password_changed', keepSessionId);
    await this.store.flushed();
    return { ok: true, value: viewOf(after) };
  }

  private otherActiveOwners(network: string, exceptId: string): number {
    let count = 0;
    for (const { value } of this.store.referencesOf<StoredUser>(userKind)) if (value.network === network && value.id !== exceptId && value.role === 'owner' && value.status === 'active') count++;
    return count;
  }

  private checkShape(network: string, role: Role, sites: readonly string[], owner: OwnerRef | undefined): FieldIssue | undefined {
    return reachProblem(this.checks, network, role, sites, owner);
  }

  /** Refuses (and audits the refusal) unless `by` holds every one of `needed`. */
  private refuse(by: Changer, network: string, needed: readonly Action[], context: ChangeContext, kind: AuditKind, targetId?: string): UserRefusal | undefined {
    const refused = auditedRefusal(this.audit, by, network, needed, context, kind, targetId !== undefined ? { type: 'user', id: targetId } : undefined);
    return refused && fail(refused.code, refused.code === 'NOT_FOUND' ? 'no such user' : `the ${refused.role} role may not do this`);
  }

  private notFound(by: Changer, network: string, action: Action, context: ChangeContext): UserRefusal {
    // A principal that may not manage users learns nothing from an id: the same refusal either way.
    if (by.kind !== 'system') {
      const decision = authorize(by, action, { network });
      if (!decision.allowed) return this.refuse(by, network, [action], context, 'user.updated') ?? fail('NOT_FOUND', 'no such user');
    }
    return fail('NOT_FOUND', 'no such user');
  }

  private record(by: Changer, kind: AuditKind, user: StoredUser, before: UserView | undefined, after: UserView | undefined, context: ChangeContext): void {
    const actor: AuditActor = by.kind === 'system' ? { kind: 'system', id: by.id } : actorOf(by);
    this.audit.record({
      network: user.network,
      kind,
      action: kind === 'user.deleted' ? 'users.delete' : kind === 'user.password_changed' && by.kind !== 'system' && by.id === user.id ? 'profile.manage' : 'users.manage',
      actor,
      address: context.address,
      target: { type: 'user', id: user.id },
      ...(before !== undefined ? { before } : {}),
      ...(after !== undefined ? { after } : {}),
      outcome: 'ok',
    });
  }
}
