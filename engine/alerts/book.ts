// The alert book: every network's alerts as staff see them — open, acknowledged (who, when),
// resolved (who, when, a note) — and the state of their deliveries. Built by applying the alert
// journal's events in order (at start, from `alerts:<network>`, and live as they are written), and
// the one place that decides staff actions: `decideAction` checks an acknowledgement or resolution
// and returns the event to journal, or why not. Pure, like the domain's deciders.
// Memory is bounded: at most `alertOpenMax` unresolved alerts per network (older ones stay in the
// journal and the read model) and the newest `alertResolvedKeptMax` resolved ones.

import { constants } from '../constants.js';
import type { AlertChannel } from './settings.js';
import type { AlertEvent, AlertView } from './alert.js';
import { assertNever } from '../assert.js';

/** Outcomes of a staff action, first match wins. */
export const alertActionReasons = ['OK', 'BAD_REQUEST', 'ALERT_NOT_FOUND', 'ALERT_ALREADY_RESOLVED', 'ALERT_ALREADY_ACKNOWLEDGED'] as const;
export type AlertActionReason = (typeof alertActionReasons)[number];

export type AlertAction = { type: 'acknowledge'; alertId: string; by: string } | { type: 'resolve'; alertId: string; by: string; note?: string };

export type AlertActionDecision = { ok: true; event: Extract<AlertEvent, { type: 'alert.acknowledged' | 'alert.resolved' }> } | { ok: false; reason: Exclude<AlertActionReason, 'OK'>; message: string };

interface NetworkBook {
  /** The number the next alert gets. */
  nextNumber: number;
  /** Unresolved alerts, oldest first. */
  unresolved: Map<string, AlertView>;
  /** Resolved alerts, oldest first (the newest `alertResolvedKeptMax`). */
  resolved: Map<string, AlertView>;
}

export interface AlertBook {
  networks: Map<string, NetworkBook>;
  /** Unresolved alerts dropped from memory past `alertOpenMax` (still in the journal). */
  evicted: number;
}

export function emptyAlertBook(): AlertBook {
  return { networks: new Map(), evicted: 0 };
}

function networkBook(book: AlertBook, network: string): NetworkBook {
  let entry = book.networks.get(network);
  if (entry === undefined) {
    entry = { nextNumber: 1, unresolved: new Map(), resolved: new Map() };
    book.networks.set(network, entry);
  }
  return entry;
}

export function nextAlertNumber(book: AlertBook, network: string): number {
  return networkBook(book, network).nextNumber;
}

export function findAlert(book: AlertBook, network: string, alertId: string): AlertView | undefined {
  const entry = book.networks.get(network);
  return entry?.unresolved.get(alertId) ?? entry?.resolved.get(alertId);
}

/** Applies one event of the alert journal; returns the alert it changed (if the book holds it). */
export function applyAlertEvent(book: AlertBook, event: AlertEvent): AlertView | undefined {
  const entry = networkBook(book, event.network);
  switch (event.type) {
    case 'alert': {
      const view: AlertView = {
        id: event.alertId,
        network: event.network,
        number: event.number,
        rule: event.rule,
        severity: event.severity,
        status: 'open',
        subject: event.subject,
        message: event.message,
        trigger: event.trigger,
        dedupKey: event.dedupKey,
        raisedAt: event.at,
        deliveries: event.channels.map((channel) => ({ channel, status: 'pending' as const })),
      };
      entry.nextNumber = Math.max(entry.nextNumber, event.number + 1);
      entry.unresolved.set(view.id, view);
      if (entry.unresolved.size > constants.alertOpenMax) {
        const oldest = entry.unresolved.keys().next();
        if (!oldest.done) {
          entry.unresolved.delete(oldest.value);
          book.evicted++;
        }
      }
      return view;
    }
    case 'alert.acknowledged': {
      const view = entry.unresolved.get(event.alertId);
      if (view === undefined) return undefined;
      view.status = 'acknowledged';
      view.acknowledged = { by: event.by, at: event.at };
      return view;
    }
    case 'alert.resolved': {
      const view = entry.unresolved.get(event.alertId);
      if (view === undefined) return undefined;
      entry.unresolved.delete(event.alertId);
      view.status = 'resolved';
      view.resolved = { by: event.by, at: event.at, ...(event.note !== undefined ? { note: event.note } : {}) };
      entry.resolved.set(view.id, view);
      if (entry.resolved.size > constants.alertResolvedKeptMax) {
        const oldest = entry.resolved.keys().next();
        if (!oldest.done) entry.resolved.delete(oldest.value);
      }
      return view;
    }
    case 'alert.delivered':
    case 'alert.delivery_failed': {
      const view = entry.unresolved.get(event.alertId) ?? entry.resolved.get(event.alertId);
      if (view === undefined) return undefined;
      const delivery = deliveryOf(view, event.channel);
      delivery.status = event.type === 'alert.delivered' ? 'delivered' : 'failed';
      delivery.attempts = event.attempts;
      if (event.type === 'alert.delivery_failed') delivery.error = event.error;
      return view;
    }
    default:
      return assertNever(event);
  }
}

