// Calendar periods (day, ISO week, month) and local wall time in a network's IANA time zone, for
// limits per calendar period and restrictions by hours and weekdays. Pure and deterministic; the
// current day, week and month are cached per zone so the hot path is a range comparison.

export const periods = ['day', 'week', 'month'] as const;
export type CalendarPeriod = (typeof periods)[number];

export interface LocalTime {
  year: number;
  month: number;
  day: number;
  /** ISO weekday: 1 = Monday … 7 = Sunday. */
  weekday: number;
  minuteOfDay: number;
}

export interface PeriodRange {
  start: number;
  end: number;
}

export interface Calendar {
  readonly timeZone: string;
  period(period: CalendarPeriod, at: number): PeriodRange;
  localTime(at: number): LocalTime;
}

const weekdays: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };
const calendars = new Map<string, Calendar>();

export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

export function calendarFor(timeZone: string): Calendar {
  let calendar = calendars.get(timeZone);
  if (calendar === undefined) {
    calendar = new ZoneCalendar(timeZone);
    calendars.set(timeZone, calendar);
  }
  return calendar;
}

interface Parts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: number;
}

class ZoneCalendar implements Calendar {
  private readonly format: Intl.DateTimeFormat;
  private cachedDay: (PeriodRange & { local: Omit<LocalTime, 'minuteOfDay'> }) | undefined;
  private cachedWeek: PeriodRange | undefined;
  private cachedMonth: PeriodRange | undefined;

  constructor(readonly timeZone: string) {
    this.format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      weekday: 'short',
    });
  }

  period(period: CalendarPeriod, at: number): PeriodRange {
    switch (period) {
      case 'day': {
        const day = this.day(at);
        return { start: day.start, end: day.end };
      }
      case 'week': {
        const cached = this.cachedWeek;
        if (cached && at >= cached.start && at < cached.end) return cached;
        const { local } = this.day(at);
        const monday = new Date(Date.UTC(local.year, local.month - 1, local.day - (local.weekday - 1)));
        const start = this.startOfLocalDay(monday.getUTCFullYear(), monday.getUTCMonth() + 1, monday.getUTCDate());
        const nextMonday = new Date(Date.UTC(local.year, local.month - 1, local.day - (local.weekday - 1) + 7));
        const end = this.startOfLocalDay(nextMonday.getUTCFullYear(), nextMonday.getUTCMonth() + 1, nextMonday.getUTCDate());
        this.cachedWeek = { start, end };
        return this.cachedWeek;
      }
      case 'month': {
        const cached = this.cachedMonth;
        if (cached && at >= cached.start && at < cached.end) return cached;
        const { local } = this.day(at);
        const start = this.startOfLocalDay(local.year, local.month, 1);
        const end = local.month === 12 ? this.startOfLocalDay(local.year + 1, 1, 1) : this.startOfLocalDay(local.year, local.month + 1, 1);
        this.cachedMonth = { start, end };
        return this.cachedMonth;
      }
    }
  }

  localTime(at: number): LocalTime {
    const day = this.day(at);
    if (day.end - day.start === 86_400_000) return { ...day.local, minuteOfDay: Math.floor((at - day.start) / 60_000) };
    const parts = this.parts(at); // a day with a clock change: read the wall clock itself
    return { year: parts.year, month: parts.month, day: parts.day, weekday: parts.weekday, minuteOfDay: parts.hour * 60 + parts.minute };
  }

  private day(at: number): PeriodRange & { local: Omit<LocalTime, 'minuteOfDay'> } {
    const cached = this.cachedDay;
    if (cached && at >= cached.start && at < cached.end) return cached;
    const parts = this.parts(at);
    const start = this.startOfLocalDay(parts.year, parts.month, parts.day);
    const next = new Date(Date.UTC(parts.year, parts.month - 1, parts.day + 1));
    const end = this.startOfLocalDay(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate());
    this.cachedDay = { start, end, local: { year: parts.year, month: parts.month, day: parts.day, weekday: parts.weekday } };
    return this.cachedDay;
  }

  private parts(at: number): Parts {
    const result: Parts = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0, weekday: 0 };
    for (const part of this.format.formatToParts(at)) {
      switch (part.type) {
        case 'year':
          result.year = Number(part.value);
          break;
        case 'month':
          result.month = Number(part.value);
          break;
        case 'day':
          result.day = Number(part.value);
          break;
        case 'hour':
          result.hour = Number(part.value);
          break;
        case 'minute':
          result.minute = Number(part.value);
          break;
        case 'second':
          result.second = Number(part.value);
          break;
        case 'weekday':
          result.weekday = weekdays[part.value] ?? 0;
          break;
        case 'literal':
        case 'dayPeriod':
        case 'era':
        case 'fractionalSecond':
        case 'timeZoneName':
        case 'unknown':
          break;
        default:
          break;
      }
    }
    return result;
  }

  /** Milliseconds the zone is ahead of UTC at instant `at`. */
  private offset(at: number): number {
    const parts = this.parts(at);
    const wall = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
    return wall - Math.floor(at / 1000) * 1000;
  }

  /** The first instant of a local date (00:00, or the first existing minute after a gap). */
  private startOfLocalDay(year: number, month: number, day: number): number {
    const midnight = Date.UTC(year, month - 1, day);
    let guess = midnight - this.offset(midnight);
    guess = midnight - this.offset(guess);
    const parts = this.parts(guess);
    if (parts.day !== day) {
      // Midnight does not exist (a clock change at 00:00): the day starts when the clock jumps.
      let probe = guess;
      while (this.parts(probe).day !== day) probe += 15 * 60_000;
      return probe;
    }
    // Guard against a guess that lands after midnight on an ambiguous day.
    const earlier = guess - 3_600_000;
    const before = this.parts(earlier);
    return before.day === day ? earlier - (before.hour * 3_600_000 + before.minute * 60_000) + 0 : guess;
  }
}

/** Parses "HH:MM-HH:MM" into a window of minutes [from, to); "00:00-24:00" is the whole day. */
export function parseHoursWindow(text: string): { fromMinute: number; toMinute: number } | undefined {
  const match = /^([01][0-9]|2[0-4]):([0-5][0-9])-([01][0-9]|2[0-4]):([0-5][0-9])$/.exec(text);
  if (!match) return undefined;
  const fromMinute = Number(match[1]) * 60 + Number(match[2]);
  const toMinute = Number(match[3]) * 60 + Number(match[4]);
  if (fromMinute > 1440 || toMinute > 1440 || fromMinute === 1440) return undefined;
  return { fromMinute, toMinute: toMinute === 1440 && fromMinute === 0 ? 0 : toMinute % 1440 };
}

/** Whether a minute of the day lies in the window (wrapping midnight when to < from; from = to: all day). */
export function inHoursWindow(window: { fromMinute: number; toMinute: number }, minuteOfDay: number): boolean {
  const { fromMinute, toMinute } = window;
  if (fromMinute === toMinute) return true;
  return fromMinute < toMinute ? minuteOfDay >= fromMinute && minuteOfDay < toMinute : minuteOfDay >= fromMinute || minuteOfDay < toMinute;
}
