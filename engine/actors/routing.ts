// Where a request goes. The request desk hands the terminal actor only what needs the terminal's own
// state — its shifts (`shift.open`, `shift.close`) and the cash operations that belong to them
// (`sale`, `refund`, `topup`), and receipts sold without a card. Everything else is routed from the
// front door straight to the actor that decides it: holds to their account, wash sessions to the
// client's session actor, card uses to the card — and a card without a PIN, which has no state of
// its own, is checked right here with the same pure decision (domain/card.ts) and goes straight to
// its account. A decline decided here is journalled in the terminal's front-door journal
// (`door:<terminalId>`, numbered by the store), in the same commit as its reply record.

import { decodeHandle } from '../domain/handles.js';
import type { AccountCommand, CardContext, ShiftRef, TerminalContext } from '../domain/account.js';
import { decideCardUse, initialCardState } from '../domain/card.js';
import type { CardUse } from '../domain/card.js';
import { priceList } from '../domain/price-list.js';
import type { DeclineDetails, DeclinedEvent } from '../domain/declined.js';
import type { SessionClient } from '../domain/session.js';
import { runningCost } from '../domain/session.js';
import { normalizePlate } from '../domain/plates.js';
import type { ClientIdentifier, Operation } from '../protocol/requests.js';
import { accountKeyFor, cardKeyFor, referenceKinds, sessionKeyFor, terminalKeyFor } from '../network/catalog.js';
import type { AccountConfig, CardConfig, TerminalInfo } from '../network/catalog.js';
import type { Outcome } from '../protocol/replies.js';
import { approved, declined, replyFor } from '../protocol/replies.js';
import { reasonMessages } from '../reasons.js';
import { maskCardNumber } from '../card-identity.js';
import { constants } from '../constants.js';
import { assertNever } from '../assert.js';
import type { ActorDeps } from './deps.js';
import type { CardPurpose, TerminalMessage, Ticket } from './messages.js';
import type { BoardEntry } from '../store/lmdb-store.js';
import type { ReplyPort } from '../request-desk.js';
import type { DeclineExtra } from './settle.js';
import { settle } from './settle.js';

export type RequestMessage = Extract<TerminalMessage, { type: 'request' }>;

/** Operations the terminal actor decides or must see (its shifts, and the cash operations of a shift). */
export const terminalOperations: ReadonlySet<Operation> = new Set<Operation>(['shift.open', 'shift.close', 'sale', 'refund', 'topup']);

/**
 * Routes a request that needs no terminal state, from the front door. The terminal must be known
 * (the gateway answers unknown ones) and is checked here for being blocked.
 */
