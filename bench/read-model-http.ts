// The feed search through HTTP: the transactions routes (those of `apiRoutes` under
// /api/v1/transactions) mounted on a uWS server on a free port through the API router, with an
// authenticator that always gives the network's owner; searched with `GET /api/v1/transactions?…`
// end to end (Node's fetch, keep-alive). The floor: a route of the same router on the same server
// answering one operation by its primary key over the same pool (HTTP + router + one round trip).

import type pg from 'pg';
import uWS from 'uWebSockets.js';
import type { us_listen_socket } from 'uWebSockets.js';
import { z } from '../engine/index.js';
import type { Engine, Principal } from '../engine/index.js';
import { readModelSchema } from '../engine/testing/index.js';
import { apiRoutes, mountApi, route } from '../gateways/index.js';
import type { FeedFilter, FeedRow, FeedSearch } from './read-model-feed.js';
import type { Found } from './postgres.js';

export interface HttpFeed {
  search: FeedSearch;
  /** The HTTP floor: one operation by position through the same server. */
  floor: (position: number) => Promise<number>;
  close(): Promise<void>;
}

/** An operation as GET /api/v1/transactions answers it (what the bench checks). */
interface OperationItem {
  reference: string;
  txId: string | null;
  result: string;
  position: number;
  at: string;
  card: string | null;
  counterparty: string | null;
  site: string | null;
  terminal: string | null;
}

export const floorPath = '/api/v1/bench/operations/:position';

/** A seeded card by its hash: its full number (what the API's card filter takes) and its masked form (what it answers). */
export type CardOf = (hash: string) => { number: string; masked: string } | undefined;

export async function startHttpFeed(engine: Engine, pool: pg.Pool, network: string, cardOf: CardOf): Promise<Found<HttpFeed>> {
  const routes = apiRoutes({ engine, database: pool, security: undefined }).filter((candidate) => candidate.path === '/api/v1/transactions' || candidate.path.startsWith('/api/v1/transactions/'));
  if (!routes.some((candidate) => candidate.path === '/api/v1/transactions' && candidate.method === 'get')) {
    return { ok: false, reason: 'no GET /api/v1/transactions among the API routes on this version' };
  }
  const floorRoute = route({
    method: 'get',
    path: floorPath,
    summary: 'One operation by its position (the bench floor)',
    tag: 'bench',
    action: 'transactions.read',
    response: z.object({ rows: z.number().int() }),
    handle: async (request) => {
      const { rows } = await pool.query(`SELECT * FROM ${readModelSchema}.operations WHERE position = $1`, [Number(request.params['position'])]);
      return { body: { rows: rows.length } };
    },
  });
  const owner: Principal = { kind: 'apikey', id: 'bench', network, role: 'owner', sites: 'all' };
  const app = uWS.App();
  mountApi(app, [...routes, floorRoute], { authenticators: [() => owner] });
  const socket = await new Promise<us_listen_socket>((resolve, reject) => app.listen('127.0.0.1', 0, (listen) => (listen ? resolve(listen) : reject(new Error('no free port')))));
  const base = `http://127.0.0.1:${uWS.us_socket_local_port(socket)}`;

  const get = async (path: string): Promise<unknown> => {
    const response = await fetch(`${base}${path}`, { headers: { authorization: 'Bearer bench' } });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`GET ${path.split('?')[0] ?? path} answered ${response.status}: ${text.slice(0, 200)}`);
    return JSON.parse(text) as unknown;
  };

  const search: FeedSearch = async (filter, cursor) => {
    const query = queryOf(filter, cardOf);
    if (cursor !== undefined) query.set('cursor', cursor);
    const page = (await get(`/api/v1/transactions?${query.toString()}`)) as { items: OperationItem[]; next: string | null };
    const rows: FeedRow[] = page.items.map((item) => ({
      position: item.position,
      at: Date.parse(item.at),
      result: item.result,
      reference: item.reference,
      tx_id: item.txId,
      // The API answers the masked number, never the hash: a row of the card searched shows its masked number.
      card_hash: filter.cardHash !== undefined && item.card !== null && item.card === cardOf(filter.cardHash)?.masked ? filter.cardHash : item.card,
      counterparty: item.counterparty,
      site: item.site,
      terminal: item.terminal,
    }));
    return { rows, ...(page.next !== null ? { next: page.next } : {}) };
  };
  const floor = async (position: number): Promise<number> => ((await get(floorPath.replace(':position', String(position)))) as { rows: number }).rows;
  return {
    ok: true,
    value: {
      search,
      floor,
      close: () => {
        uWS.us_listen_socket_close(socket);
        return Promise.resolve();
      },
    },
  };
}

function queryOf(filter: FeedFilter, cardOf: CardOf): URLSearchParams {
  const query = new URLSearchParams();
  if (filter.cardHash !== undefined) query.set('card', cardOf(filter.cardHash)?.number ?? '');
  if (filter.counterparty !== undefined) query.set('counterparty', filter.counterparty);
  if (filter.site !== undefined) query.set('site', filter.site);
  if (filter.terminal !== undefined) query.set('terminal', filter.terminal);
  if (filter.reference !== undefined) query.set('tx', filter.reference);
  if (filter.result !== undefined) query.set('result', filter.result);
  if (filter.from !== undefined) query.set('from', new Date(filter.from).toISOString());
  if (filter.to !== undefined) query.set('to', new Date(filter.to).toISOString());
  return query;
}
