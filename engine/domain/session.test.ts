// A client's wash sessions (session.ts) with a simulated clock: started minutes billed up, the
// tariff's minimum, member and guest rates, one open session per client, the automatic stop billed
// up to the maximum, guests registered once, and a charge kept pending until the account confirms.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { testCatalog, mondayNoon } from '../testing/fixtures.js';
import type { SessionClient, SessionCommand, SessionDecision, SessionState } from './session.js';
import { billedMinutes, decideSession, decodeSessionSnapshot, encodeSessionSnapshot, evolveSession, initialSessionState, rateFor, runningCost } from './session.js';

const minute = 60_000;
const catalog = testCatalog({
  tariffs: [
    { code: 'STD', name: 'Self-service', perMinute: 3_000, perMinuteMember: 2_500, minimumMinutes: 4 },
    { code: 'FLAT', name: 'One price', perMinute: 1_000 },
    { code: 'PRO', name: 'With a master', perMinute: 6_000, perMinuteMember: 5_000, minimumMinutes: 10, maximumMinutes: 90, sites: ['S1'] },
  ],
});
const member: SessionClient = { id: 'ivanova', name: 'Иванова', member: true, plate: 'A123BC77', guest: false };
const guest: SessionClient = { id: 'guest-E777KX199', name: 'E777KX199', member: false, plate: 'E777KX199', guest: true };

class Sessions {
  state: SessionState = initialSessionState();
  readonly events: SessionDecision['events'] = [];

  constructor(readonly client: SessionClient = member) {}

  run(command: SessionCommand, now: number): SessionDecision {
    const decision = decideSession(this.state, { key: `sess:n:${this.client.id}`, networkId: 'n', clientId: this.client.id, catalog }, command, now);
    for (const event of decision.events) {
      this.state = evolveSession(this.state, event);
      this.events.push(event);
    }
    return decision;
  }

  start(tariff = 'STD', now = mondayNoon, site = 'S1'): SessionDecision {
    return this.run({ type: 'start', client: this.client, tariff, site, terminal: 'T1' }, now);
  }

  stop(now: number, sessionNumber?: number): SessionDecision {
    return this.run({ type: 'stop', terminal: 'T1', ...(sessionNumber !== undefined ? { sessionNumber } : {}) }, now);
  }
}

const reasonOf = (decision: SessionDecision): string => (decision.outcome.result === 'approved' ? 'OK' : decision.outcome.reason);
const fieldsOf = (decision: SessionDecision): Record<string, unknown> => {
  if (decision.outcome.result !== 'approved') throw new Error(JSON.stringify(decision.outcome));
  return decision.outcome.fields;
};

describe('billing', () => {
  it('every started minute counts, at least the minimum', () => {
    const table: [number, number, number][] = [
      // elapsed ms, minimum, billed minutes
      [0, 0, 0],
      [1, 0, 1],
      [minute - 1, 0, 1],
      [minute, 0, 1],
      [minute + 1, 0, 2],
      [3 * minute, 4, 4],
      [4 * minute + 1, 4, 5],
      [59 * minute + 59_999, 10, 60],
    ];
    for (const [elapsed, minimum, minutes] of table) expect(billedMinutes(mondayNoon, mondayNoon + elapsed, minimum), `${elapsed} ms`).toBe(minutes);
    expect(billedMinutes(mondayNoon, mondayNoon - 5 * minute, 4)).toBe(4); // a clock behind the start bills the minimum
  });

  it('property: minutes × rate, never less than the time used nor the minimum, never a minute more than started', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 24 * 60 * minute }), fc.integer({ min: 0, max: 120 }), fc.integer({ min: 0, max: 100_000 }), (elapsed, minimum, rate) => {
        const minutes = billedMinutes(mondayNoon, mondayNoon + elapsed, minimum);
        expect(minutes).toBeGreaterThanOrEqual(minimum);
        expect(minutes * minute).toBeGreaterThanOrEqual(elapsed);
        if (minutes > minimum) expect((minutes - 1) * minute).toBeLessThan(elapsed);
        expect(runningCost({ startedAt: mondayNoon, rate, minimumMinutes: minimum }, mondayNoon + elapsed)).toEqual({ elapsedMs: elapsed, minutes, amount: minutes * rate });
      }),
    );
  });

  it('club members pay the member rate where the tariff has one; guests and tariffs without one the full rate', () => {
    const tariffs = catalog.tariffs;
    expect(rateFor(tariffs.get('STD') ?? never(), true)).toBe(2_500);
    expect(rateFor(tariffs.get('STD') ?? never(), false)).toBe(3_000);
    expect(rateFor(tariffs.get('FLAT') ?? never(), true)).toBe(1_000);
  });
});

