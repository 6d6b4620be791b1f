// API keys: how programs (accounting, BI, a site's till software) call the HTTP API. A key is one
// network's, with one role and the reach a user of that role would have (sites for an operator or
// attendant, the one counterparty or client record for a client). It is shown once, as
// `tsk_<id>_<secret>` (a random 256-bit secret), and kept only as a keyed hash of the whole key
// (`SecurityKeys.tokenHash`), as reference data in the engine's LMDB (`security-apikey`) — not in
// the read model, which can be dropped and rebuilt. `authenticate` answers the same `undefined` for
// a malformed, unknown or revoked key, after the same work (one HMAC, one constant-time compare).
// A revocation is on disk before `revoke` resolves, so the next request with that key is refused.
// Who may make a key is the permission matrix's: `apikeys.manage`, plus `owners.manage` for an owner
// key, as for users (a principal cannot give a key more than it could give a person).

import { randomBytes } from 'node:crypto';
import { z } from '../validation.js';
import { constants } from '../constants.js';
import { identifier } from '../network/schema.js';
import type { LmdbStore } from '../store/lmdb-store.js';
import type { AuditActor, AuditKind, AuditLog } from './audit.js';
import { actorOf } from './audit.js';
import type { Action } from './permissions.js';
import { authorize } from './permissions.js';
import type { OwnerRef, Principal, PrincipalKind, Role } from './principal.js';
import { apiKeyPrincipal, ownerKinds, roles, siteScopedRoles } from './principal.js';
import type { SecurityKeys } from './secrets.js';
import { equalHashes } from './secrets.js';
import type { ChangeContext, Changer, ReferenceChecks } from './users.js';
import { auditedRefusal, issuesMessage, reachProblem, schemaIssues } from './users.js';
import type { FieldIssue } from './users.js';

/** Who made or revoked a key: a user, another key, or the system (the CLI). */
export interface ApiKeyChanger {
  kind: PrincipalKind | 'system';
  id: string;
}

export interface StoredApiKey {
  id: string;
  network: string;
  role: Role;
  /** Sites of an operator or attendant key (empty for other roles). */
  sites: string[];
  owner?: OwnerRef | undefined;
  label?: string | undefined;
  /** The keyed hash of the whole key; the key itself is never stored. */
  hash: string;
  createdAt: number;
  createdBy: ApiKeyChanger;
  revokedAt?: number | undefined;
  revokedBy?: ApiKeyChanger | undefined;
}

/** A key as listed and audited: never its secret or hash. */
export interface ApiKeyView {
  id: string;
  network: string;
  role: Role;
  sites: string[];
  owner?: OwnerRef | undefined;
  label?: string | undefined;
  createdAt: number;
  createdBy: ApiKeyChanger;
  revokedAt?: number | undefined;
}

export function apiKeyViewOf(key: StoredApiKey): ApiKeyView {
  return {
    id: key.id,
    network: key.network,
    role: key.role,
    sites: [...key.sites],
    ...(key.owner !== undefined ? { owner: { ...key.owner } } : {}),
    ...(key.label !== undefined ? { label: key.label } : {}),
    createdAt: key.createdAt,
    createdBy: { ...key.createdBy },
    ...(key.revokedAt !== undefined ? { revokedAt: key.revokedAt } : {}),
  };
}

const label = z
  .string()
  .trim()
  .min(1)
  .max(constants.apiKeyLabelLengthMax)
  .regex(/^[^\u0000-\u001f\u007f]*$/, 'control characters are not allowed');

export const newApiKeySchema = z.strictObject({
  network: identifier,
  role: z.enum(roles),
  sites: z.array(identifier).max(constants.userSitesMax).optional(),
  owner: z.strictObject({ kind: z.enum(ownerKinds), id: identifier }).optional(),
  label: label.optional(),
});
export type NewApiKey = z.input<typeof newApiKeySchema>;

export const apiKeyErrorCodes = ['BAD_REQUEST', 'FORBIDDEN', 'NOT_FOUND', 'LIMIT_REACHED'] as const;
export type ApiKeyErrorCode = (typeof apiKeyErrorCodes)[number];
export type ApiKeyResult<T> = { ok: true; value: T } | { ok: false; code: ApiKeyErrorCode; message: string; issues?: FieldIssue[] };

