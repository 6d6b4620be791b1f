import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import type { CalendarPeriod, LocalTime, PeriodRange } from './calendar.js';
import { calendarFor, inHoursWindow, isValidTimeZone, parseHoursWindow, periods } from './calendar.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const utc = (year: number, month: number, day: number, hour = 0, minute = 0, second = 0, ms = 0): number =>
  Date.UTC(year, month - 1, day, hour, minute, second, ms);
const range = (start: number, end: number): PeriodRange => ({ start, end });

describe('calendarFor', () => {
  it('shares one calendar per zone and refuses unknown zones', () => {
    expect(calendarFor('Europe/Berlin')).toBe(calendarFor('Europe/Berlin'));
    expect(calendarFor('Europe/Berlin').timeZone).toBe('Europe/Berlin');
    expect(() => calendarFor('Mars/Olympus')).toThrow(RangeError);
    expect(() => calendarFor('')).toThrow(RangeError);
  });

  it('validates zone names', () => {
    expect(isValidTimeZone('Europe/Moscow')).toBe(true);
    expect(isValidTimeZone('UTC')).toBe(true);
    expect(isValidTimeZone('America/Argentina/Buenos_Aires')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus')).toBe(false);
    expect(isValidTimeZone('')).toBe(false);
    expect(isValidTimeZone('+03:00')).toBe(false);
  });

  it('refuses instants it cannot place and unknown periods', () => {
    const calendar = calendarFor('UTC');
    expect(() => calendar.period('day', Number.NaN)).toThrow(RangeError);
    expect(() => calendar.localTime(Number.POSITIVE_INFINITY)).toThrow(RangeError);
    expect(() => calendar.period('year' as CalendarPeriod, utc(2025, 1, 1))).toThrow(RangeError);
  });
});

describe('Europe/Moscow (UTC+3, no DST)', () => {
  const moscow = calendarFor('Europe/Moscow');
  const sundayNoon = utc(2025, 6, 15, 9); // Sunday 15 June 2025, 12:00 MSK

  it('day, week and month', () => {
    expect(moscow.period('day', sundayNoon)).toEqual(range(utc(2025, 6, 14, 21), utc(2025, 6, 15, 21)));
    expect(moscow.period('week', sundayNoon)).toEqual(range(utc(2025, 6, 8, 21), utc(2025, 6, 15, 21)));
    expect(moscow.period('month', sundayNoon)).toEqual(range(utc(2025, 5, 31, 21), utc(2025, 6, 30, 21)));
  });

  it('local time around midnight', () => {
    expect(moscow.localTime(sundayNoon)).toEqual({ year: 2025, month: 6, day: 15, weekday: 7, minuteOfDay: 720 });
    expect(moscow.localTime(utc(2025, 6, 15, 20, 59, 59, 999))).toEqual({ year: 2025, month: 6, day: 15, weekday: 7, minuteOfDay: 1439 });
    expect(moscow.localTime(utc(2025, 6, 15, 21))).toEqual({ year: 2025, month: 6, day: 16, weekday: 1, minuteOfDay: 0 });
    expect(moscow.period('week', utc(2025, 6, 15, 21))).toEqual(range(utc(2025, 6, 15, 21), utc(2025, 6, 22, 21)));
  });

  it('new year', () => {
    const newYear = utc(2025, 12, 31, 21); // 1 January 2026, 00:00 MSK
    expect(moscow.period('month', newYear - 1)).toEqual(range(utc(2025, 11, 30, 21), newYear));
    expect(moscow.period('month', newYear)).toEqual(range(newYear, utc(2026, 1, 31, 21)));
    expect(moscow.period('day', newYear)).toEqual(range(newYear, newYear + DAY));
    // Thursday: the week runs from Monday 29 December 2025.
    expect(moscow.period('week', newYear)).toEqual(range(utc(2025, 12, 28, 21), utc(2026, 1, 4, 21)));
    expect(moscow.localTime(newYear - 1)).toEqual({ year: 2025, month: 12, day: 31, weekday: 3, minuteOfDay: 1439 });
  });

  it('February in the leap year 2028', () => {
    const leapDay = utc(2028, 2, 29, 12);
    expect(moscow.period('month', leapDay)).toEqual(range(utc(2028, 1, 31, 21), utc(2028, 2, 29, 21)));
    expect(moscow.period('day', leapDay)).toEqual(range(utc(2028, 2, 28, 21), utc(2028, 2, 29, 21)));
    expect(moscow.localTime(leapDay)).toEqual({ year: 2028, month: 2, day: 29, weekday: 2, minuteOfDay: 15 * 60 });
    expect(moscow.period('month', utc(2028, 2, 29, 21))).toEqual(range(utc(2028, 2, 29, 21), utc(2028, 3, 31, 21)));
  });
});

describe('UTC', () => {
  const zone = calendarFor('UTC');

  it('month and week across new year', () => {
    const last = utc(2024, 12, 31, 23, 59, 59, 999); // Tuesday
    expect(zone.period('day', last)).toEqual(range(utc(2024, 12, 31), utc(2025, 1, 1)));
    expect(zone.period('week', last)).toEqual(range(utc(2024, 12, 30), utc(2025, 1, 6)));
    expect(zone.period('month', last)).toEqual(range(utc(2024, 12, 1), utc(2025, 1, 1)));
    expect(zone.period('month', last + 1)).toEqual(range(utc(2025, 1, 1), utc(2025, 2, 1)));
    expect(zone.period('week', last + 1)).toEqual(range(utc(2024, 12, 30), utc(2025, 1, 6)));
    expect(zone.localTime(last)).toEqual({ year: 2024, month: 12, day: 31, weekday: 2, minuteOfDay: 1439 });
    expect(zone.localTime(last + 1)).toEqual({ year: 2025, month: 1, day: 1, weekday: 3, minuteOfDay: 0 });
  });

  it('February 2028 has 29 days', () => {
    expect(zone.period('month', utc(2028, 2, 10))).toEqual(range(utc(2028, 2, 1), utc(2028, 3, 1)));
    expect(zone.localTime(utc(2028, 2, 29, 13, 5))).toEqual({ year: 2028, month: 2, day: 29, weekday: 2, minuteOfDay: 785 });
  });
});

describe('Europe/Berlin across DST', () => {
  const berlin = calendarFor('Europe/Berlin');

  it('spring forward: Sunday 30 March 2025 has 23 hours', () => {
    const day = berlin.period('day', utc(2025, 3, 30, 12));
    expect(day).toEqual(range(utc(2025, 3, 29, 23), utc(2025, 3, 30, 22)));
    expect(day.end - day.start).toBe(23 * HOUR);
    const week = berlin.period('week', utc(2025, 3, 30, 12));
    expect(week).toEqual(range(utc(2025, 3, 23, 23), utc(2025, 3, 30, 22)));
    expect(week.end - week.start).toBe(7 * DAY - HOUR);
    const month = berlin.period('month', utc(2025, 3, 30, 12));
    expect(month).toEqual(range(utc(2025, 2, 28, 23), utc(2025, 3, 31, 22)));
    expect(month.end - month.start).toBe(31 * DAY - HOUR);
  });

  it('spring forward: the wall clock skips 02:00-03:00', () => {
    expect(berlin.localTime(utc(2025, 3, 29, 23))).toEqual({ year: 2025, month: 3, day: 30, weekday: 7, minuteOfDay: 0 });
    expect(berlin.localTime(utc(2025, 3, 30, 0, 59, 59, 999)).minuteOfDay).toBe(119);
    expect(berlin.localTime(utc(2025, 3, 30, 1))).toEqual({ year: 2025, month: 3, day: 30, weekday: 7, minuteOfDay: 180 });
    expect(berlin.localTime(utc(2025, 3, 30, 21, 59, 59, 999)).minuteOfDay).toBe(1439);
    expect(berlin.localTime(utc(2025, 3, 30, 22))).toEqual({ year: 2025, month: 3, day: 31, weekday: 1, minuteOfDay: 0 });
  });

  it('fall back: Sunday 26 October 2025 has 25 hours', () => {
    const day = berlin.period('day', utc(2025, 10, 26, 12));
    expect(day).toEqual(range(utc(2025, 10, 25, 22), utc(2025, 10, 26, 23)));
    expect(day.end - day.start).toBe(25 * HOUR);
    const week = berlin.period('week', utc(2025, 10, 26, 12));
    expect(week).toEqual(range(utc(2025, 10, 19, 22), utc(2025, 10, 26, 23)));
    expect(week.end - week.start).toBe(7 * DAY + HOUR);
    const month = berlin.period('month', utc(2025, 10, 26, 12));
    expect(month).toEqual(range(utc(2025, 9, 30, 22), utc(2025, 10, 31, 23)));
    expect(month.end - month.start).toBe(31 * DAY + HOUR);
  });

  it('fall back: the wall clock repeats 02:00-03:00', () => {
    expect(berlin.localTime(utc(2025, 10, 25, 22))).toEqual({ year: 2025, month: 10, day: 26, weekday: 7, minuteOfDay: 0 });
    expect(berlin.localTime(utc(2025, 10, 26, 0, 30)).minuteOfDay).toBe(150);
    expect(berlin.localTime(utc(2025, 10, 26, 1, 30)).minuteOfDay).toBe(150);
    expect(berlin.localTime(utc(2025, 10, 26, 22, 59)).minuteOfDay).toBe(1439);
    expect(berlin.localTime(utc(2025, 10, 26, 23))).toEqual({ year: 2025, month: 10, day: 27, weekday: 1, minuteOfDay: 0 });
  });

  it('new year and leap February', () => {
    const newYear = utc(2025, 12, 31, 23);
    expect(berlin.period('day', newYear + 30 * 60_000)).toEqual(range(newYear, newYear + DAY));
    expect(berlin.period('month', newYear)).toEqual(range(newYear, utc(2026, 1, 31, 23)));
    expect(berlin.period('month', newYear - 1)).toEqual(range(utc(2025, 11, 30, 23), newYear));
    expect(berlin.localTime(newYear + 30 * 60_000)).toEqual({ year: 2026, month: 1, day: 1, weekday: 4, minuteOfDay: 30 });
    expect(berlin.period('month', utc(2028, 2, 29, 22, 59))).toEqual(range(utc(2028, 1, 31, 23), utc(2028, 2, 29, 23)));
  });
});

describe('other clock changes', () => {
  it('Australia/Lord_Howe moves its clock by 30 minutes: a 23.5-hour day', () => {
    const lordHowe = calendarFor('Australia/Lord_Howe');
    const day = lordHowe.period('day', utc(2025, 10, 5));
    expect(day).toEqual(range(utc(2025, 10, 4, 13, 30), utc(2025, 10, 5, 13)));
    expect(lordHowe.localTime(utc(2025, 10, 4, 15, 29)).minuteOfDay).toBe(119);
    expect(lordHowe.localTime(utc(2025, 10, 4, 15, 30)).minuteOfDay).toBe(150);
  });

  it('America/Santiago skips midnight: the day starts when the clock jumps to 01:00', () => {
    const santiago = calendarFor('America/Santiago');
    expect(santiago.period('day', utc(2025, 9, 7, 12))).toEqual(range(utc(2025, 9, 7, 4), utc(2025, 9, 8, 3)));
    expect(santiago.period('day', utc(2025, 9, 7, 3, 59))).toEqual(range(utc(2025, 9, 6, 4), utc(2025, 9, 7, 4)));
    expect(santiago.localTime(utc(2025, 9, 7, 4))).toEqual({ year: 2025, month: 9, day: 7, weekday: 7, minuteOfDay: 60 });
    // The ISO week starts on Monday 1 September, 00:00 -04.
    expect(santiago.period('week', utc(2025, 9, 7, 12))).toEqual(range(utc(2025, 9, 1, 4), utc(2025, 9, 8, 3)));
  });

  it('period ranges are frozen, so a caller cannot corrupt the cache', () => {
    const day = calendarFor('UTC').period('day', utc(2025, 1, 1));
    expect(Object.isFrozen(day)).toBe(true);
  });
});

// ---- Property: the cached calendar agrees with a plain Intl reference, whatever the call order ----

const zones = ['UTC', 'Europe/Moscow', 'Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe'] as const;
const shortWeekdays: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };
const referenceFormats = new Map<string, Intl.DateTimeFormat>();

