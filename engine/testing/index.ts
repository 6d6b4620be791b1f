// What tests outside engine/ (gateways, test/, bench) may use to stand up real parts: an engine
// harness on a simulated clock, PostgreSQL for tests (a server database or PGlite), and the read
// model's connection and projector to follow the harness's journal.

export { openHarness } from './engine-harness.js';
export type { Harness } from './engine-harness.js';
export { embeddedPostgresForTests, postgresBackendsForTests, serverPostgresForTests } from './postgres.js';
export type { PostgresBackend, PostgresForTests } from './postgres.js';
export { openReadModelDatabase, Projector, dropReadModel, migrateReadModel, readModelSchema, rebuildReadModel, startReadModel } from '../read-model/index.js';
export type { ReadModel, ReadModelDatabase } from '../read-model/index.js';
export { codeOf, startSmtpSink } from './smtp-sink.js';
export type { CaughtMail, SmtpSink } from './smtp-sink.js';
export { documentedMatrix } from '../security/write-security-docs.js';
