// The read model against both PostgreSQLs it runs on — a server (DATABASE_URL, else 127.0.0.1:5432;
// skipped when none answers) and the embedded PGlite — with a real engine deciding real requests:
// every event type lands in its tables, projecting twice or after a restart changes nothing, a
// rebuild gives the same rows, PostgreSQL cut off and back is caught up exactly once (adversarial
// case 10), the running balance is the engine's, and no full card number or PIN reaches the database.

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { demoCards, demoNetwork, demoPins } from '../demo/demo-network.js';
import { normalizePlate } from '../domain/plates.js';
import type { Harness } from '../testing/engine-harness.js';
import { openHarness } from '../testing/engine-harness.js';
import type { PostgresForTests } from '../testing/postgres.js';
import { postgresBackendsForTests } from '../testing/postgres.js';
import type { TerminalRequest } from '../protocol/requests.js';
import type { Reply } from '../protocol/replies.js';
import type { ReadModelDatabase } from './database.js';
import { openReadModelDatabase, parseInt8 } from './database.js';
import { dropReadModel } from './migrate.js';
import { Projector } from './projector.js';
import { rebuildReadModel } from './rebuild.js';
import { storableText } from './writes.js';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
const pump = 'MSK-01-P1';
const fleetPin = demoPins.fleet ?? '';

const { backends, stopServer } = await postgresBackendsForTests();

afterAll(async () => {
  await stopServer();
});

