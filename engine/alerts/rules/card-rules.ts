// Rules about one card's use: velocity (more than N authorisations within M minutes), travel (two
// sites too far apart to drive between in the time), unusual hours (outside a configured window, or
// at an hour the card was never used in once it has a history), PIN failures in a row, and repeated
// declines. Each updates the card's watch and raises through the dedup window.

import { constants } from '../../constants.js';
import { inHoursWindow } from '../../time/calendar.js';
import type { AccountEvent } from '../../domain/account.js';
import type { CardEvent } from '../../domain/card.js';
import type { DeclinedEvent } from '../../domain/declined.js';
import { distanceMetres } from '../geo.js';
import type { AlertSubject } from '../alert.js';
import type { CardWatch } from '../watch.js';
import { emptyCardWatch } from '../watch.js';
import type { Turn } from './turn.js';
import { raise } from './turn.js';
import { ruleOn } from '../settings.js';

type Authorized = Extract<AccountEvent, { type: 'authorized' }>;
type PinFailed = Extract<CardEvent, { type: 'pin.failed' }>;

const minuteMs = 60_000;
const hourMs = 60 * minuteMs;

function watchOf(turn: Turn, cardId: string): CardWatch {
  let watch = turn.state.cards.get(cardId);
  if (watch === undefined) {
    watch = emptyCardWatch();
    turn.state.cards.set(cardId, watch);
  }
  turn.state.changed.cards.add(cardId);
  return watch;
}

/** A card as an alert's subject; `site` is where the operation that raised it happened. */
export function cardSubject(cardId: string, masked: string, account: string | undefined, site: string | undefined): AlertSubject {
  const subject: AlertSubject = { kind: 'card', id: cardId, card: masked };
  if (account !== undefined) subject.account = account;
  if (site !== undefined) subject.site = site;
  return subject;
}

/** Velocity, travel and unusual hours, on an authorisation. */
export function onAuthorized(turn: Turn, cardId: string, event: Authorized, position: number): void {
  const { settings } = turn;
  const velocity = ruleOn(settings, 'velocity');
  const travel = ruleOn(settings, 'travel');
  const hours = ruleOn(settings, 'unusualHours');
  if (!velocity && !travel && !hours) return;
  const watch = watchOf(turn, cardId);
  const subject = (): AlertSubject => cardSubject(cardId, event.card, event.account, event.site);
  const at = turn.at;

  if (velocity) {
    const rule = settings.velocity;
    const from = at - rule.windowMs;
    while (watch.auths.length > 0 && (watch.auths[0]?.at ?? 0) <= from) watch.auths.shift();
    watch.auths.push({ at, position });
    while (watch.auths.length > rule.authorizations + 1) watch.auths.shift();
    if (watch.auths.length > rule.authorizations) {
      const minutes = Math.round(rule.windowMs / minuteMs);
      raise(turn, {
        rule: 'velocity',
        subject: subject(),
        message: `${watch.auths.length} authorisations of card ${event.card} within ${minutes} minutes (more than ${rule.authorizations})`,
        trigger: { positions: watch.auths.map((stamp) => stamp.position), refs: [event.authId], values: { authorizations: watch.auths.length, limit: rule.authorizations, minutes } },
        dedupKey: `velocity|${cardId}`,
        dedupUntil: at + rule.dedupMs,
      });
    }
  }

  if (travel) {
    const previous = watch.last;
    watch.last = { at, position, site: event.site, authId: event.authId };
    const from = previous !== undefined ? turn.catalog.sites.get(previous.site)?.location : undefined;
    const to = turn.catalog.sites.get(event.site)?.location;
    if (previous !== undefined && previous.site !== event.site && from !== undefined && to !== undefined) {
      const metres = distanceMetres(from, to);
      const elapsedMs = Math.max(0, at - previous.at);
      const speedKmh = settings.travel.speedKmh;
      // Reachable when metres ≤ speed × time: metres × 3,600,000 ≤ speedKmh × 1000 × elapsedMs.
      if (metres * hourMs > speedKmh * 1000 * elapsedMs) {
        const values: Record<string, number | string> = { fromSite: previous.site, toSite: event.site, distanceMetres: metres, elapsedSeconds: Math.floor(elapsedMs / 1000), speedLimitKmh: speedKmh };
        if (elapsedMs > 0) values['requiredSpeedKmh'] = Math.round((metres * hourMs) / (1000 * elapsedMs));
        raise(turn, {
          rule: 'travel',
          subject: subject(),
          message: `card ${event.card} authorised at ${previous.site} and ${Math.round(elapsedMs / minuteMs)} minutes later at ${event.site}, ${Math.round(metres / 1000)} km away (faster than ${speedKmh} km/h)`,
          trigger: { positions: [previous.position, position], refs: [previous.authId, event.authId], values },
          dedupKey: `travel|${cardId}`,
          dedupUntil: at + settings.travel.dedupMs,
        });
      }
    }
  }

  if (hours) {
    const rule = settings.unusualHours;
    const minuteOfDay = turn.catalog.calendar.localTime(at).minuteOfDay;
    const hour = Math.floor(minuteOfDay / 60);
    const alert = (reason: string, values: Record<string, number | string>): void => {
      const time = `${String(hour).padStart(2, '0')}:${String(minuteOfDay % 60).padStart(2, '0')}`;
      raise(turn, {
        rule: 'unusualHours',
        subject: subject(),
        message: `card ${event.card} authorised at ${time} local time, ${reason}`,
        trigger: { positions: [position], refs: [event.authId], values: { localTime: time, ...values } },
        dedupKey: `unusualHours|${cardId}`,
        dedupUntil: at + rule.dedupMs,
      });
    };
    if (rule.hours !== undefined) {
      if (!inHoursWindow(rule.hours, minuteOfDay)) alert('outside the network\'s usual hours', { window: windowText(rule.hours) });
    } else {
      // The hour and its neighbours: a card used until 21:55 is not unusual at 22:05.
      const near = (1 << hour) | (1 << ((hour + 23) % 24)) | (1 << ((hour + 1) % 24));
      if (watch.uses >= rule.learnUses && (watch.hours & near) === 0) alert(`an hour it was not used in before (${watch.uses} earlier uses)`, { uses: watch.uses });
      watch.hours |= 1 << hour;
      watch.uses = Math.min(watch.uses + 1, constants.moneyMax);
    }
  }
}

