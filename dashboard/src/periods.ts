// Days, weeks and months as the network counts them: in its time zone (`/auth/me` says which), not the
// browser's. A date picker gives calendar dates; a period sent to the API is the instants of those
// dates' midnights in the network's zone, `to` excluded — the same days the reports group by.

import dayjs from 'dayjs';
import type { Dayjs } from 'dayjs';
import utc from 'dayjs/plugin/utc';
import timezone from 'dayjs/plugin/timezone';

dayjs.extend(utc);
dayjs.extend(timezone);

/** The zone a network without one named would be read in (the demo's, and Russia's most common). */
export const defaultZone = 'Europe/Moscow';

/** Midnight of the calendar date `date` (its year, month and day, whatever zone it carries) in `zone`. */
export function dayStartIn(date: Dayjs, zone: string): Dayjs {
  return dayjs.tz(date.format('YYYY-MM-DD'), zone);
}

/** Today's calendar date in `zone` (for pickers and day arithmetic). */
export function todayIn(zone: string, now: number = Date.now()): Dayjs {
  return dayjs(dayjs(now).tz(zone).format('YYYY-MM-DD'));
}

/** The calendar days [first, last] (both included) as the API's period [from, to) in `zone`. */
export function periodOfDays(days: readonly [Dayjs, Dayjs], zone: string): { from: string; to: string } {
  return { from: dayStartIn(days[0], zone).toISOString(), to: dayStartIn(days[1].add(1, 'day'), zone).toISOString() };
}

/** Monday of the week of a calendar date (weeks start on Monday, as the engine's calendar). */
export function mondayOf(date: Dayjs): Dayjs {
  return date.subtract((date.day() + 6) % 7, 'day');
}