describe.each(backends)('read model on $name', ({ start }) => {
  let postgres: PostgresForTests;
  let database: ReadModelDatabase;
  const harnesses: Harness[] = [];
  const projectors: Projector[] = [];

  beforeAll(async () => {
    postgres = await start();
  });
  afterAll(async () => {
    if (postgres.kind === 'embedded') await postgres.stop();
  });

  beforeEach(async () => {
    postgres.proxy.unblock();
    database = openReadModelDatabase({ databaseUrl: postgres.url, embeddedDataDir: '', connectionsMax: 1 });
    const client = await database.pool.connect();
    await dropReadModel(client);
    client.release();
  });
  afterEach(async () => {
    for (const projector of projectors.splice(0)) await projector.stop();
    for (const harness of harnesses.splice(0)) await harness.close().catch(() => undefined);
    await database.close();
  });

  async function engine(): Promise<Harness> {
    const harness = openHarness();
    harnesses.push(harness);
    await harness.engine.import(demoNetwork());
    return harness;
  }

  /** A projector following the engine as `tessera serve` wires it, with short back-offs. */
  function follow(harness: Harness): Projector {
    // Small reference steps, so that the demo network's 65 cards take several.
    const projector = new Projector({ journal: harness.engine.store, database, clock: harness.clock, log: silent, pollIntervalMs: 50, retryDelayFirstMs: 5, retryDelayMaxMs: 100, referenceRowsMax: 16 });
    projectors.push(projector);
    harness.engine.onCommitted((event) => projector.advanceHead(event.position));
    projector.advanceHead(harness.engine.store.lastPosition);
    projector.start();
    return projector;
  }

  async function stopFollowing(projector: Projector): Promise<void> {
    await projector.stop();
    projectors.splice(projectors.indexOf(projector), 1);
  }

  const call = (harness: Harness, op: TerminalRequest['op'], request: Record<string, unknown>, terminal = pump): Promise<Reply> => harness.call(terminal, { op, request } as TerminalRequest);

  async function rows<T = Record<string, unknown>>(sql: string, values: unknown[] = []): Promise<T[]> {
    return (await database.pool.query(sql, values)).rows as T[];
  }

  /** Every table of the read model but the checkpoint's clock, as sorted JSON rows. */
  async function dump(): Promise<Record<string, string[]>> {
    const tables = await rows<{ tablename: string }>(`SELECT tablename FROM pg_tables WHERE schemaname = 'readmodel' AND tablename NOT IN ('migrations') ORDER BY tablename`);
    const result: Record<string, string[]> = {};
    for (const { tablename } of tables) {
      const content = await rows<{ row: Record<string, unknown> }>(`SELECT to_jsonb(t) AS row FROM readmodel.${tablename} t`);
      result[tablename] = content.map(({ row }) => JSON.stringify(tablename === 'checkpoint' ? { ...row, updated_at: null } : row)).sort();
    }
    return result;
  }

  /** Drives every event type the engine has today; returns the replies that matter. */
  async function everyEventType(harness: Harness): Promise<{ completed: Reply; refunded: Reply }> {
    const fuel = { card: demoCards.fleet, pin: fleetPin, product: 'AI95' };
    const first = await call(harness, 'authorize', { id: 'a1', ...fuel, volume: 40_000 });
    expect(first.result).toBe('approved');
    const completed = await call(harness, 'complete', { id: 'c1', authId: first['authId'], volume: 20_000 });
    expect(completed.result).toBe('approved');
    const refunded = await call(harness, 'refund', { id: 'r1', txId: completed['txId'], amount: 10_000 });
    expect(refunded.result).toBe('approved');
    const second = await call(harness, 'authorize', { id: 'a2', ...fuel, volume: 10_000 });
    expect((await call(harness, 'reverse', { id: 'v2', authId: second['authId'] })).result).toBe('approved');
    const third = await call(harness, 'authorize', { id: 'a3', ...fuel, volume: 5_000 });
    expect(third.result).toBe('approved');
    expect((await call(harness, 'topup', { id: 't1', card: demoCards.small, amount: 50_000, method: 'cash' }, 'MSK-01-POS1')).result).toBe('approved');
    expect((await call(harness, 'authorize', { id: 'p1', ...fuel, pin: '0000', volume: 1_000 })).reason).toBe('PIN_INVALID');
    expect((await call(harness, 'authorize', { id: 'p2', ...fuel, volume: 1_000 })).result).toBe('approved');
    // A request id PostgreSQL cannot store as it is (NUL, an unpaired surrogate).
    expect((await call(harness, 'inquire', { id: 'odd\u0000id\ud800', card: '7005999999999999' })).reason).toBe('CARD_UNKNOWN');
    const loyalty = await call(harness, 'authorize', { id: 'l1', card: demoCards.loyalty, product: 'AI92', volume: 10_000 }, 'MSK-02-P1');
    expect((await call(harness, 'complete', { id: 'l2', authId: loyalty['authId'], volume: 10_000 }, 'MSK-02-P1')).result).toBe('approved');
    harness.clock.advance(31 * 60_000);
    const expiring = harness.events.length;
    expect(harness.engine.expireDueHolds()).toBeGreaterThan(0);
    while (!harness.events.slice(expiring).some((event) => event.event.type === 'expired')) await new Promise((resolve) => setTimeout(resolve, 5));
    // A type no projection knows yet: it lands only in `events`.
    harness.engine.store.append('test:unknown', 1, { type: 'test.unknown', network: 'sever', bay: 'B1', at: harness.clock.now() }, harness.clock.now());
    await harness.engine.store.flushed();
    await harness.engine.alerts.idle(); // alerts the rules raise are journal events too: all of them in
    return { completed, refunded };
  }

  function journalEvents(harness: Harness): number {
    return [...harness.engine.store.feedAfter(0, 1_000_000)].length;
  }

  it('projects every event type into its tables, and unknown types only into events', async () => {
    const harness = await engine();
    const projector = follow(harness);
    const { completed, refunded } = await everyEventType(harness);
    await projector.caughtUp();

    const events = await rows<{ type: string; n: number }>('SELECT type, count(*) AS n FROM readmodel.events GROUP BY type ORDER BY type');
    expect(Object.fromEntries(events.map((row) => [row.type, row.n]))).toEqual({
      authorized: 5,
      completed: 2,
      declined: 2,
      expired: 2,
      'network.imported': 1,
      'pin.failed': 1,
      'pin.reset': 1,
      'prices.changed': 1,
      refunded: 1,
      reversed: 1,
      'test.unknown': 1,
      topup: 1,
    });
    expect(events.reduce((sum, row) => sum + row.n, 0)).toBe(journalEvents(harness));

    const holds = await rows<{ status: string; n: number }>('SELECT status, count(*) AS n FROM readmodel.holds GROUP BY status ORDER BY status');
    expect(holds).toEqual([
      { status: 'completed', n: 2 },
      { status: 'expired', n: 2 },
      { status: 'reversed', n: 1 },
    ]);

    const [transaction] = await rows(`SELECT t.*, h.card_hash AS hold_card_hash, h.tx_id AS hold_tx_id FROM readmodel.transactions t JOIN readmodel.holds h USING (auth_id) WHERE t.tx_id = $1`, [completed['txId']]);
    expect(transaction).toMatchObject({
      network: 'sever',
      account: 'acct:sever:cp:logistic-trade',
      counterparty: 'logistic-trade',
      client: null,
      card: '700500******0017',
      site: 'MSK-01',
      terminal: pump,
      product: 'AI95',
      amount: completed['amount'],
      volume: 20_000,
      price: 5909,
      list_price: 5999,
      discount: completed['discount'],
      discount_rule: 'fleet-large-fuel',
      bonus: 0,
      hold_tx_id: completed['txId'],
    });
    expect(transaction?.['card_hash']).toMatch(/^[0-9a-f]{40}$/);
    expect(transaction?.['card_hash']).toBe(transaction?.['hold_card_hash']);
    expect(await rows('SELECT client, counterparty, bonus > 0 AS bonus FROM readmodel.transactions WHERE client IS NOT NULL')).toEqual([{ client: 'ivanova', counterparty: null, bonus: true }]);

    expect(await rows('SELECT refund_id, tx_id, amount, site, card, card_hash IS NOT NULL AS hashed FROM readmodel.refunds')).toEqual([
      { refund_id: refunded['refundId'], tx_id: completed['txId'], amount: 10_000, site: 'MSK-01', card: '700500******0017', hashed: true },
    ]);
    expect(await rows('SELECT account, amount, method, terminal, site FROM readmodel.topups')).toEqual([
      { account: 'acct:sever:cp:kuznetsov', amount: 50_000, method: 'cash', terminal: 'MSK-01-POS1', site: 'MSK-01' },
    ]);
    // The journal keeps the odd id as its codec read it back; PostgreSQL gets it with U+FFFD for what it cannot hold.
    const oddId = String([...harness.engine.store.feedAfter(0, 1_000)].find((event) => event.event['reason'] === 'CARD_UNKNOWN')?.event['id']);
    expect(oddId).toContain('\u0000');
    expect(await rows('SELECT request_id, reason, operation, card, product FROM readmodel.declines ORDER BY position')).toEqual([
      { request_id: 'p1', reason: 'PIN_INVALID', operation: 'authorize', card: '700500******0017', product: 'AI95' },
      { request_id: storableText(oddId), reason: 'CARD_UNKNOWN', operation: 'inquire', card: '700599******9999', product: null },
    ]);
    expect(storableText(oddId)).not.toContain('\u0000');
    expect(await rows('SELECT type, failures, card FROM readmodel.pin_events ORDER BY position')).toEqual([
      { type: 'pin.failed', failures: 1, card: '700500******0017' },
      { type: 'pin.reset', failures: null, card: '700500******0017' },
    ]);
    expect(await rows('SELECT network, created, catalog_changed FROM readmodel.network_imports')).toEqual([{ network: 'sever', created: expect.any(Number) as number, catalog_changed: true }]);
    expect(await rows('SELECT kind, delta FROM readmodel.balance_changes ORDER BY position')).toEqual([
      { kind: 'completed', delta: -Number(completed['amount']) },
      { kind: 'refunded', delta: 10_000 },
      { kind: 'topup', delta: 50_000 },
      { kind: 'completed', delta: expect.any(Number) as number },
    ]);
    const unknown = await rows<{ position: number }>(`SELECT position FROM readmodel.events WHERE type = 'test.unknown'`);
    expect(unknown).toHaveLength(1);

    // Reference data, as imported.
    const document = demoNetwork();
    const count = async (table: string): Promise<number> => (await rows<{ n: number }>(`SELECT count(*) AS n FROM readmodel.${table}`))[0]?.n ?? -1;
    expect(await count('networks')).toBe(1);
    expect(await count('sites')).toBe(document.sites?.length);
    expect(await count('terminals')).toBe(document.sites?.reduce((sum, site) => sum + site.terminals.length, 0));
    expect(await count('products')).toBe(document.products?.length);
    expect(await count('prices')).toBe(document.prices?.length);
    expect(await count('discounts')).toBe(document.discounts?.length);
    expect(await count('tariffs')).toBe(document.tariffs?.length);
    expect(await count('counterparties')).toBe(document.counterparties?.length);
    expect(await count('clients')).toBe(document.clients?.length);
    expect(await count('accounts')).toBe((document.counterparties?.length ?? 0) + (document.clients?.length ?? 0));
    expect(await count('cards')).toBe(document.cards?.length);
    expect(await rows('SELECT plate, client FROM readmodel.client_plates ORDER BY client')).toEqual([
      { plate: normalizePlate('А123ВС77'), client: 'ivanova' },
      { plate: normalizePlate('В456ОР99'), client: 'petrov' },
    ]);
    expect(await rows(`SELECT bonus_rate, bonus_products, timezone FROM readmodel.networks`)).toEqual([{ bonus_rate: 100, bonus_products: ['fuel', 'cafe', 'drinks', 'goods'], timezone: 'Europe/Moscow' }]);
    expect(await rows(`SELECT price, valid_from IS NOT NULL AS scheduled FROM readmodel.prices WHERE product = 'AI95' AND site = 'TVR-01' ORDER BY valid_from NULLS FIRST`)).toEqual([{ price: 5949, scheduled: false }, { price: 5999, scheduled: true }]);
    expect(await rows(`SELECT masked, status, expires, account FROM readmodel.cards WHERE masked = '700500******0017'`)).toEqual([
      { masked: '700500******0017', status: 'active', expires: '2030-12', account: 'acct:sever:cp:logistic-trade' },
    ]);
    expect(projector.lag()).toEqual({ positions: 0, seconds: 0 });
  });

  it('follows a re-import: changed rows are rewritten, removed catalog rows disappear', async () => {
    const harness = await engine();
    const projector = follow(harness);
    await projector.caughtUp();
    const document = demoNetwork();
    const changed = {
      ...document,
      prices: (document.prices ?? []).filter((price) => price.site === undefined).map((price) => (price.product === 'AI95' && price.from === undefined ? { ...price, price: 6099 } : price)),
      counterparties: (document.counterparties ?? []).map((counterparty) => (counterparty.id === 'kuznetsov' ? { ...counterparty, name: 'ИП Кузнецов — новое имя' } : counterparty)),
      cards: (document.cards ?? []).map((card) => (card.number === demoCards.small ? { ...card, status: 'blocked' as const } : card)),
    };
    await harness.engine.import(changed);
    await projector.caughtUp();
    expect(await rows(`SELECT product, site, price, valid_from IS NOT NULL AS scheduled FROM readmodel.prices WHERE product IN ('AI95', 'DT') ORDER BY product, site NULLS FIRST, valid_from NULLS FIRST`)).toEqual([
      { product: 'AI95', site: null, price: 6099, scheduled: false },
      { product: 'AI95', site: null, price: 6049, scheduled: true },
      { product: 'DT', site: null, price: 6899, scheduled: false },
    ]);
    expect(await rows(`SELECT name FROM readmodel.counterparties WHERE id = 'kuznetsov'`)).toEqual([{ name: 'ИП Кузнецов — новое имя' }]);
    expect(await rows(`SELECT status FROM readmodel.cards WHERE masked = '700500******0033'`)).toEqual([{ status: 'blocked' }]);
    expect(await rows('SELECT count(*) AS n FROM readmodel.cards')).toEqual([{ n: document.cards?.length }]);
    expect(await rows('SELECT count(*) AS n FROM readmodel.network_imports')).toEqual([{ n: 2 }]);
    expect(await rows('SELECT requested_position = synced_position AS done FROM readmodel.reference_sync')).toEqual([{ done: true }]);
  });

  it('keeps the running balance equal to the engine’s (inquire)', async () => {
    const harness = await engine();
    const projector = follow(harness);
    await everyEventType(harness);
    await projector.caughtUp();
    for (const [name, card] of Object.entries(demoCards)) {
      if (name === 'blocked') continue;
      const pin = demoPins[name as keyof typeof demoCards];
      const inquiry = await call(harness, 'inquire', { id: `i-${name}`, card, ...(pin ? { pin } : {}) });
      expect(inquiry.result).toBe('approved');
      const [row] = await rows<{ available: number; bonus: number }>(
        `SELECT coalesce(b.balance, a.opening_balance) + a.credit_limit - coalesce((SELECT sum(amount) FROM readmodel.holds h WHERE h.account = a.key AND h.status = 'authorized'), 0)::bigint AS available,
                coalesce(b.bonus, 0) AS bonus
         FROM readmodel.cards c JOIN readmodel.accounts a ON a.key = c.account LEFT JOIN readmodel.balances b ON b.account = a.key
         WHERE c.masked = $1 AND c.network = 'sever'`,
        [`${card.slice(0, 6)}******${card.slice(-4)}`],
      );
      expect({ card: name, available: row?.available, bonus: row?.bonus }).toEqual({ card: name, available: inquiry['balance'], bonus: inquiry['bonus'] });
    }
    // Each change's balance follows from the one before it.
    const changes = await rows<{ account: string; delta: number; balance_after: number; opening_balance: number }>(
      'SELECT c.account, c.delta, c.balance_after, a.opening_balance FROM readmodel.balance_changes c JOIN readmodel.accounts a ON a.key = c.account ORDER BY c.position',
    );
    const running = new Map<string, number>();
    for (const change of changes) {
      const before = running.get(change.account) ?? change.opening_balance;
      expect(change.balance_after).toBe(before + change.delta);
      running.set(change.account, change.balance_after);
    }
  });

  it('projecting again changes nothing (events are applied once by key and seq), even with two projectors at once', async () => {
    const harness = await engine();
    const projector = follow(harness);
    await everyEventType(harness);
    await projector.caughtUp();
    const once = await dump();
    await stopFollowing(projector);

    await database.pool.query(`UPDATE readmodel.checkpoint SET position = 0`);
    const again = follow(harness);
    const alongside = follow(harness);
    await Promise.all([again.caughtUp(), alongside.caughtUp()]);
    expect(await dump()).toEqual(once);
  });

  it('resumes from its checkpoint after a restart of the engine and the projector', async () => {
    const harness = await engine();
    const projector = follow(harness);
    expect((await call(harness, 'authorize', { id: 'before-restart', card: demoCards.fleet, pin: fleetPin, product: 'AI95', volume: 30_000 })).result).toBe('approved');
    await projector.caughtUp();
    const before = projector.position;
    await stopFollowing(projector);

    harnesses.splice(harnesses.indexOf(harness), 1);
    const restarted = await harness.restart();
    harnesses.push(restarted);
    await everyEventType(restarted);
    const resumed = follow(restarted);
    await resumed.caughtUp();
    expect(resumed.position).toBeGreaterThan(before);
    const [counted] = await rows<{ n: number; distinct: number }>('SELECT count(*) AS n, count(DISTINCT (key, seq)) AS distinct FROM readmodel.events');
    expect(counted).toEqual({ n: journalEvents(restarted), distinct: journalEvents(restarted) });
    const resumedRows = await dump();

    await stopFollowing(resumed);
    await rebuildReadModel({ journal: restarted.engine.store, database, clock: restarted.clock, log: silent });
    expect(await dump()).toEqual(resumedRows);
  });

  it('an event PostgreSQL refuses is retried alone, then set aside; the events around it are projected', async () => {
    const harness = await engine();
    const first = follow(harness);
    await first.caughtUp();
    await stopFollowing(first);
    // A top-up whose amount is not a number (a bug upstream, an event of a future version): its rows
    // cannot be written. With the projector stopped, it shares one batch with the top-ups around it.
    expect((await call(harness, 'topup', { id: 'before-poison', card: demoCards.small, amount: 10_000, method: 'cash' }, 'MSK-01-POS1')).result).toBe('approved');
    const at = harness.clock.now();
    harness.engine.store.appendToLog('door:MSK-01-POS1', { type: 'topup', network: 'sever', terminal: 'MSK-01-POS1', site: 'MSK-01', id: 'poison', account: 'acct:sever:cp:kuznetsov', amount: 'not a number', method: 'cash', at }, at);
    const poison = harness.engine.store.lastPosition;
    expect((await call(harness, 'topup', { id: 'after-poison', card: demoCards.small, amount: 20_000, method: 'cash' }, 'MSK-01-POS1')).result).toBe('approved');
    await harness.engine.store.flushed();
    const projector = follow(harness);
    await projector.caughtUp();

    expect(projector.refused).toBe(1);
    const refused = await rows<{ position: number; key: string; type: string; network: string; error: string }>('SELECT position, key, type, network, error FROM readmodel.refused_events');
    expect(refused).toEqual([{ position: poison, key: 'door:MSK-01-POS1', type: 'topup', network: 'sever', error: expect.stringMatching(/.+/) as string }]);
    const topups = await rows<{ reference: string }>(`SELECT reference FROM readmodel.operations WHERE kind = 'topup' ORDER BY position`);
    expect(topups).toHaveLength(2);
    // Every journal event is in `events` once (the refused one too), and the read model goes on.
    const [counted] = await rows<{ n: number }>('SELECT count(*)::int AS n FROM readmodel.events');
    expect(counted?.n).toBe(journalEvents(harness));
    expect((await call(harness, 'topup', { id: 'later', card: demoCards.small, amount: 5_000, method: 'cash' }, 'MSK-01-POS1')).result).toBe('approved');
    await projector.caughtUp();
    expect(await rows(`SELECT reference FROM readmodel.operations WHERE kind = 'topup'`)).toHaveLength(3);
    expect(projector.refused).toBe(1);
  });

  it('rebuilds to the same rows, reporting progress, in batches', async () => {
    const harness = await engine();
    const projector = follow(harness);
    await everyEventType(harness);
    await projector.caughtUp();
    const live = await dump();
    await stopFollowing(projector);

    const progress: number[] = [];
    const summary = await rebuildReadModel({ journal: harness.engine.store, database, clock: harness.clock, log: silent, batchEventsMax: 4, onProgress: (position) => progress.push(position) });
    expect(summary).toEqual({ position: harness.engine.store.lastPosition, events: journalEvents(harness) });
    expect(progress.length).toBeGreaterThan(2);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(await dump()).toEqual(live);
  });

  it('PostgreSQL cut off under load: decisions go on, the read model catches up exactly once', async () => {
    const harness = await engine();
    const projector = follow(harness);
    await projector.caughtUp();
    postgres.proxy.block();
    const replies: Reply[] = [];
    for (let round = 0; round < 10; round++) {
      const terminal = `MSK-01-P${(round % 6) + 1}`;
      const auth = await call(harness, 'authorize', { id: `o${round}`, card: demoCards.fleet, pin: fleetPin, product: 'AI95', volume: 5_000 }, terminal);
      replies.push(auth, await call(harness, 'complete', { id: `oc${round}`, authId: auth['authId'], volume: 4_000 }, terminal));
    }
    expect(replies.every((reply) => reply.result === 'approved')).toBe(true);
    await harness.engine.alerts.idle(); // ten authorisations of one card raise a velocity alert: journalled before counting
    while (projector.connected) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(projector.lag().positions).toBeGreaterThan(0);
    expect(projector.lag().seconds).toBeGreaterThanOrEqual(0);

    postgres.proxy.unblock();
    await projector.caughtUp();
    expect(projector.lag()).toEqual({ positions: 0, seconds: 0 });
    const [counted] = await rows<{ n: number; distinct: number }>('SELECT count(*) AS n, count(DISTINCT (key, seq)) AS distinct FROM readmodel.events');
    expect(counted).toEqual({ n: journalEvents(harness), distinct: journalEvents(harness) });
    expect(await rows('SELECT count(*) AS n FROM readmodel.transactions')).toEqual([{ n: 10 }]);
    const caughtUp = await dump();
    await stopFollowing(projector);
    await rebuildReadModel({ journal: harness.engine.store, database, clock: harness.clock, log: silent });
    expect(await dump()).toEqual(caughtUp);
  });

  it('projects nothing onto a read model of another journal until it is rebuilt', async () => {
    const first = await engine();
    const firstProjector = follow(first);
    await everyEventType(first);
    await firstProjector.caughtUp();
    await stopFollowing(firstProjector);
    const [before] = await rows<{ n: number }>('SELECT count(*) AS n FROM readmodel.events');

    const other = await engine(); // a fresh data directory: another journal
    await call(other, 'authorize', { id: 'x1', card: demoCards.fleet, pin: fleetPin, product: 'AI95', volume: 10_000 });
    const projector = follow(other);
    while (!projector.journalMismatch) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(projector.lag().positions).toBe(other.engine.store.lastPosition);
    expect(await rows('SELECT count(*) AS n FROM readmodel.events')).toEqual([before]);
    await stopFollowing(projector);

    await rebuildReadModel({ journal: other.engine.store, database, clock: other.clock, log: silent });
    const resumed = follow(other);
    await resumed.caughtUp();
    expect(resumed.journalMismatch).toBe(false);
    expect(await rows('SELECT count(*) AS n FROM readmodel.events')).toEqual([{ n: journalEvents(other) }]);
  });

  it('holds no full card number, PIN or client token anywhere', async () => {
    const harness = await engine();
    const projector = follow(harness);
    await everyEventType(harness);
    for (const [name, card] of Object.entries(demoCards)) await call(harness, 'inquire', { id: `s-${name}`, card, pin: '9876' });
    await projector.caughtUp();
    const columns = await rows<{ table_name: string; column_name: string; data_type: string }>(
      `SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = 'readmodel' AND data_type IN ('text', 'jsonb', 'ARRAY', 'character varying')`,
    );
    expect(columns.length).toBeGreaterThan(20);
    const secrets = [...Object.values(demoCards), 'QR-IVANOVA-01', '7005999999999999'];
    const pins = [...Object.values(demoPins), '9876', '0000'];
    for (const column of columns) {
      const cells = await rows<{ cell: string }>(`SELECT ${column.column_name}::text AS cell FROM readmodel.${column.table_name} WHERE ${column.column_name} IS NOT NULL`);
      for (const { cell } of cells) {
        for (const secret of secrets) expect(cell.includes(secret), `${column.table_name}.${column.column_name}`).toBe(false);
        // A PIN is short: look for it as a whole value (text) or as a JSON string value (jsonb).
        for (const pin of pins) expect(cell === pin || cell.includes(`"${pin}"`), `${column.table_name}.${column.column_name}`).toBe(false);
      }
    }
  });

  it('reads int8 back exactly: a number when safe, a bigint beyond 2^53', async () => {
    const [row] = await rows<{ small: unknown; big: unknown; sum: unknown }>('SELECT 9007199254740991::bigint AS small, 9007199254740993::bigint AS big, sum(x) AS sum FROM (VALUES (1::bigint)) v(x)');
    expect(row).toEqual({ small: Number.MAX_SAFE_INTEGER, big: 9007199254740993n, sum: '1' });
    expect(parseInt8('-42')).toBe(-42);
  });
});
