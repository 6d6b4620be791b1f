// Sign-in in two steps. (1) E-mail and password: the password is checked against its Argon2id hash —
// or, for an address nobody has, against a dummy hash, so that an unknown user costs the same work
// and gets the same answer as a wrong password. A right password opens a sign-in attempt (a new
// opaque token) and e-mails a 6-digit code bound to that attempt, or, for a user with an
// authenticator, asks for its TOTP code. (2) The attempt token and the code: single use, at most
// `signInCodeLifeMs` old, at most `signInCodeTriesMax` tries; success opens a user session (another
// new token). Every password or code that fails counts toward the account's lock (10 in a row: 30
// minutes), kept per address typed — known or not, so that a lock says nothing of existence — and
// every step is rate-limited per account and per client address. Every outcome is audited.

import { verifySync } from 'otplib';
import { z } from '../validation.js';
import { constants } from '../constants.js';
import type { LmdbStore } from '../store/lmdb-store.js';
import type { AuditLog } from './audit.js';
import type { LockState } from './limits.js';
import { BoundedTable, WindowLimiter, failureCounted, isLocked } from './limits.js';
import type { CodeMailer } from './mailer.js';
import type { PasswordHasher } from './password.js';
import type { Principal } from './principal.js';
import type { SecurityKeys } from './secrets.js';
import { equalHashes, newCode, newId, newToken } from './secrets.js';
import type { SecondFactor, SessionStore } from './sessions.js';
import type { StoredUser, UserDirectory } from './users.js';
import { normalizeEmail, principalOfUser } from './users.js';

export const signInErrorCodes = ['INVALID_CREDENTIALS', 'LOCKED', 'RATE_LIMITED', 'CODE_INVALID', 'SIGN_IN_EXPIRED'] as const;
export type SignInErrorCode = (typeof signInErrorCodes)[number];

/** What a person is told: the same words for the same code, whoever asked. */
export const signInMessages: Record<SignInErrorCode, string> = {
  INVALID_CREDENTIALS: 'the e-mail or the password is not right',
  LOCKED: 'too many failed sign-ins: try again later',
  RATE_LIMITED: 'too many sign-in attempts: wait a minute',
  CODE_INVALID: 'the code is not right',
  SIGN_IN_EXPIRED: 'this sign-in is over: start again',
};

export type SignInFailure = { ok: false; code: SignInErrorCode; message: string; retryAfterMs?: number | undefined };

export type PasswordStepResult = { ok: true; attemptToken: string; secondFactor: SecondFactor; expiresAt: number } | SignInFailure;

export type CodeStepResult =
  | { ok: true; sessionToken: string; csrfToken: string; sessionId: string; principal: Principal; idleTimeoutMs: number; expiresAt: number }
  | SignInFailure;

export const passwordStepSchema = z.strictObject({
  network: z.string().min(1).max(constants.identifierLengthMax),
  email: z.string().min(1).max(constants.emailLengthMax),
  password: z.string().min(1).max(constants.passwordLengthMax),
});
export type PasswordStep = z.input<typeof passwordStepSchema>;

export const codeStepSchema = z.strictObject({
  attemptToken: z.string().min(1).max(2 * constants.tokenBytes),
  code: z.string().min(1).max(constants.signInCodeInputLengthMax),
});
export type CodeStep = z.input<typeof codeStepSchema>;

interface Attempt {
  id: string;
  network: string;
  userId: string;
  /** The lock table's key of the address typed. */
  accountKey: string;
  secondFactor: SecondFactor;
  /** Keyed hash of the e-mailed code (bound to this attempt's id). */
  codeHash?: string | undefined;
  expiresAt: number;
  tries: number;
}

const lockKind = 'security-lock';

