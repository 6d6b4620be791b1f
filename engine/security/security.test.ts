// Sign-in, user sessions, users and the audit log, on a real engine store with a simulated clock and
// e-mailed codes caught by an in-process SMTP sink. Password hashes are real Argon2id at a low cost
// (the cost is a parameter; the production cost is in constants), counted by a spy.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateSync } from 'otplib';
import { demoCards, demoNetwork } from '../demo/demo-network.js';
import type { Harness } from '../testing/engine-harness.js';
import { openHarness } from '../testing/engine-harness.js';
import type { SmtpSink } from '../testing/smtp-sink.js';
import { codeOf, startSmtpSink } from '../testing/smtp-sink.js';
import { constants } from '../constants.js';
import { AuditLog, auditRows } from './audit.js';
import { clearedSessionCookie, sessionCookie, sessionTokenFromCookies } from './cookies.js';
import { smtpMailer } from './mailer.js';
import { smtpConfigFromEnvironment } from '../smtp.js';
import type { PasswordHasher } from './password.js';
import { argon2Hasher } from './password.js';
import type { Principal } from './principal.js';
import type { SessionEnded } from './sessions.js';
import { Security } from './security.js';
import type { CodeStepResult } from './sign-in.js';

const network = 'sever';
const ownerPassword = 'owner-passphrase-1';
const password = 'correct horse battery';
const address = '203.0.113.7';

interface World {
  harness: Harness;
  security: Security;
  sink: SmtpSink;
  hasher: PasswordHasher & { verified: string[] };
  logs: string[];
  ended: SessionEnded[];
  owner: Principal;
}

const worlds: World[] = [];

/** Real Argon2id at a test cost, recording which hashes it was asked to check. */
function spyHasher(): PasswordHasher & { verified: string[] } {
  const inner = argon2Hasher({ memoryKib: 1_024, passes: 1, lanes: 1 });
  const verified: string[] = [];
  return {
    verified,
    hash: (text) => inner.hash(text),
    verify: (encoded, text) => {
      verified.push(encoded);
      return inner.verify(encoded, text);
    },
  };
}

async function openWorld(harness?: Harness, sink?: SmtpSink): Promise<World> {
  const engineHarness = harness ?? openHarness();
  if (!harness) await engineHarness.engine.import(demoNetwork());
  const mailSink = sink ?? (await startSmtpSink());
  const hasher = spyHasher();
  const logs: string[] = [];
  const security = await Security.open({
    store: engineHarness.engine.store,
    clock: engineHarness.clock,
    catalogs: engineHarness.engine.catalogs,
    secret: Buffer.alloc(32, 9),
    hasher,
    mailer: smtpMailer({ host: '127.0.0.1', port: mailSink.port, tls: 'none', from: 'Tessera <no-reply@tessera.test>' }),
    log: (level, message, fields) => logs.push(JSON.stringify({ level, message, ...fields })),
  });
  const ended: SessionEnded[] = [];
  security.onSessionEnded((event) => ended.push(event));
  let owner = security.users.byEmail(network, 'owner@sever.test');
  if (!owner) {
    const created = await security.users.create({ network, email: 'owner@sever.test', role: 'owner', password: ownerPassword }, { kind: 'system', id: 'test' });
    if (!created.ok) throw new Error(created.message);
    owner = security.users.byEmail(network, 'owner@sever.test');
  }
  if (!owner) throw new Error('no owner');
  const world: World = { harness: engineHarness, security, sink: mailSink, hasher, logs, ended, owner: { kind: 'user', id: owner.id, network, role: 'owner', sites: 'all', label: owner.email } };
  worlds.push(world);
  return world;
}

afterEach(async () => {
  for (const world of worlds.splice(0)) {
    await world.security.close();
    await world.harness.close().catch(() => undefined);
    await world.sink.close();
  }
});

async function addUser(world: World, email: string, role: Principal['role'], extra: { sites?: string[]; owner?: { kind: 'counterparty' | 'client'; id: string } } = {}): Promise<string> {
  const created = await world.security.users.create({ network, email, role, password, ...extra }, world.owner, { address });
  if (!created.ok) throw new Error(`${created.code}: ${created.message}`);
  return created.value.id;
}

