// The attendant's decisions: the terminal protocol's car-wash operations (`sessions`,
// `session.start`, `session.stop`, `topup`) sent for a wash site's kiosk or bay as the signed-in
// person (`POST /api/v1/wash/terminals/<terminal>/<op>`, gateways/http/api/routes/wash.ts) — the same
// decisions as over NATS, limited to the person's sites and audited. Every request gets a fresh id; a
// reply that is not an approval comes back as a `Problem` with the engine's reason code.

import { api } from './http';

export type WashOperation = 'sessions' | 'session.start' | 'session.stop' | 'topup';

export interface Reply {
  id: string;
  result: 'approved' | 'declined' | 'error';
  reason: string;
  message?: string;
  [field: string]: unknown;
}

/** A decision that was not an approval: the engine's reason code (reasons.* words). */
export class Problem extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

let sequence = 0;

function requestId(): string {
  sequence++;
  return `ui-${Date.now().toString(36)}-${sequence.toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;
}

/** One wash operation at `terminal`; API refusals throw `ApiProblem`, declines throw `Problem`. */
export async function terminalRequest(terminal: string, op: WashOperation, body: Record<string, unknown>): Promise<Reply> {
  const reply = await api.post<Reply>(`/wash/terminals/${encodeURIComponent(terminal)}/${op}`, { id: requestId(), ...body });
  if (reply.result !== 'approved') throw new Problem(reply.reason, reply.message ?? '');
  return reply;
}
