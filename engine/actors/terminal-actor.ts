// The terminal actor: the terminal's own state — its shifts (domain/terminal.ts) and the receipts it
// sold without a card. It sees the requests that need that state: opening and closing shifts, and
// the cash operations (sale, refund, topup), which it checks against the shift (SHIFT_CLOSED where one
// is required), attaches to it, and decides (a sale without a card) or routes to the card or account
// that decides them. Other operations go from the front door straight to their deciding actor
// (actors/routing.ts); repeats and joins are answered before all this, at the request desk.
//
// Shifts: a cash operation (sale, refund, topup) made while a cash shift is open belongs to that
// shift; the actor that decides it records it in the shift index in the same commit. Closing a shift
// waits until the shift's operations still in flight are answered (at most `shiftCloseWaitMs`), then
// sums the index into the Z-report.

import type { TerminalCommand, TerminalEvent, TerminalSnapshot, TerminalState } from '../domain/terminal.js';
import { cashShiftOf, decideTerminal, decodeTerminalSnapshot, encodeTerminalSnapshot, evolveTerminal, initialTerminalState, shiftOperationOf } from '../domain/terminal.js';
import { saleRecordOf } from '../domain/account.js';
import type { SaleRecord } from '../domain/account.js';
import type { TerminalInfo } from '../network/catalog.js';
import type { ShiftKind } from '../network/schema.js';
import type { Outcome } from '../protocol/replies.js';
import { declined } from '../protocol/replies.js';
import { reasonMessages } from '../reasons.js';
import { constants } from '../constants.js';
import type { ActorBehaviour, ActorShellContext } from './registry.js';
import type { ActorDeps } from './deps.js';
import type { Ticket, TerminalMessage } from './messages.js';
import type { RequestMessage } from './routing.js';
import { routeCashOperation, routeFromDoor, ticketOf } from './routing.js';
import type { DeclineExtra } from './settle.js';
import { settle } from './settle.js';
import { assertNever } from '../assert.js';

/** A `shift.close` waiting for the shift's operations in flight. */
interface DeferredClose {
  number: number;
  ticket: Ticket;
  since: number;
}