/** Both steps with the e-mailed code; the mail is the `mailNumber`-th the sink caught. */
async function signIn(world: World, email: string, mailNumber: number, from = address): Promise<Extract<CodeStepResult, { ok: true }>> {
  const first = await world.security.beginSignIn({ network, email, password }, from);
  if (!first.ok) throw new Error(`password step: ${first.code}`);
  const code = codeOf(await world.sink.nth(mailNumber));
  const second = await world.security.completeSignIn({ attemptToken: first.attemptToken, code }, from);
  if (!second.ok) throw new Error(`code step: ${second.code}`);
  return second;
}

const wrongCode = (code: string): string => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

describe('sign-in with a password and an e-mailed code', () => {
  let world: World;
  beforeEach(async () => {
    world = await openWorld();
    await addUser(world, 'anna@sever.test', 'attendant', { sites: ['WASH-01'] });
  });

  it('a right password sends a 6-digit code to the user; the code opens a session whose principal is the user', async () => {
    const first = await world.security.beginSignIn({ network, email: 'Anna@Sever.test ', password }, address);
    expect(first).toMatchObject({ ok: true, secondFactor: 'email', expiresAt: world.harness.clock.now() + constants.signInCodeLifeMs });
    const mail = await world.sink.nth(1);
    expect(mail.to).toEqual(['anna@sever.test']);
    const code = codeOf(mail);
    expect(code).toMatch(/^\d{6}$/);
    if (!first.ok) return;
    const second = await world.security.completeSignIn({ attemptToken: first.attemptToken, code }, address);
    expect(second.ok).toBe(true);
    if (!second.ok) return;
    expect(second.sessionToken).not.toBe(first.attemptToken);
    expect(second.principal).toMatchObject({ kind: 'user', network, role: 'attendant', sites: ['WASH-01'], label: 'anna@sever.test' });
    expect(world.security.validateSession(second.sessionToken)).toEqual(second.principal);
    expect(world.security.validateSession(first.attemptToken)).toBeUndefined();
    const kinds = world.security.audit.query(network).entries.map((entry) => `${entry.kind}:${entry.outcome}`);
    expect(kinds).toEqual(['user.created:ok', 'user.created:ok', 'signin.code_sent:ok', 'signin.succeeded:ok']);
  });

  it('a code is single use: replaying it (or the attempt) is SIGN_IN_EXPIRED', async () => {
    const first = await world.security.beginSignIn({ network, email: 'anna@sever.test', password }, address);
    if (!first.ok) throw new Error(first.code);
    const code = codeOf(await world.sink.nth(1));
    expect((await world.security.completeSignIn({ attemptToken: first.attemptToken, code }, address)).ok).toBe(true);
    expect(await world.security.completeSignIn({ attemptToken: first.attemptToken, code }, address)).toMatchObject({ ok: false, code: 'SIGN_IN_EXPIRED' });
  });

  it('a code expires 10 minutes after the password step', async () => {
    const first = await world.security.beginSignIn({ network, email: 'anna@sever.test', password }, address);
    if (!first.ok) throw new Error(first.code);
    const code = codeOf(await world.sink.nth(1));
    world.harness.clock.advance(constants.signInCodeLifeMs);
    expect(await world.security.completeSignIn({ attemptToken: first.attemptToken, code }, address)).toMatchObject({ ok: false, code: 'SIGN_IN_EXPIRED' });
  });

  it('a wrong code is CODE_INVALID; the right one still works until the tries run out; a code is bound to its own attempt', async () => {
    const first = await world.security.beginSignIn({ network, email: 'anna@sever.test', password }, address);
    const second = await world.security.beginSignIn({ network, email: 'anna@sever.test', password }, address);
    if (!first.ok || !second.ok) throw new Error('password step');
    const firstCode = codeOf(await world.sink.nth(1));
    const secondCode = codeOf(await world.sink.nth(2));
    if (firstCode !== secondCode) expect(await world.security.completeSignIn({ attemptToken: second.attemptToken, code: firstCode }, address)).toMatchObject({ ok: false, code: 'CODE_INVALID' });
    expect(await world.security.completeSignIn({ attemptToken: first.attemptToken, code: wrongCode(firstCode) }, address)).toMatchObject({ ok: false, code: 'CODE_INVALID', message: 'the code is not right' });
    expect(await world.security.completeSignIn({ attemptToken: first.attemptToken, code: 'abcdef' }, address)).toMatchObject({ ok: false, code: 'CODE_INVALID' });
    expect((await world.security.completeSignIn({ attemptToken: first.attemptToken, code: firstCode }, address)).ok).toBe(true);
    for (let index = 0; index < constants.signInCodeTriesMax - 1; index++) {
      expect(await world.security.completeSignIn({ attemptToken: second.attemptToken, code: wrongCode(secondCode) }, address)).toMatchObject({ code: 'CODE_INVALID' });
    }
    // The attempt took its last try: even the right code is too late.
    expect(await world.security.completeSignIn({ attemptToken: second.attemptToken, code: secondCode }, address)).toMatchObject({ ok: false, code: 'SIGN_IN_EXPIRED' });
  });

  it('an unknown user gets exactly the answer of a wrong password, after the same hash work (a dummy hash)', async () => {
    const anna = world.security.users.byEmail(network, 'anna@sever.test');
    world.hasher.verified.length = 0;
    const wrong = await world.security.beginSignIn({ network, email: 'anna@sever.test', password: 'not the password' }, address);
    const unknown = await world.security.beginSignIn({ network, email: 'nobody@sever.test', password: 'not the password' }, address);
    const otherNetwork = await world.security.beginSignIn({ network: 'elsewhere', email: 'anna@sever.test', password }, address);
    expect(unknown).toEqual(wrong);
    expect(otherNetwork).toEqual(wrong);
    expect(wrong).toEqual({ ok: false, code: 'INVALID_CREDENTIALS', message: 'the e-mail or the password is not right' });
    expect(world.hasher.verified).toHaveLength(3);
    expect(world.hasher.verified[0]).toBe(anna?.passwordHash);
    // The unknown addresses were checked against a real Argon2id hash of the same cost.
    expect(world.hasher.verified[1]).toMatch(/^\$argon2id\$v=19\$m=1024,t=1,p=1\$/);
    expect(world.hasher.verified[2]).toBe(world.hasher.verified[1]);
    // A disabled user: the same again.
    const annaId = anna?.id ?? '';
    await world.security.users.setStatus(network, annaId, 'disabled', world.owner);
    expect(await world.security.beginSignIn({ network, email: 'anna@sever.test', password }, address)).toEqual(wrong);
    expect(world.hasher.verified).toHaveLength(4);
  });

  it('locks an account after 10 failures in a row for 30 minutes — a known and an unknown address alike — then lets the right password in', async () => {
    const answers = { known: [] as string[], unknown: [] as string[] };
    for (let index = 0; index < constants.signInFailuresBeforeLockMax; index++) {
      // Spaced out so that the per-account rate limit is not what answers.
      world.harness.clock.advance(Math.ceil(constants.signInRateWindowMs / constants.signInAttemptsPerAccountMax) + 1);
      for (const [kind, email] of [['known', 'anna@sever.test'], ['unknown', 'ghost@sever.test']] as const) {
        const answer = await world.security.beginSignIn({ network, email, password: `guess-${index}` }, `198.51.100.${index}`);
        answers[kind].push(answer.ok ? 'ok' : answer.code);
      }
    }
    expect(answers.known).toEqual(Array.from({ length: 10 }, () => 'INVALID_CREDENTIALS'));
    expect(answers.unknown).toEqual(answers.known);
    world.hasher.verified.length = 0;
    const locked = await world.security.beginSignIn({ network, email: 'anna@sever.test', password }, '192.0.2.1');
    const lockedUnknown = await world.security.beginSignIn({ network, email: 'ghost@sever.test', password }, '192.0.2.1');
    expect(locked).toMatchObject({ ok: false, code: 'LOCKED', message: 'too many failed sign-ins: try again later' });
    expect(lockedUnknown).toEqual(locked);
    expect(world.hasher.verified).toHaveLength(0);
    world.harness.clock.advance(constants.signInLockMs - 1_000);
    expect(await world.security.beginSignIn({ network, email: 'anna@sever.test', password }, '192.0.2.2')).toMatchObject({ code: 'LOCKED' });
    world.harness.clock.advance(1_000);
    expect((await world.security.beginSignIn({ network, email: 'anna@sever.test', password }, '192.0.2.2')).ok).toBe(true);
    const audited = world.security.audit.query(network, { kind: 'signin.locked' }).entries;
    expect(audited.map((entry) => entry.target?.type)).toEqual(['user', 'email']);
  });

  it('wrong codes count toward the lock too', async () => {
    let mails = 0;
    for (let round = 0; round < 2; round++) {
      const attempt = await world.security.beginSignIn({ network, email: 'anna@sever.test', password }, address);
      if (!attempt.ok) throw new Error(attempt.code);
      const code = codeOf(await world.sink.nth(++mails));
      for (let index = 0; index < constants.signInCodeTriesMax; index++) await world.security.completeSignIn({ attemptToken: attempt.attemptToken, code: wrongCode(code) }, address);
    }
    expect(world.security.lockedUntil(network, 'anna@sever.test')).toBe(world.harness.clock.now() + constants.signInLockMs);
    expect(await world.security.beginSignIn({ network, email: 'anna@sever.test', password }, address)).toMatchObject({ code: 'LOCKED' });
  });

  it('rate-limits per account and per client address', async () => {
    for (let index = 0; index < constants.signInAttemptsPerAccountMax; index++) {
      expect(await world.security.beginSignIn({ network, email: 'anna@sever.test', password: 'wrong password' }, `198.51.100.${index}`)).toMatchObject({ code: 'INVALID_CREDENTIALS' });
    }
    expect(await world.security.beginSignIn({ network, email: 'anna@sever.test', password }, '198.51.100.99')).toMatchObject({ code: 'RATE_LIMITED' });
    world.harness.clock.advance(constants.signInRateWindowMs);
    expect((await world.security.beginSignIn({ network, email: 'anna@sever.test', password }, '198.51.100.99')).ok).toBe(true);
    // One address spraying many accounts.
    for (let index = 0; index < constants.signInAttemptsPerAddressMax; index++) {
      expect(await world.security.beginSignIn({ network, email: `user${index}@sever.test`, password: 'wrong password' }, '192.0.2.50')).toMatchObject({ code: 'INVALID_CREDENTIALS' });
    }
    expect(await world.security.beginSignIn({ network, email: 'someone@sever.test', password: 'wrong password' }, '192.0.2.50')).toMatchObject({ code: 'RATE_LIMITED' });
    expect(await world.security.beginSignIn({ network, email: 'someone@sever.test', password: 'wrong password' }, '192.0.2.51')).toMatchObject({ code: 'INVALID_CREDENTIALS' });
  });
});

