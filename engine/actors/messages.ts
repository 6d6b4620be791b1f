// Messages between actors. Each actor's commands are a discriminated union on `type`; replies travel
// through ports (functions) carried in the message, so no temporary actor or timer is made per request.

import type { AccountCommand, TerminalContext } from '../domain/account.js';
import type { Reply, Outcome } from '../protocol/replies.js';
import type { AuthorizeRequest, InquireRequest, Operation, TerminalRequest } from '../protocol/requests.js';

/** Where a terminal's reply goes (the gateway encodes and sends it). */
export type ReplyPort = (reply: Reply) => void;
/** Where a card or account sends its outcome back to the terminal actor. */
export type OutcomePort = (outcome: Outcome) => void;

export interface DeclineDetails {
  op: Operation;
  card?: string;
  product?: string;
  amount?: number;
  volume?: number;
}

export type TerminalMessage =
  | ({ type: 'request'; fingerprint: string; replyTo: ReplyPort } & TerminalRequest)
  | { type: 'decided'; requestId: string; outcome: Outcome }
  | { type: 'flushed'; requestId: string; reply: Reply }
  | { type: 'config.changed' };

export type CardMessage =
  | { type: 'use'; purpose: 'authorize'; request: AuthorizeRequest; terminal: TerminalContext; replyTo: OutcomePort }
  | { type: 'use'; purpose: 'inquire'; request: InquireRequest; terminal: TerminalContext; replyTo: OutcomePort }
  | { type: 'config.changed' };

export type AccountMessage =
  | { type: 'command'; command: AccountCommand; replyTo: OutcomePort; dueIndex?: { expiresAt: number } }
  | { type: 'config.changed' };
