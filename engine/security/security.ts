// The security module's front: what the HTTP layer (and the WebSocket upgrade) call. It composes the
// user directory, sign-in, user sessions, the audit log and the terminals' NATS credentials over the
// engine's store and clock. Opt-in: the engine runs without it; `openSecurity(engine, options)` adds it.

import { generateSecret, generateURI } from 'otplib';
import type { Clock } from '../clock.js';
import { accountKeyFor, referenceKinds } from '../network/catalog.js';
import type { Catalogs } from '../network/catalogs.js';
import type { LmdbStore } from '../store/lmdb-store.js';
import type { AuditPage, AuditQuery, AuditTarget } from './audit.js';
import { AuditLog, actorOf } from './audit.js';
import type { CodeMailer } from './mailer.js';
import type { PasswordHasher } from './password.js';
import { argon2Hasher } from './password.js';
import type { Action, Authorization, QueryScope, Scope } from './permissions.js';
import { authorize, queryScope } from './permissions.js';
import type { Principal } from './principal.js';
import { SecurityKeys, loadOrCreateSecuritySecret, newToken } from './secrets.js';
import type { SessionEnded } from './sessions.js';
import { SessionStore } from './sessions.js';
import type { CodeStep, CodeStepResult, PasswordStep, PasswordStepResult } from './sign-in.js';
import { SignIn, verifyTotp } from './sign-in.js';
import { TerminalCredentials } from './nats-credentials.js';
import { ApiKeys } from './api-keys.js';
import type { ChangeContext, ReferenceChecks } from './users.js';
import { UserDirectory, principalOfUser } from './users.js';
import { constants } from '../constants.js';

export interface SecurityOptions {
  store: LmdbStore;
  clock: Clock;
  catalogs: Catalogs;
  /** The security secret; by default read from (or created in) `<dataDir>/security-key`. */
  secret?: Buffer | undefined;
  dataDir?: string | undefined;
  /** Sends e-mailed sign-in codes (SMTP: `smtpMailer(smtpConfigFromEnvironment(process.env))`). Without it, only authenticator users can sign in. */
  mailer?: CodeMailer | undefined;
  /** Password hashes (default: Argon2id with the cost in constants). */
  hasher?: PasswordHasher | undefined;
  /** The name an authenticator app shows (default "Tessera"). */
  issuer?: string | undefined;
  log?: ((level: 'warn' | 'error', message: string, fields: Record<string, unknown>) => void) | undefined;
}

/** The engine parts security needs (an Engine has them all). */
export interface SecurityHost {
  store: LmdbStore;
  clock: Clock;
  catalogs: Catalogs;
}

/** Keyed fingerprints and sealing for values kept at rest that must be read back. */
export interface AtRestProtection {
  fingerprint(parts: readonly (string | Uint8Array)[]): string;
  seal(plain: string): string;
  unseal(sealed: string): string;
}

export type EnrolmentResult = { ok: true; otpauthUri: string; secret: string } | { ok: false; code: 'FORBIDDEN'; message: string };
export type ConfirmResult = { ok: true } | { ok: false; code: 'FORBIDDEN' | 'CODE_INVALID' | 'NO_ENROLMENT' | 'PASSWORD_WRONG'; message: string };

export async function openSecurity(host: SecurityHost, options: Omit<SecurityOptions, 'store' | 'clock' | 'catalogs'> = {}): Promise<Security> {
  return Security.open({ ...options, store: host.store, clock: host.clock, catalogs: host.catalogs });
}

export class Security {
  readonly audit: AuditLog;
  readonly users: UserDirectory;
  readonly sessions: SessionStore;
  readonly terminals: TerminalCredentials;
  readonly apiKeys: ApiKeys;
  private readonly signIn: SignIn;
  private readonly keys: SecurityKeys;
  private readonly clock: Clock;
  private readonly store: LmdbStore;
  private readonly hasher: PasswordHasher;
  private readonly issuer: string;
  private sweeper: NodeJS.Timeout | undefined;

  static async open(options: SecurityOptions): Promise<Security> {
    const secret = options.secret ?? (options.dataDir !== undefined ? loadOrCreateSecuritySecret(options.dataDir) : undefined);
    if (secret === undefined) throw new Error('security needs a secret or a data directory');
    const hasher = options.hasher ?? argon2Hasher();
    // What an unknown user's password is checked against: a hash of a random password, made with the same cost.
    const dummyHash = await hasher.hash(newToken());
    return new Security(options, secret, hasher, dummyHash);
  }