describe('sign-in with an authenticator app (TOTP)', () => {
  it('enrols with an otpauth URI and a first code; then sign-in asks for its codes, refuses a replayed one and takes the next', async () => {
    const world = await openWorld();
    await addUser(world, 'olga@sever.test', 'accountant');
    const session = await signIn(world, 'olga@sever.test', 1);
    const enrolment = await world.security.beginAuthenticatorEnrolment(session.principal);
    if (!enrolment.ok) throw new Error(enrolment.code);
    expect(enrolment.otpauthUri).toBe(`otpauth://totp/Tessera:olga%40sever.test?secret=${enrolment.secret}&issuer=Tessera`);
    const epoch = (): number => Math.floor(world.harness.clock.now() / 1000);
    expect(await world.security.confirmAuthenticatorEnrolment(session.principal, '000000')).toMatchObject({ ok: false });
    expect(await world.security.confirmAuthenticatorEnrolment(session.principal, generateSync({ secret: enrolment.secret, epoch: epoch() }))).toEqual({ ok: true });
    expect(world.security.users.get(network, session.principal.id)?.totp?.sealed).not.toContain(enrolment.secret);

    world.harness.clock.advance(constants.totpStepSeconds * 1000);
    const first = await world.security.beginSignIn({ network, email: 'olga@sever.test', password }, address);
    expect(first).toMatchObject({ ok: true, secondFactor: 'totp' });
    if (!first.ok) return;
    const code = generateSync({ secret: enrolment.secret, epoch: epoch() });
    const signedIn = await world.security.completeSignIn({ attemptToken: first.attemptToken, code }, address);
    expect(signedIn.ok).toBe(true);
    expect(world.sink.mails).toHaveLength(1); // no e-mail for an authenticator user
    const again = await world.security.beginSignIn({ network, email: 'olga@sever.test', password }, address);
    if (!again.ok) throw new Error(again.code);
    expect(await world.security.completeSignIn({ attemptToken: again.attemptToken, code }, address)).toMatchObject({ ok: false, code: 'CODE_INVALID' });
    world.harness.clock.advance(constants.totpStepSeconds * 1000);
    expect((await world.security.completeSignIn({ attemptToken: again.attemptToken, code: generateSync({ secret: enrolment.secret, epoch: epoch() }) }, address)).ok).toBe(true);
    // Two steps late is too late.
    const late = await world.security.beginSignIn({ network, email: 'olga@sever.test', password }, address);
    if (!late.ok) throw new Error(late.code);
    const stale = generateSync({ secret: enrolment.secret, epoch: epoch() - 2 * constants.totpStepSeconds });
    expect(await world.security.completeSignIn({ attemptToken: late.attemptToken, code: stale }, address)).toMatchObject({ code: 'CODE_INVALID' });
    expect(await world.security.removeAuthenticator(session.principal, 'wrong password')).toMatchObject({ ok: false, code: 'PASSWORD_WRONG' });
    expect(await world.security.removeAuthenticator(session.principal, password)).toEqual({ ok: true });
    expect(await world.security.beginSignIn({ network, email: 'olga@sever.test', password }, address)).toMatchObject({ ok: true, secondFactor: 'email' });
  });
});

