// Requests from the dashboard. The attendant's screen acts for its kiosk terminal through the
// terminal protocol over HTTP (`POST /api/v1/term/<terminal>/<op>`, the same decisions as over NATS);
// every request gets a fresh id, and a reply that is not an approval comes back as a `Problem` with
// the engine's reason code, for a message in the viewer's words.

export interface Reply {
  id: string;
  result: 'approved' | 'declined' | 'error';
  reason: string;
  message?: string;
  [field: string]: unknown;
}

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

export async function terminalRequest(terminal: string, op: string, body: Record<string, unknown>): Promise<Reply> {
  let response: Response;
  try {
    response = await fetch(`/api/v1/term/${encodeURIComponent(terminal)}/${encodeURIComponent(op)}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ id: requestId(), ...body }),
    });
  } catch {
    throw new Problem('network', 'no connection');
  }
  const reply = (await response.json().catch(() => ({}))) as Partial<Reply> & { error?: { code: string; message: string } };
  if (reply.error !== undefined) throw new Problem(reply.error.code, reply.error.message);
  if (reply.result !== 'approved') throw new Problem(String(reply.reason ?? 'other'), String(reply.message ?? ''));
  return reply as Reply;
}
