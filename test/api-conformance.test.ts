// The OpenAPI document against the running server, as a terminal vendor or an integrator would try
// it: `tessera serve` with the demo network and the read model (PostgreSQL from DATABASE_URL, else
// 127.0.0.1:5432, else the embedded PGlite), real decisions made, an owner's API key. The document
// is a valid OpenAPI 3.1 document; every operation it lists is called (each has an example here, or
// the test names the ones missing), answers with its documented status and a body valid against its
// documented schema (JSON Schema 2020-12 through Ajv); without a key every protected one answers 401
// with the documented error body.

import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conformanceExamples, exampleRequest, openApiOperations } from './support/api-examples.js';
import type { ExampleContext, OpenApiDocument } from './support/api-examples.js';
import type { ApiServer } from './support/api-server.js';
import { startApiServer } from './support/api-server.js';
import { signedInAs } from './support/sign-in.js';
import type { SignedIn } from './support/sign-in.js';

type JsonSchema = Record<string, unknown>;

describe('the OpenAPI document against the running server', () => {
  let api: ApiServer;
  let document: OpenApiDocument;
  let person: SignedIn & { password: string };
  let otherPerson: SignedIn & { password: string };

  beforeAll(async () => {
    api = await startApiServer('conformance');
    person = await signedInAs(api.server, api.sink, 'owner');
    otherPerson = await signedInAs(api.server, api.sink, 'admin');
    const answer = await fetch(`${api.base}/api/v1/openapi.json`);
    expect(answer.status).toBe(200);
    document = (await answer.json()) as OpenApiDocument;
  }, 120_000);

  afterAll(async () => {
    await api.stop();
  });

  const operations = (): ReturnType<typeof openApiOperations> => openApiOperations(document);

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
    const result = await new Validator().validate(document as unknown as Parameters<Validator['validate']>[0]);
    expect(result.errors ?? [], JSON.stringify(result.errors ?? []).slice(0, 2_000)).toEqual([]);
    expect(result.valid).toBe(true);
    expect(document.openapi).toBe('3.1.0');
  });

  it('has an example for every documented operation (the test below calls each)', () => {
    const examples = conformanceExamples(api.facts);
    const missing = operations().filter(({ method, path }) => examples[`${method.toUpperCase()} ${path}`] === undefined).map(({ method, path }) => `${method.toUpperCase()} ${path}`);
    expect(missing).toEqual([]);
  });

  it('every operation answers with its documented status and a body valid against its documented schema', async () => {
    const ajv = validator();
    const examples = conformanceExamples(api.facts);
    // Deletions last (they remove what other calls look at), and signing out the very last.
    const ordered = operations();
    const failures: string[] = [];
    const context: ExampleContext = {
      fetchJson: (url) => fetch(`${api.base}${url}`, { headers: { authorization: `Bearer ${api.ownerKey}` } }).then((reply) => reply.json()),
      person: { network: 'sever', email: person.user.email, password: person.password },
      otherPerson: { network: 'sever', email: otherPerson.user.email, password: otherPerson.password },
      remember: {},
      sink: api.sink,
      port: api.server.http.port,
    };
    for (const { method, path, operation } of ordered) {
      const name = `${method.toUpperCase()} ${path}`;
      const example = examples[name];
      if (example === undefined) continue;
      const request = await exampleRequest(context, path, example, { key: api.ownerKey, user: person });
      const reply = await fetch(`${api.base}${request.url}`, { method: method.toUpperCase(), headers: request.headers, ...(request.body !== undefined ? { body: request.body } : {}) });
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
      const reply = await fetch(`${api.base}${url}`, { method: method.toUpperCase(), ...(operation.requestBody !== undefined ? { body: '{}', headers: { 'content-type': 'application/json' } } : {}) });
      const body: unknown = await reply.json().catch(() => undefined);
      if (reply.status !== 401 || !checkError(body) || (body as { error: { code: string } }).error.code !== 'UNAUTHENTICATED') failures.push(`${method.toUpperCase()} ${path} → ${reply.status} ${JSON.stringify(body)}`);
    }
    expect(failures).toEqual([]);
  });
});
