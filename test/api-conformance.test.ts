// The OpenAPI document against the running server, as a terminal vendor or an integrator would try
// it: `tessera serve` with the demo network and the read model (PostgreSQL from DATABASE_URL, else
// 127.0.0.1:5432, else the embedded PGlite), real decisions made, an owner's API key. The document
// is a valid OpenAPI 3.1 document; every operation it lists is called (each has an example here, or
// the test names the ones missing), answers with its documented status and a body valid against its
// documented schema (JSON Schema 2020-12 through Ajv); without a key every protected one answers 401
// with the documented error body.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve } from '../engine/cli/index.js';
import type { RunningServer } from '../engine/cli/index.js';
import { demoCards, demoPins } from '../engine/index.js';
import type { Reply, TerminalRequest } from '../engine/index.js';
import { serverPostgresForTests, startSmtpSink } from '../engine/testing/index.js';
import type { PostgresForTests, SmtpSink } from '../engine/testing/index.js';
import { conformanceExamples } from './support/api-examples.js';
import type { ExampleContext, ExampleFacts } from './support/api-examples.js';
import { call, nthCodeTo, mailsTo, signedInAs } from './support/sign-in.js';
import type { SignedIn } from './support/sign-in.js';

type JsonSchema = Record<string, unknown>;
interface Operation {
  operationId: string;
  'x-permission'?: string;
  parameters?: { name: string; in: 'path' | 'query'; required: boolean }[];
  requestBody?: unknown;
  responses: Record<string, { content?: Record<string, { schema: JsonSchema }> }>;
}

