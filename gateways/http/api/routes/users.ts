// People, their own profile, and the audit log over HTTP, through the security module's directory
// (engine/security/users.ts) — which decides who may do what and audits it: `users.manage` to create,
// edit, disable, enable and reset passwords, `owners.manage` (owners only) for anything touching an
// owner, `users.delete` (owners only) to delete. The profile routes are the caller's own (`profile.manage`,
// self): its password (its other sessions end) and its authenticator app. The audit is read from the
// network's audit journal, filtered and paged by its sequence number, and exported as CSV or xlsx.

import type { AuditEntry, AuditQuery, ConfirmResult, Principal, UserErrorCode, UserResult, UserView } from '../../../../engine/index.js';
import { actions, auditColumns, auditKinds, auditOutcomes, constants, newUserSchema, roles, userChangeSchema, userStatuses, z } from '../../../../engine/index.js';
import type { ApiContext } from '../context.js';
import { principalOf, requireAllowed } from '../context.js';
import type { ExportColumn, ExportFormat } from '../export.js';
import { exportReply } from '../export.js';
import type { ApiErrorCode, Route } from '../router.js';
import { ApiError, bodyIssues, route } from '../router.js';
import { securityOf, userOut, userSchema } from './auth.js';

type ConfirmRefusal = Extract<ConfirmResult, { ok: false }>['code'];

const isoOut = z.string().describe('ISO 8601 (UTC)');
const iso = (ms: number): string => new Date(ms).toISOString();
const instant = z.iso.datetime({ offset: true }).describe('An instant in ISO 8601 with an offset or Z, e.g. 2026-11-01T00:00:00+03:00');
const password = z.string().min(1).max(constants.passwordLengthMax);

const errorOf: Record<UserErrorCode, ApiErrorCode> = {
  BAD_REQUEST: 'BAD_REQUEST',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  EMAIL_TAKEN: 'EMAIL_TAKEN',
  LAST_OWNER: 'LAST_OWNER',
  PASSWORD_WRONG: 'PASSWORD_WRONG',
  LIMIT_REACHED: 'CONFLICT',
};

function valueOf(result: UserResult<UserView>): UserView {
  if (!result.ok) throw new ApiError(errorOf[result.code], result.message, bodyIssues(result.issues));
  return result.value;
}

/** A path id that cannot name a user is simply not found (the directory's own refusal decides otherwise). */
function userIdOf(params: Readonly<Record<string, string>>): string {
  const id = params['id'] ?? '';
  return id.length <= constants.identifierLengthMax ? id : '';
}

const newUserBody = newUserSchema.omit({ network: true }).meta({ id: 'NewUser' }).describe('the new user of the caller’s network; sites for an operator or attendant, owner for a client');
const userChangeBody = userChangeSchema
  .extend({ status: z.enum(userStatuses).optional().describe('disabled ends the user’s sessions; enabled lets it sign in again') })
  .meta({ id: 'UserChange' });

export const auditEntrySchema = z
  .object({
    seq: z.number().int().describe('position in the network’s audit journal: the cursor'),
    at: isoOut,
    kind: z.enum(auditKinds),
    action: z.enum(actions).optional(),
    outcome: z.enum(auditOutcomes),
    reason: z.string().optional().describe('a stable code: INVALID_CREDENTIALS, FORBIDDEN, logout…'),
    actor: z.object({ kind: z.enum(['user', 'apikey', 'system', 'anonymous']), id: z.string().optional(), role: z.string().optional(), label: z.string().optional() }),
    address: z.string().optional().describe('the client address'),
    target: z.object({ type: z.string(), id: z.string() }).optional(),
    before: z.unknown().optional().describe('redacted: no password, hash, token, code or secret'),
    after: z.unknown().optional(),
  })
  .meta({ id: 'AuditEntry' });