describe('user sessions', () => {
  let world: World;
  beforeEach(async () => {
    world = await openWorld();
    await addUser(world, 'ivan@sever.test', 'operator', { sites: ['MSK-01', 'MSK-02'] });
  });

  it('logout ends the session and tells the listeners', async () => {
    const session = await signIn(world, 'ivan@sever.test', 1);
    expect(await world.security.logout(session.principal)).toBe(true);
    expect(world.ended).toEqual([{ sessionId: session.sessionId, network, userId: session.principal.id, reason: 'logout', at: world.harness.clock.now() }]);
    expect(world.security.validateSession(session.sessionToken)).toBeUndefined();
  });

  it("a password change ends the user's other sessions and keeps the one that changed it", async () => {
    const here = await signIn(world, 'ivan@sever.test', 1);
    const there = await signIn(world, 'ivan@sever.test', 2, '198.51.100.2');
    expect(await world.security.users.changePassword(here.principal, 'not it', 'a new long passphrase')).toMatchObject({ ok: false, code: 'PASSWORD_WRONG' });
    expect(world.ended).toEqual([]);
    expect(await world.security.users.changePassword(here.principal, password, 'a new long passphrase')).toMatchObject({ ok: true });
    expect(world.ended.map((ended) => [ended.sessionId, ended.reason])).toEqual([[there.sessionId, 'password_changed']]);
    expect(world.security.validateSession(there.sessionToken)).toBeUndefined();
    expect(world.security.validateSession(here.sessionToken)?.id).toBe(here.principal.id);
  });

  it('disabling a user ends all its sessions; a role change ends them too (live sockets filter by role)', async () => {
    const one = await signIn(world, 'ivan@sever.test', 1);
    const two = await signIn(world, 'ivan@sever.test', 2);
    const disabled = await world.security.users.setStatus(network, one.principal.id, 'disabled', world.owner, { address });
    expect(disabled).toMatchObject({ ok: true, value: { status: 'disabled' } });
    expect(world.ended.map((ended) => ended.reason)).toEqual(['disabled', 'disabled']);
    expect(world.security.validateSession(one.sessionToken)).toBeUndefined();
    expect(world.security.validateSession(two.sessionToken)).toBeUndefined();
    await world.security.users.setStatus(network, one.principal.id, 'active', world.owner);
    const three = await signIn(world, 'ivan@sever.test', 3);
    await world.security.users.update(network, one.principal.id, { sites: ['MSK-01'] }, world.owner);
    expect(world.ended.map((ended) => [ended.sessionId, ended.reason]).at(-1)).toEqual([three.sessionId, 'role_changed']);
  });

  it('ends after 30 idle minutes, and 12 hours after sign-in however busy; the sweep ends them for live sockets', async () => {
    const idle = await signIn(world, 'ivan@sever.test', 1);
    const busy = await signIn(world, 'ivan@sever.test', 2);
    const signedInAt = world.harness.clock.now();
    world.harness.clock.advance(constants.userSessionIdleMs - 1);
    expect(world.security.validateSession(busy.sessionToken)).toBeDefined();
    world.harness.clock.advance(1);
    expect(world.security.sweepSessions()).toBe(1);
    expect(world.ended).toEqual([expect.objectContaining({ sessionId: idle.sessionId, reason: 'idle' })]);
    expect(world.security.validateSession(idle.sessionToken)).toBeUndefined();
    const step = constants.userSessionIdleMs / 2;
    while (world.security.validateSession(busy.sessionToken) !== undefined) world.harness.clock.advance(step);
    const endedAfter = world.harness.clock.now() - signedInAt;
    expect(endedAfter).toBeGreaterThanOrEqual(constants.userSessionAbsoluteMs);
    expect(endedAfter).toBeLessThan(constants.userSessionAbsoluteMs + step);
    expect(world.ended.at(-1)).toMatchObject({ sessionId: busy.sessionId, reason: 'absolute' });
  });

  it('checks the CSRF token of the session (synchronizer), constant-time; an API key needs none', async () => {
    const one = await signIn(world, 'ivan@sever.test', 1);
    const two = await signIn(world, 'ivan@sever.test', 2);
    expect(world.security.checkCsrf(one.principal, one.csrfToken)).toBe(true);
    expect(world.security.checkCsrf(one.principal, two.csrfToken)).toBe(false);
    expect(world.security.checkCsrf(one.principal, undefined)).toBe(false);
    expect(world.security.checkCsrf(one.principal, '')).toBe(false);
    expect(world.security.checkCsrf(one.principal, one.sessionToken)).toBe(false);
    expect(world.security.checkCsrf({ ...one.principal, kind: 'apikey', sessionId: undefined }, undefined)).toBe(true);
    await world.security.logout(one.principal);
    expect(world.security.checkCsrf(one.principal, one.csrfToken)).toBe(false);
  });

  it('sessions and locks survive a restart; the token is kept on disk only as a keyed hash', async () => {
    const session = await signIn(world, 'ivan@sever.test', 1);
    for (let index = 0; index < constants.signInFailuresBeforeLockMax; index++) {
      world.harness.clock.advance(constants.signInRateWindowMs);
      await world.security.beginSignIn({ network, email: 'nobody@sever.test', password: 'guess guess guess' }, address);
    }
    await world.security.close();
    const restarted = await world.harness.restart();
    worlds.splice(worlds.indexOf(world), 1);
    const again = await openWorld(restarted, world.sink);
    expect(again.security.validateSession(session.sessionToken)?.id).toBe(session.principal.id);
    expect(again.security.lockedUntil(network, 'nobody@sever.test')).toBeDefined();
    expect(again.security.pruneLocks()).toBe(0);
    again.harness.clock.advance(constants.signInLockMs);
    expect(again.security.lockedUntil(network, 'nobody@sever.test')).toBeUndefined();
    expect(again.security.pruneLocks()).toBe(1);
    await restarted.engine.store.flushed();
    expect([...restarted.engine.store.referencesOf('security-lock')]).toEqual([]);
    for (const { value } of restarted.engine.store.referencesOf<Record<string, unknown>>('security-session')) {
      expect(JSON.stringify(value)).not.toContain(session.sessionToken);
      expect(JSON.stringify(value)).not.toContain(session.csrfToken);
    }
  });

  it('builds the session cookie: HttpOnly, SameSite=Strict, Secure over TLS', () => {
    expect(sessionCookie('tok', { tls: true })).toBe(`__Host-tessera_session=tok; Path=/; HttpOnly; SameSite=Strict; Max-Age=${constants.userSessionAbsoluteMs / 1000}; Secure`);
    expect(sessionCookie('tok', { tls: false })).toBe(`tessera_session=tok; Path=/; HttpOnly; SameSite=Strict; Max-Age=${constants.userSessionAbsoluteMs / 1000}`);
    expect(clearedSessionCookie({ tls: true })).toContain('Max-Age=0');
    expect(sessionTokenFromCookies('a=b; __Host-tessera_session=tok; c=d', { tls: true })).toBe('tok');
    expect(sessionTokenFromCookies('a=b', { tls: true })).toBeUndefined();
  });
});

