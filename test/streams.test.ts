// The live streams on `/ws` against a running server (in-process bus, the demo network): a decision
// reaches the feed after its flush, batched; a socket that reconnects with `since` catches up from
// the journal without duplicates; the wash board and today's figures; Origin and viewer checks at
// the upgrade; bad and oversized frames; a viewer whose session ends is closed.

import { request as httpRequest } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { pino } from 'pino';
import { serve } from '../engine/cli/index.js';
import type { RunningServer } from '../engine/cli/index.js';
import { demoCards, demoPins } from '../engine/index.js';
import type { Reply, TerminalRequest } from '../engine/index.js';

type Frame = Record<string, unknown> & { type: string };

/** A socket that collects the frames it gets. */
class Client {
  readonly frames: Frame[] = [];
  closed: { code: number } | undefined;
  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data: Buffer) => this.frames.push(JSON.parse(data.toString('utf8')) as Frame));
    socket.on('close', (code: number) => (this.closed = { code }));
  }

  static open(url: string, headers: Record<string, string> = {}): Promise<Client> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, { headers });
      const client = new Client(socket);
      socket.once('open', () => resolve(client));
      socket.once('unexpected-response', (_request, response) => reject(new Error(`upgrade refused: ${String(response.statusCode)}`)));
      socket.once('error', reject);
    });
  }

  subscribe(streams: string[], since?: number): void {
    this.socket.send(JSON.stringify({ type: 'subscribe', streams, ...(since !== undefined ? { since } : {}) }));
  }

  feedPositions(): number[] {
    return this.frames.filter((frame) => frame.type === 'feed').flatMap((frame) => (frame['items'] as { position: number }[]).map((item) => item.position));
  }

  async until(condition: () => boolean, what: string): Promise<void> {
    for (let attempt = 0; attempt < 200; attempt++) {
      if (condition()) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`timed out waiting for ${what}; frames: ${JSON.stringify(this.frames).slice(0, 2_000)}`);
  }

  close(): void {
    this.socket.close();
  }
}