  private constructor(options: SecurityOptions, secret: Buffer, hasher: PasswordHasher, dummyHash: string) {
    this.clock = options.clock;
    this.store = options.store;
    this.hasher = hasher;
    this.issuer = options.issuer ?? 'Tessera';
    this.keys = new SecurityKeys(secret);
    const now = (): number => this.clock.now();
    const log = options.log ?? ((level, message, fields) => console.error(JSON.stringify({ level, msg: message, ...fields })));
    this.audit = new AuditLog(options.store, now);
    const catalogs = options.catalogs;
    const checks: ReferenceChecks = {
      site: (network, site) => catalogs.network(network)?.sites.has(site) ?? false,
      owner: (network, owner) => options.store.hasReference(referenceKinds.account, accountKeyFor(network, owner.kind, owner.id)),
    };
    this.users = new UserDirectory(options.store, this.audit, hasher, checks, now);
    this.apiKeys = new ApiKeys(options.store, this.keys, this.audit, checks, now);
    this.sessions = new SessionStore(options.store, this.keys, this.audit);
    this.users.onRevoke = (user, reason, exceptSessionId) => this.sessions.endAllOf(user.network, user.id, reason, this.clock.now(), exceptSessionId);
    this.signIn = new SignIn({ store: options.store, keys: this.keys, users: this.users, sessions: this.sessions, audit: this.audit, hasher, mailer: options.mailer, dummyHash, log }, this.clock.now());
    this.terminals = new TerminalCredentials(options.store, catalogs, this.audit, now);
  }

  /**
   * For what the HTTP layer keeps of a request to answer its retries (`Idempotency-Key`): a keyed
   * fingerprint of the request, and the answer sealed (AES-256-GCM) — an answer may carry a secret
   * shown once, such as a new API key.
   */
  get atRest(): AtRestProtection {
    const keys = this.keys;
    return {
      fingerprint: (parts) => keys.requestFingerprint(parts),
      seal: (plain) => keys.seal(plain),
      unseal: (sealed) => keys.unseal(sealed),
    };
  }

  // ---- decisions ------------------------------------------------------------------------------

  /** The permission matrix's answer (pure; nothing recorded). */
  authorize(principal: Principal, action: Action, scope: Scope): Authorization {
    return authorize(principal, action, scope);
  }

  /** `authorize`, with a refusal written to the audit log (what every endpoint should call). */
  check(principal: Principal, action: Action, scope: Scope, context: ChangeContext = {}): Authorization {
    const decision = authorize(principal, action, scope);
    if (!decision.allowed) {
      this.audit.record({
        network: principal.network,
        kind: 'access.refused',
        action,
        actor: actorOf(principal),
        address: context.address,
        outcome: 'refused',
        reason: decision.code,
        // What was asked for, in the asker's own network's log (another network's ids are not echoed there).
        ...(scope.network === principal.network ? { after: { site: scope.site ?? null, owner: scope.owner ?? null, user: scope.user ?? null } } : { after: { network: 'other' } }),
      });
    }
    return decision;
  }

  /** What a list may show a principal (sites, owner), or the refusal (audited). */
  scopeOfQuery(principal: Principal, action: Action, network: string, context: ChangeContext = {}): QueryScope {
    const scope = queryScope(principal, action, network);
    if (!scope.allowed) this.audit.record({ network: principal.network, kind: 'access.refused', action, actor: actorOf(principal), address: context.address, outcome: 'refused', reason: scope.code });
    return scope;
  }

  /** Records a change made through the API (prices, cards, network, API keys…): who, what, before, after. */
  recordChange(principal: Principal, action: Action, target: AuditTarget, before: unknown, after: unknown, context: ChangeContext = {}): void {
    this.audit.record({ network: principal.network, kind: 'change', action, actor: actorOf(principal), address: context.address, target, before, after, outcome: 'ok' });
  }

  /** Audit entries for a principal allowed `audit.read` (refusal audited). */
  queryAudit(principal: Principal, network: string, query: AuditQuery, context: ChangeContext = {}): AuditPage | Authorization {
    const decision = this.check(principal, 'audit.read', { network }, context);
    if (!decision.allowed) return decision;
    return this.audit.query(network, query);
  }

  // ---- sign-in and sessions -------------------------------------------------------------------

  /** Step 1 of sign-in: e-mail and password → an attempt token (and a code e-mailed) or a refusal. */
  beginSignIn(input: PasswordStep, address: string, now: number = this.clock.now()): Promise<PasswordStepResult> {
    return this.signIn.password(input, address, now);
  }

  /** Step 2: the attempt token and the code → a session token and its CSRF token, or a refusal. */
  completeSignIn(input: CodeStep, address: string, now: number = this.clock.now()): Promise<CodeStepResult> {
    return this.signIn.code(input, address, now);
  }

  lockedUntil(network: string, email: string, now: number = this.clock.now()): number | undefined {
    return this.signIn.lockedUntil(network, email, now);
  }

  /** The principal of a live session token (its last use moves to now), or undefined. */
  validateSession(token: string, now: number = this.clock.now()): Principal | undefined {
    const session = this.sessions.validate(token, now);
    if (session === undefined) return undefined;
    const user = this.users.get(session.network, session.userId);
    if (user === undefined || user.status !== 'active') {
      this.sessions.end(session.id, user === undefined ? 'deleted' : 'disabled', now);
      return undefined;
    }
    return principalOfUser(user, session.id);
  }

