// The terminal actor: where every request of one terminal is decided first. It checks the terminal
// itself (known, not blocked, a cash shift open where one is required), keeps the terminal's shifts
// and the receipts it sold without a card (domain/terminal.ts), and routes everything else to the
// card or account actor that decides it. Repeats and joins are answered before this, at the request
// desk (engine/request-desk.ts).
//
// Shifts: a cash operation (sale, refund, topup) made while a cash shift is open belongs to that
// shift; the actor that decides it records it in the shift index in the same commit. Closing a shift
// waits until the shift's operations still in flight are answered (at most `shiftCloseWaitMs`), then
// sums the index into the Z-report.

import { decodeHandle } from '../domain/handles.js';
import type { ShiftRef, TerminalContext } from '../domain/account.js';
import { saleRecordOf } from '../domain/account.js';
import type { TerminalCommand, TerminalEvent, TerminalSnapshot, TerminalState } from '../domain/terminal.js';
import { cashShiftOf, decideTerminal, decodeTerminalSnapshot, encodeTerminalSnapshot, evolveTerminal, initialTerminalState, shiftOperationOf } from '../domain/terminal.js';
import { priceList } from '../domain/price-list.js';
import type { SaleRecord } from '../domain/account.js';
import type { ClientIdentifier } from '../protocol/requests.js';
import { accountKeyFor, cardKeyFor, referenceKinds, sessionKeyFor, terminalKeyFor } from '../network/catalog.js';
import type { AccountConfig, CardConfig, TerminalInfo } from '../network/catalog.js';
import type { ShiftKind } from '../network/schema.js';
import type { Outcome } from '../protocol/replies.js';
import { approved, declined, replyFor } from '../protocol/replies.js';
import type { SessionClient } from '../domain/session.js';
import { runningCost } from '../domain/session.js';
import { reasonMessages } from '../reasons.js';
import { maskCardNumber } from '../card-identity.js';
import { normalizePlate } from '../domain/plates.js';
import { constants } from '../constants.js';
import type { ActorBehaviour, ActorShellContext } from './registry.js';
import type { ActorDeps } from './deps.js';
import type { Ticket, TerminalMessage } from './messages.js';
import type { DeclineDetails } from '../domain/declined.js';
import { settle } from './settle.js';
import { assertNever } from '../assert.js';

