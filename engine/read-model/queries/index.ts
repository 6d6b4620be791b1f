// What the HTTP API reads from the read model: SQL with parameters over the `readmodel` schema, one
// module per area (the feed and search, balances, histories, reports).

export { accountOf, balanceList, balanceOf, ownerKindsOfAccounts } from './balances.js';
export type { AccountOwner, AccountOwnerKind, AccountRecord, BalanceListQuery, BalanceView, Queryable } from './balances.js';
export { decodeHistoryCursor, encodeHistoryCursor, operationHistory, pricingConditions } from './history.js';
export type { BonusProgramInForce, DiscountInForce, HistoryCursor, OperationHistoryQuery, OperationHistoryRow, PricingConditions, PricingHistoryRow } from './history.js';
export {
  ReportTooLargeError,
  networkTimezone,
  paymentMethodGroups,
  paymentMethodsReport,
  reportNames,
  salesGroups,
  salesReport,
  settlementsReport,
  topupGroups,
  topupsReport,
  washSessionGroups,
  washSessionsReport,
} from './reports.js';
export type {
  GroupValues,
  GroupedReport,
  PaymentMethodGroup,
  PaymentMethodMeasures,
  ReportName,
  ReportPeriod,
  ReportScope,
  SalesGroup,
  SalesMeasures,
  SettlementRow,
  SettlementsReport,
  TopupGroup,
  TopupMeasures,
  WashSessionGroup,
  WashSessionMeasures,
} from './reports.js';
export { decodeFeedCursor, encodeFeedCursor, operationKinds, operationResults, operationsQuery, operationView, searchOperations } from './feed.js';
export type { FeedCursor, FeedPage, FeedScope, OperationFilters, OperationKind, OperationResult, OperationRow, OperationView } from './feed.js';
export { operationCard } from './operation-card.js';
export type { CardLine, CardPayment, CardReturn, CardShift, OperationCard, OperationDetails } from './operation-card.js';
