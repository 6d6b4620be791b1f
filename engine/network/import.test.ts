import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Engine } from '../engine.js';
import { SimulatedClock } from '../clock.js';
import { demoCards, demoNetwork } from '../demo/demo-network.js';
import { networkDocumentSchema, networkJsonSchema } from './schema.js';
import { ImportError } from './import.js';
import { splitDocument } from '../cli/import-command.js';
import type { NetworkDocument } from './schema.js';

const engines: Engine[] = [];
function newEngine(): Engine {
  const engine = new Engine({ dataDir: mkdtempSync(join(tmpdir(), 'tessera-import-')), clock: new SimulatedClock(Date.UTC(2026, 10, 23, 9)), schedulers: false });
  engines.push(engine);
  return engine;
}
afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.close();
});

describe('network import', () => {
  it('validates the demo document and publishes a current JSON Schema', () => {
    expect(networkDocumentSchema.safeParse(demoNetwork()).success).toBe(true);
    const published: unknown = JSON.parse(readFileSync(new URL('../../docs/network.schema.json', import.meta.url), 'utf8'));
    expect(published).toEqual(networkJsonSchema());
  });

  it('importing the same document twice changes nothing', async () => {
    const engine = newEngine();
    const first = await engine.import(demoNetwork());
    expect(first.created).toBeGreaterThan(0);
    const second = await engine.import(demoNetwork());
    expect(second).toMatchObject({ created: 0, updated: 0, catalogChanged: false });
    expect(second.unchanged).toBe(first.created);
  });

  it('never stores a card number or PIN, and keeps opening balances on re-import', async () => {
    const engine = newEngine();
    await engine.import(demoNetwork());
    const changed = demoNetwork();
    changed.counterparties = (changed.counterparties ?? []).map((counterparty) => ({ ...counterparty, account: { ...counterparty.account, balance: 1 } }));
    const summary = await engine.import(changed);
    expect(summary.updated).toBe(0);
    await engine.store.flushed();
    const raw = readFileSync(engine.store.path);
    expect(raw.includes(Buffer.from(demoCards.fleet))).toBe(false);
    expect(raw.includes(Buffer.concat([Buffer.from([0xa4]), Buffer.from('1234')]))).toBe(false); // the PIN as a msgpack string
  });

  it('refuses a document with broken references and changes nothing', async () => {
    const engine = newEngine();
    const document: NetworkDocument = { ...demoNetwork(), cards: [{ number: '7005999999999999', counterparty: 'nobody', status: 'active' }] };
    await expect(engine.import(document)).rejects.toBeInstanceOf(ImportError);
    await expect(engine.import(document)).rejects.toThrow(/cards\.0\.counterparty: unknown counterparty "nobody"/);
    expect(engine.catalogs.network('sever')).toBeUndefined();
  });

  it('errors name paths, never card numbers', async () => {
    const engine = newEngine();
    const document: NetworkDocument = { ...demoNetwork(), cards: [...(demoNetwork().cards ?? []), { number: demoCards.fleet, counterparty: 'kuznetsov', status: 'active' }] };
    const error = await engine.import(document).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ImportError);
    expect(String(error)).not.toContain(demoCards.fleet);
  });

  it('a large document split in parts imports to the same result as one document', async () => {
    const base = demoNetwork();
    const cards = Array.from({ length: 5_000 }, (_, index) => ({ number: `8000${String(index).padStart(12, '0')}`, counterparty: 'logistic-trade', status: 'active' as const }));
    const document: NetworkDocument = { ...base, cards: [...(base.cards ?? []), ...cards] };
    const parts = splitDocument(document, 1_000);
    expect(parts.length).toBeGreaterThan(5);
    const whole = newEngine();
    const inParts = newEngine();
    const one = await whole.import(document);
    let created = 0;
    for (const part of parts) created += (await inParts.import(part)).created;
    expect(created).toBe(one.created);
  });
});