describe('users', () => {
  it('only an owner deletes users or touches owners; the last owner stays; refusals are audited', async () => {
    const world = await openWorld();
    const adminId = await addUser(world, 'admin@sever.test', 'admin');
    const operatorId = await addUser(world, 'op@sever.test', 'operator', { sites: ['MSK-01'] });
    const admin = (await signIn(world, 'admin@sever.test', 1)).principal;
    expect(await world.security.users.delete(network, operatorId, admin, { address })).toMatchObject({ ok: false, code: 'FORBIDDEN' });
    expect(await world.security.users.create({ network, email: 'boss2@sever.test', role: 'owner', password }, admin)).toMatchObject({ ok: false, code: 'FORBIDDEN' });
    expect(await world.security.users.setStatus(network, world.owner.id, 'disabled', admin)).toMatchObject({ ok: false, code: 'FORBIDDEN' });
    expect(await world.security.users.update(network, operatorId, { sites: ['MSK-01', 'MSK-02'] }, admin)).toMatchObject({ ok: true, value: { sites: ['MSK-01', 'MSK-02'] } });
    expect(await world.security.users.delete(network, world.owner.id, world.owner)).toMatchObject({ ok: false, code: 'LAST_OWNER' });
    expect(await world.security.users.delete(network, operatorId, world.owner)).toMatchObject({ ok: true });
    expect(world.security.users.get(network, operatorId)).toBeUndefined();
    const refused = world.security.audit.query(network, { kind: 'access.refused' }).entries;
    expect(refused.map((entry) => [entry.action, entry.actor])).toEqual([
      ['users.delete', { kind: 'user', id: adminId, role: 'admin', label: 'admin@sever.test' }],
      ['owners.manage', { kind: 'user', id: adminId, role: 'admin', label: 'admin@sever.test' }],
      ['owners.manage', { kind: 'user', id: adminId, role: 'admin', label: 'admin@sever.test' }],
    ]);
    const updated = world.security.audit.query(network, { kind: 'user.updated' }).entries[0];
    expect(updated).toMatchObject({ action: 'users.manage', outcome: 'ok', before: { sites: ['MSK-01'] }, after: { sites: ['MSK-01', 'MSK-02'] }, target: { type: 'user', id: operatorId } });
  });

  it('checks roles against sites and records: an attendant needs a site of the network, a client its record; e-mails are unique', async () => {
    const world = await openWorld();
    const system = { kind: 'system', id: 'test' } as const;
    expect(await world.security.users.create({ network, email: 'a@sever.test', role: 'attendant', password }, system)).toMatchObject({ code: 'BAD_REQUEST' });
    expect(await world.security.users.create({ network, email: 'a@sever.test', role: 'attendant', password, sites: ['NOWHERE'] }, system)).toMatchObject({ code: 'BAD_REQUEST' });
    expect(await world.security.users.create({ network, email: 'c@sever.test', role: 'client', password }, system)).toMatchObject({ code: 'BAD_REQUEST' });
    expect(await world.security.users.create({ network, email: 'c@sever.test', role: 'client', password, owner: { kind: 'counterparty', id: 'nobody' } }, system)).toMatchObject({ code: 'BAD_REQUEST' });
    expect(await world.security.users.create({ network, email: 'c@sever.test', role: 'client', password, owner: { kind: 'client', id: 'ivanova' } }, system)).toMatchObject({ ok: true });
    expect(await world.security.users.create({ network, email: 'C@sever.test', role: 'accountant', password }, system)).toMatchObject({ code: 'EMAIL_TAKEN' });
    expect(await world.security.users.create({ network, email: 'short@sever.test', role: 'accountant', password: 'short' }, system)).toMatchObject({ code: 'BAD_REQUEST' });
    expect(await world.security.users.create({ network, email: 'not an address', role: 'accountant', password }, system)).toMatchObject({ code: 'BAD_REQUEST' });
  });
});

