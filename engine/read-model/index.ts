// The read model's public surface: the PostgreSQL projection of the engine's journal (projector,
// migrations, rebuild) and the connection to PostgreSQL or the embedded PGlite.

export { startReadModel, embeddedDataDirOf } from './read-model.js';
export type { ReadModel, ReadModelSettings, ReadModelSource } from './read-model.js';
export { Projector } from './projector.js';
export { JournalMismatchError } from './projector.js';
export type { Journal, ProjectorOptions, ReadModelLag, ReadModelLog } from './projector.js';
export { openReadModelDatabase, parseInt8, withoutPassword } from './database.js';
export type { DatabaseOptions, ReadModelDatabase } from './database.js';
export { startEmbeddedPostgres, EmbeddedPostgresLockedError } from './embedded-postgres.js';
export type { EmbeddedPostgres } from './embedded-postgres.js';
export { migrateReadModel, dropReadModel, readModelSchema } from './migrate.js';
export { rebuildReadModel } from './rebuild.js';
export type { RebuildOptions, RebuildSummary } from './rebuild.js';
export { projections } from './projections.js';
export { storableText } from './writes.js';
// Balances, histories and reports the HTTP API reads (queries/).
export {
  ReportTooLargeError, accountOf, balanceList, balanceOf, decodeHistoryCursor, encodeHistoryCursor, networkTimezone, operationHistory, ownerKindsOfAccounts, paymentMethodGroups,
  paymentMethodsReport, pricingConditions, reportNames, salesGroups, salesReport, settlementsReport, topupGroups, topupsReport, washSessionGroups, washSessionsReport,
} from './queries/index.js';
export type {
  AccountOwner, AccountRecord, BalanceView, GroupedReport, GroupValues, HistoryCursor, OperationHistoryRow, PricingConditions, ReportName, ReportPeriod, ReportScope,
  SalesGroup, SettlementRow, SettlementsReport, WashSessionGroup, TopupGroup, PaymentMethodGroup,
} from './queries/index.js';
