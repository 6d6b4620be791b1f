// Messages between actors. Each actor's commands are a discriminated union on `type`. A request
// travels with its ticket: who asked (terminal, request id, fingerprint) and where the answer goes.
// The actor that decides settles the ticket (actors/settle.ts), so the reply record is committed
// together with the decision's events, and the answer leaves once that commit is flushed.

import type { AccountCommand, ShiftRef, TerminalContext } from '../domain/account.js';
import type { SessionCommand } from '../domain/session.js';
import type { DeclineDetails } from '../domain/declined.js';
import type { TerminalCommand } from '../domain/terminal.js';
import type { ReplyPort } from '../request-desk.js';
import type { AuthorizeRequest, InquireRequest, PricesRequest, SaleRequest, TerminalRequest } from '../protocol/requests.js';

export type { ReplyPort } from '../request-desk.js';

export interface Ticket {
  /** Called once with the reply, after the decision is flushed (the request desk answers every waiter). */
  settle: ReplyPort;
  networkId: string;
  terminalId: string;
  siteId: string;
  requestId: string;
  fingerprint: string;
  /** What a `declined` event says of the request (derived only when it is declined). */
  details: () => DeclineDetails;
}

export type TerminalMessage =
  | ({ type: 'request'; fingerprint: string; settle: ReplyPort } & TerminalRequest)
  /** A return of a receipt this terminal sold without a card, taken at any terminal of the network. */
  | { type: 'receipt.refund'; command: Extract<TerminalCommand, { type: 'refund' }>; ticket: Ticket }
  /** An operation of one of this terminal's shifts was answered (the shift may close once none is pending). */
  | { type: 'shift.settled'; number: number }
  | { type: 'config.changed' };

/** What a card is used for (the sale's shift is the till's, when one is open). */
export type CardPurpose =
  | { purpose: 'authorize'; request: AuthorizeRequest }
  | { purpose: 'inquire'; request: InquireRequest }
  | { purpose: 'sale'; request: SaleRequest; shift?: ShiftRef | undefined }
  | { purpose: 'prices'; request: PricesRequest };

export type CardMessage = ({ type: 'use'; terminal: TerminalContext; ticket: Ticket } & CardPurpose) | { type: 'config.changed' };

export type AccountMessage =
  | { type: 'command'; command: AccountCommand; ticket: Ticket }
  /** A wash session's charge; the ticket is the stop's (none for an automatic stop or a resumed charge). */
  | { type: 'session.charge'; command: Extract<AccountCommand, { type: 'session.charge' }>; ticket: Ticket | undefined }
  | { type: 'expire'; holdNumber: number; expiresAt: number; done: () => void }
  | { type: 'config.changed' };

export type SessionMessage =
  | { type: 'command'; command: SessionCommand; ticket: Ticket | undefined }
  /** Hand every pending charge to the account again (after a restart). */
  | { type: 'resume' }
  | { type: 'config.changed' };
