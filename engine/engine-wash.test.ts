// Car-wash sessions in a whole engine with a simulated clock: billing by started minutes at the
// member and guest rates, a restart in the middle of an open session (still open, billed from its
// real start), a crash between the session's stop and the account's charge (resumed at start,
// charged once, the repeated stop answered), the automatic stop past the maximum, a negative balance
// and the top-up that follows, and the site's board.

import { afterEach, describe, expect, it, vi } from 'vitest';
import { demoNetwork, demoCards } from './demo/demo-network.js';
import type { Harness } from './testing/engine-harness.js';
import { openHarness } from './testing/engine-harness.js';
import type { TerminalRequest } from './protocol/requests.js';

const minute = 60_000;
const open: Harness[] = [];
async function start(): Promise<Harness> {
  const harness = openHarness();
  open.push(harness);
  await harness.engine.import(demoNetwork());
  return harness;
}
afterEach(async () => {
  vi.restoreAllMocks();
  for (const harness of open.splice(0)) await harness.close().catch(() => undefined);
});

let counter = 0;
const id = (prefix: string): string => `${prefix}-${++counter}`;
const startSession = (client: Record<string, string>, tariff = 'WASH-STD'): TerminalRequest => ({ op: 'session.start', request: { id: id('start'), client: client as { plate: string }, tariff } });
const stopSession = (body: { sessionId: string } | { client: { plate: string } }): TerminalRequest => ({ op: 'session.stop', request: { id: id('stop'), ...body } });
const balanceOf = async (harness: Harness, card: string): Promise<number> => Number((await harness.call('WASH-01-K1', { op: 'inquire', request: { id: id('inq'), card } }))['balance']);
const settledSessions = async (harness: Harness, count: number): Promise<void> => {
  for (let attempt = 0; attempt < 200 && harness.events.filter((event) => event.event.type === 'session.settled').length < count; attempt++) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(harness.events.filter((event) => event.event.type === 'session.settled')).toHaveLength(count);
};

