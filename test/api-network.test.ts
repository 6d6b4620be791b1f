// Network management over HTTP against real parts, on both PostgreSQLs the read model runs on: a
// real engine with the demo network, the projector caught up, the security module's audit, and the
// API routes on a real uWS server. Writes go through the engine and hold for the very next
// authorisation (block, unblock, limits, prices, scheduled prices); reads come from the read model
// once the projector has caught up; roles are refused as the permission matrix says; bad input is
// 400 with issue paths, unknown ids 404; a card number never appears in an answer, the audit or the
// read model.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import uWS from 'uWebSockets.js';
import type { us_listen_socket } from 'uWebSockets.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal, Reply, Security, TerminalRequest } from '../engine/index.js';
import { demoCards, demoFleetCard, demoNetwork, demoPins, normalizePlate, openSecurity } from '../engine/index.js';
import type { Harness, PostgresForTests, ReadModelDatabase } from '../engine/testing/index.js';
import { postgresBackendsForTests, Projector, dropReadModel, openHarness, openReadModelDatabase } from '../engine/testing/index.js';
import { apiRoutes, mountApi } from '../gateways/index.js';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
const network = 'sever';
const pump = 'MSK-01-P1';
const numbers = [...Object.values(demoCards), demoFleetCard(0), demoFleetCard(1)];
const freshCard = '7005222200001111';
const freshPin = '97531864';

const principals: Record<string, Principal> = {
  owner: { kind: 'apikey', id: 'key-owner', network, role: 'owner', sites: 'all' },
  operator: { kind: 'user', id: 'user-operator', network, role: 'operator', sites: ['MSK-01'] },
  accountant: { kind: 'user', id: 'user-accountant', network, role: 'accountant', sites: 'all' },
  client: { kind: 'apikey', id: 'key-client', network, role: 'client', sites: 'all', owner: { kind: 'counterparty', id: 'kuznetsov' } },
  stranger: { kind: 'apikey', id: 'key-other', network: 'elsewhere', role: 'owner', sites: 'all' },
};

const { backends, stopServer } = await postgresBackendsForTests();

afterAll(async () => {
  await stopServer();
});

interface Answer {
  status: number;
  body: Record<string, unknown>;
  text: string;
}