function windowText(window: { fromMinute: number; toMinute: number }): string {
  const clock = (minute: number): string => `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
  return `${clock(window.fromMinute)}-${clock(window.toMinute)}`;
}

/** Wrong PINs in a row (the card actor's count of the day). */
export function onPinFailed(turn: Turn, cardId: string, event: PinFailed, position: number): void {
  if (!ruleOn(turn.settings, 'pinStreak')) return;
  const rule = turn.settings.pinStreak;
  if (event.failures < rule.failures) return;
  raise(turn, {
    rule: 'pinStreak',
    subject: cardSubject(cardId, event.card, undefined, undefined),
    message: `${event.failures} wrong PIN${event.failures === 1 ? '' : 's'} in a row on card ${event.card}${event.failures >= constants.pinTriesMax ? ' (PIN locked until tomorrow)' : ''}`,
    trigger: { positions: [position], refs: [], values: { failures: event.failures, limit: rule.failures } },
    dedupKey: `pinStreak|${cardId}`,
    dedupUntil: turn.at + rule.dedupMs,
  });
}

/** Declines of one card within the window. */
export function onDeclined(turn: Turn, cardId: string, event: DeclinedEvent & { card: string }, account: string | undefined, position: number): void {
  if (!ruleOn(turn.settings, 'declines')) return;
  const rule = turn.settings.declines;
  const watch = watchOf(turn, cardId);
  const from = turn.at - rule.windowMs;
  while (watch.declines.length > 0 && (watch.declines[0]?.at ?? 0) <= from) watch.declines.shift();
  watch.declines.push({ at: turn.at, position, reason: event.reason });
  while (watch.declines.length > rule.count) watch.declines.shift();
  if (watch.declines.length < rule.count) return;
  const minutes = Math.round(rule.windowMs / minuteMs);
  const reasons = [...new Set(watch.declines.map((stamp) => stamp.reason))];
  raise(turn, {
    rule: 'declines',
    subject: cardSubject(cardId, event.card, account, event.site),
    message: `${watch.declines.length} declines of card ${event.card} within ${minutes} minutes (${reasons.join(', ')})`,
    trigger: { positions: watch.declines.map((stamp) => stamp.position), refs: [event.id], values: { declines: watch.declines.length, limit: rule.count, minutes, reasons: reasons.join(',') } },
    dedupKey: `declines|${cardId}`,
    dedupUntil: turn.at + rule.dedupMs,
  });
}
