// The feed's search over a large read model (part `search`): a fresh database (a server database of
// its own, else PGlite), the read model migrated, `readmodel.operations` seeded by SQL with a
// network's worth of operations (one network, ~50 sites, ~400 terminals, ~50,000 cards with a
// skew, ~2,000 counterparties, 90 days, the kinds mixed as in life, a few per cent declines), then
// VACUUM ANALYZE. Then a closed loop of a few clients runs the feed queries the API runs — newest
// page, by card, by counterparty, by site and period, by terminal, by tx id, declines only, and
// pages 2–5 through the cursor — into one HDR histogram per kind; the baseline, in the same loop
// over the same pool, is a primary-key lookup of one operation (the database round trip's floor).
// Through HTTP too: the transactions routes mounted on a uWS server with a fixed-principal
// authenticator, `GET /api/v1/transactions?...` end to end, against a trivial route on the same
// server (the HTTP floor). Target: p95 < 50 ms. Every page is checked: rows match the filter, in
// feed order, and the pages of a cursor walk neither overlap nor skip.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { Engine } from '../engine/index.js';
import { migrateReadModel, openReadModelDatabase, readModelSchema } from '../engine/testing/index.js';
import type { ReadModelDatabase } from '../engine/testing/index.js';
import { benchCardNumber, benchNetworkId } from './network.js';
import { readModelTarget } from './postgres.js';
import type { LatencySummary } from './stats.js';
import { LatencyRecorder, cpuPercent, ownCpuMicros, perSecond, seededRandom } from './stats.js';
import { feedSearchOf } from './read-model-feed.js';
import type { FeedFilter, FeedPage, FeedSearch } from './read-model-feed.js';
import { floorPath, startHttpFeed } from './read-model-http.js';

export interface SearchBenchOptions {
  /** Operations seeded. */
  rows: number;
  cards: number;
  sites: number;
  terminalsPerSite: number;
  accounts: number;
  counterparties: number;
  /** Days the operations span, ending now. */
  days: number;
  /** Clients of the closed loop (each one query at a time). */
  clients: number;
  warmupMs: number;
  durationMs: number;
  /** Run the same mix through HTTP as well. */
  http: boolean;
  database: 'auto' | 'postgres' | 'embedded';
  seed?: number;
  log?: (line: string) => void;
}

export const searchKinds = ['newest', 'card', 'counterparty', 'site-period', 'terminal', 'tx-id', 'declines', 'pages-2-5'] as const;
export type SearchKind = (typeof searchKinds)[number];
export const baselineKind = 'primary-key';

export interface SearchKindResult {
  kind: SearchKind | typeof baselineKind;
  queries: number;
  /** Mean rows per answer. */
  rowsMean: number;
  latency: LatencySummary;
  /** p50 and p95 of this kind ÷ those of the baseline of the same loop. */
  p50Ratio: number;
  p95Ratio: number;
  /** p95 under the target. */
  withinTarget: boolean;
}

export interface SearchLoopReport {
  /** `database`: the search function over the pool; `http`: GET /api/v1/transactions end to end. */
  through: 'database' | 'http';
  clients: number;
  durationS: number;
  queriesPerSecond: number;
  /** This process's CPU over the loop (the client, and for HTTP the server too). */
  cpuPercent: number;
  /** `pool`: the database search function; `api`: the transactions routes over HTTP. */
  baselineDescription: string;
  kinds: SearchKindResult[];
  errors: number;
}

export interface SearchBenchReport {
  database: { kind: 'postgres' | 'embedded'; version: string };
  rows: number;
  spread: { cards: number; sites: number; terminals: number; accounts: number; counterparties: number; days: number };
  /** Operations per kind as seeded. */
  kinds: Record<string, number>;
  seedMs: number;
  indexMs: number;
  analyzeMs: number;
  tableMB: number;
  indexesMB: number;
  /** Which search ran (the read model's own `searchOperations`, as the API runs it). */
  search: string;
  targetP95Ms: number;
  loops: SearchLoopReport[];
  skipped: string[];
  violations: string[];
}

