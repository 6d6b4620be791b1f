// The alert book for people: `GET /api/v1/alerts` lists the network's alerts (newest first; by
// default those not yet resolved), `GET /api/v1/alerts/:number` shows one, and `POST
// /api/v1/alerts/:number/acknowledge` and `…/resolve` (with an optional note) record who dealt with
// it. Reading needs `dashboard.read` (the live feed of decisions and alerts), acting `alerts.manage`;
// an operator sees and acts on the alerts of its own sites only (an alert about a card, a terminal or
// a session names the site where it happened). The book is the engine's own (engine/alerts): an
// action is answered once it is on disk, and every open dashboard hears of it on the `alerts` stream.
// Alerts are named by their number within the network, so a URL never carries another network's id.

import type { AlertActionResult, AlertView, Principal } from '../../../../engine/index.js';
import { alertIdOf, alertRuleIds, alertSeverities, alertStatuses, assertNever, constants, subjectKinds, z } from '../../../../engine/index.js';
import type { ApiContext } from '../context.js';
import { listScope, principalOf, requireAllowed } from '../context.js';
import type { ApiRequest, Route } from '../router.js';
import { ApiError, route } from '../router.js';
import { audit } from './management.js';

const tag = 'alerts';
const iso = (at: number): string => new Date(at).toISOString();

const subjectSchema = z
  .object({
    kind: z.enum(subjectKinds),
    id: z.string().describe("the subject's id: a card's keyed hash, an account key, a terminal id, a cashier, a session id"),
    card: z.string().optional().describe('the masked card number; never the full one'),
    account: z.string().optional(),
    name: z.string().optional().describe("the account owner's name"),
    terminal: z.string().optional(),
    site: z.string().optional().describe('where it happened (the last operation of a card, a terminal’s site)'),
    cashier: z.string().optional(),
    client: z.string().optional(),
    plate: z.string().optional(),
  })
  .meta({ id: 'AlertSubject' });

export const alertAnswer = z
  .object({
    id: z.string().describe('`<network>:alert:<number>`, as in the event stream'),
    number: z.number().int().min(1).describe('1, 2, … within the network: how the URLs name an alert'),
    rule: z.enum(alertRuleIds),
    severity: z.enum(alertSeverities),
    status: z.enum(alertStatuses),
    subject: subjectSchema,
    message: z.string().describe('a sentence for people (English)'),
    trigger: z.object({
      positions: z.array(z.number().int()).describe('journal positions of the events that triggered it'),
      refs: z.array(z.string()).describe('handles and ids of the operations involved (authId, txId, sessionId, …)'),
      values: z.record(z.string(), z.union([z.number(), z.string()])).describe('what the rule compared'),
    }),
    raisedAt: z.string().describe('ISO 8601, UTC'),
    acknowledged: z.object({ by: z.string(), at: z.string() }).optional(),
    resolved: z.object({ by: z.string(), at: z.string(), note: z.string().optional() }).optional(),
    deliveries: z.array(
      z.object({
        channel: z.enum(['webhook', 'email']),
        status: z.enum(['pending', 'delivered', 'failed']),
        attempts: z.number().int().optional(),
        error: z.string().optional(),
      }),
    ),
  })
  .meta({ id: 'Alert' });
export type AlertAnswer = z.infer<typeof alertAnswer>;

const listQuery = z.object({
  status: z.enum([...alertStatuses, 'unresolved', 'all']).default('unresolved').describe('`unresolved` (default): open and acknowledged'),
  severity: z.enum(alertSeverities).optional(),
  rule: z.enum(alertRuleIds).optional(),
  site: z.string().min(1).max(constants.identifierLengthMax).optional(),
  before: z.coerce.number().int().min(1).optional().describe('the last number of the previous page'),
  limit: z.coerce.number().int().min(1).max(constants.alertListMax).default(100),
});