function referenceWall(timeZone: string, at: number): LocalTime & { key: number } {
  let format = referenceFormats.get(timeZone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', weekday: 'short', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric',
    });
    referenceFormats.set(timeZone, format);
  }
  const value: Record<string, string> = {};
  for (const part of format.formatToParts(at)) value[part.type] = part.value;
  const year = Number(value['year']);
  const month = Number(value['month']);
  const day = Number(value['day']);
  return {
    year, month, day,
    weekday: shortWeekdays[value['weekday'] ?? ''] ?? 0,
    minuteOfDay: Number(value['hour']) * 60 + Number(value['minute']),
    key: year * 10_000 + month * 100 + day,
  };
}

/** The first instant in (low, high] whose local date is `key` or later; the date must be monotonic there. */
function firstInstantOfDate(timeZone: string, key: number, low: number, high: number): number {
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (referenceWall(timeZone, middle).key >= key) high = middle;
    else low = middle;
  }
  return high;
}

function dateKey(year: number, month: number, day: number): number {
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() * 10_000 + (date.getUTCMonth() + 1) * 100 + date.getUTCDate();
}

function referencePeriod(timeZone: string, period: CalendarPeriod, at: number): PeriodRange {
  const { year, month, day, weekday } = referenceWall(timeZone, at);
  switch (period) {
    case 'day':
      return range(
        firstInstantOfDate(timeZone, dateKey(year, month, day), at - 3 * DAY, at),
        firstInstantOfDate(timeZone, dateKey(year, month, day + 1), at, at + 3 * DAY),
      );
    case 'week':
      return range(
        firstInstantOfDate(timeZone, dateKey(year, month, day - (weekday - 1)), at - 9 * DAY, at),
        firstInstantOfDate(timeZone, dateKey(year, month, day - (weekday - 1) + 7), at, at + 9 * DAY),
      );
    case 'month':
      return range(
        firstInstantOfDate(timeZone, dateKey(year, month, 1), at - 33 * DAY, at),
        firstInstantOfDate(timeZone, dateKey(year, month + 1, 1), at, at + 33 * DAY),
      );
  }
}

