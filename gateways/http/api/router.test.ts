// The API router against a real uWS server on a free port: validation, body caps, authentication,
// CSRF, error codes, a streamed answer with backpressure, and the OpenAPI document made from the routes.

import uWS from 'uWebSockets.js';
import type { us_listen_socket } from 'uWebSockets.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from '../../../engine/index.js';
import type { Principal } from '../../../engine/index.js';
import { ApiError, mountApi, route } from './index.js';

const owner: Principal = { kind: 'apikey', id: 'key-1', network: 'n1', role: 'owner', sites: 'all' };
const person: Principal = { kind: 'user', id: 'user-1', network: 'n1', role: 'owner', sites: 'all', sessionId: 's1' };

const thing = z.object({ id: z.string(), limit: z.number().int() });

const routes = [
  route({
    method: 'get',
    path: '/api/v1/things/:id',
    summary: 'A thing',
    tag: 'things',
    action: 'transactions.read',
    query: z.object({ limit: z.coerce.number().int().min(1).max(100).default(10) }),
    response: thing,
    handle: ({ params, query }) => Promise.resolve({ body: { id: params['id'] ?? '', limit: query.limit } }),
  }),
  route({
    method: 'post',
    path: '/api/v1/things',
    summary: 'Make a thing',
    tag: 'things',
    action: 'network.configure',
    status: 201,
    bodyBytesMax: 1_000,
    body: z.object({ name: z.string().min(1).max(50) }),
    response: z.object({ name: z.string(), by: z.string() }),
    handle: ({ body, principal }) => Promise.resolve({ body: { name: body.name, by: principal?.id ?? '' } }),
  }),
  route({
    method: 'get',
    path: '/api/v1/things.csv',
    summary: 'Every thing as CSV',
    tag: 'things',
    action: 'reports.export',
    produces: ['text/csv'],
    response: z.string(),
    handle: () =>
      Promise.resolve({
        headers: { 'Content-Type': 'text/csv; charset=utf-8' },
        stream: async (sink) => {
          for (let batch = 0; batch < 200 && !sink.aborted; batch += 1) {
            const lines = Array.from({ length: 500 }, (_, index) => `${batch * 500 + index},${'x'.repeat(40)}\n`).join('');
            await sink.write(lines);
          }
        },
      }),
  }),
  route({
    method: 'get',
    path: '/api/v1/cut.csv',
    summary: 'Fails half-way through its stream',
    tag: 'things',
    action: 'public',
    produces: ['text/csv'],
    response: z.string(),
    handle: () =>
      Promise.resolve({
        headers: { 'Content-Type': 'text/csv; charset=utf-8' },
        stream: async (sink) => {
          await sink.write('first,line\n');
          throw new ApiError('NOT_FOUND', 'gone half-way');
        },
      }),
  }),
  route({
    method: 'get',
    path: '/api/v1/broken',
    summary: 'Always fails',
    tag: 'things',
    action: 'public',
    response: z.object({}),
    handle: () => Promise.reject(new Error('secret detail 4111111111111111')),
  }),
  route({
    method: 'get',
    path: '/api/v1/refused',
    summary: 'Refuses',
    tag: 'things',
    action: 'public',
    response: z.object({}),
    handle: () => Promise.reject(new ApiError('NOT_FOUND', 'no such thing')),
  }),
];

let socket: us_listen_socket;
let base = '';
const logged: string[] = [];

beforeAll(async () => {
  const app = uWS.App();
  mountApi(app, routes, {
    authenticators: [(request) => (request.headers['authorization'] === 'Bearer good' ? owner : undefined), (request) => (request.headers['cookie'] === 'tessera_session=t' ? person : undefined)],
    checkCsrf: (_principal, request) => request.headers['x-csrf-token'] === 'right',
    log: (_level, message, fields) => logged.push(`${message} ${JSON.stringify(fields)}`),
  });
  socket = await new Promise<us_listen_socket>((resolve, reject) => app.listen('127.0.0.1', 0, (listen) => (listen ? resolve(listen) : reject(new Error('no port')))));
  base = `http://127.0.0.1:${uWS.us_socket_local_port(socket)}`;
});

afterAll(() => uWS.us_listen_socket_close(socket));

const key = { authorization: 'Bearer good' };

