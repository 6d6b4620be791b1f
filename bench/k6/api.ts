// k6: the transaction feed of the HTTP API at a constant arrival rate (open loop: k6 starts
// requests on schedule whether or not earlier ones have answered, so a slow server shows as latency,
// not as less load). Two scenarios side by side:
//   search — GET /api/v1/transactions with the filters people use (newest page, card, counterparty,
//            site + a week, terminal, tx id, declines), and every fourth one follows `next` a page on;
//   byId   — GET /api/v1/transactions/:id, one operation's card (lines, payments, returns).
// Values to search for come from the feed itself in `setup()` (the newest SAMPLE operations).
//
//   k6 run -e TESSERA_URL=http://127.0.0.1:8080 -e TESSERA_API_KEY=… -e RATE=200 -e DURATION=60s bench/k6/api.ts
//
// CARDS (comma-separated full card numbers) searches by full number (the server hashes it);
// without it, by the last four digits of the masked numbers seen. Thresholds: p(95) < 50 ms for each
// scenario, under 1 % failed requests, every check passing.

import { check, fail } from 'k6';
import http from 'k6/http';
import type { RefinedResponse, ResponseType } from 'k6/http';
import type { Options } from 'k6/options';

const base = __ENV['TESSERA_URL'] ?? 'http://127.0.0.1:8080';
const apiKey = __ENV['TESSERA_API_KEY'] ?? '';
const rate = Number(__ENV['RATE'] ?? '100');
const duration = __ENV['DURATION'] ?? '60s';
const sample = Number(__ENV['SAMPLE'] ?? '500');
const cards = (__ENV['CARDS'] ?? '').split(',').filter((card) => card !== '');

export const options: Options = {
  scenarios: {
    search: { executor: 'constant-arrival-rate', exec: 'search', rate, timeUnit: '1s', duration, preAllocatedVUs: 20, maxVUs: 200 },
    byId: { executor: 'constant-arrival-rate', exec: 'byId', rate: Math.max(1, Math.round(rate / 4)), timeUnit: '1s', duration, preAllocatedVUs: 5, maxVUs: 50 },
  },
  thresholds: {
    'http_req_duration{scenario:search}': ['p(95)<50'],
    'http_req_duration{scenario:byId}': ['p(95)<50'],
    http_req_failed: ['rate<0.01'],
    checks: ['rate>0.99'],
  },
};

interface Operation {
  reference: string;
  txId: string | null;
  result: string;
  card: string | null;
  counterparty: string | null;
  site: string | null;
  terminal: string | null;
  at: string;
}

interface Page {
  items: Operation[];
  next: string | null;
}

interface Sample {
  references: string[];
  txIds: string[];
  counterparties: string[];
  sites: string[];
  terminals: string[];
  /** Card filters: full numbers (CARDS) or `*1234`. */
  cards: string[];
  /** Epoch ms of the oldest and newest operation sampled. */
  oldest: number;
  newest: number;
}

const headers = { Authorization: `Bearer ${apiKey}`, Accept: 'application/json' };

function get(path: string, name: string): RefinedResponse<ResponseType | undefined> {
  return http.get(`${base}${path}`, { headers, tags: { name } });
}

function pageOf(response: RefinedResponse<ResponseType | undefined>): Page | undefined {
  if (response.status !== 200 || typeof response.body !== 'string') return undefined;
  return JSON.parse(response.body) as Page;
}

const distinct = (values: readonly (string | null)[]): string[] => [...new Set(values.filter((value): value is string => value !== null))];

export function setup(): Sample {
  if (apiKey === '') fail('set TESSERA_API_KEY (tessera apikey create)');
  const items: Operation[] = [];
  let cursor: string | null = null;
  while (items.length < sample) {
    const response = get(`/api/v1/transactions?limit=500${cursor !== null ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, 'setup');
    const page = pageOf(response);
    if (page === undefined) fail(`GET /api/v1/transactions answered ${response.status}`);
    items.push(...page.items);
    cursor = page.next;
    if (cursor === null) break;
  }
  if (items.length === 0) fail('the feed is empty: nothing to search for');
  const times = items.map((item) => Date.parse(item.at));
  return {
    references: distinct(items.map((item) => item.reference)),
    txIds: distinct(items.map((item) => item.txId)),
    counterparties: distinct(items.map((item) => item.counterparty)),
    sites: distinct(items.map((item) => item.site)),
    terminals: distinct(items.map((item) => item.terminal)),
    cards: cards.length > 0 ? cards : distinct(items.map((item) => (item.card !== null ? `*${item.card.slice(-4)}` : null))),
    oldest: Math.min(...times),
    newest: Math.max(...times),
  };
}

function pick<T>(list: readonly T[]): T | undefined {
  return list[Math.floor(Math.random() * list.length)];
}

/** One search of a random kind; a quarter of them follow the cursor a page on. */
export function search(data: Sample): void {
  const filters: [string, () => string | undefined][] = [
    ['newest', () => ''],
    ['card', () => param('card', pick(data.cards))],
    ['counterparty', () => param('counterparty', pick(data.counterparties))],
    [
      'site-period',
      () => {
        const site = pick(data.sites);
        const week = 7 * 86_400_000;
        const to = data.newest + 1;
        return site === undefined ? undefined : `${param('site', site)}&from=${new Date(to - week).toISOString()}&to=${new Date(to).toISOString()}`;
      },
    ],
    ['terminal', () => param('terminal', pick(data.terminals))],
    ['tx-id', () => param('tx', pick(data.txIds))],
    ['declines', () => 'result=declined'],
  ];
  const [name, query] = pick(filters) ?? ['newest', () => ''];
  const filter = query();
  if (filter === undefined) return;
  const response = get(`/api/v1/transactions?${filter}`, `transactions ${name}`);
  const page = pageOf(response);
  check(response, { 'search answered 200 with a page': () => page !== undefined && Array.isArray(page.items) });
  if (page?.next !== null && page?.next !== undefined && Math.random() < 0.25) {
    const next = get(`/api/v1/transactions?${filter}${filter === '' ? '' : '&'}cursor=${encodeURIComponent(page.next)}`, `transactions ${name} next page`);
    check(next, { 'next page answered 200': (r) => r.status === 200 });
  }
}

/** One operation's card by its reference. */
export function byId(data: Sample): void {
  const reference = pick(data.references);
  if (reference === undefined) return;
  const response = get(`/api/v1/transactions/${encodeURIComponent(reference)}`, 'transaction by id');
  check(response, { 'operation answered 200': (r) => r.status === 200 });
}

function param(name: string, value: string | undefined): string | undefined {
  return value === undefined ? undefined : `${name}=${encodeURIComponent(value)}`;
}
