// The front desk of terminal requests, between the gateways and the actors. It bounds the requests
// in flight, answers a repeat of a settled request from its idempotency record (the first reply,
// unchanged), joins an identical request that is still in flight to the same reply, and refuses the
// same id with another body (DUPLICATE_ID_MISMATCH). Everything else goes to the terminal's actor
// with a ticket; the actor that decides settles the ticket once its commit is flushed, and the desk
// answers every waiter of that request.

import type { LmdbStore } from './store/lmdb-store.js';
import type { Reply } from './protocol/replies.js';
import { reasonMessages } from './reasons.js';

/** Where a terminal's reply goes (the gateway encodes and sends it). */
export type ReplyPort = (reply: Reply) => void;

interface InFlight {
  fingerprint: string;
  waiters: ReplyPort[];
}

export type Admission =
  /** A new request: decide it, then call `settle` exactly once with its reply. */
  | { kind: 'new'; settle: ReplyPort }
  /** Answered here (a repeat, a join or a mismatch): nothing to decide. */
  | { kind: 'answered' };

export class RequestDesk {
  private readonly inFlight = new Map<string, InFlight>();
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly store: LmdbStore,
    private readonly capacity: number,
  ) {}

  /** Requests admitted and not yet settled. */
  get size(): number {
    return this.inFlight.size;
  }

  /**
   * Admits a request. Past capacity it is answered UNAVAILABLE at once (the terminal retries with
   * the same id) instead of queueing into seconds of latency.
   */
  admit(terminalId: string, requestId: string, fingerprint: string, replyTo: ReplyPort): Admission {
    const key = `${terminalId}\u0000${requestId}`;
    const pending = this.inFlight.get(key);
    if (pending !== undefined) {
      if (pending.fingerprint === fingerprint) pending.waiters.push(replyTo);
      else replyTo(mismatch(requestId));
      return answered;
    }
    const record = this.store.idempotencyRecord(terminalId, requestId);
    if (record !== undefined) {
      replyTo(record.fingerprint === fingerprint ? (record.reply as Reply) : mismatch(requestId));
      return answered;
    }
    if (this.inFlight.size >= this.capacity) {
      replyTo({ id: requestId, result: 'error', reason: 'UNAVAILABLE', message: 'the engine is at capacity; retry with the same id' });
      return answered;
    }
    const entry: InFlight = { fingerprint, waiters: [replyTo] };
    this.inFlight.set(key, entry);
    let settled = false;
    return {
      kind: 'new',
      settle: (reply) => {
        if (settled) return;
        settled = true;
        this.inFlight.delete(key);
        for (const waiter of entry.waiters) waiter(reply);
        if (this.inFlight.size === 0 && this.idleWaiters.length > 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
      },
    };
  }

  /** Resolves when nothing is in flight (drain). */
  idle(): Promise<void> {
    if (this.inFlight.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}

const answered: Admission = { kind: 'answered' };

function mismatch(id: string): Reply {
  return { id, result: 'declined', reason: 'DUPLICATE_ID_MISMATCH', message: reasonMessages.DUPLICATE_ID_MISMATCH };
}
