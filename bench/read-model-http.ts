// The feed search through HTTP: the transactions routes mounted on a uWS server on a free port with
// a fixed-principal authenticator (the network's owner), searched with `GET /api/v1/transactions?…`
// end to end; the floor is the same server answering a trivial route.

import type pg from 'pg';
import type { Engine } from '../engine/index.js';
import type { FeedSearch } from './read-model-feed.js';
import type { Found } from './postgres.js';

export interface HttpFeed {
  search: FeedSearch;
  /** The HTTP floor: one operation by position through the same server. */
  floor: (position: number) => Promise<number>;
  close(): Promise<void>;
}

export function startHttpFeed(_engine: Engine, _pool: pg.Pool, _network: string): Promise<Found<HttpFeed>> {
  return Promise.resolve({ ok: false, reason: 'the transactions routes (gateways/http/api/routes/transactions.ts) are not on main yet' });
}
