// The session actor of one client (`sess:<network>:<clientId>`): a thin shell over domain/session.ts.
// It hosts the client's open wash session, so "one open session per client" is its own rule, and
// keeps derived indexes in the same commit: the site's board of open sessions, the automatic-stop
// schedule, the charges the account has yet to confirm, and — when a guest first starts — the
// guest's client record. Stopping hands the charge to the client's account, which replies (with the
// balance after) and confirms; a charge not confirmed before a crash is resumed at start.

import type { AccountConfig } from '../network/catalog.js';
import { accountKeyFor, referenceKinds } from '../network/catalog.js';
import type { SessionEvent, SessionState, SessionSnapshot } from '../domain/session.js';
import { decideSession, decodeSessionSnapshot, encodeSessionSnapshot, evolveSession, initialSessionState } from '../domain/session.js';
import type { ActorBehaviour } from './registry.js';
import type { ActorDeps } from './deps.js';
import type { SessionMessage } from './messages.js';
import { settle, settleCrash } from './settle.js';
import { assertNever } from '../assert.js';

export function sessionBehaviour(deps: ActorDeps, key: string): ActorBehaviour<SessionState, SessionMessage> {
  const [, networkId = '', clientId = ''] = key.split(':');
  const accountKey = accountKeyFor(networkId, 'client', clientId);
  const minute = 60_000;
  return {
    initialState: initialSessionState,
    recover: (state, event: SessionEvent) => evolveSession(state, event),
    encodeSnapshot: encodeSessionSnapshot,
    decodeSnapshot: (snapshot) => decodeSessionSnapshot(snapshot as SessionSnapshot),
    onCrash: (message) => {
      if (message.type === 'command' && message.ticket !== undefined) settleCrash(message.ticket, 'the session could not be processed; retry');
    },
    handle: (state, message, context) => {
      switch (message.type) {
        case 'config.changed':
          return state;
        case 'resume':
          for (const charge of state.pending.values()) deps.registry.send(accountKey, { type: 'session.charge', command: { type: 'session.charge', charge, reply: {} }, ticket: undefined });
          return state;
        case 'command': {
          const catalog = deps.catalogs.network(networkId);
          if (catalog === undefined) {
            if (message.ticket !== undefined) settle(deps, context.persist, message.ticket, { result: 'declined', reason: 'SESSION_NOT_FOUND' });
            return state;
          }
          const decision = decideSession(state, { key, networkId, clientId, catalog }, message.command, deps.clock.now());
          let next = state;
          for (const event of decision.events) {
            writeIndexes(deps, key, accountKey, next, event, minute);
            next = evolveSession(next, event);
            context.persist(event);
          }
          if (decision.charge !== undefined) {
            // The account settles the stop's ticket once the charge is committed (its reply carries the balance).
            const reply = decision.outcome.result === 'approved' ? decision.outcome.fields : {};
            deps.registry.send(accountKey, { type: 'session.charge', command: { type: 'session.charge', charge: decision.charge, reply }, ticket: message.ticket });
          } else if (message.ticket !== undefined) {
            settle(deps, context.persist, message.ticket, decision.outcome);
          }
          return next;
        }
        default:
          return assertNever(message);
      }
    },
  };
}

function writeIndexes(deps: ActorDeps, key: string, accountKey: string, state: SessionState, event: SessionEvent, minute: number): void {
  switch (event.type) {
    case 'guest.registered': {
      // A guest's client record and account (no money yet), so the next visit by plate finds them.
      const config: AccountConfig = { networkId: event.network, key: accountKey, owner: 'client', ownerId: event.client, name: event.name, member: false, plate: event.plate, openingBalance: 0, creditLimit: 0 };
      if (!deps.store.hasReference(referenceKinds.account, accountKey)) deps.store.putReference(referenceKinds.account, accountKey, config);
      deps.store.putReference(referenceKinds.clientIdentifier, `${event.network}:plate:${event.plate}`, event.client);
      return;
    }
    case 'session.started': {
      const entry = {
        sessionId: event.sessionId,
        number: event.number,
        client: event.client,
        name: event.name,
        member: event.member,
        tariff: event.tariff,
        tariffName: event.tariffName,
        rate: event.rate,
        minimumMinutes: event.minimumMinutes,
        maximumMinutes: event.maximumMinutes,
        terminal: event.terminal,
        startedAt: event.at,
        ...(event.plate !== undefined ? { plate: event.plate } : {}),
      };
      deps.store.sessionOpened(event.site, key, entry, event.at + event.maximumMinutes * minute);
      return;
    }
    case 'session.stopped': {
      const open = state.open;
      const dueAt = open !== undefined ? open.startedAt + open.maximumMinutes * minute : event.startedAt;
      deps.store.sessionStopped(event.site, key, dueAt, event.number);
      return;
    }
    case 'session.settled':
      deps.store.sessionSettled(key, event.number);
      return;
    case 'declined':
      return;
    default:
      assertNever(event);
  }
}