describe('the OpenAPI document against the running server', () => {
  let server: RunningServer;
  let postgres: PostgresForTests | undefined;
  let dataDir: string;
  let base: string;
  let document: { openapi: string; paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, JsonSchema> } };
  let facts: ExampleFacts;
  let key: string;
  let sink: SmtpSink;
  let person: SignedIn & { password: string };
  let otherPerson: SignedIn & { password: string };
  let counter = 0;
  const submit = (terminal: string, request: TerminalRequest): Promise<Reply> => new Promise((resolve) => server.engine.submit(terminal, request, resolve));
  const id = (prefix: string): string => `${prefix}-${++counter}`;

  beforeAll(async () => {
    postgres = await serverPostgresForTests();
    dataDir = mkdtempSync(join(tmpdir(), 'tessera-conformance-'));
    sink = await startSmtpSink();
    server = await serve({
      dataDir,
      httpPort: 0,
      httpHost: '127.0.0.1',
      demo: true,
      readModel: { databaseUrl: postgres?.url },
      logger: pino({ level: 'silent' }),
      alerts: { environment: { TESSERA_SMTP_HOST: '127.0.0.1', TESSERA_SMTP_PORT: String(sink.port), TESSERA_SMTP_TLS: 'none', TESSERA_SMTP_FROM: 'tessera@sever.test' } },
    });
    base = `http://127.0.0.1:${server.http.port}`;
    const created = await server.security.apiKeys.create({ network: 'sever', role: 'owner', label: 'conformance' }, { kind: 'system', id: 'conformance-test' });
    if (!created.ok) throw new Error(created.message);
    key = created.value.token;
    person = await signedInAs(server, sink, 'owner');
    otherPerson = await signedInAs(server, sink, 'admin');

    // Something of every kind to find: fuel, a receipt and its return, a top-up, a wash session, a decline.
    const authorized = await submit('MSK-01-P1', { op: 'authorize', request: { id: id('auth'), card: demoCards.fleet, pin: demoPins.fleet ?? '', product: 'AI95', volume: 20_000 } });
    const completed = await submit('MSK-01-P1', { op: 'complete', request: { id: id('done'), authId: String(authorized['authId']), volume: 20_000 } });
    const sale = await submit('MSK-01-POS1', { op: 'sale', request: { id: id('sale'), card: demoCards.loyalty, lines: [{ product: 'COFFEE', qty: 2_000 }, { product: 'WATER', qty: 1_000 }] } });
    await submit('MSK-01-POS1', { op: 'refund', request: { id: id('ret'), txId: String(sale['txId']), lines: [{ product: 'WATER', qty: 1_000 }] } });
    await submit('MSK-01-POS1', { op: 'topup', request: { id: id('top'), card: demoCards.loyalty, amount: 50_000, method: 'cash' } });
    const started = await submit('WASH-01-B1', { op: 'session.start', request: { id: id('start'), client: { plate: 'А123ВС77' }, tariff: 'WASH-STD' } });
    await submit('WASH-01-B1', { op: 'session.stop', request: { id: id('stop'), sessionId: String(started['sessionId']), comment: 'conformance' } });
    await submit('MSK-01-P2', { op: 'authorize', request: { id: id('auth'), card: demoCards.fleet, pin: '0000', product: 'AI95', volume: 1_000 } });
    for (const reply of [authorized, completed, sale, started]) expect(reply, JSON.stringify(reply)).toMatchObject({ result: 'approved' });
    await server.readModel?.projector.caughtUp();
    const now = server.engine.clock.now();
    facts = {
      fuelTxId: String(completed['txId']),
      receiptTxId: String(sale['txId']),
      sessionId: String(started['sessionId']),
      cardNumber: demoCards.fleet,
      card: server.engine.identifyCard('sever', demoCards.fleet),
      from: new Date(now - 30 * 86_400_000).toISOString(),
      to: new Date(now + 86_400_000).toISOString(),
    };

    const answer = await fetch(`${base}/api/v1/openapi.json`);
    expect(answer.status).toBe(200);
    document = (await answer.json()) as typeof document;
  }, 120_000);

  afterAll(async () => {
    await server.stop();
    await postgres?.stop();
    await sink.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  function operations(): { method: string; path: string; operation: Operation }[] {
    return Object.entries(document.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, operation]) => ({ method, path, operation })));
  }

  function validator(): Ajv2020 {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats.default(ajv);
    ajv.addSchema(resolvable({ $id: 'components', $defs: document.components.schemas }));
    return ajv;
  }

  /** `#/components/schemas/X` → a reference Ajv resolves in the schema registered above. */
  function resolvable(schema: JsonSchema): JsonSchema {
    return JSON.parse(JSON.stringify(schema).replaceAll('"#/components/schemas/', '"components#/$defs/')) as JsonSchema;
  }

  it('is a valid OpenAPI 3.1 document', async () => {
    const result = await new Validator().validate(document);
    expect(result.errors ?? [], JSON.stringify(result.errors ?? []).slice(0, 2_000)).toEqual([]);
    expect(result.valid).toBe(true);
    expect(document.openapi).toBe('3.1.0');
  });

  it('has an example for every documented operation (the test below calls each)', () => {
    const examples = conformanceExamples(facts);
    const missing = operations().filter(({ method, path }) => examples[`${method.toUpperCase()} ${path}`] === undefined).map(({ method, path }) => `${method.toUpperCase()} ${path}`);
    expect(missing).toEqual([]);
  });

  it('every operation answers with its documented status and a body valid against its documented schema', async () => {
    const ajv = validator();
    const examples = conformanceExamples(facts);
    // Deletions last (they remove what other calls look at), and signing out the very last.
    const rank = (method: string, path: string): number => (path.endsWith('/auth/logout') ? 2 : method === 'delete' ? 1 : 0);
    const ordered = operations().sort((a, b) => rank(a.method, a.path) - rank(b.method, b.path));
    const failures: string[] = [];
    const context: ExampleContext = {
      fetchJson: (url) => fetch(`${base}${url}`, { headers: { authorization: `Bearer ${key}` } }).then((reply) => reply.json()),
      person: { network: 'sever', email: person.user.email, password: person.password },
      otherPerson: { network: 'sever', email: otherPerson.user.email, password: otherPerson.password },
      remember: {},
      signInAttempt: async () => {
        const before = mailsTo(sink, person.user.email).length;
        const step = await call(server.http.port, 'post', '/api/v1/auth/sign-in', { body: context.person, from: '127.0.0.250' });
        const { attemptToken } = step.json as { attemptToken: string };
        return { attemptToken, code: await nthCodeTo(sink, person.user.email, before + 1) };
      },
    };
    for (const { method, path, operation } of ordered) {
      const name = `${method.toUpperCase()} ${path}`;
      const example = examples[name];
      if (example === undefined) continue;
      const example_ = typeof example === 'function' ? await example(context) : example;
      const url = path.replace(/\{([^}]+)\}/g, (_match, parameter: string) => encodeURIComponent(example_.path?.[parameter] ?? `missing-${parameter}`)) + (example_.query ? `?${new URLSearchParams(example_.query).toString()}` : '');
      const credentials: Record<string, string> = example_.as === 'user' ? person.writeHeaders : { authorization: `Bearer ${key}` };
      const headers: Record<string, string> = { ...credentials, ...(example_.body !== undefined ? { 'content-type': 'application/json', 'idempotency-key': `conformance-${++counter}` } : {}) };
      const reply = await fetch(`${base}${url}`, { method: method.toUpperCase(), headers, ...(example_.body !== undefined ? { body: JSON.stringify(example_.body) } : {}) });
      const expected = Object.keys(operation.responses).find((status) => status.startsWith('2')) ?? '200';
      const text = Buffer.from(await reply.arrayBuffer());
      if (String(reply.status) !== expected) {
        failures.push(`${name} → ${reply.status} (documented ${expected}): ${text.toString('utf8').slice(0, 300)}`);
        continue;
      }
      const content = operation.responses[expected]?.content ?? {};
      const type = (reply.headers.get('content-type') ?? '').split(';')[0]?.trim() ?? '';
      const documented = content[type];
      if (documented === undefined) {
        failures.push(`${name}: content type ${type} is not among the documented ${Object.keys(content).join(', ')}`);
        continue;
      }
      if (type === 'application/json') {
        const check = ajv.compile(resolvable(documented.schema));
        const body: unknown = JSON.parse(text.toString('utf8'));
        if (!check(body)) failures.push(`${name}: body does not match its schema: ${ajv.errorsText(check.errors).slice(0, 500)}`);
        if (path.endsWith('/profile/authenticator')) context.remember.secret = (body as { secret: string }).secret;
      } else if (text.byteLength === 0) failures.push(`${name}: an empty ${type} answer`);
      else if (type.includes('spreadsheetml') && text.subarray(0, 2).toString('latin1') !== 'PK') failures.push(`${name}: not an xlsx (zip) file`);
    }
    expect(failures).toEqual([]);
  }, 120_000);

  it('without a key, every protected operation answers 401 with the documented error body', async () => {
    const ajv = validator();
    const checkError = ajv.compile(resolvable({ $ref: '#/components/schemas/Error' }));
    const failures: string[] = [];
    for (const { method, path, operation } of operations()) {
      if (operation['x-permission'] === undefined) continue;
      const url = path.replace(/\{([^}]+)\}/g, 'x');
      const reply = await fetch(`${base}${url}`, { method: method.toUpperCase(), ...(operation.requestBody !== undefined ? { body: '{}', headers: { 'content-type': 'application/json' } } : {}) });
      const body: unknown = await reply.json().catch(() => undefined);
      if (reply.status !== 401 || !checkError(body) || (body as { error: { code: string } }).error.code !== 'UNAUTHENTICATED') failures.push(`${method.toUpperCase()} ${path} → ${reply.status} ${JSON.stringify(body)}`);
    }
    expect(failures).toEqual([]);
  });
});