const listAnswer = z
  .object({
    items: z.array(alertAnswer),
    unresolved: z.number().int().describe('how many alerts the caller may see are open or acknowledged'),
    next: z.number().int().optional().describe('pass as `before` for the next page; absent on the last page'),
  })
  .meta({ id: 'AlertPage' });

/** Control characters other than tab and line breaks (the alert book refuses them in a note). */
const controlCharacters = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
const resolveBody = z
  .strictObject({
    note: z
      .string()
      .trim()
      .min(1)
      // Counted in UTF-16 code units, as the alert book counts (an emoji is two).
      .refine((note) => note.length <= constants.alertNoteLengthMax, `at most ${constants.alertNoteLengthMax} characters (an emoji counts as two)`)
      .refine((note) => !controlCharacters.test(note), 'no control characters (tabs and line breaks are fine)')
      .optional()
      .describe(`what was done: 1–${constants.alertNoteLengthMax} characters (UTF-16 code units), trimmed, no control characters but tabs and line breaks`),
  })
  .meta({ id: 'AlertResolution' });
const acknowledgeBody = z.strictObject({}).meta({ id: 'AlertAcknowledgement' });

export function alertAnswerOf(view: AlertView): AlertAnswer {
  return {
    id: view.id,
    number: view.number,
    rule: view.rule,
    severity: view.severity,
    status: view.status,
    subject: view.subject,
    message: view.message,
    trigger: view.trigger,
    raisedAt: iso(view.raisedAt),
    ...(view.acknowledged !== undefined ? { acknowledged: { by: view.acknowledged.by, at: iso(view.acknowledged.at) } } : {}),
    ...(view.resolved !== undefined ? { resolved: { by: view.resolved.by, at: iso(view.resolved.at), ...(view.resolved.note !== undefined ? { note: view.resolved.note } : {}) } } : {}),
    deliveries: view.deliveries,
  };
}

const numberParameter = { number: { type: 'integer', minimum: 1, description: 'the alert’s number within the caller’s network' } } as const;
const notFoundAnswer = 'no such alert for the caller: another network’s, another site’s for a site-bound person, or resolved long ago (the newest 1,000 resolved are kept; all are in the event journal)';

/** The site-bound caller sees an alert only when it names one of its sites. */
function visible(sites: readonly string[] | 'all', view: AlertView): boolean {
  return sites === 'all' || (view.subject.site !== undefined && sites.includes(view.subject.site));
}

/** The alert the caller may see, or 404 (another network's, another site's or none). */
function alertOf(context: ApiContext, principal: Principal, request: ApiRequest<unknown, unknown>): AlertView {
  // The router checked it is a whole number from 1 (`pathParameters`).
  const view = context.engine.alerts.get(alertIdOf(principal.network, Number(request.params['number'])));
  const scope = listScope(context, principal, 'dashboard.read', principal.network, request.remote);
  if (view === undefined || !visible(scope.sites, view)) throw new ApiError('NOT_FOUND', 'alert not found');
  return view;
}

function answerOf(result: AlertActionResult): AlertView {
  if (result.result === 'approved') return result.alert;
  const reason = result.reason;
  switch (reason) {
    case 'BAD_REQUEST':
      throw new ApiError('BAD_REQUEST', result.message);
    case 'ALERT_NOT_FOUND':
      throw new ApiError('NOT_FOUND', result.message);
    case 'ALERT_ALREADY_RESOLVED':
    case 'ALERT_ALREADY_ACKNOWLEDGED':
      throw new ApiError('CONFLICT', result.message, [{ path: 'status', message: reason }]);
    case 'UNAVAILABLE':
      throw new ApiError('UNAVAILABLE', result.message);
    default:
      return assertNever(reason);
  }
}

/** Who the alert book names: the person's e-mail (or the key's label), else its id. */
function staffOf(principal: Principal): string {
  return (principal.label ?? principal.id).slice(0, constants.alertStaffLengthMax);
}