describe('the API router', () => {
  it('answers a valid request with its validated, defaulted query', async () => {
    const response = await fetch(`${base}/api/v1/things/a%20b`, { headers: key });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ id: 'a b', limit: 10 });
  });

  it('refuses a path parameter that is not valid percent-encoding (400), and keeps serving', async () => {
    const response = await fetch(`${base}/api/v1/things/%E0%A4%A`, { headers: key });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { code: string; issues: { path: string }[] } };
    expect(body.error.code).toBe('BAD_REQUEST');
    expect(body.error.issues.map((issue) => issue.path)).toEqual(['path.id']);
    expect((await fetch(`${base}/api/v1/things/a`, { headers: key })).status).toBe(200);
  });

  it('refuses a caller without credentials (401) and never runs the handler', async () => {
    const response = await fetch(`${base}/api/v1/things/a`);
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('UNAUTHENTICATED');
  });

  it('refuses an invalid query with the paths of the issues, not the values', async () => {
    const response = await fetch(`${base}/api/v1/things/a?limit=5000`, { headers: key });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { code: string; issues: { path: string }[] } };
    expect(body.error.code).toBe('BAD_REQUEST');
    expect(body.error.issues.map((issue) => issue.path)).toEqual(['query.limit']);
    expect(JSON.stringify(body)).not.toContain('5000');
  });

  it('refuses a query parameter the route does not define, naming the ones it takes, never the unknown one', async () => {
    const response = await fetch(`${base}/api/v1/things/a?limt=5&7005000000000017=1`, { headers: key });
    expect(response.status).toBe(400);
    const text = await response.text();
    expect(JSON.parse(text)).toMatchObject({ error: { code: 'BAD_REQUEST', issues: [{ path: 'query', message: 'unknown query parameter: this route takes limit' }] } });
    expect(text).not.toContain('limt');
    expect(text).not.toContain('7005000000000017');
  });

  it('creates with 201, refuses bad JSON and a body over the cap (413)', async () => {
    const made = await fetch(`${base}/api/v1/things`, { method: 'POST', headers: key, body: JSON.stringify({ name: 'pump' }) });
    expect(made.status).toBe(201);
    expect(await made.json()).toEqual({ name: 'pump', by: 'key-1' });
    const broken = await fetch(`${base}/api/v1/things`, { method: 'POST', headers: key, body: '{"name":' });
    expect(broken.status).toBe(400);
    const large = await fetch(`${base}/api/v1/things`, { method: 'POST', headers: key, body: JSON.stringify({ name: 'x'.repeat(2_000) }) });
    expect(large.status).toBe(413);
    expect(((await large.json()) as { error: { code: string } }).error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('asks a cookie-authenticated write for its CSRF token; a key is not asked', async () => {
    const without = await fetch(`${base}/api/v1/things`, { method: 'POST', headers: { cookie: 'tessera_session=t' }, body: JSON.stringify({ name: 'pump' }) });
    expect(without.status).toBe(403);
    expect(((await without.json()) as { error: { code: string } }).error.code).toBe('CSRF_FAILED');
    const withToken = await fetch(`${base}/api/v1/things`, { method: 'POST', headers: { cookie: 'tessera_session=t', 'x-csrf-token': 'right' }, body: JSON.stringify({ name: 'pump' }) });
    expect(withToken.status).toBe(201);
    const read = await fetch(`${base}/api/v1/things/a`, { headers: { cookie: 'tessera_session=t' } });
    expect(read.status).toBe(200);
  });

  it('streams a large answer whole (backpressure honoured)', async () => {
    const response = await fetch(`${base}/api/v1/things.csv`, { headers: key });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const lines = (await response.text()).trimEnd().split('\n');
    expect(lines).toHaveLength(100_000);
    expect(lines.at(-1)?.startsWith('99999,')).toBe(true);
  });

  it('cuts the connection when a stream fails after its status line (no error answer glued to the data)', async () => {
    // Whether the cut lands before or after the headers reach the client, it never sees a complete answer.
    await expect(fetch(`${base}/api/v1/cut.csv`).then((response) => response.text())).rejects.toThrow();
    expect((await fetch(`${base}/api/v1/refused`)).status).toBe(404);
  });

  it('maps a failure to 500 without its details, and an ApiError to its code', async () => {
    const failed = await fetch(`${base}/api/v1/broken`);
    expect(failed.status).toBe(500);
    const text = await failed.text();
    expect(text).not.toContain('4111');
    expect(JSON.parse(text)).toEqual({ error: { code: 'INTERNAL', message: 'the request failed; it has been logged' } });
    expect(logged.some((line) => line.includes('/api/v1/broken'))).toBe(true);
    const refused = await fetch(`${base}/api/v1/refused`);
    expect(refused.status).toBe(404);
  });

  it('serves an OpenAPI 3.1 document made from the routes', async () => {
    const response = await fetch(`${base}/api/v1/openapi.json`);
    expect(response.status).toBe(200);
    const document = (await response.json()) as { openapi: string; paths: Record<string, Record<string, { 'x-permission'?: string; parameters?: { name: string; in: string }[]; responses: Record<string, unknown> }>> };
    expect(document.openapi).toBe('3.1.0');
    const get = document.paths['/api/v1/things/{id}']?.['get'];
    expect(get?.['x-permission']).toBe('transactions.read');
    expect(get?.parameters?.map((parameter) => `${parameter.in}:${parameter.name}`)).toEqual(['path:id', 'query:limit']);
    expect(Object.keys(document.paths['/api/v1/things']?.['post']?.responses ?? {})).toContain('201');
    expect(Object.keys(document.paths['/api/v1/things.csv']?.['get']?.responses ?? {})).toContain('200');
    expect(Object.keys(document.paths)).toContain('/api/v1/openapi.json');
  });
});
