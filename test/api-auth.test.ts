// People over HTTP against a running server (serve() on a temporary data directory, a simulated clock,
// sign-in codes e-mailed to an in-process SMTP sink): both steps of sign-in and the session cookie,
// CSRF on writes, replayed and expired codes, the same bytes for an unknown user and a wrong password,
// the lock after 10 failures, logout closing a live socket, Origin and scope on `/ws`, users with the
// owner-only rules, the profile, and the audit log — and no answer ever holds a password or a code.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { serve } from '../engine/cli/index.js';
import type { RunningServer } from '../engine/cli/index.js';
import { constants, demoCards, demoPins, SimulatedClock } from '../engine/index.js';
import type { Reply, TerminalRequest } from '../engine/index.js';
import type { SmtpSink } from '../engine/testing/index.js';
import { startSmtpSink } from '../engine/testing/index.js';
import type { HttpAnswer, HttpOptions, SignedIn } from './support/sign-in.js';
import { call, mailsTo, nthCodeTo, signIn, signedInAs } from './support/sign-in.js';

type Frame = Record<string, unknown> & { type: string };

class Socket {
  readonly frames: Frame[] = [];
  closed: { code: number } | undefined;
  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data: Buffer) => this.frames.push(JSON.parse(data.toString('utf8')) as Frame));
    socket.on('close', (code: number) => (this.closed = { code }));
  }

  /** Opens `/ws`; rejects with the refusal's status. */
  static open(port: number, headers: Record<string, string>, query = ''): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(`ws://127.0.0.1:${port}/ws${query}`, { headers });
      const client = new Socket(socket);
      socket.once('open', () => resolve(client));
      socket.once('unexpected-response', (_request, response) => reject(new Error(`upgrade refused: ${String(response.statusCode)}`)));
      socket.once('error', reject);
    });
  }

  subscribe(streams: string[]): void {
    this.socket.send(JSON.stringify({ type: 'subscribe', streams }));
  }

  feedItems(): Record<string, unknown>[] {
    return this.frames.filter((frame) => frame.type === 'feed').flatMap((frame) => frame['items'] as Record<string, unknown>[]);
  }

  async until(condition: () => boolean, what: string): Promise<void> {
    for (let attempt = 0; attempt < 500; attempt++) {
      if (condition()) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`timed out waiting for ${what}; frames: ${JSON.stringify(this.frames).slice(0, 2_000)}`);
  }
}