export function routeFromDoor(deps: ActorDeps, info: TerminalInfo | undefined, message: RequestMessage): void {
  const id = message.request.id;
  if (info === undefined) {
    // The terminal was removed after the gateway let the request in: nothing to record it against.
    message.settle({ id, result: 'declined', reason: 'TERMINAL_UNKNOWN', message: reasonMessages.TERMINAL_UNKNOWN });
    return;
  }
  const ticket = ticketOf(info, message, message.settle);
  const settleHere = (outcome: Outcome, extra?: DeclineExtra): void => settle(deps, doorJournal(deps, info.id), ticket, outcome, extra);
  if (info.status === 'blocked') {
    settleHere(declined('TERMINAL_BLOCKED'));
    return;
  }
  switch (message.op) {
    case 'authorize':
      useCard(deps, info, message.request.card, { purpose: 'authorize', request: message.request }, ticket, settleHere);
      return;
    case 'inquire':
      useCard(deps, info, message.request.card, { purpose: 'inquire', request: message.request }, ticket, settleHere);
      return;
    case 'prices': {
      if (message.request.card !== undefined) {
        useCard(deps, info, message.request.card, { purpose: 'prices', request: message.request }, ticket, settleHere);
        return;
      }
      const catalog = deps.catalogs.network(info.networkId);
      const now = deps.clock.now();
      const list = catalog ? priceList(catalog, info.siteId, now, catalog.calendar.localTime(now).minuteOfDay, undefined, message.request.products) : undefined;
      settleHere(list === undefined ? declined('PRODUCT_UNKNOWN') : approved({ site: info.siteId, at: now, prices: list.prices, scheduled: list.scheduled }));
      return;
    }
    case 'session.start':
    case 'session.stop':
      routeSession(deps, info, message, ticket, settleHere);
      return;
    case 'sessions': {
      // A live board, not a decision: answered from the index of open sessions, and not remembered
      // (a repeat gets the board as it is then).
      const now = deps.clock.now();
      message.settle(replyFor(id, approved({ site: info.siteId, at: now, sessions: boardOf(deps, info.siteId, now), tariffs: tariffsAt(deps, info) })));
      return;
    }
    case 'complete':
    case 'reverse': {
      const handle = decodeHandle('hold', message.request.authId);
      if (handle === undefined || !accountOfNetwork(deps, info.networkId, handle.ownerKey)) {
        settleHere(declined('AUTH_NOT_FOUND'));
        return;
      }
      const terminal = contextOf(info);
      const command: AccountCommand =
        message.op === 'complete'
          ? {
              type: 'complete',
              holdNumber: handle.number,
              terminal,
              ...(message.request.amount !== undefined ? { amount: message.request.amount } : {}),
              ...(message.request.volume !== undefined ? { volume: message.request.volume } : {}),
            }
          : { type: 'reverse', holdNumber: handle.number, terminal };
      deps.registry.send(handle.ownerKey, { type: 'command', command, ticket });
      return;
    }
    case 'shift.open':
    case 'shift.close':
    case 'sale':
    case 'refund':
    case 'topup':
      // Not a front-door operation: the desk sends these to the terminal actor.
      deps.registry.send(terminalKeyFor(info.id), message);
      return;
    default:
      assertNever(message);
  }
}

/** The ticket of a request: who asked, and where the answer goes once the decision is flushed. */
export function ticketOf(info: TerminalInfo, message: RequestMessage, answer: ReplyPort): Ticket {
  return { settle: answer, networkId: info.networkId, terminalId: info.id, siteId: info.siteId, requestId: message.request.id, fingerprint: message.fingerprint, details: () => detailsOf(message) };
}

/** Journals a decline decided at the front door (a journal no actor owns: the store numbers it). */
function doorJournal(deps: ActorDeps, terminalId: string): (event: DeclinedEvent) => void {
  return (event) => deps.store.appendToLog(`door:${terminalId}`, { ...event }, event.at);
}

/**
 * A card use: to the card's actor when the card has a PIN (its tries are the card's state); else
 * checked here — status, expiry, restrictions — and handed straight to the card's account.
 */
export function useCard(deps: ActorDeps, info: TerminalInfo, number: string, use: CardPurpose, ticket: Ticket, settleHere: (outcome: Outcome, extra?: DeclineExtra) => unknown): void {
  const identity = deps.cardKeys.identify(info.networkId, number);
  const config = deps.store.getReference<CardConfig>(referenceKinds.card, `${info.networkId}:${identity.hash}`);
  if (config === undefined) {
    settleHere(declined('CARD_UNKNOWN'));
    return;
  }
  const terminal = contextOf(info);
  if (config.pinHash !== undefined) {
    deps.registry.send(cardKeyFor(info.networkId, identity.hash), { type: 'use', ...use, terminal, ticket });
    return;
  }
  const catalog = deps.catalogs.network(config.networkId);
  if (catalog === undefined) {
    settleHere(declined('CARD_UNKNOWN'));
    return;
  }
  const decision = decideCardUse(initialCardState(), config, catalog, cardUseOf(use, terminal), () => false, deps.clock.now());
  if (decision.decline !== undefined) {
    // A known card declined here: the event names it by its keyed hash, as its own actor's would.
    settleHere(declined(decision.decline), { cardHash: identity.hash });
    return;
  }
  deps.registry.send(config.accountKey, { type: 'command', command: accountCommandOf(use, terminal, cardContextOf(config)), ticket });
}

