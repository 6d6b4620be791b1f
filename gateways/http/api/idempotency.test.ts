// `Idempotency-Key` in the router, on a real uWS server with answers kept in a real LMDB store: a
// counting POST runs once for any number of retries; another body with the same key is 422; the same
// key while the first runs is 409; each caller has its own keys; validation errors, failures and
// streams are not kept, a handler's refusal is; Set-Cookie is not kept; records expire and are swept;
// and the OpenAPI document lists the header and the two answers on every POST that needs a caller.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import uWS from 'uWebSockets.js';
import type { us_listen_socket } from 'uWebSockets.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LmdbStore, Principal } from '../../../engine/index.js';
import { constants, Engine, SimulatedClock, z } from '../../../engine/index.js';
import { ApiError, LmdbIdempotencyStore, idempotencyKeyOf, mountApi, route } from './index.js';

const principals: Record<string, Principal> = {
  'Bearer one': { kind: 'apikey', id: 'key-1', network: 'n1', role: 'owner', sites: 'all' },
  'Bearer two': { kind: 'apikey', id: 'key-2', network: 'n1', role: 'owner', sites: 'all' },
};

let counted = 0;
let failures = 0;
let refusals = 0;
let publicCalls = 0;
let slowStarted: (() => void) | undefined;
let slowRelease: (() => void) | undefined;

const routes = [
  route({
    method: 'post',
    path: '/api/v1/counted',
    summary: 'Counts its calls',
    tag: 'test',
    action: 'network.configure',
    status: 201,
    body: z.object({ name: z.string().min(1) }),
    response: z.object({ name: z.string(), call: z.number() }),
    handle: ({ body }) => Promise.resolve({ body: { name: body.name, call: ++counted }, headers: { Location: `/api/v1/counted/${counted}`, 'Set-Cookie': 'x=1' } }),
  }),
  route({
    method: 'post',
    path: '/api/v1/slow',
    summary: 'Waits until released',
    tag: 'test',
    action: 'network.configure',
    response: z.object({ done: z.boolean() }),
    handle: async () => {
      await new Promise<void>((resolve) => {
        slowRelease = resolve;
        slowStarted?.();
      });
      return { body: { done: true } };
    },
  }),
  route({
    method: 'post',
    path: '/api/v1/flaky',
    summary: 'Fails, then succeeds',
    tag: 'test',
    action: 'network.configure',
    response: z.object({ attempt: z.number() }),
    handle: () => (++failures === 1 ? Promise.reject(new Error('down')) : Promise.resolve({ body: { attempt: failures } })),
  }),
  route({
    method: 'post',
    path: '/api/v1/refusing',
    summary: 'Refuses (a business outcome)',
    tag: 'test',
    action: 'network.configure',
    response: z.object({}),
    handle: () => {
      refusals++;
      return Promise.reject(new ApiError('NOT_FOUND', 'no such thing'));
    },
  }),
  route({
    method: 'post',
    path: '/api/v1/open',
    summary: 'Public',
    tag: 'test',
    action: 'public',
    response: z.object({ call: z.number() }),
    handle: () => Promise.resolve({ body: { call: ++publicCalls } }),
  }),
];

let socket: us_listen_socket;
let base = '';
let dataDir: string;
let engine: Engine;
let store: LmdbStore;
let answers: LmdbIdempotencyStore;
let document: Record<string, unknown>;
const clock = new SimulatedClock(Date.UTC(2026, 11, 1, 9, 0));

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'tessera-idempotency-'));
  engine = new Engine({ dataDir, clock, schedulers: false });
  store = engine.store;
  answers = new LmdbIdempotencyStore({ store, clock });
  const app = uWS.App();
  document = mountApi(app, routes, { authenticators: [(request) => principals[request.headers['authorization'] ?? '']], idempotency: answers }).document;
  socket = await new Promise<us_listen_socket>((resolve, reject) => app.listen('127.0.0.1', 0, (listen) => (listen ? resolve(listen) : reject(new Error('no port')))));
  base = `http://127.0.0.1:${uWS.us_socket_local_port(socket)}`;
});

afterAll(async () => {
  uWS.us_listen_socket_close(socket);
  await engine.close();
  rmSync(dataDir, { recursive: true, force: true });
});

interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

