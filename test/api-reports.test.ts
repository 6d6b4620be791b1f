// Balances, histories and reports through the HTTP API, on a real engine (demo network, simulated
// clock), a projector caught up on PostgreSQL (server and PGlite), and the routes on a real uWS
// server. A seeded simulation drives a few hundred random operations (fuel, receipts with and without
// a card, partial returns, top-ups, wash sessions) across several days; an independent tally of the
// engine's own replies predicts every report, settlements reconcile for every account, and balances
// at past instants equal the engine's `inquire` answers then. A rebuild gives the same reports; scopes
// (operator, client, another network) and bad input are checked. Replay a failure with SEED=N.

import ExcelJS from 'exceljs';
import uWS from 'uWebSockets.js';
import type { us_listen_socket } from 'uWebSockets.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal, Reply, TerminalRequest } from '../engine/index.js';
import { demoCards, demoFleetCard, demoNetwork, demoPins, seededRandom } from '../engine/index.js';
import type { Harness, PostgresForTests, ReadModelDatabase } from '../engine/testing/index.js';
import { postgresBackendsForTests, Projector, dropReadModel, openHarness, openReadModelDatabase, rebuildReadModel } from '../engine/testing/index.js';
import { apiRoutes, mountApi } from '../gateways/index.js';

const seed = Number(process.env['SEED'] ?? 20_261_123);
const operationsCount = 300;
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
const minute = 60_000;
const moscowOffsetMs = 3 * 3_600_000;

const { backends, stopServer } = await postgresBackendsForTests();
afterAll(async () => {
  await stopServer();
});

type OwnerKind = 'counterparty' | 'client';
interface Holder {
  card: string;
  pin?: string;
  kind: OwnerKind;
  owner: string;
  account: string;
}
const holders: Holder[] = [
  { card: demoCards.fleet, pin: demoPins.fleet ?? '', kind: 'counterparty', owner: 'logistic-trade', account: 'acct:sever:cp:logistic-trade' },
  { card: demoCards.small, kind: 'counterparty', owner: 'kuznetsov', account: 'acct:sever:cp:kuznetsov' },
  { card: demoCards.loyalty, kind: 'client', owner: 'ivanova', account: 'acct:sever:cl:ivanova' },
  { card: demoCards.taxi, kind: 'client', owner: 'petrov', account: 'acct:sever:cl:petrov' },
  ...[0, 1, 2].map((index) => ({ card: demoFleetCard(index), kind: 'counterparty' as const, owner: 'transline', account: 'acct:sever:cp:transline' })),
];
const accounts = [
  { account: 'acct:sever:cp:logistic-trade', kind: 'counterparty', owner: 'logistic-trade', opening: 50_000_000, creditLimit: 10_000_000 },
  { account: 'acct:sever:cp:kuznetsov', kind: 'counterparty', owner: 'kuznetsov', opening: 300_000, creditLimit: 0 },
  { account: 'acct:sever:cp:transline', kind: 'counterparty', owner: 'transline', opening: 200_000_000, creditLimit: 50_000_000 },
  { account: 'acct:sever:cl:ivanova', kind: 'client', owner: 'ivanova', opening: 150_000, creditLimit: 0 },
  { account: 'acct:sever:cl:petrov', kind: 'client', owner: 'petrov', opening: 50_000, creditLimit: 0 },
] as const;
const washClients = [
  { plate: 'А123ВС77', client: 'ivanova', account: 'acct:sever:cl:ivanova' },
  { plate: 'В456ОР99', client: 'petrov', account: 'acct:sever:cl:petrov' },
];
const fuelSites = { 'MSK-01': 6, 'MSK-02': 4, 'TVR-01': 4 } as const;
const shopPrices: Record<string, number> = { COFFEE: 19_900, HOTDOG: 15_900, WATER: 8_900, WASHER: 45_000 };

/** What the engine's replies say happened (the independent tally). */
interface SaleLineFact { at: number; site: string; product: string; qty: number; amount: number; discount: number; account: string | null; refund: boolean }
interface PaymentFact { at: number; site: string; method: string; amount: number; account: string | null; refund: boolean }
interface TopupFact { at: number; site: string; method: string; amount: number; account: string }
interface WashFact { at: number; site: string; tariff: string; minutes: number; amount: number; account: string }
interface MoneyFact { at: number; account: string; delta: number; kind: 'debit' | 'return' | 'topup' }
interface Inquiry { at: number; holder: Holder; available: number; bonus: number }
interface Sold { kind: 'fuel' | 'sale'; txId: string; terminal: string; site: string; account: string | null; lines: { product: string; qty: number; amount: number; discount: number; left: number; returned: number }[]; amount: number; left: number }

interface Tally {
  lines: SaleLineFact[];
  payments: PaymentFact[];
  topups: TopupFact[];
  washes: WashFact[];
  money: MoneyFact[];
  inquiries: Inquiry[];
  start: number;
  end: number;
}

/** What returning `amount` more of `whole` (after `before`) gives back of `share`: cumulative, rounded down, so all of it once all is returned. */
const cumulativeShare = (share: number, before: number, amount: number, whole: number): number => Math.floor((share * (before + amount)) / whole) - Math.floor((share * before) / whole);
const dayOf = (at: number): string => new Date(at + moscowOffsetMs).toISOString().slice(0, 10);

