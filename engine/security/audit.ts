// The audit log: every change (who, what, when, from where, before and after), every sign-in and
// failed attempt, every refused access. One journal per network, `audit:<network>`, that no actor
// owns: entries are events of type `audit` appended to the engine's LMDB journal, so they are durable,
// numbered, in the global feed the read model follows, and never edited — this module has no call
// that changes or removes one. Values are redacted before they are written: no password, hash,
// token, code, seed or secret, and card numbers masked.

import { maskCardNumber } from '../card-identity.js';
import { auditKinds, auditOutcomes } from './audit-kinds.js';
import type { AuditKind, AuditOutcome } from './audit-kinds.js';
import { constants } from '../constants.js';
import type { LmdbStore } from '../store/lmdb-store.js';
import type { Action } from './permissions.js';
import type { PrincipalKind, Principal, Role } from './principal.js';

export { auditKinds, auditOutcomes };
export type { AuditKind, AuditOutcome };



export type AuditActor =
  | { kind: PrincipalKind; id: string; role: Role; label?: string | undefined }
  | { kind: 'system'; id: string }
  | { kind: 'anonymous' };

export interface AuditTarget {
  /** `user`, `session`, `card`, `terminal`, `email` (a keyed hash of an address typed at sign-in)… */
  type: string;
  id: string;
}

export interface AuditInput {
  network: string;
  kind: AuditKind;
  action?: Action | undefined;
  actor: AuditActor;
  /** The client's address (IP) as the HTTP layer saw it. */
  address?: string | undefined;
  target?: AuditTarget | undefined;
  before?: unknown;
  after?: unknown;
  outcome: AuditOutcome;
  /** A stable code: INVALID_CREDENTIALS, FORBIDDEN, logout… */
  reason?: string | undefined;
}

export interface AuditEntry extends AuditInput {
  /** Position in the network's audit journal (1, 2, …): the cursor of a query. */
  seq: number;
  at: number;
}

export interface AuditQuery {
  /** Entries at or after this instant (ms). */
  from?: number | undefined;
  /** Entries before this instant (ms). */
  to?: number | undefined;
  /** Entries whose actor or target is this user (or API key) id. */
  user?: string | undefined;
  action?: Action | undefined;
  kind?: AuditKind | undefined;
  /** Continue after this entry (the `next` of the page before). */
  afterSeq?: number | undefined;
  limit?: number | undefined;
}

export interface AuditPage {
  entries: AuditEntry[];
  /** Set when more entries may follow: pass it as `afterSeq`. */
  next?: number | undefined;
}

export function auditJournalKey(network: string): string {
  return `audit:${network}`;
}

export function actorOf(principal: Principal): AuditActor {
  return { kind: principal.kind, id: principal.id, role: principal.role, ...(principal.label !== undefined ? { label: principal.label } : {}) };
}

export class AuditLog {
  constructor(
    private readonly store: LmdbStore,
    private readonly now: () => number,
  ) {}

  /** Appends an entry (durable with the turn's other writes; `store.flushed()` waits for it). */
  record(input: AuditInput): void {
    const at = this.now();
    const event: Record<string, unknown> & { type: string } = { type: 'audit', network: input.network, kind: input.kind, outcome: input.outcome, actor: { ...input.actor } };
    if (input.action !== undefined) event['action'] = input.action;
    if (input.address !== undefined) event['address'] = input.address;
    if (input.target !== undefined) event['target'] = { type: input.target.type, id: input.target.id };
    if (input.before !== undefined) event['before'] = boundValue(redact(input.before));
    if (input.after !== undefined) event['after'] = boundValue(redact(input.after));
    if (input.reason !== undefined) event['reason'] = input.reason;
    this.store.appendToLog(auditJournalKey(input.network), event, at);
  }

