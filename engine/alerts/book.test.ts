// The alert book's queries: newest first, a page below a number, a filter applied before the limit
// (so a page of one site's alerts is full even when other sites' are newer), and counts without a limit.

import { describe, expect, it } from 'vitest';
import type { AlertEvent } from './alert.js';
import { applyAlertEvent, countAlerts, emptyAlertBook, listAlerts } from './book.js';

function raised(number: number, site: string): AlertEvent {
  return {
    type: 'alert',
    alertId: `n:alert:${number}`,
    number,
    channels: [],
    network: 'n',
    rule: 'declines',
    severity: number % 2 === 0 ? 'critical' : 'warning',
    subject: { kind: 'terminal', id: `T-${site}`, terminal: `T-${site}`, site },
    message: `alert ${number}`,
    trigger: { positions: [number], refs: [], values: {} },
    dedupKey: `declines|${number}`,
    dedupUntil: 1_000 + number,
    at: 1_000 + number,
  };
}

describe('the alert book’s queries', () => {
  const book = emptyAlertBook();
  for (let number = 1; number <= 7; number++) applyAlertEvent(book, raised(number, number <= 3 ? 'S1' : 'S2'));
  applyAlertEvent(book, { type: 'alert.resolved', network: 'n', alertId: 'n:alert:2', by: 'Анна', at: 2_000 });
  const numbers = (views: readonly { number: number }[]): number[] => views.map((view) => view.number);

  it('pages newest first below a number, with the filter applied before the limit', () => {
    expect(numbers(listAlerts(book, { network: 'n' }))).toEqual([7, 6, 5, 4, 3, 1]);
    expect(numbers(listAlerts(book, { network: 'n', limit: 2 }))).toEqual([7, 6]);
    expect(numbers(listAlerts(book, { network: 'n', before: 6, limit: 2 }))).toEqual([5, 4]);
    const s1 = (view: { subject: { site?: string } }): boolean => view.subject.site === 'S1';
    expect(numbers(listAlerts(book, { network: 'n', where: s1, limit: 2 }))).toEqual([3, 1]);
    expect(numbers(listAlerts(book, { network: 'n', status: 'all', where: s1 }))).toEqual([3, 2, 1]);
    expect(numbers(listAlerts(book, { network: 'other' }))).toEqual([]);
  });

  it('counts what a query selects, without a limit', () => {
    expect(countAlerts(book, { network: 'n' })).toBe(6);
    expect(countAlerts(book, { network: 'n', status: 'resolved' })).toBe(1);
    expect(countAlerts(book, { network: 'n', where: (view) => view.severity === 'critical' })).toBe(2);
  });
});