function failure(code: SignInErrorCode, retryAfterMs?: number): SignInFailure {
  return { ok: false, code, message: signInMessages[code], ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
}

export interface SignInDeps {
  store: LmdbStore;
  keys: SecurityKeys;
  users: UserDirectory;
  sessions: SessionStore;
  audit: AuditLog;
  hasher: PasswordHasher;
  mailer: CodeMailer | undefined;
  /** A hash of a random password with the same cost: what an unknown user's password is checked against. */
  dummyHash: string;
  log: (level: 'warn' | 'error', message: string, fields: Record<string, unknown>) => void;
}

export class SignIn {
  private readonly attempts = new BoundedTable<Attempt>(constants.signInAttemptsOpenMax);
  private readonly sending = new Set<Promise<void>>();
  private readonly locks = new BoundedTable<LockState>(constants.signInTrackedKeysMax);
  private readonly perAccount = new WindowLimiter(constants.signInRateWindowMs, constants.signInAttemptsPerAccountMax, constants.signInTrackedKeysMax);
  private readonly perAddress = new WindowLimiter(constants.signInRateWindowMs, constants.signInAttemptsPerAddressMax, constants.signInTrackedKeysMax);

  constructor(
    private readonly deps: SignInDeps,
    now: number,
  ) {
    // Locks survive a restart (opening writes nothing: those over are removed by `pruneLocks`).
    for (const { id, value } of deps.store.referencesOf<{ lockedUntil: number }>(lockKind)) {
      if (value.lockedUntil > now) this.locks.set(id, { failures: 0, lockedUntil: value.lockedUntil });
    }
  }

  /** Removes locks that are over from disk (the session sweeper calls it); returns how many. */
  pruneLocks(now: number): number {
    let removed = 0;
    for (const { id, value } of this.deps.store.referencesOf<{ lockedUntil: number }>(lockKind)) {
      if (value.lockedUntil > now) continue;
      this.deps.store.removeReference(lockKind, id);
      removed++;
    }
    return removed;
  }

  /** Step 1: e-mail and password. Answered once its audit entries are on disk. */
  async password(input: PasswordStep, address: string, now: number): Promise<PasswordStepResult> {
    const result = await this.passwordStep(input, address, now);
    await this.deps.store.flushed();
    return result;
  }

  /** Step 2: the attempt token and its code; a user session on success. Answered once on disk. */
  async code(input: CodeStep, address: string, now: number): Promise<CodeStepResult> {
    const result = this.codeStep(input, address, now);
    await this.deps.store.flushed();
    return result;
  }

  private async passwordStep(input: PasswordStep, address: string, now: number): Promise<PasswordStepResult> {
    const parsed = passwordStepSchema.safeParse(input);
    if (!parsed.success) return failure('INVALID_CREDENTIALS');
    const { network, password } = parsed.data;
    const email = normalizeEmail(parsed.data.email);
    const accountKey = this.deps.keys.emailKey(network, email);
    const lock = this.locks.get(accountKey);
    if (isLocked(lock, now)) {
      this.recordFailure(network, undefined, accountKey, address, 'LOCKED');
      return failure('LOCKED', (lock?.lockedUntil ?? now) - now);
    }
    if (!this.perAddress.hit(`a:${address}`, now) || !this.perAccount.hit(accountKey, now)) {
      this.recordFailure(network, undefined, accountKey, address, 'RATE_LIMITED');
      return failure('RATE_LIMITED', constants.signInRateWindowMs);
    }
    const user = this.deps.users.byEmail(network, email);
    // The same work whether or not the user exists: a hash is always checked.
    const matches = await this.deps.hasher.verify(user?.passwordHash ?? this.deps.dummyHash, password);
    if (user === undefined || !matches || user.status !== 'active') {
      this.countFailure(network, user, accountKey, address, now, 'INVALID_CREDENTIALS');
      return failure('INVALID_CREDENTIALS');
    }
    const secondFactor: SecondFactor = user.totp !== undefined ? 'totp' : 'email';
    if (secondFactor === 'email' && this.deps.mailer === undefined) {
      this.deps.log('error', 'sign-in needs an e-mailed code and no SMTP server is configured', { network });
    }
    const attemptToken = newToken();
    const attempt: Attempt = { id: newId('a'), network, userId: user.id, accountKey, secondFactor, expiresAt: now + constants.signInCodeLifeMs, tries: 0 };
    if (secondFactor === 'email') {
      const code = newCode();
      attempt.codeHash = this.deps.keys.codeHash(attempt.id, code);
      this.sendCode(user, code, attempt.expiresAt, address);
    }
    this.attempts.set(this.deps.keys.tokenHash(attemptToken), attempt);
    this.deps.audit.record({ network, kind: 'signin.code_sent', actor: { kind: 'anonymous' }, address, target: { type: 'user', id: user.id }, outcome: 'ok', reason: secondFactor });
    return { ok: true, attemptToken, secondFactor, expiresAt: attempt.expiresAt };
  }

  private codeStep(input: CodeStep, address: string, now: number): CodeStepResult {
    const parsed = codeStepSchema.safeParse(input);
    if (!parsed.success) return failure('SIGN_IN_EXPIRED');
    if (!this.perAddress.hit(`c:${address}`, now)) return failure('RATE_LIMITED', constants.signInRateWindowMs);
    const tokenHash = this.deps.keys.tokenHash(parsed.data.attemptToken);
    const attempt = this.attempts.get(tokenHash);
    if (attempt === undefined) return failure('SIGN_IN_EXPIRED');
    const user = this.deps.users.get(attempt.network, attempt.userId);
    if (now >= attempt.expiresAt || user === undefined || user.status !== 'active') {
      this.attempts.delete(tokenHash);
      this.recordFailure(attempt.network, user, attempt.accountKey, address, 'SIGN_IN_EXPIRED');
      return failure('SIGN_IN_EXPIRED');
    }
    const lock = this.locks.get(attempt.accountKey);
    if (isLocked(lock, now)) {
      this.attempts.delete(tokenHash);
      this.recordFailure(attempt.network, user, attempt.accountKey, address, 'LOCKED');
      return failure('LOCKED', (lock?.lockedUntil ?? now) - now);
    }
    const step = this.checkCode(attempt, user, parsed.data.code, now);
    if (step === undefined) {
      attempt.tries++;
      if (attempt.tries >= constants.signInCodeTriesMax) this.attempts.delete(tokenHash);
      const locked = this.countFailure(attempt.network, user, attempt.accountKey, address, now, 'CODE_INVALID');
      if (locked) this.attempts.delete(tokenHash);
      return failure('CODE_INVALID');
    }
    // Single use: the attempt is gone whatever happens next.
    this.attempts.delete(tokenHash);
    this.clearLock(attempt.accountKey);
    if (step !== true) this.deps.users.save({ ...user, totp: { ...step.totp, lastStep: step.timeStep } });
    const { token, csrfToken, session } = this.deps.sessions.create(user.network, user.id, attempt.secondFactor, address, now);
    this.deps.audit.record({ network: user.network, kind: 'signin.succeeded', actor: { kind: 'user', id: user.id, role: user.role, label: user.email }, address, target: { type: 'session', id: session.id }, outcome: 'ok', reason: attempt.secondFactor });
    return {
      ok: true,
      sessionToken: token,
      csrfToken,
      sessionId: session.id,
      principal: principalOfUser(user, session.id),
      idleTimeoutMs: constants.userSessionIdleMs,
      expiresAt: session.createdAt + constants.userSessionAbsoluteMs,
    };
  }

  /** Whether the account behind an address typed is locked now (for tests and the admin view). */
  lockedUntil(network: string, email: string, now: number): number | undefined {
    const lock = this.locks.get(this.deps.keys.emailKey(network, normalizeEmail(email)));
    return isLocked(lock, now) ? lock?.lockedUntil : undefined;
  }

  /** true for a right e-mailed code; the user's TOTP and the step matched for a right TOTP code; undefined when wrong. */
  private checkCode(attempt: Attempt, user: StoredUser, code: string, now: number): true | { totp: NonNullable<StoredUser['totp']>; timeStep: number } | undefined {
    if (!new RegExp(`^\\d{${constants.signInCodeDigits}}$`).test(code)) return undefined;
    if (attempt.secondFactor === 'email') {
      return attempt.codeHash !== undefined && equalHashes(this.deps.keys.codeHash(attempt.id, code), attempt.codeHash) ? true : undefined;
    }
    const totp = user.totp;
    if (totp === undefined) return undefined;
    const result = verifyTotp(this.deps.keys.unseal(totp.sealed), code, now, totp.lastStep);
    return result === undefined ? undefined : { totp, timeStep: result };
  }

  private sendCode(user: StoredUser, code: string, expiresAt: number, address: string): void {
    const mailer = this.deps.mailer;
    if (mailer === undefined) return;
    // Not awaited: the answer does not wait for SMTP (nor does its timing depend on it).
    const sending = mailer.sendSignInCode({ to: user.email, code, network: user.network, expiresAt }).catch((error: unknown) => {
      this.deps.log('error', 'the sign-in code could not be sent', { network: user.network, user: user.id, error: error instanceof Error ? error.message : String(error) });
      this.deps.audit.record({ network: user.network, kind: 'signin.failed', actor: { kind: 'system', id: 'mailer' }, address, target: { type: 'user', id: user.id }, outcome: 'failed', reason: 'CODE_NOT_SENT' });
    });
    this.sending.add(sending);
    void sending.finally(() => this.sending.delete(sending));
  }

  /** Resolves once every code being sent has been handed to SMTP or has failed (before the store closes). */
  async settled(): Promise<void> {
    while (this.sending.size > 0) await Promise.all([...this.sending]);
  }

  /** Counts a failure toward the lock; returns whether the account is locked now. */
  private countFailure(network: string, user: StoredUser | undefined, accountKey: string, address: string, now: number, reason: SignInErrorCode): boolean {
    const state = failureCounted(this.locks.get(accountKey), now, constants.signInFailuresBeforeLockMax, constants.signInLockMs);
    this.locks.set(accountKey, state);
    this.recordFailure(network, user, accountKey, address, reason);
    if (state.lockedUntil > now && state.failures === 0) {
      this.deps.store.putReference(lockKind, accountKey, { lockedUntil: state.lockedUntil });
      this.deps.audit.record({ network, kind: 'signin.locked', actor: { kind: 'system', id: 'sign-in' }, address, target: user ? { type: 'user', id: user.id } : { type: 'email', id: accountKey }, outcome: 'ok', after: { lockedUntil: state.lockedUntil } });
      return true;
    }
    return false;
  }

  private clearLock(accountKey: string): void {
    const had = this.locks.get(accountKey);
    this.locks.delete(accountKey);
    if (had !== undefined && had.lockedUntil > 0) this.deps.store.removeReference(lockKind, accountKey);
  }

  private recordFailure(network: string, user: StoredUser | undefined, accountKey: string, address: string, reason: SignInErrorCode): void {
    this.deps.audit.record({
      network,
      kind: 'signin.failed',
      actor: { kind: 'anonymous' },
      address,
      // An address nobody has is named by its keyed hash only (it may be a password typed in the wrong field).
      target: user ? { type: 'user', id: user.id } : { type: 'email', id: accountKey },
      outcome: 'failed',
      reason,
    });
  }
}

/** The matched time step of a TOTP code, when it is right and newer than `afterStep` (replays refused). */
export function verifyTotp(secret: string, code: string, now: number, afterStep: number): number | undefined {
  const result = verifySync({
    secret,
    token: code,
    epoch: Math.floor(now / 1000),
    period: constants.totpStepSeconds,
    epochTolerance: constants.totpToleranceSeconds,
    ...(afterStep > 0 ? { afterTimeStep: afterStep } : {}),
  });
  return result.valid && 'timeStep' in result ? result.timeStep : undefined;
}