function never(): never {
  throw new Error('missing fixture');
}

describe('a session from start to stop', () => {
  it('starts at the member rate, stops billing 7 started minutes, and hands the charge to the account', () => {
    const sessions = new Sessions();
    const started = sessions.start();
    expect(fieldsOf(started)).toEqual({
      sessionId: expect.any(String) as string,
      startedAt: mondayNoon,
      rate: 2_500,
      tariff: 'STD',
      minimumMinutes: 4,
      maximumMinutes: 180,
      client: { id: 'ivanova', name: 'Иванова', member: true, visits: 1, plate: 'A123BC77' },
    });
    const stopped = sessions.stop(mondayNoon + 6 * minute + 30_000);
    expect(fieldsOf(stopped)).toMatchObject({ minutes: 7, rate: 2_500, amount: 17_500, startedAt: mondayNoon, stoppedAt: mondayNoon + 6 * minute + 30_000 });
    expect(stopped.charge).toMatchObject({ number: 1, amount: 17_500, minutes: 7, tariff: 'STD', site: 'S1' });
    expect(sessions.state.open).toBeUndefined();
    expect([...sessions.state.pending.keys()]).toEqual([1]);
    // The account confirms: the charge is no longer pending.
    sessions.run({ type: 'settled', sessionNumber: 1, amount: 17_500 }, mondayNoon + 7 * minute);
    expect(sessions.state.pending.size).toBe(0);
    expect(sessions.events.map((event) => event.type)).toEqual(['session.started', 'session.stopped', 'session.settled']);
  });

  it('one open session per client; a stop with nothing open is SESSION_NOT_FOUND', () => {
    const sessions = new Sessions();
    expect(reasonOf(sessions.stop(mondayNoon))).toBe('SESSION_NOT_FOUND');
    sessions.start();
    const again = sessions.start('FLAT', mondayNoon + minute);
    expect(again.outcome).toMatchObject({ result: 'declined', reason: 'SESSION_ALREADY_OPEN', fields: { sessionId: sessions.state.open?.sessionId } });
    expect(again.events).toEqual([]);
    expect(reasonOf(sessions.stop(mondayNoon + minute, 2))).toBe('SESSION_NOT_FOUND'); // another session's number
    expect(reasonOf(sessions.stop(mondayNoon + minute, 1))).toBe('OK');
    expect(fieldsOf(sessions.start('FLAT', mondayNoon + 2 * minute))).toMatchObject({ client: { visits: 2 } });
  });

  it('an unknown tariff, or one not offered at the site, is TARIFF_UNKNOWN and changes nothing', () => {
    const sessions = new Sessions(guest);
    expect(reasonOf(sessions.start('NOPE'))).toBe('TARIFF_UNKNOWN');
    expect(reasonOf(sessions.start('PRO', mondayNoon, 'S2'))).toBe('TARIFF_UNKNOWN');
    expect(sessions.events).toEqual([]);
    expect(sessions.state.registered).toBe(false);
  });

  it('a guest is registered at the first start only, and a repeat visit counts', () => {
    const sessions = new Sessions(guest);
    sessions.start();
    sessions.stop(mondayNoon + minute);
    const second = sessions.start('STD', mondayNoon + 2 * minute);
    expect(fieldsOf(second)).toMatchObject({ rate: 3_000, client: { id: 'guest-E777KX199', member: false, visits: 2 } });
    expect(sessions.events.filter((event) => event.type === 'guest.registered')).toEqual([{ type: 'guest.registered', network: 'n', client: 'guest-E777KX199', plate: 'E777KX199', name: 'E777KX199', at: mondayNoon }]);
  });

  it('stops automatically past the maximum, billed up to the maximum and flagged, not before it is due', () => {
    const sessions = new Sessions();
    sessions.start('PRO');
    expect(reasonOf(sessions.run({ type: 'autostop', sessionNumber: 1 }, mondayNoon + 90 * minute - 1))).toBe('SESSION_NOT_FOUND');
    const stopped = sessions.run({ type: 'autostop', sessionNumber: 1 }, mondayNoon + 130 * minute);
    expect(fieldsOf(stopped)).toMatchObject({ minutes: 90, amount: 90 * 5_000, stoppedAt: mondayNoon + 90 * minute });
    expect(stopped.events).toMatchObject([{ type: 'session.stopped', auto: true, at: mondayNoon + 130 * minute, comments: [{ text: 'stopped automatically after 90 minutes' }] }]);
    // A second request for the same session changes nothing.
    expect(reasonOf(sessions.run({ type: 'autostop', sessionNumber: 1 }, mondayNoon + 131 * minute))).toBe('SESSION_NOT_FOUND');
  });

  it('the same stop request again (its reply lost in a crash) hands the same charge again; another request finds nothing open', () => {
    const sessions = new Sessions();
    sessions.start();
    const request = { terminal: 'T1', id: 'stop-1' };
    const first = sessions.run({ type: 'stop', terminal: 'T1', request }, mondayNoon + 5 * minute);
    const retry = sessions.run({ type: 'stop', terminal: 'T1', request }, mondayNoon + 9 * minute);
    expect(retry.events).toEqual([]);
    expect(retry.charge).toEqual(first.charge);
    expect(fieldsOf(retry)).toEqual(fieldsOf(first));
    expect(reasonOf(sessions.run({ type: 'stop', terminal: 'T1', sessionNumber: 1, request: { terminal: 'T1', id: 'stop-2' } }, mondayNoon + 9 * minute))).toBe('SESSION_NOT_FOUND');
    // Also once the account confirmed the charge (it answers a repeat with the balance as it is).
    sessions.run({ type: 'settled', sessionNumber: 1, amount: 12_500 }, mondayNoon + 10 * minute);
    expect(sessions.run({ type: 'stop', terminal: 'T1', request }, mondayNoon + 11 * minute).charge).toEqual(first.charge);
  });

  it('comments at start and stop are kept on the session', () => {
    const sessions = new Sessions();
    sessions.run({ type: 'start', client: member, tariff: 'STD', site: 'S1', terminal: 'T1', comment: 'колёса' }, mondayNoon);
    const stopped = sessions.run({ type: 'stop', terminal: 'T2', comment: 'всё чисто' }, mondayNoon + minute);
    expect(stopped.events).toMatchObject([{ type: 'session.stopped', terminal: 'T2', comments: [{ at: mondayNoon, text: 'колёса' }, { at: mondayNoon + minute, text: 'всё чисто' }] }]);
  });

  it('an open session and pending charges survive a snapshot round trip', () => {
    const sessions = new Sessions();
    sessions.start();
    sessions.stop(mondayNoon + minute);
    sessions.start('FLAT', mondayNoon + 2 * minute);
    const copy = decodeSessionSnapshot(JSON.parse(JSON.stringify(encodeSessionSnapshot(sessions.state))) as ReturnType<typeof encodeSessionSnapshot>);
    expect(copy).toEqual(sessions.state);
  });
});