const auditQuerySchema = z.object({
  from: instant.optional().describe('entries at or after this instant'),
  to: instant.optional().describe('entries before this instant'),
  user: z.string().max(constants.identifierLengthMax).optional().describe('entries whose actor or target is this user or API key id'),
  action: z.enum(actions).optional(),
  kind: z.enum(auditKinds).optional(),
  after: z.coerce.number().int().min(0).optional().describe('the `next` of the page before'),
  limit: z.coerce.number().int().min(1).max(constants.auditQueryEntriesMax).optional(),
});
type AuditQueryIn = z.infer<typeof auditQuerySchema>;

function auditQueryOf(query: Omit<AuditQueryIn, 'after' | 'limit'> & { after?: number | undefined; limit?: number | undefined }): AuditQuery {
  return {
    ...(query.from !== undefined ? { from: Date.parse(query.from) } : {}),
    ...(query.to !== undefined ? { to: Date.parse(query.to) } : {}),
    ...(query.user !== undefined ? { user: query.user } : {}),
    ...(query.action !== undefined ? { action: query.action } : {}),
    ...(query.kind !== undefined ? { kind: query.kind } : {}),
    ...(query.after !== undefined ? { afterSeq: query.after } : {}),
    ...(query.limit !== undefined ? { limit: query.limit } : {}),
  };
}

/** An entry as documented (the network is the caller's own: not repeated). */
function entryOut(entry: AuditEntry): z.infer<typeof auditEntrySchema> {
  const { network: _network, ...documented } = entry;
  return { ...documented, at: iso(entry.at) };
}

const auditExportColumns: readonly ExportColumn[] = auditColumns.map((key) => ({ key, header: key, type: key === 'seq' ? 'integer' : key === 'at' ? 'datetime' : 'text' }));

