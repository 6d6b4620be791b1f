// The engine's management writes: changes made at the same time through `update` are all kept (the
// read of the current catalog and the import are one task of the queue), a removal through the
// whole catalog removes, and `changeCard` changes one card by its keyed hash, checks it against the
// catalog, and journals `card.changed` without the number.

import { afterEach, describe, expect, it } from 'vitest';
import { demoCards, demoNetwork } from './demo/demo-network.js';
import { ImportError } from './network/import.js';
import type { Harness } from './testing/engine-harness.js';
import { openHarness } from './testing/engine-harness.js';

const network = 'sever';
let harness: Harness;

afterEach(async () => {
  await harness.close();
});

async function opened(): Promise<Harness> {
  harness = openHarness({ alerts: false });
  await harness.engine.import(demoNetwork());
  return harness;
}

describe('management writes', () => {
  it('keeps every one of concurrent catalog changes, and removes a section left out', async () => {
    const { engine } = await opened();
    const addSite = (id: string): Promise<unknown> =>
      engine.update(network, (catalog) => ({ document: { ...catalog, sites: [...(catalog.sites ?? []), { id, name: id, kind: 'shop', terminals: [] }] }, result: id }));
    await Promise.all([addSite('NEW-A'), addSite('NEW-B'), addSite('NEW-C')]);
    expect((engine.catalogOf(network)?.sites ?? []).map((site) => site.id).slice(-3).sort()).toEqual(['NEW-A', 'NEW-B', 'NEW-C']);
    await engine.update(network, ({ bonus: _bonus, ...catalog }) => ({ document: catalog, result: undefined }));
    expect(engine.catalogOf(network)?.bonus).toBeUndefined();
    await expect(engine.update(network, (catalog) => ({ document: { ...catalog, prices: [{ product: 'NOPE', price: 1 }] }, result: undefined }))).rejects.toBeInstanceOf(ImportError);
    expect(await engine.update('nowhere', (catalog) => ({ document: catalog, result: undefined }))).toBeUndefined();
  });

  it('changes one card by its hash, checked against the catalog, journalled without the number', async () => {
    const { engine, events } = await opened();
    const { hash } = engine.identifyCard(network, demoCards.small);
    const blocked = await engine.changeCard(network, hash, { status: 'blocked', expires: '2031-01' });
    expect(blocked).toMatchObject({ id: hash, status: 'blocked', expires: '2031-01', counterparty: 'kuznetsov', pin: false });
    const changed = events.filter((event) => event.event.type === 'card.changed');
    expect(changed).toHaveLength(1);
    expect(changed[0]?.event).toMatchObject({ network, cardHash: hash, status: 'blocked', expires: '2031-01' });
    expect(JSON.stringify(changed)).not.toContain(demoCards.small);
    // The same change again writes nothing.
    await engine.changeCard(network, hash, { status: 'blocked' });
    expect(events.filter((event) => event.event.type === 'card.changed')).toHaveLength(1);
    await expect(engine.changeCard(network, hash, { restrictions: { sites: ['NOPE'] } })).rejects.toThrow('restrictions.sites: unknown site "NOPE"');
    expect(await engine.changeCard(network, 'unknown-hash', { status: 'active' })).toBeUndefined();
    expect((await engine.changeCard(network, hash, { expires: null }))?.expires).toBeUndefined();
  });
});
