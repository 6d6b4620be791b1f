// What actors need from the engine around them, passed in once (no globals).

import type { Clock } from '../clock.js';
import type { CardKeys } from '../card-identity.js';
import type { Catalogs } from '../network/catalogs.js';
import type { LmdbStore } from '../store/lmdb-store.js';
import type { ActorRegistry } from './registry.js';

export interface ActorDeps {
  store: LmdbStore;
  clock: Clock;
  cardKeys: CardKeys;
  catalogs: Catalogs;
  registry: ActorRegistry;
}
