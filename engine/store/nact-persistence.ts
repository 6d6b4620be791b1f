// nact's persistence engine over the LMDB store: persistent actors journal their events under their
// key with a sequence number, take snapshots, and recover from snapshot + later events. Reads are
// synchronous (memory-mapped); `persist` issues the write at once. Durability is followed per commit
// by the store (`afterFlush`): a reply waits for the flush there, not on these promises.

import type { EventStream as NactEventStream, PersistedEvent, PersistedSnapshot, PersistenceEngine } from 'nact';
import type { Clock } from '../clock.js';
import type { LmdbStore, StoredEvent } from './lmdb-store.js';

interface EventStream {
  then: Promise<PersistedEvent[]>['then'];
  reduce<U>(reducer: (previous: U, event: PersistedEvent, index: number) => U, initial: U): Promise<U>;
}

/** What nact awaits after a write is issued (a failed commit is fatal in the store, not here). */
const issued: Promise<void> = Promise.resolve();

export class LmdbPersistenceEngine implements PersistenceEngine {
  constructor(
    private readonly store: LmdbStore,
    private readonly clock: Clock,
  ) {}

  events(persistenceKey: string, offset = 0): NactEventStream {
    const read = (): PersistedEvent[] => {
      const list: PersistedEvent[] = [];
      for (const { seq, event } of this.store.eventsOf(persistenceKey, offset)) {
        list.push({ data: event.data, sequenceNumber: seq, key: persistenceKey, createdAt: event.at, isDeleted: false, tags: [] });
      }
      return list;
    };
    const stream: EventStream = {
      then: (onFulfilled, onRejected) => Promise.resolve(read()).then(onFulfilled, onRejected),
      reduce: <U>(reducer: (previous: U, event: PersistedEvent, index: number) => U, initial: U): Promise<U> => {
        let accumulator = initial;
        let index = 0;
        for (const event of read()) accumulator = reducer(accumulator, event, index++);
        return Promise.resolve(accumulator);
      },
    };
    return stream as unknown as NactEventStream;
  }

  latestSnapshot(persistenceKey: string): Promise<PersistedSnapshot> {
    const stored = this.store.snapshot(persistenceKey);
    // nact treats a missing snapshot as "start from the initial state".
    return Promise.resolve(
      (stored ? { data: stored.data, sequenceNumber: stored.seq, key: persistenceKey, createdAt: stored.at } : undefined) as unknown as PersistedSnapshot,
    );
  }

  takeSnapshot(snapshot: PersistedSnapshot): Promise<void> {
    this.store.saveSnapshot(snapshot.key, snapshot.sequenceNumber, snapshot.data, this.clock.now());
    return issued;
  }

  persist(event: PersistedEvent): Promise<void> {
    const data = event.data as StoredEvent['data'];
    this.store.append(event.key, event.sequenceNumber, data, typeof data['at'] === 'number' ? data['at'] : this.clock.now());
    return issued;
  }
}
