// Finding the PostgreSQL server the baselines run on (DATABASE_URL, else 127.0.0.1:5432 as postgres
// or root), creating and dropping the bench's own databases on it, and finding pgbench. Nothing
// here fails a bench for a missing server: callers get a reason to report the baseline skipped.

import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import pg from 'pg';

export type Found<T> = { ok: true; value: T } | { ok: false; reason: string };

/** Where to look when DATABASE_URL is not set. */
const candidateUrls = ['postgres://postgres@127.0.0.1:5432/postgres', 'postgres://root@127.0.0.1:5432/postgres', 'postgres://postgres@127.0.0.1:5432/test', 'postgres://root@127.0.0.1:5432/test'];

/** Databases the bench creates are named `tessera_bench_<part>_<pid of their creator>` (rm: the read model's search, lag: its projection lag). */
export const benchDatabasePattern = /^tessera_bench_(p1|p2|rm|lag)_(\d+)$/;

export type BenchDatabasePart = 'p1' | 'p2' | 'rm' | 'lag';

export function benchDatabaseName(part: BenchDatabasePart, pid = process.pid): string {
  return `tessera_bench_${part}_${pid}`;
}

/** The same server, another database. */
export function databaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** A server URL whose user may create databases, or why there is none. */
export async function findPostgres(): Promise<Found<{ url: string; version: string }>> {
  const configured = process.env['DATABASE_URL'];
  const urls = configured !== undefined && configured !== '' ? [configured] : candidateUrls;
  const problems: string[] = [];
  for (const url of urls) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
    try {
      await client.connect();
      const result = await client.query<{ version: string; allowed: boolean }>(
        "SELECT current_setting('server_version') AS version, (SELECT rolsuper OR rolcreatedb FROM pg_roles WHERE rolname = current_user) AS allowed",
      );
      const row = result.rows[0];
      if (row?.allowed !== true) {
        problems.push(`${redact(url)}: the user may not create databases`);
        continue;
      }
      return { ok: true, value: { url, version: row.version } };
    } catch (error) {
      problems.push(`${redact(url)}: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  return { ok: false, reason: `no PostgreSQL server (${problems.join('; ')})` };
}

function redact(url: string): string {
  const parsed = new URL(url);
  if (parsed.password !== '') parsed.password = '***';
  return parsed.toString();
}

async function withAdmin<T>(serverUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

const quoted = (name: string): string => {
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`not a bench database name: ${name}`);
  return `"${name}"`;
};

export async function createDatabase(serverUrl: string, name: string): Promise<void> {
  await withAdmin(serverUrl, async (client) => {
    await client.query(`DROP DATABASE IF EXISTS ${quoted(name)} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${quoted(name)}`);
  });
}

export async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  await withAdmin(serverUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${quoted(name)} WITH (FORCE)`));
}

/** Drops bench databases left by processes that no longer exist (a run that was killed). */
export async function dropStaleDatabases(serverUrl: string): Promise<string[]> {
  return withAdmin(serverUrl, async (client) => {
    const { rows } = await client.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE 'tessera_bench_%'");
    const dropped: string[] = [];
    for (const { datname } of rows) {
      const match = benchDatabasePattern.exec(datname);
      if (match === null || processAlive(Number(match[2]))) continue;
      await client.query(`DROP DATABASE IF EXISTS ${quoted(datname)} WITH (FORCE)`);
      dropped.push(datname);
    }
    return dropped;
  });
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** pgbench on PATH, else the newest /usr/lib/postgresql/<version>/bin/pgbench. */
export function findPgbench(): Found<{ path: string; version: string }> {
  const onPath = (process.env['PATH'] ?? '').split(delimiter).map((directory) => join(directory, 'pgbench'));
  let versioned: string[] = [];
  try {
    versioned = readdirSync('/usr/lib/postgresql')
      .filter((name) => /^\d+$/.test(name))
      .sort((a, b) => Number(b) - Number(a))
      .map((version) => `/usr/lib/postgresql/${version}/bin/pgbench`);
  } catch {
    // no Debian PostgreSQL layout
  }
  for (const path of [...onPath, ...versioned]) {
    if (!existsSync(path)) continue;
    try {
      const version = execFileSync(path, ['--version'], { encoding: 'utf8' }).trim();
      return { ok: true, value: { path, version } };
    } catch {
      // not runnable: try the next
    }
  }
  return { ok: false, reason: 'no pgbench on PATH or in /usr/lib/postgresql/*/bin' };
}

/** Where a read-model part of the bench runs: a fresh database of its own on the server, or PGlite. */
export interface ReadModelTarget {
  kind: 'postgres' | 'embedded';
  /** The fresh database's URL (server); undefined: the embedded PGlite. */
  databaseUrl: string | undefined;
  /** PostgreSQL's version, or PGlite's. */
  version: string;
  /** Drops the server database (nothing for PGlite: its directory goes with the caller's). */
  drop(): Promise<void>;
}

/** A fresh database for `part` on the server when one answers (unless `embedded` is asked for), else PGlite. */
export async function readModelTarget(part: 'rm' | 'lag', prefer: 'auto' | 'postgres' | 'embedded'): Promise<ReadModelTarget> {
  if (prefer !== 'embedded') {
    const found = await findPostgres();
    if (found.ok) {
      await dropStaleDatabases(found.value.url).catch(() => []);
      const name = benchDatabaseName(part);
      await createDatabase(found.value.url, name);
      return { kind: 'postgres', databaseUrl: databaseUrl(found.value.url, name), version: found.value.version, drop: () => dropDatabase(found.value.url, name) };
    }
    if (prefer === 'postgres') throw new Error(found.reason);
  }
  return { kind: 'embedded', databaseUrl: undefined, version: 'PGlite', drop: () => Promise.resolve() };
}