export function terminalBehaviour(deps: ActorDeps, key: string): ActorBehaviour<TerminalState, TerminalMessage> {
  const terminalId = key.slice('term:'.length);
  let info: TerminalInfo | undefined = deps.catalogs.terminal(terminalId);
  // Not journalled: operations in flight per shift, and closes waiting for them. A restart loses
  // both together with the requests in flight, whose outcomes are already in the shift index.
  const pending = new Map<number, number>();
  const closing = new Map<ShiftKind, DeferredClose>();

  /** Decides a command of the terminal's own, journals it with its indexes, and settles the ticket. */
  const decide = (state: TerminalState, command: TerminalCommand, ticket: Ticket, context: ActorShellContext<TerminalMessage>): TerminalState => {
    const catalog = deps.catalogs.network(ticket.networkId);
    if (info === undefined || catalog === undefined) {
      settle(deps, context.persist, ticket, declined('TERMINAL_UNKNOWN'));
      return state;
    }
    const decision = decideTerminal(state, { key, info, catalog }, command, deps.clock.now());
    let next = state;
    for (const event of decision.events) {
      writeIndexes(deps, key, event, ticket.requestId);
      next = evolveTerminal(next, event);
      context.persist(event);
    }
    settle(deps, context.persist, ticket, decision.outcome);
    return next;
  };

  const closeNow = (state: TerminalState, kind: ShiftKind, ticket: Ticket, context: ActorShellContext<TerminalMessage>): TerminalState => {
    closing.delete(kind);
    const number = state.shifts[kind]?.number;
    const operations = number !== undefined ? deps.store.shiftOperations(terminalId, number) : [];
    return decide(state, { type: 'shift.close', kind, operations }, ticket, context);
  };

  return {
    initialState: initialTerminalState,
    recover: (state, event: TerminalEvent) => evolveTerminal(state, event),
    encodeSnapshot: encodeTerminalSnapshot,
    decodeSnapshot: (snapshot) => decodeTerminalSnapshot(snapshot as TerminalSnapshot),
    onCrash: (message) => {
      if (message.type === 'request') message.settle({ id: message.request.id, result: 'error', reason: 'UNAVAILABLE', message: reasonMessages.UNAVAILABLE });
      if (message.type === 'receipt.refund') message.ticket.settle({ id: message.ticket.requestId, result: 'error', reason: 'UNAVAILABLE', message: reasonMessages.UNAVAILABLE });
      for (const deferred of closing.values()) deferred.ticket.settle({ id: deferred.ticket.requestId, result: 'error', reason: 'UNAVAILABLE', message: reasonMessages.UNAVAILABLE });
      closing.clear();
    },
    handle: (state, message, context) => {
      switch (message.type) {
        case 'config.changed':
          info = deps.catalogs.terminal(terminalId);
          return state;
        case 'receipt.refund': {
          const record = deps.store.transaction(key, message.command.txNumber) as SaleRecord | undefined;
          return decide(state, { ...message.command, record: record?.kind === 'sale' ? record : undefined }, message.ticket, context);
        }
        case 'shift.settled': {
          const left = Math.max(0, (pending.get(message.number) ?? 0) - 1);
          if (left === 0) pending.delete(message.number);
          else pending.set(message.number, left);
          let next = state;
          for (const [kind, deferred] of closing) {
            const overdue = deps.clock.now() - deferred.since >= constants.shiftCloseWaitMs;
            if ((pending.get(deferred.number) ?? 0) === 0 || overdue) next = closeNow(next, kind, deferred.ticket, context);
          }
          return next;
        }
        case 'request':
          return onRequest(state, message, context);
        default:
          return assertNever(message);
      }
    },
  };

  function onRequest(state: TerminalState, message: RequestMessage, context: ActorShellContext<TerminalMessage>): TerminalState {
    const id = message.request.id;
    if (info === undefined) {
      // The terminal was removed after the gateway let the request in: nothing to record it against.
      message.settle({ id, result: 'declined', reason: 'TERMINAL_UNKNOWN', message: reasonMessages.TERMINAL_UNKNOWN });
      return state;
    }
    const ticket: Ticket = ticketOf(info, message, message.settle);
    const settleHere = (outcome: Outcome, extra?: DeclineExtra): TerminalState => {
      settle(deps, context.persist, ticket, outcome, extra);
      return state;
    };
    if (info.status === 'blocked') return settleHere(declined('TERMINAL_BLOCKED'));
    switch (message.op) {
      case 'shift.open':
        return decide(state, { type: 'shift.open', kind: message.request.kind ?? 'cash', ...(message.request.cashier !== undefined ? { cashier: message.request.cashier } : {}) }, ticket, context);
      case 'shift.close': {
        const kind = message.request.kind ?? 'cash';
        const shift = state.shifts[kind];
        if (shift === undefined || closing.has(kind)) return settleHere(declined('SHIFT_CLOSED'));
        if ((pending.get(shift.number) ?? 0) === 0) return closeNow(state, kind, ticket, context);
        closing.set(kind, { number: shift.number, ticket, since: deps.clock.now() });
        // Wake up once the wait is over, even if a settlement never comes back.
        setTimeout(() => deps.registry.send(key, { type: 'shift.settled', number: -1 }), constants.shiftCloseWaitMs).unref();
        return state;
      }
      case 'sale':
      case 'refund':
      case 'topup': {
        const shift = closing.has('cash') ? undefined : cashShiftOf(state, terminalId);
        if (info.requiresShift && shift === undefined) return settleHere(declined('SHIFT_CLOSED'));
        if (shift !== undefined) {
          pending.set(shift.number, (pending.get(shift.number) ?? 0) + 1);
          const answer = ticket.settle;
          ticket.settle = (reply) => {
            answer(reply);
            deps.registry.send(key, { type: 'shift.settled', number: shift.number });
          };
        }
        if (message.op === 'sale' && message.request.card === undefined) {
          const { lines, payments } = message.request;
          return decide(state, { type: 'sale', lines, ...(payments !== undefined ? { payments } : {}), ...(shift !== undefined ? { shift } : {}) }, ticket, context);
        }
        routeCashOperation(deps, info, message, ticket, shift, settleHere);
        return state;
      }
      case 'authorize':
      case 'inquire':
      case 'prices':
      case 'complete':
      case 'reverse':
      case 'session.start':
      case 'session.stop':
      case 'sessions':
        // Front-door operations (the desk routes them without this actor); routed the same way if sent here.
        routeFromDoor(deps, info, message);
        return state;
      default:
        return assertNever(message);
    }
  }
}

/** Derived indexes of the terminal's events, in the decision's commit: receipt records and the shift index. */
function writeIndexes(deps: ActorDeps, key: string, event: TerminalEvent, requestId: string): void {
  if (event.type === 'sale') deps.store.saveTransaction(key, event.txNumber, { ...saleRecordOf(event) });
  const operation = shiftOperationOf(event);
  if (operation !== undefined) deps.store.recordShiftOperation(operation.terminal, operation.shift, requestId, operation.record);
}

