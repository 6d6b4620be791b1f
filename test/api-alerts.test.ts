// The alert book over HTTP, against serve() with the demo network on a simulated clock: five declines
// of the blocked card at MSK-01 raise a `declines` alert; the owner lists it (the masked card only),
// an operator of MSK-01 sees and acknowledges it while an operator of MSK-02 does not see it at all,
// an accountant reads but may not act, the owner resolves it with a note, and each change reaches a
// socket on the `alerts` stream. Bad input is 400 with a path and changes nothing; a second
// acknowledgement or resolution is 409.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { RunningServer } from '../engine/cli/index.js';
import { serve } from '../engine/cli/index.js';
import type { Reply, TerminalRequest } from '../engine/index.js';
import { SimulatedClock, demoCards } from '../engine/index.js';
import type { SmtpSink } from '../engine/testing/index.js';
import { startSmtpSink } from '../engine/testing/index.js';
import type { HttpAnswer, SignedIn } from './support/sign-in.js';
import { call, signedInAs } from './support/sign-in.js';

interface AlertBody {
  id: string;
  number: number;
  rule: string;
  severity: string;
  status: string;
  subject: { kind: string; id: string; card?: string; site?: string };
  message: string;
  raisedAt: string;
  acknowledged?: { by: string; at: string };
  resolved?: { by: string; at: string; note?: string };
}

