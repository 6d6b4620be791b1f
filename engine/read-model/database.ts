// The read model's connection: a `pg` pool to the PostgreSQL server named by DATABASE_URL, or to the
// embedded PGlite (embedded-postgres.ts) when none is named. Both are reached by the same driver and
// the same SQL; only the pool size differs (one connection for PGlite, which is single-session).
//
// Integers: money and quantities are bigint columns. `pg` returns int8 as a string by default; here
// an int8 comes back as a number when it is a safe integer (every amount the engine writes is) and
// as a bigint otherwise, so no value is ever rounded. numeric (e.g. SUM over bigint) stays a string.

import { userInfo } from 'node:os';
import pg from 'pg';
import type { CustomTypesConfig, PoolConfig } from 'pg';
import { constants } from '../constants.js';
import type { EmbeddedPostgres } from './embedded-postgres.js';
import { startEmbeddedPostgres } from './embedded-postgres.js';

export interface ReadModelDatabase {
  readonly kind: 'postgres' | 'embedded';
  readonly pool: pg.Pool;
  /** Resolves when the server can take connections (the embedded one starts in seconds; initdb on first use). */
  readonly ready: Promise<void>;
  /** Where it is, for logs (never a password). */
  readonly description: string;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** A PostgreSQL connection string; without it, the embedded PGlite under `embeddedDataDir`. */
  databaseUrl?: string | undefined;
  /** `<engine data>/pg`. */
  embeddedDataDir: string;
  /** Pool size (default: constants, by kind). */
  connectionsMax?: number;
  /** Called with errors of idle connections (a server that went away); the next query reconnects. */
  onIdleError?: (error: Error) => void;
}

const int8Oid = 20;

/** int8 as a number when safe, else a bigint: exact either way. */
export function parseInt8(text: string): number | bigint {
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : BigInt(text);
}

/** `pg`'s own parsers, but int8 through `parseInt8`. */
export const readModelTypes: CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary'): unknown => {
    if (oid === int8Oid && format !== 'binary') return parseInt8;
    return format === 'binary' ? pg.types.getTypeParser(oid, 'binary') : pg.types.getTypeParser(oid, 'text');
  }) as CustomTypesConfig['getTypeParser'],
};

export function openReadModelDatabase(options: DatabaseOptions): ReadModelDatabase {
  const common: PoolConfig = {
    types: readModelTypes,
    connectionTimeoutMillis: constants.readModelConnectTimeoutMs,
    query_timeout: constants.readModelQueryTimeoutMs,
    application_name: 'tessera-read-model',
  };
  let embedded: EmbeddedPostgres | undefined;
  let pool: pg.Pool;
  let description: string;
  if (options.databaseUrl !== undefined && options.databaseUrl !== '') {
    pool = new pg.Pool({ ...common, connectionString: withDefaultUser(options.databaseUrl), max: options.connectionsMax ?? constants.readModelPoolConnectionsMax });
    description = withoutPassword(options.databaseUrl);
  } else {
    embedded = startEmbeddedPostgres(options.embeddedDataDir);
    pool = new pg.Pool({ ...common, ...embedded.connection, max: options.connectionsMax ?? constants.readModelEmbeddedPoolConnectionsMax });
    description = `embedded PGlite in ${options.embeddedDataDir}`;
  }
  pool.on('error', (error) => options.onIdleError?.(error));
  let closing: Promise<void> | undefined;
  return {
    kind: embedded ? 'embedded' : 'postgres',
    pool,
    ready: embedded ? embedded.ready : Promise.resolve(),
    description,
    close: () =>
      (closing ??= (async () => {
        // A query still running (a server that stopped answering) gives up at the stop timeout.
        await Promise.race([pool.end().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, constants.readModelStopTimeoutMs).unref())]);
        await embedded?.stop();
      })()),
  };
}

/** Without a user name in the URL, the operating system's user (as libpq does; `pg` would take $USER, which may be unset). */
export function withDefaultUser(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.username !== '' || !/^postgres(ql)?:$/.test(parsed.protocol)) return url;
    parsed.username = encodeURIComponent(userInfo().username);
    return parsed.toString();
  } catch {
    return url;
  }
}

/** The connection string with any password replaced by `***`. */
export function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres (unparsable DATABASE_URL)';
  }
}