describe('sign-in, users and audit over HTTP', () => {
  let server: RunningServer;
  let sink: SmtpSink;
  let dataDir: string;
  let port: number;
  let owner: SignedIn & { password: string };
  const clock = new SimulatedClock(Date.parse('2026-12-03T09:00:00Z'));
  /** Every answer's text, and every password and code sent: none may appear in any answer. */
  const answers: string[] = [];
  const secrets: string[] = [];
  let counter = 0;

  const api = async (method: string, path: string, options: HttpOptions = {}): Promise<HttpAnswer> => {
    const answer = await call(port, method, path, options);
    answers.push(answer.text, JSON.stringify(answer.headers));
    return answer;
  };
  /** Moves the clock by `ms`, in steps the owner's session survives (it makes a request at each). */
  const pass = async (ms: number): Promise<void> => {
    for (let left = ms; left > 0; left -= constants.userSessionIdleMs / 3) {
      clock.advance(Math.min(left, constants.userSessionIdleMs / 3));
      expect((await api('get', '/api/v1/auth/me', { headers: { Cookie: owner.cookie } })).status).toBe(200);
    }
  };
  const submit = (terminal: string, request: TerminalRequest): Promise<Reply> => new Promise((resolve) => server.engine.submit(terminal, request, resolve));
  const authorizeAt = (terminal: string): Promise<Reply> => submit(terminal, { op: 'authorize', request: { id: `auth-${++counter}`, card: demoCards.fleet, pin: demoPins.fleet ?? '', product: 'AI95', volume: 1_000 } });
  const person = async (role: Parameters<typeof signedInAs>[2], extra: Parameters<typeof signedInAs>[3] = {}): Promise<SignedIn & { password: string }> => {
    const signed = await signedInAs(server, sink, role, extra);
    secrets.push(signed.password);
    return signed;
  };

  beforeAll(async () => {
    sink = await startSmtpSink();
    dataDir = mkdtempSync(join(tmpdir(), 'tessera-api-auth-'));
    server = await serve({
      dataDir,
      httpPort: 0,
      httpHost: '127.0.0.1',
      demo: true,
      clock,
      logger: pino({ level: 'silent' }),
      alerts: { environment: sink.environment },
    });
    port = server.http.port;
    owner = await person('owner');
  });
  afterAll(async () => {
    await server.stop();
    await sink.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('a password sent where a field name goes is refused as an unknown field and not read back', async () => {
    secrets.push('a passphrase as a key');
    const answer = await api('post', '/api/v1/auth/sign-in', { body: { network: 'sever', email: 'nobody@sever.test', password: 'x'.repeat(12), 'a passphrase as a key': 1 } });
    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject({ error: { code: 'BAD_REQUEST', issues: [{ path: 'body', message: expect.stringContaining('unknown field') as unknown }] } });
  });

  it('signs in with the password and the e-mailed code: an HttpOnly, SameSite=Strict cookie, no session token in the body; /auth/me knows who', async () => {
    await server.security.users.create({ network: 'sever', email: 'Anna@Sever.test', role: 'admin', password: 'anna passphrase 1' }, { kind: 'system', id: 'test' });
    secrets.push('anna passphrase 1');
    const step1 = await api('post', '/api/v1/auth/sign-in', { body: { network: 'sever', email: 'anna@sever.test', password: 'anna passphrase 1' } });
    expect(step1.status).toBe(200);
    expect(step1.json).toMatchObject({ secondFactor: 'email', expiresAt: new Date(clock.now() + constants.signInCodeLifeMs).toISOString() });
    const code = await nthCodeTo(sink, 'anna@sever.test', 1);
    secrets.push(code);
    const step2 = await api('post', '/api/v1/auth/code', { body: { attemptToken: (step1.json as { attemptToken: string }).attemptToken, code } });
    expect(step2.status).toBe(200);
    const setCookie = [step2.headers['set-cookie'] ?? []].flat();
    expect(setCookie).toHaveLength(1);
    const attributes = (setCookie[0] ?? '').split('; ');
    expect(attributes).toEqual(expect.arrayContaining(['Path=/', 'HttpOnly', 'SameSite=Strict', `Max-Age=${constants.userSessionAbsoluteMs / 1000}`]));
    expect(attributes).not.toContain('Secure');
    const token = (attributes[0] ?? '').replace(/^tessera_session=/, '');
    expect(token).toMatch(/^[\w-]{43}$/);
    expect(step2.text).not.toContain(token);
    expect(step2.json).toMatchObject({ user: { email: 'anna@sever.test', role: 'admin', status: 'active', authenticator: false }, idleTimeoutMs: constants.userSessionIdleMs });
    const me = await api('get', '/api/v1/auth/me', { headers: { Cookie: `tessera_session=${token}` } });
    expect(me.status).toBe(200);
    expect(me.json).toMatchObject({ kind: 'user', network: 'sever', role: 'admin', sites: 'all', user: { email: 'anna@sever.test' } });
    expect(me.text).not.toContain('passwordHash');
    expect((await api('get', '/api/v1/auth/me')).status).toBe(401);
    expect((await api('get', '/api/v1/auth/me', { headers: { Cookie: 'tessera_session=not-a-session' } })).status).toBe(401);
  });

  it('behind a TLS proxy (X-Forwarded-Proto: https) the cookie is __Host- and Secure, and only that name is read', async () => {
    const email = 'tls@sever.test';
    await server.security.users.create({ network: 'sever', email, role: 'accountant', password: 'tls passphrase 1' }, { kind: 'system', id: 'test' });
    secrets.push('tls passphrase 1');
    const proxied = { 'X-Forwarded-Proto': 'https' };
    const step1 = await api('post', '/api/v1/auth/sign-in', { body: { network: 'sever', email, password: 'tls passphrase 1' }, headers: proxied });
    const code = await nthCodeTo(sink, email, 1);
    secrets.push(code);
    const step2 = await api('post', '/api/v1/auth/code', { body: { attemptToken: (step1.json as { attemptToken: string }).attemptToken, code }, headers: proxied });
    const cookie = [step2.headers['set-cookie'] ?? []].flat()[0] ?? '';
    expect(cookie).toMatch(/^__Host-tessera_session=[\w-]{43}; /);
    expect(cookie.split('; ')).toContain('Secure');
    const value = cookie.split(';')[0] ?? '';
    expect((await api('get', '/api/v1/auth/me', { headers: { ...proxied, Cookie: value } })).status).toBe(200);
    // The same token under the plain name, over "TLS", is not read (a planted non-Secure cookie would be).
    expect((await api('get', '/api/v1/auth/me', { headers: { ...proxied, Cookie: value.replace('__Host-', '') } })).status).toBe(401);
  });

  it('a write without the CSRF header is 403 CSRF_FAILED, with another session’s token too; with its own it goes through', async () => {
    const other = await person('admin');
    const body = { email: 'csrf-made@sever.test', role: 'accountant', password: 'csrf made passphrase' };
    secrets.push(body.password);
    const without = await api('post', '/api/v1/users', { body, headers: { Cookie: owner.cookie } });
    expect(without.status).toBe(403);
    expect(without.json).toMatchObject({ error: { code: 'CSRF_FAILED' } });
    const foreign = await api('post', '/api/v1/users', { body, headers: { Cookie: owner.cookie, 'X-CSRF-Token': other.csrfToken } });
    expect(foreign.json).toMatchObject({ error: { code: 'CSRF_FAILED' } });
    expect(server.security.users.byEmail('sever', body.email)).toBeUndefined();
    const made = await api('post', '/api/v1/users', { body, headers: owner.writeHeaders });
    expect(made.status).toBe(201);
    expect(made.json).toMatchObject({ email: body.email, role: 'accountant', sites: [], status: 'active' });
  });

  it('refuses a replayed code and an expired one (SIGN_IN_EXPIRED), and a wrong code (CODE_INVALID)', async () => {
    const user = await person('accountant');
    const start = async (): Promise<string> => {
      const answer = await api('post', '/api/v1/auth/sign-in', { body: { network: 'sever', email: user.user.email, password: user.password } });
      expect(answer.status).toBe(200);
      return (answer.json as { attemptToken: string }).attemptToken;
    };
    // Replay: the code that signed in once does not sign in again.
    const first = await start();
    const code = await nthCodeTo(sink, user.user.email, 2);
    secrets.push(code);
    expect((await api('post', '/api/v1/auth/code', { body: { attemptToken: first, code } })).status).toBe(200);
    const replay = await api('post', '/api/v1/auth/code', { body: { attemptToken: first, code } });
    expect(replay.status).toBe(401);
    expect(replay.json).toMatchObject({ error: { code: 'SIGN_IN_EXPIRED' } });
    // A wrong code, then the right one once the attempt is over.
    const second = await start();
    const secondCode = await nthCodeTo(sink, user.user.email, 3);
    secrets.push(secondCode);
    const wrong = await api('post', '/api/v1/auth/code', { body: { attemptToken: second, code: secondCode === '000000' ? '111111' : '000000' } });
    expect(wrong.status).toBe(422);
    expect(wrong.json).toMatchObject({ error: { code: 'CODE_INVALID' } });
    await pass(constants.signInCodeLifeMs);
    const expired = await api('post', '/api/v1/auth/code', { body: { attemptToken: second, code: secondCode } });
    expect(expired.status).toBe(401);
    expect(expired.json).toMatchObject({ error: { code: 'SIGN_IN_EXPIRED' } });
    // Bad input is a 400 with paths, the value never echoed.
    const bad = await api('post', '/api/v1/auth/code', { body: { attemptToken: second } });
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ error: { code: 'BAD_REQUEST', issues: [{ path: 'body.code' }] } });
  });

  it('answers an unknown user and a wrong password with the same status and the same bytes', async () => {
    const known = await person('operator', { sites: ['MSK-01'] });
    const wrong = await api('post', '/api/v1/auth/sign-in', { body: { network: 'sever', email: known.user.email, password: 'not the password at all' }, from: '127.0.0.201' });
    const unknown = await api('post', '/api/v1/auth/sign-in', { body: { network: 'sever', email: 'nobody@sever.test', password: 'not the password at all' }, from: '127.0.0.201' });
    const otherNetwork = await api('post', '/api/v1/auth/sign-in', { body: { network: 'nowhere', email: known.user.email, password: known.password }, from: '127.0.0.201' });
    expect(wrong.status).toBe(401);
    expect(wrong.json).toEqual({ error: { code: 'INVALID_CREDENTIALS', message: 'the e-mail or the password is not right' } });
    for (const answer of [unknown, otherNetwork]) {
      expect(answer.status).toBe(wrong.status);
      expect(answer.text).toBe(wrong.text);
      expect(answer.headers['content-type']).toBe(wrong.headers['content-type']);
      expect(answer.headers['set-cookie']).toBeUndefined();
    }
  });

  it('locks an account after 10 failures in a row for 30 minutes (429 LOCKED, Retry-After), the right password too; unknown addresses alike', async () => {
    const victim = await person('attendant', { sites: ['WASH-01'] });
    const tryAs = (email: string, password: string, from: string): Promise<HttpAnswer> => api('post', '/api/v1/auth/sign-in', { body: { network: 'sever', email, password }, from });
    for (const email of [victim.user.email, 'ghost@sever.test']) {
      await pass(constants.signInRateWindowMs);
      for (let failure = 1; failure <= constants.signInFailuresBeforeLockMax; failure++) {
        // 5 submissions a minute per account: a minute passes between each five.
        if (failure > 1 && (failure - 1) % constants.signInAttemptsPerAccountMax === 0) await pass(constants.signInRateWindowMs);
        const answer = await tryAs(email, `wrong passphrase ${failure}`, '127.0.0.202');
        expect(answer.json).toMatchObject({ error: { code: 'INVALID_CREDENTIALS' } });
      }
      await pass(constants.signInRateWindowMs);
      const locked = await tryAs(email, email === victim.user.email ? victim.password : 'whatever it is', '127.0.0.203');
      expect(locked.status).toBe(429);
      expect(locked.json).toEqual({ error: { code: 'LOCKED', message: 'too many failed sign-ins: try again later' } });
      expect(Number(locked.headers['retry-after'])).toBe((constants.signInLockMs - constants.signInRateWindowMs) / 1000);
    }
    await pass(constants.signInLockMs);
    await signIn(port, sink, { network: 'sever', email: victim.user.email, password: victim.password }, '127.0.0.204');
    // Rate limit: the sixth submission within a minute for one account.
    for (let attempt = 1; attempt <= constants.signInAttemptsPerAccountMax; attempt++) await tryAs('burst@sever.test', 'wrong passphrase', '127.0.0.205');
    const limited = await tryAs('burst@sever.test', 'wrong passphrase', '127.0.0.205');
    expect(limited.status).toBe(429);
    expect(limited.json).toMatchObject({ error: { code: 'RATE_LIMITED' } });
    expect(Number(limited.headers['retry-after'])).toBe(constants.signInRateWindowMs / 1000);
    await pass(constants.signInRateWindowMs);
  });

  it('logout ends the session, clears the cookie and closes a live socket opened with it; a foreign Origin is refused', async () => {
    const admin = await person('admin');
    const origin = `http://127.0.0.1:${port}`;
    await expect(Socket.open(port, { Cookie: admin.cookie, Origin: 'https://evil.example' })).rejects.toThrow('403');
    await expect(Socket.open(port, { Origin: origin })).rejects.toThrow('401');
    // Without --dev-open-streams, the loopback viewer of ?network= is gone.
    await expect(Socket.open(port, {}, '?network=sever')).rejects.toThrow('401');
    const socket = await Socket.open(port, { Cookie: admin.cookie, Origin: origin });
    socket.subscribe(['feed']);
    await socket.until(() => socket.frames.some((frame) => frame.type === 'hello'), 'hello');
    expect((await api('post', '/api/v1/auth/logout', { headers: { Cookie: admin.cookie } })).json).toMatchObject({ error: { code: 'CSRF_FAILED' } });
    const out = await api('post', '/api/v1/auth/logout', { headers: admin.writeHeaders });
    expect(out.status).toBe(200);
    expect(out.json).toEqual({ ended: true });
    expect([out.headers['set-cookie'] ?? []].flat()[0]).toBe('tessera_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0');
    await socket.until(() => socket.closed !== undefined, 'the socket to close');
    expect(socket.closed).toEqual({ code: 4001 });
    expect((await api('get', '/api/v1/auth/me', { headers: { Cookie: admin.cookie } })).status).toBe(401);
    await expect(Socket.open(port, { Cookie: admin.cookie })).rejects.toThrow('401');
  });

  it('closes the sockets of a session that times out, of a disabled user, and of the other sessions on a password change', async () => {
    const idle = await person('accountant');
    const idleSocket = await Socket.open(port, { Cookie: idle.cookie });
    const disabled = await person('operator', { sites: ['MSK-01'] });
    const disabledSocket = await Socket.open(port, { Cookie: disabled.cookie });
    const changer = await person('admin');
    const elsewhere = await signIn(port, sink, { network: 'sever', email: changer.user.email, password: changer.password }, '127.0.0.206');
    const elsewhereSocket = await Socket.open(port, { Cookie: elsewhere.cookie });
    const hereSocket = await Socket.open(port, { Cookie: changer.cookie });

    const off = await api('patch', `/api/v1/users/${disabled.user.id}`, { body: { status: 'disabled' }, headers: owner.writeHeaders });
    expect(off.json).toMatchObject({ status: 'disabled' });
    await disabledSocket.until(() => disabledSocket.closed !== undefined, 'the disabled user’s socket to close');

    const next = 'a brand new passphrase';
    secrets.push(next);
    const wrongCurrent = await api('post', '/api/v1/profile/password', { body: { currentPassword: 'not my password', newPassword: next }, headers: changer.writeHeaders });
    expect(wrongCurrent.json).toMatchObject({ error: { code: 'PASSWORD_WRONG' } });
    const changed = await api('post', '/api/v1/profile/password', { body: { currentPassword: changer.password, newPassword: next }, headers: changer.writeHeaders });
    expect(changed.status).toBe(200);
    await elsewhereSocket.until(() => elsewhereSocket.closed !== undefined, 'the other session’s socket to close');
    expect((await api('get', '/api/v1/auth/me', { headers: { Cookie: changer.cookie } })).status).toBe(200);
    expect(hereSocket.closed).toBeUndefined();

    // Idle: nothing for 30 minutes — the sweep ends the session and its socket (the others stay in use).
    clock.advance(constants.userSessionIdleMs - 1);
    for (const active of [owner, changer]) expect((await api('get', '/api/v1/auth/me', { headers: { Cookie: active.cookie } })).status).toBe(200);
    clock.advance(1);
    server.security.sweepSessions();
    await idleSocket.until(() => idleSocket.closed !== undefined, 'the idle session’s socket to close');
    expect(hereSocket.closed).toBeUndefined();
    hereSocket.socket.close();
  });

  it('an attendant’s socket gets only its site’s feed, a client only its own account’s, the owner everything', async () => {
    const attendant = await person('attendant', { sites: ['MSK-02'] });
    const client = await person('client', { owner: { kind: 'counterparty', id: 'kuznetsov' } });
    const sockets = await Promise.all([owner, attendant, client].map((who) => Socket.open(port, { Cookie: who.cookie })));
    for (const socket of sockets) socket.subscribe(['feed']);
    for (const socket of sockets) await socket.until(() => socket.frames.some((frame) => frame.type === 'hello'), 'hello');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const [ownerSocket, attendantSocket, clientSocket] = sockets as [Socket, Socket, Socket];
    const mine = await authorizeAt('MSK-02-P1');
    const other = await authorizeAt('MSK-01-P1');
    const small = await submit('MSK-01-P2', { op: 'authorize', request: { id: `auth-${++counter}`, card: demoCards.small, product: 'AI95', volume: 1_000 } });
    expect([mine.result, other.result, small.result]).toEqual(['approved', 'approved', 'approved']);
    await ownerSocket.until(() => ownerSocket.feedItems().filter((item) => item['type'] === 'authorized').length >= 3, 'the owner’s three authorisations');
    await attendantSocket.until(() => attendantSocket.feedItems().some((item) => item['site'] === 'MSK-02'), 'the attendant’s site item');
    await clientSocket.until(() => clientSocket.feedItems().length > 0, 'the client’s item');
    // What arrives after the owner has it all has arrived for everyone (one batch).
    await new Promise((resolve) => setTimeout(resolve, constants.streamBatchMs * 3));
    expect(attendantSocket.feedItems().length).toBeGreaterThan(0);
    expect(attendantSocket.feedItems().every((item) => item['site'] === 'MSK-02')).toBe(true);
    expect(clientSocket.feedItems().every((item) => item['account'] === 'acct:sever:cp:kuznetsov')).toBe(true);
    expect(clientSocket.feedItems().some((item) => item['terminal'] === 'MSK-01-P2')).toBe(true);
    expect(ownerSocket.feedItems().map((item) => item['terminal'])).toEqual(expect.arrayContaining(['MSK-02-P1', 'MSK-01-P1', 'MSK-01-P2']));
    for (const socket of sockets) socket.socket.close();
  });

  it('a program opens /ws with its API key: an operator key watches its site; revoking the key closes the socket, and it is refused after', async () => {
    const made = await server.security.apiKeys.create({ network: 'sever', role: 'operator', sites: ['TVR-01'], label: 'site screen' }, { kind: 'system', id: 'test' });
    if (!made.ok) throw new Error(made.message);
    const socket = await Socket.open(port, { Authorization: `Bearer ${made.value.token}` });
    socket.subscribe(['feed']);
    await socket.until(() => socket.frames.some((frame) => frame.type === 'hello'), 'hello');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await authorizeAt('MSK-01-P1')).result).toBe('approved');
    expect((await authorizeAt('TVR-01-P1')).result).toBe('approved');
    await socket.until(() => socket.feedItems().some((item) => item['terminal'] === 'TVR-01-P1'), 'the site’s item');
    expect(socket.feedItems().every((item) => item['site'] === 'TVR-01')).toBe(true);
    await server.security.apiKeys.revoke('sever', made.value.key.id, { kind: 'system', id: 'test' });
    await socket.until(() => socket.closed !== undefined, 'the revoked key’s socket to close');
    expect(socket.closed).toEqual({ code: 4001 });
    await expect(Socket.open(port, { Authorization: `Bearer ${made.value.token}` })).rejects.toThrow('401');
  });

  it('the OpenAPI document describes these routes and is a valid OpenAPI 3.1 document', async () => {
    const answer = await api('get', '/api/v1/openapi.json');
    expect(answer.status).toBe(200);
    const document = answer.json as { paths: Record<string, Record<string, unknown>> };
    for (const path of ['/api/v1/auth/sign-in', '/api/v1/auth/code', '/api/v1/auth/logout', '/api/v1/auth/me', '/api/v1/users', '/api/v1/users/{id}', '/api/v1/users/{id}/password-reset', '/api/v1/profile/password', '/api/v1/profile/authenticator', '/api/v1/profile/authenticator/confirm', '/api/v1/profile/authenticator/remove', '/api/v1/audit', '/api/v1/exports/audit.csv', '/api/v1/exports/audit.xlsx']) {
      expect(document.paths[path], path).toBeDefined();
    }
    const { Validator } = await import('@seriousme/openapi-schema-validator');
    const result = await new Validator().validate(document);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('users: admins manage non-owners, only an owner makes, changes or deletes an owner, only an owner deletes; the last owner stays', async () => {
    const admin = await person('admin');
    const accountant = await person('accountant');
    const list = await api('get', '/api/v1/users', { headers: { Cookie: admin.cookie } });
    expect(list.status).toBe(200);
    const users = (list.json as { users: { id: string; email: string }[] }).users;
    expect(users.map((user) => user.email)).toEqual(expect.arrayContaining([owner.user.email, admin.user.email]));
    expect(list.text).not.toMatch(/argon2|passwordHash|totp/i);
    expect((await api('get', '/api/v1/users', { headers: { Cookie: accountant.cookie } })).status).toBe(403);

    const newOwner = { email: 'second-owner@sever.test', role: 'owner', password: 'second owner passphrase' };
    secrets.push(newOwner.password);
    expect((await api('post', '/api/v1/users', { body: newOwner, headers: admin.writeHeaders })).json).toMatchObject({ error: { code: 'FORBIDDEN' } });
    const made = await api('post', '/api/v1/users', { body: { ...newOwner, email: 'Second-Owner@sever.test' }, headers: owner.writeHeaders });
    expect(made.status).toBe(201);
    const secondOwner = made.json as { id: string };
    expect((await api('post', '/api/v1/users', { body: newOwner, headers: owner.writeHeaders })).json).toMatchObject({ error: { code: 'EMAIL_TAKEN' } });

    const worker = { email: 'worker@sever.test', role: 'operator', password: 'worker passphrase 1', sites: ['MSK-01'] };
    secrets.push(worker.password);
    // Each refusal names the field (docs/api.md: BAD_REQUEST with issue paths).
    expect((await api('post', '/api/v1/users', { body: { ...worker, sites: [] }, headers: admin.writeHeaders })).json).toMatchObject({ error: { code: 'BAD_REQUEST', issues: [{ path: 'body.sites' }] } });
    expect((await api('post', '/api/v1/users', { body: { ...worker, sites: ['NOPE-01'] }, headers: admin.writeHeaders })).json).toMatchObject({ error: { code: 'BAD_REQUEST', issues: [{ path: 'body.sites' }] } });
    expect((await api('post', '/api/v1/users', { body: { ...worker, password: 'short' }, headers: admin.writeHeaders })).json).toMatchObject({ error: { code: 'BAD_REQUEST', issues: [{ path: 'body.password' }] } });
    const created = await api('post', '/api/v1/users', { body: worker, headers: admin.writeHeaders });
    expect(created.status).toBe(201);
    const workerId = (created.json as { id: string }).id;
    const moved = await api('patch', `/api/v1/users/${workerId}`, { body: { sites: ['MSK-01', 'MSK-02'], name: 'Иван' }, headers: admin.writeHeaders });
    expect(moved.json).toMatchObject({ sites: ['MSK-01', 'MSK-02'], name: 'Иван' });
    expect((await api('patch', `/api/v1/users/${secondOwner.id}`, { body: { name: 'Не владелец' }, headers: admin.writeHeaders })).json).toMatchObject({ error: { code: 'FORBIDDEN' } });
    expect((await api('patch', `/api/v1/users/${secondOwner.id}`, { body: { status: 'disabled' }, headers: admin.writeHeaders })).json).toMatchObject({ error: { code: 'FORBIDDEN' } });
    expect((await api('patch', '/api/v1/users/u-nobody', { body: { name: 'x' }, headers: admin.writeHeaders })).status).toBe(404);
    expect((await api('patch', `/api/v1/users/${workerId}`, { body: { role: 'wizard' }, headers: admin.writeHeaders })).json).toMatchObject({ error: { code: 'BAD_REQUEST', issues: [{ path: 'body.role' }] } });

    const reset = 'reset by the admin 1';
    secrets.push(reset);
    expect((await api('post', `/api/v1/users/${workerId}/password-reset`, { body: { password: reset }, headers: admin.writeHeaders })).status).toBe(200);
    await signIn(port, sink, { network: 'sever', email: worker.email, password: reset }, '127.0.0.207');

    expect((await api('delete', `/api/v1/users/${workerId}`, { headers: admin.writeHeaders })).json).toMatchObject({ error: { code: 'FORBIDDEN' } });
    const deleted = await api('delete', `/api/v1/users/${workerId}`, { headers: owner.writeHeaders });
    expect(deleted.status).toBe(200);
    expect((await api('delete', `/api/v1/users/${workerId}`, { headers: owner.writeHeaders })).status).toBe(404);
    // Owners: the second one goes, the last one stays.
    expect((await api('delete', `/api/v1/users/${secondOwner.id}`, { headers: owner.writeHeaders })).status).toBe(200);
    expect((await api('patch', `/api/v1/users/${owner.user.id}`, { body: { role: 'admin' }, headers: owner.writeHeaders })).json).toMatchObject({ error: { code: 'LAST_OWNER' } });
    expect((await api('delete', `/api/v1/users/${owner.user.id}`, { headers: owner.writeHeaders })).status).toBe(409);
  });

  it('enrols an authenticator app: sign-in then asks for its code; removing it needs the password', async () => {
    const user = await person('accountant');
    const begun = await api('post', '/api/v1/profile/authenticator', { headers: user.writeHeaders });
    expect(begun.status).toBe(200);
    const { otpauthUri, secret } = begun.json as { otpauthUri: string; secret: string };
    expect(otpauthUri).toMatch(/^otpauth:\/\/totp\//);
    const { generateSync } = await import('otplib');
    const code = generateSync({ secret, epoch: Math.floor(clock.now() / 1000), period: constants.totpStepSeconds, digits: constants.signInCodeDigits });
    expect((await api('post', '/api/v1/profile/authenticator/confirm', { body: { code: code === '000000' ? '111111' : '000000' }, headers: user.writeHeaders })).json).toMatchObject({ error: { code: 'CODE_INVALID' } });
    expect((await api('post', '/api/v1/profile/authenticator/confirm', { body: { code }, headers: user.writeHeaders })).json).toEqual({ authenticator: true });
    const step1 = await api('post', '/api/v1/auth/sign-in', { body: { network: 'sever', email: user.user.email, password: user.password }, from: '127.0.0.208' });
    expect(step1.json).toMatchObject({ secondFactor: 'totp' });
    expect((await api('post', '/api/v1/profile/authenticator/remove', { body: { password: 'not my password' }, headers: user.writeHeaders })).json).toMatchObject({ error: { code: 'PASSWORD_WRONG' } });
    expect((await api('post', '/api/v1/profile/authenticator/remove', { body: { password: user.password }, headers: user.writeHeaders })).json).toEqual({ authenticator: false });
    expect(mailsTo(sink, user.user.email)).toHaveLength(1);
  });

  it('the audit lists sign-ins, failures and locks to those who may read it, pages by `after`, exports CSV and xlsx; no answer holds a password or a code', async () => {
    const accountant = await person('accountant');
    const operator = await person('operator', { sites: ['MSK-01'] });
    expect((await api('get', '/api/v1/audit', { headers: { Cookie: operator.cookie } })).status).toBe(403);
    const read = async (query: string): Promise<{ entries: { seq: number; kind: string; reason?: string; outcome: string; actor: { kind: string } }[]; next?: number }> => {
      const answer = await api('get', `/api/v1/audit${query}`, { headers: { Cookie: accountant.cookie } });
      expect(answer.status).toBe(200);
      return answer.json as never;
    };
    const failures = await read('?kind=signin.failed');
    expect(failures.entries.map((entry) => entry.reason)).toEqual(expect.arrayContaining(['INVALID_CREDENTIALS', 'CODE_INVALID', 'SIGN_IN_EXPIRED', 'LOCKED', 'RATE_LIMITED']));
    expect((await read('?kind=signin.succeeded')).entries.length).toBeGreaterThan(5);
    expect((await read('?kind=signin.locked')).entries).toHaveLength(2);
    expect((await read('?kind=session.ended')).entries.map((entry) => entry.reason)).toEqual(expect.arrayContaining(['logout', 'disabled', 'password_changed', 'idle']));
    expect((await read('?kind=access.refused')).entries.length).toBeGreaterThan(0);
    // Paging: two entries a page, in order, without gaps.
    const first = await read('?limit=2');
    expect(first.entries).toHaveLength(2);
    const second = await read(`?limit=2&after=${String(first.next)}`);
    expect(second.entries.map((entry) => entry.seq)).toEqual([(first.entries[1]?.seq ?? 0) + 1, (first.entries[1]?.seq ?? 0) + 2]);
    expect((await api('get', '/api/v1/audit?limit=0', { headers: { Cookie: accountant.cookie } })).json).toMatchObject({ error: { code: 'BAD_REQUEST', issues: [{ path: 'query.limit' }] } });

    const all = await read(`?limit=${constants.auditQueryEntriesMax}`);
    const csv = await api('get', '/api/v1/exports/audit.csv', { headers: { Cookie: accountant.cookie } });
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    const lines = csv.text.replace(/^\uFEFF/, '').trim().split('\n');
    expect(lines[0]).toBe('seq,at,kind,action,outcome,reason,actor_kind,actor_id,actor_role,actor_label,address,target_type,target_id,before,after');
    expect(lines.length).toBeGreaterThanOrEqual(all.entries.length + 1);
    const xlsx = await new Promise<Buffer>((resolve, reject) => {
      void import('node:http').then(({ get }) =>
        get({ host: '127.0.0.1', port, path: '/api/v1/exports/audit.xlsx?kind=signin.locked', headers: { Cookie: accountant.cookie } }, (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => resolve(Buffer.concat(chunks)));
          response.on('error', reject);
        }),
      );
    });
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(xlsx as unknown as ArrayBuffer);
    const sheet = workbook.worksheets[0];
    expect(sheet?.rowCount).toBe(3);
    expect(sheet?.getRow(2).getCell(3).value).toBe('signin.locked');
    answers.push(JSON.stringify(sheet?.getSheetValues()));
    expect((await api('get', '/api/v1/exports/audit.csv', { headers: { Cookie: operator.cookie } })).status).toBe(403);

    // Nothing any answer said holds a password typed or a code sent.
    const everything = answers.join('\n');
    expect(secrets.length).toBeGreaterThan(10);
    for (const secret of secrets) {
      // A code is six digits: it must not stand alone anywhere (inside a longer number it is not a code).
      if (/^\d+$/.test(secret)) expect(everything).not.toMatch(new RegExp(`(?<![\\d])${secret}(?![\\d])`));
      else expect(everything).not.toContain(secret);
    }
  });
});
