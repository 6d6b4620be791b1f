// The car-wash operations of docs/protocol.md — `session.start` / `session.stop`, the attendant's
// `sessions` board, top-ups by plate, guests and their registration as club members, and the
// session events — spoken over a real NATS server to an engine started in-process with the demo
// network, as a wash-terminal vendor (the bays WASH-01-B1..B4) and an attendant (the kiosk
// WASH-01-K1) would speak them.
//
// The engine runs on the system clock, so a session started and stopped here lasts milliseconds to
// seconds. Every expected number is computed here from the documented rules (none of the engine's
// arithmetic is imported), from the reply's own `startedAt` / `stoppedAt`:
// - minutes = max(minimumMinutes, ceil((stoppedAt − startedAt) / 60 000 ms)), amount = minutes × rate;
// - rate = the tariff's perMinuteMember for club members, else perMinute;
// - the demo tariffs: WASH-STD 30 ₽/min (25 ₽ for members), at least 4 minutes, 180 at most (the
//   default); WASH-PRO 60 ₽/min (50 ₽ for members), at least 10 minutes, 90 at most, at WASH-01 only;
// - the demo clients: ivanova (club member, plate А123ВС77, QR QR-IVANOVA-01, the loyalty card,
//   1 500 ₽), petrov (not a member, plate В456ОР99, the taxi card, 500 ₽).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'nats';
import type { NatsConnection } from 'nats';
import { pack, unpack } from 'msgpackr';
import { pino } from 'pino';
import { serve } from '../engine/cli/index.js';
import type { RunningServer } from '../engine/cli/index.js';
import { demoCards, demoFleetCard, demoFleetSize, demoNetwork, demoPins } from '../engine/index.js';
import type { NetworkDocument } from '../engine/index.js';
import { natsForTests, sleep } from './support/nats.js';
import type { NatsServerHandle } from './support/nats.js';
import { call, uniqueId, capture, waitFor } from './support/wire.js';
import type { Body, CallOptions, WireReply, Captured } from './support/wire.js';

const bays = ['WASH-01-B1', 'WASH-01-B2', 'WASH-01-B3', 'WASH-01-B4'] as const;
const [bay1, bay2, bay3, bay4] = bays;
/** The attendant's kiosk at the wash. */
const kiosk = 'WASH-01-K1';
const washSite = 'WASH-01';
/** A shop till of another site (a fuel station). */
const otherSiteTill = 'MSK-01-POS1';
const minuteMs = 60_000;

// ---- the documented tariffs and clients, written out ----------------------------------------------

interface Tariff {
  code: string;
  name: string;
  perMinute: number;
  perMinuteMember: number;
  minimumMinutes: number;
  maximumMinutes: number;
}

const std: Tariff = { code: 'WASH-STD', name: 'Мойка самообслуживания', perMinute: 3_000, perMinuteMember: 2_500, minimumMinutes: 4, maximumMinutes: 180 };
const pro: Tariff = { code: 'WASH-PRO', name: 'Мойка с мастером', perMinute: 6_000, perMinuteMember: 5_000, minimumMinutes: 10, maximumMinutes: 90 };

/** Who a session is expected to be for. */
interface Person {
  id: string;
  /** The name when the test knows it (a guest's name is not documented). */
  name?: string;
  member: boolean;
  /** The plate in its normal form, when the client has one. */
  plate?: string;
  /** A card of the client's, to read the balance with `inquire`. */
  card?: string;
}

const ivanova: Person = { id: 'ivanova', name: 'Иванова Мария', member: true, plate: 'A123BC77', card: demoCards.loyalty };
const petrov: Person = { id: 'petrov', name: 'Петров Олег', member: false, plate: 'B456OP99', card: demoCards.taxi };
const ivanovaQr = 'QR-IVANOVA-01';
const guest = (plate: string): Person => ({ id: `guest-${plate}`, member: false, plate });

// ---- the documented arithmetic, written independently ---------------------------------------------

/** Every started minute counts, and at least the tariff's minimum. */
function billedMinutes(startedAt: number, stoppedAt: number, minimumMinutes: number): number {
  return Math.max(minimumMinutes, Math.ceil((stoppedAt - startedAt) / minuteMs));
}

const rateOf = (tariff: Tariff, member: boolean): number => (member ? tariff.perMinuteMember : tariff.perMinute);

// ---- the engine and the wire ----------------------------------------------------------------------

interface Wire {
  nc: NatsConnection;
  /** Every reply received, for the "no card number in replies" check. */
  replies: Uint8Array[];
}

/** An open session as its start reply showed it. */
interface Open {
  sessionId: string;
  startedAt: number;
  rate: number;
  tariff: Tariff;
  person: Person;
  terminal: string;
  visits: number;
  reply: Body;
}

/** A stopped session: what the start and the stop replied (for the events test). */
interface Washed {
  open: Open;
  stopTerminal: string;
  stop: Body;
}

async function startEngine(nats: NatsServerHandle, dataDir?: string): Promise<{ server: RunningServer; dataDir: string }> {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'tessera-wash-'));
  const server = await serve({ dataDir: dir, natsUrl: nats.url, httpPort: 0, httpHost: '127.0.0.1', demo: true, logger: pino({ level: 'silent' }) });
  return { server, dataDir: dir };
}

function expectApproved(reply: Body): void {
  expect(reply, JSON.stringify(reply)).toMatchObject({ result: 'approved', reason: 'OK' });
}

function expectDeclined(reply: Body, reason: string): void {
  expect(reply, JSON.stringify(reply)).toMatchObject({ result: 'declined', reason });
  expect(typeof reply['message']).toBe('string');
}

function expectBadRequest(reply: Body): void {
  expect(reply, JSON.stringify(reply)).toMatchObject({ result: 'error', reason: 'BAD_REQUEST' });
  expect(typeof reply['message']).toBe('string');
}

const rows = (value: unknown): Body[] => (Array.isArray(value) ? (value as Body[]) : []);

