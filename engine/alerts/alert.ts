// What an alert is: the events of the alert journal (`alerts:<networkId>`, one per network) — an
// alert raised, acknowledged, resolved, delivered or not — and the alert as staff see it. An alert
// names its rule and severity, its subject (a card by masked number and keyed hash, an account, a
// terminal, a cashier or a wash session; never a full card number), what triggered it (journal
// positions, handles and the values compared) and its dedup key: one alert per rule and subject per
// window, the window ending at `dedupUntil`.

import type { AlertChannel, AlertRuleId, AlertSeverity } from './settings.js';
import type { AlertStatus } from './alert-kinds.js';

import type { SubjectKind } from './alert-kinds.js';

export { subjectKinds } from './alert-kinds.js';
export type { SubjectKind } from './alert-kinds.js';

export interface AlertSubject {
  kind: SubjectKind;
  /** The subject's id: a card's `<network>:<keyed hash>` (or `<account>|<masked>` when no hash is known), an account key, a terminal id, `<network>|<cashier>`, a session id. */
  id: string;
  /** Masked card number (first 6, last 4). */
  card?: string;
  account?: string;
  /** The account's owner's name (accounts). */
  name?: string;
  terminal?: string;
  site?: string;
  cashier?: string;
  client?: string;
  plate?: string;
}

export interface AlertTrigger {
  /** Journal positions of the events that triggered it (none for the periodic rules). */
  positions: number[];
  /** Handles and ids of the operations involved (authId, txId, refundId, sessionId, request id). */
  refs: string[];
  /** The values the rule compared, e.g. `{ authorizations: 6, limit: 5, minutes: 60 }`. */
  values: Record<string, number | string>;
}

/** An alert a rule decided to raise, before it is numbered and journalled. */
export interface AlertDraft {
  network: string;
  rule: AlertRuleId;
  severity: AlertSeverity;
  subject: AlertSubject;
  message: string;
  trigger: AlertTrigger;
  dedupKey: string;
  /** The end of the dedup window: no other alert with this key before then. */
  dedupUntil: number;
  at: number;
}

export const alertEventTypes = ['alert', 'alert.acknowledged', 'alert.resolved', 'alert.delivered', 'alert.delivery_failed'] as const;
export type AlertEventType = (typeof alertEventTypes)[number];

export type AlertEvent =
  | ({ type: 'alert'; alertId: string; number: number; channels: AlertChannel[] } & AlertDraft)
  | { type: 'alert.acknowledged'; network: string; alertId: string; by: string; at: number }
  | { type: 'alert.resolved'; network: string; alertId: string; by: string; note?: string; at: number }
  | { type: 'alert.delivered'; network: string; alertId: string; channel: AlertChannel; attempts: number; at: number }
  | { type: 'alert.delivery_failed'; network: string; alertId: string; channel: AlertChannel; attempts: number; error: string; at: number };

export type AlertRaised = Extract<AlertEvent, { type: 'alert' }>;

export { alertStatuses } from './alert-kinds.js';
export type { AlertStatus } from './alert-kinds.js';

/** An alert as staff see it (and as the webhook and listeners receive it). */
export interface AlertView {
  id: string;
  network: string;
  number: number;
  rule: AlertRuleId;
  severity: AlertSeverity;
  status: AlertStatus;
  subject: AlertSubject;
  message: string;
  trigger: AlertTrigger;
  dedupKey: string;
  raisedAt: number;
  acknowledged?: { by: string; at: number };
  resolved?: { by: string; at: number; note?: string };
  deliveries: { channel: AlertChannel; status: 'pending' | 'delivered' | 'failed'; attempts?: number; error?: string }[];
}

const alertTypes: ReadonlySet<string> = new Set(alertEventTypes);

/** Whether a journal event is one of the alert journal's own (the rules never evaluate those). */
export function isAlertEventType(type: string): type is AlertEventType {
  return alertTypes.has(type);
}

/** The journal of a network's alerts (no actor owns it; the store numbers it). */
export function alertLogKey(networkId: string): string {
  return `alerts:${networkId}`;
}

export function alertIdOf(networkId: string, number: number): string {
  return `${networkId}:alert:${number}`;
}

/** The network of an alert id (identifiers never contain ':'). */
export function networkOfAlertId(alertId: string): string | undefined {
  const parts = alertId.split(':');
  return parts.length === 3 && parts[1] === 'alert' && parts[0] !== '' ? parts[0] : undefined;
}