describe('alerts over HTTP', () => {
  let dataDir: string;
  let sink: SmtpSink;
  let server: RunningServer;
  let owner: SignedIn;
  let accountant: SignedIn;
  let operator: SignedIn;
  let otherOperator: SignedIn;
  const clock = new SimulatedClock(Date.parse('2026-06-10T09:00:00Z'));

  const get = (who: SignedIn, path: string): Promise<HttpAnswer> => call(server.http.port, 'get', path, { headers: { Cookie: who.cookie } });
  const post = (who: SignedIn, path: string, body: unknown = {}): Promise<HttpAnswer> => call(server.http.port, 'post', path, { body, headers: who.writeHeaders });
  const submit = (terminal: string, request: TerminalRequest): Promise<Reply> => new Promise((resolve) => server.engine.submit(terminal, request, resolve));

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'tessera-api-alerts-'));
    sink = await startSmtpSink();
    server = await serve({
      dataDir,
      httpPort: 0,
      httpHost: '127.0.0.1',
      demo: true,
      clock,
      logger: pino({ level: 'silent' }),
      alerts: { environment: sink.environment },
    });
    owner = await signedInAs(server, sink, 'owner');
    accountant = await signedInAs(server, sink, 'accountant');
    operator = await signedInAs(server, sink, 'operator', { sites: ['MSK-01'] });
    otherOperator = await signedInAs(server, sink, 'operator', { sites: ['MSK-02'] });
    for (let attempt = 1; attempt <= 5; attempt++) {
      const reply = await submit('MSK-01-P1', { op: 'authorize', request: { id: `alerts-blocked-${attempt}`, card: demoCards.blocked, product: 'AI95', volume: 10_000 } });
      expect(reply).toMatchObject({ result: 'declined', reason: 'CARD_BLOCKED' });
    }
    await server.engine.alerts.idle();
  }, 60_000);

  afterAll(async () => {
    await server.stop();
    await sink.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('lists the alert the declines raised, with the masked card and the site, never the full number', async () => {
    const answer = await get(owner, '/api/v1/alerts');
    expect(answer.status).toBe(200);
    const body = answer.json as { items: AlertBody[]; unresolved: number };
    expect(body.unresolved).toBe(1);
    expect(body.items).toHaveLength(1);
    const [alert] = body.items;
    expect(alert).toMatchObject({ id: 'sever:alert:1', number: 1, rule: 'declines', severity: 'warning', status: 'open', subject: { kind: 'card', card: '700500******0041', site: 'MSK-01' } });
    // A known card (declined at the door: it has no PIN) is named by its keyed hash, not its masked number.
    expect(alert?.subject.id).toBe(`sever:${server.engine.identifyCard('sever', demoCards.blocked).hash}`);
    expect(alert?.raisedAt).toBe(new Date(clock.now()).toISOString());
    expect(answer.text).not.toContain(demoCards.blocked);
    expect((await get(owner, '/api/v1/alerts/1')).json).toMatchObject({ id: 'sever:alert:1', status: 'open' });
    expect((await get(owner, '/api/v1/alerts?severity=critical')).json).toMatchObject({ items: [], unresolved: 1 });
    expect((await get(owner, '/api/v1/alerts?rule=declines&site=MSK-01')).json).toMatchObject({ items: [{ number: 1 }] });
  });

  it('shows an operator the alerts of its own sites only', async () => {
    expect((await get(operator, '/api/v1/alerts')).json).toMatchObject({ items: [{ number: 1 }], unresolved: 1 });
    expect((await get(otherOperator, '/api/v1/alerts')).json).toMatchObject({ items: [], unresolved: 0 });
    expect((await get(otherOperator, '/api/v1/alerts/1')).status).toBe(404);
    expect((await post(otherOperator, '/api/v1/alerts/1/acknowledge')).status).toBe(404);
  });

  it('refuses bad input with a path, and a role without alerts.manage, changing nothing', async () => {
    const bad = await get(owner, '/api/v1/alerts?status=closed');
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ error: { code: 'BAD_REQUEST', issues: [{ path: 'query.status' }] } });
    expect((await get(owner, '/api/v1/alerts/abc')).json).toMatchObject({ error: { code: 'BAD_REQUEST', issues: [{ path: 'path.number' }] } });
    expect((await get(owner, '/api/v1/alerts/999')).status).toBe(404);
    const unknownField = await post(owner, '/api/v1/alerts/1/resolve', { note: 'x', pin: '1234' });
    expect(unknownField.status).toBe(400);
    expect(unknownField.text).not.toContain('pin');
    expect((await post(owner, '/api/v1/alerts/1/resolve', { note: '' })).json).toMatchObject({ error: { code: 'BAD_REQUEST', issues: [{ path: 'body.note' }] } });
    // The note as the alert book counts it: UTF-16 code units (an emoji is two), no control characters, not blank.
    for (const note of ['😀'.repeat(1_000), 'звонок\u0007', '   ', 'x'.repeat(1_001)]) {
      expect((await post(owner, '/api/v1/alerts/1/resolve', { note })).json, JSON.stringify(note).slice(0, 40)).toMatchObject({ error: { code: 'BAD_REQUEST', issues: [{ path: 'body.note' }] } });
    }
    expect((await get(accountant, '/api/v1/alerts')).json).toMatchObject({ items: [{ number: 1 }] });
    expect((await post(accountant, '/api/v1/alerts/1/acknowledge')).json).toMatchObject({ error: { code: 'FORBIDDEN' } });
    expect((await get(owner, '/api/v1/alerts/1')).json).toMatchObject({ status: 'open' });
  });

  it('the streams: an operator sees its site’s alert in the feed and on the alerts stream, alerts replay after since, since ahead of the journal resets, an oversized frame is refused', async () => {
    const open = async (who: SignedIn, subscribe: Record<string, unknown> | string): Promise<{ frames: Record<string, unknown>[]; closed: Promise<number>; socket: WebSocket }> => {
      const frames: Record<string, unknown>[] = [];
      const socket = new WebSocket(`ws://127.0.0.1:${server.http.port}/ws`, { headers: { Cookie: who.cookie } });
      socket.on('message', (data: Buffer) => frames.push(JSON.parse(data.toString('utf8')) as Record<string, unknown>));
      const closed = new Promise<number>((resolve) => socket.once('close', resolve));
      await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
      socket.send(typeof subscribe === 'string' ? subscribe : JSON.stringify(subscribe));
      return { frames, closed, socket };
    };
    const alertItems = (frames: Record<string, unknown>[], type: string): { type: string; alertId?: string; position: number }[] =>
      frames.filter((frame) => frame['type'] === type).flatMap((frame) => frame['items'] as { type: string; alertId?: string; position: number }[]).filter((item) => item.type.startsWith('alert'));

    const replayed = await open(operator, { type: 'subscribe', streams: ['feed', 'alerts'], since: 0 });
    await expect.poll(() => alertItems(replayed.frames, 'alerts').length, { timeout: 5_000 }).toBe(1);
    expect(alertItems(replayed.frames, 'feed').map((item) => item.alertId)).toEqual(['sever:alert:1']);
    expect(replayed.frames.find((frame) => frame['type'] === 'alerts')).toMatchObject({ replay: true });
    replayed.socket.close();
    const other = await open(otherOperator, { type: 'subscribe', streams: ['feed', 'alerts'], since: 0 });
    await expect.poll(() => other.frames.filter((frame) => frame['replay'] === true).length, { timeout: 5_000 }).toBe(2);
    expect(alertItems(other.frames, 'feed')).toEqual([]);
    expect(alertItems(other.frames, 'alerts')).toEqual([]);
    other.socket.close();

    const ahead = await open(owner, { type: 'subscribe', streams: ['alerts'], since: server.engine.store.lastPosition + 1_000 });
    await expect.poll(() => ahead.frames.find((frame) => frame['type'] === 'reset'), { timeout: 5_000 }).toMatchObject({ position: server.engine.store.lastPosition });
    ahead.socket.close();

    const large = await open(owner, JSON.stringify({ type: 'subscribe', streams: ['feed'], padding: 'x'.repeat(5_000) }));
    expect(await large.closed).toBe(1009);
    expect(large.frames.find((frame) => frame['type'] === 'error')).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } });
  });

  it('an acknowledgement and a resolution are recorded with who and when, and reach the alerts stream', async () => {
    const frames: { type: string; items?: { type: string; alertId?: string }[] }[] = [];
    const socket = new WebSocket(`ws://127.0.0.1:${server.http.port}/ws`, { headers: { Cookie: owner.cookie } });
    socket.on('message', (data: Buffer) => frames.push(JSON.parse(data.toString('utf8')) as (typeof frames)[number]));
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    socket.send(JSON.stringify({ type: 'subscribe', streams: ['alerts'] }));
    const heard = (type: string): boolean => frames.some((frame) => frame.type === 'alerts' && frame.items?.some((item) => item.type === type && item.alertId === 'sever:alert:1') === true);
    await new Promise((resolve) => setTimeout(resolve, 200));

    clock.advance(60_000);
    const acknowledged = await post(operator, '/api/v1/alerts/1/acknowledge');
    expect(acknowledged.status).toBe(200);
    expect(acknowledged.json).toMatchObject({ status: 'acknowledged', acknowledged: { by: operator.user.email, at: new Date(clock.now()).toISOString() } });
    const again = await post(owner, '/api/v1/alerts/1/acknowledge');
    expect(again.status).toBe(409);
    expect(again.json).toMatchObject({ error: { code: 'CONFLICT', issues: [{ path: 'status', message: 'ALERT_ALREADY_ACKNOWLEDGED' }] } });
    await expect.poll(() => heard('alert.acknowledged'), { timeout: 5_000 }).toBe(true);

    const resolved = await post(owner, '/api/v1/alerts/1/resolve', { note: 'карта заблокирована, клиент предупреждён' });
    expect(resolved.json).toMatchObject({ status: 'resolved', resolved: { by: owner.user.email, note: 'карта заблокирована, клиент предупреждён' } });
    expect((await post(owner, '/api/v1/alerts/1/resolve')).json).toMatchObject({ error: { code: 'CONFLICT', issues: [{ message: 'ALERT_ALREADY_RESOLVED' }] } });
    await expect.poll(() => heard('alert.resolved'), { timeout: 5_000 }).toBe(true);
    socket.close();

    expect((await get(owner, '/api/v1/alerts')).json).toMatchObject({ items: [], unresolved: 0 });
    expect((await get(owner, '/api/v1/alerts?status=resolved')).json).toMatchObject({ items: [{ number: 1, status: 'resolved' }], unresolved: 0 });
    const audit = (await get(owner, '/api/v1/audit?action=alerts.manage&kind=change')).json as { entries: { target: { id: string }; after: { status: string } }[] };
    expect(audit.entries.map((entry) => [entry.target.id, entry.after.status]).sort()).toEqual([
      ['sever:alert:1', 'acknowledged'],
      ['sever:alert:1', 'resolved'],
    ]);
  });
});
