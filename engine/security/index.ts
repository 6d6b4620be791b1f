// The security module's public surface: users and roles, the permission matrix, sign-in with
// one-time codes, user sessions, CSRF and cookies, the audit log, API keys, and terminals' NATS credentials.
// docs/security.md explains it; the HTTP layer plugs it in through `openSecurity`.

export { Security, openSecurity, apiKeyPrincipal } from './security.js';
export type { AtRestProtection, SecurityHost, SecurityOptions, EnrolmentResult, ConfirmResult } from './security.js';
export { apiKeyErrorCodes, apiKeyTokenPattern, newApiKeySchema } from './api-keys.js';
export type { ApiKeyChanger, ApiKeyErrorCode, ApiKeyResult, ApiKeys, ApiKeyView, CreatedApiKey, NewApiKey } from './api-keys.js';
export { roles, isRole, siteScopedRoles, ownerKinds, principalKinds, sameOwner } from './principal.js';
export type { OwnerKind, OwnerRef, Principal, PrincipalKind, Role } from './principal.js';
export { actions, authorize, grantKinds, grantOf, isAction, permissionMatrix, permissionMatrixMarkdown, queryScope, refusalCodes } from './permissions.js';
export type { Action, Authorization, GrantKind, QueryScope, RefusalCode, Scope } from './permissions.js';
export { auditColumns, auditKinds, auditOutcomes, auditRows, redact } from './audit.js';
export type { AuditActor, AuditEntry, AuditInput, AuditKind, AuditLog, AuditOutcome, AuditPage, AuditQuery, AuditTarget } from './audit.js';
export { newUserSchema, userChangeSchema, userErrorCodes, userStatuses, viewOf } from './users.js';
export type { Changer, ChangeContext, NewUser, UserChange, UserDirectory, UserErrorCode, UserResult, UserStatus, UserView } from './users.js';
export { codeStepSchema, passwordStepSchema, signInErrorCodes, signInMessages } from './sign-in.js';
export type { CodeStep, CodeStepResult, PasswordStep, PasswordStepResult, SignInErrorCode, SignInFailure } from './sign-in.js';
export { secondFactors, sessionEndReasons, sessionExpiry } from './sessions.js';
export type { SecondFactor, SessionEnded, SessionEndReason } from './sessions.js';
export { clearedSessionCookie, csrfHeaderName, sessionCookie, sessionCookieName, sessionTokenFromCookies } from './cookies.js';
export { codeLetter, outboxMailer, smtpMailer } from './mailer.js';
export type { CodeMailer, SignInCodeMessage } from './mailer.js';
export { argon2Hasher, argon2CostDefault, passwordProblem } from './password.js';
export type { Argon2Cost, PasswordHasher } from './password.js';
export {
  applyNatsAuthorization,
  credentialHolderKinds,
  engineInboxPrefix,
  engineSeedPath,
  inboxPrefixOf,
  loadOrCreateEngineSeed,
  publicKeyOfSeed,
  reloadNatsServer,
  writeSeedFile,
} from './nats-credentials.js';
export type { CredentialHolder, CredentialHolderKind, CredentialResult, IssuedCredential, StoredCredential, TerminalCredentials } from './nats-credentials.js';
export { mayReceive, ownerOfKey, scopeOfEvent, viewActionOf } from './event-scope.js';
