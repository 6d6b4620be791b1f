// User sessions: a person signed in (not a wash session). The token is random and opaque, given to the
// browser once (as a cookie) and kept here only as a keyed hash; so is the session's CSRF token
// (synchronizer pattern: the page sends it back in a header on every write). A session ends on
// logout, when its user's password changes (its other sessions), when its user is disabled, deleted
// or its role changes, after `userSessionIdleMs` without a request and `userSessionAbsoluteMs` after
// sign-in. Listeners hear every end, so the WebSocket layer can close the session's live sockets.
// Sessions are reference data in LMDB (`security-session`), so a restart keeps people signed in; the
// last use is written at most once a `userSessionTouchPersistIntervalMs`.

import { constants } from '../constants.js';
import type { LmdbStore } from '../store/lmdb-store.js';
import type { AuditActor, AuditLog } from './audit.js';
import type { SecurityKeys } from './secrets.js';
import { equalHashes, newId, newToken } from './secrets.js';

export const sessionEndReasons = ['logout', 'password_changed', 'disabled', 'deleted', 'role_changed', 'idle', 'absolute', 'replaced'] as const;
export type SessionEndReason = (typeof sessionEndReasons)[number];

export const secondFactors = ['email', 'totp'] as const;
export type SecondFactor = (typeof secondFactors)[number];

export interface StoredSession {
  id: string;
  tokenHash: string;
  csrfHash: string;
  network: string;
  userId: string;
  createdAt: number;
  lastSeenAt: number;
  /** When `lastSeenAt` was last written to disk. */
  persistedSeenAt: number;
  address?: string | undefined;
  secondFactor: SecondFactor;
}

export interface SessionEnded {
  sessionId: string;
  network: string;
  userId: string;
  reason: SessionEndReason;
  at: number;
}

/** Why a session is over by the clock, if it is (pure). */
export function sessionExpiry(session: Pick<StoredSession, 'createdAt' | 'lastSeenAt'>, now: number): 'idle' | 'absolute' | undefined {
  if (now - session.createdAt >= constants.userSessionAbsoluteMs) return 'absolute';
  if (now - session.lastSeenAt >= constants.userSessionIdleMs) return 'idle';
  return undefined;
}

const sessionKind = 'security-session';
const userKey = (network: string, userId: string): string => `${network}:${userId}`;

export class SessionStore {
  private readonly byTokenHash = new Map<string, StoredSession>();
  private readonly byId = new Map<string, StoredSession>();
  private readonly byUser = new Map<string, Set<string>>();
  private readonly listeners = new Set<(ended: SessionEnded) => void>();

  constructor(
    private readonly store: LmdbStore,
    private readonly keys: SecurityKeys,
    private readonly audit: AuditLog,
  ) {
    for (const { value } of store.referencesOf<StoredSession>(sessionKind)) this.index(value);
  }

  /** A new session for a user who has just passed both steps of sign-in. */
  create(network: string, userId: string, secondFactor: SecondFactor, address: string | undefined, now: number): { token: string; csrfToken: string; session: StoredSession } {
    const token = newToken();
    const csrfToken = newToken();
    const session: StoredSession = {
      id: newId('s'),
      tokenHash: this.keys.tokenHash(token),
      csrfHash: this.keys.tokenHash(csrfToken),
      network,
      userId,
      createdAt: now,
      lastSeenAt: now,
      persistedSeenAt: now,
      ...(address !== undefined ? { address } : {}),
      secondFactor,
    };
    const mine = [...(this.byUser.get(userKey(network, userId)) ?? [])].map((id) => this.byId.get(id)).filter((entry) => entry !== undefined);
    mine.sort((a, b) => a.createdAt - b.createdAt);
    while (mine.length >= constants.userSessionsPerUserMax) {
      const oldest = mine.shift();
      if (oldest) this.end(oldest.id, 'replaced', now);
    }
    if (this.byId.size >= constants.userSessionsOpenMax) {
      const oldest = this.byId.values().next();
      if (oldest.done !== true) this.end(oldest.value.id, 'replaced', now);
    }
    this.index(session);
    this.store.putReference(sessionKind, session.tokenHash, session);
    return { token, csrfToken, session };
  }

