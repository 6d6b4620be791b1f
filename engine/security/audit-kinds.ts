// The audit journal's closed sets — what an entry records and how it ended — in a module with no
// imports, so the dashboard (a browser bundle) filters by the same kinds the engine writes.

export const auditKinds = [
  'user.created',
  'user.updated',
  'user.disabled',
  'user.enabled',
  'user.deleted',
  'user.password_changed',
  'user.authenticator_enrolled',
  'user.authenticator_removed',
  'signin.code_sent',
  'signin.succeeded',
  'signin.failed',
  'signin.locked',
  'session.ended',
  'access.refused',
  'terminal.credential_issued',
  'terminal.credential_revoked',
  'apikey.created',
  'apikey.revoked',
  /** Any other change the API makes (prices, cards, network…): `action` says which. */
  'change',
] as const;
export type AuditKind = (typeof auditKinds)[number];

export const auditOutcomes = ['ok', 'failed', 'refused'] as const;
export type AuditOutcome = (typeof auditOutcomes)[number];