const from2020 = utc(2020, 1, 1) / 1000;
const to2035 = utc(2036, 1, 1) / 1000 - 1;
const anyInstant = fc
  .tuple(fc.integer({ min: from2020, max: to2035 }), fc.integer({ min: 0, max: 999 }))
  .map(([seconds, ms]) => seconds * 1000 + ms);
// Clock changes and midnights, where mistakes live: instants within two days of one.
const clockChanges = [
  utc(2025, 3, 30, 1), utc(2025, 10, 26, 1), // Europe/Berlin
  utc(2025, 3, 9, 7), utc(2025, 11, 2, 6), // America/New_York
  utc(2025, 4, 5, 15), utc(2025, 10, 4, 15, 30), // Australia/Lord_Howe
  utc(2028, 2, 29), utc(2031, 12, 31, 21),
];
const nearClockChange = fc
  .tuple(fc.constantFrom(...clockChanges), fc.integer({ min: -48, max: 48 }), fc.constantFrom(0, 1, -1, 59_999, 30 * 60_000, 45 * 60_000))
  .map(([change, hours, nudge]) => change + hours * HOUR + nudge);
const instant = fc.oneof(anyInstant, nearClockChange);
const call = fc.record({ zone: fc.constantFrom(...zones), at: instant, period: fc.constantFrom(...periods) });

