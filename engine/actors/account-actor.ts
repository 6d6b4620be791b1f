// The account actor: a thin shell over domain/account.ts. It owns the account's money, holds, bonus
// points and the limit and purchase counters of its cards. Besides its journal it keeps derived
// indexes in the same write batch: holds by expiry (for the expiry scheduler), transaction and
// receipt records (for refunds), and the money operations of tills' shifts (for their Z-reports).

import { decideAccount, decodeAccountSnapshot, encodeAccountSnapshot, evolveAccount, initialAccountState, saleRecordOf, transactionRecordOf } from '../domain/account.js';
import type { AccountCommand, AccountEvent, AccountSnapshot, AccountState, SaleRecord, TransactionRecord } from '../domain/account.js';
import { shiftOperationOf } from '../domain/terminal.js';
import type { AccountConfig } from '../network/catalog.js';
import { referenceKinds, sessionKeyFor } from '../network/catalog.js';
import { declined } from '../protocol/replies.js';
import type { DeclineReason } from '../reasons.js';
import type { LmdbStore } from '../store/lmdb-store.js';
import type { ActorBehaviour } from './registry.js';
import type { ActorDeps } from './deps.js';
import type { AccountMessage } from './messages.js';
import { assertNever } from '../assert.js';
import { settle, settleCrash } from './settle.js';

export function accountBehaviour(deps: ActorDeps, key: string): ActorBehaviour<AccountState | undefined, AccountMessage> {
  let config = deps.store.getReference<AccountConfig>(referenceKinds.account, key);
  return {
    initialState: () => (config ? initialAccountState(config) : undefined),
    recover: (state, event: AccountEvent) => (state ? evolveAccount(state, event) : state),
    encodeSnapshot: (state) => (state ? encodeAccountSnapshot(state) : undefined),
    decodeSnapshot: (snapshot) => (snapshot ? decodeAccountSnapshot(snapshot as AccountSnapshot) : undefined),
    onCrash: (message) => {
      if (message.type === 'command') settleCrash(message.ticket, 'the account could not be processed; retry');
      if (message.type === 'session.charge' && message.ticket !== undefined) settleCrash(message.ticket, 'the account could not be processed; retry');
      if (message.type === 'expire') message.done();
    },
    handle: (state, message, context) => {
      switch (message.type) {
        case 'config.changed':
          config = deps.store.getReference<AccountConfig>(referenceKinds.account, key);
          return state ?? (config ? initialAccountState(config) : undefined);
        case 'command': {
          const catalog = config ? deps.catalogs.network(config.networkId) : undefined;
          if (state === undefined || config === undefined || catalog === undefined) {
            settle(deps, context.persist, message.ticket, declined(missingAccountReason(message.command)));
            return state;
          }
          const command = withTransaction(deps.store, key, message.command);
          const decision = decideAccount(state, { key, config, catalog }, command, deps.clock.now());
          const next = apply(deps.store, key, state, decision.events, context.persist, message.ticket.requestId);
          settle(deps, context.persist, message.ticket, decision.outcome);
          return next;
        }
        case 'session.charge': {
          const catalog = config ? deps.catalogs.network(config.networkId) : undefined;
          if (state === undefined || config === undefined || catalog === undefined) {
            // No account to charge: the charge stays pending with the session actor (and is resumed later).
            if (message.ticket !== undefined) settle(deps, context.persist, message.ticket, declined('ACCOUNT_UNKNOWN'));
            return state;
          }
          const decision = decideAccount(state, { key, config, catalog }, message.command, deps.clock.now());
          const next = apply(deps.store, key, state, decision.events, context.persist);
          if (message.ticket !== undefined) settle(deps, context.persist, message.ticket, decision.outcome);
          // Once this commit is durable, the session actor may forget the charge.
          const { number, amount } = message.command.charge;
          deps.store.afterFlush(() => deps.registry.send(sessionKeyFor(config?.networkId ?? '', config?.ownerId ?? ''), { type: 'command', command: { type: 'settled', sessionNumber: number, amount }, ticket: undefined }));
          return next;
        }
        case 'expire': {
          const catalog = config ? deps.catalogs.network(config.networkId) : undefined;
          if (state === undefined || config === undefined || catalog === undefined) {
            message.done();
            return state;
          }
          const decision = decideAccount(state, { key, config, catalog }, { type: 'expire', holdNumber: message.holdNumber }, deps.clock.now());
          const next = apply(deps.store, key, state, decision.events, context.persist);
          if (decision.events.length === 0 && !next.holds.has(message.holdNumber)) deps.store.holdClosed(message.expiresAt, key, message.holdNumber); // a stale index entry
          message.done();
          return next;
        }
        default:
          return assertNever(message);
      }
    },
  };
}

/** What a command for an account that does not exist is told (import validation makes this rare). */
function missingAccountReason(command: AccountCommand): DeclineReason {
  switch (command.type) {
    case 'refund':
      return 'TX_NOT_FOUND';
    case 'complete':
    case 'reverse':
    case 'expire':
      return 'AUTH_NOT_FOUND';
    case 'authorize':
    case 'topup':
    case 'inquire':
    case 'sale':
    case 'prices':
    case 'session.charge':
      return 'ACCOUNT_UNKNOWN';
    default:
      return assertNever(command);
  }
}

/** Applies and journals a decision's events, with the derived indexes, in one synchronous step. */
function apply(store: LmdbStore, key: string, state: AccountState, events: readonly AccountEvent[], persist: (event: AccountEvent) => void, requestId?: string): AccountState {
  let next = state;
  for (const event of events) {
    writeIndexes(store, key, next, event);
    const operation = requestId !== undefined ? shiftOperationOf(event) : undefined;
    if (operation !== undefined) store.recordShiftOperation(operation.terminal, operation.shift, requestId ?? '', operation.record);
    next = evolveAccount(next, event);
    persist(event);
  }
  return next;
}

function withTransaction(store: LmdbStore, key: string, command: AccountCommand): AccountCommand {
  if (command.type !== 'refund') return command;
  return { ...command, transaction: store.transaction(key, command.txNumber) as TransactionRecord | SaleRecord | undefined };
}

function writeIndexes(store: LmdbStore, key: string, state: AccountState, event: AccountEvent): void {
  switch (event.type) {
    case 'authorized':
      store.holdOpened(event.expiresAt, key, event.number);
      return;
    case 'completed':
    case 'reversed':
    case 'expired': {
      const hold = state.holds.get(event.holdNumber);
      if (hold) store.holdClosed(hold.expiresAt, key, hold.number);
      if (event.type === 'completed') store.saveTransaction(key, event.txNumber, { ...transactionRecordOf(event) });
      return;
    }
    case 'sale':
      store.saveTransaction(key, event.txNumber, { ...saleRecordOf(event) });
      return;
    case 'refunded':
    case 'topup':
    case 'session.charged':
    case 'declined':
      return;
    default:
      assertNever(event);
  }
}
