// Settling a request: the actor that made the decision records it. In one synchronous step — and so
// in one LMDB transaction (lmdb-js commits all writes of an event turn together) — it has already
// written its events; here it adds the `declined` event when declined, and the reply record. The
// terminal hears the reply once that commit is flushed. A crash can lose the whole decision or keep
// the whole of it, never the decision without its reply (a retry then gets the first reply).

import type { DeclineDetails, DeclinedEvent } from '../domain/declined.js';
import type { Outcome } from '../protocol/replies.js';
import { replyFor } from '../protocol/replies.js';
import type { ActorDeps } from './deps.js';
import type { Ticket } from './messages.js';

/** What a decider knows of a declined request beyond its ticket: a known card's keyed hash. */
export type DeclineExtra = Pick<DeclineDetails, 'cardHash'>;

export function settle(deps: ActorDeps, persist: (event: DeclinedEvent) => void, ticket: Ticket, outcome: Outcome, extra?: DeclineExtra): void {
  const reply = replyFor(ticket.requestId, outcome);
  if (outcome.result === 'error') {
    // Nothing was decided: no record, so a retry is decided afresh.
    ticket.settle(reply);
    return;
  }
  const now = deps.clock.now();
  if (outcome.result === 'declined') {
    persist({ type: 'declined', network: ticket.networkId, terminal: ticket.terminalId, site: ticket.siteId, id: ticket.requestId, reason: outcome.reason, ...ticket.details(), ...extra, at: now });
  }
  deps.store.remember(ticket.terminalId, ticket.requestId, { fingerprint: ticket.fingerprint, reply, at: now });
  deps.store.afterFlush(() => ticket.settle(reply));
}

/** The reply to send when an actor crashed while holding a ticket. */
export function settleCrash(ticket: Ticket, detail: string): void {
  ticket.settle(replyFor(ticket.requestId, { result: 'error', reason: 'UNAVAILABLE', detail }));
}
