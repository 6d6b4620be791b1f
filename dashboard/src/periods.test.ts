// The dashboard's periods are the network's days, whatever zone the browser is in: a picked date's
// midnight in the network's zone, `to` excluded; today is the network's date (it may differ from the
// UTC date and from the browser's).

import { describe, expect, it } from 'vitest';
import dayjs from 'dayjs';
import { dayStartIn, mondayOf, periodOfDays, todayIn } from './periods';

describe('periods in the network time zone', () => {
  it('a day picked is that day from midnight to midnight in the network zone', () => {
    const day = dayjs('2026-12-04');
    expect(periodOfDays([day, day], 'Europe/Moscow')).toEqual({ from: '2026-12-03T21:00:00.000Z', to: '2026-12-04T21:00:00.000Z' });
    expect(periodOfDays([day, day.add(6, 'day')], 'Asia/Vladivostok')).toEqual({ from: '2026-12-03T14:00:00.000Z', to: '2026-12-10T14:00:00.000Z' });
    expect(dayStartIn(dayjs('2026-03-29'), 'Europe/Berlin').toISOString()).toBe('2026-03-28T23:00:00.000Z');
    // The day the clocks go forward in Berlin is 23 hours long.
    expect(periodOfDays([dayjs('2026-03-29'), dayjs('2026-03-29')], 'Europe/Berlin')).toEqual({ from: '2026-03-28T23:00:00.000Z', to: '2026-03-29T22:00:00.000Z' });
  });

  it("today is the network's date, not the UTC one", () => {
    // 22:30 UTC on 3 December is already 4 December in Moscow and still 3 December in New York.
    const at = Date.parse('2026-12-03T22:30:00Z');
    expect(todayIn('Europe/Moscow', at).format('YYYY-MM-DD')).toBe('2026-12-04');
    expect(todayIn('America/New_York', at).format('YYYY-MM-DD')).toBe('2026-12-03');
  });

  it('weeks start on Monday', () => {
    expect(mondayOf(dayjs('2026-12-06')).format('YYYY-MM-DD')).toBe('2026-11-30'); // a Sunday
    expect(mondayOf(dayjs('2026-11-30')).format('YYYY-MM-DD')).toBe('2026-11-30');
  });
});