function deliveryOf(view: AlertView, channel: AlertChannel): AlertView['deliveries'][number] {
  let delivery = view.deliveries.find((candidate) => candidate.channel === channel);
  if (delivery === undefined) {
    delivery = { channel, status: 'pending' };
    view.deliveries.push(delivery);
  }
  return delivery;
}

const controlCharacters = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** Checks a staff action against the book; the event to journal, or why not. */
export function decideAction(book: AlertBook, network: string | undefined, action: AlertAction, now: number): AlertActionDecision {
  if (action.by.length === 0 || action.by.length > constants.alertStaffLengthMax || /[\u0000-\u001f\u007f]/.test(action.by)) {
    return { ok: false, reason: 'BAD_REQUEST', message: `"by" is 1–${constants.alertStaffLengthMax} characters without control characters` };
  }
  if (action.type === 'resolve' && action.note !== undefined && (action.note.length === 0 || action.note.length > constants.alertNoteLengthMax || controlCharacters.test(action.note))) {
    return { ok: false, reason: 'BAD_REQUEST', message: `a note is 1–${constants.alertNoteLengthMax} characters without control characters other than tab and line breaks` };
  }
  const view = network !== undefined ? findAlert(book, network, action.alertId) : undefined;
  if (view === undefined || network === undefined) return { ok: false, reason: 'ALERT_NOT_FOUND', message: 'no such alert (or it is no longer held: resolved long ago)' };
  if (view.status === 'resolved') return { ok: false, reason: 'ALERT_ALREADY_RESOLVED', message: `resolved by ${view.resolved?.by ?? '?'}` };
  if (action.type === 'acknowledge') {
    if (view.status === 'acknowledged') return { ok: false, reason: 'ALERT_ALREADY_ACKNOWLEDGED', message: `acknowledged by ${view.acknowledged?.by ?? '?'}` };
    return { ok: true, event: { type: 'alert.acknowledged', network, alertId: view.id, by: action.by, at: now } };
  }
  const event: Extract<AlertEvent, { type: 'alert.resolved' }> = { type: 'alert.resolved', network, alertId: view.id, by: action.by, at: now };
  if (action.note !== undefined) event.note = action.note;
  return { ok: true, event };
}

export interface AlertQuery {
  network?: string;
  /** `unresolved` (default): open and acknowledged. */
  status?: 'open' | 'acknowledged' | 'resolved' | 'unresolved' | 'all';
  /** Only alerts numbered below this (the next page after one ending at `before`). */
  before?: number;
  /** Only the alerts this accepts (a caller's sites, a severity…), before the limit is applied. */
  where?: (view: AlertView) => boolean;
  limit?: number;
}

/** The alerts of the book the query selects, unsorted. */
function* matchingAlerts(book: AlertBook, query: AlertQuery): Generator<AlertView> {
  const status = query.status ?? 'unresolved';
  const accepts = (view: AlertView): boolean => (query.before === undefined || view.number < query.before) && (query.where === undefined || query.where(view));
  for (const [network, entry] of book.networks) {
    if (query.network !== undefined && network !== query.network) continue;
    if (status !== 'resolved') for (const view of entry.unresolved.values()) if ((status === 'unresolved' || status === 'all' || view.status === status) && accepts(view)) yield view;
    if (status === 'resolved' || status === 'all') for (const view of entry.resolved.values()) if (accepts(view)) yield view;
  }
}

/** Alerts matching the query, newest first. */
export function listAlerts(book: AlertBook, query: AlertQuery): AlertView[] {
  // A page of at most `alertListMax`, and one more to tell whether another page follows.
  const limit = Math.max(0, Math.min(query.limit ?? constants.alertListMax, constants.alertListMax + 1));
  const found = [...matchingAlerts(book, query)];
  found.sort((a, b) => b.raisedAt - a.raisedAt || b.number - a.number);
  return found.slice(0, limit);
}

/** How many alerts match the query (no limit). */
export function countAlerts(book: AlertBook, query: AlertQuery): number {
  let count = 0;
  for (const _view of matchingAlerts(book, query)) count++;
  return count;
}

export function unresolvedCount(book: AlertBook): number {
  let count = 0;
  for (const entry of book.networks.values()) count += entry.unresolved.size;
  return count;
}