function client(wire: Wire, events: Captured[]) {
  const send = async (terminal: string, op: string, body: Body | Uint8Array, options: CallOptions = {}): Promise<WireReply> => {
    const reply = await call(wire.nc, terminal, op, body, options);
    wire.replies.push(reply.bytes);
    return reply;
  };
  const request = async (terminal: string, op: string, body: Body | Uint8Array, options: CallOptions = {}): Promise<Body> => (await send(terminal, op, body, options)).body;
  const inquire = async (card: string): Promise<Body> => {
    const reply = await request(kiosk, 'inquire', { id: uniqueId('inq'), card });
    expectApproved(reply);
    return reply;
  };
  const balanceOf = async (card: string): Promise<number> => Number((await inquire(card))['balance']);

  /** Sessions started so far per client (the next start's `visits` is one more). */
  const visits = new Map<string, number>();
  /** Every session stopped through `stopOk`, for the events test. */
  const washed: Washed[] = [];

  /** Checks a start reply against the documented fields; counts the visit. */
  const expectStarted = (reply: Body, terminal: string, tariff: Tariff, person: Person): Open => {
    expectApproved(reply);
    const count = (visits.get(person.id) ?? 0) + 1;
    visits.set(person.id, count);
    expect(typeof reply['sessionId']).toBe('string');
    expect(String(reply['sessionId']).length).toBeGreaterThan(0);
    expect(Number.isSafeInteger(reply['startedAt'])).toBe(true);
    expect(reply).toMatchObject({ rate: rateOf(tariff, person.member), tariff: tariff.code, minimumMinutes: tariff.minimumMinutes, maximumMinutes: tariff.maximumMinutes });
    const shown = reply['client'] as Body;
    expect(shown, JSON.stringify(reply)).toMatchObject({ id: person.id, member: person.member, visits: count });
    if (person.name !== undefined) expect(shown['name']).toBe(person.name);
    else expect(typeof shown['name']).toBe('string');
    if (person.plate !== undefined && shown['plate'] !== undefined) expect(shown['plate']).toBe(person.plate);
    return { sessionId: String(reply['sessionId']), startedAt: Number(reply['startedAt']), rate: Number(reply['rate']), tariff, person, terminal, visits: count, reply };
  };

  const start = (terminal: string, who: Body, tariff: string, extra: Body = {}): Promise<Body> => request(terminal, 'session.start', { id: uniqueId('start'), client: who, tariff, ...extra });

  /** Starts a session that must be approved, with the documented reply. */
  const startOk = async (terminal: string, who: Body, tariff: Tariff, person: Person, extra: Body = {}): Promise<Open> => {
    const reply = await start(terminal, who, tariff.code, extra);
    const open = expectStarted(reply, terminal, tariff, person);
    // Started by plate: the reply names the plate, in its normal form.
    if ('plate' in who && person.plate !== undefined) expect((reply['client'] as Body)['plate']).toBe(person.plate);
    return open;
  };

  /** Checks a stop reply against its start: times, billed minutes, amount, and the balance after. */
  const expectStopped = (stop: Body, open: Open, balanceBefore: number | undefined): void => {
    expectApproved(stop);
    expect(stop).toMatchObject({ sessionId: open.sessionId, startedAt: open.startedAt, rate: open.rate });
    const stoppedAt = Number(stop['stoppedAt']);
    expect(Number.isSafeInteger(stoppedAt)).toBe(true);
    expect(stoppedAt).toBeGreaterThanOrEqual(open.startedAt);
    const minutes = billedMinutes(open.startedAt, stoppedAt, open.tariff.minimumMinutes);
    expect(minutes).toBeGreaterThanOrEqual(open.tariff.minimumMinutes);
    expect(stop['minutes']).toBe(minutes);
    expect(stop['amount']).toBe(minutes * open.rate);
    expect(Number.isSafeInteger(stop['balance'])).toBe(true);
    if (balanceBefore !== undefined) expect(stop['balance']).toBe(balanceBefore - minutes * open.rate);
  };

  const stop = (terminal: string, by: Body, extra: Body = {}): Promise<Body> => request(terminal, 'session.stop', { id: uniqueId('stop'), ...by, ...extra });

  /**
   * Stops a session that must be approved. The balance before is read with `inquire` when the client
   * has a card (else `balanceBefore`, when the test knows it); with a card, `inquire` must show the
   * stop's balance afterwards.
   */
  const stopOk = async (open: Open, terminal: string, by: Body, options: { balanceBefore?: number; comment?: string } = {}): Promise<Body> => {
    const card = open.person.card;
    const before = card !== undefined ? await balanceOf(card) : options.balanceBefore;
    const reply = await stop(terminal, by, options.comment !== undefined ? { comment: options.comment } : {});
    expectStopped(reply, open, before);
    if (card !== undefined) expect(await balanceOf(card)).toBe(reply['balance']);
    washed.push({ open, stopTerminal: terminal, stop: reply });
    return reply;
  };

  const board = async (terminal: string, id = uniqueId('board')): Promise<Body> => {
    const reply = await request(terminal, 'sessions', { id });
    expectApproved(reply);
    expect(reply['id']).toBe(id);
    return reply;
  };

  const topup = (terminal: string, who: Body, amount: number): Promise<Body> => request(terminal, 'topup', { id: uniqueId('top'), client: who, amount, method: 'cash' });

  const eventsOf = (type: string, predicate: (body: Body) => boolean): Body[] => events.filter((event) => event.subject === `tessera.v1.evt.sever.${type}` && predicate(event.body)).map((event) => event.body);
  const eventOf = (type: string, predicate: (body: Body) => boolean): Promise<Body> => waitFor(() => eventsOf(type, predicate)[0], `a ${type} event`);
  /**
   * Waits until every event committed so far has been published: events go out in commit order,
   * so once the `declined` event of a request made now arrives, everything before it has too.
   */
  const barrier = async (): Promise<void> => {
    const id = uniqueId('barrier');
    expectDeclined(await request(kiosk, 'session.start', { id, client: { qr: 'QR-BARRIER-NOBODY' }, tariff: std.code }), 'CLIENT_UNKNOWN');
    await eventOf('declined', (body) => body['id'] === id);
  };

  return { send, request, inquire, balanceOf, start, startOk, expectStarted, stop, stopOk, expectStopped, board, topup, eventsOf, eventOf, barrier, visits, washed };
}

type Api = ReturnType<typeof client>;

/** Our sessions on a board, in the board's order. */
const ours = (board: Body, ...opens: Open[]): Body[] => rows(board['sessions']).filter((row) => opens.some((open) => open.sessionId === row['sessionId']));

/** A board row against its open session: the documented fields and the running cost. */
function expectBoardRow(row: Body | undefined, open: Open): void {
  expect(row, `${open.sessionId} is on the board`).toBeDefined();
  if (row === undefined) return;
  expect(row).toMatchObject({
    sessionId: open.sessionId,
    client: open.person.id,
    member: open.person.member,
    tariff: open.tariff.code,
    tariffName: open.tariff.name,
    rate: open.rate,
    minimumMinutes: open.tariff.minimumMinutes,
    maximumMinutes: open.tariff.maximumMinutes,
    terminal: open.terminal,
    startedAt: open.startedAt,
  });
  if (open.person.name !== undefined) expect(row['name']).toBe(open.person.name);
  else expect(typeof row['name']).toBe('string');
  if (open.person.plate !== undefined) expect(row['plate']).toBe(open.person.plate);
  const elapsedMs = Number(row['elapsedMs']);
  expect(Number.isSafeInteger(elapsedMs)).toBe(true);
  expect(elapsedMs).toBeGreaterThanOrEqual(0);
  // As a stop now would bill.
  const minutes = Math.max(open.tariff.minimumMinutes, Math.ceil(elapsedMs / minuteMs));
  expect(row['minutes']).toBe(minutes);
  expect(Number(row['minutes'])).toBeGreaterThanOrEqual(open.tariff.minimumMinutes);
  expect(row['amount']).toBe(minutes * open.rate);
}

function expectOldestFirst(board: Body): void {
  const startedAt = rows(board['sessions']).map((row) => Number(row['startedAt']));
  expect(startedAt).toEqual([...startedAt].sort((a, b) => a - b));
}

/** The same handle of another network: the sessionId's owner re-encoded with another network id. */
function foreignSessionId(sessionId: string): string {
  const [kind = '', owner = '', number = ''] = sessionId.split('.');
  const key = Buffer.from(owner, 'base64url').toString();
  return [kind, Buffer.from(key.replace('sever', 'elsewhere')).toString('base64url'), number].join('.');
}

// ==================================================================================================

