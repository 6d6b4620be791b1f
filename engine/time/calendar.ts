// Calendar periods (day, ISO week from Monday 00:00, month) and local wall time in a network's IANA
// time zone, for card limits per calendar period and for restrictions by hours and weekdays. It is
// pure and deterministic: every answer depends only on the zone and the instant passed in (epoch
// ms), never on the current time. Intl.DateTimeFormat is the only source of zone rules, and it is
// slow (about 2 µs a call), so each zone has one shared Calendar that keeps the last few days, weeks
// and months it computed together with the UTC offsets in force during each cached day; a call for
// an instant inside a cached range is a couple of comparisons and some arithmetic. A period is the
// half-open range [start, end) in epoch ms from the first instant of its first local date to the
// first instant of the date after it, so days with a clock change last 23 or 25 hours (23.5 or 24.5
// on Lord Howe Island) and a day whose midnight is skipped starts at the moment the clock jumps.
// Zone rules are assumed to change the offset at most once within any 72 hours, which holds in tzdata
// for the supported years 1000 to 9998.

export const periods = ['day', 'week', 'month'] as const;
export type CalendarPeriod = (typeof periods)[number];

export interface LocalTime {
  year: number;
  /** 1 = January … 12 = December. */
  month: number;
  day: number;
  /** ISO weekday: 1 = Monday … 7 = Sunday. */
  weekday: number;
  /** Minutes since local midnight on the wall clock: 0 … 1439. */
  minuteOfDay: number;
}

/** Epoch milliseconds, half-open: [start, end). */
export interface PeriodRange {
  start: number;
  end: number;
}

export interface Calendar {
  readonly timeZone: string;
  /** The calendar period (ISO week starting Monday 00:00 local) containing `at`. */
  period(period: CalendarPeriod, at: number): PeriodRange;
  localTime(at: number): LocalTime;
}

const SECOND_MS = 1_000;
const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** Every instant whose wall clock shows a given midnight lies within this distance of it (offsets stay under ±26 h). */
const SEARCH_WINDOW_MS = 36 * HOUR_MS;
/** Instants outside these bounds are refused: en-US formatting drops the era, and the search windows need room. */
const FIRST_INSTANT = Date.UTC(1000, 0, 1);
const LAST_INSTANT = Date.UTC(9999, 0, 1);
/** How many recent days, weeks and months each zone keeps (out-of-order instants around a boundary). */
const CACHED_RANGES = 4;

const calendars = new Map<string, Calendar>();

/** One shared Calendar per time zone; throws RangeError for an unknown zone. */
export function calendarFor(timeZone: string): Calendar {
  let calendar = calendars.get(timeZone);
  if (calendar === undefined) {
    if (!isValidTimeZone(timeZone)) throw new RangeError(`Unknown time zone: ${JSON.stringify(timeZone)}`);
    calendar = new ZoneCalendar(timeZone);
    calendars.set(timeZone, calendar);
  }
  return calendar;
}

