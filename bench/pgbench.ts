// P1, PostgreSQL alone: `pgbench -n -M prepared` on a database of its own
// (`tessera_bench_p1_<pid>`), for a fixed time at each client count, with two scripts:
//   tpcb-like    — pgbench's built-in TPC-B-like transaction (after `pgbench -i -s <scale>`);
//   debit-insert — the core of P2's authorisation as plain SQL: the conditional debit of a random
//                  account (balance + credit − holds ≥ amount), the hold insert and the idempotency
//                  row, in one transaction.
// The database's own ceiling: no Node, no NATS, closed loop. synchronous_commit is the server's
// (on by default; the report says which). After the runs the books of both scripts must balance.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { benchBalance, benchRequestAmount } from './network.js';
import { benchDatabaseName, createDatabase, databaseUrl, dropDatabase, findPgbench } from './postgres.js';
import type { ProcessUsage } from './stats.js';
import { cpuPercent, procCpuMicros, procGroupUsage, sleep } from './stats.js';

export type PgbenchScript = 'tpcb-like' | 'debit-insert';

export interface PgbenchOptions {
  serverUrl: string;
  /** pgbench -i scale (10 → 1,000,000 pgbench_accounts rows). */
  scale: number;
  clients: number[];
  durationS: number;
  /** Accounts of the debit-insert script (the bench network's), and terminals. */
  accounts: number;
  terminals: number;
  log?: (line: string) => void;
}

export interface PgbenchRun {
  script: PgbenchScript;
  clients: number;
  threads: number;
  durationS: number;
  tps: number;
  transactions: number;
  failed: number;
  latencyAverageMs: number;
  latencyStddevMs?: number;
  /** CPU and memory over the middle of the run: PostgreSQL's backends for this database, and pgbench. */
  processes: Record<string, ProcessUsage>;
}

export interface PgbenchReport {
  binary: string;
  version: string;
  database: string;
  scale: number;
  synchronousCommit: string;
  initMs: number;
  runs: PgbenchRun[];
  violations: string[];
}

const debitInsertScript = (accounts: number, terminals: number): string => `\\set aid random(1, ${accounts})
\\set tid random(1, ${terminals})
\\set rid random(1, 1000000000000000)
BEGIN;
UPDATE p1_account SET held = held + ${benchRequestAmount} WHERE id = :aid AND balance + credit_limit - held >= ${benchRequestAmount};
INSERT INTO p1_hold (account_id, amount, request_id) VALUES (:aid, ${benchRequestAmount}, :rid);
INSERT INTO p1_idempotency (terminal_id, request_id, reply) VALUES ('B-' || :tid::text, :client_id::text || '-' || :rid::text, 'approved') ON CONFLICT DO NOTHING;
END;
`;

const debitInsertSchema = (accounts: number): string => `
CREATE TABLE p1_account (id integer PRIMARY KEY, balance bigint NOT NULL, credit_limit bigint NOT NULL DEFAULT 0, held bigint NOT NULL DEFAULT 0);
INSERT INTO p1_account (id, balance) SELECT g, ${benchBalance} FROM generate_series(1, ${accounts}) AS g;
CREATE TABLE p1_hold (id bigserial PRIMARY KEY, account_id integer NOT NULL, amount bigint NOT NULL, request_id bigint NOT NULL);
CREATE TABLE p1_idempotency (terminal_id text NOT NULL, request_id text NOT NULL, reply text NOT NULL, PRIMARY KEY (terminal_id, request_id));
ANALYZE;
`;

function connectionArguments(url: string): { args: string[]; env: NodeJS.ProcessEnv } {
  const parsed = new URL(url);
  const args = ['-h', parsed.hostname, '-p', parsed.port === '' ? '5432' : parsed.port];
  if (parsed.username !== '') args.push('-U', decodeURIComponent(parsed.username));
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (parsed.password !== '') env['PGPASSWORD'] = decodeURIComponent(parsed.password);
  return { args, env };
}

function run(binary: string, args: string[], env: NodeJS.ProcessEnv, during?: (pid: number) => Promise<void>): Promise<{ stdout: string; stderr: string; code: number | null; sampled: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-8_000)));
    child.once('error', reject);
    const sampled = child.pid !== undefined && during ? during(child.pid).catch(() => undefined) : Promise.resolve();
    child.once('exit', (code) => resolve({ stdout, stderr, code, sampled }));
  });
}

export function parsePgbench(output: string): { tps: number; transactions: number; failed: number; latencyAverageMs: number; latencyStddevMs?: number } {
  const number = (pattern: RegExp): number | undefined => {
    const match = pattern.exec(output);
    return match?.[1] !== undefined ? Number(match[1]) : undefined;
  };
  const tps = number(/^tps = ([\d.]+) \(without initial connection time\)/m) ?? number(/^tps = ([\d.]+)/m);
  const latency = number(/^latency average = ([\d.]+) ms/m);
  const transactions = number(/^number of transactions actually processed: (\d+)/m);
  if (tps === undefined || latency === undefined || transactions === undefined) throw new Error(`pgbench output not understood:\n${output.slice(-1_000)}`);
  const stddev = number(/^latency stddev = ([\d.]+) ms/m);
  return { tps: Math.round(tps * 10) / 10, transactions, failed: number(/^number of failed transactions: (\d+)/m) ?? 0, latencyAverageMs: latency, ...(stddev !== undefined ? { latencyStddevMs: stddev } : {}) };
}

