// Alerts on unusual operations and threshold breaches: the public surface of engine/alerts.
// Rules (settings.ts, evaluate.ts, rules/) are pure; the runner feeds them committed events off the
// decision path; the service journals, deduplicates, delivers and answers staff. See
// docs/decisions/0009-alerts.md.

export { AlertService, alertChanges } from './service.js';
export type { AlertActionResult, AlertChange, AlertListener, AlertLog, AlertOptions, AlertStats } from './service.js';
export type { AlertQuery, AlertActionReason } from './book.js';
export { alertActionReasons } from './book.js';
export type { AlertEvent, AlertStatus, AlertSubject, AlertTrigger, AlertView, SubjectKind } from './alert.js';
export { alertEventTypes, alertIdOf, alertLogKey, alertStatuses, isAlertEventType, subjectKinds } from './alert.js';
export type { AlertChannel, AlertRuleId, AlertSettings, AlertSeverity, AlertsSectionDocument } from './settings.js';
export { alertChannels, alertRuleDefaults, alertRuleIds, alertSeverities, compileAlertSettings } from './settings.js';
export type { DeliveryConfig, SmtpConfig, SmtpTlsMode } from './delivery-config.js';
export { deliveryConfigFromEnvironment, noDelivery, smtpTlsModes, webhookSecretVariable } from './delivery-config.js';
export type { AlertPayload, DeliveryOptions } from './deliveries.js';
export { deliveryHeader, signatureHeader, signBody, timestampHeader, verifySignature } from './webhook.js';
