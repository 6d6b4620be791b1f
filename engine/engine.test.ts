import { afterEach, describe, expect, it } from 'vitest';
import { demoCards, demoNetwork, demoPins } from './demo/demo-network.js';
import type { Harness } from './testing/engine-harness.js';
import { openHarness } from './testing/engine-harness.js';

const open: Harness[] = [];
async function start(): Promise<Harness> {
  const harness = openHarness();
  open.push(harness);
  await harness.engine.import(demoNetwork());
  return harness;
}
afterEach(async () => {
  for (const harness of open.splice(0)) await harness.close().catch(() => undefined);
});

const authorize = (id: string, volume = 40_000) => ({ op: 'authorize' as const, request: { id, card: demoCards.fleet, pin: demoPins.fleet ?? '', product: 'AI95', volume } });
const inquire = (id: string) => ({ op: 'inquire' as const, request: { id, card: demoCards.fleet, pin: demoPins.fleet ?? '' } });
const waitFor = async (condition: () => boolean): Promise<void> => {
  for (let attempt = 0; attempt < 200 && !condition(); attempt++) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(condition()).toBe(true);
};

describe('holds expire exactly once', () => {
  it('releases an uncompleted hold at its timeout, and a late completion is AUTH_EXPIRED', async () => {
    const harness = await start();
    const before = await harness.call('MSK-01-P1', inquire('i0'));
    const approval = await harness.call('MSK-01-P1', authorize('a1'));
    expect(approval.result).toBe('approved');
    harness.clock.advance(29 * 60_000);
    expect(harness.engine.expireDueHolds()).toBe(0);
    harness.clock.advance(60_000);
    expect(harness.engine.expireDueHolds()).toBe(1);
    await waitFor(() => harness.events.some((event) => event.event.type === 'expired'));
    expect(harness.engine.expireDueHolds()).toBe(0);
    const after = await harness.call('MSK-01-P1', inquire('i1'));
    expect(after['balance']).toBe(before['balance']);
    const late = await harness.call('MSK-01-P1', { op: 'complete', request: { id: 'c1', authId: String(approval['authId']), volume: 1000 } });
    expect(late).toMatchObject({ result: 'declined', reason: 'AUTH_EXPIRED' });
    expect(harness.events.filter((event) => event.event.type === 'expired')).toHaveLength(1);
  });

  it('expires a hold across a restart, once', async () => {
    const harness = await start();
    const approval = await harness.call('MSK-01-P1', authorize('a1'));
    const held = await harness.call('MSK-01-P1', inquire('i0'));
    const restarted = await harness.restart();
    open.push(restarted);
    restarted.clock.advance(31 * 60_000);
    expect(restarted.engine.expireDueHolds()).toBe(1);
    await waitFor(() => restarted.events.some((event) => event.event.type === 'expired'));
    const after = await restarted.call('MSK-01-P1', inquire('i1'));
    expect(after['balance']).toBe(Number(held['balance']) + Number(approval['approvedAmount']));
    const again = await restarted.restart();
    open.push(again);
    expect(again.engine.expireDueHolds()).toBe(0);
  });
});

describe('actors are passivated and recovered lazily', () => {
  it('stops idle actors once their writes are flushed and recovers their state on the next message', async () => {
    const harness = await start();
    const approval = await harness.call('MSK-01-P1', authorize('a1'));
    await harness.call('MSK-01-P1', { op: 'complete', request: { id: 'c1', authId: String(approval['authId']), volume: 20_000 } });
    const before = await harness.call('MSK-01-P1', inquire('i0'));
    expect(harness.engine.registry.liveActors).toBeGreaterThan(0);
    harness.clock.advance(10 * 60_000);
    harness.engine.registry.passivateIdle(5 * 60_000); // marks
    await harness.engine.store.flushed();
    harness.engine.registry.passivateIdle(5 * 60_000); // stops
    expect(harness.engine.registry.liveActors).toBe(0);
    const after = await harness.call('MSK-01-P1', inquire('i1'));
    expect(after).toEqual({ ...before, id: 'i1' });
    const repeat = await harness.call('MSK-01-P1', authorize('a1'));
    expect(repeat).toEqual(approval);
  });
});

describe('idempotency survives a restart', () => {
  it('answers a repeat after a restart with the first reply and changes nothing', async () => {
    const harness = await start();
    const approval = await harness.call('MSK-01-P1', authorize('a1'));
    const restarted = await harness.restart();
    open.push(restarted);
    restarted.clock.advance(24 * 60 * 60_000);
    const before = await restarted.call('MSK-01-P1', inquire('i0'));
    expect(await restarted.call('MSK-01-P1', authorize('a1'))).toEqual(approval);
    expect(await restarted.call('MSK-01-P1', authorize('a1', 1_000))).toMatchObject({ result: 'declined', reason: 'DUPLICATE_ID_MISMATCH' });
    expect(await restarted.call('MSK-01-P1', inquire('i1'))).toEqual({ ...before, id: 'i1' });
  });
});

describe('requests in flight are bounded', () => {
  it('answers UNAVAILABLE past the bound, changes nothing, and takes the retry once there is room', async () => {
    const harness = openHarness({ requestsInFlightMax: 2 });
    open.push(harness);
    await harness.engine.import(demoNetwork());
    const replies = await Promise.all([harness.call('MSK-01-P1', authorize('a1')), harness.call('MSK-01-P2', authorize('a2')), harness.call('MSK-01-P3', authorize('a3'))]);
    expect(replies.map((reply) => reply.result)).toEqual(['approved', 'approved', 'error']);
    expect(replies[2]).toMatchObject({ id: 'a3', reason: 'UNAVAILABLE' });
    const retry = await harness.call('MSK-01-P3', authorize('a3'));
    expect(retry.result).toBe('approved');
    expect(harness.events.filter((event) => event.event.type === 'authorized')).toHaveLength(3);
  });
});