  /** Entries of a network in the order recorded, filtered; at most `constants.auditQueryScanMax` are examined per call. */
  query(network: string, query: AuditQuery = {}): AuditPage {
    const limit = Math.max(1, Math.min(query.limit ?? constants.auditQueryEntriesMax, constants.auditQueryEntriesMax));
    const entries: AuditEntry[] = [];
    let examined = 0;
    let lastSeq = query.afterSeq ?? 0;
    for (const { seq, event } of this.store.eventsOf(auditJournalKey(network), query.afterSeq ?? 0)) {
      lastSeq = seq;
      examined++;
      const entry = toEntry(seq, event.data, event.at);
      if (matches(entry, query)) {
        entries.push(entry);
        if (entries.length >= limit) return { entries, next: seq };
      }
      // Entries are recorded in the engine clock's order (monotonic): nothing later falls in the range.
      if (query.to !== undefined && entry.at >= query.to) return { entries };
      if (examined >= constants.auditQueryScanMax) return { entries, next: lastSeq };
    }
    return { entries };
  }
}

function matches(entry: AuditEntry, query: AuditQuery): boolean {
  if (query.from !== undefined && entry.at < query.from) return false;
  if (query.to !== undefined && entry.at >= query.to) return false;
  if (query.action !== undefined && entry.action !== query.action) return false;
  if (query.kind !== undefined && entry.kind !== query.kind) return false;
  if (query.user !== undefined) {
    const actorId = 'id' in entry.actor ? entry.actor.id : undefined;
    const targetUser = entry.target !== undefined && (entry.target.type === 'user' || entry.target.type === 'apikey') ? entry.target.id : undefined;
    if (actorId !== query.user && targetUser !== query.user) return false;
  }
  return true;
}

function toEntry(seq: number, data: Record<string, unknown>, at: number): AuditEntry {
  const { type: _type, ...rest } = data;
  return { seq, at, ...(rest as unknown as AuditInput) };
}

export const auditColumns = ['seq', 'at', 'kind', 'action', 'outcome', 'reason', 'actor_kind', 'actor_id', 'actor_role', 'actor_label', 'address', 'target_type', 'target_id', 'before', 'after'] as const;

/** Entries as rows of text (header first) for CSV or a spreadsheet; values as JSON. */
export function auditRows(entries: readonly AuditEntry[]): string[][] {
  const rows: string[][] = [[...auditColumns]];
  for (const entry of entries) {
    const actor = entry.actor;
    rows.push([
      String(entry.seq),
      new Date(entry.at).toISOString(),
      entry.kind,
      entry.action ?? '',
      entry.outcome,
      entry.reason ?? '',
      actor.kind,
      'id' in actor ? actor.id : '',
      'role' in actor ? actor.role : '',
      'label' in actor ? (actor.label ?? '') : '',
      entry.address ?? '',
      entry.target?.type ?? '',
      entry.target?.id ?? '',
      entry.before === undefined ? '' : JSON.stringify(entry.before),
      entry.after === undefined ? '' : JSON.stringify(entry.after),
    ]);
  }
  return rows;
}

const secretKeyPattern = /password|passphrase|^pass$|secret|token|seed|csrf|cookie|authorization|^otp|^totp|onetimecode|apikey|^pin$|pinhash|sealed/i;
const cardNumberPattern = /^\d{13,19}$/;
const redactedMark = '[redacted]';

/** A copy of `value` with secrets replaced and card numbers masked (objects and arrays, depth-bounded). */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > constants.auditValueDepthMax) return redactedMark;
  if (typeof value === 'string') return cardNumberPattern.test(value) ? maskCardNumber(value) : value;
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  if (typeof value === 'object' && value !== null) {
    const result: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) result[key] = secretKeyPattern.test(key) ? redactedMark : redact(item, depth + 1);
    return result;
  }
  return value;
}

function boundValue(value: unknown): unknown {
  const text = JSON.stringify(value) ?? 'null';
  return text.length > constants.auditValueCharactersMax ? { truncated: true, characters: text.length } : value;
}