/** A key made: its record, and the key itself (shown this once). */
export interface CreatedApiKey {
  key: ApiKeyView;
  token: string;
}

/** `tsk_` + the id (`k` and hex: no underscore) + `_` + the secret (base64url). */
export const apiKeyTokenPattern = /^tsk_(k[0-9a-f]{18})_([A-Za-z0-9_-]{43})$/;
const apiKeyTokenLengthMax = 80;

const apiKeyKind = 'security-apikey';

function fail<T>(code: ApiKeyErrorCode, message: string, issues?: FieldIssue[]): ApiKeyResult<T> {
  return { ok: false, code, message, ...(issues !== undefined ? { issues } : {}) };
}

export class ApiKeys {
  /** Keys being created per network, not yet committed (reads do not see them): counted against the limit. */
  private readonly pending = new Map<string, number>();
  /** What a malformed or unknown key is compared with: the same work as for a known one. */
  private readonly dummyHash: string;
  private readonly revokedListeners = new Set<(key: ApiKeyView) => void>();

  constructor(
    private readonly store: LmdbStore,
    private readonly keys: SecurityKeys,
    private readonly audit: AuditLog,
    private readonly checks: ReferenceChecks,
    private readonly now: () => number,
  ) {
    this.dummyHash = keys.tokenHash(`tsk_k000000000000000000_${randomBytes(constants.apiKeySecretBytes).toString('base64url')}`);
  }

  /** Makes a key; the answer carries the key itself, which nothing keeps. */
  async create(input: NewApiKey, by: Changer, context: ChangeContext = {}): Promise<ApiKeyResult<CreatedApiKey>> {
    const parsed = newApiKeySchema.safeParse(input);
    if (!parsed.success) {
      const issues = schemaIssues(parsed.error.issues);
      return fail('BAD_REQUEST', issuesMessage(issues, 'key'), issues);
    }
    const data = parsed.data;
    const refusal = this.refuse<CreatedApiKey>(by, data.network, data.role === 'owner' ? ['apikeys.manage', 'owners.manage'] : ['apikeys.manage'], context, 'apikey.created');
    if (refusal) return refusal;
    const sites = [...new Set(data.sites ?? [])];
    const problem = reachProblem(this.checks, data.network, data.role, sites, data.owner);
    if (problem) return fail('BAD_REQUEST', problem.message, [problem]);
    const pending = this.pending.get(data.network) ?? 0;
    if (this.activeCount(data.network) + pending >= constants.apiKeysPerNetworkMax) return fail('LIMIT_REACHED', `a network has at most ${constants.apiKeysPerNetworkMax} keys not revoked`);
    const id = `k${randomBytes(9).toString('hex')}`;
    const token = `tsk_${id}_${randomBytes(constants.apiKeySecretBytes).toString('base64url')}`;
    const key: StoredApiKey = {
      id,
      network: data.network,
      role: data.role,
      sites: siteScopedRoles.has(data.role) ? sites : [],
      ...(data.owner !== undefined ? { owner: { ...data.owner } } : {}),
      ...(data.label !== undefined ? { label: data.label } : {}),
      hash: this.keys.tokenHash(token),
      createdAt: this.now(),
      createdBy: changerOf(by),
    };
    this.store.putReference(apiKeyKind, id, key);
    this.record(by, 'apikey.created', key, undefined, apiKeyViewOf(key), context);
    this.pending.set(data.network, pending + 1);
    try {
      await this.store.flushed();
    } finally {
      const left = (this.pending.get(data.network) ?? 1) - 1;
      if (left > 0) this.pending.set(data.network, left);
      else this.pending.delete(data.network);
    }
    return { ok: true, value: { key: apiKeyViewOf(key), token } };
  }

  /** Revokes a key (on disk when this resolves: the next request with it is refused). Revoking a revoked key changes nothing. */
  async revoke(network: string, id: string, by: Changer, context: ChangeContext = {}): Promise<ApiKeyResult<ApiKeyView>> {
    const before = this.stored(network, id);
    if (before === undefined) return this.notFound(by, network, context);
    const refusal = this.refuse<ApiKeyView>(by, network, before.role === 'owner' ? ['apikeys.manage', 'owners.manage'] : ['apikeys.manage'], context, 'apikey.revoked', id);
    if (refusal) return refusal;
    if (before.revokedAt !== undefined) return { ok: true, value: apiKeyViewOf(before) };
    const after: StoredApiKey = { ...before, revokedAt: this.now(), revokedBy: changerOf(by) };
    this.store.putReference(apiKeyKind, id, after);
    this.record(by, 'apikey.revoked', after, apiKeyViewOf(before), apiKeyViewOf(after), context);
    await this.store.flushed();
    const view = apiKeyViewOf(after);
    for (const listener of this.revokedListeners) listener(view);
    return { ok: true, value: view };
  }