/** True when the zone is a valid IANA zone name known to this runtime. */
export function isValidTimeZone(timeZone: string): boolean {
  // IANA names start with a letter; this also refuses offsets such as "+03:00" that newer runtimes accept.
  if (typeof timeZone !== 'string' || !/^[A-Za-z]/.test(timeZone)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** A cached local day: its range, its date, and the offsets in force during it. */
interface DayEntry {
  readonly start: number;
  readonly end: number;
  /** Returned by period('day'); frozen because it is shared between callers. */
  readonly range: PeriodRange;
  /** The instant the UTC offset changes inside the day, or `end` when it does not. */
  readonly change: number;
  /** UTC offset (ms ahead of UTC) before `change`. */
  readonly offsetBefore: number;
  /** UTC offset from `change` on. */
  readonly offsetAfter: number;
  /** The local date as days since 1970-01-01. */
  readonly dayNumber: number;
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly weekday: number;
}

const wallPattern = /^(\d+)\/(\d+)\/(\d+), (\d+):(\d+):(\d+)$/;

class ZoneCalendar implements Calendar {
  readonly timeZone: string;
  private readonly format: Intl.DateTimeFormat;
  /** Most recently used first. */
  private readonly days: DayEntry[] = [];
  private readonly weeks: PeriodRange[] = [];
  private readonly months: PeriodRange[] = [];

  constructor(timeZone: string) {
    this.timeZone = timeZone;
    this.format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  }

  period(period: CalendarPeriod, at: number): PeriodRange {
    switch (period) {
      case 'day':
        return this.dayEntry(at).range;
      case 'week': {
        const cached = lookup(this.weeks, at);
        if (cached !== undefined) return cached;
        const { dayNumber, weekday } = this.dayEntry(at);
        const monday = dayNumber - (weekday - 1);
        return remember(this.weeks, this.startOfDay(monday), this.startOfDay(monday + 7));
      }
      case 'month': {
        const cached = lookup(this.months, at);
        if (cached !== undefined) return cached;
        const { year, month } = this.dayEntry(at);
        const first = daysFromCivil(year, month, 1);
        const next = month === 12 ? daysFromCivil(year + 1, 1, 1) : daysFromCivil(year, month + 1, 1);
        return remember(this.months, this.startOfDay(first), this.startOfDay(next));
      }
      default:
        throw new RangeError(`Unknown calendar period: ${String(period satisfies never)}`);
    }
  }

  localTime(at: number): LocalTime {
    const entry = this.dayEntry(at);
    const wall = at + (at < entry.change ? entry.offsetBefore : entry.offsetAfter);
    const dayNumber = Math.floor(wall / DAY_MS);
    const minuteOfDay = Math.floor((wall - dayNumber * DAY_MS) / MINUTE_MS);
    if (dayNumber === entry.dayNumber) {
      return { year: entry.year, month: entry.month, day: entry.day, weekday: entry.weekday, minuteOfDay };
    }
    // The wall clock shows another date than the period (a clock set back over midnight).
    const { year, month, day } = civilFromDays(dayNumber);
    return { year, month, day, weekday: isoWeekday(dayNumber), minuteOfDay };
  }

  /** The cached day containing `at`, computing it when no cached day does. */
  private dayEntry(at: number): DayEntry {
    const days = this.days;
    const first = days[0];
    if (first !== undefined && at >= first.start && at < first.end) return first;
    for (let i = 1; i < days.length; i++) {
      const entry = days[i];
      if (entry !== undefined && at >= entry.start && at < entry.end) {
        days.splice(i, 1);
        days.unshift(entry);
        return entry;
      }
    }
    const entry = this.computeDay(at);
    days.unshift(entry);
    if (days.length > CACHED_RANGES) days.pop();
    return entry;
  }

  private computeDay(at: number): DayEntry {
    if (!(at >= FIRST_INSTANT && at < LAST_INSTANT)) {
      throw new RangeError(`Instant out of the supported range (years 1000-9998): ${at}`);
    }
    let dayNumber = Math.floor(this.wall(at) / DAY_MS);
    let start = this.startOfDay(dayNumber);
    let end = this.startOfDay(dayNumber + 1);
    // Days partition time by the first instant of each date. Where the clock is set back over midnight
    // the wall date can fall behind the period; where it is set forward over a whole date a date is
    // empty. Either way the containing period is at most a step or two away.
    for (let steps = 0; at >= end || at < start; steps++) {
      if (steps === 3) throw new Error(`No calendar day found for ${at} in ${this.timeZone}`);
      if (at >= end) {
        dayNumber += 1;
        start = end;
        end = this.startOfDay(dayNumber + 1);
      } else {
        dayNumber -= 1;
        end = start;
        start = this.startOfDay(dayNumber);
      }
    }
    const offsetBefore = this.offset(start);
    const offsetAfter = this.offset(end - 1);
    const change = offsetBefore === offsetAfter ? end : this.findChange(start, offsetBefore, end - 1);
    const { year, month, day } = civilFromDays(dayNumber);
    return {
      start,
      end,
      range: Object.freeze({ start, end }),
      change,
      offsetBefore,
      offsetAfter,
      dayNumber,
      year,
      month,
      day,
      weekday: isoWeekday(dayNumber),
    };
  }

  /** The first instant whose local date is `dayNumber` or later. */
  private startOfDay(dayNumber: number): number {
    const midnight = dayNumber * DAY_MS;
    const before = midnight - SEARCH_WINDOW_MS;
    const after = midnight + SEARCH_WINDOW_MS;
    const offsetBefore = this.offset(before);
    const offsetAfter = this.offset(after);
    if (offsetBefore === offsetAfter) return midnight - offsetBefore;
    const change = this.findChange(before, offsetBefore, after);
    // Midnight under the old offset, if it comes before the change (also the earlier of two midnights).
    if (midnight - offsetBefore < change) return midnight - offsetBefore;
    // Otherwise midnight under the new offset, or the change itself when the clock jumps over midnight.
    return Math.max(change, midnight - offsetAfter);
  }

  /** The first instant in (low, high] whose offset differs from `lowOffset`, the offset at `low`. */
  private findChange(low: number, lowOffset: number, high: number): number {
    // Offsets change on whole seconds, and offset() reads whole seconds: bisect over seconds.
    let lowSecond = Math.floor(low / SECOND_MS);
    let highSecond = Math.floor(high / SECOND_MS);
    while (highSecond - lowSecond > 1) {
      const middle = Math.floor((lowSecond + highSecond) / 2);
      if (this.offset(middle * SECOND_MS) === lowOffset) lowSecond = middle;
      else highSecond = middle;
    }
    return highSecond * SECOND_MS;
  }

  /** Milliseconds the zone is ahead of UTC at `at`. */
  private offset(at: number): number {
    const second = Math.floor(at / SECOND_MS) * SECOND_MS;
    return this.wall(second) - second;
  }

  /** The local wall clock at `at`, to the second, as milliseconds since 1970-01-01 00:00 on that clock. */
  private wall(at: number): number {
    const match = wallPattern.exec(this.format.format(at));
    if (match !== null) {
      return wallMs(Number(match[3]), Number(match[1]), Number(match[2]), Number(match[4]), Number(match[5]), Number(match[6]));
    }
    let year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
    for (const part of this.format.formatToParts(at)) {
      if (part.type === 'year') year = Number(part.value);
      else if (part.type === 'month') month = Number(part.value);
      else if (part.type === 'day') day = Number(part.value);
      else if (part.type === 'hour') hour = Number(part.value);
      else if (part.type === 'minute') minute = Number(part.value);
      else if (part.type === 'second') second = Number(part.value);
    }
    return wallMs(year, month, day, hour, minute, second);
  }
}

function wallMs(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
  // Some ICU versions print midnight as 24 even with hourCycle h23.
  return daysFromCivil(year, month, day) * DAY_MS + (hour % 24) * HOUR_MS + minute * MINUTE_MS + second * SECOND_MS;
}

function lookup(cache: PeriodRange[], at: number): PeriodRange | undefined {
  for (let i = 0; i < cache.length; i++) {
    const range = cache[i];
    if (range !== undefined && at >= range.start && at < range.end) {
      if (i > 0) {
        cache.splice(i, 1);
        cache.unshift(range);
      }
      return range;
    }
  }
  return undefined;
}

function remember(cache: PeriodRange[], start: number, end: number): PeriodRange {
  const range = Object.freeze({ start, end });
  cache.unshift(range);
  if (cache.length > CACHED_RANGES) cache.pop();
  return range;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/** The proleptic Gregorian date of a day number (H. Hinnant's civil_from_days). */
function civilFromDays(dayNumber: number): { year: number; month: number; day: number } {
  const z = dayNumber + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const shifted = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * shifted + 2) / 5) + 1;
  const month = shifted < 10 ? shifted + 3 : shifted - 9;
  return { year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

/** 1970-01-01 was a Thursday. */
function isoWeekday(dayNumber: number): number {
  return ((((dayNumber + 3) % 7) + 7) % 7) + 1;
}

const hoursWindowPattern = /^([0-9]{2}):([0-9]{2})-([0-9]{2}):([0-9]{2})$/;

/**
 * Parses "HH:MM-HH:MM" into minutes [from, to); to may be less than from (window wraps midnight);
 * "00:00-24:00" is the whole day. Returns undefined for malformed input (hours > 24, minutes > 59,
 * 24:00 as the start, etc). Both minutes come back in 0 … 1439: an end of 24:00 is midnight, 0.
 */
export function parseHoursWindow(text: string): { fromMinute: number; toMinute: number } | undefined {
  const match = hoursWindowPattern.exec(text);
  if (match === null) return undefined;
  const fromMinute = clockMinute(Number(match[1]), Number(match[2]));
  const toMinute = clockMinute(Number(match[3]), Number(match[4]));
  if (fromMinute === undefined || toMinute === undefined || fromMinute === 1440) return undefined;
  return { fromMinute, toMinute: toMinute % 1440 };
}

/** Minutes since midnight of HH:MM, where 24:00 (and nothing later) is allowed as 1440. */
function clockMinute(hours: number, minutes: number): number | undefined {
  if (hours > 24 || minutes > 59 || (hours === 24 && minutes !== 0)) return undefined;
  return hours * 60 + minutes;
}

/** Whether minuteOfDay lies in the window (handles wrap-around; from === to means the whole day). */
export function inHoursWindow(window: { fromMinute: number; toMinute: number }, minuteOfDay: number): boolean {
  const { fromMinute, toMinute } = window;
  if (fromMinute === toMinute) return true;
  return fromMinute < toMinute
    ? minuteOfDay >= fromMinute && minuteOfDay < toMinute
    : minuteOfDay >= fromMinute || minuteOfDay < toMinute;
}