describe('live streams', () => {
  let server: RunningServer;
  let dataDir: string;
  let url: string;
  let counter = 0;
  const submit = (terminal: string, request: TerminalRequest): Promise<Reply> => new Promise((resolve) => server.engine.submit(terminal, request, resolve));
  const authorize = (): Promise<Reply> => submit('MSK-01-P1', { op: 'authorize', request: { id: `s-${++counter}`, card: demoCards.fleet, pin: demoPins.fleet ?? '', product: 'AI95', volume: 1_000 } });

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'tessera-streams-'));
    // The loopback viewer (`/ws?network=`) is a development option since people sign in.
    server = await serve({ dataDir, httpPort: 0, httpHost: '127.0.0.1', demo: true, logger: pino({ level: 'silent' }), http: { devOpenStreams: true } });
    url = `ws://127.0.0.1:${server.http.port}/ws?network=sever`;
  });
  afterAll(async () => {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('says hello with the journal position, and delivers a decision to the feed after it is flushed', async () => {
    const client = await Client.open(url);
    await client.until(() => client.frames.some((frame) => frame.type === 'hello'), 'hello');
    expect(client.frames[0]).toMatchObject({ type: 'hello', position: server.engine.store.lastPosition, streams: ['feed', 'sessions', 'terminals', 'kpis', 'alerts'] });
    client.subscribe(['feed', 'kpis', 'terminals']);
    const reply = await authorize();
    await client.until(() => client.frames.some((frame) => frame.type === 'feed' && (frame['items'] as { authId?: string }[]).some((item) => item.authId === reply['authId'])), 'the authorisation in the feed');
    const item = client.frames.flatMap((frame) => (frame.type === 'feed' ? (frame['items'] as Record<string, unknown>[]) : [])).find((entry) => entry['authId'] === reply['authId']);
    expect(item).toMatchObject({ type: 'authorized', network: 'sever', site: 'MSK-01', terminal: 'MSK-01-P1', card: '700500******0017', amount: reply['approvedAmount'] });
    expect(item).not.toHaveProperty('usage');
    expect(item).not.toHaveProperty('cardHash');
    expect(JSON.stringify(client.frames)).not.toContain(demoCards.fleet);
    await client.until(() => client.frames.some((frame) => frame.type === 'terminals'), 'terminal status');
    expect(client.frames.find((frame) => frame.type === 'terminals')).toMatchObject({ terminals: expect.arrayContaining([expect.objectContaining({ id: 'MSK-01-P1', site: 'MSK-01' })]) as unknown });
    client.close();
  });

  it('batches: many decisions in one window arrive in few frames', async () => {
    const client = await Client.open(url);
    client.subscribe(['feed']);
    await client.until(() => client.frames.some((frame) => frame.type === 'hello'), 'hello');
    const replies = await Promise.all(Array.from({ length: 50 }, () => authorize()));
    const ids = new Set(replies.map((reply) => reply['authId']));
    await client.until(() => client.frames.flatMap((frame) => (frame.type === 'feed' ? (frame['items'] as { authId?: string }[]) : [])).filter((item) => ids.has(item.authId)).length === 50, 'fifty items');
    expect(client.frames.filter((frame) => frame.type === 'feed').length).toBeLessThan(10);
    client.close();
  });

  it('a socket that reconnects with `since` catches up from the journal: every position once', async () => {
    const first = await Client.open(url);
    first.subscribe(['feed']);
    await authorize();
    await first.until(() => first.feedPositions().length > 0, 'a first item');
    const seen = Math.max(...first.feedPositions());
    first.close();
    // While nobody watches, the engine goes on deciding.
    const missed = await Promise.all(Array.from({ length: 5 }, () => authorize()));
    const second = await Client.open(url);
    second.subscribe(['feed'], seen);
    const live = await authorize();
    await second.until(() => second.frames.some((frame) => frame.type === 'feed' && (frame['items'] as { authId?: string }[]).some((item) => item.authId === live['authId'])), 'the live item after the replay');
    // The client's rule: ignore positions it has seen. Replay and live together hold every event
    // after `since`, with no gap, and every decision made while the socket was away.
    const unique = [...new Set(second.feedPositions())].filter((position) => position > seen).sort((a, b) => a - b);
    expect(unique).toEqual(Array.from({ length: unique.length }, (_, index) => seen + 1 + index));
    const items = second.frames.flatMap((frame) => (frame.type === 'feed' ? (frame['items'] as { authId?: string }[]) : []));
    for (const reply of missed) expect(items.some((item) => item.authId === reply['authId'])).toBe(true);
    expect(second.frames.some((frame) => frame.type === 'feed' && frame['replay'] === true)).toBe(true);
    second.close();
  });

  it('the wash board arrives on subscribe and again when a session starts', async () => {
    const client = await Client.open(url);
    client.subscribe(['sessions']);
    await client.until(() => client.frames.some((frame) => frame.type === 'sessions' && frame['site'] === 'WASH-01'), 'the first board');
    const started = await submit('WASH-01-K1', { op: 'session.start', request: { id: `w-${++counter}`, client: { plate: 'A123BC77' }, tariff: 'WASH-STD' } });
    expect(started.result).toBe('approved');
    await client.until(() => client.frames.some((frame) => frame.type === 'sessions' && (frame['sessions'] as { sessionId: string }[]).some((session) => session.sessionId === started['sessionId'])), 'the session on the board');
    await submit('WASH-01-K1', { op: 'session.stop', request: { id: `w-${++counter}`, sessionId: String(started['sessionId']) } });
    client.close();
  });

  it('today’s figures count what was decided today', async () => {
    const client = await Client.open(url);
    client.subscribe(['kpis']);
    await client.until(() => client.frames.some((frame) => frame.type === 'kpis' && frame['scope'] === 'sever'), 'the figures');
    const before = client.frames.find((frame) => frame.type === 'kpis') as unknown as { declines: number };
    await submit('MSK-01-P1', { op: 'authorize', request: { id: `k-${++counter}`, card: demoCards.blocked, product: 'AI95', volume: 1_000 } });
    await client.until(() => client.frames.filter((frame) => frame.type === 'kpis').some((frame) => (frame as unknown as { declines: number }).declines === before.declines + 1), 'one more decline');
    client.close();
  });

  it('the served gateway has the API document at /api/v1/openapi.json, and unknown paths answer a JSON 404', async () => {
    const document = await fetch(`http://127.0.0.1:${server.http.port}/api/v1/openapi.json`);
    expect(document.status).toBe(200);
    expect(((await document.json()) as { openapi: string }).openapi).toBe('3.1.0');
    const missing = await fetch(`http://127.0.0.1:${server.http.port}/api/v1/no-such-thing`, { method: 'POST' });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
  });

  it('the machine-local import answers a bad document 400 with issue paths, as the rest of the API', async () => {
    const post = async (body: string): Promise<{ status: number; json: { error?: { code: string; issues?: { path: string }[] } } }> => {
      const answer = await fetch(`http://127.0.0.1:${server.http.port}/api/v1/import`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
      return { status: answer.status, json: (await answer.json()) as { error?: { code: string; issues?: { path: string }[] } } };
    };
    const empty = await post('{}');
    expect(empty.status).toBe(400);
    expect(empty.json.error?.code).toBe('BAD_REQUEST');
    expect(empty.json.error?.issues?.map((issue) => issue.path)).toContain('body.network');
    expect(await post('not json')).toMatchObject({ status: 400, json: { error: { code: 'BAD_REQUEST', issues: [{ path: 'body' }] } } });
  });

  it('refuses a foreign Origin, an unknown network and a remote viewer; answers bad frames; closes oversized ones', async () => {
    await expect(Client.open(url, { Origin: 'https://evil.example' })).rejects.toThrow('403');
    await expect(Client.open(`ws://127.0.0.1:${server.http.port}/ws?network=nope`)).rejects.toThrow('401');
    await expect(Client.open(`ws://127.0.0.1:${server.http.port}/ws`)).rejects.toThrow('401');
    // The refusals carry the API's own codes (docs/api.md), not words of their own.
    const refusal = (headers: Record<string, string> = {}): Promise<{ status: number; body: unknown }> =>
      new Promise((resolve, reject) => {
        const upgrade = { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==' };
        const request = httpRequest({ host: '127.0.0.1', port: server.http.port, path: '/ws', headers: { ...upgrade, ...headers } }, (response) => {
          let text = '';
          response.on('data', (chunk: Buffer) => (text += chunk.toString()));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) as unknown }));
        });
        request.on('error', reject);
        request.end();
      });
    expect(await refusal()).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHENTICATED' } } });
    expect(await refusal({ Origin: 'https://evil.example' })).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } } });
    const same = await Client.open(url, { Origin: `http://127.0.0.1:${server.http.port}` });
    same.socket.send('not json');
    same.socket.send(JSON.stringify({ type: 'subscribe', streams: ['nope'] }));
    same.socket.send(JSON.stringify({ type: 'subscribe', streams: ['feed'], since: -1 }));
    await same.until(() => same.frames.filter((frame) => frame.type === 'error').length === 3, 'three errors');
    expect(same.frames.filter((frame) => frame.type === 'error').map((frame) => (frame['error'] as { code: string }).code)).toEqual(['BAD_REQUEST', 'BAD_REQUEST', 'BAD_REQUEST']);
    same.socket.send('x'.repeat(64 * 1024));
    await same.until(() => same.closed !== undefined, 'the close');
  });

  it('closes the sockets of a viewer whose session ended', async () => {
    const client = await Client.open(url);
    client.subscribe(['feed']);
    await client.until(() => client.frames.some((frame) => frame.type === 'hello'), 'hello');
    expect(server.http.streams.endViewers((viewer) => viewer.network === 'sever')).toBeGreaterThan(0);
    await client.until(() => client.closed !== undefined, 'the close');
    expect(client.closed?.code).toBe(4001);
  });
});
