// A live viewer receives only what its role, sites and client binding allow: the engine's own
// committed events (an authorisation at MSK-01, a wash session at WASH-01, an audit entry) filtered
// through the permission matrix.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoCards, demoNetwork, demoPins } from '../demo/demo-network.js';
import type { Harness } from '../testing/engine-harness.js';
import { openHarness } from '../testing/engine-harness.js';
import { mayReceive, ownerOfKey, scopeOfEvent } from './event-scope.js';
import type { Principal, Role } from './principal.js';
import { AuditLog } from './audit.js';

const network = 'sever';
const viewer = (role: Role, extra: Partial<Principal> = {}): Principal => ({ kind: 'user', id: `u-${role}`, network, role, sites: 'all', ...extra });

describe('events a live viewer may receive', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = openHarness();
    await harness.engine.import(demoNetwork());
    expect(await harness.call('MSK-01-P1', { op: 'authorize', request: { id: 'a1', card: demoCards.fleet, pin: demoPins.fleet ?? '', product: 'AI95', volume: 10_000 } })).toMatchObject({ result: 'approved' });
    expect(await harness.call('WASH-01-K1', { op: 'session.start', request: { id: 'w1', client: { qr: 'QR-IVANOVA-01' }, tariff: 'WASH-STD' } })).toMatchObject({ result: 'approved' });
    new AuditLog(harness.engine.store, () => harness.clock.now()).record({ network, kind: 'change', action: 'prices.write', actor: { kind: 'system', id: 'test' }, outcome: 'ok' });
    await harness.engine.store.flushed();
  });
  afterAll(() => harness.close());

  const received = (principal: Principal): string[] => {
    const siteOf = (terminal: string): string | undefined => harness.engine.catalogs.terminal(terminal)?.siteId;
    return [...harness.engine.store.feedAfter(0)].filter((event) => mayReceive(principal, event, siteOf)).map((event) => event.event.type);
  };

  it('maps keys to owners and events to their scope', () => {
    expect(ownerOfKey('acct:sever:cp:logistic-trade')).toEqual({ kind: 'counterparty', id: 'logistic-trade' });
    expect(ownerOfKey('sess:sever:ivanova')).toEqual({ kind: 'client', id: 'ivanova' });
    expect(ownerOfKey('card:sever:abc')).toBeUndefined();
    const authorized = [...harness.engine.store.feedAfter(0)].find((event) => event.event.type === 'authorized');
    expect(authorized && scopeOfEvent(authorized, () => undefined)).toEqual({ network, site: 'MSK-01', owner: { kind: 'counterparty', id: 'logistic-trade' } });
  });

  it('staff see their sites, clients their own operations, the audit its readers only', () => {
    expect(received(viewer('owner'))).toEqual(expect.arrayContaining(['authorized', 'session.started', 'audit', 'network.imported']));
    // A network-wide event (an import) names no site: a viewer scoped to sites does not get it.
    expect(received(viewer('operator', { sites: ['MSK-01'] }))).toEqual(['authorized']);
    expect(received(viewer('operator', { sites: ['TVR-01'] }))).toEqual([]);
    expect(received(viewer('attendant', { sites: ['WASH-01'] }))).toEqual(['session.started']);
    expect(received(viewer('client', { owner: { kind: 'counterparty', id: 'logistic-trade' } }))).toEqual(['authorized']);
    expect(received(viewer('client', { owner: { kind: 'client', id: 'ivanova' } }))).toEqual(['session.started']);
    expect(received(viewer('client', { owner: { kind: 'counterparty', id: 'kuznetsov' } }))).toEqual([]);
    expect(received(viewer('admin', { network: 'other' }))).toEqual([]);
  });
});