type RequestMessage = Extract<TerminalMessage, { type: 'request' }>;

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
    const ticket: Ticket = { settle: message.settle, networkId: info.networkId, terminalId, siteId: info.siteId, requestId: id, fingerprint: message.fingerprint, details: detailsOf(message) };
    const settleHere = (outcome: Outcome): TerminalState => {
      settle(deps, context.persist, ticket, outcome);
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
      case 'prices':
        if (message.request.card === undefined) {
          const catalog = deps.catalogs.network(info.networkId);
          const now = deps.clock.now();
          const list = catalog ? priceList(catalog, info.siteId, now, catalog.calendar.localTime(now).minuteOfDay, undefined, message.request.products) : undefined;
          return settleHere(list === undefined ? declined('PRODUCT_UNKNOWN') : approved({ site: info.siteId, at: now, prices: list.prices, scheduled: list.scheduled }));
        }
        routeToCard(deps, info, message.request.card, settleHere, (cardKey, terminal) => deps.registry.send(cardKey, { type: 'use', purpose: 'prices', request: message.request, terminal, ticket }));
        return state;
      case 'authorize':
        routeToCard(deps, info, message.request.card, settleHere, (cardKey, terminal) => deps.registry.send(cardKey, { type: 'use', purpose: 'authorize', request: message.request, terminal, ticket }));
        return state;
      case 'inquire':
        routeToCard(deps, info, message.request.card, settleHere, (cardKey, terminal) => deps.registry.send(cardKey, { type: 'use', purpose: 'inquire', request: message.request, terminal, ticket }));
        return state;
      case 'session.start':
      case 'session.stop':
        routeSession(deps, info, message, ticket, settleHere);
        return state;
      case 'sessions': {
        // A live board, not a decision: answered from the index of open sessions, and not remembered
        // (a repeat gets the board as it is then).
        const now = deps.clock.now();
        message.settle(replyFor(id, approved({ site: info.siteId, at: now, sessions: boardOf(deps, info.siteId, now) })));
        return state;
      }
      case 'complete':
      case 'reverse': {
        const handle = decodeHandle('hold', message.request.authId);
        if (handle === undefined || !accountOfNetwork(deps, info.networkId, handle.ownerKey)) return settleHere(declined('AUTH_NOT_FOUND'));
        const terminal = contextOf(info);
        const command =
          message.op === 'complete'
            ? {
                type: 'complete' as const,
                holdNumber: handle.number,
                terminal,
                ...(message.request.amount !== undefined ? { amount: message.request.amount } : {}),
                ...(message.request.volume !== undefined ? { volume: message.request.volume } : {}),
              }
            : { type: 'reverse' as const, holdNumber: handle.number, terminal };
        deps.registry.send(handle.ownerKey, { type: 'command', command, ticket });
        return state;
      }
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

function contextOf(info: TerminalInfo): TerminalContext {
  return { terminalId: info.id, siteId: info.siteId };
}

function routeToCard(deps: ActorDeps, info: TerminalInfo, number: string, settleHere: (outcome: Outcome) => unknown, send: (cardKey: string, terminal: TerminalContext) => void): void {
  const identity = deps.cardKeys.identify(info.networkId, number);
  if (!deps.store.hasReference(referenceKinds.card, `${info.networkId}:${identity.hash}`)) {
    settleHere(declined('CARD_UNKNOWN'));
    return;
  }
  send(cardKeyFor(info.networkId, identity.hash), contextOf(info));
}

/** Sales with a card, refunds and top-ups: to the card, the owner of the receipt, or the account. */
function routeCashOperation(deps: ActorDeps, info: TerminalInfo, message: Extract<RequestMessage, { op: 'sale' | 'refund' | 'topup' }>, ticket: Ticket, shift: ShiftRef | undefined, settleHere: (outcome: Outcome) => unknown): void {
  const terminal = contextOf(info);
  const inShift = shift !== undefined ? { shift } : {};
  switch (message.op) {
    case 'sale': {
      const number = message.request.card;
      if (number === undefined) return;
      routeToCard(deps, info, number, settleHere, (cardKey) => deps.registry.send(cardKey, { type: 'use', purpose: 'sale', request: message.request, terminal, shift, ticket }));
      return;
    }
    case 'refund': {
      const handle = decodeHandle('transaction', message.request.txId);
      const { amount, lines } = message.request;
      const asked = { ...(amount !== undefined ? { amount } : {}), ...(lines !== undefined ? { lines } : {}) };
      if (handle !== undefined && handle.ownerKey.startsWith('term:')) {
        const owner = deps.catalogs.terminal(handle.ownerKey.slice('term:'.length));
        if (owner === undefined || owner.networkId !== info.networkId) {
          settleHere(declined('TX_NOT_FOUND'));
          return;
        }
        deps.registry.send(terminalKeyFor(owner.id), { type: 'receipt.refund', command: { type: 'refund', txNumber: handle.number, record: undefined, terminal, ...asked, ...inShift }, ticket });
        return;
      }
      if (handle === undefined || !accountOfNetwork(deps, info.networkId, handle.ownerKey)) {
        settleHere(declined('TX_NOT_FOUND'));
        return;
      }
      deps.registry.send(handle.ownerKey, { type: 'command', command: { type: 'refund', txNumber: handle.number, transaction: undefined, terminal, ...asked, ...inShift }, ticket });
      return;
    }
    case 'topup': {
      const resolved = topupAccount(deps, info.networkId, message.request);
      if (typeof resolved !== 'string') {
        settleHere(resolved);
        return;
      }
      deps.registry.send(resolved, { type: 'command', command: { type: 'topup', amount: message.request.amount, method: message.request.method, terminal, ...inShift }, ticket });
      return;
    }
    default:
      assertNever(message);
  }
}

function detailsOf(message: RequestMessage): DeclineDetails {
  switch (message.op) {
    case 'authorize': {
      const details: DeclineDetails = { op: 'authorize', card: maskCardNumber(message.request.card), product: message.request.product };
      if (message.request.amount !== undefined) details.amount = message.request.amount;
      if (message.request.volume !== undefined) details.volume = message.request.volume;
      return details;
    }
    case 'inquire':
      return { op: 'inquire', card: maskCardNumber(message.request.card) };
    case 'topup':
      return message.request.card !== undefined ? { op: 'topup', card: maskCardNumber(message.request.card), amount: message.request.amount } : { op: 'topup', amount: message.request.amount };
    case 'sale':
    case 'prices':
      return message.request.card !== undefined ? { op: message.op, card: maskCardNumber(message.request.card) } : { op: message.op };
    case 'complete':
    case 'reverse':
    case 'refund':
    case 'shift.open':
    case 'shift.close':
    case 'session.start':
    case 'session.stop':
    case 'sessions':
      return { op: message.op };
    default:
      return assertNever(message);
  }
}

/** Wash sessions: to the client's session actor; a plate never seen before names a new guest. */
function routeSession(deps: ActorDeps, info: TerminalInfo, message: Extract<RequestMessage, { op: 'session.start' | 'session.stop' }>, ticket: Ticket, settleHere: (outcome: Outcome) => unknown): void {
  const networkId = info.networkId;
  if (message.op === 'session.start') {
    // In precedence order: an unknown client (a plate never seen is a new guest, not unknown), then
    // the tariff — checked here too (the session actor decides it again), so a bad tariff never
    // spawns a guest's actor.
    const client = sessionClient(deps, networkId, message.request.client);
    if (client === undefined) {
      settleHere(declined('CLIENT_UNKNOWN'));
      return;
    }
    const offered = deps.catalogs.network(networkId)?.tariffs.get(message.request.tariff);
    if (offered === undefined || (offered.sites !== undefined && !offered.sites.includes(info.siteId))) {
      settleHere(declined('TARIFF_UNKNOWN'));
      return;
    }
    const { tariff, comment } = message.request;
    deps.registry.send(sessionKeyFor(networkId, client.id), { type: 'command', command: { type: 'start', client, tariff, site: info.siteId, terminal: info.id, ...(comment !== undefined ? { comment } : {}) }, ticket });
    return;
  }
  const { sessionId, client, comment } = message.request;
  const withComment = comment !== undefined ? { comment } : {};
  const request = { terminal: info.id, id: ticket.requestId };
  if (sessionId !== undefined) {
    const handle = decodeHandle('session', sessionId);
    const clientId = handle?.ownerKey.startsWith(`sess:${networkId}:`) ? handle.ownerKey.slice(`sess:${networkId}:`.length) : undefined;
    if (handle === undefined || clientId === undefined || !deps.store.hasReference(referenceKinds.account, accountKeyFor(networkId, 'client', clientId))) {
      settleHere(declined('SESSION_NOT_FOUND'));
      return;
    }
    deps.registry.send(handle.ownerKey, { type: 'command', command: { type: 'stop', sessionNumber: handle.number, terminal: info.id, request, ...withComment }, ticket });
    return;
  }
  const clientId = client !== undefined ? resolveClient(deps, networkId, client) : undefined;
  if (clientId === undefined) {
    settleHere(declined('CLIENT_UNKNOWN'));
    return;
  }
  deps.registry.send(sessionKeyFor(networkId, clientId), { type: 'command', command: { type: 'stop', terminal: info.id, request, ...withComment }, ticket });
}

/** The client a session starts for: a known one, or a guest named after a plate seen for the first time. */
function sessionClient(deps: ActorDeps, networkId: string, identifier: ClientIdentifier): SessionClient | undefined {
  const known = resolveClient(deps, networkId, identifier);
  if (known === undefined) {
    if (!('plate' in identifier)) return undefined;
    const plate = normalizePlate(identifier.plate);
    return { id: guestIdFor(plate), name: plate, member: false, plate, guest: true };
  }
  const config = deps.store.getReference<AccountConfig>(referenceKinds.account, accountKeyFor(networkId, 'client', known));
  if (config === undefined) return undefined;
  const plate = 'plate' in identifier ? normalizePlate(identifier.plate) : config.plate;
  return { id: known, name: config.name, member: config.member ?? false, guest: known.startsWith(guestPrefix), ...(plate !== undefined ? { plate } : {}) };
}

const guestPrefix = 'guest-';

/** A guest's client id: `guest-` and the plate in its normal form (a valid identifier: letters and digits). */
export function guestIdFor(plate: string): string {
  return `${guestPrefix}${plate}`;
}

/** The open sessions of a site with their elapsed time and cost so far, oldest first. */
export function boardOf(deps: ActorDeps, siteId: string, now: number): Record<string, unknown>[] {
  const sessions = [...deps.store.openSessionsAt(siteId, constants.siteSessionsMax)].sort((a, b) => a.startedAt - b.startedAt);
  return sessions.map((entry) => ({ ...entry, ...runningCost(entry, now) }));
}

function accountOfNetwork(deps: ActorDeps, networkId: string, accountKey: string): boolean {
  if (!accountKey.startsWith(`acct:${networkId}:`)) return false;
  return deps.store.hasReference(referenceKinds.account, accountKey);
}

function topupAccount(deps: ActorDeps, networkId: string, request: { card?: string | undefined; account?: string | undefined; client?: ClientIdentifier | undefined }): string | Outcome {
  if (request.card !== undefined) {
    const identity = deps.cardKeys.identify(networkId, request.card);
    const card = deps.store.getReference<CardConfig>(referenceKinds.card, `${networkId}:${identity.hash}`);
    return card ? card.accountKey : declined('CARD_UNKNOWN');
  }
  if (request.account !== undefined) {
    const key = accountKeyFor(networkId, 'counterparty', request.account);
    return accountOfNetwork(deps, networkId, key) ? key : declined('ACCOUNT_UNKNOWN');
  }
  if (request.client !== undefined) {
    const clientId = resolveClient(deps, networkId, request.client);
    if (clientId === undefined) return declined('CLIENT_UNKNOWN');
    return accountKeyFor(networkId, 'client', clientId);
  }
  return declined('ACCOUNT_UNKNOWN');
}

/** The client a QR code, NFC tag, card or plate names. */
export function resolveClient(deps: ActorDeps, networkId: string, client: ClientIdentifier): string | undefined {
  if ('card' in client) {
    const identity = deps.cardKeys.identify(networkId, client.card);
    const card = deps.store.getReference<CardConfig>(referenceKinds.card, `${networkId}:${identity.hash}`);
    const prefix = `acct:${networkId}:cl:`;
    return card?.accountKey.startsWith(prefix) ? card.accountKey.slice(prefix.length) : undefined;
  }
  const [kind, value] = 'qr' in client ? ['qr', client.qr] : 'nfc' in client ? ['nfc', client.nfc] : ['plate', normalizePlate(client.plate)];
  return deps.store.getReference<string>(referenceKinds.clientIdentifier, `${networkId}:${kind}:${value}`);
}