  /** The live session of a token, its last use moved to now; undefined (and ended) when it is over. */
  validate(token: string, now: number): StoredSession | undefined {
    if (token.length === 0 || token.length > 2 * constants.tokenBytes) return undefined;
    const session = this.byTokenHash.get(this.keys.tokenHash(token));
    if (!session) return undefined;
    const expiry = sessionExpiry(session, now);
    if (expiry !== undefined) {
      this.end(session.id, expiry, now);
      return undefined;
    }
    session.lastSeenAt = now;
    if (now - session.persistedSeenAt >= constants.userSessionTouchPersistIntervalMs) {
      session.persistedSeenAt = now;
      this.store.putReference(sessionKind, session.tokenHash, { ...session });
    }
    return session;
  }

  get(sessionId: string): StoredSession | undefined {
    return this.byId.get(sessionId);
  }

  /** Whether `header` is this session's CSRF token (constant-time). */
  checkCsrf(sessionId: string, header: string | undefined): boolean {
    const session = this.byId.get(sessionId);
    if (!session || header === undefined || header.length === 0 || header.length > 2 * constants.tokenBytes) return false;
    return equalHashes(this.keys.tokenHash(header), session.csrfHash);
  }

  sessionsOf(network: string, userId: string): StoredSession[] {
    return [...(this.byUser.get(userKey(network, userId)) ?? [])].map((id) => this.byId.get(id)).filter((session) => session !== undefined);
  }

  /** Ends one session: forgotten here and on disk, audited, listeners told. */
  end(sessionId: string, reason: SessionEndReason, at: number, actor: AuditActor = { kind: 'system', id: 'sessions' }): boolean {
    const session = this.byId.get(sessionId);
    if (!session) return false;
    this.byId.delete(session.id);
    this.byTokenHash.delete(session.tokenHash);
    const mine = this.byUser.get(userKey(session.network, session.userId));
    mine?.delete(session.id);
    if (mine?.size === 0) this.byUser.delete(userKey(session.network, session.userId));
    this.store.removeReference(sessionKind, session.tokenHash);
    this.audit.record({
      network: session.network,
      kind: 'session.ended',
      actor,
      target: { type: 'session', id: session.id },
      ...(session.address !== undefined ? { address: session.address } : {}),
      outcome: 'ok',
      reason,
    });
    const ended: SessionEnded = { sessionId: session.id, network: session.network, userId: session.userId, reason, at };
    for (const listener of [...this.listeners]) {
      try {
        listener(ended);
      } catch (error) {
        console.error(JSON.stringify({ level: 'error', msg: 'a session-ended listener failed', error: String(error) }));
      }
    }
    return true;
  }

  /** Ends every session of a user but `exceptSessionId`; returns how many ended. */
  endAllOf(network: string, userId: string, reason: SessionEndReason, at: number, exceptSessionId?: string, actor?: AuditActor): number {
    let ended = 0;
    for (const id of [...(this.byUser.get(userKey(network, userId)) ?? [])]) {
      if (id === exceptSessionId) continue;
      if (this.end(id, reason, at, actor)) ended++;
    }
    return ended;
  }

  /** Ends every session the clock has ended (idle, absolute); returns how many. */
  sweep(now: number): number {
    let ended = 0;
    for (const session of [...this.byId.values()]) {
      const expiry = sessionExpiry(session, now);
      if (expiry !== undefined && this.end(session.id, expiry, now)) ended++;
    }
    return ended;
  }

  onSessionEnded(listener: (ended: SessionEnded) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get size(): number {
    return this.byId.size;
  }

  private index(session: StoredSession): void {
    this.byTokenHash.set(session.tokenHash, session);
    this.byId.set(session.id, session);
    const key = userKey(session.network, session.userId);
    let mine = this.byUser.get(key);
    if (!mine) this.byUser.set(key, (mine = new Set()));
    mine.add(session.id);
  }
}