export const searchTargetP95Ms = 50;
const schema = readModelSchema;
const network = benchNetworkId;
const secret = Buffer.alloc(32, 0x3c);
const dayMs = 86_400_000;
const seedChunkRows = 250_000;
/** The load's statements (a chunk of rows, an index over a million) may run past the pool's query timeout on a busy machine. */
const loadQueryTimeoutMs = 3_600_000;

export async function runSearchBench(options: SearchBenchOptions): Promise<SearchBenchReport> {
  const log = options.log ?? (() => undefined);
  const target = await readModelTarget('rm', options.database);
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-search-'));
  const engine = new Engine({ dataDir: join(dir, 'engine'), cardSecret: secret, schedulers: false });
  let database: ReadModelDatabase | undefined;
  try {
    database = openReadModelDatabase({ databaseUrl: target.databaseUrl, embeddedDataDir: join(dir, 'pg'), connectionsMax: Math.max(1, options.clients) });
    await database.ready;
    const pool = database.pool;
    {
      const client = await pool.connect();
      try {
        await migrateReadModel(client);
      } finally {
        client.release();
      }
    }
    const version = target.kind === 'postgres' ? target.version : String((await pool.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]?.v ?? '?');
    log(`search: ${target.kind} read model (${version}), seeding ${options.rows} operations`);
    const identities = Array.from({ length: options.cards }, (_, index) => engine.identifyCard(network, benchCardNumber(index)));
    const hashes = identities.map((identity) => identity.hash);
    const seeded = await seedOperations(pool, options, hashes, identities.map((identity) => identity.masked));
    log(`search: seeded in ${seeded.seedMs} ms, indexes ${seeded.indexMs} ms, VACUUM ANALYZE ${seeded.analyzeMs} ms; table ${seeded.tableMB} MB, indexes ${seeded.indexesMB} MB`);

    const maskedOf = new Map(identities.map((identity) => [identity.hash, identity.masked]));
    const search = feedSearchOf(pool, network, (hash) => maskedOf.get(hash));
    const violations: string[] = [];
    const params = await parameterPools(pool, options, hashes, seeded.startMs, seeded.endMs);
    const loops: SearchLoopReport[] = [];
    const skipped: string[] = [];
    const primaryKey = async (position: number): Promise<number> => (await pool.query(`SELECT * FROM ${schema}.operations WHERE position = $1`, [position])).rows.length;
    loops.push(await closedLoop('database', options, params, search.search, primaryKey, violations, log));

    if (options.http) {
      const cards = new Map(identities.map((identity, index) => [identity.hash, { number: benchCardNumber(index), masked: identity.masked }]));
      const http = await startHttpFeed(engine, pool, network, (hash) => cards.get(hash));
      if (http.ok) {
        try {
          loops.push(await closedLoop('http', options, params, http.value.search, http.value.floor, violations, log));
        } finally {
          await http.value.close();
        }
      } else skipped.push(`search over HTTP: ${http.reason}`);
    }
    return {
      database: { kind: target.kind, version },
      rows: options.rows,
      spread: { cards: options.cards, sites: options.sites, terminals: options.sites * options.terminalsPerSite, accounts: options.accounts, counterparties: options.counterparties, days: options.days },
      kinds: seeded.kinds,
      seedMs: seeded.seedMs,
      indexMs: seeded.indexMs,
      analyzeMs: seeded.analyzeMs,
      tableMB: seeded.tableMB,
      indexesMB: seeded.indexesMB,
      search: search.description,
      targetP95Ms: searchTargetP95Ms,
      loops,
      skipped,
      violations,
    };
  } finally {
    await database?.close();
    await engine.close();
    await target.drop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- seeding -----------------------------------------------------------------------------------

interface Seeded {
  seedMs: number;
  indexMs: number;
  analyzeMs: number;
  tableMB: number;
  indexesMB: number;
  kinds: Record<string, number>;
  startMs: number;
  endMs: number;
}

/**
 * One chunk of operations, positions $2 … $3, by SQL. A row's kind: 60 % fuel, 22 % shop receipts,
 * 7 % wash charges, 4 % top-ups, 2 % returns, 5 % declines. Cards: index ⌊cards·u³⌋, so the first
 * few hundred cards (fleet trucks) take a fifth of the traffic and most cards are seen a few times;
 * a card's account is index mod accounts, an account's counterparty account mod counterparties.
 * Cards carry the engine's keyed hash and masked number. Half the shop receipts are anonymous (cash or a bank card); a wash charge is a club client's.
 * Times rise with the position, evenly over the days.
 */
const seedSql = `
  INSERT INTO ${schema}.operations (position, network, kind, result, reference, tx_id, account, counterparty, client, card, card_hash, site, terminal, product, volume, amount, discount, bonus, method, reason, at)
  SELECT i, $1, kind,
         CASE WHEN kind = 'decline' THEN 'declined' ELSE 'approved' END,
         CASE WHEN kind = 'refund' THEN 'rf-' || i WHEN kind = 'decline' THEN 'rq-' || i ELSE 'tx-' || i END,
         CASE WHEN kind IN ('fuel', 'sale', 'wash') THEN 'tx-' || i WHEN kind = 'refund' THEN 'tx-' || greatest(1, i - 1 - floor(u4 * 5000)::bigint) END,
         CASE WHEN carded THEN 'acc-' || (card % $6) END,
         CASE WHEN carded THEN 'cp-' || ((card % $6) % $7) END,
         CASE WHEN kind = 'wash' THEN 'cl-' || (card % $6) END,
         CASE WHEN carded AND kind <> 'topup' THEN ($12::text[])[card + 1] END,
         CASE WHEN carded AND kind <> 'topup' THEN ($5::text[])[card + 1] END,
         'S-' || (site + 1),
         'T-' || (site * $9 + floor(u3 * $9)::int + 1),
         CASE kind WHEN 'fuel' THEN (ARRAY['AI95', 'AI92', 'DT'])[1 + floor(u4 * 3)::int] WHEN 'sale' THEN (ARRAY['COFFEE', 'WATER', 'HOTDOG'])[1 + floor(u4 * 3)::int]
                   WHEN 'wash' THEN 'WASH-STD' WHEN 'decline' THEN 'AI95' END,
         CASE WHEN kind = 'fuel' THEN 5000 + floor(u4 * 55000)::bigint END,
         CASE kind WHEN 'refund' THEN -(500 + floor(u4 * 100000)::bigint) WHEN 'topup' THEN 1000000 + floor(u4 * 9000000)::bigint ELSE 500 + floor(u4 * 300000)::bigint END,
         CASE WHEN kind IN ('fuel', 'sale') AND u4 < 0.2 THEN floor(u4 * 5000)::bigint ELSE 0 END,
         CASE WHEN kind IN ('fuel', 'sale') AND carded THEN floor(u4 * 300)::bigint ELSE 0 END,
         CASE WHEN kind = 'topup' THEN 'transfer' WHEN kind = 'sale' AND NOT carded THEN (CASE WHEN u4 < 0.5 THEN 'cash' ELSE 'bank' END) WHEN kind <> 'decline' THEN 'account' END,
         CASE WHEN kind = 'decline' THEN (ARRAY['LIMIT_EXCEEDED', 'INSUFFICIENT_FUNDS', 'CARD_BLOCKED', 'CARD_UNKNOWN'])[1 + floor(u4 * 4)::int] END,
         to_timestamp(($4::bigint + (i - 1) * $10::float8) / 1000.0)
  FROM (
    SELECT i, u3, u4, u5, floor($8 * u2)::int AS site, floor($11 * u1 * u1 * u1)::int AS card,
           kind, kind <> 'sale' OR u5 < 0.5 AS carded
    FROM (
      SELECT i, random() AS u1, random() AS u2, random() AS u3, random() AS u4, random() AS u5,
             CASE WHEN k < 0.60 THEN 'fuel' WHEN k < 0.82 THEN 'sale' WHEN k < 0.89 THEN 'wash' WHEN k < 0.93 THEN 'topup' WHEN k < 0.95 THEN 'refund' ELSE 'decline' END AS kind
      FROM (SELECT i, random() AS k FROM generate_series($2::bigint, $3::bigint) AS i) AS g
    ) AS r
  ) AS s`;

async function seedOperations(pool: pg.Pool, options: SearchBenchOptions, hashes: readonly string[], masked: readonly string[]): Promise<Seeded> {
  const endMs = Date.now();
  const startMs = endMs - options.days * dayMs;
  const stepMs = (endMs - startMs) / Math.max(1, options.rows);
  const client = await pool.connect();
  try {
    // The migration's indexes are dropped for the load and made again from their own definitions:
    // building an index once is much cheaper than keeping ten up to date row by row.
    const { rows: indexes } = await client.query<{ name: string; definition: string }>(
      "SELECT indexname AS name, indexdef AS definition FROM pg_indexes WHERE schemaname = $1 AND tablename = 'operations' AND indexname <> 'operations_pkey'",
      [schema],
    );
    for (const index of indexes) await client.query(loadQuery(`DROP INDEX ${schema}.${safeName(index.name)}`));
    const seedStarted = performance.now();
    await client.query('SELECT setseed($1)', [((options.seed ?? 42) % 1000) / 1000]);
    for (let first = 1; first <= options.rows; first += seedChunkRows) {
      const last = Math.min(options.rows, first + seedChunkRows - 1);
      await client.query(loadQuery(seedSql, [network, first, last, startMs, hashes, options.accounts, options.counterparties, options.sites, options.terminalsPerSite, stepMs, options.cards, masked]));
    }
    const seedMs = Math.round(performance.now() - seedStarted);
    const indexStarted = performance.now();
    for (const index of indexes) await client.query(loadQuery(index.definition));
    const indexMs = Math.round(performance.now() - indexStarted);
    const analyzeStarted = performance.now();
    await client.query(loadQuery(`VACUUM ANALYZE ${schema}.operations`));
    const analyzeMs = Math.round(performance.now() - analyzeStarted);
    const { rows: sizes } = await client.query<{ table: number; indexes: number }>(
      `SELECT pg_table_size('${schema}.operations')::float8 AS table, pg_indexes_size('${schema}.operations')::float8 AS indexes`,
    );
    const { rows: kindRows } = await client.query<{ kind: string; count: number }>(`SELECT kind, count(*)::int AS count FROM ${schema}.operations GROUP BY kind ORDER BY kind`);
    const mb = (bytes: number | undefined): number => Math.round((bytes ?? 0) / 1e5) / 10;
    return {
      seedMs,
      indexMs,
      analyzeMs,
      tableMB: mb(sizes[0]?.table),
      indexesMB: mb(sizes[0]?.indexes),
      kinds: Object.fromEntries(kindRows.map((row) => [row.kind, row.count])),
      startMs,
      endMs,
    };
  } finally {
    client.release();
  }
}

/** A statement of the load with its own read timeout (`pg` takes `query_timeout` per query; its types do not say so). */
function loadQuery(text: string, values?: unknown[]): pg.QueryConfig {
  return { text, ...(values !== undefined ? { values } : {}), query_timeout: loadQueryTimeoutMs } as pg.QueryConfig;
}

function safeName(name: string): string {
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`unexpected index name ${name}`);
  return name;
}

// ---- the queries -------------------------------------------------------------------------------

interface ParameterPools {
  cards: string[];
  txIds: string[];
  positions: number[];
  counterparties: number;
  sites: number;
  terminals: number;
  startMs: number;
  endMs: number;
}

/** Values to search for: cards and tx ids drawn from the rows (as often as they occur), positions uniform. */
async function parameterPools(pool: pg.Pool, options: SearchBenchOptions, hashes: readonly string[], startMs: number, endMs: number): Promise<ParameterPools> {
  const every = Math.max(1, Math.floor(options.rows / 2_000));
  const { rows } = await pool.query<{ card_hash: string | null; tx_id: string | null }>(
    `SELECT card_hash, tx_id FROM ${schema}.operations WHERE position % $1 = 0 ORDER BY position`,
    [every],
  );
  const cards = rows.flatMap((row) => (row.card_hash !== null ? [row.card_hash] : []));
  const txIds = rows.flatMap((row) => (row.tx_id !== null ? [row.tx_id] : []));
  return {
    cards: cards.length > 0 ? cards : [...hashes.slice(0, 10)],
    txIds: txIds.length > 0 ? txIds : ['tx-1'],
    positions: [],
    counterparties: options.counterparties,
    sites: options.sites,
    terminals: options.sites * options.terminalsPerSite,
    startMs,
    endMs,
  };
}

interface QueryPlan {
  kind: SearchKind;
  filter: FeedFilter;
}

function planQuery(kind: SearchKind, params: ParameterPools, random: () => number): QueryPlan {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const int = (n: number): number => Math.floor(random() * n);
  switch (kind) {
    case 'newest':
      return { kind, filter: {} };
    case 'card':
      return { kind, filter: { cardHash: pick(params.cards) } };
    case 'counterparty':
      return { kind, filter: { counterparty: `cp-${int(params.counterparties)}` } };
    case 'site-period': {
      // A week somewhere in the span.
      const span = params.endMs - params.startMs;
      const from = params.startMs + Math.floor(random() * Math.max(1, span - 7 * dayMs));
      return { kind, filter: { site: `S-${int(params.sites) + 1}`, from, to: Math.min(params.endMs, from + 7 * dayMs) } };
    }
    case 'terminal':
      return { kind, filter: { terminal: `T-${int(params.terminals) + 1}` } };
    case 'tx-id':
      return { kind, filter: { reference: pick(params.txIds) } };
    case 'declines':
      return { kind, filter: { result: 'declined' } };
    case 'pages-2-5': {
      const filters: FeedFilter[] = [{}, { site: `S-${int(params.sites) + 1}` }, { counterparty: `cp-${int(params.counterparties)}` }];
      return { kind, filter: pick(filters) };
    }
  }
}

/** Whether every row of a page matches the filter and the page is in feed order (newest first) after the previous one. */
function checkPage(plan: QueryPlan, page: FeedPage, after: { at: number; position: number } | undefined): string | undefined {
  let previous = after;
  for (const row of page.rows) {
    const f = plan.filter;
    if (f.cardHash !== undefined && row.card_hash !== f.cardHash) return `${plan.kind}: a row of another card`;
    if (f.counterparty !== undefined && row.counterparty !== f.counterparty) return `${plan.kind}: a row of another counterparty`;
    if (f.site !== undefined && row.site !== f.site) return `${plan.kind}: a row of another site`;
    if (f.terminal !== undefined && row.terminal !== f.terminal) return `${plan.kind}: a row of another terminal`;
    if (f.result !== undefined && row.result !== f.result) return `${plan.kind}: a row with result ${row.result}`;
    if (f.reference !== undefined && row.tx_id !== f.reference && row.reference !== f.reference) return `${plan.kind}: a row of another tx`;
    if (f.from !== undefined && row.at < f.from) return `${plan.kind}: a row before the period`;
    if (f.to !== undefined && row.at >= f.to) return `${plan.kind}: a row after the period`;
    if (previous !== undefined && (row.at > previous.at || (row.at === previous.at && row.position >= previous.position))) return `${plan.kind}: rows out of feed order (or a page overlapping the one before)`;
    previous = { at: row.at, position: row.position };
  }
  return undefined;
}

/** Pages walked through the cursor after the first one. */
const cursorPages = 4;

async function closedLoop(
  through: 'database' | 'http',
  options: SearchBenchOptions,
  params: ParameterPools,
  search: FeedSearch,
  floor: (position: number) => Promise<number>,
  violations: string[],
  log: (line: string) => void,
): Promise<SearchLoopReport> {
  const recorders = new Map<string, { recorder: LatencyRecorder; rows: number }>();
  const record = (kind: string, ms: number, rows: number): void => {
    let entry = recorders.get(kind);
    if (entry === undefined) recorders.set(kind, (entry = { recorder: new LatencyRecorder(), rows: 0 }));
    entry.recorder.recordMs(ms);
    entry.rows += rows;
  };
  const violation = (text: string): void => {
    if (violations.length < 20) violations.push(`search (${through}): ${text}`);
  };
  let errors = 0;
  const kinds = [...searchKinds, baselineKind] as const;

  const run = async (clientIndex: number, until: number, measure: boolean): Promise<void> => {
    const random = seededRandom((options.seed ?? 42) * 31 + clientIndex + (measure ? 1_000 : 0));
    let turn = clientIndex;
    while (performance.now() < until) {
      const kind = kinds[turn++ % kinds.length] ?? baselineKind;
      try {
        if (kind === baselineKind) {
          const position = 1 + Math.floor(random() * options.rows);
          const started = performance.now();
          const rows = await floor(position);
          const ms = performance.now() - started;
          if (rows !== 1) violation(`primary key ${position}: ${rows} rows`);
          if (measure) record(kind, ms, rows);
          continue;
        }
        const plan = planQuery(kind, params, random);
        const started = performance.now();
        let page = await search(plan.filter);
        const ms = performance.now() - started;
        const problem = checkPage(plan, page, undefined);
        if (problem !== undefined) violation(problem);
        if (kind !== 'pages-2-5') {
          if (measure) record(kind, ms, page.rows.length);
          continue;
        }
        for (let index = 0; index < cursorPages && page.next !== undefined; index++) {
          const last = page.rows[page.rows.length - 1];
          const pageStarted = performance.now();
          page = await search(plan.filter, page.next);
          const pageMs = performance.now() - pageStarted;
          const pageProblem = checkPage(plan, page, last);
          if (pageProblem !== undefined) violation(pageProblem);
          if (measure) record(kind, pageMs, page.rows.length);
        }
      } catch (error) {
        errors++;
        violation(`${kind}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  };

  const clients = Math.max(1, options.clients);
  await Promise.all(Array.from({ length: clients }, (_, index) => run(index, performance.now() + options.warmupMs, false)));
  const cpuBefore = ownCpuMicros();
  const started = performance.now();
  await Promise.all(Array.from({ length: clients }, (_, index) => run(index, started + options.durationMs, true)));
  const wallMs = performance.now() - started;
  const cpu = cpuPercent(ownCpuMicros() - cpuBefore, wallMs);

  const baseline = recorders.get(baselineKind)?.recorder.summary();
  const ratio = (a: number, b: number | undefined): number => (b !== undefined && b > 0 ? Math.round((a / b) * 100) / 100 : 0);
  const results: SearchKindResult[] = kinds.map((kind) => {
    const entry = recorders.get(kind);
    const latency = entry?.recorder.summary() ?? new LatencyRecorder().summary();
    return {
      kind,
      queries: latency.count,
      rowsMean: latency.count > 0 ? Math.round(((entry?.rows ?? 0) / latency.count) * 10) / 10 : 0,
      latency,
      p50Ratio: ratio(latency.p50, baseline?.p50),
      p95Ratio: ratio(latency.p95, baseline?.p95),
      withinTarget: latency.count > 0 && latency.p95 < searchTargetP95Ms,
    };
  });
  const queries = results.reduce((sum, result) => sum + result.queries, 0);
  for (const result of results) {
    log(`search (${through}) ${result.kind}: ${result.queries} queries, ${result.rowsMean} rows, p50 ${result.latency.p50} p95 ${result.latency.p95} p99 ${result.latency.p99} ms (p95 ×${result.p95Ratio} the primary-key lookup)`);
  }
  return {
    through,
    clients,
    durationS: Math.round(wallMs) / 1000,
    queriesPerSecond: perSecond(queries, wallMs),
    cpuPercent: cpu,
    baselineDescription: through === 'database' ? 'SELECT * … WHERE position = $1 over the same pool' : `the same primary-key lookup behind a route of the same router on the same server (GET ${floorPath})`,
    kinds: results,
    errors,
  };
}