describe('the audit log', () => {
  it('records changes, sign-ins, failures and refusals; is queried by time, user and action; exports rows; holds no secret', async () => {
    const world = await openWorld();
    const clientId = await addUser(world, 'client@sever.test', 'client', { owner: { kind: 'counterparty', id: 'kuznetsov' } });
    world.harness.clock.advance(60_000);
    const start = world.harness.clock.now();
    await world.security.beginSignIn({ network, email: 'client@sever.test', password: 'wrong password!' }, address);
    const client = await signIn(world, 'client@sever.test', 1);
    const refusal = world.security.check(client.principal, 'transactions.read', { network, owner: { kind: 'counterparty', id: 'transline' } }, { address });
    expect(refusal).toEqual({ allowed: false, code: 'NOT_FOUND' });
    world.security.recordChange(world.owner, 'cards.block', { type: 'card', id: '700500******0017' }, { status: 'active', number: demoCards.fleet, pin: '1234' }, { status: 'blocked', number: demoCards.fleet }, { address });
    const ownerSession = await signIn(world, 'owner@sever.test', 2).catch(() => undefined);
    expect(ownerSession).toBeUndefined(); // the owner's password is another
    const page = world.security.audit.query(network, { from: start });
    expect(page.entries.map((entry) => `${entry.kind}/${entry.reason ?? ''}`)).toEqual(['signin.failed/INVALID_CREDENTIALS', 'signin.code_sent/email', 'signin.succeeded/email', 'access.refused/NOT_FOUND', 'change/', 'signin.failed/INVALID_CREDENTIALS']);
    expect(world.security.audit.query(network, { user: clientId, from: start }).entries.map((entry) => entry.kind)).toEqual(['signin.failed', 'signin.code_sent', 'signin.succeeded', 'access.refused']);
    const blocked = world.security.audit.query(network, { action: 'cards.block' }).entries;
    expect(blocked).toHaveLength(1);
    expect(blocked[0]).toMatchObject({ actor: { id: world.owner.id }, address, before: { status: 'active', number: '700500******0017', pin: '[redacted]' }, after: { status: 'blocked', number: '700500******0017' } });
    expect(world.security.audit.query(network, { to: start }).entries.every((entry) => entry.at < start)).toBe(true);
    const paged = world.security.audit.query(network, { limit: 2 });
    expect(paged.entries).toHaveLength(2);
    expect(world.security.audit.query(network, { afterSeq: paged.next, limit: 1 }).entries[0]?.seq).toBe(3);
    const refusedQuery = world.security.queryAudit(client.principal, network, {});
    expect(refusedQuery).toEqual({ allowed: false, code: 'FORBIDDEN' });
    const rows = auditRows(world.security.audit.query(network).entries);
    expect(rows[0]).toEqual(['seq', 'at', 'kind', 'action', 'outcome', 'reason', 'actor_kind', 'actor_id', 'actor_role', 'actor_label', 'address', 'target_type', 'target_id', 'before', 'after']);
    expect(rows.length).toBeGreaterThan(8);

    // No password, hash, code, token or full card number anywhere: journal, reference data, logs.
    await world.harness.engine.store.flushed();
    const everything = JSON.stringify([...world.harness.engine.store.feedAfter(0)]) + JSON.stringify(world.logs);
    const codes = world.sink.mails.map(codeOf);
    for (const secret of [password, ownerPassword, 'wrong password!', client.sessionToken, client.csrfToken, demoCards.fleet, ...codes]) expect(everything).not.toContain(secret);
    expect(everything).not.toContain('$argon2id$');
    const users = JSON.stringify([...world.harness.engine.store.referencesOf('security-user')]);
    expect(users).not.toContain(password);
  });

  it('has no call that edits or removes an entry', () => {
    expect(Object.getOwnPropertyNames(AuditLog.prototype).filter((name) => name !== 'constructor').sort()).toEqual(['query', 'record']);
  });
});

describe('configuration', () => {
  it('reads the SMTP server the sign-in codes share with alert e-mails from the environment; no host means no SMTP', () => {
    expect(smtpConfigFromEnvironment({})).toBeUndefined();
    expect(smtpConfigFromEnvironment({ TESSERA_SMTP_HOST: 'smtp.example.test', TESSERA_SMTP_TLS: 'implicit', TESSERA_SMTP_USER: 'tessera', TESSERA_SMTP_PASSWORD: 'pw', TESSERA_SMTP_FROM: 'Tessera <no-reply@example.test>' })).toEqual({
      host: 'smtp.example.test',
      port: 465,
      tls: 'implicit',
      user: 'tessera',
      password: 'pw',
      from: 'Tessera <no-reply@example.test>',
    });
    expect(() => smtpConfigFromEnvironment({ TESSERA_SMTP_HOST: 'h', TESSERA_SMTP_PORT: 'x', TESSERA_SMTP_FROM: 'a@b' })).toThrow('TESSERA_SMTP_PORT');
    expect(() => smtpConfigFromEnvironment({ TESSERA_SMTP_HOST: 'h' })).toThrow('TESSERA_SMTP_FROM');
  });
});