export function alertRoutes(context: ApiContext): Route[] {
  const act = async (request: ApiRequest<unknown, { note?: string | undefined }>, kind: 'acknowledge' | 'resolve'): Promise<{ body: AlertAnswer }> => {
    const principal = principalOf(request);
    const view = alertOf(context, principal, request);
    requireAllowed(context, principal, 'alerts.manage', { network: principal.network, site: view.subject.site }, request.remote);
    const note = kind === 'resolve' ? request.body.note : undefined;
    const result = kind === 'acknowledge' ? await context.engine.alerts.acknowledge(view.id, staffOf(principal)) : await context.engine.alerts.resolve(view.id, staffOf(principal), note);
    const after = alertAnswerOf(answerOf(result));
    audit(context, principal, 'alerts.manage', { type: 'alert', id: view.id }, { status: view.status }, { status: after.status, ...(note !== undefined ? { note } : {}) }, request.remote);
    return { body: after };
  };
  return [
    route({
      method: 'get',
      path: '/api/v1/alerts',
      summary: 'The network’s alerts, newest first (by default those not resolved)',
      tag,
      action: 'dashboard.read',
      query: listQuery,
      response: listAnswer,
      handle: (request) => {
        const principal = principalOf(request);
        const scope = listScope(context, principal, 'dashboard.read', principal.network, request.remote);
        const { status, severity, rule, site, before, limit } = request.query;
        const mine = (view: AlertView): boolean => visible(scope.sites, view);
        const where = (view: AlertView): boolean => mine(view) && (severity === undefined || view.severity === severity) && (rule === undefined || view.rule === rule) && (site === undefined || view.subject.site === site);
        // One more than the page: it says whether there is a next one.
        const found = context.engine.alerts.list({ network: principal.network, status, ...(before !== undefined ? { before } : {}), where, limit: limit + 1 });
        const items = found.slice(0, limit);
        const last = items.at(-1);
        const unresolved = context.engine.alerts.count({ network: principal.network, status: 'unresolved', where: mine });
        return Promise.resolve({ body: { items: items.map(alertAnswerOf), unresolved, ...(found.length > limit && last !== undefined ? { next: last.number } : {}) } });
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/alerts/:number',
      summary: 'One alert: its subject, what triggered it, who acknowledged and resolved it, its deliveries',
      tag,
      action: 'dashboard.read',
      pathParameters: numberParameter,
      errors: { '404': notFoundAnswer },
      response: alertAnswer,
      handle: (request) => Promise.resolve({ body: alertAnswerOf(alertOf(context, principalOf(request), request)) }),
    }),
    route({
      method: 'post',
      path: '/api/v1/alerts/:number/acknowledge',
      summary: 'Say the alert is seen and being dealt with (409 when it already is, or is resolved)',
      tag,
      action: 'alerts.manage',
      pathParameters: numberParameter,
      errors: { '404': notFoundAnswer, '409': 'the alert is acknowledged or resolved already (`CONFLICT`; `issues[0].message` is `ALERT_ALREADY_ACKNOWLEDGED` or `ALERT_ALREADY_RESOLVED`)' },
      bodyOptional: true,
      body: acknowledgeBody,
      response: alertAnswer,
      handle: (request) => act(request, 'acknowledge'),
    }),
    route({
      method: 'post',
      path: '/api/v1/alerts/:number/resolve',
      summary: 'Close the alert, with an optional note of what was done (409 when it is resolved already)',
      tag,
      action: 'alerts.manage',
      pathParameters: numberParameter,
      errors: { '404': notFoundAnswer, '409': 'the alert is resolved already (`CONFLICT`; `issues[0].message` is `ALERT_ALREADY_RESOLVED`)' },
      bodyOptional: true,
      body: resolveBody,
      response: alertAnswer,
      handle: (request) => act(request, 'resolve'),
    }),
  ];
}