type Row = Record<string, unknown>;
/** Adds measures up by the named keys: sorted rows like a report's. */
function groupBy<T>(facts: readonly T[], keys: readonly string[], keyOf: (fact: T, key: string) => string | null, measure: (fact: T) => Record<string, number>): Row[] {
  const groups = new Map<string, Row>();
  for (const fact of facts) {
    const values = keys.map((key) => keyOf(fact, key));
    const id = JSON.stringify(values);
    let row = groups.get(id);
    if (row === undefined) {
      row = Object.fromEntries(keys.map((key, index) => [key, values[index]]));
      groups.set(id, row);
    }
    for (const [name, value] of Object.entries(measure(fact))) row[name] = ((row[name] as number | undefined) ?? 0) + value;
  }
  return sortRows([...groups.values()]);
}
const sortRows = (rows: Row[]): Row[] => [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

async function simulate(harness: Harness, random: () => number): Promise<Tally> {
  const tally: Tally = { lines: [], payments: [], topups: [], washes: [], money: [], inquiries: [], start: harness.clock.now(), end: 0 };
  const sold: Sold[] = [];
  let counter = 0;
  const id = (prefix: string): string => `${prefix}-${++counter}`;
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const between = (low: number, high: number): number => low + Math.floor(random() * (high - low + 1));
  const call = (terminal: string, op: TerminalRequest['op'], request: Record<string, unknown>): Promise<Reply> => harness.call(terminal, { op, request } as TerminalRequest);
  const posOf = (site: string): string => `${site}-POS1`;

  for (let step = 0; step < operationsCount; step++) {
    harness.clock.advance(between(1, 45) * minute);
    const at = harness.clock.now();
    const choice = random();
    if (choice < 0.3) {
      const holder = pick(holders);
      const site = pick(Object.keys(fuelSites) as (keyof typeof fuelSites)[]);
      const terminal = `${site}-P${between(1, fuelSites[site])}`;
      const product = pick(['AI92', 'AI95', 'DT']);
      const volume = between(5, 40) * 1_000;
      const authorized = await call(terminal, 'authorize', { id: id('a'), card: holder.card, ...(holder.pin !== undefined ? { pin: holder.pin } : {}), product, volume });
      if (authorized.result !== 'approved') continue;
      const approvedVolume = Number(authorized['approvedVolume']);
      const completed = await call(terminal, 'complete', { id: id('c'), authId: authorized['authId'], volume: Math.min(approvedVolume, between(1, volume / 1_000) * 1_000) });
      expect(completed.result, JSON.stringify(completed)).toBe('approved');
      const amount = Number(completed['amount']);
      const line = { product, qty: Number(completed['volume']), amount, discount: Number(completed['discount']), left: amount, returned: 0 };
      tally.lines.push({ at, site, product, qty: line.qty, amount, discount: line.discount, account: holder.account, refund: false });
      tally.payments.push({ at, site, method: 'account', amount, account: holder.account, refund: false });
      tally.money.push({ at, account: holder.account, delta: -amount, kind: 'debit' });
      sold.push({ kind: 'fuel', txId: String(completed['txId']), terminal, site, account: holder.account, lines: [line], amount, left: amount });
    } else if (choice < 0.55) {
      const site = pick(Object.keys(fuelSites));
      const withCard = random() < 0.5;
      const holder = withCard ? pick(holders) : undefined;
      const lines = Array.from({ length: between(1, 3) }, () => ({ product: pick(Object.keys(shopPrices)), qty: between(1, 3) * 1_000 }));
      const list = lines.reduce((sum, line) => sum + ((shopPrices[line.product] ?? 0) * line.qty) / 1_000, 0);
      const payments = holder === undefined && random() < 0.5 ? { payments: [{ method: 'bank_card', amount: list }] } : {};
      const request = { id: id('s'), lines, ...(holder !== undefined ? { card: holder.card, ...(holder.pin !== undefined ? { pin: holder.pin } : {}) } : {}), ...payments };
      const reply = await call(posOf(site), 'sale', request);
      if (reply.result !== 'approved') continue;
      const replyLines = reply['lines'] as { product: string; qty: number; amount: number; discount: number }[];
      const account = holder?.account ?? null;
      for (const line of replyLines) tally.lines.push({ at, site, product: line.product, qty: line.qty, amount: line.amount, discount: line.discount, account, refund: false });
      for (const payment of reply['payments'] as { method: string; amount: number }[]) {
        tally.payments.push({ at, site, method: payment.method, amount: payment.amount, account, refund: false });
        if (payment.method === 'account' && account !== null) tally.money.push({ at, account, delta: -payment.amount, kind: 'debit' });
      }
      sold.push({ kind: 'sale', txId: String(reply['txId']), terminal: posOf(site), site, account, lines: replyLines.map((line) => ({ ...line, left: line.qty, returned: 0 })), amount: Number(reply['amount']), left: Number(reply['amount']) });
    } else if (choice < 0.7) {
      const original = sold.length > 0 ? pick(sold) : undefined;
      if (original === undefined) continue;
      if (original.kind === 'fuel') {
        const line = original.lines[0];
        if (line === undefined || original.left <= 0) continue;
        const amount = between(1, Math.min(original.left, 50_000));
        const reply = await call(original.terminal, 'refund', { id: id('r'), txId: original.txId, amount });
        if (reply.result !== 'approved') continue;
        expect(reply['amount']).toBe(amount);
        // The engine returns volume cumulatively (rounded down), so that the last return gives all of it back.
        const refundedBefore = original.amount - original.left;
        const qty = cumulativeShare(line.qty, refundedBefore, amount, line.amount);
        original.left -= amount;
        tally.lines.push({ at, site: original.site, product: line.product, qty: -qty, amount: -amount, discount: -cumulativeShare(line.discount, refundedBefore, amount, line.amount), account: original.account, refund: true });
        tally.payments.push({ at, site: original.site, method: 'account', amount: -amount, account: original.account, refund: true });
        if (original.account !== null) tally.money.push({ at, account: original.account, delta: amount, kind: 'return' });
      } else {
        const line = pick(original.lines);
        if (line.left < 1_000) continue;
        const reply = await call(original.terminal, 'refund', { id: id('r'), txId: original.txId, lines: [{ product: line.product, qty: 1_000 }] });
        if (reply.result !== 'approved') continue;
        line.left -= 1_000;
        const amount = Number(reply['amount']);
        const discount = cumulativeShare(line.discount, line.returned, amount, line.amount);
        line.returned += amount;
        tally.lines.push({ at, site: original.site, product: line.product, qty: -1_000, amount: -amount, discount: -discount, account: original.account, refund: true });
        for (const payment of reply['payments'] as { method: string; amount: number }[]) {
          tally.payments.push({ at, site: original.site, method: payment.method, amount: -payment.amount, account: original.account, refund: true });
          if (payment.method === 'account' && original.account !== null) tally.money.push({ at, account: original.account, delta: payment.amount, kind: 'return' });
        }
      }
    } else if (choice < 0.85) {
      const holder = pick(holders);
      const site = pick(Object.keys(fuelSites));
      const method = pick(['cash', 'bank_card']);
      const amount = between(1, 200) * 1_000;
      const reply = await call(posOf(site), 'topup', { id: id('t'), card: holder.card, amount, method });
      if (reply.result !== 'approved') continue;
      tally.topups.push({ at, site, method, amount, account: holder.account });
      tally.money.push({ at, account: holder.account, delta: amount, kind: 'topup' });
    } else {
      const client = pick(washClients);
      const tariff = pick(['WASH-STD', 'WASH-PRO']);
      const started = await call('WASH-01-K1', 'session.start', { id: id('w'), client: { plate: client.plate }, tariff });
      if (started.result !== 'approved') continue;
      harness.clock.advance(between(1, 15) * minute + between(0, 59_000));
      const charges = harness.events.filter((event) => event.event.type === 'session.charged').length;
      const stopped = await call('WASH-01-K1', 'session.stop', { id: id('ws'), sessionId: started['sessionId'] });
      expect(stopped.result).toBe('approved');
      while (harness.events.filter((event) => event.event.type === 'session.charged').length === charges) await new Promise((resolve) => setTimeout(resolve, 2));
      const stoppedAt = Number(stopped['stoppedAt']);
      const amount = Number(stopped['amount']);
      const minutes = Number(stopped['minutes']);
      tally.washes.push({ at: stoppedAt, site: 'WASH-01', tariff, minutes, amount, account: client.account });
      tally.lines.push({ at: stoppedAt, site: 'WASH-01', product: tariff, qty: minutes, amount, discount: 0, account: client.account, refund: false });
      tally.payments.push({ at: stoppedAt, site: 'WASH-01', method: 'account', amount, account: client.account, refund: false });
      tally.money.push({ at: stoppedAt, account: client.account, delta: -amount, kind: 'debit' });
    }
    if (step % 7 === 0) {
      const holder = pick(holders);
      const reply = await call('MSK-01-POS1', 'inquire', { id: id('i'), card: holder.card, ...(holder.pin !== undefined ? { pin: holder.pin } : {}) });
      expect(reply.result).toBe('approved');
      tally.inquiries.push({ at: harness.clock.now(), holder, available: Number(reply['balance']), bonus: Number(reply['bonus']) });
    }
  }
  tally.end = harness.clock.now();
  return tally;
}

const owner: Principal = { kind: 'apikey', id: 'k-owner', network: 'sever', role: 'owner', sites: 'all' };
const principals: Record<string, Principal> = {
  owner,
  accountant: { ...owner, id: 'k-accountant', role: 'accountant' },
  operator: { ...owner, id: 'k-operator', role: 'operator', sites: ['MSK-01'] },
  ivanova: { ...owner, id: 'k-ivanova', role: 'client', owner: { kind: 'client', id: 'ivanova' } },
  logistic: { ...owner, id: 'k-logistic', role: 'client', owner: { kind: 'counterparty', id: 'logistic-trade' } },
  other: { ...owner, id: 'k-other', network: 'other' },
};

describe.each(backends)('balances and reports on $name (seed ' + String(seed) + ')', ({ start }) => {
  let postgres: PostgresForTests;
  let database: ReadModelDatabase;
  let harness: Harness;
  let projector: Projector;
  let socket: us_listen_socket | undefined;
  let base: string;
  let tally: Tally;
  let period: { from: string; to: string };

  beforeAll(async () => {
    postgres = await start();
    database = openReadModelDatabase({ databaseUrl: postgres.url, embeddedDataDir: '', connectionsMax: 2 });
    const client = await database.pool.connect();
    await dropReadModel(client);
    client.release();
    harness = openHarness({ alerts: false });
    await harness.engine.import(demoNetwork());
    projector = new Projector({ journal: harness.engine.store, database, clock: harness.clock, log: silent, pollIntervalMs: 50, retryDelayFirstMs: 5, retryDelayMaxMs: 100 });
    harness.engine.onCommitted((event) => projector.advanceHead(event.position));
    projector.advanceHead(harness.engine.store.lastPosition);
    projector.start();
    tally = await simulate(harness, seededRandom(seed));
    await harness.engine.store.flushed();
    projector.advanceHead(harness.engine.store.lastPosition);
    await projector.caughtUp();
    period = { from: new Date(Date.UTC(2026, 10, 22, 21)).toISOString(), to: new Date(tally.end + 2 * 86_400_000).toISOString() };

    const app = uWS.App();
    mountApi(app, apiRoutes({ engine: harness.engine, database: database.pool, security: undefined }), {
      authenticators: [(raw) => principals[(raw.headers['authorization'] ?? '').replace(/^Bearer /, '')]],
      log: (level, message, fields) => console.error(level, message, fields),
    });
    const listening = await new Promise<us_listen_socket>((resolve, reject) => app.listen('127.0.0.1', 0, (listen) => (listen ? resolve(listen) : reject(new Error('no port')))));
    socket = listening;
    base = `http://127.0.0.1:${uWS.us_socket_local_port(listening)}`;
  }, 240_000);

  afterAll(async () => {
    if (socket !== undefined) uWS.us_listen_socket_close(socket);
    await projector?.stop();
    await harness?.close();
    await database?.close();
    if (postgres.kind === 'embedded') await postgres.stop();
  });

  async function get(path: string, who = 'owner'): Promise<{ status: number; body: Row }> {
    const response = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${who}` } });
    return { status: response.status, body: (await response.json()) as Row };
  }
  async function ok(path: string, who = 'owner'): Promise<Row> {
    const answer = await get(path, who);
    expect(answer.status, `${path}: ${JSON.stringify(answer.body)}`).toBe(200);
    return answer.body;
  }
  const query = (extra: Record<string, string> = {}, over = period): string => `?${new URLSearchParams({ ...over, ...extra }).toString()}`;
  const rowsOf = (body: Row): Row[] => sortRows(body['rows'] as Row[]);

  const saleKey = (fact: SaleLineFact, key: string): string => (key === 'day' ? dayOf(fact.at) : key === 'site' ? fact.site : fact.product);
  const saleMeasure = (fact: SaleLineFact): Record<string, number> => ({ count: fact.refund ? 0 : 1, returns: fact.refund ? 1 : 0, quantity: fact.qty, amount: fact.amount, discount: fact.discount });

  it('drove a varied simulation', () => {
    expect(tally.lines.filter((line) => !line.refund).length).toBeGreaterThan(100);
    expect(tally.lines.filter((line) => line.refund).length).toBeGreaterThan(10);
    expect(tally.washes.length).toBeGreaterThan(10);
    expect(tally.topups.length).toBeGreaterThan(10);
    expect(new Set(tally.lines.map((line) => dayOf(line.at))).size).toBeGreaterThan(3);
    expect(tally.inquiries.length).toBeGreaterThan(20);
  });

  it('sales by every grouping equal the sums of the engine’s replies', async () => {
    for (const group of [[], ['site'], ['product'], ['day'], ['site', 'product', 'day'], ['day', 'site']]) {
      const body = await ok(`/api/v1/reports/sales${query(group.length > 0 ? { group: group.join(',') } : {})}`);
      expect(body).toMatchObject({ report: 'sales', network: 'sever', timezone: 'Europe/Moscow', group });
      const expected = groupBy(tally.lines, group, saleKey, saleMeasure);
      expect({ group, rows: rowsOf(body) }).toEqual({ group, rows: expected });
      expect(body['totals']).toEqual(groupBy(tally.lines, [], saleKey, saleMeasure)[0]);
    }
  });

  it('payment methods, top-ups and wash sessions equal the sums of the engine’s replies', async () => {
    const paymentKey = (fact: PaymentFact, key: string): string => (key === 'day' ? dayOf(fact.at) : key === 'site' ? fact.site : fact.method);
    const paymentMeasure = (fact: PaymentFact): Record<string, number> => ({ count: fact.refund ? 0 : 1, returns: fact.refund ? 1 : 0, amount: fact.amount });
    for (const group of [[], ['site'], ['day'], ['site', 'day']]) {
      const body = await ok(`/api/v1/reports/payment-methods${query(group.length > 0 ? { group: group.join(',') } : {})}`);
      expect(rowsOf(body)).toEqual(groupBy(tally.payments, ['method', ...group], paymentKey, paymentMeasure));
    }
    const topupKey = (fact: TopupFact, key: string): string => (key === 'day' ? dayOf(fact.at) : key === 'site' ? fact.site : fact.method);
    for (const group of [['method'], ['method', 'site', 'day']]) {
      const body = await ok(`/api/v1/reports/topups${query({ group: group.join(',') })}`);
      expect(rowsOf(body)).toEqual(groupBy(tally.topups, group, topupKey, (fact) => ({ count: 1, amount: fact.amount })));
    }
    const washKey = (fact: WashFact, key: string): string => (key === 'day' ? dayOf(fact.at) : key === 'site' ? fact.site : fact.tariff);
    for (const group of [[], ['tariff'], ['site', 'tariff', 'day']]) {
      const body = await ok(`/api/v1/reports/wash-sessions${query(group.length > 0 ? { group: group.join(',') } : {})}`);
      expect(rowsOf(body)).toEqual(groupBy(tally.washes, group, washKey, (fact) => ({ count: 1, charged: 1, minutes: fact.minutes, revenue: fact.amount })));
    }
  });

  it('settlements reconcile for every account and follow the replies, over the whole run and a part of it', async () => {
    const middle = tally.start + Math.floor((tally.end - tally.start) / 3) + 17;
    const late = tally.start + Math.floor(((tally.end - tally.start) * 2) / 3) + 29;
    for (const [from, to] of [
      [Date.parse(period.from), Date.parse(period.to)],
      [middle, late],
    ] as const) {
      const body = await ok(`/api/v1/reports/settlements${query({}, { from: new Date(from).toISOString(), to: new Date(to).toISOString() })}`);
      const rows = body['rows'] as Row[];
      expect(rows).toHaveLength(accounts.length);
      for (const account of accounts) {
        const row = rows.find((candidate) => candidate['account'] === account.account);
        const before = (instant: number): number => account.opening + tally.money.filter((fact) => fact.account === account.account && fact.at < instant).reduce((sum, fact) => sum + fact.delta, 0);
        const within = tally.money.filter((fact) => fact.account === account.account && fact.at >= from && fact.at < to);
        const sum = (kind: MoneyFact['kind']): number => within.filter((fact) => fact.kind === kind).reduce((total, fact) => total + Math.abs(fact.delta), 0);
        expect(row).toMatchObject({
          owner: { kind: account.kind, id: account.owner },
          creditLimit: account.creditLimit,
          opening: before(from),
          closing: before(to),
          debits: sum('debit'),
          returns: sum('return'),
          topups: sum('topup'),
          otherCredits: 0,
        });
        const settlement = row as Record<string, number>;
        expect(settlement['opening']! + settlement['credits']! - settlement['debits']!).toBe(settlement['closing']);
      }
    }
  });

  it('balances at past instants equal what the engine answered then; now, with holds, too', async () => {
    for (const inquiry of tally.inquiries) {
      const path = inquiry.holder.kind === 'counterparty' ? 'counterparties' : 'clients';
      const body = await ok(`/api/v1/${path}/${inquiry.holder.owner}/balance?at=${encodeURIComponent(new Date(inquiry.at).toISOString())}`);
      expect({ at: inquiry.at, available: (body['balance'] as number) + (body['creditLimit'] as number), bonus: body['bonus'] }).toEqual({ at: inquiry.at, available: inquiry.available, bonus: inquiry.bonus });
      expect(body['holds']).toBeNull();
    }
    // Now: a hold placed and left open lowers what is available, not the balance.
    const authorized = await harness.call('MSK-01-P2', { op: 'authorize', request: { id: 'open-hold', card: demoCards.fleet, pin: demoPins.fleet ?? '', product: 'AI95', volume: 10_000 } });
    expect(authorized.result).toBe('approved');
    await harness.engine.store.flushed();
    projector.advanceHead(harness.engine.store.lastPosition);
    await projector.caughtUp();
    const inquiry = await harness.call('MSK-01-POS1', { op: 'inquire', request: { id: 'now', card: demoCards.fleet, pin: demoPins.fleet ?? '' } });
    const now = await ok('/api/v1/counterparties/logistic-trade/balance');
    expect(now).toMatchObject({ at: null, holds: authorized['approvedAmount'], available: inquiry['balance'], bonus: inquiry['bonus'] });
    await harness.call('MSK-01-P2', { op: 'reverse', request: { id: 'open-hold-reverse', authId: String(authorized['authId']) } });
    await harness.engine.store.flushed();
    projector.advanceHead(harness.engine.store.lastPosition);
    await projector.caughtUp();

    const list = await ok('/api/v1/balances?limit=2');
    expect((list['items'] as Row[]).map((item) => item['account'])).toEqual(['acct:sever:cl:ivanova', 'acct:sever:cl:petrov']);
    const rest = await ok(`/api/v1/balances?limit=10&cursor=${String(list['next'])}`);
    expect((rest['items'] as Row[]).map((item) => item['account'])).toEqual(['acct:sever:cp:kuznetsov', 'acct:sever:cp:logistic-trade', 'acct:sever:cp:transline']);
    expect(rest['next']).toBeNull();
    const large = await ok(`/api/v1/balances?segment=fleet-large&at=${encodeURIComponent(period.from)}`);
    expect((large['items'] as Row[]).map((item) => [item['account'], item['balance']])).toEqual([
      ['acct:sever:cp:logistic-trade', 50_000_000],
      ['acct:sever:cp:transline', 200_000_000],
    ]);
  });

  it('an account’s operations page newest first and match its movements; pricing conditions show what it got', async () => {
    const account = 'acct:sever:cp:transline';
    const items: Row[] = [];
    let cursor: string | null = null;
    do {
      const page: Row = await ok(`/api/v1/counterparties/transline/operations?limit=7${cursor !== null ? `&cursor=${cursor}` : ''}`);
      items.push(...(page['items'] as Row[]));
      cursor = page['next'] as string | null;
    } while (cursor !== null);
    const moves = tally.money.filter((fact) => fact.account === account);
    expect(items.map((item) => item['delta'])).toEqual(moves.map((fact) => fact.delta).reverse());
    const positions = items.map((item) => item['position'] as number);
    expect(positions).toEqual([...positions].sort((a, b) => b - a));
    const balance = await ok('/api/v1/counterparties/transline/balance');
    expect(items[0]?.['balanceAfter']).toBe(balance['balance']);
    const windowed = await ok(`/api/v1/counterparties/transline/operations${query({ limit: '500' })}`);
    expect((windowed['items'] as Row[]).length).toBe(moves.length);

    const conditions = await ok(`/api/v1/counterparties/transline/pricing-conditions${query()}`);
    const bought = tally.lines.filter((line) => line.account === account && !line.refund);
    const history = conditions['history'] as Row[];
    expect(history.reduce((sum, row) => sum + (row['amount'] as number), 0)).toBe(bought.reduce((sum, line) => sum + line.amount, 0));
    expect(history.reduce((sum, row) => sum + (row['count'] as number), 0)).toBe(bought.length);
    // The contract price for diesel, whenever transline bought it.
    for (const row of history.filter((candidate) => candidate['product'] === 'DT')) expect(row).toMatchObject({ price: 6_600, discountRule: 'transline-dt-contract', unit: 'l' });
    const rules = (conditions['discounts'] as Row[]).map((rule) => rule['id']);
    expect(rules).toContain('transline-dt-contract');
    expect(rules).toContain('fleet-large-fuel');
    expect(conditions['bonus']).toBeNull();
    // Rules for client groups or club members are not a counterparty's.
    expect(rules).not.toContain('taxi-fuel');
    expect(rules).not.toContain('club-cafe');
    const client = await ok(`/api/v1/clients/ivanova/pricing-conditions${query()}`);
    expect((client['discounts'] as Row[]).map((rule) => rule['id'])).not.toContain('fleet-large-fuel');
    // Иванова is a club member in no group; Петров is in the taxi group and not a member.
    expect((client['discounts'] as Row[]).map((rule) => rule['id'])).toEqual(['club-cafe', 'night-dt']);
    expect((client['discounts'] as Row[]).find((rule) => rule['id'] === 'club-cafe')).toMatchObject({ members: true, clientGroups: null, targeted: true, percent: 1_000 });
    const taxi = await ok(`/api/v1/clients/petrov/pricing-conditions${query()}`);
    expect((taxi['discounts'] as Row[]).map((rule) => rule['id'])).toEqual(['night-dt', 'taxi-fuel']);
    expect((taxi['discounts'] as Row[]).find((rule) => rule['id'] === 'taxi-fuel')).toMatchObject({ clientGroups: ['taxi'], members: false, targeted: true, perUnit: 100 });
    expect((conditions['discounts'] as Row[]).find((rule) => rule['id'] === 'fleet-volume-1000')).toMatchObject({ threshold: { period: 'month', volume: 1_000_000 } });
    expect((conditions['discounts'] as Row[]).find((rule) => rule['id'] === 'transline-dt-contract')).toMatchObject({ fixedPrice: 6_600, percent: null });
    expect(client['bonus']).toEqual({ rate: 100, redeem: true, products: ['fuel', 'cafe', 'drinks', 'goods'] });
    // A wash tariff's quantity is in minutes, and says so; a shop product's in thousandths of its unit.
    const washed = tally.lines.filter((line) => line.account === 'acct:sever:cl:ivanova' && !line.refund && line.product.startsWith('WASH-'));
    const washRows = (client['history'] as Row[]).filter((row) => String(row['product']).startsWith('WASH-'));
    expect(washRows.length).toBeGreaterThan(0);
    expect(washRows.every((row) => row['unit'] === 'min')).toBe(true);
    expect(washRows.reduce((sum, row) => sum + (row['quantity'] as number), 0)).toBe(washed.reduce((sum, line) => sum + line.qty, 0));
    for (const row of (client['history'] as Row[]).filter((candidate) => candidate['product'] === 'COFFEE')) expect(row['unit']).toBe('pcs');
  });

  it('scopes: an operator sees its sites’ numbers, a client only its own, another network nothing', async () => {
    const operatorSales = await ok(`/api/v1/reports/sales${query({ group: 'site' })}`, 'operator');
    expect(rowsOf(operatorSales)).toEqual(groupBy(tally.lines.filter((line) => line.site === 'MSK-01'), ['site'], saleKey, saleMeasure));
    expect((await get(`/api/v1/reports/settlements${query()}`, 'operator')).status).toBe(403);
    const operatorTopups = await ok(`/api/v1/reports/topups${query({ group: 'site' })}`, 'operator');
    expect((operatorTopups['rows'] as Row[]).map((row) => row['site'])).toEqual(['MSK-01']);

    const mine = tally.lines.filter((line) => line.account === 'acct:sever:cl:ivanova');
    const clientSales = await ok(`/api/v1/reports/sales${query()}`, 'ivanova');
    expect(clientSales['totals']).toEqual(groupBy(mine, [], saleKey, saleMeasure)[0]);
    const clientWash = await ok(`/api/v1/reports/wash-sessions${query()}`, 'ivanova');
    expect(clientWash['totals']).toMatchObject({ count: tally.washes.filter((wash) => wash.account === 'acct:sever:cl:ivanova').length });
    const clientSettlements = await ok(`/api/v1/reports/settlements${query()}`, 'ivanova');
    expect((clientSettlements['rows'] as Row[]).map((row) => row['account'])).toEqual(['acct:sever:cl:ivanova']);
    expect((await get('/api/v1/clients/ivanova/balance', 'ivanova')).status).toBe(200);
    expect((await get('/api/v1/clients/petrov/balance', 'ivanova')).status).toBe(404);
    expect((await get('/api/v1/counterparties/logistic-trade/balance', 'ivanova')).status).toBe(404);
    expect((await get('/api/v1/counterparties/logistic-trade/operations', 'ivanova')).status).toBe(404);
    expect((await get('/api/v1/counterparties/logistic-trade/pricing-conditions', 'ivanova')).status).toBe(404);
    expect((await get('/api/v1/counterparties/logistic-trade/operations', 'logistic')).status).toBe(200);
    const ownList = await ok('/api/v1/balances', 'logistic');
    expect((ownList['items'] as Row[]).map((item) => item['account'])).toEqual(['acct:sever:cp:logistic-trade']);

    expect((await get('/api/v1/counterparties/logistic-trade/balance', 'other')).status).toBe(404);
    expect((await get('/api/v1/clients/ivanova/operations', 'other')).status).toBe(404);
    expect((await get(`/api/v1/reports/sales${query()}`, 'other')).status).toBe(404);
    expect((await get('/api/v1/counterparties/nobody/balance')).status).toBe(404);
  });

  it('bad input is 400 with the issues’ paths', async () => {
    const issues = async (path: string): Promise<string[]> => {
      const answer = await get(path);
      expect(answer.status, path).toBe(400);
      expect((answer.body['error'] as Row)['code']).toBe('BAD_REQUEST');
      return ((answer.body['error'] as Row)['issues'] as { path: string }[]).map((issue) => issue.path);
    };
    expect(await issues('/api/v1/reports/sales')).toEqual(['query.from', 'query.to']);
    expect(await issues(`/api/v1/reports/sales${query({ to: period.from })}`)).toEqual(['query.to']);
    expect(await issues(`/api/v1/reports/sales${query({ from: '2025-01-01T00:00:00Z', to: '2026-12-01T00:00:00Z' })}`)).toEqual(['query.to']);
    expect(await issues(`/api/v1/reports/sales${query({ from: '2026-11-01' })}`)).toEqual(['query.from']);
    expect(await issues(`/api/v1/reports/sales${query({ group: 'site,colour' })}`)).toEqual(['query.group.1']);
    expect(await issues(`/api/v1/reports/sales${query({ group: 'site,site' })}`)).toEqual(['query.group']);
    expect(await issues(`/api/v1/reports/topups${query({ group: 'product' })}`)).toEqual(['query.group.0']);
    expect(await issues('/api/v1/clients/ivanova/balance?at=yesterday')).toEqual(['query.at']);
    expect(await issues('/api/v1/clients/ivanova/operations?cursor=bm9wZQ')).toEqual(['query.cursor']);
    expect(await issues('/api/v1/balances?limit=0')).toEqual(['query.limit']);
    expect(await issues('/api/v1/clients/ivanova/pricing-conditions?from=2020-01-01T00:00:00Z')).toEqual(['query.from']);
    expect(await issues(`/api/v1/clients/ivanova/pricing-conditions?to=${encodeURIComponent(period.from)}&from=${encodeURIComponent(period.to)}`)).toEqual(['query.to']);
  });

  /** The body as text, its byte order mark kept. */
  const textOf = async (response: Response): Promise<string> => new TextDecoder('utf-8', { ignoreBOM: true }).decode(await response.arrayBuffer());

  /** RFC 4180 records after the BOM (quoted fields with doubled quotes; CRLF or LF). */
  function csvRecords(text: string): string[][] {
    expect(text.charCodeAt(0)).toBe(0xfeff);
    const records: string[][] = [];
    let record: string[] = [];
    let field = '';
    let quoted = false;
    for (let index = 1; index < text.length; index += 1) {
      const char = text[index];
      if (quoted) {
        if (char === '"' && text[index + 1] === '"') {
          field += '"';
          index += 1;
        } else if (char === '"') quoted = false;
        else field += char;
      } else if (char === '"') quoted = true;
      else if (char === ',') {
        record.push(field);
        field = '';
      } else if (char === '\n' || char === '\r') {
        if (char === '\r' && text[index + 1] === '\n') index += 1;
        record.push(field);
        records.push(record);
        record = [];
        field = '';
      } else field += char;
    }
    if (field !== '' || record.length > 0) records.push([...record, field]);
    return records;
  }

  it('exports: the xlsx and the CSV of each report hold the JSON report’s rows', async () => {
    const cases: { report: string; group?: string; keys: string[]; money: string[] }[] = [
      { report: 'sales', group: 'site,product,day', keys: ['site', 'product', 'day', 'count', 'returns', 'quantity', 'amount', 'discount'], money: ['amount', 'discount'] },
      { report: 'payment-methods', group: 'site', keys: ['method', 'site', 'count', 'returns', 'amount'], money: ['amount'] },
      {
        report: 'settlements',
        keys: ['account', 'ownerKind', 'ownerId', 'name', 'segment', 'creditLimit', 'opening', 'debits', 'returns', 'topups', 'otherCredits', 'credits', 'closing'],
        money: ['creditLimit', 'opening', 'debits', 'returns', 'topups', 'otherCredits', 'credits', 'closing'],
      },
      { report: 'wash-sessions', group: 'tariff,day', keys: ['tariff', 'day', 'count', 'charged', 'minutes', 'revenue'], money: ['revenue'] },
      { report: 'topups', group: 'method,site', keys: ['method', 'site', 'count', 'amount'], money: ['amount'] },
    ];
    for (const { report, group, keys, money } of cases) {
      const search = query(group !== undefined ? { group } : {});
      const json = await ok(`/api/v1/reports/${report}${search}`, 'accountant');
      const expected = (json['rows'] as Row[]).map((row) => {
        const owner = row['owner'] as { kind: string; id: string } | undefined;
        const flat: Row = owner === undefined ? row : { ...row, ownerKind: owner.kind, ownerId: owner.id };
        return keys.map((key) => flat[key] ?? null);
      });
      expect(expected.length, report).toBeGreaterThan(0);

      const xlsx = await fetch(`${base}/api/v1/exports/reports/${report}.xlsx${search}`, { headers: { authorization: 'Bearer accountant' } });
      expect(xlsx.status, report).toBe(200);
      expect(xlsx.headers.get('content-type')).toContain('spreadsheetml');
      expect(xlsx.headers.get('content-disposition')).toContain(`${report}-sever-`);
      const workbook = new ExcelJS.Workbook();
      await workbook.xlsx.load(await xlsx.arrayBuffer());
      const sheet = workbook.worksheets[0];
      if (sheet === undefined) throw new Error('no worksheet');
      const cells: unknown[][] = [];
      sheet.eachRow((row) => cells.push((row.values as unknown[]).slice(1)));
      expect(cells).toHaveLength(expected.length + 1);
      const body = cells.slice(1).map((row) => keys.map((key, index) => {
        const cell = row[index] ?? null;
        return money.includes(key) && typeof cell === 'number' ? Math.round(cell * 100) : cell;
      }));
      expect({ report, rows: body }).toEqual({ report, rows: expected });

      const csv = await fetch(`${base}/api/v1/exports/reports/${report}.csv${search}`, { headers: { authorization: 'Bearer accountant' } });
      expect(csv.status, report).toBe(200);
      const records = csvRecords(await textOf(csv));
      expect(records).toHaveLength(expected.length + 1);
      const csvBody = records.slice(1).map((record) => keys.map((key, index) => {
        const cell = record[index] ?? '';
        const sample = expected.find((row) => row[index] !== null)?.[index];
        return cell === '' ? null : typeof sample === 'number' ? Number(cell) : cell;
      }));
      expect({ report, rows: csvBody }).toEqual({ report, rows: expected });
    }
    // The same scopes: an operator may not export, a client exports its own numbers only.
    expect((await fetch(`${base}/api/v1/exports/reports/sales.csv${query()}`, { headers: { authorization: 'Bearer operator' } })).status).toBe(403);
    const own = csvRecords(await textOf(await fetch(`${base}/api/v1/exports/reports/settlements.csv${query()}`, { headers: { authorization: 'Bearer ivanova' } })));
    expect(own.slice(1).map((record) => record[0])).toEqual(['acct:sever:cl:ivanova']);
    const bad = await get(`/api/v1/exports/reports/sales.xlsx${query({ group: 'colour' })}`, 'accountant');
    expect(bad.status).toBe(400);
  });

  it('drop the read model, rebuild it: every report answers the same', async () => {
    const paths = [
      `/api/v1/reports/sales${query({ group: 'site,product,day' })}`,
      `/api/v1/reports/payment-methods${query({ group: 'site,day' })}`,
      `/api/v1/reports/settlements${query()}`,
      `/api/v1/reports/wash-sessions${query({ group: 'site,tariff,day' })}`,
      `/api/v1/reports/topups${query({ group: 'method,site,day' })}`,
      `/api/v1/balances?at=${encodeURIComponent(new Date(tally.inquiries[5]?.at ?? tally.end).toISOString())}`,
      '/api/v1/balances',
      `/api/v1/clients/petrov/operations?limit=500`,
    ];
    const before = await Promise.all(paths.map((path) => ok(path)));
    await projector.stop();
    const client = await database.pool.connect();
    await dropReadModel(client);
    client.release();
    await rebuildReadModel({ journal: harness.engine.store, database, clock: harness.clock, log: silent, batchEventsMax: 64 });
    const after = await Promise.all(paths.map((path) => ok(path)));
    expect(after).toEqual(before);
    projector = new Projector({ journal: harness.engine.store, database, clock: harness.clock, log: silent, pollIntervalMs: 50 });
    projector.advanceHead(harness.engine.store.lastPosition);
    projector.start();
  });
});
