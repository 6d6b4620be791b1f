// Replies of the terminal protocol. Every reply has id, result and reason; approved replies add the
// fields of their operation. Messages never carry card numbers or PINs.

import type { DeclineReason, ReasonCode, Result } from '../reasons.js';
import { reasonMessages } from '../reasons.js';

export interface ReplyBase {
  id: string;
  result: Result;
  reason: ReasonCode;
  message?: string;
}

export type Reply = ReplyBase & Record<string, unknown>;

/** The body of a decision before the request id is attached. */
export type Outcome =
  | { result: 'approved'; fields: Record<string, unknown> }
  | { result: 'declined'; reason: DeclineReason; detail?: string; fields?: Record<string, unknown> }
  | { result: 'error'; reason: 'UNAVAILABLE'; detail: string };

export function approved(fields: Record<string, unknown>): Outcome {
  return { result: 'approved', fields };
}

export function declined(reason: DeclineReason, detail?: string, fields?: Record<string, unknown>): Outcome {
  const outcome: Outcome = detail === undefined ? { result: 'declined', reason } : { result: 'declined', reason, detail };
  if (fields !== undefined) outcome.fields = fields;
  return outcome;
}

export function replyFor(id: string, outcome: Outcome): Reply {
  if (outcome.result === 'approved') return { id, result: 'approved', reason: 'OK', ...outcome.fields };
  if (outcome.result === 'error') return { id, result: 'error', reason: outcome.reason, message: outcome.detail };
  return { id, result: 'declined', reason: outcome.reason, message: outcome.detail ?? reasonMessages[outcome.reason], ...outcome.fields };
}

export function errorReply(id: string, reason: 'BAD_REQUEST' | 'UNAVAILABLE', message: string): Reply {
  return { id, result: 'error', reason, message };
}
