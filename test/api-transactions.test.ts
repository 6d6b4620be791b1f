// The transaction feed, an operation's card and the feed's exports through the HTTP API, on the
// PostgreSQL server (when one answers) and on PGlite: a real engine with the demo network decides
// real requests (fuel authorised and completed, a declined PIN, a receipt with a card and one
// without, a partial return, a top-up, a wash session started and stopped), a projector follows its
// journal, and the routes answer on a real uWS server. What each filter should return is worked out
// from the engine's own journal (positions and times), not from the read model.

import ExcelJS from 'exceljs';
import uWS from 'uWebSockets.js';
import type { us_listen_socket } from 'uWebSockets.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommittedEvent, Principal, Reply, TerminalRequest } from '../engine/index.js';
import { demoCards, demoNetwork, demoPins } from '../engine/index.js';
import type { Harness, PostgresForTests, ReadModelDatabase } from '../engine/testing/index.js';
import { postgresBackendsForTests, openHarness, openReadModelDatabase, Projector } from '../engine/testing/index.js';
import type { ApiContext } from '../gateways/index.js';
import { apiRoutes, mountApi } from '../gateways/index.js';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
const minute = 60_000;

const principals: Record<string, Principal> = {
  owner: { kind: 'apikey', id: 'key-owner', network: 'sever', role: 'owner', sites: 'all' },
  accountant: { kind: 'apikey', id: 'key-accountant', network: 'sever', role: 'accountant', sites: 'all' },
  operator: { kind: 'apikey', id: 'key-operator', network: 'sever', role: 'operator', sites: ['MSK-01'] },
  ivanova: { kind: 'apikey', id: 'key-ivanova', network: 'sever', role: 'client', sites: 'all', owner: { kind: 'client', id: 'ivanova' } },
  logistic: { kind: 'apikey', id: 'key-logistic', network: 'sever', role: 'client', sites: 'all', owner: { kind: 'counterparty', id: 'logistic-trade' } },
  stranger: { kind: 'apikey', id: 'key-stranger', network: 'elsewhere', role: 'owner', sites: 'all' },
};

/** The operations the scenario makes, by name. */
type Name = 'F1' | 'D1' | 'F2' | 'S1' | 'S2' | 'R1' | 'T1' | 'W1' | 'T2';

interface Made {
  reference: string;
  txId: string | null;
  kind: string;
  site: string;
  terminal: string;
  at: number;
  position: number;
}

interface OperationBody {
  reference: string;
  txId: string | null;
  kind: string;
  result: string;
  position: number;
  at: string;
  site: string | null;
  terminal: string | null;
  card: string | null;
  counterparty: string | null;
  client: string | null;
  amount: number;
  volume: number | null;
  discount: number;
}

interface PageBody {
  items: OperationBody[];
  next: string | null;
}

interface ErrorBody {
  error: { code: string; message: string; issues?: { path: string; message: string }[] };
}

const { backends, stopServer } = await postgresBackendsForTests();

afterAll(async () => {
  await stopServer();
});