export async function runPgbench(options: PgbenchOptions): Promise<PgbenchReport> {
  const log = options.log ?? (() => undefined);
  const found = findPgbench();
  if (!found.ok) throw new Error(found.reason);
  const database = benchDatabaseName('p1');
  await createDatabase(options.serverUrl, database);
  const url = databaseUrl(options.serverUrl, database);
  const scriptDir = mkdtempSync(join(tmpdir(), 'tessera-pgbench-'));
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { args: connection, env } = connectionArguments(url);
    const started = performance.now();
    const init = await run(found.value.path, ['-i', '-s', String(options.scale), '-q', ...connection, database], env);
    if (init.code !== 0) throw new Error(`pgbench -i failed: ${init.stderr}`);
    await client.query(debitInsertSchema(options.accounts));
    const initMs = Math.round(performance.now() - started);
    const scriptFile = join(scriptDir, 'debit-insert.sql');
    writeFileSync(scriptFile, debitInsertScript(options.accounts, options.terminals));
    const synchronousCommit = String((await client.query<{ synchronous_commit: string }>('SHOW synchronous_commit')).rows[0]?.synchronous_commit);
    log(`pgbench: ${found.value.version}, scale ${options.scale} and ${options.accounts} accounts ready in ${initMs} ms, synchronous_commit ${synchronousCommit}`);

    const runs: PgbenchRun[] = [];
    for (const script of ['tpcb-like', 'debit-insert'] as const) {
      for (const clients of options.clients) {
        const threads = Math.min(clients, 2);
        const progress = Math.max(1, Math.floor(options.durationS / 2));
        const args = ['-n', '-M', 'prepared', '-c', String(clients), '-j', String(threads), '-T', String(options.durationS), '-P', String(progress), ...(script === 'tpcb-like' ? ['-b', 'tpcb-like'] : ['-f', scriptFile]), ...connection, database];
        const processes: Record<string, ProcessUsage> = {};
        // CPU over the middle of the run: the backends exist only while pgbench is connected.
        const sample = async (pgbenchPid: number): Promise<void> => {
          const windowStartMs = Math.min(500, options.durationS * 250);
          await sleep(windowStartMs);
          const { rows } = await client.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [database]);
          const pids = rows.map((row) => Number(row.pid));
          const before = { at: performance.now(), backends: procGroupUsage(pids), pgbench: procCpuMicros(pgbenchPid) ?? 0 };
          await sleep(Math.max(100, options.durationS * 1000 - windowStartMs - Math.min(300, options.durationS * 200)));
          const after = { at: performance.now(), backends: procGroupUsage(pids), pgbench: procCpuMicros(pgbenchPid) ?? 0 };
          const wall = after.at - before.at;
          processes['postgres'] = { cpuPercent: cpuPercent(after.backends.cpuMicros - before.backends.cpuMicros, wall), rssMB: after.backends.rssMB };
          processes['pgbench'] = { cpuPercent: cpuPercent(after.pgbench - before.pgbench, wall) };
        };
        const result = await run(found.value.path, args, env, sample);
        await result.sampled;
        if (result.code !== 0) throw new Error(`pgbench ${script} -c ${clients} failed (${result.code}): ${result.stderr}`);
        const parsed = parsePgbench(result.stdout);
        runs.push({ script, clients, threads, durationS: options.durationS, ...parsed, processes });
        log(`pgbench: ${script} ${clients} clients → ${parsed.tps} tps, latency ${parsed.latencyAverageMs} ms`);
      }
    }

    const violations: string[] = [];
    const tpcb = (await client.query<{ accounts: string; branches: string; tellers: string; history: string }>(
      'SELECT (SELECT sum(abalance) FROM pgbench_accounts)::text AS accounts, (SELECT sum(bbalance) FROM pgbench_branches)::text AS branches, (SELECT sum(tbalance) FROM pgbench_tellers)::text AS tellers, (SELECT coalesce(sum(delta), 0) FROM pgbench_history)::text AS history',
    )).rows[0];
    if (tpcb === undefined || !(tpcb.accounts === tpcb.history && tpcb.branches === tpcb.history && tpcb.tellers === tpcb.history)) violations.push(`pgbench tpcb-like: balances disagree with the history ${JSON.stringify(tpcb)}`);
    const debit = (await client.query<{ held: string; holds: string }>('SELECT (SELECT sum(held) FROM p1_account)::text AS held, (SELECT coalesce(sum(amount), 0) FROM p1_hold)::text AS holds')).rows[0];
    if (debit === undefined || debit.held !== debit.holds) violations.push(`pgbench debit-insert: Σ held ${debit?.held} ≠ Σ holds ${debit?.holds}`);
    for (const entry of runs) if (entry.failed > 0) violations.push(`pgbench ${entry.script} ${entry.clients} clients: ${entry.failed} failed transactions`);
    return { binary: found.value.path, version: found.value.version, database, scale: options.scale, synchronousCommit, initMs, runs, violations };
  } finally {
    await client.end().catch(() => undefined);
    rmSync(scriptDir, { recursive: true, force: true });
    await dropDatabase(options.serverUrl, database).catch(() => undefined);
  }
}
