// The store's in-memory cache of reference kinds read on every request: a write is read back at
// once (before its commit), a removal too, the cache is bounded (a forgotten record is read from
// LMDB again), and kinds not cached are read from LMDB as before.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LmdbStore } from './lmdb-store.js';

const dirs: string[] = [];
const stores: LmdbStore[] = [];

function openStore(dir: string, cachedMax: number): LmdbStore {
  const store = new LmdbStore({ path: join(dir, 'engine.lmdb'), onFatal: (error) => expect.fail(String(error)), cachedReferenceKinds: ['card'], referencesCachedMax: cachedMax });
  stores.push(store);
  return store;
}

afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('reference cache', () => {
  it('reads a cached kind as written, before the commit, and a removal as absent', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-refcache-'));
    dirs.push(dir);
    const store = openStore(dir, 10);
    expect(store.getReference('card', 'n:a')).toBeUndefined();
    store.putReference('card', 'n:a', { status: 'active' });
    expect(store.getReference('card', 'n:a')).toEqual({ status: 'active' });
    expect(store.hasReference('card', 'n:a')).toBe(true);
    store.putReference('card', 'n:a', { status: 'blocked' });
    expect(store.getReference('card', 'n:a')).toEqual({ status: 'blocked' });
    await store.flushed();
    store.removeReference('card', 'n:a');
    expect(store.getReference('card', 'n:a')).toBeUndefined();
    expect(store.hasReference('card', 'n:a')).toBe(false);
    await store.flushed();
    expect(store.getReference('card', 'n:a')).toBeUndefined();
  });

  it('forgets the oldest past its bound and reads it back from LMDB; other kinds are not cached', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-refcache-'));
    dirs.push(dir);
    const store = openStore(dir, 2);
    store.putReference('card', 'n:1', { n: 1 });
    store.putReference('card', 'n:2', { n: 2 });
    store.putReference('card', 'n:3', { n: 3 });
    store.putReference('account', 'acct:1', { a: 1 });
    // Not cached and not yet committed: LMDB does not show it.
    expect(store.getReference('account', 'acct:1')).toBeUndefined();
    await store.flushed();
    expect(store.getReference('account', 'acct:1')).toEqual({ a: 1 });
    for (const n of [1, 2, 3]) expect(store.getReference('card', `n:${n}`)).toEqual({ n });

    // A store opened again on the same file reads what the first one wrote.
    await store.close();
    stores.splice(stores.indexOf(store), 1);
    const again = openStore(dir, 2);
    expect(again.getReference('card', 'n:1')).toEqual({ n: 1 });
    expect(again.hasReference('card', 'n:3')).toBe(true);
  });
});