describe.each(backends)('network management API on $name', ({ start }) => {
  let postgres: PostgresForTests;
  let database: ReadModelDatabase;
  let harness: Harness;
  let projector: Projector;
  let security: Security;
  let socket: us_listen_socket;
  let base = '';
  let document: Record<string, unknown> = {};
  const answers: string[] = [];

  beforeAll(async () => {
    postgres = await start();
    database = openReadModelDatabase({ databaseUrl: postgres.url, embeddedDataDir: '', connectionsMax: 2 });
    const client = await database.pool.connect();
    await dropReadModel(client);
    client.release();
    harness = openHarness({ alerts: false });
    await harness.engine.import(demoNetwork());
    security = await openSecurity(harness.engine, { secret: Buffer.alloc(32, 5), dataDir: mkdtempSync(join(tmpdir(), 'tessera-security-')) });
    projector = new Projector({ journal: harness.engine.store, database, clock: harness.clock, log: silent, pollIntervalMs: 50, retryDelayFirstMs: 5, retryDelayMaxMs: 100 });
    harness.engine.onCommitted((event) => projector.advanceHead(event.position));
    projector.advanceHead(harness.engine.store.lastPosition);
    projector.start();
    await projector.caughtUp();
    const app = uWS.App();
    ({ document } = mountApi(app, apiRoutes({ engine: harness.engine, database: database.pool, security }), {
      authenticators: [(raw) => principals[(raw.headers['authorization'] ?? '').replace('Bearer ', '')]],
    }));
    socket = await new Promise<us_listen_socket>((resolve, reject) => app.listen('127.0.0.1', 0, (listen) => (listen ? resolve(listen) : reject(new Error('no port')))));
    base = `http://127.0.0.1:${uWS.us_socket_local_port(socket)}`;
  });

  afterAll(async () => {
    uWS.us_listen_socket_close(socket);
    await projector.stop();
    await security.close();
    await harness.close();
    await database.close();
    if (postgres.kind === 'embedded') await postgres.stop();
  });

  async function api(who: keyof typeof principals, method: string, path: string, body?: unknown): Promise<Answer> {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${who}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    answers.push(text);
    return { status: response.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>), text };
  }

  let requestNumber = 0;
  const authorize = (card: string, fields: Record<string, unknown>, terminal = pump): Promise<Reply> =>
    harness.call(terminal, { op: 'authorize', request: { id: `auth-${++requestNumber}`, card, product: 'AI92', volume: 1_000, ...fields } });
  const reverse = (reply: Reply): Promise<Reply> => harness.call(pump, { op: 'reverse', request: { id: `rev-${++requestNumber}`, authId: reply['authId'] } } as TerminalRequest);

  async function cardId(number: string): Promise<string> {
    const found = await api('owner', 'POST', '/api/v1/cards/lookup', { number });
    expect(found.status).toBe(200);
    return String(found.body['id']);
  }

  const issuePaths = (answer: Answer): string[] => ((answer.body['error'] as { issues?: { path: string }[] }).issues ?? []).map((issue) => issue.path);

  it('blocks a card: the very next authorisation is declined CARD_BLOCKED; unblocked, it is approved again', async () => {
    const fleet = await cardId(demoCards.fleet);
    const pin = demoPins.fleet ?? '';
    // The card's actor is live (a PIN card): the block must reach it, not only the store.
    const before = await authorize(demoCards.fleet, { pin });
    expect(before.result).toBe('approved');
    await reverse(before);
    const blocked = await api('owner', 'POST', `/api/v1/cards/${fleet}/block`);
    expect(blocked.status).toBe(200);
    expect(blocked.body['status']).toBe('blocked');
    expect((await authorize(demoCards.fleet, { pin })).reason).toBe('CARD_BLOCKED');
    const unblocked = await api('owner', 'POST', `/api/v1/cards/${fleet}/unblock`);
    expect(unblocked.body['status']).toBe('active');
    const after = await authorize(demoCards.fleet, { pin });
    expect(after.result).toBe('approved');
    await reverse(after);

    // A card without a PIN is checked at the front door, from the store: the same holds.
    const small = await cardId(demoCards.small);
    expect((await api('operator', 'POST', `/api/v1/cards/${small}/block`)).status).toBe(200);
    expect((await authorize(demoCards.small, {})).reason).toBe('CARD_BLOCKED');
    expect((await api('owner', 'POST', `/api/v1/cards/${small}/unblock`)).status).toBe(200);
    const approved = await authorize(demoCards.small, {});
    expect(approved.result).toBe('approved');
    await reverse(approved);
  });

  it('sets a daily limit: an authorisation over it is declined LIMIT_EXCEEDED', async () => {
    const id = await cardId(demoFleetCard(0));
    const set = await api('owner', 'PUT', `/api/v1/cards/${id}/limits`, { limits: [{ period: 'day', volume: 10_000 }] });
    expect(set.status).toBe(200);
    expect(set.body['limits']).toEqual([{ period: 'day', volume: 10_000 }]);
    const first = await authorize(demoFleetCard(0), { volume: 40_000 });
    expect(first.result).toBe('approved');
    expect(first['approvedAmount']).toBe(Number(first['price']) * 10);
    expect((await authorize(demoFleetCard(0), { volume: 1_000 })).reason).toBe('LIMIT_EXCEEDED');
    await reverse(first);
    const restricted = await api('owner', 'PUT', `/api/v1/cards/${id}/restrictions`, { products: ['DT'] });
    expect(restricted.status).toBe(200);
    expect((await authorize(demoFleetCard(0), { volume: 1_000 })).reason).toBe('PRODUCT_NOT_ALLOWED');
  });

  it('changes a price: the next authorisation uses it; a scheduled price applies only from its instant', async () => {
    const set = await api('owner', 'PUT', '/api/v1/prices', { product: 'AI92', price: 6_000 });
    expect(set.status).toBe(200);
    const now = await authorize(demoCards.small, {});
    expect(now['price']).toBe(6_000);
    await reverse(now);

    const from = harness.clock.now() + 3_600_000;
    expect((await api('owner', 'PUT', '/api/v1/prices', { product: 'AI92', price: 6_100, from })).status).toBe(200);
    const still = await authorize(demoCards.small, {});
    expect(still['price']).toBe(6_000);
    await reverse(still);
    await projector.caughtUp();
    const list = await api('accountant', 'GET', '/api/v1/prices?product=AI92');
    expect(list.body['items']).toEqual([
      { product: 'AI92', site: null, price: 6_000, from: null, state: 'current' },
      { product: 'AI92', site: null, price: 6_100, from, state: 'scheduled' },
    ]);

    harness.clock.advance(3_600_000);
    const later = await authorize(demoCards.small, {});
    expect(later['price']).toBe(6_100);
    await reverse(later);
    const listLater = await api('owner', 'GET', '/api/v1/prices?product=AI92');
    expect((listLater.body['items'] as { state: string }[]).map((item) => item.state)).toEqual(['superseded', 'current']);

    expect((await api('owner', 'DELETE', `/api/v1/prices?product=AI92&from=${from}`)).status).toBe(200);
    const back = await authorize(demoCards.small, {});
    expect(back['price']).toBe(6_000);
    await reverse(back);
  });

  it('answers writes with the engine state; reads show them once the projector caught up', async () => {
    const site = await api('owner', 'PUT', '/api/v1/sites/SPB-01', { name: 'АЗС №4, Санкт-Петербург', kind: 'fuel', terminals: [{ id: 'SPB-01-P1', kind: 'pump' }] });
    expect(site.status).toBe(200);
    expect(site.body).toEqual({ id: 'SPB-01', name: 'АЗС №4, Санкт-Петербург', kind: 'fuel', terminals: [{ id: 'SPB-01-P1', kind: 'pump' }] });
    expect((await api('owner', 'PUT', '/api/v1/terminals/SPB-01-POS1', { site: 'SPB-01', kind: 'pos' })).status).toBe(200);
    expect((await api('owner', 'PATCH', '/api/v1/terminals/SPB-01-P1', { status: 'blocked' })).body).toEqual({ id: 'SPB-01-P1', kind: 'pump', status: 'blocked' });
    expect((await authorize(demoCards.small, {}, 'SPB-01-P1')).reason).toBe('TERMINAL_BLOCKED');
    expect((await api('owner', 'PUT', '/api/v1/products/ADBLUE', { name: 'AdBlue', group: 'goods', unit: 'l' })).status).toBe(200);
    expect((await api('owner', 'PATCH', '/api/v1/products/ADBLUE', { name: 'AdBlue 10 л' })).body['name']).toBe('AdBlue 10 л');
    expect((await api('owner', 'PUT', '/api/v1/discounts/spb-open', { name: 'Открытие СПб', percent: 300, sites: ['SPB-01'] })).status).toBe(200);
    expect((await api('owner', 'PUT', '/api/v1/tariffs/WASH-ECO', { name: 'Эконом', perMinute: 2_000 })).status).toBe(200);
    expect((await api('owner', 'PUT', '/api/v1/bonus', { rate: 200, redeem: false })).body).toEqual({ bonus: { rate: 200, redeem: false } });
    const patched = await api('owner', 'PATCH', '/api/v1/counterparties/kuznetsov', { creditLimit: 100_000 });
    expect(patched.body).toEqual({ id: 'kuznetsov', name: 'ИП Кузнецов А. В.', segment: 'fleet-small', openingBalance: 300_000, creditLimit: 100_000 });
    expect((await api('owner', 'PUT', '/api/v1/counterparties/nordtrans', { name: 'ООО «НордТранс»', segment: 'fleet-small', balance: 1_000_000 })).status).toBe(200);
    expect((await api('operator', 'PUT', '/api/v1/clients/sidorov', { name: 'Сидоров Иван', member: true, plate: 'Е777КХ77' })).status).toBe(200);
    const issued = await api('owner', 'POST', '/api/v1/cards', { number: freshCard, pin: freshPin, counterparty: 'nordtrans', limits: [{ period: 'day', amount: 500_000 }] });
    expect(issued.status).toBe(201);
    expect(issued.body).toMatchObject({ masked: '700522******1111', counterparty: 'nordtrans', status: 'active', pin: true });
    expect((await api('owner', 'POST', '/api/v1/cards', { number: freshCard, counterparty: 'nordtrans' })).status).toBe(409);
    const fresh = await authorize(freshCard, { pin: freshPin });
    expect(fresh.result).toBe('approved');
    await reverse(fresh);

    await projector.caughtUp();
    const read = await api('operator', 'GET', '/api/v1/sites/MSK-01');
    expect(read.status).toBe(200);
    expect((await api('operator', 'GET', '/api/v1/sites/SPB-01')).status).toBe(403);
    const spb = await api('owner', 'GET', '/api/v1/sites/SPB-01');
    expect(spb.body).toEqual({
      id: 'SPB-01',
      name: 'АЗС №4, Санкт-Петербург',
      kind: 'fuel',
      // The fields the read model does not keep come from the engine's catalog: none given here.
      lat: null,
      lon: null,
      openingHours: null,
      terminals: [
        { id: 'SPB-01-P1', site: 'SPB-01', kind: 'pump', status: 'blocked', requiresShift: false },
        { id: 'SPB-01-POS1', site: 'SPB-01', kind: 'pos', status: 'active', requiresShift: false },
      ],
    });
    const operatorSites = await api('operator', 'GET', '/api/v1/sites');
    expect((operatorSites.body['items'] as { id: string }[]).map((item) => item.id)).toEqual(['MSK-01']);
    const products = await api('owner', 'GET', '/api/v1/products?limit=5');
    expect((products.body['items'] as unknown[]).length).toBe(5);
    const nextPage = await api('owner', 'GET', `/api/v1/products?limit=100&after=${String(products.body['next'])}`);
    expect(nextPage.body['next']).toBeUndefined();
    const codes = [...(products.body['items'] as { code: string }[]), ...(nextPage.body['items'] as { code: string }[])].map((item) => item.code);
    expect(codes).toHaveLength(12);
    expect(codes).toEqual([...codes].sort());
    expect(codes).toContain('ADBLUE');
    expect(((await api('owner', 'GET', '/api/v1/discounts')).body['items'] as { id: string }[]).map((item) => item.id)).toContain('spb-open');
    expect(((await api('owner', 'GET', '/api/v1/tariffs')).body['items'] as { code: string }[]).map((item) => item.code)).toContain('WASH-ECO');
    expect((await api('owner', 'GET', '/api/v1/network')).body).toEqual({ id: network, name: 'АЗС «Северный Путь»', currency: 'RUB', timezone: 'Europe/Moscow', bonus: { rate: 200, redeem: false, products: null } });
    const kuznetsov = await api('accountant', 'GET', '/api/v1/counterparties/kuznetsov');
    expect(kuznetsov.body['account']).toMatchObject({ creditLimit: 100_000, openingBalance: 300_000 });
    expect((kuznetsov.body['cards'] as { masked: string }[]).map((card) => card.masked).sort()).toEqual(['700500******0033', '700500******0041']);
    const nordtrans = await api('owner', 'GET', '/api/v1/counterparties/nordtrans');
    expect(nordtrans.body['cards']).toEqual([{ id: issued.body['id'], masked: '700522******1111', counterparty: 'nordtrans', client: null, status: 'active', expires: null, limits: [{ period: 'day', amount: 500_000 }], restrictions: {} }]);
    const byPlate = await api('owner', 'GET', `/api/v1/clients?plate=${encodeURIComponent('е777кх 77')}`);
    expect((byPlate.body['items'] as { id: string; plates: string[] }[]).map((item) => [item.id, item.plates])).toEqual([['sidorov', [normalizePlate('Е777КХ77')]]]);
    const byName = await api('owner', 'GET', `/api/v1/clients?name=${encodeURIComponent('иванова')}`);
    expect((byName.body['items'] as { id: string }[]).map((item) => item.id)).toEqual(['ivanova']);
    const fleetId = await cardId(demoFleetCard(0));
    const card = await api('owner', 'GET', `/api/v1/cards/${fleetId}`);
    expect(card.body).toMatchObject({ counterparty: 'transline', status: 'active', limits: [{ period: 'day', volume: 10_000 }], restrictions: { products: ['DT'] } });
    const blockedCards = await api('owner', 'GET', '/api/v1/cards?status=blocked');
    expect((blockedCards.body['items'] as { masked: string }[]).map((item) => item.masked)).toEqual(['700500******0041']);
    const byEnd = await api('owner', 'GET', '/api/v1/cards?masked=0017');
    expect((byEnd.body['items'] as { masked: string }[]).map((item) => item.masked).sort()).toEqual(['700500******0017', '700510******0017']);
    const byMasked = await api('owner', 'GET', `/api/v1/cards?masked=${encodeURIComponent('700500******0017')}`);
    expect((byMasked.body['items'] as { masked: string }[]).map((item) => item.masked)).toEqual(['700500******0017']);

    // Removals: a product still named by a price is refused with the problem's path; the rest go.
    expect((await api('owner', 'PUT', '/api/v1/prices', { product: 'ADBLUE', price: 9_900 })).status).toBe(200);
    const refused = await api('owner', 'DELETE', '/api/v1/products/ADBLUE');
    expect(refused.status).toBe(400);
    expect(issuePaths(refused)[0]).toMatch(/^prices\.\d+\.product$/);
    expect((await api('owner', 'DELETE', '/api/v1/prices?product=ADBLUE')).status).toBe(200);
    expect((await api('owner', 'DELETE', '/api/v1/products/ADBLUE')).status).toBe(200);
    expect((await api('owner', 'DELETE', '/api/v1/discounts/spb-open')).status).toBe(200);
    expect((await api('owner', 'DELETE', '/api/v1/sites/SPB-01')).status).toBe(200);
    expect((await api('owner', 'DELETE', '/api/v1/bonus')).body).toEqual({ bonus: null });
    await projector.caughtUp();
    expect((await api('owner', 'GET', '/api/v1/sites/SPB-01')).status).toBe(404);
    expect((await api('owner', 'GET', '/api/v1/network')).body['bonus']).toBeNull();
    expect((await api('owner', 'GET', '/api/v1/bonus')).body).toEqual({ bonus: null });
  });

  it('refuses by role: an operator blocks but sets no limits; an accountant writes nothing; a client blocks only its own card', async () => {
    const small = await cardId(demoCards.small);
    const fleet = await cardId(demoCards.fleet);
    expect((await api('operator', 'PUT', `/api/v1/cards/${small}/limits`, { limits: [] })).status).toBe(403);
    expect((await api('operator', 'POST', `/api/v1/cards/${small}/unblock`)).status).toBe(403);
    expect((await api('operator', 'PUT', '/api/v1/prices', { product: 'AI92', price: 1 })).status).toBe(403);
    for (const [method, path, body] of [
      ['POST', `/api/v1/cards/${small}/block`, undefined],
      ['PUT', '/api/v1/prices', { product: 'AI92', price: 1 }],
      ['PUT', '/api/v1/sites/X-1', { name: 'x', kind: 'shop' }],
      ['PATCH', '/api/v1/counterparties/kuznetsov', { creditLimit: 1 }],
      ['PUT', '/api/v1/clients/x', { name: 'x', member: false }],
      ['POST', '/api/v1/cards', { number: '7005333300001111', counterparty: 'kuznetsov' }],
    ] as const) {
      expect((await api('accountant', method, path, body)).status, `${method} ${path}`).toBe(403);
    }
    // The client (bound to kuznetsov) blocks its own card; the fleet card of another counterparty is not found.
    expect((await api('client', 'POST', `/api/v1/cards/${fleet}/block`)).status).toBe(404);
    expect((await api('client', 'GET', `/api/v1/cards/${fleet}`)).status).toBe(404);
    expect((await api('client', 'POST', '/api/v1/cards/lookup', { number: demoCards.fleet })).status).toBe(404);
    const own = await api('client', 'POST', `/api/v1/cards/${small}/block`);
    expect(own.status).toBe(200);
    expect((await api('client', 'POST', `/api/v1/cards/${small}/unblock`)).status).toBe(403);
    expect((await api('owner', 'POST', `/api/v1/cards/${small}/unblock`)).status).toBe(200);
    await projector.caughtUp();
    const mine = await api('client', 'GET', '/api/v1/cards');
    expect((mine.body['items'] as { counterparty: string }[]).every((card) => card.counterparty === 'kuznetsov')).toBe(true);
    expect((await api('client', 'GET', '/api/v1/counterparties')).body['items']).toHaveLength(1);
    expect((await api('client', 'GET', '/api/v1/counterparties/logistic-trade')).status).toBe(404);
    // Another network's owner finds nothing of this one.
    expect((await api('stranger', 'POST', `/api/v1/cards/${small}/block`)).status).toBe(404);
    expect((await api('stranger', 'GET', '/api/v1/sites')).body['items']).toEqual([]);
    const audited = security.audit.query(network, { action: 'cards.block' }).entries;
    expect(audited.some((entry) => entry.kind === 'change' && 'id' in entry.actor && entry.actor.id === 'key-client')).toBe(true);
    expect(audited.some((entry) => entry.kind === 'access.refused' && 'id' in entry.actor && entry.actor.id === 'key-client')).toBe(true);
  });

  it('answers bad input 400 with the issue paths, unknown ids 404', async () => {
    const fleet = await cardId(demoCards.fleet);
    const badLimit = await api('owner', 'PUT', `/api/v1/cards/${fleet}/limits`, { limits: [{ period: 'year', amount: 1 }] });
    expect(badLimit.status).toBe(400);
    expect(issuePaths(badLimit)).toEqual(['body.limits.0.period']);
    const unknownProduct = await api('owner', 'PUT', `/api/v1/cards/${fleet}/restrictions`, { products: ['NOPE'] });
    expect(unknownProduct.status).toBe(400);
    expect(issuePaths(unknownProduct)).toEqual(['restrictions.products']);
    const badPrice = await api('owner', 'PUT', '/api/v1/prices', { product: 'NOPE', price: 100 });
    expect(badPrice.status).toBe(400);
    expect(issuePaths(badPrice)[0]).toMatch(/^prices\.\d+\.product$/);
    expect(issuePaths(await api('owner', 'PUT', '/api/v1/prices', { product: 'AI92', price: -1 }))).toEqual(['body.price']);
    const halfLocated = await api('owner', 'PUT', '/api/v1/sites/NEW-01', { name: 'x', kind: 'shop', lat: 1 });
    expect(halfLocated.status).toBe(400);
    expect(issuePaths(halfLocated)[0]).toMatch(/^sites\.\d+$/);
    expect(issuePaths(await api('owner', 'POST', '/api/v1/cards', { number: '7005444400001111' }))).toEqual(['body.counterparty']);
    expect((await api('owner', 'POST', '/api/v1/cards', { number: '7005444400001111', counterparty: 'nobody' })).status).toBe(400);
    expect(issuePaths(await api('owner', 'PATCH', '/api/v1/counterparties/kuznetsov', { creditLimit: 'lots' }))).toEqual(['body.creditLimit']);

    expect((await api('owner', 'POST', '/api/v1/cards/0000000000000000000000/block')).status).toBe(404);
    expect((await api('owner', 'GET', '/api/v1/cards/0000000000000000000000')).status).toBe(404);
    expect((await api('owner', 'POST', '/api/v1/cards/lookup', { number: '7005999999999999' })).status).toBe(404);
    expect((await api('owner', 'GET', '/api/v1/sites/NOPE')).status).toBe(404);
    expect((await api('owner', 'PATCH', '/api/v1/sites/NOPE', { name: 'x' })).status).toBe(404);
    expect((await api('owner', 'PATCH', '/api/v1/terminals/NOPE', { status: 'blocked' })).status).toBe(404);
    expect((await api('owner', 'PUT', '/api/v1/terminals/NEW-T', { site: 'NOPE', kind: 'pos' })).status).toBe(404);
    expect((await api('owner', 'DELETE', '/api/v1/tariffs/NOPE')).status).toBe(404);
    expect((await api('owner', 'DELETE', '/api/v1/prices?product=AI92&from=5')).status).toBe(404);
    expect((await api('owner', 'PATCH', '/api/v1/counterparties/nobody', { name: 'x' })).status).toBe(404);
    expect((await api('owner', 'PATCH', '/api/v1/clients/nobody', { name: 'x' })).status).toBe(404);
    expect((await api('owner', 'GET', '/api/v1/clients/nobody')).status).toBe(404);
  });

  it('imports a document through the API with network.configure; another network is not found', async () => {
    const document = demoNetwork();
    const imported = await api('owner', 'POST', '/api/v1/network/import', { network: document.network, products: [...(document.products ?? []), { code: 'TEA', name: 'Чай', group: 'cafe', unit: 'pcs' }] });
    expect(imported.status).toBe(200);
    expect(imported.body).toMatchObject({ network, catalogChanged: true });
    await projector.caughtUp();
    expect(((await api('owner', 'GET', '/api/v1/products')).body['items'] as { code: string }[]).map((item) => item.code)).toContain('TEA');
    expect((await api('accountant', 'POST', '/api/v1/network/import', { network: document.network })).status).toBe(403);
    expect((await api('owner', 'POST', '/api/v1/network/import', { network: { ...document.network, id: 'elsewhere' } })).status).toBe(404);
  });

  it('documents the management routes in a valid OpenAPI 3.1 document, each with its permission', async () => {
    const paths = document['paths'] as Record<string, Record<string, { 'x-permission'?: string }>>;
    expect(paths['/api/v1/cards/{id}/block']?.['post']?.['x-permission']).toBe('cards.block');
    expect(paths['/api/v1/cards/{id}/limits']?.['put']?.['x-permission']).toBe('cards.write');
    expect(paths['/api/v1/prices']?.['put']?.['x-permission']).toBe('prices.write');
    for (const path of ['/api/v1/network', '/api/v1/sites/{id}', '/api/v1/terminals/{id}', '/api/v1/products/{id}', '/api/v1/discounts/{id}', '/api/v1/tariffs/{id}', '/api/v1/bonus', '/api/v1/counterparties/{id}', '/api/v1/clients/{id}', '/api/v1/cards/lookup', '/api/v1/network/import']) {
      expect(paths[path], path).toBeDefined();
    }
    const { Validator } = await import('@seriousme/openapi-schema-validator');
    const result = await new Validator().validate(document);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('never shows a card number or PIN: not in any answer, the audit or the read model', async () => {
    await projector.caughtUp();
    const secrets = [...numbers, freshCard, freshPin];
    for (const text of answers) for (const secret of secrets) expect(text).not.toContain(secret);
    const audit = JSON.stringify(security.audit.query(network, { limit: 1_000 }).entries);
    expect(audit).toContain('700522******1111');
    for (const secret of secrets) expect(audit).not.toContain(secret);
    const tables = (await database.pool.query<{ tablename: string }>(`SELECT tablename FROM pg_tables WHERE schemaname = 'readmodel'`)).rows.map((row) => row.tablename);
    expect(tables).toContain('cards');
    for (const table of tables) {
      const content = JSON.stringify((await database.pool.query(`SELECT to_jsonb(t) AS row FROM readmodel.${table} t`)).rows);
      for (const secret of [...numbers, freshCard]) expect(content, table).not.toContain(secret);
    }
  });
});