describe('wash sessions over NATS (demo network, WASH-01)', () => {
  let nats: NatsServerHandle;
  let server: RunningServer;
  let dataDir: string;
  let wire: Wire;
  let api: Api;
  const events: Captured[] = [];

  beforeAll(async () => {
    nats = await natsForTests();
    ({ server, dataDir } = await startEngine(nats));
    wire = { nc: await connect({ servers: nats.url, name: 'tessera-wash-test' }), replies: [] };
    api = client(wire, events);
    capture(wire.nc, 'tessera.v1.evt.>', events);
    await wire.nc.flush();
  });

  afterAll(async () => {
    await wire?.nc.drain().catch(() => undefined);
    await server?.stop();
    await nats?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const importDocument = async (document: NetworkDocument): Promise<Body> => {
    const reply = await wire.nc.request('tessera.v1.admin.import', pack(document), { timeout: 10_000 });
    return unpack(reply.data) as Body;
  };

  it('the demo network has the wash site, tariffs and clients this test expects', () => {
    const demo = demoNetwork();
    const site = (demo.sites ?? []).find((entry) => entry.id === washSite);
    expect(site?.terminals.map((terminal) => terminal.id)).toEqual([...bays, kiosk]);
    const tariffs = demo.tariffs ?? [];
    expect(tariffs.find((tariff) => tariff.code === std.code)).toMatchObject({ perMinute: std.perMinute, perMinuteMember: std.perMinuteMember, minimumMinutes: std.minimumMinutes, name: std.name });
    expect(tariffs.find((tariff) => tariff.code === std.code)?.maximumMinutes).toBeUndefined(); // the default, 180
    expect(tariffs.find((tariff) => tariff.code === pro.code)).toMatchObject({ perMinute: pro.perMinute, perMinuteMember: pro.perMinuteMember, minimumMinutes: pro.minimumMinutes, maximumMinutes: pro.maximumMinutes, sites: [washSite], name: pro.name });
    const clients = demo.clients ?? [];
    expect(clients.find((entry) => entry.id === 'ivanova')).toMatchObject({ name: ivanova.name, member: true, plate: 'А123ВС77', qr: ivanovaQr, account: { balance: 150_000 } });
    expect(clients.find((entry) => entry.id === 'petrov')).toMatchObject({ name: petrov.name, member: false, plate: 'В456ОР99', account: { balance: 50_000 } });
    expect(demo.cards?.find((card) => card.number === demoCards.loyalty)?.client).toBe('ivanova');
    expect(demo.cards?.find((card) => card.number === demoCards.taxi)?.client).toBe('petrov');
  });

  // ------------------------------------------------------------------------------------------------
  describe('start and stop by every identifier; member and guest rates', () => {
    it('ivanova by plate typed in Cyrillic, lower case, with a space: the member rate, the same client as A123BC77; stopped by sessionId', async () => {
      expect(await api.balanceOf(demoCards.loyalty)).toBe(150_000);
      const open = await api.startOk(bay1, { plate: 'а123вс 77' }, std, ivanova);
      expect(open.visits).toBe(1);
      expect(open.rate).toBe(2_500);
      expect(open.reply['client']).toEqual({ id: 'ivanova', name: 'Иванова Мария', member: true, visits: 1, plate: 'A123BC77' });
      // The same car typed in Latin letters, and with a dash: the same client, whose session is open.
      for (const plate of ['A123BC77', 'a123bc-77']) {
        const again = await api.start(bay2, { plate }, std.code);
        expectDeclined(again, 'SESSION_ALREADY_OPEN');
        expect(again['sessionId']).toBe(open.sessionId);
      }
      const stop = await api.stopOk(open, bay1, { sessionId: open.sessionId });
      expect(stop['balance']).toBe(150_000 - Number(stop['amount']));
    });

    it('ivanova by QR (stopped by plate), by card on WASH-PRO (stopped by QR), by plate (stopped by card)', async () => {
      const byQr = await api.startOk(bay2, { qr: ivanovaQr }, std, ivanova);
      expect(byQr.rate).toBe(2_500);
      await api.stopOk(byQr, kiosk, { client: { plate: 'A123BC77' } });

      const byCard = await api.startOk(bay3, { card: demoCards.loyalty }, pro, ivanova);
      expect(byCard.reply).toMatchObject({ rate: 5_000, tariff: 'WASH-PRO', minimumMinutes: 10, maximumMinutes: 90 });
      const proStop = await api.stopOk(byCard, bay3, { client: { qr: ivanovaQr } });
      expect(Number(proStop['minutes'])).toBeGreaterThanOrEqual(10);

      const byPlate = await api.startOk(bay4, { plate: 'А 123 ВС 77' }, std, ivanova);
      await api.stopOk(byPlate, kiosk, { client: { card: demoCards.loyalty } });
      expect([byQr.visits, byCard.visits, byPlate.visits]).toEqual([2, 3, 4]);
    });

    it('petrov, not a member, pays the guest rate: by card on WASH-STD (30 ₽), by plate on WASH-PRO (60 ₽)', async () => {
      expect(await api.balanceOf(demoCards.taxi)).toBe(50_000);
      const byCard = await api.startOk(bay1, { card: demoCards.taxi }, std, petrov);
      expect(byCard.reply).toMatchObject({ rate: 3_000, client: { id: 'petrov', name: 'Петров Олег', member: false, visits: 1 } });
      await api.stopOk(byCard, bay1, { client: { card: demoCards.taxi } });
      const byPlate = await api.startOk(bay2, { plate: 'в456ор 99' }, pro, petrov);
      expect(byPlate.rate).toBe(6_000);
      await api.stopOk(byPlate, bay2, { sessionId: byPlate.sessionId });
    });

    it('the balance may go negative: WASH-PRO sessions for petrov by plate until it is below zero; a start is not refused then; a top-up by plate brings it back', async () => {
      // From 500 ₽ in the black (the sessions above may have spent it already).
      let balance = await api.balanceOf(demoCards.taxi);
      const amount = Math.max(1, 50_000 - balance);
      const refill = await api.request(kiosk, 'topup', { id: uniqueId('top'), card: demoCards.taxi, amount, method: 'bank_card' });
      expectApproved(refill);
      expect(refill['balance']).toBe(balance + amount);
      balance = Number(refill['balance']);
      expect(balance).toBeGreaterThan(0);
      let rounds = 0;
      while (balance >= 0) {
        rounds++;
        expect(rounds, 'the balance never went below zero').toBeLessThanOrEqual(10);
        const open = await api.startOk(bay3, { plate: 'В456ОР99' }, pro, petrov);
        const stop = await api.stopOk(open, bay3, { client: { plate: 'в456ор99' } });
        balance = Number(stop['balance']);
      }
      expect(rounds).toBeGreaterThanOrEqual(1);
      expect(balance).toBeLessThan(0);
      expect(await api.balanceOf(demoCards.taxi)).toBe(balance);
      // The balance is not checked at start.
      const inDebt = await api.startOk(bay4, { plate: 'B456OP99' }, std, petrov);
      const deeper = await api.stopOk(inDebt, kiosk, { client: { plate: 'B456OP99' } });
      balance = Number(deeper['balance']);
      expect(balance).toBeLessThan(0);

      const topup = await api.topup(kiosk, { plate: 'в456ор 99' }, -balance + 10_000);
      expectApproved(topup);
      expect(topup['balance']).toBe(10_000);
      expect(await api.balanceOf(demoCards.taxi)).toBe(10_000);
    });
  });

  // ------------------------------------------------------------------------------------------------
  describe('guests', () => {
    const plate = 'E777KX199';
    const newcomer = guest(plate);
    /** The guest's balance as the replies showed it. */
    let guestBalance = 0;

    it('a plate never seen before is a guest guest-<PLATE> with visits 1 and the guest rate; the same plate later is a repeat visitor; top-ups by plate work after the first visit', async () => {
      // Not known before its first visit.
      expectDeclined(await api.topup(kiosk, { plate }, 1_000), 'CLIENT_UNKNOWN');
      expectDeclined(await api.stop(kiosk, { client: { plate } }), 'CLIENT_UNKNOWN');

      const first = await api.startOk(bay1, { plate: 'е777кх 199' }, std, newcomer);
      expect(first.reply['client']).toMatchObject({ id: 'guest-E777KX199', member: false, visits: 1, plate });
      expect(first.rate).toBe(3_000);
      // An empty account: the first session takes it below zero.
      const firstStop = await api.stopOk(first, bay1, { client: { plate } }, { balanceBefore: 0 });
      guestBalance = Number(firstStop['balance']);
      expect(guestBalance).toBe(-Number(firstStop['amount']));

      const topup = await api.topup(kiosk, { plate: 'Е777КХ199' }, 50_000);
      expectApproved(topup);
      expect(topup['balance']).toBe(guestBalance + 50_000);
      guestBalance += 50_000;

      const second = await api.startOk(bay2, { plate: 'E 777 KX 199' }, pro, newcomer);
      expect(second.reply['client']).toMatchObject({ id: 'guest-E777KX199', member: false, visits: 2 });
      expect(second.rate).toBe(6_000);
      const secondStop = await api.stopOk(second, kiosk, { sessionId: second.sessionId }, { balanceBefore: guestBalance });
      guestBalance = Number(secondStop['balance']);

      // guest.registered, once, on its documented subject.
      const registered = await api.eventOf('guest.registered', (body) => body['plate'] === plate);
      expect(registered).toMatchObject({ type: 'guest.registered', network: 'sever', client: 'guest-E777KX199', plate });
      expect(typeof registered['name']).toBe('string');
      await api.barrier();
      expect(events.filter((event) => event.subject === 'tessera.v1.evt.sever.guest.registered' && event.body['plate'] === plate)).toHaveLength(1);
    });

    it('importing a client with the guest id makes it a club member: the member rate, visits go on counting, the balance is kept', async () => {
      const demo = demoNetwork();
      const ivanovaBefore = await api.balanceOf(demoCards.loyalty);
      const petrovBefore = await api.balanceOf(demoCards.taxi);
      const document: NetworkDocument = { ...demo, clients: [...(demo.clients ?? []), { id: 'guest-E777KX199', name: 'Новый Клиент', member: true, plate, account: { balance: 0 } }] };
      const imported = await importDocument(document);
      expect(imported, JSON.stringify(imported)).toMatchObject({ result: 'approved', reason: 'OK', network: 'sever' });
      // Opening balances apply only when an account is created: nobody's money moved.
      expect(await api.balanceOf(demoCards.loyalty)).toBe(ivanovaBefore);
      expect(await api.balanceOf(demoCards.taxi)).toBe(petrovBefore);
      const kept = await api.topup(kiosk, { plate }, 100);
      expectApproved(kept);
      expect(kept['balance']).toBe(guestBalance + 100);
      guestBalance += 100;

      const member: Person = { id: 'guest-E777KX199', name: 'Новый Клиент', member: true, plate };
      const third = await api.startOk(bay3, { plate: 'е777кх199' }, std, member);
      expect(third.reply['client']).toEqual({ id: 'guest-E777KX199', name: 'Новый Клиент', member: true, visits: 3, plate });
      expect(third.rate).toBe(2_500);
      const thirdStop = await api.stopOk(third, bay3, { client: { plate } }, { balanceBefore: guestBalance });
      guestBalance = Number(thirdStop['balance']);

      const fourth = await api.startOk(bay4, { plate }, pro, member);
      expect(fourth.visits).toBe(4);
      expect(fourth.rate).toBe(5_000);
      const fourthStop = await api.stopOk(fourth, bay4, { client: { plate } }, { balanceBefore: guestBalance });
      guestBalance = Number(fourthStop['balance']);

      // The import registered nobody: still the one guest.registered for this plate.
      await api.barrier();
      expect(api.eventsOf('guest.registered', (body) => body['plate'] === plate)).toHaveLength(1);
    });

    it('plates at the bounds: 2 and 12 letters and digits make guests', async () => {
      for (const [typed, normal] of [
        ['х1', 'X1'],
        ['A123BC777777', 'A123BC777777'],
      ] as const) {
        const open = await api.startOk(bay1, { plate: typed }, std, guest(normal));
        expect(open.visits).toBe(1);
        await api.stopOk(open, bay1, { client: { plate: normal } }, { balanceBefore: 0 });
      }
    });

    it('spaces and dashes do not count towards the length: a plate typed with a space between every character is a plate', async () => {
      // 17 characters typed, 9 letters and digits. protocol.md, session.start: "A plate is 2–12 letters
      // and digits (spaces and dashes ignored, …): anything else is BAD_REQUEST" — no limit on what is typed.
      const typed = 'А 1 2 3 В С 1 7 7';
      expect(typed.length).toBe(17);
      const reply = await api.start(bay2, { plate: typed }, std.code);
      const open = api.expectStarted(reply, bay2, std, guest('A123BC177'));
      await api.stopOk(open, bay2, { client: { plate: 'A123BC177' } }, { balanceBefore: 0 });
    });
  });

  // ------------------------------------------------------------------------------------------------
  describe('declines with a precise code', () => {
    it('SESSION_ALREADY_OPEN for a second start of the same client by any of its identifiers, naming the open session', async () => {
      const open = await api.startOk(bay1, { plate: 'А123ВС77' }, std, ivanova);
      const balance = await api.balanceOf(demoCards.loyalty);
      const attempts: [string, Body, string][] = [
        [bay2, { qr: ivanovaQr }, std.code],
        [bay3, { card: demoCards.loyalty }, pro.code],
        [kiosk, { plate: 'a123bc77' }, std.code],
        [bay1, { plate: 'A123BC77' }, std.code],
      ];
      for (const [terminal, who, tariff] of attempts) {
        const id = uniqueId('again');
        const reply = await api.request(terminal, 'session.start', { id, client: who, tariff });
        expectDeclined(reply, 'SESSION_ALREADY_OPEN');
        expect(reply['id']).toBe(id);
        expect(reply['sessionId']).toBe(open.sessionId);
        const declined = await api.eventOf('declined', (body) => body['id'] === id);
        expect(declined).toMatchObject({ reason: 'SESSION_ALREADY_OPEN', op: 'session.start', terminal, site: washSite });
      }
      expect(await api.balanceOf(demoCards.loyalty)).toBe(balance);
      const board = await api.board(kiosk);
      expect(ours(board, open)).toHaveLength(1);
      await api.stopOk(open, bay1, { client: { qr: ivanovaQr } });
    });

    it('SESSION_NOT_FOUND: a stop with no open session (by client, by a stopped sessionId), a garbage or foreign-network sessionId', async () => {
      expectDeclined(await api.stop(kiosk, { client: { qr: ivanovaQr } }), 'SESSION_NOT_FOUND');
      expectDeclined(await api.stop(kiosk, { client: { card: demoCards.loyalty } }), 'SESSION_NOT_FOUND');
      expectDeclined(await api.stop(kiosk, { client: { plate: 'B456OP99' } }), 'SESSION_NOT_FOUND');

      const open = await api.startOk(bay2, { qr: ivanovaQr }, std, ivanova);
      const first = await api.stopOk(open, bay2, { sessionId: open.sessionId });
      const balance = Number(first['balance']);
      // Stopped: neither its id nor its client has an open session any more (right after the reply, and once settled).
      expectDeclined(await api.stop(bay2, { sessionId: open.sessionId }), 'SESSION_NOT_FOUND');
      expectDeclined(await api.stop(bay2, { client: { qr: ivanovaQr } }), 'SESSION_NOT_FOUND');
      await api.eventOf('session.settled', (body) => body['sessionId'] === open.sessionId);
      expectDeclined(await api.stop(kiosk, { sessionId: open.sessionId }), 'SESSION_NOT_FOUND');

      const [kind = '', owner = ''] = open.sessionId.split('.');
      const foreign = foreignSessionId(open.sessionId);
      expect(foreign).not.toBe(open.sessionId);
      const garbage = ['not-a-session', 's.zzz.1', 's..', `${kind}.${owner}.zz`, `${kind}.${owner}`, foreign, `h.${owner}.1`, 'x'.repeat(96)];
      for (const sessionId of garbage) expectDeclined(await api.stop(kiosk, { sessionId }), 'SESSION_NOT_FOUND');
      // Another network's id even while the client has a session open here.
      const again = await api.startOk(bay2, { card: demoCards.loyalty }, std, ivanova);
      expectDeclined(await api.stop(kiosk, { sessionId: foreignSessionId(again.sessionId) }), 'SESSION_NOT_FOUND');
      // ... and the previous session's id does not stop the one open now.
      expectDeclined(await api.stop(kiosk, { sessionId: open.sessionId }), 'SESSION_NOT_FOUND');
      expect(await api.balanceOf(demoCards.loyalty)).toBe(balance);
      await api.stopOk(again, kiosk, { sessionId: again.sessionId });
    });

    it('CLIENT_UNKNOWN for an unknown QR, NFC tag or card (also a fleet card, which is no client’s), and for a stop by an unknown plate', async () => {
      for (const who of [{ qr: 'QR-NOBODY-404' }, { nfc: 'NFC-04A224B2C35E80' }, { card: '7005000000009999' }, { card: demoCards.fleet }]) {
        expectDeclined(await api.start(bay1, who, std.code), 'CLIENT_UNKNOWN');
        expectDeclined(await api.stop(bay1, { client: who }), 'CLIENT_UNKNOWN');
      }
      // A stop never makes a guest: the plate stays unknown.
      const plate = 'K404KK404';
      expectDeclined(await api.stop(kiosk, { client: { plate } }), 'CLIENT_UNKNOWN');
      expectDeclined(await api.stop(kiosk, { client: { plate: 'к404кк 404' } }), 'CLIENT_UNKNOWN');
      expectDeclined(await api.topup(kiosk, { plate }, 1_000), 'CLIENT_UNKNOWN');
      await api.barrier();
      expect(api.eventsOf('guest.registered', (body) => body['plate'] === plate)).toHaveLength(0);
    });

    it('the first code in the table wins: an unknown client with an unknown tariff is CLIENT_UNKNOWN (listed before TARIFF_UNKNOWN)', async () => {
      // protocol.md, "Reason codes, in precedence order": "When several apply, the first in this table wins."
      for (const who of [{ qr: 'QR-NOBODY-404' }, { nfc: 'NFC-04A224B2C35E80' }, { card: '7005000000009999' }]) {
        expectDeclined(await api.start(bay1, who, 'WASH-GOLD'), 'CLIENT_UNKNOWN');
        // WASH-PRO is not offered at MSK-01: the same precedence.
        expectDeclined(await api.start(otherSiteTill, who, pro.code), 'CLIENT_UNKNOWN');
      }
    });

    it('TERMINAL_UNKNOWN at a terminal that is not registered', async () => {
      expectDeclined(await api.start('WASH-99-B1', { qr: ivanovaQr }, std.code), 'TERMINAL_UNKNOWN');
      expectDeclined(await api.stop('WASH-99-B1', { client: { qr: ivanovaQr } }), 'TERMINAL_UNKNOWN');
      expect(rows((await api.board(kiosk))['sessions']).filter((row) => row['client'] === 'ivanova')).toEqual([]);
      expectDeclined(await api.stop(kiosk, { client: { qr: ivanovaQr } }), 'SESSION_NOT_FOUND');
    });

    it('TARIFF_UNKNOWN for an unknown tariff and for WASH-PRO at a terminal of another site; a start refused so registers no guest', async () => {
      expectDeclined(await api.start(bay1, { qr: ivanovaQr }, 'WASH-GOLD'), 'TARIFF_UNKNOWN');
      expectDeclined(await api.start(bay1, { qr: ivanovaQr }, 'wash-std'), 'TARIFF_UNKNOWN');
      expectDeclined(await api.start(otherSiteTill, { qr: ivanovaQr }, pro.code), 'TARIFF_UNKNOWN');
      expectDeclined(await api.start(otherSiteTill, { card: demoCards.taxi }, pro.code), 'TARIFF_UNKNOWN');
      const newPlates = ['T404TT77', 'H405HH77'];
      expectDeclined(await api.start(bay1, { plate: 'т404тт 77' }, 'WASH-GOLD'), 'TARIFF_UNKNOWN');
      expectDeclined(await api.start(otherSiteTill, { plate: 'Н405НН77' }, pro.code), 'TARIFF_UNKNOWN');
      await api.barrier();
      for (const plate of newPlates) {
        expect(api.eventsOf('guest.registered', (body) => body['plate'] === plate)).toHaveLength(0);
        expectDeclined(await api.stop(kiosk, { client: { plate } }), 'CLIENT_UNKNOWN');
        expectDeclined(await api.topup(kiosk, { plate }, 1_000), 'CLIENT_UNKNOWN');
      }
      // Nobody has a session open: ivanova and petrov start normally.
      const a = await api.startOk(bay1, { qr: ivanovaQr }, pro, ivanova);
      await api.stopOk(a, bay1, { sessionId: a.sessionId });
    });
  });

  // ------------------------------------------------------------------------------------------------
  describe('bad input: error/BAD_REQUEST, nothing changes', () => {
    /** New plates used in bodies that are otherwise invalid: none may become a guest. */
    const untouchedPlates = ['P001PP01', 'P002PP02', 'P003PP03', 'P004PP04'];
    const long = 'я'.repeat(1_001);
    type Case = { name: string; op: 'session.start' | 'session.stop' | 'sessions'; body: (id: string) => Body };
    const startCase = (name: string, body: (id: string) => Body): Case => ({ name, op: 'session.start', body });
    const stopCase = (name: string, body: (id: string) => Body): Case => ({ name, op: 'session.stop', body });
    const start = (id: string, client: unknown, extra: Body = {}): Body => ({ id, client, tariff: std.code, ...extra });
    const cases: Case[] = [
      startCase('a plate of one character', (id) => start(id, { plate: 'A' })),
      startCase('a plate of one digit', (id) => start(id, { plate: '7' })),
      startCase('a plate of spaces and dashes only', (id) => start(id, { plate: ' - - ' })),
      startCase('an empty plate', (id) => start(id, { plate: '' })),
      startCase('a plate of 13 letters and digits', (id) => start(id, { plate: 'A123BC7777777' })),
      startCase('a plate with Ж (no Latin look-alike)', (id) => start(id, { plate: 'Ж123ВС77' })),
      startCase('a plate with a lower-case ж', (id) => start(id, { plate: 'ж123вс77' })),
      startCase('a plate with #', (id) => start(id, { plate: 'A#123BC77' })),
      startCase('a plate with a dot', (id) => start(id, { plate: 'A.123.BC' })),
      startCase('a plate as a number', (id) => start(id, { plate: 12345 })),
      startCase('no tariff', (id) => ({ id, client: { plate: untouchedPlates[0] } })),
      startCase('an empty tariff', (id) => start(id, { qr: ivanovaQr }, { tariff: '' })),
      startCase('a tariff as a number', (id) => start(id, { qr: ivanovaQr }, { tariff: 42 })),
      startCase('no client', (id) => ({ id, tariff: std.code })),
      startCase('an empty client', (id) => start(id, {})),
      startCase('two identifiers in client (plate and qr)', (id) => start(id, { plate: untouchedPlates[1], qr: ivanovaQr })),
      startCase('two identifiers in client (qr and card)', (id) => start(id, { qr: ivanovaQr, card: demoCards.loyalty })),
      startCase('an unknown field in client', (id) => start(id, { plate: untouchedPlates[2], color: 'red' })),
      startCase('client as a string', (id) => start(id, 'A123BC77')),
      startCase('client as a list', (id) => start(id, [{ plate: 'A123BC77' }])),
      startCase('a comment of 1 001 characters', (id) => start(id, { qr: ivanovaQr }, { comment: long })),
      startCase('a comment with a NUL', (id) => start(id, { qr: ivanovaQr }, { comment: 'мойка\u0000днища' })),
      startCase('a comment with an ESC', (id) => start(id, { qr: ivanovaQr }, { comment: 'мойка \u001b[31m' })),
      startCase('a comment with DEL', (id) => start(id, { qr: ivanovaQr }, { comment: 'мойка\u007f' })),
      startCase('a comment as a number', (id) => start(id, { qr: ivanovaQr }, { comment: 5 })),
      startCase('an unknown field', (id) => start(id, { plate: untouchedPlates[3] }, { bay: 1 })),
      startCase('an amount (not a field of start)', (id) => start(id, { qr: ivanovaQr }, { amount: 10_000 })),
      stopCase('both sessionId and client', (id) => ({ id, sessionId: 's.x.1', client: { qr: ivanovaQr } })),
      stopCase('neither sessionId nor client', (id) => ({ id })),
      stopCase('neither, with a comment', (id) => ({ id, comment: 'готово' })),
      stopCase('an empty sessionId', (id) => ({ id, sessionId: '' })),
      stopCase('a sessionId as a number', (id) => ({ id, sessionId: 7 })),
      stopCase('a malformed plate', (id) => ({ id, client: { plate: 'Ж' } })),
      stopCase('two identifiers in client', (id) => ({ id, client: { plate: 'A123BC77', card: demoCards.loyalty } })),
      stopCase('a comment of 1 001 characters', (id) => ({ id, client: { qr: ivanovaQr }, comment: long })),
      stopCase('a comment with a control character', (id) => ({ id, client: { qr: ivanovaQr }, comment: 'bell\u0007' })),
      stopCase('an unknown field', (id) => ({ id, client: { qr: ivanovaQr }, amount: 100 })),
      stopCase('a tariff (not a field of stop)', (id) => ({ id, client: { qr: ivanovaQr }, tariff: std.code })),
      { name: 'sessions with an unknown field', op: 'sessions', body: (id) => ({ id, site: washSite }) },
    ];

    it.each(cases)('$op: $name', async (testCase) => {
      const id = uniqueId('bad');
      const before = await api.balanceOf(demoCards.loyalty);
      const reply = await api.request(bay1, testCase.op, testCase.body(id));
      expectBadRequest(reply);
      expect(reply['id']).toBe(id);
      expect(await api.balanceOf(demoCards.loyalty)).toBe(before);
    });

    it('nothing was decided: no session is open, no plate of those bodies became a guest, and an id refused is decided afresh', async () => {
      const board = await api.board(kiosk);
      expect(rows(board['sessions']).filter((row) => ['ivanova', 'petrov', ...untouchedPlates.map((plate) => `guest-${plate}`)].includes(String(row['client'])))).toEqual([]);
      await api.barrier();
      for (const plate of untouchedPlates) {
        expect(api.eventsOf('guest.registered', (body) => body['plate'] === plate)).toHaveLength(0);
        expectDeclined(await api.stop(kiosk, { client: { plate } }), 'CLIENT_UNKNOWN');
      }
      // error replies are not remembered: fix and resend with the same id.
      const id = uniqueId('fixed');
      expectBadRequest(await api.request(bay4, 'session.start', { id, client: { qr: ivanovaQr }, tariff: std.code, comment: long }));
      const fixed = await api.request(bay4, 'session.start', { id, client: { qr: ivanovaQr }, tariff: std.code, comment: 'я'.repeat(1_000) });
      const open = api.expectStarted(fixed, bay4, std, ivanova);
      expect(fixed['id']).toBe(id);
      await api.stopOk(open, bay4, { sessionId: open.sessionId });
    });
  });

  // ------------------------------------------------------------------------------------------------
  describe('comments', () => {
    it('a start comment and a stop comment are kept in the session events', async () => {
      const startComment = 'Скол на капоте, мыть аккуратно';
      const stopComment = 'Готово ✓ клиент доволен';
      const open = await api.startOk(bay2, { qr: ivanovaQr }, std, ivanova, { comment: startComment });
      const stop = await api.stopOk(open, kiosk, { client: { plate: 'А123ВС77' } }, { comment: stopComment });
      const started = await api.eventOf('session.started', (body) => body['sessionId'] === open.sessionId);
      expect(started['comment']).toBe(startComment);
      const stopped = await api.eventOf('session.stopped', (body) => body['sessionId'] === open.sessionId);
      const comments = rows(stopped['comments']);
      expect(comments.map((comment) => comment['text'])).toEqual([startComment, stopComment]);
      for (const comment of comments) {
        expect(Object.keys(comment).sort()).toEqual(['at', 'text']);
        expect(Number.isSafeInteger(comment['at'])).toBe(true);
      }
      expect(Number(comments[1]?.['at'])).toBeGreaterThanOrEqual(Number(comments[0]?.['at']));
      expect(stop['sessionId']).toBe(open.sessionId);

      // Without comments: none in the events.
      const plain = await api.startOk(bay3, { qr: ivanovaQr }, std, ivanova);
      await api.stopOk(plain, bay3, { sessionId: plain.sessionId });
      expect((await api.eventOf('session.started', (body) => body['sessionId'] === plain.sessionId))['comment']).toBeUndefined();
      expect((await api.eventOf('session.stopped', (body) => body['sessionId'] === plain.sessionId))['comments']).toEqual([]);

      // A comment of exactly 1 000 characters at the stop only.
      const thousand = 'ю'.repeat(1_000);
      const third = await api.startOk(bay3, { qr: ivanovaQr }, std, ivanova);
      await api.stopOk(third, bay3, { sessionId: third.sessionId }, { comment: thousand });
      const thirdStopped = await api.eventOf('session.stopped', (body) => body['sessionId'] === third.sessionId);
      expect(rows(thirdStopped['comments']).map((comment) => comment['text'])).toEqual([thousand]);
    });
  });

  // ------------------------------------------------------------------------------------------------
  describe('the sessions board (the attendant’s kiosk)', () => {
    it('lists the open sessions oldest first with the running cost; a stop takes one off; a board of another site lists neither', async () => {
      const first = await api.startOk(bay1, { qr: ivanovaQr }, std, ivanova);
      await sleep(5); // two distinct start instants, so "oldest first" has one answer
      const second = await api.startOk(bay2, { card: demoCards.taxi }, pro, petrov);
      expect(second.startedAt).toBeGreaterThan(first.startedAt);

      for (const terminal of [kiosk, bay3]) {
        const board = await api.board(terminal);
        expect(board['site']).toBe(washSite);
        expect(Number.isSafeInteger(board['at'])).toBe(true);
        expectOldestFirst(board);
        const listed = ours(board, first, second);
        expect(listed.map((row) => row['sessionId'])).toEqual([first.sessionId, second.sessionId]);
        expectBoardRow(listed[0], first);
        expectBoardRow(listed[1], second);
        expect(Number(board['at'])).toBeGreaterThanOrEqual(second.startedAt);
      }

      const elsewhere = await api.board(otherSiteTill);
      expect(elsewhere['site']).toBe('MSK-01');
      expect(ours(elsewhere, first, second)).toEqual([]);
      expect(rows(elsewhere['sessions']).filter((row) => ['ivanova', 'petrov'].includes(String(row['client'])))).toEqual([]);

      await api.stopOk(second, kiosk, { client: { plate: 'B456OP99' } });
      const afterOne = await api.board(kiosk);
      expect(ours(afterOne, first, second).map((row) => row['sessionId'])).toEqual([first.sessionId]);
      expectBoardRow(ours(afterOne, first)[0], first);

      await api.stopOk(first, kiosk, { sessionId: first.sessionId });
      expect(ours(await api.board(kiosk), first, second)).toEqual([]);
    });

    it('is not remembered: the same request id twice gives the board as it is then', async () => {
      const id = uniqueId('board');
      const before = await api.board(kiosk, id);
      const open = await api.startOk(bay4, { plate: 'A123BC77' }, std, ivanova);
      const after = await api.board(kiosk, id);
      expect(ours(before, open)).toEqual([]);
      expectBoardRow(ours(after, open)[0], open);
      expect(Number(after['at'])).toBeGreaterThanOrEqual(Number(before['at']));
      await api.stopOk(open, bay4, { client: { plate: 'A123BC77' } });
      expect(ours(await api.board(kiosk, id), open)).toEqual([]);
    });
  });

  // ------------------------------------------------------------------------------------------------
  describe('idempotency', () => {
    it('the same stop five times: the same reply each time, one session.stopped and one session.charged', async () => {
      const open = await api.startOk(bay1, { qr: ivanovaQr }, std, ivanova);
      const before = await api.balanceOf(demoCards.loyalty);
      const body = { id: uniqueId('stop5'), sessionId: open.sessionId, comment: 'один раз' };
      // Two at once, then three more, one of them with another terminal clock reading (`at` is not part of the body).
      const replies: WireReply[] = [...(await Promise.all([api.send(bay1, 'session.stop', body), api.send(bay1, 'session.stop', body)]))];
      replies.push(await api.send(bay1, 'session.stop', body));
      replies.push(await api.send(bay1, 'session.stop', { ...body, at: Date.now() }));
      replies.push(await api.send(bay1, 'session.stop', body));
      const first = replies[0]?.body ?? {};
      api.expectStopped(first, open, before);
      expect(first['id']).toBe(body.id);
      for (const reply of replies) expect(Buffer.from(reply.bytes).equals(Buffer.from(replies[0]?.bytes ?? []))).toBe(true);
      api.washed.push({ open, stopTerminal: bay1, stop: first });
      expect(await api.balanceOf(demoCards.loyalty)).toBe(before - Number(first['amount']));

      await api.eventOf('session.settled', (event) => event['sessionId'] === open.sessionId);
      await api.barrier();
      for (const type of ['session.started', 'session.stopped', 'session.charged', 'session.settled']) {
        expect(api.eventsOf(type, (event) => event['sessionId'] === open.sessionId), type).toHaveLength(1);
      }
    });

    it('a repeated start gets the first reply, even after the stop; the same id with another body is DUPLICATE_ID_MISMATCH', async () => {
      const body = { id: uniqueId('start'), client: { qr: ivanovaQr }, tariff: std.code };
      const first = await api.send(bay2, 'session.start', body);
      const open = api.expectStarted(first.body, bay2, std, ivanova);
      const repeat = await api.send(bay2, 'session.start', { ...body, at: Date.now() });
      expect(Buffer.from(repeat.bytes).equals(Buffer.from(first.bytes))).toBe(true);

      for (const other of [{ ...body, tariff: pro.code }, { ...body, comment: 'другое' }, { ...body, client: { card: demoCards.loyalty } }]) {
        const mismatch = await api.request(bay2, 'session.start', other);
        expectDeclined(mismatch, 'DUPLICATE_ID_MISMATCH');
        expect(mismatch['id']).toBe(body.id);
      }
      expectDeclined(await api.request(bay2, 'session.stop', { id: body.id, sessionId: open.sessionId }), 'DUPLICATE_ID_MISMATCH');
      // The same id at another terminal is another request: the session is open.
      const elsewhere = await api.request(bay3, 'session.start', body);
      expectDeclined(elsewhere, 'SESSION_ALREADY_OPEN');
      expect(elsewhere['sessionId']).toBe(open.sessionId);

      await api.stopOk(open, bay2, { client: { qr: ivanovaQr } });
      const late = await api.send(bay2, 'session.start', body);
      expect(Buffer.from(late.bytes).equals(Buffer.from(first.bytes))).toBe(true);
      // The repeat started nothing.
      expect(ours(await api.board(kiosk), open)).toEqual([]);
      expectDeclined(await api.stop(kiosk, { client: { qr: ivanovaQr } }), 'SESSION_NOT_FOUND');
      await api.barrier();
      expect(api.eventsOf('session.started', (event) => event['sessionId'] === open.sessionId)).toHaveLength(1);
    });

    it('20 starts at once for one plate (different ids, every terminal): exactly one approved, 19 SESSION_ALREADY_OPEN naming it', async () => {
      const plate = 'M500MM50';
      const terminals = [...bays, kiosk];
      const replies = await Promise.all(
        Array.from({ length: 20 }, (_, index) => api.request(terminals[index % terminals.length] ?? kiosk, 'session.start', { id: uniqueId('crowd'), client: { plate: index % 2 === 0 ? 'м500мм 50' : plate }, tariff: std.code })),
      );
      const approved = replies.filter((reply) => reply['result'] === 'approved');
      expect(approved).toHaveLength(1);
      const winner = approved[0] ?? {};
      const winnerIndex = replies.indexOf(winner);
      const open = api.expectStarted(winner, terminals[winnerIndex % terminals.length] ?? kiosk, std, guest(plate));
      expect(open.visits).toBe(1);
      const others = replies.filter((reply) => reply !== winner);
      expect(others).toHaveLength(19);
      for (const reply of others) {
        expectDeclined(reply, 'SESSION_ALREADY_OPEN');
        expect(reply['sessionId']).toBe(open.sessionId);
      }
      await api.stopOk(open, kiosk, { client: { plate } }, { balanceBefore: 0 });
      await api.barrier();
      expect(api.eventsOf('guest.registered', (event) => event['plate'] === plate)).toHaveLength(1);
      expect(api.eventsOf('session.started', (event) => event['client'] === `guest-${plate}`)).toHaveLength(1);
    });
  });

  // ------------------------------------------------------------------------------------------------
  describe('JSON', () => {
    it('session.start and session.stop with Content-Type: application/json are answered in JSON', async () => {
      const startId = uniqueId('json');
      const started = await api.send(bay4, 'session.start', { id: startId, client: { plate: 'в456ор99' }, tariff: std.code, comment: 'JSON' }, { json: true });
      expect(started.bytes[0]).toBe('{'.charCodeAt(0));
      expect(started.contentType).toBe('application/json');
      expect(started.body['id']).toBe(startId);
      const open = api.expectStarted(started.body, bay4, std, petrov);
      const before = await api.balanceOf(demoCards.taxi);
      const stopped = await api.send(kiosk, 'session.stop', { id: uniqueId('json'), sessionId: open.sessionId, comment: 'JSON тоже' }, { json: true });
      expect(stopped.bytes[0]).toBe('{'.charCodeAt(0));
      expect(stopped.contentType).toBe('application/json');
      api.expectStopped(stopped.body, open, before);
      api.washed.push({ open, stopTerminal: kiosk, stop: stopped.body });
      expect(await api.balanceOf(demoCards.taxi)).toBe(stopped.body['balance']);

      const board = await api.send(kiosk, 'sessions', { id: uniqueId('json') }, { json: true });
      expect(board.contentType).toBe('application/json');
      expect(board.body).toMatchObject({ result: 'approved', site: washSite });
      const bad = await api.send(bay4, 'session.start', Buffer.from(`{"id":"${uniqueId('json')}","client":{"plate":"B456OP99"},"tariff":"WASH-STD","comment":"x","extra":1}`), { json: true });
      expectBadRequest(bad.body);
    });
  });

  // ------------------------------------------------------------------------------------------------
  describe('events', () => {
    it('every stopped session has session.started, session.stopped, session.charged and session.settled that agree with the replies', async () => {
      expect(api.washed.length).toBeGreaterThan(20);
      await api.barrier();
      for (const { open, stopTerminal, stop } of api.washed) {
        const one = (type: string): Body => {
          const found = api.eventsOf(type, (body) => body['sessionId'] === open.sessionId);
          expect(found, `${type} of ${open.sessionId}`).toHaveLength(1);
          return found[0] ?? {};
        };
        const started = one('session.started');
        const stopped = one('session.stopped');
        const charged = one('session.charged');
        const settled = one('session.settled');
        for (const event of [started, stopped, charged, settled]) {
          expect(event['network']).toBe('sever');
          expect(typeof event['key']).toBe('string');
          for (const field of ['seq', 'position', 'at', 'number']) expect(Number.isSafeInteger(event[field]), `${String(event['type'])}.${field}`).toBe(true);
          expect(event['number']).toBe(started['number']);
        }
        expect(started).toMatchObject({
          type: 'session.started',
          client: open.person.id,
          member: open.person.member,
          tariff: open.tariff.code,
          tariffName: open.tariff.name,
          rate: open.rate,
          minimumMinutes: open.tariff.minimumMinutes,
          maximumMinutes: open.tariff.maximumMinutes,
          site: washSite,
          terminal: open.terminal,
          visits: open.visits,
        });
        if (open.person.name !== undefined) expect(started['name']).toBe(open.person.name);
        if (open.person.plate !== undefined && started['plate'] !== undefined) expect(started['plate']).toBe(open.person.plate);
        expect(stopped).toMatchObject({
          type: 'session.stopped',
          client: open.person.id,
          tariff: open.tariff.code,
          site: washSite,
          terminal: stopTerminal,
          startedAt: open.startedAt,
          stoppedAt: stop['stoppedAt'],
          minutes: stop['minutes'],
          rate: open.rate,
          amount: stop['amount'],
          auto: false,
        });
        expect(Array.isArray(stopped['comments'])).toBe(true);
        expect(charged).toMatchObject({ type: 'session.charged', amount: stop['amount'], minutes: stop['minutes'], tariff: open.tariff.code, site: washSite, terminal: stopTerminal });
        expect(settled).toMatchObject({ type: 'session.settled', amount: stop['amount'] });
        // The session's events are the client's session actor's; the charge is the account's.
        expect(stopped['key']).toBe(started['key']);
        expect(settled['key']).toBe(started['key']);
        expect(charged['key']).not.toBe(started['key']);
        expect(Number(stopped['position'])).toBeGreaterThan(Number(started['position']));
        expect(Number(settled['position'])).toBeGreaterThan(Number(charged['position']));
      }
      // One session actor per client: the same key for every session of a client, another for another client.
      const keyOf = (person: Person): Set<unknown> =>
        new Set(api.washed.filter((entry) => entry.open.person.id === person.id).map((entry) => api.eventsOf('session.started', (body) => body['sessionId'] === entry.open.sessionId)[0]?.['key']));
      expect(keyOf(ivanova).size).toBe(1);
      expect(keyOf(petrov).size).toBe(1);
      expect([...keyOf(ivanova)][0]).not.toBe([...keyOf(petrov)][0]);
      // Session ids are unique.
      expect(new Set(api.washed.map((entry) => entry.open.sessionId)).size).toBe(api.washed.length);
    });

    it('no event and no reply carries a full card number or a PIN', () => {
      expect(events.length).toBeGreaterThan(100);
      expect(wire.replies.length).toBeGreaterThan(100);
      const secrets = [...Object.values(demoCards), ...Array.from({ length: demoFleetSize }, (_, index) => demoFleetCard(index)), '7005000000009999'];
      const pins = Object.values(demoPins).filter((pin): pin is string => pin !== undefined);
      const findPin = (value: unknown, path: string): string | undefined => {
        if (typeof value === 'string') return pins.includes(value) ? path : undefined;
        if (Array.isArray(value)) return value.map((item, index) => findPin(item, `${path}[${index}]`)).find((found) => found !== undefined);
        if (typeof value === 'object' && value !== null) {
          for (const [key, inner] of Object.entries(value)) {
            if (key.toLowerCase().includes('pin')) return `${path}.${key}`;
            const found = findPin(inner, `${path}.${key}`);
            if (found !== undefined) return found;
          }
        }
        return undefined;
      };
      // Card numbers are ASCII digits: a latin1 view of the bytes finds them exactly where the bytes hold them.
      const anySecret = new RegExp(secrets.join('|'));
      const secretIn = (bytes: Uint8Array): string | undefined => anySecret.exec(Buffer.from(bytes).toString('latin1'))?.[0];
      for (const event of events) {
        expect(secretIn(event.bytes), `${event.subject} carries a card number`).toBeUndefined();
        expect(findPin(event.body, event.subject)).toBeUndefined();
      }
      for (const reply of wire.replies) {
        expect(secretIn(reply), 'a reply carries a card number').toBeUndefined();
        const text = Buffer.from(reply).toString('utf8');
        const body = text.startsWith('{') ? (JSON.parse(text) as unknown) : (unpack(reply) as unknown);
        expect(findPin(body, 'reply')).toBeUndefined();
      }
    });
  });
});

// ==================================================================================================

describe('a restart in the middle of an open session (serve() again on the same data directory)', () => {
  let nats: NatsServerHandle;
  let server: RunningServer | undefined;
  let dataDir: string;
  let wire: Wire;
  let api: Api;
  const events: Captured[] = [];

  beforeAll(async () => {
    nats = await natsForTests();
    ({ server, dataDir } = await startEngine(nats));
    wire = { nc: await connect({ servers: nats.url, name: 'tessera-wash-restart-test' }), replies: [] };
    api = client(wire, events);
    capture(wire.nc, 'tessera.v1.evt.>', events);
    await wire.nc.flush();
  });

  afterAll(async () => {
    await wire?.nc.drain().catch(() => undefined);
    await server?.stop();
    await nats?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps the session open and bills it from its real start', async () => {
    const balanceBefore = await api.balanceOf(demoCards.loyalty);
    const startBody = { id: uniqueId('start'), client: { plate: 'а123вс77' }, tariff: pro.code, comment: 'до перезапуска' };
    const first = await api.send(bay2, 'session.start', startBody);
    const open = api.expectStarted(first.body, bay2, pro, ivanova);
    const guestPlate = 'C321CC21';
    const guestOpen = await api.startOk(bay3, { plate: 'с321сс 21' }, std, guest(guestPlate));
    const boardBefore = await api.board(kiosk);
    expectBoardRow(ours(boardBefore, open)[0], open);
    expectBoardRow(ours(boardBefore, guestOpen)[0], guestOpen);

    await server?.stop();
    server = undefined;
    ({ server } = await startEngine(nats, dataDir));
    const ping = await wire.nc.request('tessera.v1.sys.ping', pack({}), { timeout: 5_000 });
    expect(unpack(ping.data)).toEqual({ result: 'approved', reason: 'OK' });

    // The board still lists both, from their real start.
    const boardAfter = await api.board(kiosk);
    expectOldestFirst(boardAfter);
    expect(ours(boardAfter, open, guestOpen).map((row) => row['sessionId'])).toEqual([open.sessionId, guestOpen.sessionId]);
    expectBoardRow(ours(boardAfter, open)[0], open);
    expectBoardRow(ours(boardAfter, guestOpen)[0], guestOpen);
    // Still open: a second start names it; the first start, repeated, gets its first reply.
    const again = await api.start(bay1, { qr: ivanovaQr }, std.code);
    expectDeclined(again, 'SESSION_ALREADY_OPEN');
    expect(again['sessionId']).toBe(open.sessionId);
    const repeat = await api.send(bay2, 'session.start', startBody);
    expect(Buffer.from(repeat.bytes).equals(Buffer.from(first.bytes))).toBe(true);
    // No money moved while it was open.
    expect(await api.balanceOf(demoCards.loyalty)).toBe(balanceBefore);

    const stop = await api.stopOk(open, kiosk, { sessionId: open.sessionId }, { comment: 'после перезапуска' });
    expect(stop['startedAt']).toBe(open.startedAt);
    expect(stop['balance']).toBe(balanceBefore - Number(stop['amount']));
    const guestStop = await api.stopOk(guestOpen, bay3, { client: { plate: guestPlate } }, { balanceBefore: 0 });
    expect(ours(await api.board(kiosk), open, guestOpen)).toEqual([]);

    // The guest registered before the restart is a repeat visitor after it, registered once.
    const guestAgain = await api.startOk(bay4, { plate: guestPlate }, std, guest(guestPlate));
    expect(guestAgain.visits).toBe(2);
    await api.stopOk(guestAgain, bay4, { client: { plate: guestPlate } }, { balanceBefore: Number(guestStop['balance']) });

    const stopped = await api.eventOf('session.stopped', (body) => body['sessionId'] === open.sessionId);
    expect(stopped).toMatchObject({ startedAt: open.startedAt, stoppedAt: stop['stoppedAt'], minutes: stop['minutes'], amount: stop['amount'], auto: false });
    expect(rows(stopped['comments']).map((comment) => comment['text'])).toEqual(['до перезапуска', 'после перезапуска']);
    await api.eventOf('session.charged', (body) => body['sessionId'] === open.sessionId && body['amount'] === stop['amount']);
    await api.eventOf('session.settled', (body) => body['sessionId'] === open.sessionId);
    await api.barrier();
    expect(api.eventsOf('guest.registered', (body) => body['plate'] === guestPlate)).toHaveLength(1);
    expect(api.eventsOf('session.charged', (body) => body['sessionId'] === open.sessionId)).toHaveLength(1);
  });
});
