// The terminal actor: where every request of one terminal is decided first. It checks the terminal
// itself (known, not blocked) and routes the request to the card or account actor that decides it.
// Repeats and joins are answered before this, at the request desk (engine/request-desk.ts).

import { decodeHandle } from '../domain/handles.js';
import type { TerminalContext } from '../domain/account.js';
import type { ClientIdentifier } from '../protocol/requests.js';
import { accountKeyFor, cardKeyFor, referenceKinds } from '../network/catalog.js';
import type { AccountConfig, CardConfig, TerminalInfo } from '../network/catalog.js';
import type { Outcome } from '../protocol/replies.js';
import { declined } from '../protocol/replies.js';
import { reasonMessages } from '../reasons.js';
import { maskCardNumber } from '../card-identity.js';
import { normalizePlate } from '../domain/plates.js';
import type { ActorBehaviour } from './registry.js';
import type { ActorDeps } from './deps.js';
import type { Ticket, TerminalMessage } from './messages.js';
import type { DeclineDetails } from '../domain/declined.js';
import { settle } from './settle.js';
import { assertNever } from '../assert.js';

export type TerminalState = Record<string, never>;

export function terminalBehaviour(deps: ActorDeps, key: string): ActorBehaviour<TerminalState, TerminalMessage> {
  const terminalId = key.slice('term:'.length);
  let info: TerminalInfo | undefined = deps.catalogs.terminal(terminalId);
  return {
    initialState: () => ({}),
    recover: (state) => state,
    encodeSnapshot: () => ({}),
    decodeSnapshot: () => ({}),
    onCrash: (message) => {
      if (message.type === 'request') message.settle({ id: message.request.id, result: 'error', reason: 'UNAVAILABLE', message: reasonMessages.UNAVAILABLE });
    },
    handle: (state, message, context) => {
      switch (message.type) {
        case 'config.changed':
          info = deps.catalogs.terminal(terminalId);
          return state;
        case 'request': {
          const id = message.request.id;
          if (info === undefined) {
            // The terminal was removed after the gateway let the request in: nothing to record it against.
            message.settle({ id, result: 'declined', reason: 'TERMINAL_UNKNOWN', message: reasonMessages.TERMINAL_UNKNOWN });
            return state;
          }
          const ticket: Ticket = {
            settle: message.settle,
            networkId: info.networkId,
            terminalId,
            siteId: info.siteId,
            requestId: id,
            fingerprint: message.fingerprint,
            details: detailsOf(message),
          };
          const settleHere = (outcome: Outcome): void => settle(deps, context.persist, ticket, outcome);
          if (info.status === 'blocked') settleHere(declined('TERMINAL_BLOCKED'));
          else route(deps, info, message, ticket, settleHere);
          return state;
        }
        default:
          return assertNever(message);
      }
    },
  };
}

function detailsOf(message: Extract<TerminalMessage, { type: 'request' }>): DeclineDetails {
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
    case 'complete':
    case 'reverse':
    case 'refund':
      return { op: message.op };
    default:
      return assertNever(message);
  }
}

function route(deps: ActorDeps, info: TerminalInfo, message: Extract<TerminalMessage, { type: 'request' }>, ticket: Ticket, port: (outcome: Outcome) => void): void {
  const terminal: TerminalContext = { terminalId: info.id, siteId: info.siteId };
  switch (message.op) {
    case 'authorize':
    case 'inquire': {
      const identity = deps.cardKeys.identify(info.networkId, message.request.card);
      const storageId = `${info.networkId}:${identity.hash}`;
      if (!deps.store.hasReference(referenceKinds.card, storageId)) {
        port(declined('CARD_UNKNOWN'));
        return;
      }
      const cardKey = cardKeyFor(info.networkId, identity.hash);
      if (message.op === 'authorize') deps.registry.send(cardKey, { type: 'use', purpose: 'authorize', request: message.request, terminal, ticket });
      else deps.registry.send(cardKey, { type: 'use', purpose: 'inquire', request: message.request, terminal, ticket });
      return;
    }
    case 'complete':
    case 'reverse': {
      const handle = decodeHandle('hold', message.request.authId);
      if (handle === undefined || !accountOfNetwork(deps, info.networkId, handle.accountKey)) {
        port(declined('AUTH_NOT_FOUND'));
        return;
      }
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
      deps.registry.send(handle.accountKey, { type: 'command', command, ticket });
      return;
    }
    case 'refund': {
      const handle = decodeHandle('transaction', message.request.txId);
      if (handle === undefined || !accountOfNetwork(deps, info.networkId, handle.accountKey)) {
        port(declined('TX_NOT_FOUND'));
        return;
      }
      const command = {
        type: 'refund' as const,
        txNumber: handle.number,
        transaction: undefined,
        terminal,
        ...(message.request.amount !== undefined ? { amount: message.request.amount } : {}),
      };
      deps.registry.send(handle.accountKey, { type: 'command', command, ticket });
      return;
    }
    case 'topup': {
      const resolved = topupAccount(deps, info.networkId, message.request);
      if (typeof resolved !== 'string') {
        port(resolved);
        return;
      }
      deps.registry.send(resolved, { type: 'command', command: { type: 'topup', amount: message.request.amount, method: message.request.method, terminal }, ticket });
      return;
    }
    default:
      assertNever(message);
  }
}

function accountOfNetwork(deps: ActorDeps, networkId: string, accountKey: string): boolean {
  if (!accountKey.startsWith(`acct:${networkId}:`)) return false;
  return deps.store.getReference<AccountConfig>(referenceKinds.account, accountKey) !== undefined;
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