export function userRoutes(context: ApiContext): Route[] {
  const who = (request: { principal: Principal | undefined; remote: string }): { principal: Principal; address: { address: string } } => ({ principal: principalOf(request), address: { address: request.remote } });

  const auditExport = (format: ExportFormat): Route =>
    route({
      method: 'get',
      path: `/api/v1/exports/audit.${format}`,
      summary: `The audit log as ${format === 'csv' ? 'CSV' : 'Excel (xlsx)'}, with the filters of GET /api/v1/audit`,
      tag: 'audit',
      action: 'audit.export',
      query: auditQuerySchema.omit({ after: true, limit: true }),
      produces: [format === 'csv' ? 'text/csv' : 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
      response: z.string(),
      handle: (request) => {
        const { principal, address } = who(request);
        requireAllowed(context, principal, 'audit.export', { network: principal.network }, address.address);
        const audit = securityOf(context).audit;
        const filters = auditQueryOf(request.query);
        async function* rows(): AsyncGenerator<Record<string, unknown>> {
          let afterSeq = 0;
          for (;;) {
            const page = audit.query(principal.network, { ...filters, afterSeq, limit: constants.auditQueryEntriesMax });
            for (const entry of page.entries) {
              const actor = entry.actor;
              yield {
                seq: entry.seq,
                at: new Date(entry.at),
                kind: entry.kind,
                action: entry.action ?? '',
                outcome: entry.outcome,
                reason: entry.reason ?? '',
                actor_kind: actor.kind,
                actor_id: 'id' in actor ? actor.id : '',
                actor_role: 'role' in actor ? actor.role : '',
                actor_label: 'label' in actor ? (actor.label ?? '') : '',
                address: entry.address ?? '',
                target_type: entry.target?.type ?? '',
                target_id: entry.target?.id ?? '',
                before: entry.before === undefined ? '' : JSON.stringify(entry.before),
                after: entry.after === undefined ? '' : JSON.stringify(entry.after),
              };
            }
            if (page.next === undefined) return;
            afterSeq = page.next;
            // Let the answer's writes go out between pages (the journal read is synchronous).
            await new Promise((resolve) => setImmediate(resolve));
          }
        }
        return Promise.resolve(exportReply(format, `audit-${principal.network}`, auditExportColumns, rows));
      },
    });

  return [
    route({
      method: 'get',
      path: '/api/v1/users',
      summary: 'The users of my network and their roles',
      tag: 'users',
      action: 'users.read',
      query: z.object({ role: z.enum(roles).optional(), status: z.enum(userStatuses).optional() }),
      response: z.object({ users: z.array(userSchema) }),
      handle: (request) => {
        const { principal, address } = who(request);
        requireAllowed(context, principal, 'users.read', { network: principal.network }, address.address);
        const users = securityOf(context)
          .users.list(principal.network)
          .filter((user) => (request.query.role === undefined || user.role === request.query.role) && (request.query.status === undefined || user.status === request.query.status))
          .sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
        return Promise.resolve({ body: { users: users.map(userOut) } });
      },
    }),
    route({
      method: 'post',
      path: '/api/v1/users',
      summary: 'Create a user (an owner only by an owner)',
      tag: 'users',
      action: 'users.manage',
      status: 201,
      body: newUserBody,
      response: userSchema,
      handle: async (request) => {
        const { principal, address } = who(request);
        return { body: userOut(valueOf(await securityOf(context).users.create({ ...request.body, network: principal.network }, principal, address))) };
      },
    }),
    route({
      method: 'patch',
      path: '/api/v1/users/:id',
      summary: 'Change a user: e-mail, name, role, sites, owner; disable or enable (a change of reach ends its sessions)',
      tag: 'users',
      action: 'users.manage',
      body: userChangeBody,
      response: userSchema,
      handle: async (request) => {
        const { principal, address } = who(request);
        const users = securityOf(context).users;
        const id = userIdOf(request.params);
        const { status, ...change } = request.body;
        let view: UserView | undefined;
        if (Object.keys(change).length > 0) view = valueOf(await users.update(principal.network, id, change, principal, address));
        if (status !== undefined) view = valueOf(await users.setStatus(principal.network, id, status, principal, address));
        if (view === undefined) {
          // Nothing to change: the same refusals as a change would get, then the user as it is.
          requireAllowed(context, principal, 'users.read', { network: principal.network }, address.address);
          view = users.list(principal.network).find((user) => user.id === id);
          if (view === undefined) throw new ApiError('NOT_FOUND', 'no such user');
        }
        return { body: userOut(view) };
      },
    }),
    route({
      method: 'delete',
      path: '/api/v1/users/:id',
      summary: 'Delete a user (owners only); its sessions end',
      tag: 'users',
      action: 'users.delete',
      response: userSchema,
      handle: async (request) => {
        const { principal, address } = who(request);
        return { body: userOut(valueOf(await securityOf(context).users.delete(principal.network, userIdOf(request.params), principal, address))) };
      },
    }),
    route({
      method: 'post',
      path: '/api/v1/users/:id/password-reset',
      summary: 'Set another user’s password; all of its sessions end',
      tag: 'users',
      action: 'users.manage',
      body: z.strictObject({ password: password.describe('the new password (10–256 characters)') }).meta({ id: 'PasswordReset' }),
      response: userSchema,
      handle: async (request) => {
        const { principal, address } = who(request);
        return { body: userOut(valueOf(await securityOf(context).users.resetPassword(principal.network, userIdOf(request.params), request.body.password, principal, address))) };
      },
    }),
    route({
      method: 'post',
      path: '/api/v1/profile/password',
      summary: 'Change my password (my other sessions end; this one stays)',
      tag: 'profile',
      action: 'profile.manage',
      body: z.strictObject({ currentPassword: password, newPassword: password.describe('10–256 characters') }).meta({ id: 'PasswordChange' }),
      response: userSchema,
      handle: async (request) => {
        const { principal, address } = who(request);
        requireAllowed(context, principal, 'profile.manage', { network: principal.network, user: principal.id }, address.address);
        return { body: userOut(valueOf(await securityOf(context).users.changePassword(principal, request.body.currentPassword, request.body.newPassword, address))) };
      },
    }),
    route({
      method: 'post',
      path: '/api/v1/profile/authenticator',
      summary: 'Start enrolling an authenticator app: its otpauth URI (for a QR code) and secret, shown once',
      tag: 'profile',
      action: 'profile.manage',
      response: z.object({ otpauthUri: z.string(), secret: z.string().describe('for typing into the app; shown in this answer only') }).meta({ id: 'AuthenticatorEnrolment' }),
      handle: async (request) => {
        const { principal, address } = who(request);
        requireAllowed(context, principal, 'profile.manage', { network: principal.network, user: principal.id }, address.address);
        const result = await securityOf(context).beginAuthenticatorEnrolment(principal);
        if (!result.ok) throw new ApiError('FORBIDDEN', result.message);
        return { body: { otpauthUri: result.otpauthUri, secret: result.secret } };
      },
    }),
    route({
      method: 'post',
      path: '/api/v1/profile/authenticator/confirm',
      summary: 'Finish the enrolment with a first code from the app; sign-in then asks for its codes',
      tag: 'profile',
      action: 'profile.manage',
      body: z.strictObject({ code: z.string().min(1).max(constants.signInCodeInputLengthMax) }).meta({ id: 'AuthenticatorConfirm' }),
      response: z.object({ authenticator: z.literal(true) }),
      handle: async (request) => {
        const { principal, address } = who(request);
        requireAllowed(context, principal, 'profile.manage', { network: principal.network, user: principal.id }, address.address);
        const result = await securityOf(context).confirmAuthenticatorEnrolment(principal, request.body.code, address);
        if (!result.ok) throw confirmError(result.code, result.message);
        return { body: { authenticator: true as const } };
      },
    }),
    route({
      // A POST, not a DELETE: the password confirms it, and a DELETE has no body (never a password in a URL).
      method: 'post',
      path: '/api/v1/profile/authenticator/remove',
      summary: 'Remove my authenticator app (my password confirms it); codes are e-mailed again',
      tag: 'profile',
      action: 'profile.manage',
      body: z.strictObject({ password }).meta({ id: 'AuthenticatorRemove' }),
      response: z.object({ authenticator: z.literal(false) }),
      handle: async (request) => {
        const { principal, address } = who(request);
        requireAllowed(context, principal, 'profile.manage', { network: principal.network, user: principal.id }, address.address);
        const result = await securityOf(context).removeAuthenticator(principal, request.body.password, address);
        if (!result.ok) throw confirmError(result.code, result.message);
        return { body: { authenticator: false as const } };
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/audit',
      summary: 'The audit log: changes, sign-ins and failures, refusals, session ends; filtered, paged by `after`',
      tag: 'audit',
      action: 'audit.read',
      query: auditQuerySchema,
      response: z.object({ entries: z.array(auditEntrySchema), next: z.number().int().optional().describe('pass as `after` for the next page') }).meta({ id: 'AuditPage' }),
      handle: (request) => {
        const { principal, address } = who(request);
        requireAllowed(context, principal, 'audit.read', { network: principal.network }, address.address);
        const page = securityOf(context).audit.query(principal.network, auditQueryOf(request.query));
        return Promise.resolve({ body: { entries: page.entries.map(entryOut), ...(page.next !== undefined ? { next: page.next } : {}) } });
      },
    }),
    auditExport('csv'),
    auditExport('xlsx'),
  ];
}

const confirmErrors: Record<ConfirmRefusal, ApiErrorCode> = { FORBIDDEN: 'FORBIDDEN', CODE_INVALID: 'CODE_INVALID', NO_ENROLMENT: 'CONFLICT', PASSWORD_WRONG: 'PASSWORD_WRONG' };

function confirmError(code: ConfirmRefusal, message: string): ApiError {
  return new ApiError(confirmErrors[code], message);
}
