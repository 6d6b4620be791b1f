// The engine core's public surface: what gateways, adapters, the bench and tests may use.
// The runnable server (serve, the demo) is engine/cli/index.ts, so that gateways can depend on
// this file without a cycle.

export { Engine } from './engine.js';
export type { EngineOptions } from './engine.js';
export { constants, subjectPrefixDefault } from './constants.js';
export { reasonCodes, reasonMessages } from './reasons.js';
export type { ReasonCode, Result } from './reasons.js';
export { requestSchemas, isOperation, operations } from './protocol/requests.js';
export type { Operation, TerminalRequest } from './protocol/requests.js';
export { errorReply } from './protocol/replies.js';
export type { Reply } from './protocol/replies.js';
export { networkDocumentSchema, networkJsonSchema, describeIssues } from './network/schema.js';
export type { CardDocument, CounterpartyDocument, NetworkDocument, SiteDocument } from './network/schema.js';
export { ImportError } from './network/import.js';
export type { ImportSummary } from './network/import.js';
export type { CommittedEvent } from './store/lmdb-store.js';
export type { SitePriceList } from './price-publisher.js';
export type { ReadModelLag } from './read-model/index.js';
export { alertActionReasons, alertChanges, alertRuleIds, alertSeverities, alertStatuses, deliveryConfigFromEnvironment, signatureHeader, timestampHeader, deliveryHeader, verifySignature } from './alerts/index.js';
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
