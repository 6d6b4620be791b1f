// The card's own decisions: status, expiry, PIN (with a tries counter) and restrictions by site,
// product, hours and weekdays. Pure: `decideCardUse` reads state and returns events and an outcome;
// `evolveCard` applies an event. Limits and money are the account's (see account.ts).

import { constants } from '../constants.js';
import type { DeclineReason } from '../reasons.js';
import type { CardConfig, NetworkCatalog } from '../network/catalog.js';
import { listPrice, productMatches } from '../network/catalog.js';
import { inHoursWindow, parseHoursWindow } from '../time/calendar.js';
import { assertNever } from '../assert.js';
import type { DeclinedEvent } from './declined.js';

export interface CardState {
  /** Wrong PINs in a row. */
  pinFailures: number;
  /** Start of the local day of the last wrong PIN: failures from an earlier day no longer count. */
  pinFailureDay: number;
}

export type CardEvent =
  | { type: 'pin.failed'; network: string; card: string; failures: number; day: number; at: number }
  | { type: 'pin.reset'; network: string; card: string; at: number }
  | DeclinedEvent;

export interface CardUse {
  /** PIN as typed, checked by `pinMatches` (the card keeps only a keyed hash). */
  pin?: string;
  siteId: string;
  /** The product asked for (authorisation); omitted for an inquiry. */
  product?: string;
  /** The lines of a receipt (sale): each product must be known and priced, by the network or the till. */
  lines?: readonly { product: string; price?: number | undefined }[];
}

export interface CardDecision {
  events: CardEvent[];
  decline?: DeclineReason;
}

export function initialCardState(): CardState {
  return { pinFailures: 0, pinFailureDay: 0 };
}

export function decideCardUse(
  state: CardState,
  config: CardConfig,
  catalog: NetworkCatalog,
  use: CardUse,
  pinMatches: (pin: string) => boolean,
  now: number,
): CardDecision {
  if (config.status === 'blocked') return { events: [], decline: 'CARD_BLOCKED' };
  const local = catalog.calendar.localTime(now);
  if (config.expires !== undefined && isExpired(config.expires, local.year, local.month)) return { events: [], decline: 'CARD_EXPIRED' };

  const events: CardEvent[] = [];
  if (config.pinHash !== undefined) {
    const today = catalog.calendar.period('day', now).start;
    const failures = state.pinFailureDay === today ? state.pinFailures : 0;
    if (failures >= constants.pinTriesMax) return { events: [], decline: 'PIN_TRIES_EXCEEDED' };
    if (use.pin === undefined) return { events: [], decline: 'PIN_INVALID' };
    if (!pinMatches(use.pin)) {
      return { events: [{ type: 'pin.failed', network: config.networkId, card: config.masked, failures: failures + 1, day: today, at: now }], decline: 'PIN_INVALID' };
    }
    if (state.pinFailures > 0) events.push({ type: 'pin.reset', network: config.networkId, card: config.masked, at: now });
  }

  const asked = use.product !== undefined ? [{ product: use.product, price: undefined }] : use.lines;
  if (asked !== undefined) {
    for (const line of asked) {
      if (!catalog.products.has(line.product) || (listPrice(catalog, use.siteId, line.product, now) === undefined && line.price === undefined)) return { events, decline: 'PRODUCT_UNKNOWN' };
    }
    const restrictions = config.restrictions;
    for (const line of asked) if (!productMatches(catalog, restrictions.products, line.product)) return { events, decline: 'PRODUCT_NOT_ALLOWED' };
    if (restrictions.sites !== undefined && !restrictions.sites.includes(use.siteId)) return { events, decline: 'SITE_NOT_ALLOWED' };
    if (restrictions.weekdays !== undefined && !restrictions.weekdays.includes(local.weekday)) return { events, decline: 'TIME_NOT_ALLOWED' };
    const hours = restrictions.hours !== undefined ? parseHoursWindow(restrictions.hours) : undefined;
    if (hours !== undefined && !inHoursWindow(hours, local.minuteOfDay)) return { events, decline: 'TIME_NOT_ALLOWED' };
  }
  return { events };
}

export function evolveCard(state: CardState, event: CardEvent): CardState {
  switch (event.type) {
    case 'pin.failed':
      return { pinFailures: event.failures, pinFailureDay: event.day };
    case 'pin.reset':
      return { pinFailures: 0, pinFailureDay: 0 };
    case 'declined':
      return state;
    default:
      return assertNever(event);
  }
}

/** A card marked "YYYY-MM" is valid through the end of that month, in the network's time zone. */
export function isExpired(expires: string, year: number, month: number): boolean {
  const expiresYear = Number(expires.slice(0, 4));
  const expiresMonth = Number(expires.slice(5, 7));
  return year > expiresYear || (year === expiresYear && month > expiresMonth);
}
