// Signing people in against a running server, for tests: raw HTTP requests (node:http, so a test sees
// the exact bytes and every Set-Cookie, and may come from another loopback address — sign-in limits
// count per client address), the e-mailed code caught by the SMTP sink, and a helper that makes a
// user of any role and signs it in (`signedInAs`), for tests that need a principal of each role.

import { request as httpRequest } from 'node:http';
import type { RunningServer } from '../../engine/cli/index.js';
import type { NewUser, Role } from '../../engine/index.js';
import type { CaughtMail, SmtpSink } from '../../engine/testing/index.js';
import { codeOf } from '../../engine/testing/index.js';

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The body's bytes as text. */
  text: string;
  json: unknown;
}

export interface HttpOptions {
  body?: unknown;
  headers?: Record<string, string>;
  /** The client's loopback address (127.0.0.N): sign-in limits count per address. */
  from?: string;
}

/** One HTTP request to the server on 127.0.0.1:`port`. */
export function call(port: number, method: string, path: string, options: HttpOptions = {}): Promise<HttpAnswer> {
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method: method.toUpperCase(),
        path,
        ...(options.from !== undefined ? { localAddress: options.from } : {}),
        headers: { ...(payload !== undefined ? { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(payload)) } : {}), ...options.headers },
      },
      (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
        incoming.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = text === '' ? undefined : JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: incoming.statusCode ?? 0, headers: incoming.headers, text, json });
        });
        incoming.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(payload);
  });
}

/** The mails to `address` the sink has caught so far. */
export function mailsTo(sink: SmtpSink, address: string): CaughtMail[] {
  return sink.mails.filter((mail) => mail.to.includes(address.toLowerCase()));
}

/** Waits for the `count`-th mail to `address` (1-based) and answers its sign-in code. */
export async function nthCodeTo(sink: SmtpSink, address: string, count: number): Promise<string> {
  for (let waited = 0; waited < 1_000; waited++) {
    const mail = mailsTo(sink, address)[count - 1];
    if (mail !== undefined) return codeOf(mail);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`no mail number ${count} to ${address}`);
}

export interface SignedIn {
  /** The `Cookie` header value to send back. */
  cookie: string;
  /** The Set-Cookie header the server sent. */
  setCookie: string;
  csrfToken: string;
  user: { id: string; role: Role; email: string; sites: string[] };
  /** Headers for a write: the cookie and the CSRF token. */
  writeHeaders: Record<string, string>;
}

/** Both steps of sign-in with an e-mailed code. */
export async function signIn(port: number, sink: SmtpSink, credentials: { network: string; email: string; password: string }, from?: string): Promise<SignedIn> {
  const before = mailsTo(sink, credentials.email).length;
  const step1 = await call(port, 'post', '/api/v1/auth/sign-in', { body: credentials, ...(from !== undefined ? { from } : {}) });
  if (step1.status !== 200) throw new Error(`sign-in refused: ${step1.status} ${step1.text}`);
  const { attemptToken } = step1.json as { attemptToken: string };
  const code = await nthCodeTo(sink, credentials.email, before + 1);
  const step2 = await call(port, 'post', '/api/v1/auth/code', { body: { attemptToken, code }, ...(from !== undefined ? { from } : {}) });
  if (step2.status !== 200) throw new Error(`code refused: ${step2.status} ${step2.text}`);
  const setCookie = [step2.headers['set-cookie'] ?? []].flat()[0];
  if (setCookie === undefined) throw new Error('no Set-Cookie after the code');
  const cookie = setCookie.split(';')[0] ?? '';
  const body = step2.json as { csrfToken: string; user: SignedIn['user'] };
  return { cookie, setCookie, csrfToken: body.csrfToken, user: body.user, writeHeaders: { Cookie: cookie, 'X-CSRF-Token': body.csrfToken } };
}

let created = 0;

/**
 * A new user of `role` in the server's network (made by the system, as `tessera user create` does)
 * and signed in. Operators and attendants need `sites`, clients an `owner`. Each comes from a loopback
 * address of its own, so sign-in limits per address do not add up across a test file.
 */
export async function signedInAs(server: RunningServer, sink: SmtpSink, role: Role, extra: Partial<Pick<NewUser, 'sites' | 'owner' | 'name'>> & { network?: string } = {}): Promise<SignedIn & { password: string }> {
  created++;
  const network = extra.network ?? 'sever';
  const email = `${role}-${created}@${network}.test`;
  const password = `a passphrase for ${role} ${created}`;
  const result = await server.security.users.create({ network, email, role, password, ...(extra.sites !== undefined ? { sites: extra.sites } : {}), ...(extra.owner !== undefined ? { owner: extra.owner } : {}), ...(extra.name !== undefined ? { name: extra.name } : {}) }, { kind: 'system', id: 'test' });
  if (!result.ok) throw new Error(`cannot create the ${role}: ${result.code} ${result.message}`);
  const signed = await signIn(server.http.port, sink, { network, email, password }, `127.0.0.${10 + (created % 240)}`);
  return { ...signed, password };
}
