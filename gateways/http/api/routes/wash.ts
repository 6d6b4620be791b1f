// The car wash for signed-in people: the attendant's screen acts for a wash site's kiosk or bay
// terminal — the board of open sessions, starting and stopping a session, topping up a balance — as the
// signed-in attendant (or any role with the grant), limited to the person's own sites. The body is the
// terminal protocol's own request for that operation (docs/protocol.md), validated by the engine's own
// schema; the answer is the engine's reply (approved or declined with a reason code, status 200), the
// same decision, idempotency and journal as a terminal over NATS. Every write is audited with who did it.

import type { Action, Operation, TerminalRequest } from '../../../../engine/index.js';
import { requestSchemas, z } from '../../../../engine/index.js';
import type { ApiContext } from '../context.js';
import { principalOf, requireAllowed } from '../context.js';
import type { Route } from '../router.js';
import { ApiError, route } from '../router.js';
import { audit, notFound } from './management.js';

/** What a person may do at a wash terminal, and the permission each needs. */
const washOperations = {
  sessions: { action: 'sessions.read', summary: 'The board of a wash site: its tariffs and open sessions (the terminal protocol’s `sessions`)' },
  'session.start': { action: 'sessions.operate', summary: 'Start a wash session for a client found by plate, QR code, NFC tag or card (`session.start`)' },
  'session.stop': { action: 'sessions.operate', summary: 'Stop a wash session with an optional comment; the started minutes are charged (`session.stop`)' },
  topup: { action: 'balances.topup', summary: 'Top up a client’s balance at the wash’s till, in cash or by bank card (`topup`)' },
} as const satisfies Partial<Record<Operation, { action: Action; summary: string }>>;
type WashOperation = keyof typeof washOperations;

const replySchema = z
  .object({ id: z.string(), result: z.enum(['approved', 'declined', 'error']), reason: z.string(), message: z.string().optional() })
  .catchall(z.unknown())
  .meta({ id: 'TerminalReply' })
  .describe('The engine’s reply, as a terminal gets it (docs/protocol.md): a decline is an answer, not an HTTP error');
const requestBody = z.record(z.string(), z.unknown()).describe('The terminal protocol’s request for this operation (docs/protocol.md), with its own `id` for idempotency');

export function washRoutes(context: ApiContext): Route[] {
  return (Object.keys(washOperations) as WashOperation[]).map((op) =>
    route({
      method: 'post',
      path: `/api/v1/wash/terminals/:terminal/${op}`,
      summary: washOperations[op].summary,
      tag: 'wash',
      action: washOperations[op].action,
      body: requestBody,
      response: replySchema,
      handle: (request) => {
        const principal = principalOf(request);
        const terminalId = request.params['terminal'] ?? '';
        const terminal = context.engine.catalogs.terminal(terminalId);
        // Only the caller's network's wash terminals exist for it.
        if (terminal === undefined || terminal.networkId !== principal.network || (terminal.kind !== 'kiosk' && terminal.kind !== 'bay')) throw notFound('wash terminal');
        // Another site's terminal does not exist for a person bound to sites (as in every list).
        if (principal.sites !== 'all' && !principal.sites.includes(terminal.siteId)) throw notFound('wash terminal');
        requireAllowed(context, principal, washOperations[op].action, { network: principal.network, site: terminal.siteId }, request.remote);
        const parsed = requestSchemas[op].safeParse(request.body);
        if (!parsed.success) throw new ApiError('BAD_REQUEST', 'the request is not valid', parsed.error.issues.map((issue) => ({ path: ['body', ...issue.path.map(String)].join('.'), message: issue.message })));
        if (!context.engine.acceptingRequests) throw new ApiError('UNAVAILABLE', 'the engine is shutting down');
        const decision = { op, request: parsed.data } as TerminalRequest;
        return new Promise((resolve) => {
          context.engine.submit(terminalId, decision, (reply) => {
            if (op !== 'sessions') audit(context, principal, washOperations[op].action, { type: 'terminal', id: terminalId }, null, { op, id: reply.id, result: reply.result, reason: reply.reason }, request.remote);
            resolve({ body: reply });
          });
        });
      },
    }),
  );
}