describe('cached calendar against an uncached Intl reference', () => {
  it('gives the reference answer for any sequence of calls, in any order (2020-2035)', () => {
    fc.assert(
      fc.property(fc.array(call, { minLength: 1, maxLength: 12 }), (calls) => {
        for (const { zone, at, period } of calls) {
          const calendar = calendarFor(zone);
          const expected = referencePeriod(zone, period, at);
          const actual = calendar.period(period, at);
          expect({ zone, at, period, range: { ...actual } }).toEqual({ zone, at, period, range: expected });
          expect(actual.start <= at && at < actual.end).toBe(true);
          const { key: _key, ...local } = referenceWall(zone, at);
          expect({ zone, at, local: calendar.localTime(at) }).toEqual({ zone, at, local });
        }
      }),
      { numRuns: 150 },
    );
  });

  it('answers the same whether instants come in order, reversed or interleaved around a boundary', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        instant,
        fc.array(fc.integer({ min: -3 * DAY, max: 3 * DAY }), { minLength: 2, maxLength: 20 }),
        (zone, base, shifts) => {
          const calendar = calendarFor(zone);
          const instants = shifts.map((shift) => base + shift);
          const answer = (at: number): unknown => [at, ...periods.map((period) => ({ ...calendar.period(period, at) })), calendar.localTime(at)];
          const forward = instants.map(answer);
          const backward = [...instants].reverse().map(answer).reverse();
          expect(backward).toEqual(forward);
          for (const at of instants.slice(0, 3)) {
            expect({ ...calendar.period('day', at) }).toEqual(referencePeriod(zone, 'day', at));
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('hours windows', () => {
  it('parses valid windows', () => {
    expect(parseHoursWindow('08:00-20:00')).toEqual({ fromMinute: 480, toMinute: 1200 });
    expect(parseHoursWindow('22:00-06:00')).toEqual({ fromMinute: 1320, toMinute: 360 });
    expect(parseHoursWindow('00:00-24:00')).toEqual({ fromMinute: 0, toMinute: 0 });
    expect(parseHoursWindow('18:30-24:00')).toEqual({ fromMinute: 1110, toMinute: 0 });
    expect(parseHoursWindow('00:00-00:00')).toEqual({ fromMinute: 0, toMinute: 0 });
    expect(parseHoursWindow('23:59-00:01')).toEqual({ fromMinute: 1439, toMinute: 1 });
  });

  it('refuses malformed windows', () => {
    for (const text of [
      '', '08:00', '08:00-', '8:00-20:00', '08:0-20:00', '08:00 - 20:00', '08:00-20:00 ', ' 08:00-20:00', '08:00–20:00',
      '25:00-26:00', '08:00-25:00', '08:60-09:00', '08:00-09:99', '24:00-06:00', '24:01-23:00', '08:00-24:30',
      'ab:cd-ef:gh', '-1:00-02:00', '08:00-20:00-21:00', '0800-2000', '08.00-20.00',
    ]) {
      expect({ text, window: parseHoursWindow(text) }).toEqual({ text, window: undefined });
    }
  });

  it('checks minutes against plain and wrapping windows', () => {
    const daytime = { fromMinute: 480, toMinute: 1200 };
    expect(inHoursWindow(daytime, 479)).toBe(false);
    expect(inHoursWindow(daytime, 480)).toBe(true);
    expect(inHoursWindow(daytime, 1199)).toBe(true);
    expect(inHoursWindow(daytime, 1200)).toBe(false);

    const night = { fromMinute: 1320, toMinute: 360 };
    expect(inHoursWindow(night, 1319)).toBe(false);
    expect(inHoursWindow(night, 1320)).toBe(true);
    expect(inHoursWindow(night, 1439)).toBe(true);
    expect(inHoursWindow(night, 0)).toBe(true);
    expect(inHoursWindow(night, 359)).toBe(true);
    expect(inHoursWindow(night, 360)).toBe(false);
    expect(inHoursWindow(night, 720)).toBe(false);

    const evening = parseHoursWindow('18:30-24:00');
    expect(evening).toBeDefined();
    if (evening !== undefined) {
      expect(inHoursWindow(evening, 1109)).toBe(false);
      expect(inHoursWindow(evening, 1110)).toBe(true);
      expect(inHoursWindow(evening, 1439)).toBe(true);
      expect(inHoursWindow(evening, 0)).toBe(false);
    }
  });

  it('a window from a time to itself is the whole day', () => {
    for (const window of [{ fromMinute: 0, toMinute: 0 }, { fromMinute: 600, toMinute: 600 }]) {
      for (const minute of [0, 1, 599, 600, 601, 1439]) expect(inHoursWindow(window, minute)).toBe(true);
    }
  });

  it('matches a minute-by-minute reading of the window text', () => {
    const clock = fc.tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }));
    const pad = (n: number): string => String(n).padStart(2, '0');
    fc.assert(
      fc.property(clock, clock, fc.integer({ min: 0, max: 1439 }), ([fh, fm], [th, tm], minute) => {
        const window = parseHoursWindow(`${pad(fh)}:${pad(fm)}-${pad(th)}:${pad(tm)}`);
        expect(window).toEqual({ fromMinute: fh * 60 + fm, toMinute: th * 60 + tm });
        if (window === undefined) return;
        const from = fh * 60 + fm;
        const to = th * 60 + tm;
        // Walk forward from `from` to `to` around the clock face; equal ends cover every minute.
        const length = from === to ? 1440 : (to - from + 1440) % 1440;
        const inside = (minute - from + 1440) % 1440 < length;
        expect(inHoursWindow(window, minute)).toBe(inside);
      }),
    );
  });
});