  /** Whether a cookie-authenticated write carries its session's CSRF token. API keys need none. */
  checkCsrf(principal: Principal, header: string | undefined): boolean {
    if (principal.kind === 'apikey') return true;
    return principal.sessionId !== undefined && this.sessions.checkCsrf(principal.sessionId, header);
  }

  /** Ends the principal's session (logout). */
  async logout(principal: Principal, now: number = this.clock.now()): Promise<boolean> {
    if (principal.sessionId === undefined) return false;
    const ended = this.sessions.end(principal.sessionId, 'logout', now, actorOf(principal));
    await this.store.flushed();
    return ended;
  }

  /** Calls `listener` whenever a session ends, for any reason (returns the unsubscribe). */
  onSessionEnded(listener: (ended: SessionEnded) => void): () => void {
    return this.sessions.onSessionEnded(listener);
  }

  /** Ends the sessions the clock has ended; the sweeper calls it every `userSessionSweepIntervalMs`. */
  sweepSessions(now: number = this.clock.now()): number {
    return this.sessions.sweep(now);
  }

  /** Removes sign-in locks that are over from disk; the sweeper calls it. */
  pruneLocks(now: number = this.clock.now()): number {
    return this.signIn.pruneLocks(now);
  }

  startSweeper(): void {
    if (this.sweeper !== undefined) return;
    this.sweeper = setInterval(() => {
      const now = this.clock.now();
      this.sweepSessions(now);
      this.pruneLocks(now);
    }, constants.userSessionSweepIntervalMs);
    this.sweeper.unref();
  }

  /** Stops the sweeper and waits for the audit's last writes (before the engine closes its store). */
  async close(): Promise<void> {
    if (this.sweeper !== undefined) clearInterval(this.sweeper);
    this.sweeper = undefined;
    await this.signIn.settled();
    await this.store.flushed();
  }

  // ---- authenticator (TOTP) -------------------------------------------------------------------

  /** Starts enrolling an authenticator app: the otpauth URI (for a QR code) and its secret, shown once. */
  async beginAuthenticatorEnrolment(principal: Principal): Promise<EnrolmentResult> {
    const user = principal.kind === 'user' ? this.users.get(principal.network, principal.id) : undefined;
    if (user === undefined || !authorize(principal, 'profile.manage', { network: principal.network, user: principal.id }).allowed) return { ok: false, code: 'FORBIDDEN', message: 'only a signed-in user enrols an authenticator' };
    const secret = generateSecret();
    this.users.save({ ...user, totpPending: { sealed: this.keys.seal(secret), startedAt: this.clock.now() } });
    await this.store.flushed();
    return { ok: true, secret, otpauthUri: generateURI({ issuer: this.issuer, label: user.email, secret, period: constants.totpStepSeconds, digits: constants.signInCodeDigits }) };
  }

  /** Confirms the enrolment with a first code from the app; from then on sign-in asks for its codes. */
  async confirmAuthenticatorEnrolment(principal: Principal, code: string, context: ChangeContext = {}): Promise<ConfirmResult> {
    const user = principal.kind === 'user' ? this.users.get(principal.network, principal.id) : undefined;
    if (user === undefined) return { ok: false, code: 'FORBIDDEN', message: 'only a signed-in user enrols an authenticator' };
    if (user.totpPending === undefined) return { ok: false, code: 'NO_ENROLMENT', message: 'no enrolment was started' };
    const now = this.clock.now();
    const step = /^\d+$/.test(code) ? verifyTotp(this.keys.unseal(user.totpPending.sealed), code, now, 0) : undefined;
    if (step === undefined) return { ok: false, code: 'CODE_INVALID', message: 'the code is not right' };
    const { totpPending, ...rest } = user;
    this.users.save({ ...rest, totp: { sealed: totpPending.sealed, enrolledAt: now, lastStep: step }, updatedAt: now });
    this.audit.record({ network: user.network, kind: 'user.authenticator_enrolled', action: 'profile.manage', actor: actorOf(principal), address: context.address, target: { type: 'user', id: user.id }, outcome: 'ok' });
    await this.store.flushed();
    return { ok: true };
  }

  /** Removes the user's authenticator (its password confirms it); codes go by e-mail again. */
  async removeAuthenticator(principal: Principal, password: string, context: ChangeContext = {}): Promise<ConfirmResult> {
    const user = principal.kind === 'user' ? this.users.get(principal.network, principal.id) : undefined;
    if (user === undefined) return { ok: false, code: 'FORBIDDEN', message: 'only a signed-in user removes its authenticator' };
    if (!(await this.hasher.verify(user.passwordHash, password))) return { ok: false, code: 'PASSWORD_WRONG', message: 'the password is not right' };
    const { totp: _totp, totpPending: _pending, ...rest } = user;
    this.users.save({ ...rest, updatedAt: this.clock.now() });
    this.audit.record({ network: user.network, kind: 'user.authenticator_removed', action: 'profile.manage', actor: actorOf(principal), address: context.address, target: { type: 'user', id: user.id }, outcome: 'ok' });
    await this.store.flushed();
    return { ok: true };
  }
}

export { apiKeyPrincipal } from './principal.js';
