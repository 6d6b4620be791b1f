// What a live viewer may receive: each committed event mapped to the action that reads it and to
// its scope (network, site, owner), so the WebSocket layer asks the same `authorize` as every
// endpoint. An event that names no network is shown to nobody; audit entries only to `audit.read`.

import type { CommittedEvent } from '../store/lmdb-store.js';
import type { Action, Scope } from './permissions.js';
import { authorize } from './permissions.js';
import type { OwnerRef, Principal } from './principal.js';

/** The action that reads an event of this type. */
export function viewActionOf(type: string): Action {
  if (type === 'audit') return 'audit.read';
  if (type.startsWith('session.') || type === 'guest.registered') return 'sessions.read';
  if (type === 'network.imported' || type === 'prices.changed') return 'prices.read';
  return 'transactions.read';
}

/** The owner an actor key or account key belongs to: `acct:<network>:cp:<id>`, `acct:<network>:cl:<id>`, `sess:<network>:<client>`. */
export function ownerOfKey(key: string): OwnerRef | undefined {
  const parts = key.split(':');
  if (parts[0] === 'acct' && parts.length === 4 && parts[3] !== undefined) {
    if (parts[2] === 'cp') return { kind: 'counterparty', id: parts[3] };
    if (parts[2] === 'cl') return { kind: 'client', id: parts[3] };
  }
  if (parts[0] === 'sess' && parts.length === 3 && parts[2] !== undefined) return { kind: 'client', id: parts[2] };
  return undefined;
}

/** The scope of a committed event, or undefined when it names no network. */
export function scopeOfEvent(committed: CommittedEvent, siteOfTerminal: (terminalId: string) => string | undefined): Scope | undefined {
  const event = committed.event;
  const network = event['network'];
  if (typeof network !== 'string') return undefined;
  const terminal = event['terminal'];
  const site = typeof event['site'] === 'string' ? event['site'] : typeof terminal === 'string' ? siteOfTerminal(terminal) : undefined;
  const account = event['account'];
  const owner = (typeof account === 'string' ? ownerOfKey(account) : undefined) ?? ownerOfKey(committed.key);
  return { network, ...(site !== undefined ? { site } : {}), ...(owner !== undefined ? { owner } : {}) };
}

/** Whether a live viewer may receive an event (its role, sites and client binding decide). */
export function mayReceive(principal: Principal, committed: CommittedEvent, siteOfTerminal: (terminalId: string) => string | undefined): boolean {
  const scope = scopeOfEvent(committed, siteOfTerminal);
  return scope !== undefined && authorize(principal, viewActionOf(committed.event.type), scope).allowed;
}
