// The error codes the API answers with: stable, documented in docs/api.md. A module of its own with
// no imports, so the dashboard (a browser bundle) names the same closed set the router answers with.

export const apiErrorCodes = [
  'BAD_REQUEST',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'CSRF_FAILED',
  'NOT_FOUND',
  'CONFLICT',
  'IDEMPOTENCY_KEY_REUSED',
  'PAYLOAD_TOO_LARGE',
  'RATE_LIMITED',
  'INVALID_CREDENTIALS',
  'CODE_INVALID',
  'SIGN_IN_EXPIRED',
  'LOCKED',
  'EMAIL_TAKEN',
  'LAST_OWNER',
  'PASSWORD_WRONG',
  'UNAVAILABLE',
  'INTERNAL',
] as const;
export type ApiErrorCode = (typeof apiErrorCodes)[number];
