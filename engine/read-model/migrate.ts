// Schema migrations of the read model, run at start by node-pg-migrate from ./migrations (TypeScript
// from source, the compiled JavaScript from dist). Its bookkeeping table lives in the `readmodel`
// schema with everything else, so dropping that schema (a rebuild) forgets the migrations too.

import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';
import type { PoolClient } from 'pg';

export const readModelSchema = 'readmodel';

const migrationsDir = fileURLToPath(new URL('./migrations', import.meta.url));

export interface MigrationLog {
  info(message: string): void;
}

/** Applies the migrations not yet applied; returns their names. Concurrent callers wait for each other. */
export async function migrateReadModel(client: PoolClient, log?: MigrationLog): Promise<string[]> {
  const applied = await runner({
    dbClient: client,
    dir: migrationsDir,
    // Source maps and declarations beside compiled migrations are not migrations.
    ignorePattern: '(\\..*)|(.*\\.map)|(.*\\.d\\.ts)',
    direction: 'up',
    migrationsTable: 'migrations',
    migrationsSchema: readModelSchema,
    createMigrationsSchema: true,
    schema: readModelSchema,
    checkOrder: true,
    singleTransaction: true,
    advisoryLockMode: 'wait',
    logger: { debug: () => undefined, info: (message: string) => log?.info(message), warn: (message: string) => log?.info(message), error: (message: string) => log?.info(message) },
  });
  return applied.map((migration) => migration.name);
}

/** Drops the whole read model (data, checkpoint, migration history). */
export async function dropReadModel(client: PoolClient): Promise<void> {
  await client.query(`DROP SCHEMA IF EXISTS ${readModelSchema} CASCADE`);
}