  /** Calls `listener` after each revocation is on disk (the WebSocket layer closes the key's sockets); returns the unsubscribe. */
  onRevoked(listener: (key: ApiKeyView) => void): () => void {
    this.revokedListeners.add(listener);
    return () => this.revokedListeners.delete(listener);
  }

  /** A network's keys, revoked ones too (for `apikeys.manage`), oldest first: never a secret or a hash. */
  list(network: string): ApiKeyView[] {
    const result: ApiKeyView[] = [];
    for (const { value } of this.store.referencesOf<StoredApiKey>(apiKeyKind)) if (value.network === network) result.push(apiKeyViewOf(value));
    return result.sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
  }

  get(network: string, id: string): ApiKeyView | undefined {
    const key = this.stored(network, id);
    return key === undefined ? undefined : apiKeyViewOf(key);
  }

  /** The principal of a key, or undefined — the same for a malformed, an unknown and a revoked key. */
  authenticate(token: string): Principal | undefined {
    const match = token.length <= apiKeyTokenLengthMax ? apiKeyTokenPattern.exec(token) : null;
    const id = match?.[1];
    const key = id !== undefined ? this.store.getReference<StoredApiKey>(apiKeyKind, id) : undefined;
    const presented = this.keys.tokenHash(match !== null ? token : '');
    const same = equalHashes(presented, key?.hash ?? this.dummyHash);
    if (!same || key === undefined || key.revokedAt !== undefined) return undefined;
    return apiKeyPrincipal({ id: key.id, network: key.network, role: key.role, sites: key.sites, owner: key.owner, label: key.label ?? `API key ${key.id}` });
  }

  private stored(network: string, id: string): StoredApiKey | undefined {
    const key = this.store.getReference<StoredApiKey>(apiKeyKind, id);
    return key !== undefined && key.network === network ? key : undefined;
  }

  private activeCount(network: string): number {
    let count = 0;
    for (const { value } of this.store.referencesOf<StoredApiKey>(apiKeyKind)) if (value.network === network && value.revokedAt === undefined) count++;
    return count;
  }

  /** Refuses (and audits the refusal) unless `by` holds every one of `needed`. */
  private refuse<T>(by: Changer, network: string, needed: readonly Action[], context: ChangeContext, kind: AuditKind, targetId?: string): ApiKeyResult<T> | undefined {
    const refused = auditedRefusal(this.audit, by, network, needed, context, kind, targetId !== undefined ? { type: 'apikey', id: targetId } : undefined);
    return refused && fail<T>(refused.code, refused.code === 'NOT_FOUND' ? 'no such key' : `the ${refused.role} role may not do this`);
  }

  private notFound<T>(by: Changer, network: string, context: ChangeContext): ApiKeyResult<T> {
    // A principal that may not manage keys learns nothing from an id: the same refusal either way.
    if (by.kind !== 'system' && !authorize(by, 'apikeys.manage', { network }).allowed) return this.refuse<T>(by, network, ['apikeys.manage'], context, 'apikey.revoked') ?? fail('NOT_FOUND', 'no such key');
    return fail('NOT_FOUND', 'no such key');
  }

  private record(by: Changer, kind: AuditKind, key: StoredApiKey, before: ApiKeyView | undefined, after: ApiKeyView | undefined, context: ChangeContext): void {
    const actor: AuditActor = by.kind === 'system' ? { kind: 'system', id: by.id } : actorOf(by);
    this.audit.record({
      network: key.network,
      kind,
      action: 'apikeys.manage',
      actor,
      address: context.address,
      target: { type: 'apikey', id: key.id },
      ...(before !== undefined ? { before } : {}),
      ...(after !== undefined ? { after } : {}),
      outcome: 'ok',
    });
  }
}

function changerOf(by: Changer): ApiKeyChanger {
  return { kind: by.kind, id: by.id };
}
