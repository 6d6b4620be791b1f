// PostgreSQL for the read-model tests, both kinds the engine runs on:
// - a server: DATABASE_URL, else postgres://postgres@127.0.0.1:5432/postgres; each test file gets a
//   fresh database `tessera_test_<random>`, dropped afterwards. No server answering: none (the
//   tests then run on PGlite only; nothing is started).
// - embedded: PGlite in a worker thread on a temporary data directory, as `tessera serve` runs it.
// Both are reached through a TCP proxy, so a test can cut PostgreSQL off and bring it back.

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../read-model/embedded-postgres.js';
import { withDefaultUser } from '../read-model/database.js';
import type { TcpProxy } from './tcp-proxy.js';
import { startTcpProxy } from './tcp-proxy.js';

export interface PostgresForTests {
  readonly kind: 'postgres' | 'embedded';
  /** Connection string through the proxy. */
  readonly url: string;
  readonly proxy: TcpProxy;
  stop(): Promise<void>;
}

const serverUrlDefault = 'postgres://postgres@127.0.0.1:5432/postgres';

/** A fresh database on the PostgreSQL server, or undefined when none answers. */
export async function serverPostgresForTests(): Promise<PostgresForTests | undefined> {
  const adminUrl = withDefaultUser(process.env['DATABASE_URL'] || serverUrlDefault);
  const admin = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 2_000 });
  try {
    await admin.connect();
  } catch {
    return undefined;
  }
  const name = `tessera_test_${randomBytes(6).toString('hex')}`;
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port || 5432) });
  const proxied = new URL(url);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(proxy.port);
  return {
    kind: 'postgres',
    url: proxied.toString(),
    proxy,
    stop: async () => {
      await proxy.close();
      const cleanup = new pg.Client({ connectionString: adminUrl });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await cleanup.end();
    },
  };
}

/** PGlite on a temporary directory, served as `tessera serve` serves it. */
export async function embeddedPostgresForTests(): Promise<PostgresForTests> {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-pglite-'));
  const embedded = startEmbeddedPostgres(join(dir, 'pg'));
  await embedded.ready;
  const proxy = await startTcpProxy({ path: join(embedded.connection.host, `.s.PGSQL.${embedded.connection.port}`) });
  return {
    kind: 'embedded',
    url: `postgres://postgres@127.0.0.1:${proxy.port}/postgres`,
    proxy,
    stop: async () => {
      await proxy.close();
      await embedded.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One PostgreSQL a read-model suite runs on (`describe.each`). */
export interface PostgresBackend {
  name: string;
  start: () => Promise<PostgresForTests>;
}

/**
 * Both PostgreSQLs a read-model suite runs on: the embedded PGlite always (each suite starts its
 * own), and a fresh database on the server when one answers (one for the file: stop it in `afterAll`).
 */
export async function postgresBackendsForTests(): Promise<{ backends: PostgresBackend[]; stopServer: () => Promise<void> }> {
  const server = await serverPostgresForTests();
  return {
    backends: [{ name: 'embedded PGlite', start: embeddedPostgresForTests }, ...(server ? [{ name: 'PostgreSQL server', start: () => Promise.resolve(server) }] : [])],
    stopServer: async () => {
      await server?.stop();
    },
  };
}