async function post(path: string, body: unknown, key: string | undefined, who = 'Bearer one'): Promise<Answer> {
  const response = await fetch(`${base}${path}`, { method: 'POST', headers: { authorization: who, ...(key !== undefined ? { 'idempotency-key': key } : {}) }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
}

describe('Idempotency-Key', () => {
  it('a retry gets the first answer again, marked as a replay, and the handler runs once', async () => {
    const before = counted;
    const first = await post('/api/v1/counted', { name: 'a' }, 'retry-1');
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replay')).toBeNull();
    const again = await Promise.all([post('/api/v1/counted', { name: 'a' }, 'retry-1'), post('/api/v1/counted', { name: 'a' }, '"retry-1"')]);
    for (const replay of again) {
      expect(replay.status).toBe(201);
      expect(replay.body).toEqual(first.body);
      expect(replay.headers.get('idempotent-replay')).toBe('true');
      expect(replay.headers.get('location')).toBe(first.headers.get('location'));
      expect(replay.headers.get('set-cookie')).toBeNull();
    }
    expect(counted).toBe(before + 1);
    // Without a key, every request runs.
    await post('/api/v1/counted', { name: 'a' }, undefined);
    expect(counted).toBe(before + 2);
  });

  it('the same key with another body (or another path) is 422 IDEMPOTENCY_KEY_REUSED; nothing runs', async () => {
    await post('/api/v1/counted', { name: 'b' }, 'reuse-1');
    const before = counted;
    const other = await post('/api/v1/counted', { name: 'c' }, 'reuse-1');
    expect(other.status).toBe(422);
    expect(other.body).toMatchObject({ error: { code: 'IDEMPOTENCY_KEY_REUSED' } });
    expect((await post('/api/v1/refusing', { name: 'b' }, 'reuse-1')).status).toBe(422);
    expect(counted).toBe(before);
  });

  it('the same key while the first request runs is 409 CONFLICT; once it is done, a retry replays', async () => {
    const started = new Promise<void>((resolve) => (slowStarted = resolve));
    const first = post('/api/v1/slow', {}, 'slow-1');
    await started;
    const during = await post('/api/v1/slow', {}, 'slow-1');
    expect(during.status).toBe(409);
    expect(during.body).toMatchObject({ error: { code: 'CONFLICT' } });
    expect((await post('/api/v1/slow', { other: true }, 'slow-1')).status).toBe(422);
    slowRelease?.();
    expect((await first).status).toBe(200);
    const after = await post('/api/v1/slow', {}, 'slow-1');
    expect(after).toMatchObject({ status: 200, body: { done: true } });
    expect(after.headers.get('idempotent-replay')).toBe('true');
  });

  it("a key is the caller's own: another caller's same key runs its own request", async () => {
    const before = counted;
    const mine = await post('/api/v1/counted', { name: 'd' }, 'shared-1', 'Bearer one');
    const theirs = await post('/api/v1/counted', { name: 'd' }, 'shared-1', 'Bearer two');
    expect(theirs.headers.get('idempotent-replay')).toBeNull();
    expect(theirs.body['call']).not.toBe(mine.body['call']);
    expect(counted).toBe(before + 2);
  });

  it('a validation error and a failure are not kept (the retry runs); a refusal by the handler is', async () => {
    const invalid = await post('/api/v1/counted', { name: '' }, 'fix-1');
    expect(invalid.status).toBe(400);
    const before = counted;
    expect((await post('/api/v1/counted', { name: 'fixed' }, 'fix-1')).status).toBe(201);
    expect(counted).toBe(before + 1);
    expect((await post('/api/v1/flaky', {}, 'flaky-1')).status).toBe(500);
    expect(await post('/api/v1/flaky', {}, 'flaky-1')).toMatchObject({ status: 200, body: { attempt: 2 } });
    const refusalsBefore = refusals;
    expect((await post('/api/v1/refusing', {}, 'refuse-1')).status).toBe(404);
    const replayed = await post('/api/v1/refusing', {}, 'refuse-1');
    expect(replayed).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
    expect(replayed.headers.get('idempotent-replay')).toBe('true');
    expect(refusals).toBe(refusalsBefore + 1);
  });

  it('a key is 1–255 printable ASCII characters (400 otherwise); a public POST ignores it', async () => {
    expect((await post('/api/v1/counted', { name: 'e' }, 'x'.repeat(256))).body).toMatchObject({ error: { code: 'BAD_REQUEST', issues: [{ path: 'header.idempotency-key' }] } });
    expect((await post('/api/v1/counted', { name: 'e' }, '""')).status).toBe(400);
    expect((await post('/api/v1/counted', { name: 'e' }, 'x'.repeat(255))).status).toBe(201);
    expect(() => idempotencyKeyOf('ключ')).toThrow(ApiError);
    expect(idempotencyKeyOf('"a \\"quoted\\" key"')).toBe('a "quoted" key');
    expect(idempotencyKeyOf(undefined)).toBeUndefined();
    await post('/api/v1/open', {}, 'open-1');
    expect((await post('/api/v1/open', {}, 'open-1')).body['call']).toBe(publicCalls);
    expect(publicCalls).toBe(2);
  });

  it('answers expire after the TTL (the request runs again) and are swept', async () => {
    await post('/api/v1/counted', { name: 'f' }, 'old-1');
    await store.flushed();
    expect(store.apiAnswer('n1/apikey/key-1', 'old-1')).toMatchObject({ at: clock.now() });
    clock.advance(constants.apiIdempotencyTtlMs);
    const before = counted;
    const after = await post('/api/v1/counted', { name: 'f' }, 'old-1');
    expect(after.headers.get('idempotent-replay')).toBeNull();
    expect(counted).toBe(before + 1);
    clock.advance(constants.apiIdempotencyTtlMs + 1);
    expect(answers.sweep()).toBeGreaterThan(0);
    await store.flushed();
    expect(store.apiAnswer('n1/apikey/key-1', 'old-1')).toBeUndefined();
    expect(store.apiAnswer('n1/apikey/key-1', 'retry-1')).toBeUndefined();
  });

  it('the OpenAPI document lists the header, the replay mark and 409/422 on every POST that needs a caller', () => {
    const paths = document['paths'] as Record<string, Record<string, { parameters?: { name: string; in: string }[]; responses: Record<string, { headers?: Record<string, unknown> }> }>>;
    for (const path of ['/api/v1/counted', '/api/v1/slow', '/api/v1/flaky', '/api/v1/refusing']) {
      const operation = paths[path]?.['post'];
      expect(operation?.parameters?.map((parameter) => `${parameter.in}:${parameter.name}`)).toContain('header:Idempotency-Key');
      expect(Object.keys(operation?.responses ?? {})).toEqual(expect.arrayContaining(['409', '422']));
    }
    expect(paths['/api/v1/counted']?.['post']?.responses['201']?.headers).toHaveProperty('Idempotent-Replay');
    expect(paths['/api/v1/open']?.['post']?.parameters ?? []).toEqual([]);
  });
});
