// The engine core's public surface: what gateways, adapters, the bench and tests may use.
// The runnable server (serve, the demo) is engine/cli/index.ts, so that gateways can depend on
// this file without a cycle.

export { z } from './validation.js';
export { Engine } from './engine.js';
export type { EngineOptions } from './engine.js';
export { constants, subjectPrefixDefault } from './constants.js';
export { reasonCodes, reasonMessages } from './reasons.js';
export type { ReasonCode, Result } from './reasons.js';
export { requestSchemas, isOperation, operations } from './protocol/requests.js';
export type { Operation, TerminalRequest } from './protocol/requests.js';
export { errorReply } from './protocol/replies.js';
export type { Reply } from './protocol/replies.js';
export {
  networkDocumentSchema,
  networkJsonSchema,
  describeIssues,
  identifier,
  displayName,
  plateSchema,
  siteFields,
  siteSchema,
  terminalSchema,
  productSchema,
  priceSchema,
  counterpartySchema,
  cardFields,
  cardSchema,
  cardChangeSchema,
  limitSchema,
  restrictionsSchema,
  clientSchema,
  discountFields,
  discountSchema,
  bonusFields,
  bonusSchema,
  tariffFields,
  tariffSchema,
  networkSchema,
  cardStatuses,
} from './network/schema.js';
export type {
  BonusDocument,
  CardChange,
  CardDocument,
  ClientDocument,
  CounterpartyDocument,
  DiscountDocument,
  NetworkDocument,
  PriceDocument,
  ProductDocument,
  SiteDocument,
  TariffDocument,
  TerminalDocument,
} from './network/schema.js';
export { ImportError } from './network/import.js';
export { accountKeyFor } from './network/catalog.js';
export type { ImportSummary } from './network/import.js';
export type { ApiAnswerRecord, CommittedEvent, LmdbStore } from './store/lmdb-store.js';
export { assert, assertNever } from './assert.js';
export type { CardView } from './network/import.js';
export type { AccountConfig, NetworkCatalogDocument } from './network/catalog.js';
export { normalizePlate } from './domain/plates.js';
export type { SitePriceList } from './price-publisher.js';
export type { ReadModelLag } from './read-model/index.js';
// Balances, histories and reports of the read model (the HTTP API's reads).
export {
  ReportTooLargeError, accountOf, balanceList, balanceOf, decodeHistoryCursor, encodeHistoryCursor, networkTimezone, operationHistory, ownerKindsOfAccounts, paymentMethodGroups,
  paymentMethodsReport, pricingConditions, reportNames, salesGroups, salesReport, settlementsReport, topupGroups, topupsReport, washSessionGroups, washSessionsReport,
} from './read-model/index.js';
export type {
  AccountOwner, AccountRecord, BalanceView, GroupedReport, GroupValues, HistoryCursor, OperationHistoryRow, PricingConditions, ReportName, ReportPeriod, ReportScope,
  SalesGroup, SettlementRow, SettlementsReport, WashSessionGroup, TopupGroup, PaymentMethodGroup,
} from './read-model/index.js';
// The read model's queries the HTTP API answers from (the transaction feed, an operation's card).
export { decodeFeedCursor, encodeFeedCursor, operationCard, operationKinds, operationResults, operationsQuery, operationView, searchOperations } from './read-model/queries/index.js';
export type { CardLine, CardPayment, CardReturn, CardShift, FeedCursor, FeedPage, FeedScope, OperationCard, OperationDetails, OperationFilters, OperationKind, OperationResult, OperationRow, OperationView } from './read-model/queries/index.js';
export { alertActionReasons, alertChanges, alertIdOf, isAlertEventType, alertRuleIds, alertSeverities, alertStatuses, subjectKinds, deliveryConfigFromEnvironment, signatureHeader, timestampHeader, deliveryHeader, verifySignature } from './alerts/index.js';
export type {
  AlertActionReason,
  AlertActionResult,
  AlertChange,
  AlertChannel,
  AlertEvent,
  AlertOptions,
  AlertQuery,
  AlertRuleId,
  AlertService,
  AlertSettings,
  AlertSeverity,
  AlertStats,
  AlertStatus,
  AlertSubject,
  AlertView,
  DeliveryConfig,
} from './alerts/index.js';
export { SimulatedClock, SystemClock } from './clock.js';
export type { Clock } from './clock.js';
export { seededRandom } from './seeded-random.js';
export { demoCards, demoPins, demoNetwork, demoFleetCard, demoFleetSize } from './demo/demo-network.js';
export { demoPassword, demoPeople } from './demo/demo-people.js';
export type { DemoPerson } from './demo/demo-people.js';
// Security (users, roles, sign-in, sessions, audit, NATS credentials): opt-in, see docs/security.md.
export {
  Security,
  openSecurity,
  apiKeyPrincipal,
  apiKeyErrorCodes,
  apiKeyTokenPattern,
  newApiKeySchema,
  roles,
  isRole,
  siteScopedRoles,
  ownerKinds,
  principalKinds,
  sameOwner,
  actions,
  authorize,
  grantKinds,
  grantOf,
  isAction,
  permissionMatrix,
  permissionMatrixMarkdown,
  queryScope,
  refusalCodes,
  auditColumns,
  auditKinds,
  auditOutcomes,
  auditRows,
  redact,
  newUserSchema,
  userChangeSchema,
  userErrorCodes,
  userStatuses,
  viewOf,
  codeStepSchema,
  passwordStepSchema,
  signInErrorCodes,
  signInMessages,
  secondFactors,
  sessionEndReasons,
  sessionExpiry,
  clearedSessionCookie,
  csrfHeaderName,
  sessionCookie,
  sessionCookieName,
  sessionTokenFromCookies,
  smtpMailer,
  argon2Hasher,
  argon2CostDefault,
  passwordProblem,
  applyNatsAuthorization,
  credentialHolderKinds,
  engineInboxPrefix,
  engineSeedPath,
  inboxPrefixOf,
  loadOrCreateEngineSeed,
  publicKeyOfSeed,
  reloadNatsServer,
  writeSeedFile,
  mayReceive,
  ownerOfKey,
  scopeOfEvent,
  viewActionOf,
} from './security/index.js';
export type {
  AtRestProtection,
  ApiKeyChanger,
  ApiKeyErrorCode,
  ApiKeyResult,
  ApiKeys,
  ApiKeyView,
  CreatedApiKey,
  NewApiKey,
  SecurityHost,
  SecurityOptions,
  EnrolmentResult,
  ConfirmResult,
  OwnerKind,
  OwnerRef,
  Principal,
  PrincipalKind,
  Role,
  Action,
  Authorization,
  GrantKind,
  QueryScope,
  RefusalCode,
  Scope,
  AuditActor,
  AuditEntry,
  AuditInput,
  AuditKind,
  AuditLog,
  AuditOutcome,
  AuditPage,
  AuditQuery,
  AuditTarget,
  Changer,
  ChangeContext,
  NewUser,
  UserChange,
  UserDirectory,
  UserErrorCode,
  UserResult,
  UserStatus,
  UserView,
  CodeStep,
  CodeStepResult,
  PasswordStep,
  PasswordStepResult,
  SignInErrorCode,
  SignInFailure,
  SecondFactor,
  SessionEnded,
  SessionEndReason,
  CodeMailer,
  SignInCodeMessage,
  Argon2Cost,
  PasswordHasher,
  CredentialHolder,
  CredentialHolderKind,
  CredentialResult,
  IssuedCredential,
  StoredCredential,
  TerminalCredentials,
} from './security/index.js';
export { smtpConfigFromEnvironment, smtpTlsModes, smtpTransport } from './smtp.js';
export type { SmtpConfig, SmtpOverrides, SmtpTlsMode } from './smtp.js';