describe('wash sessions in a running engine', () => {
  it('bill every started minute at the club rate, from the client’s balance', async () => {
    const harness = await start();
    const before = await balanceOf(harness, demoCards.loyalty);
    const started = await harness.call('WASH-01-K1', startSession({ plate: 'а123вс 77' }));
    expect(started).toMatchObject({ result: 'approved', rate: 2_500, client: { id: 'ivanova', member: true, visits: 1 } });
    harness.clock.advance(7 * minute + 1);
    const stopped = await harness.call('WASH-01-K1', stopSession({ sessionId: String(started['sessionId']) }));
    expect(stopped).toMatchObject({ result: 'approved', minutes: 8, rate: 2_500, amount: 20_000, balance: before - 20_000 });
    expect(await balanceOf(harness, demoCards.loyalty)).toBe(before - 20_000);
  });

  it('a restart in the middle of an open session keeps it open and billed from its real start', async () => {
    const harness = await start();
    const started = await harness.call('WASH-01-B1', startSession({ qr: 'QR-IVANOVA-01' }));
    harness.clock.advance(12 * minute);
    const restarted = await harness.restart();
    open.push(restarted);
    expect(restarted.engine.openSessions('WASH-01')).toMatchObject([{ sessionId: started['sessionId'], startedAt: started['startedAt'], minutes: 12, amount: 30_000 }]);
    expect(await restarted.call('WASH-01-K1', startSession({ plate: 'A123BC77' }))).toMatchObject({ reason: 'SESSION_ALREADY_OPEN', sessionId: started['sessionId'] });
    restarted.clock.advance(30_000);
    const stopped = await restarted.call('WASH-01-K1', stopSession({ client: { plate: 'A123BC77' } }));
    expect(stopped).toMatchObject({ result: 'approved', startedAt: started['startedAt'], minutes: 13, amount: 13 * 2_500 });
    expect(restarted.engine.openSessions('WASH-01')).toEqual([]);
  });

  it('a crash between the stop and the charge: the charge is resumed at start, applied once, and the repeated stop gets its answer', async () => {
    const harness = await start();
    const before = await balanceOf(harness, demoCards.taxi);
    const started = await harness.call('WASH-01-K1', startSession({ plate: 'В456ОР99' }, 'WASH-PRO'));
    harness.clock.advance(15 * minute);
    // The account never hears of the stop: the session's commit happens, the charge is lost with the process.
    const send = harness.engine.registry.send.bind(harness.engine.registry);
    vi.spyOn(harness.engine.registry, 'send').mockImplementation((key: string, message: unknown) => {
      if ((message as { type?: string }).type !== 'session.charge') send(key, message);
    });
    const stop = stopSession({ sessionId: String(started['sessionId']) });
    let answered = false;
    harness.engine.submit('WASH-01-K1', stop, () => (answered = true));
    for (let attempt = 0; attempt < 100 && !harness.events.some((event) => event.event.type === 'session.stopped'); attempt++) await new Promise((resolve) => setTimeout(resolve, 5));
    await harness.engine.store.flushed();
    expect(answered).toBe(false);
    vi.restoreAllMocks();
    const restarted = await harness.restart();
    open.push(restarted);
    await settledSessions(restarted, 1);
    expect(restarted.events.filter((event) => event.event.type === 'session.charged').map((event) => event.event)).toMatchObject([{ sessionId: started['sessionId'], amount: 15 * 6_000 }]);
    expect(await balanceOf(restarted, demoCards.taxi)).toBe(before - 15 * 6_000);
    // The terminal repeats the stop: it gets the stop's answer, and nothing is charged again.
    expect(await restarted.call('WASH-01-K1', stop)).toMatchObject({ result: 'approved', minutes: 15, amount: 90_000, balance: before - 90_000 });
    await restarted.engine.store.flushed();
    expect(restarted.events.filter((event) => event.event.type === 'session.charged')).toHaveLength(1);
    expect(await restarted.call('WASH-01-K1', stopSession({ sessionId: String(started['sessionId']) }))).toMatchObject({ reason: 'SESSION_NOT_FOUND' });
  });

  it('a session left open past the tariff’s maximum is stopped automatically, billed up to it; the balance goes negative and a top-up follows', async () => {
    const harness = await start();
    const started = await harness.call('WASH-01-K1', startSession({ plate: 'O001OO99' }, 'WASH-PRO'));
    expect(started).toMatchObject({ result: 'approved', rate: 6_000, maximumMinutes: 90, client: { id: 'guest-O001OO99', member: false, visits: 1 } });
    harness.clock.advance(89 * minute);
    expect(harness.engine.stopOverdueSessions()).toBe(0);
    harness.clock.advance(5 * minute);
    expect(harness.engine.stopOverdueSessions()).toBe(1);
    await settledSessions(harness, 1);
    expect(harness.events.find((event) => event.event.type === 'session.stopped')?.event).toMatchObject({ auto: true, minutes: 90, amount: 540_000, stoppedAt: Number(started['startedAt']) + 90 * minute });
    expect(harness.engine.stopOverdueSessions()).toBe(0);
    const topup = await harness.call('WASH-01-K1', { op: 'topup', request: { id: id('top'), client: { plate: 'O001OO99' }, amount: 600_000, method: 'cash' } });
    expect(topup).toMatchObject({ result: 'approved', balance: 60_000 });
    // The guest comes back: a repeat visitor by plate.
    expect(await harness.call('WASH-01-B2', startSession({ plate: 'O 001 OO 99' }))).toMatchObject({ result: 'approved', rate: 3_000, client: { id: 'guest-O001OO99', visits: 2 } });
  });

  it('the board lists the site’s open sessions with their running cost, and only that site’s', async () => {
    const harness = await start();
    await harness.call('WASH-01-B1', startSession({ plate: 'A123BC77' }));
    harness.clock.advance(2 * minute);
    await harness.call('WASH-01-B2', startSession({ plate: 'B456OP99' }));
    harness.clock.advance(3 * minute + 1);
    const board = await harness.call('WASH-01-K1', { op: 'sessions', request: { id: id('board') } });
    expect(board['sessions']).toMatchObject([
      { client: 'ivanova', plate: 'A123BC77', member: true, rate: 2_500, terminal: 'WASH-01-B1', minutes: 6, amount: 15_000, elapsedMs: 5 * minute + 1 },
      { client: 'petrov', plate: 'B456OP99', member: false, rate: 3_000, terminal: 'WASH-01-B2', minutes: 4, amount: 12_000, elapsedMs: 3 * minute + 1 },
    ]);
    expect((await harness.call('MSK-01-POS1', { op: 'sessions', request: { id: id('board') } }))['sessions']).toEqual([]);
  });
});