/** What the card decision checks of a use. */
export function cardUseOf(use: CardPurpose, terminal: TerminalContext): CardUse {
  const base: CardUse = { siteId: terminal.siteId, ...(use.request.pin !== undefined ? { pin: use.request.pin } : {}) };
  switch (use.purpose) {
    case 'authorize':
      return { ...base, product: use.request.product };
    case 'sale':
      return { ...base, lines: use.request.lines };
    case 'inquire':
    case 'prices':
      return base;
    default:
      return assertNever(use);
  }
}

export function cardContextOf(config: CardConfig): CardContext {
  return { hash: config.hash, masked: config.masked, status: config.status, limits: config.limits };
}

/** What the account decides for a card use the card accepted. */
export function accountCommandOf(use: CardPurpose, terminal: TerminalContext, card: CardContext): AccountCommand {
  switch (use.purpose) {
    case 'authorize': {
      const { product, amount, volume } = use.request;
      return { type: 'authorize', card, terminal, product, ...(amount !== undefined ? { amount } : {}), ...(volume !== undefined ? { volume } : {}) };
    }
    case 'inquire':
      return { type: 'inquire', card };
    case 'sale': {
      const { lines, payments } = use.request;
      return { type: 'sale', card, terminal, lines, ...(payments !== undefined ? { payments } : {}), ...(use.shift !== undefined ? { shift: use.shift } : {}) };
    }
    case 'prices':
      return { type: 'prices', card, terminal, ...(use.request.products !== undefined ? { products: use.request.products } : {}) };
    default:
      return assertNever(use);
  }
}

export function contextOf(info: TerminalInfo): TerminalContext {
  return { terminalId: info.id, siteId: info.siteId };
}

/** Sales with a card, refunds and top-ups: to the card, the owner of the receipt, or the account. */
export function routeCashOperation(deps: ActorDeps, info: TerminalInfo, message: Extract<RequestMessage, { op: 'sale' | 'refund' | 'topup' }>, ticket: Ticket, shift: ShiftRef | undefined, settleHere: (outcome: Outcome, extra?: DeclineExtra) => unknown): void {
  const terminal = contextOf(info);
  const inShift = shift !== undefined ? { shift } : {};
  switch (message.op) {
    case 'sale': {
      const number = message.request.card;
      if (number === undefined) return;
      useCard(deps, info, number, { purpose: 'sale', request: message.request, shift }, ticket, settleHere);
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

export function detailsOf(message: RequestMessage): DeclineDetails {
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

/** The tariffs a site offers, as the attendant picks them. */
function tariffsAt(deps: ActorDeps, info: TerminalInfo): Record<string, unknown>[] {
  const tariffs = [...(deps.catalogs.network(info.networkId)?.tariffs.values() ?? [])].filter((tariff) => tariff.sites === undefined || tariff.sites.includes(info.siteId));
  return tariffs.map(({ code, name, perMinute, perMinuteMember, minimumMinutes, maximumMinutes }) => ({
    code,
    name,
    perMinute,
    ...(perMinuteMember !== undefined ? { perMinuteMember } : {}),
    minimumMinutes: minimumMinutes ?? 0,
    maximumMinutes: maximumMinutes ?? constants.sessionMaximumMinutesDefault,
  }));
}

/** The open sessions of a site with their elapsed time and cost so far, oldest first. */
/** An open session on a site's board with its running cost now. */
export type BoardRow = BoardEntry & ReturnType<typeof runningCost>;

export function boardOf(deps: ActorDeps, siteId: string, now: number): BoardRow[] {
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
