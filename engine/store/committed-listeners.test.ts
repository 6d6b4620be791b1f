// Committed listeners are notifications: one that throws is reported and does not stop the other
// listeners or the callbacks waiting on the same commit (the replies); one that stopped listening
// hears nothing more.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LmdbStore } from './lmdb-store.js';

const dirs: string[] = [];
const stores: LmdbStore[] = [];

function openStore(onListenerError: (error: unknown) => void): LmdbStore {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-listeners-'));
  dirs.push(dir);
  const store = new LmdbStore({ path: join(dir, 'engine.lmdb'), onFatal: (error) => expect.fail(String(error)), onListenerError });
  stores.push(store);
  return store;
}

afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('committed listeners', () => {
  it('a listener that throws is reported; the next listener and the commit callbacks still run', async () => {
    const reported: unknown[] = [];
    const store = openStore((error) => reported.push(error));
    const heard: number[] = [];
    store.onCommitted(() => {
      throw new Error('the bus is closed');
    });
    store.onCommitted((event) => heard.push(event.seq));
    let replied = false;
    store.append('card:a', 1, { type: 'card.used' }, 1_000);
    store.append('card:a', 2, { type: 'card.used' }, 1_001);
    store.afterFlush(() => {
      replied = true;
    });
    await store.flushed();
    await new Promise((resolve) => setImmediate(resolve));
    expect(replied).toBe(true);
    expect(heard).toEqual([1, 2]);
    expect(reported.map((error) => (error as Error).message)).toEqual(['the bus is closed', 'the bus is closed']);
  });

  it('a listener that stopped listening hears no later commit', async () => {
    const store = openStore((error) => expect.fail(String(error)));
    const heard: number[] = [];
    const stop = store.onCommitted((event) => heard.push(event.seq));
    store.append('card:a', 1, { type: 'card.used' }, 1_000);
    await store.flushed();
    stop();
    store.append('card:a', 2, { type: 'card.used' }, 1_001);
    await store.flushed();
    expect(heard).toEqual([1]);
  });
});
