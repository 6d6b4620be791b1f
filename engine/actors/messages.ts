// Messages between actors. Each actor's commands are a discriminated union on `type`. A request
// travels with its ticket: who asked (terminal, request id, fingerprint) and where the answer goes.
// The actor that decides settles the ticket (actors/settle.ts), so the reply record is committed
// together with the decision's events.

import type { Ref } from 'nact';
import type { AccountCommand, TerminalContext } from '../domain/account.js';
import type { DeclineDetails } from '../domain/declined.js';
import type { Reply } from '../protocol/replies.js';
import type { AuthorizeRequest, InquireRequest, TerminalRequest } from '../protocol/requests.js';

/** Where a terminal's reply goes (the gateway encodes and sends it). */
export type ReplyPort = (reply: Reply) => void;

export interface Ticket {
  /** The terminal actor that waits for the settlement. */
  terminal: Ref<TerminalMessage>;
  networkId: string;
  terminalId: string;
  siteId: string;
  requestId: string;
  fingerprint: string;
  details: DeclineDetails;
}

export type TerminalMessage =
  | ({ type: 'request'; fingerprint: string; replyTo: ReplyPort } & TerminalRequest)
  | { type: 'settled'; requestId: string; reply: Reply }
  | { type: 'config.changed' };

export type CardMessage =
  | { type: 'use'; purpose: 'authorize'; request: AuthorizeRequest; terminal: TerminalContext; ticket: Ticket }
  | { type: 'use'; purpose: 'inquire'; request: InquireRequest; terminal: TerminalContext; ticket: Ticket }
  | { type: 'config.changed' };

export type AccountMessage =
  | { type: 'command'; command: AccountCommand; ticket: Ticket }
  | { type: 'expire'; holdNumber: number; expiresAt: number; done: () => void }
  | { type: 'config.changed' };