describe.each(backends)('the transaction feed on $name', ({ start }) => {
  let postgres: PostgresForTests;
  let database: ReadModelDatabase;
  let harness: Harness;
  let projector: Projector;
  let socket: us_listen_socket;
  let base = '';
  const made = {} as Record<Name, Made>;
  /** Every answer body the tests saw (no card number may be in any). */
  const bodies: string[] = [];

  const call = (terminal: string, request: TerminalRequest): Promise<Reply> => harness.call(terminal, request);
  let counter = 0;
  const id = (prefix: string): string => `${prefix}-${++counter}`;

  function eventOf(type: string, match: (event: Record<string, unknown>) => boolean): CommittedEvent {
    const found = harness.events.find((committed) => committed.event.type === type && match(committed.event));
    if (found === undefined) throw new Error(`no ${type} event`);
    return found;
  }

  function record(name: Name, committed: CommittedEvent, fields: Omit<Made, 'at' | 'position'>): void {
    made[name] = { ...fields, at: committed.at, position: committed.position };
  }

  async function caughtUp(): Promise<void> {
    await harness.engine.store.flushed();
    await harness.engine.alerts.idle();
    projector.advanceHead(harness.engine.store.lastPosition);
    await projector.caughtUp();
  }

  beforeAll(async () => {
    postgres = await start();
    database = openReadModelDatabase({ databaseUrl: postgres.url, embeddedDataDir: '', connectionsMax: postgres.kind === 'embedded' ? 1 : 3 });
    harness = openHarness();
    await harness.engine.import(demoNetwork());
    projector = new Projector({ journal: harness.engine.store, database, clock: harness.clock, log: silent, pollIntervalMs: 50, retryDelayFirstMs: 5, retryDelayMaxMs: 100 });
    harness.engine.onCommitted((event) => projector.advanceHead(event.position));
    projector.advanceHead(harness.engine.store.lastPosition);
    projector.start();

    // F1 and D1 at the same instant (the cursor's tie on `at` is broken by position).
    const fleet = { card: demoCards.fleet, pin: demoPins.fleet ?? '', product: 'AI95' };
    const held = await call('MSK-01-P1', { op: 'authorize', request: { id: id('a'), ...fleet, volume: 30_000 } });
    expect(held.result).toBe('approved');
    const completed = await call('MSK-01-P1', { op: 'complete', request: { id: id('c'), authId: String(held['authId']), volume: 20_000 } });
    expect(completed.result).toBe('approved');
    const txF1 = String(completed['txId']);
    record('F1', eventOf('completed', (event) => event['txId'] === txF1), { reference: txF1, txId: txF1, kind: 'fuel', site: 'MSK-01', terminal: 'MSK-01-P1' });
    const declineId = id('pin');
    expect((await call('MSK-01-P1', { op: 'authorize', request: { id: declineId, ...fleet, pin: '0000', volume: 10_000 } })).reason).toBe('PIN_INVALID');
    record('D1', eventOf('declined', (event) => event['id'] === declineId), { reference: declineId, txId: null, kind: 'decline', site: 'MSK-01', terminal: 'MSK-01-P1' });

    harness.clock.advance(minute);
    const loyaltyHold = await call('MSK-02-P1', { op: 'authorize', request: { id: id('a'), card: demoCards.loyalty, product: 'AI92', volume: 10_000 } });
    const loyaltyDone = await call('MSK-02-P1', { op: 'complete', request: { id: id('c'), authId: String(loyaltyHold['authId']), volume: 10_000 } });
    expect(loyaltyDone.result).toBe('approved');
    const txF2 = String(loyaltyDone['txId']);
    record('F2', eventOf('completed', (event) => event['txId'] === txF2), { reference: txF2, txId: txF2, kind: 'fuel', site: 'MSK-02', terminal: 'MSK-02-P1' });

    harness.clock.advance(minute);
    const withCard = await call('MSK-01-POS1', { op: 'sale', request: { id: id('sale'), lines: [{ product: 'COFFEE', qty: 2_000 }], card: demoCards.loyalty } });
    expect(withCard.result).toBe('approved');
    const txS1 = String(withCard['txId']);
    record('S1', eventOf('sale', (event) => event['txId'] === txS1), { reference: txS1, txId: txS1, kind: 'sale', site: 'MSK-01', terminal: 'MSK-01-POS1' });
    expect((await call('MSK-01-POS2', { op: 'shift.open', request: { id: id('open'), cashier: 'Анна' } })).result).toBe('approved');
    const cashless = await call('MSK-01-POS2', { op: 'sale', request: { id: id('sale'), lines: [{ product: 'HOTDOG', qty: 2_000 }, { product: 'WATER', qty: 1_000 }] } });
    expect(cashless).toMatchObject({ result: 'approved', amount: 2 * 15_900 + 8_900 });
    const txS2 = String(cashless['txId']);
    record('S2', eventOf('sale', (event) => event['txId'] === txS2), { reference: txS2, txId: txS2, kind: 'sale', site: 'MSK-01', terminal: 'MSK-01-POS2' });

    harness.clock.advance(minute);
    const returned = await call('MSK-01-POS2', { op: 'refund', request: { id: id('ref'), txId: txS2, lines: [{ product: 'HOTDOG', qty: 1_000 }] } });
    expect(returned).toMatchObject({ result: 'approved', amount: 15_900 });
    const refundR1 = String(returned['refundId']);
    record('R1', eventOf('refunded', (event) => event['refundId'] === refundR1), { reference: refundR1, txId: txS2, kind: 'refund', site: 'MSK-01', terminal: 'MSK-01-POS2' });
    expect((await call('MSK-01-POS1', { op: 'topup', request: { id: id('top'), card: demoCards.small, amount: 50_000, method: 'cash' } })).result).toBe('approved');
    const topup = eventOf('topup', () => true);
    record('T1', topup, { reference: `topup:${topup.position}`, txId: null, kind: 'topup', site: 'MSK-01', terminal: 'MSK-01-POS1' });
    const started = await call('WASH-01-K1', { op: 'session.start', request: { id: id('start'), client: { plate: 'А123ВС77' }, tariff: 'WASH-STD', comment: 'мойка колёс' } });
    expect(started.result).toBe('approved');
    const sessionW1 = String(started['sessionId']);
    harness.clock.advance(10 * minute);
    expect((await call('WASH-01-K1', { op: 'session.stop', request: { id: id('stop'), sessionId: sessionW1 } })).result).toBe('approved');
    while (!harness.events.some((event) => event.event.type === 'session.charged')) await new Promise((resolve) => setTimeout(resolve, 5));
    record('W1', eventOf('session.charged', (event) => event['sessionId'] === sessionW1), { reference: sessionW1, txId: sessionW1, kind: 'wash', site: 'WASH-01', terminal: 'WASH-01-K1' });
    await caughtUp();

    const context: ApiContext = { engine: harness.engine, database: database.pool, security: undefined };
    const app = uWS.App();
    mountApi(app, apiRoutes(context), {
      authenticators: [(raw) => principals[(raw.headers['authorization'] ?? '').replace(/^Bearer /, '')]],
    });
    socket = await new Promise<us_listen_socket>((resolve, reject) => app.listen('127.0.0.1', 0, (listen) => (listen ? resolve(listen) : reject(new Error('no port')))));
    base = `http://127.0.0.1:${uWS.us_socket_local_port(socket)}`;
  });

  afterAll(async () => {
    uWS.us_listen_socket_close(socket);
    await projector.stop();
    await harness.close();
    await database.close();
    if (postgres.kind === 'embedded') await postgres.stop();
    // No card number in any answer.
    const numbers = Object.values(demoCards);
    for (const body of bodies) for (const number of numbers) expect(body).not.toContain(number);
  });

  async function get(path: string, who: keyof typeof principals = 'owner'): Promise<{ status: number; text: string; json: () => unknown }> {
    const response = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${who}` } });
    const text = await response.text();
    bodies.push(text);
    return { status: response.status, text, json: () => JSON.parse(text) as unknown };
  }

  async function page(query: string, who: keyof typeof principals = 'owner'): Promise<PageBody> {
    const answer = await get(`/api/v1/transactions?${query}`, who);
    expect(answer.status, answer.text).toBe(200);
    return answer.json() as PageBody;
  }

  async function references(query: string, who: keyof typeof principals = 'owner'): Promise<string[]> {
    return (await page(`${query}&limit=500`, who)).items.map((item) => item.reference);
  }

  /** The named operations, newest first, as the journal ordered them. */
  function expected(...names: Name[]): string[] {
    return names
      .map((name) => made[name])
      .sort((a, b) => b.at - a.at || b.position - a.position)
      .map((operation) => operation.reference);
  }

  const everything: Name[] = ['F1', 'D1', 'F2', 'S1', 'S2', 'R1', 'T1', 'W1'];

  it('lists every operation newest first, each with its columns', async () => {
    const all = await page('limit=500');
    expect(all.next).toBeNull();
    expect(all.items.map((item) => item.reference)).toEqual(expected(...everything));
    const byReference = new Map(all.items.map((item) => [item.reference, item]));
    for (const name of everything) {
      expect(byReference.get(made[name].reference)).toMatchObject({
        kind: made[name].kind,
        txId: made[name].txId,
        site: made[name].site,
        terminal: made[name].terminal,
        position: made[name].position,
        at: new Date(made[name].at).toISOString(),
      });
    }
    expect(byReference.get(made.F1.reference)).toMatchObject({ result: 'approved', card: '700500******0017', counterparty: 'logistic-trade', client: null, volume: 20_000, product: 'AI95' });
    expect(byReference.get(made.D1.reference)).toMatchObject({ result: 'declined', reason: 'PIN_INVALID', card: '700500******0017' });
    expect(byReference.get(made.S2.reference)).toMatchObject({ card: null, amount: 2 * 15_900 + 8_900 });
    expect(byReference.get(made.R1.reference)).toMatchObject({ amount: 15_900, txId: made.S2.reference });
    expect(byReference.get(made.T1.reference)).toMatchObject({ amount: 50_000, method: 'cash', counterparty: 'kuznetsov' });
    expect(byReference.get(made.W1.reference)).toMatchObject({ client: 'ivanova', product: 'WASH-STD', volume: 10 });
    for (const item of all.items) expect(item).not.toHaveProperty('card_hash');
  });

  it('finds by card: the full number (by its keyed hash), the last four digits, the masked number', async () => {
    expect(await references(`card=${demoCards.fleet}`)).toEqual(expected('F1', 'D1'));
    expect(await references('card=0017')).toEqual(expected('F1', 'D1'));
    expect(await references(`card=${encodeURIComponent('*0017')}`)).toEqual(expected('F1', 'D1'));
    expect(await references(`card=${encodeURIComponent('700500******0017')}`)).toEqual(expected('F1', 'D1'));
    expect(await references(`card=${demoCards.loyalty}`)).toEqual(expected('F2', 'S1'));
    expect(await references('card=7005999999999999')).toEqual([]);
  });

  it('filters by counterparty, client, site, terminal, tx, kind, result and period', async () => {
    expect(await references('counterparty=logistic-trade')).toEqual(expected('F1'));
    expect(await references('counterparty=kuznetsov')).toEqual(expected('T1'));
    expect(await references('client=ivanova')).toEqual(expected('F2', 'S1', 'W1'));
    expect(await references('site=MSK-01')).toEqual(expected('F1', 'D1', 'S1', 'S2', 'R1', 'T1'));
    expect(await references('site=WASH-01')).toEqual(expected('W1'));
    expect(await references('terminal=MSK-01-POS2')).toEqual(expected('S2', 'R1'));
    expect(await references(`tx=${made.S2.reference}`)).toEqual(expected('S2', 'R1'));
    expect(await references(`tx=${made.R1.reference}`)).toEqual(expected('R1'));
    expect(await references(`tx=${made.W1.reference}`)).toEqual(expected('W1'));
    expect(await references(`tx=${made.D1.reference}`)).toEqual(expected('D1'));
    expect(await references(`tx=${encodeURIComponent(made.T1.reference)}`)).toEqual(expected('T1'));
    expect(await references('kind=sale')).toEqual(expected('S1', 'S2'));
    expect(await references('kind=fuel&kind=wash')).toEqual(expected('F1', 'F2', 'W1'));
    expect(await references('kind=decline')).toEqual(expected('D1'));
    expect(await references('result=declined')).toEqual(expected('D1'));
    expect(await references('result=approved')).toEqual(expected('F1', 'F2', 'S1', 'S2', 'R1', 'T1', 'W1'));
    const from = new Date(made.F2.at).toISOString();
    const to = new Date(made.R1.at).toISOString();
    expect(await references(`from=${from}&to=${to}`)).toEqual(expected('F2', 'S1', 'S2'));
    // The same instant with an offset.
    const moscow = new Date(made.F2.at + 3 * 60 * minute).toISOString().replace('Z', '+03:00');
    expect(await references(`from=${encodeURIComponent(moscow)}&to=${to}`)).toEqual(expected('F2', 'S1', 'S2'));
    expect(await references(`site=MSK-01&kind=sale&card=${demoCards.loyalty}`)).toEqual(expected('S1'));
    expect(await references('site=NOWHERE')).toEqual([]);
  });

  it('pages with a cursor: every row once, in order, while new rows arrive', async () => {
    const first = await page('limit=3');
    expect(first.items).toHaveLength(3);
    expect(first.next).not.toBeNull();
    // A newer operation arrives between pages: it is not in the later pages and shifts nothing.
    harness.clock.advance(minute);
    expect((await call('MSK-01-POS1', { op: 'topup', request: { id: id('top'), card: demoCards.small, amount: 10_000, method: 'bank_card' } })).result).toBe('approved');
    const topup = harness.events.filter((event) => event.event.type === 'topup').at(-1);
    if (topup === undefined) throw new Error('no top-up');
    record('T2', topup, { reference: `topup:${topup.position}`, txId: null, kind: 'topup', site: 'MSK-01', terminal: 'MSK-01-POS1' });
    await caughtUp();
    const seen = first.items.map((item) => item.reference);
    let next = first.next;
    while (next !== null) {
      const more = await page(`limit=3&cursor=${next}`);
      expect(more.items.length).toBeGreaterThan(0);
      seen.push(...more.items.map((item) => item.reference));
      next = more.next;
    }
    expect(seen).toEqual(expected(...everything));
    // From the start again, the new one is first; with a filter, pages of one.
    expect((await page('limit=1')).items.map((item) => item.reference)).toEqual([made.T2.reference]);
    const sales: string[] = [];
    let cursor: string | null = '';
    while (cursor !== null) {
      const one: PageBody = await page(`kind=sale&limit=1${cursor === '' ? '' : `&cursor=${cursor}`}`);
      sales.push(...one.items.map((item) => item.reference));
      cursor = one.next;
    }
    expect(sales).toEqual(expected('S1', 'S2'));
  });

  it('shows each caller only what it may see', async () => {
    const all = [...everything, 'T2' as const];
    expect(await references('kind=fuel&kind=sale&kind=refund&kind=topup&kind=wash&kind=decline', 'operator')).toEqual(expected(...all.filter((name) => made[name].site === 'MSK-01')));
    expect(await references('site=WASH-01', 'operator')).toEqual([]);
    expect(await references('', 'ivanova')).toEqual(expected('F2', 'S1', 'W1'));
    expect(await references('counterparty=logistic-trade', 'ivanova')).toEqual([]);
    expect(await references('', 'logistic')).toEqual(expected('F1'));
    expect(await references('', 'stranger')).toEqual([]);
    // Cards: another site, another client, another network are not found.
    expect((await get(`/api/v1/transactions/${made.S1.reference}`, 'operator')).status).toBe(200);
    expect((await get(`/api/v1/transactions/${made.W1.reference}`, 'operator')).status).toBe(404);
    expect((await get(`/api/v1/transactions/${made.W1.reference}`, 'ivanova')).status).toBe(200);
    expect((await get(`/api/v1/transactions/${made.F1.reference}`, 'ivanova')).status).toBe(404);
    expect((await get(`/api/v1/transactions/${made.F1.reference}`, 'logistic')).status).toBe(200);
    const stranger = await get(`/api/v1/transactions/${made.F1.reference}`, 'stranger');
    expect(stranger.status).toBe(404);
    expect((stranger.json() as ErrorBody).error.code).toBe('NOT_FOUND');
    // Exports need reports.export: an operator has none.
    expect((await get('/api/v1/exports/transactions.csv', 'operator')).status).toBe(403);
    expect((await fetch(`${base}/api/v1/transactions`)).status).toBe(401);
  });

  it('refuses bad input with 400 and the paths of the issues, never a card number', async () => {
    const cases: [string, string][] = [
      ['from=yesterday', 'query.from'],
      ['to=2026-11-23', 'query.to'],
      ['limit=0', 'query.limit'],
      ['limit=501', 'query.limit'],
      ['limit=ten', 'query.limit'],
      ['kind=bogus', 'query.kind'],
      ['kind=sale&kind=bogus', 'query.kind'],
      ['result=maybe', 'query.result'],
      ['cursor=!!!', 'query.cursor'],
      [`cursor=${Buffer.from('{"at":1}').toString('base64url')}`, 'query.cursor'],
      [`cursor=${Buffer.from('[1,-5]').toString('base64url')}`, 'query.cursor'],
      ['card=12', 'query.card'],
      [`card=${demoCards.fleet}0000`, 'query.card'],
      [`card=${demoCards.fleet}&limit=0`, 'query.limit'],
      [`card=${demoCards.fleet}&from=${new Date(made.R1.at).toISOString()}&to=${new Date(made.F2.at).toISOString()}`, 'query.to'],
      [`site=${'x'.repeat(101)}`, 'query.site'],
      ['colour=red', 'query'],
    ];
    for (const [query, path] of cases) {
      const answer = await get(`/api/v1/transactions?${query}`);
      expect(answer.status, query).toBe(400);
      const body = answer.json() as ErrorBody;
      expect(body.error.code).toBe('BAD_REQUEST');
      expect(body.error.issues?.map((issue) => issue.path), query).toContain(path);
      expect(answer.text).not.toContain(demoCards.fleet);
    }
    const exported = await get(`/api/v1/exports/transactions.csv?card=${demoCards.fleet}0000`);
    expect(exported.status).toBe(400);
    expect(exported.text).not.toContain(demoCards.fleet);
    const unknown = await get('/api/v1/transactions/no-such-operation');
    expect(unknown.status).toBe(404);
    expect((unknown.json() as ErrorBody).error.code).toBe('NOT_FOUND');
    expect((await get(`/api/v1/transactions/${demoCards.fleet}`)).status).toBe(404);
  });

  it("answers a receipt's card: lines, payments, the return with its lines, the shift, messages", async () => {
    const answer = await get(`/api/v1/transactions/${made.S2.reference}`);
    expect(answer.status).toBe(200);
    const card = answer.json() as { operation: OperationBody; details: Record<string, unknown> };
    expect(card.operation).toMatchObject({ reference: made.S2.reference, kind: 'sale', amount: 40_700 });
    expect(card.details).toMatchObject({
      kind: 'sale',
      amount: 40_700,
      lines: [
        { line: 0, product: 'HOTDOG', qty: 2_000, price: 15_900, amount: 31_800 },
        { line: 1, product: 'WATER', qty: 1_000, price: 8_900, amount: 8_900 },
      ],
      payments: [{ method: 'cash', amount: 40_700 }],
      messages: ['Акция: к хот-догу кофе за полцены'],
      shift: { shiftId: 'MSK-01-POS2/1', number: 1, status: 'open', cashier: 'Анна' },
      returns: [{ refundId: made.R1.reference, amount: 15_900, terminal: 'MSK-01-POS2', payments: [{ method: 'cash', amount: 15_900 }], lines: [{ product: 'HOTDOG', qty: -1_000, amount: -15_900 }] }],
    });
    // The return's own card names what it returned; by the receipt's tx id the receipt comes first.
    const refund = (await get(`/api/v1/transactions/${made.R1.reference}`)).json() as { details: Record<string, unknown> };
    expect(refund.details).toMatchObject({ kind: 'refund', refund: { refundId: made.R1.reference, amount: 15_900, lines: [{ product: 'HOTDOG', qty: -1_000 }] }, returned: { txId: made.S2.reference, kind: 'sale' } });
    const withCard = (await get(`/api/v1/transactions/${made.S1.reference}`)).json() as { operation: OperationBody; details: Record<string, unknown> };
    expect(withCard.operation).toMatchObject({ card: '700500******0058', client: 'ivanova' });
    expect(withCard.details).toMatchObject({ kind: 'sale', lines: [{ product: 'COFFEE', qty: 2_000 }], shift: null, returns: [] });
  });

  it('answers the cards of a fuel transaction, a wash charge, a top-up and a decline', async () => {
    const fuel = (await get(`/api/v1/transactions/${made.F1.reference}`)).json() as { details: Record<string, unknown> };
    expect(fuel.details).toMatchObject({
      kind: 'fuel',
      product: 'AI95',
      volume: 20_000,
      listPrice: 5_999,
      price: 5_909,
      discountRule: 'fleet-large-fuel',
      hold: { volume: 30_000, status: 'completed' },
      returns: [],
    });
    const wash = (await get(`/api/v1/transactions/${made.W1.reference}`)).json() as { details: Record<string, unknown> };
    expect(wash.details).toMatchObject({
      kind: 'wash',
      sessionId: made.W1.reference,
      tariff: 'WASH-STD',
      minutes: 10,
      status: 'charged',
      member: true,
      rate: 2_500,
      amount: 25_000,
      stoppedAt: new Date(made.W1.at).toISOString(),
      startedAt: new Date(made.W1.at - 10 * minute).toISOString(),
      comments: [{ text: 'мойка колёс' }],
    });
    const topup = (await get(`/api/v1/transactions/${encodeURIComponent(made.T1.reference)}`)).json() as { details: Record<string, unknown> };
    expect(topup.details).toEqual({ kind: 'topup', amount: 50_000, method: 'cash', balanceAfter: 350_000 });
    const decline = (await get(`/api/v1/transactions/${made.D1.reference}`)).json() as { details: Record<string, unknown> };
    expect(decline.details).toMatchObject({ kind: 'decline', reason: 'PIN_INVALID', operation: 'authorize', requestId: made.D1.reference, product: 'AI95' });
  });

  async function feedRows(query: string, who: keyof typeof principals): Promise<OperationBody[]> {
    return (await page(`${query}&limit=500`, who)).items;
  }

  it('exports the same rows as the feed to xlsx (opened back with exceljs)', async () => {
    const response = await fetch(`${base}/api/v1/exports/transactions.xlsx?site=MSK-01&limit=1`, { headers: { authorization: 'Bearer accountant' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename="transactions.xlsx"; filename*=UTF-8''transactions.xlsx`);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(await response.arrayBuffer());
    const sheet = workbook.worksheets[0];
    if (sheet === undefined) throw new Error('no sheet');
    const header = (sheet.getRow(1).values as unknown[]).slice(1) as string[];
    const column = (name: string): number => header.indexOf(name) + 1;
    const feed = await feedRows('site=MSK-01', 'accountant');
    expect(sheet.rowCount - 1).toBe(feed.length);
    feed.forEach((item, index) => {
      const row = sheet.getRow(index + 2);
      expect(row.getCell(column('Reference')).value).toBe(item.reference);
      expect(row.getCell(column('Kind')).value).toBe(item.kind);
      expect(row.getCell(column('Result')).value).toBe(item.result);
      expect(row.getCell(column('Terminal')).value).toBe(item.terminal);
      expect(row.getCell(column('Card')).value).toBe(item.card);
      expect(Math.round((row.getCell(column('Amount')).value as number) * 100)).toBe(item.amount);
      expect((row.getCell(column('Time (UTC)')).value as Date).toISOString()).toBe(item.at);
      const litres = row.getCell(column('Volume (l)')).value as number | null;
      expect(litres === null ? null : Math.round(litres * 1_000)).toBe(item.volume);
    });
  });

  it('exports the same rows as the feed to CSV, and a client only its own', async () => {
    for (const who of ['accountant', 'ivanova'] as const) {
      const response = await fetch(`${base}/api/v1/exports/transactions.csv`, { headers: { authorization: `Bearer ${who}` } });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(await response.arrayBuffer());
      bodies.push(text);
      expect(text.startsWith('\uFEFF')).toBe(true);
      // No field of these rows has a comma, quote or line break.
      const [header = [], ...rows] = text
        .slice(1)
        .trimEnd()
        .split('\n')
        .map((line) => line.split(','));
      const at = (row: string[], name: string): string | undefined => row[header.indexOf(name)];
      const feed = await feedRows('kind=fuel&kind=sale&kind=refund&kind=topup&kind=wash&kind=decline', who);
      expect(rows.map((row) => at(row, 'Reference'))).toEqual(feed.map((item) => item.reference));
      rows.forEach((row, index) => {
        const item = feed[index];
        expect(at(row, 'Amount'), JSON.stringify([header, row, item])).toBe(String(item?.amount));
        expect(at(row, 'Time (UTC)')).toBe(item?.at);
        expect(at(row, 'Card')).toBe(item?.card ?? '');
        expect(at(row, 'Minutes')).toBe(item?.kind === 'wash' ? String(item.volume) : '');
      });
      if (who === 'ivanova') expect(rows.map((row) => at(row, 'Reference'))).toEqual(expected('F2', 'S1', 'W1'));
    }
    const byCard = await fetch(`${base}/api/v1/exports/transactions.csv?card=${demoCards.fleet}`, { headers: { authorization: 'Bearer owner' } });
    const lines = new TextDecoder().decode(await byCard.arrayBuffer()).trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    for (const line of lines) expect(line).not.toContain(demoCards.fleet);
  });
});
