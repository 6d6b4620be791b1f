// Table tests of the pure alert rules: event sequences with a simulated clock that must fire and must
// not, dedup within the window and firing again after it. Accounts are driven by the domain's own
// decisions, so the events are the ones the engine journals.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { accountConfig, cardConfig, day, hour, minute } from '../testing/fixtures.js';
import type { BoardEntry } from '../store/lmdb-store.js';
import type { AlertsSectionDocument } from './settings.js';
import { compileAlertSettings, alertRuleDefaults, alertRuleIds } from './settings.js';
import { DrivenAccount, Watcher, alertCatalog, base, rulesOf } from './testing.js';
import { distanceMetres } from './geo.js';
import { forgetEndedWindows } from './evaluate.js';

const watcher = (alerts: AlertsSectionDocument, extra: Parameters<typeof alertCatalog>[1] = {}): Watcher => new Watcher(alertCatalog(alerts, extra));
/** Only the named rules on (with their settings); every other rule off. */
const only = (rules: NonNullable<AlertsSectionDocument['rules']>): AlertsSectionDocument => ({
  rules: { ...Object.fromEntries(alertRuleIds.map((rule) => [rule, { enabled: false }])), ...rules },
});

describe('settings', () => {
  it('fills every default when the section is absent, and takes what the document says', () => {
    const defaults = compileAlertSettings(undefined);
    expect(defaults.enabled).toBe(true);
    for (const rule of alertRuleIds) {
      expect(defaults[rule].enabled, rule).toBe(true);
      expect(defaults[rule].severity, rule).toBe(alertRuleDefaults[rule].severity);
      expect(defaults[rule].dedupMs, rule).toBe(alertRuleDefaults[rule].dedupMinutes * minute);
    }
    expect(defaults.velocity).toMatchObject({ authorizations: 5, windowMs: hour });
    expect(defaults.tank.litres).toBeUndefined();
    expect(defaults.email).toBeUndefined();
    const given = compileAlertSettings({ rules: { velocity: { authorizations: 2, minutes: 5, severity: 'critical' }, travel: { enabled: false } }, webhook: { url: 'https://example.test/hook' } });
    expect(given.velocity).toMatchObject({ enabled: true, authorizations: 2, windowMs: 5 * minute, severity: 'critical' });
    expect(given.travel.enabled).toBe(false);
    expect(given.webhook).toEqual({ url: 'https://example.test/hook', minimumSeverity: 'info' });
  });

  it('docs/protocol.md lists exactly these rules, in this order, with their default severities', () => {
    const text = readFileSync(new URL('../../docs/protocol.md', import.meta.url), 'utf8');
    const rows = [...text.matchAll(/^\| `([a-zA-Z]+)` \| (.+) \| (info|warning|critical) \| [^|]+ \|$/gm)].map((match) => [match[1], match[3]]);
    expect(rows).toEqual(alertRuleIds.map((rule) => [rule, alertRuleDefaults[rule].severity]));
  });

  it('measures great-circle distances', () => {
    expect(distanceMetres({ lat: 0, lon: 0 }, { lat: 0, lon: 1_000_000 })).toBe(111_195);
    expect(distanceMetres({ lat: 55_753_930, lon: 37_620_795 }, { lat: 55_753_930, lon: 37_620_795 })).toBe(0);
  });
});

describe('velocity: more than N authorisations of one card within M minutes', () => {
  const settings = only({ velocity: { authorizations: 3, minutes: 10, dedupMinutes: 30 } });
  const table: [string, number[], string[][]][] = [
    ['four within ten minutes: the fourth fires', [0, 2, 4, 6], [[], [], [], ['velocity']]],
    ['three within ten minutes: quiet', [0, 4, 8], [[], [], []]],
    ['four, spread so that no ten minutes hold more than three', [0, 4, 8, 12, 16], [[], [], [], [], []]],
    ['the fifth within the dedup window is held back', [0, 1, 2, 3, 4], [[], [], [], ['velocity'], []]],
    ['fires again after the dedup window', [0, 1, 2, 3, 35, 36, 37, 38], [[], [], [], ['velocity'], [], [], [], ['velocity']]],
  ];
  for (const [name, minutes, expected] of table) {
    it(name, () => {
      const w = watcher(settings);
      const account = new DrivenAccount(w);
      expect(minutes.map((offset) => rulesOf(account.authorize(base + offset * minute).alerts))).toEqual(expected);
    });
  }

  it('counts cards apart, and names the masked card, the account and every authorisation in the window', () => {
    const w = watcher(settings);
    const first = new DrivenAccount(w, accountConfig(), { hash: 'h1', masked: '700500******0017' });
    const second = new DrivenAccount(w, accountConfig({ key: 'acct:n:cp:c2', ownerId: 'c2' }), { hash: 'h2', masked: '700500******0025' });
    for (const offset of [0, 1, 2]) {
      first.authorize(base + offset * minute);
      second.authorize(base + offset * minute);
    }
    const [alert] = first.authorize(base + 3 * minute).alerts;
    expect(alert).toMatchObject({ rule: 'velocity', severity: 'warning', subject: { kind: 'card', id: 'n:h1', card: '700500******0017', account: 'acct:n:cp:c1' }, dedupKey: 'velocity|n:h1', dedupUntil: base + 33 * minute });
    expect(alert?.trigger.positions).toHaveLength(4);
    expect(alert?.trigger.values).toEqual({ authorizations: 4, limit: 3, minutes: 10 });
    expect(JSON.stringify(alert)).not.toMatch(/7005000000000017/);
  });

  it('is quiet when turned off, and when the whole section is', () => {
    for (const alerts of [{ rules: { velocity: { enabled: false } } }, { enabled: false }] as AlertsSectionDocument[]) {
      const w = watcher(alerts);
      const account = new DrivenAccount(w);
      for (let index = 0; index < 10; index++) account.authorize(base + index * minute);
      expect(rulesOf(w.raised).filter((rule) => rule === 'velocity')).toEqual([]);
    }
  });
});

describe('travel: two sites too far apart to drive between in the time', () => {
  const settings = only({ travel: { speedKmh: 150 } });
  const table: [string, [number, string][], string[][]][] = [
    ['Moscow, then Tver (162 km) 30 minutes later', [[0, 'S1'], [30, 'S2']], [[], ['travel']]],
    ['Moscow, then Tver two hours later (81 km/h)', [[0, 'S1'], [120, 'S2']], [[], []]],
    ['Moscow, then 5 km north a minute later (300 km/h)', [[0, 'S1'], [1, 'S3']], [[], ['travel']]],
    ['Moscow, then 5 km north 5 minutes later (60 km/h)', [[0, 'S1'], [5, 'S3']], [[], []]],
    ['the same site twice at once', [[0, 'S1'], [0, 'S1']], [[], []]],
    ['a site without coordinates', [[0, 'S1'], [1, 'S4']], [[], []]],
    ['judged against the last site, not the first', [[0, 'S1'], [120, 'S2'], [125, 'S2']], [[], [], []]],
    ['back and forth: the dedup window holds the second', [[0, 'S1'], [10, 'S2'], [20, 'S1']], [[], ['travel'], []]],
  ];
  for (const [name, steps, expected] of table) {
    it(name, () => {
      const w = watcher(settings);
      const account = new DrivenAccount(w);
      const terminals: Record<string, string> = { S1: 'T1', S2: 'T2', S3: 'T3', S4: 'T4' };
      expect(steps.map(([offset, site]) => rulesOf(account.authorize(base + offset * minute, { site, terminal: terminals[site] ?? 'T1' }).alerts))).toEqual(expected);
    });
  }

  it('names both sites, the distance and the speed it would take', () => {
    const w = watcher(settings);
    const account = new DrivenAccount(w);
    account.authorize(base, { site: 'S1' });
    const [alert] = account.authorize(base + 30 * minute, { site: 'S2', terminal: 'T2' }).alerts;
    expect(alert?.severity).toBe('critical');
    expect(alert?.trigger.values).toEqual({ fromSite: 'S1', toSite: 'S2', distanceMetres: 162_324, elapsedSeconds: 1800, speedLimitKmh: 150, requiredSpeedKmh: 325 });
    expect(alert?.trigger.refs).toHaveLength(2);
  });
});

describe('tank and large fills (on completion, litres only)', () => {
  const table: [string, AlertsSectionDocument, number | undefined, number, string[]][] = [
    ['above the card\'s 60 l tank and its 5 % tolerance', only({ tank: {} }), 60, 63_001, ['tank']],
    ['within the tolerance', only({ tank: {} }), 60, 63_000, []],
    ['no tank known: no alert', only({ tank: {} }), undefined, 500_000, []],
    ['the network\'s default tank', only({ tank: { litres: 50 } }), undefined, 52_501, ['tank']],
    ['the card\'s tank wins over the default', only({ tank: { litres: 50 } }), 400, 300_000, []],
    ['no tolerance', only({ tank: { tolerancePercent: 0 } }), 60, 60_001, ['tank']],
    ['a single fill above 300 l', only({ largeFill: {} }), undefined, 300_001, ['largeFill']],
    ['exactly 300 l', only({ largeFill: {} }), undefined, 300_000, []],
    ['both at once', only({ tank: {}, largeFill: { litres: 100 } }), 80, 120_000, ['tank', 'largeFill']],
  ];
  for (const [name, settings, tankLitres, volume, expected] of table) {
    it(name, () => {
      const w = watcher(settings);
      const account = new DrivenAccount(w, accountConfig({ openingBalance: 1_000_000_000 }), tankLitres !== undefined ? { tankLitres } : {});
      expect(rulesOf(account.fill(base, volume))).toEqual(expected);
    });
  }

  it('counts only products sold by the litre', () => {
    const w = watcher(only({ largeFill: { litres: 1 } }));
    const account = new DrivenAccount(w, accountConfig({ openingBalance: 1_000_000_000 }));
    const hold = account.authorize(base, { product: 'COFFEE', amount: 10_000_000 });
    expect(account.complete(base, hold.holdNumber, { amount: 10_000_000 })).toEqual([]);
  });

  it('names the transaction and the volume', () => {
    const w = watcher(only({ tank: {} }));
    const account = new DrivenAccount(w, accountConfig(), { tankLitres: 40 });
    const [alert] = account.fill(base, 45_000);
    expect(alert?.trigger.values).toMatchObject({ volume: 45_000, tankLitres: 40, source: 'card', product: 'AI95', site: 'S1' });
    expect(alert?.trigger.refs[0]).toMatch(/^t\./);
    expect(alert?.subject).toMatchObject({ kind: 'card', id: 'n:h1' });
  });
});

describe('unusual hours', () => {
  it('outside a configured window (local time)', () => {
    const w = watcher(only({ unusualHours: { hours: '06:00-22:00' } }));
    const account = new DrivenAccount(w);
    // base is 12:00 in Moscow.
    expect(rulesOf(account.authorize(base).alerts)).toEqual([]);
    expect(rulesOf(account.authorize(base + 11 * hour).alerts)).toEqual(['unusualHours']); // 23:00
    expect(rulesOf(account.authorize(base + 11 * hour + 30 * minute).alerts)).toEqual([]); // held back
    expect(rulesOf(account.authorize(base + day + 15 * hour).alerts)).toEqual(['unusualHours']); // 03:00 the day after next
  });

  const learned = only({ unusualHours: { learnUses: 3 } });
  const table: [string, number[], string[][]][] = [
    ['an hour never seen, once the card has a history', [0, 0, 0, 15], [[], [], [], ['unusualHours']]],
    ['before the history is long enough: learning', [0, 15], [[], []]],
    ['a neighbouring hour is not unusual', [0, 0, 0, 1, -1], [[], [], [], [], []]],
    ['an hour learned is usual from then on', [0, 0, 0, 15, 15 + 24 + 24], [[], [], [], ['unusualHours'], []]],
  ];
  for (const [name, hours, expected] of table) {
    it(`learned: ${name}`, () => {
      const w = watcher(learned);
      const account = new DrivenAccount(w);
      expect(hours.map((offset) => rulesOf(account.authorize(base + offset * hour).alerts))).toEqual(expected);
    });
  }
});

describe('PIN failures in a row', () => {
  const pinFailed = (failures: number) => ({ type: 'pin.failed', card: '700500******0017', failures, day: 0 });
  const table: [string, AlertsSectionDocument, number[], string[][]][] = [
    ['the third fires (the default)', only({ pinStreak: {} }), [1, 2, 3], [[], [], ['pinStreak']]],
    ['two are quiet', only({ pinStreak: {} }), [1, 2], [[], []]],
    ['a lower threshold', only({ pinStreak: { failures: 2 } }), [1, 2, 3], [[], ['pinStreak'], []]],
    ['a new streak after a reset fires again once the window has passed', only({ pinStreak: { dedupMinutes: 1 } }), [1, 2, 3, 1, 2, 3], [[], [], ['pinStreak'], [], [], ['pinStreak']]],
  ];
  for (const [name, settings, failures, expected] of table) {
    it(name, () => {
      const w = watcher(settings);
      expect(failures.map((count, index) => rulesOf(w.feed('card:n:h1', pinFailed(count), base + index * minute)))).toEqual(expected);
    });
  }

  it('names the card by its hash, from the card actor\'s key', () => {
    const w = watcher(only({ pinStreak: {} }));
    const [alert] = w.feed('card:n:abc', pinFailed(3), base);
    expect(alert?.subject).toEqual({ kind: 'card', id: 'n:abc', card: '700500******0017' });
    expect(alert?.message).toContain('PIN locked');
  });
});

describe('repeated declines of one card', () => {
  const declined = (reason: string) => ({ type: 'declined', terminal: 'T1', site: 'S1', id: `r-${reason}`, op: 'authorize', card: '700500******0017', product: 'AI95', reason });
  const settings = only({ declines: { count: 3, minutes: 10 } });
  it('three within ten minutes fire; spread out they do not', () => {
    const w = watcher(settings);
    const at = [0, 1, 2].map((offset) => rulesOf(w.feed('card:n:h1', declined('SITE_NOT_ALLOWED'), base + offset * minute)));
    expect(at).toEqual([[], [], ['declines']]);
    const spread = watcher(settings);
    expect([0, 6, 12, 18].map((offset) => rulesOf(spread.feed('card:n:h1', declined('SITE_NOT_ALLOWED'), base + offset * minute)))).toEqual([[], [], [], []]);
  });

  it('declines by the account count for the card within the account (no hash there)', () => {
    const w = watcher(settings);
    for (const offset of [0, 1]) w.feed('acct:n:cp:c1', declined('LIMIT_EXCEEDED'), base + offset * minute);
    const [alert] = w.feed('acct:n:cp:c1', declined('INSUFFICIENT_FUNDS'), base + 2 * minute);
    expect(alert?.subject).toEqual({ kind: 'card', id: 'acct:n:cp:c1|700500******0017', card: '700500******0017', account: 'acct:n:cp:c1', site: 'S1' });
    expect(alert?.trigger.values['reasons']).toBe('LIMIT_EXCEEDED,INSUFFICIENT_FUNDS');
  });

  it('different cards do not add up; declines without a card are not counted', () => {
    const w = watcher(settings);
    w.feed('card:n:h1', declined('CARD_EXPIRED'), base);
    w.feed('card:n:h2', declined('CARD_EXPIRED'), base);
    const { card: _card, ...withoutCard } = declined('SHIFT_CLOSED');
    w.feed('term:T1', withoutCard, base);
    w.feed('term:T1', withoutCard, base);
    expect(w.raised).toEqual([]);
  });
});

describe('limit used beyond a share of its cap', () => {
  const limits = [{ period: 'day' as const, amount: 100_000 }];
  it('fires once the day\'s usage (holds included) passes 90 %, once per period, again the next day', () => {
    const w = watcher(only({ limitUsage: {} }));
    const account = new DrivenAccount(w, accountConfig(), { limits });
    // AI95 at 60.00 per litre: 10 l = 60,000.
    expect(rulesOf(account.authorize(base, { amount: 60_000 }).alerts)).toEqual([]);
    const second = account.authorize(base + minute, { amount: 30_000 });
    expect(rulesOf(second.alerts)).toEqual(['limitUsage']);
    expect(second.alerts[0]?.trigger.values).toEqual({ period: 'day', kind: 'amount', limit: 100_000, used: 90_000, percent: 90, threshold: 90 });
    expect(second.alerts[0]?.dedupUntil).toBe(Date.UTC(2026, 10, 23, 21, 0)); // the end of the Moscow day
    expect(rulesOf(account.authorize(base + 2 * minute, { amount: 6_000 }).alerts)).toEqual([]);
    account.run({ type: 'reverse', holdNumber: 1, terminal: { terminalId: 'T1', siteId: 'S1' } }, base + 3 * minute);
    expect(rulesOf(account.authorize(base + day, { amount: 95_000 }).alerts)).toEqual(['limitUsage']);
  });

  it('volume limits, and a lower share', () => {
    const w = watcher(only({ limitUsage: { percent: 50 } }));
    const account = new DrivenAccount(w, accountConfig(), { limits: [{ period: 'month', volume: 100_000, products: ['fuel'] }] });
    expect(rulesOf(account.authorize(base, { volume: 49_000 }).alerts)).toEqual([]);
    const [alert] = account.authorize(base + minute, { volume: 1_000 }).alerts;
    expect(alert?.trigger.values).toMatchObject({ period: 'month', kind: 'volume', used: 50_000 });
    expect(alert?.message).toContain('on fuel');
  });

  it('a card without limits is quiet', () => {
    const w = watcher(only({ limitUsage: {} }));
    const account = new DrivenAccount(w);
    account.authorize(base, { amount: 900_000 });
    expect(w.raised).toEqual([]);
  });
});

describe('funds: below a threshold, negative, credit limit reached', () => {
  const make = (settings: AlertsSectionDocument, opening: number, credit = 0, owner: 'counterparty' | 'client' = 'counterparty') => {
    const w = watcher(settings);
    const config = owner === 'counterparty' ? accountConfig({ openingBalance: opening, creditLimit: credit }) : accountConfig({ key: 'acct:n:cl:k1', owner: 'client', ownerId: 'k1', openingBalance: opening, creditLimit: credit });
    return new DrivenAccount(w, config);
  };

  it('low funds: fires when the balance crosses below the threshold, not while it stays below, again after it recovers', () => {
    const account = make(only({ lowFunds: { amount: 100_000, dedupMinutes: 1 } }), 200_000);
    expect(rulesOf(account.fill(base, 10_000))).toEqual([]); // 140,000 left
    const alerts = account.fill(base + minute, 10_000); // 80,000 left
    expect(rulesOf(alerts)).toEqual(['lowFunds']);
    expect(alerts[0]?.trigger.values).toMatchObject({ balance: 80_000, before: 140_000, threshold: 100_000 });
    expect(rulesOf(account.fill(base + 2 * minute, 1_000))).toEqual([]); // still below: quiet
    expect(account.topup(base + 3 * minute, 500_000)).toEqual([]);
    expect(rulesOf(account.fill(base + 4 * minute, 80_000))).toEqual(['lowFunds']);
  });

  it('negative and credit limit reached, in one fill that goes through both', () => {
    const account = make(only({ negativeBalance: {}, creditLimit: {} }), 60_000, 60_000);
    expect(rulesOf(account.fill(base, 5_000))).toEqual([]); // 30,000 left
    expect(rulesOf(account.fill(base + minute, 10_000))).toEqual(['negativeBalance']); // −30,000: half the credit
    const alerts = account.fill(base + 2 * minute, 5_000); // −60,000: all the credit
    expect(rulesOf(alerts)).toEqual(['creditLimit']);
    expect(alerts[0]?.trigger.values).toMatchObject({ creditLimit: 60_000, creditUsed: 60_000, percent: 100, available: 0 });
    expect(alerts[0]?.severity).toBe('critical');
  });

  it('a credit share below 100 %', () => {
    const account = make(only({ creditLimit: { percent: 50 } }), 0, 120_000);
    expect(rulesOf(account.fill(base, 5_000))).toEqual([]); // −30,000
    expect(rulesOf(account.fill(base + minute, 5_000))).toEqual(['creditLimit']); // −60,000
  });

  it('client accounts are not watched unless the owners say so', () => {
    const quiet = make(only({ negativeBalance: {} }), 0, 100_000, 'client');
    expect(quiet.fill(base, 5_000)).toEqual([]);
    const watched = make(only({ negativeBalance: { owners: ['client'] } }), 0, 100_000, 'client');
    expect(rulesOf(watched.fill(base, 5_000))).toEqual(['negativeBalance']);
  });

  it('the shadow follows the account exactly (holds, balance)', () => {
    const account = make(only({}), 500_000, 100_000);
    const hold = account.authorize(base, { volume: 20_000 });
    account.complete(base, hold.holdNumber, { volume: 15_000 });
    account.authorize(base + minute, { volume: 5_000 });
    const shadow = account.watcher.state.accounts.get(account.config.key)?.account;
    expect(shadow?.balance).toBe(account.state.balance);
    expect(shadow?.held).toBe(account.state.held);
    expect([...(shadow?.holds.keys() ?? [])]).toEqual([...account.state.holds.keys()]);
  });
});

describe('refunds above a share of sales', () => {
  const settings = only({ refundShare: { percent: 20, minutes: 60, minimumRefunds: 10_000 } });
  const sale = (amount: number, terminal = 'POS1', shift?: number) => ({ type: 'sale', txId: `t-${amount}`, txNumber: 1, terminal, site: 'S1', lines: [], amount, discount: 0, payments: { cash: amount }, bonus: 0, messages: [], usage: [], periods: { day: 0, week: 0, month: 0 }, ...(shift !== undefined ? { shift } : {}) });
  const refund = (amount: number, terminal = 'POS1', shift?: number) => ({ type: 'refunded', txId: 't-1', txNumber: 1, refundId: `r-${amount}`, refundNumber: 1, terminal, site: 'S1', amount, bonus: 0, payments: { cash: amount }, lines: [], periods: { day: 0, week: 0, month: 0 }, ...(shift !== undefined ? { shift } : {}) });

  const table: [string, [number, 'sale' | 'refund', number][], string[][]][] = [
    ['30 % refunded within the hour', [[0, 'sale', 100_000], [10, 'refund', 30_000]], [[], ['refundShare']]],
    ['10 % refunded', [[0, 'sale', 100_000], [10, 'refund', 10_000]], [[], []]],
    ['below the minimum amount', [[0, 'sale', 10_000], [10, 'refund', 9_000]], [[], []]],
    ['the sales have left the window', [[0, 'sale', 100_000], [10, 'refund', 15_000], [90, 'sale', 10_000], [95, 'refund', 12_000]], [[], [], [], ['refundShare']]],
    ['a refund with no sales at all', [[0, 'refund', 20_000]], [['refundShare']]],
  ];
  for (const [name, steps, expected] of table) {
    it(name, () => {
      const w = watcher(settings);
      expect(steps.map(([offset, kind, amount]) => rulesOf(w.feed('term:POS1', kind === 'sale' ? sale(amount) : refund(amount), base + offset * minute)))).toEqual(expected);
    });
  }

  it('per cashier, across terminals, when the shift names one', () => {
    const w = watcher(settings);
    w.feed('term:POS1', { type: 'shift.opened', terminal: 'POS1', site: 'S1', shiftId: 'POS1/1', number: 1, kind: 'cash', cashier: 'Анна', openedAt: base }, base);
    w.feed('term:T4', { type: 'shift.opened', terminal: 'T4', site: 'S4', shiftId: 'T4/1', number: 1, kind: 'cash', cashier: 'Анна', openedAt: base }, base);
    w.feed('term:POS1', sale(100_000, 'POS1', 1), base + minute);
    w.feed('term:T4', sale(200_000, 'T4', 1), base + minute);
    // At T4 alone 40,000 of 200,000 is 20 %: the terminal is quiet. Анна: 100,000 refunded of 300,000.
    const alerts = w.feed('term:T4', refund(40_000, 'T4', 1), base + 2 * minute);
    expect(rulesOf(alerts)).toEqual([]);
    const more = w.feed('term:POS1', refund(30_000, 'POS1', 1), base + 3 * minute);
    expect(more.map((alert) => alert.subject.kind).sort()).toEqual(['cashier', 'terminal']);
    expect(more.find((alert) => alert.subject.kind === 'cashier')?.subject).toEqual({ kind: 'cashier', id: 'n|Анна', cashier: 'Анна', terminal: 'POS1', site: 'S1' });
    w.feed('term:POS1', { type: 'shift.closed', terminal: 'POS1', site: 'S1', shiftId: 'POS1/1', number: 1, kind: 'cash', cashier: 'Анна', openedAt: base, totals: {} }, base + 4 * minute);
    expect(w.state.shifts.has('POS1#1')).toBe(false);
  });
});

describe('periodic rules', () => {
  const entry = (sessionId: string, startedAt: number): BoardEntry => ({ sessionId, number: 1, client: 'guest-A123BC77', name: 'A123BC77', plate: 'A123BC77', member: false, tariff: 'WASH', tariffName: 'Wash', rate: 100, minimumMinutes: 0, maximumMinutes: 180, terminal: 'B1', startedAt });

  it('a wash session open too long fires once per session', () => {
    const w = watcher(only({ sessionOverdue: { minutes: 60 } }));
    const board = (site: string): BoardEntry[] => (site === 'W1' ? [entry('s.a', base), entry('s.b', base + 30 * minute)] : []);
    expect(w.sweep(base + 59 * minute, board)).toEqual([]);
    const alerts = w.sweep(base + 61 * minute, board);
    expect(alerts.map((alert) => alert.subject)).toEqual([{ kind: 'session', id: 's.a', site: 'W1', terminal: 'B1', client: 'guest-A123BC77', plate: 'A123BC77' }]);
    expect(w.sweep(base + 95 * minute, board).map((alert) => alert.subject.id)).toEqual(['s.b']);
    expect(w.sweep(base + 100 * minute, board)).toEqual([]);
  });

  it('a terminal heard from before and silent for a while of its opening hours', () => {
    const w = watcher(only({ terminalSilent: { minutes: 60, dedupMinutes: 12 * 60 } }));
    // T1 (always open) and T3 (07:00–23:00 Moscow) were heard at 12:00 Moscow; T2 never.
    w.feed('card:n:h1', { type: 'declined', terminal: 'T1', site: 'S1', id: 'x', op: 'inquire', reason: 'CARD_BLOCKED' }, base);
    w.feed('card:n:h1', { type: 'declined', terminal: 'T3', site: 'S3', id: 'y', op: 'inquire', reason: 'CARD_BLOCKED' }, base);
    expect(w.sweep(base + 59 * minute)).toEqual([]);
    expect(w.sweep(base + 61 * minute).map((alert) => alert.subject.id).sort()).toEqual(['T1', 'T3']);
    // Next morning (the windows have ended): T1 is always open; T3's site opened at 07:00, so at 07:30
    // it has been silent for 30 minutes of its hours, at 08:01 for 61.
    expect(w.sweep(base + 19 * hour + 30 * minute).map((alert) => alert.subject.id)).toEqual(['T1']);
    const [alert, ...others] = w.sweep(base + 20 * hour + minute);
    expect(others).toEqual([]);
    expect(alert?.subject).toEqual({ kind: 'terminal', id: 'T3', terminal: 'T3', site: 'S3' });
    expect(alert?.trigger.values).toEqual({ minutes: 61, limitMinutes: 60, lastAt: base });
    expect(alert?.message).toContain('of opening hours');
  });

  it('a terminal of a closed site is not silent, and the engine\'s own expiries do not count as hearing from it', () => {
    const w = watcher(only({ terminalSilent: { minutes: 60 } }));
    w.feed('card:n:h1', { type: 'declined', terminal: 'T3', site: 'S3', id: 'y', op: 'inquire', reason: 'CARD_BLOCKED' }, base);
    expect(w.sweep(base + 14 * hour)).toEqual([]); // 02:00: closed
    w.feed('acct:n:cp:c1', { type: 'expired', account: 'acct:n:cp:c1', authId: 'h.x.1', holdNumber: 1, card: 'x', terminal: 'T3', released: 0, usage: [] }, base + 20 * hour);
    expect(w.state.terminals.get('T3')?.lastAt).toBe(base);
  });

  it('forgets dedup windows that have ended', () => {
    const w = watcher(only({ pinStreak: { dedupMinutes: 5 } }));
    w.feed('card:n:h1', { type: 'pin.failed', card: 'x', failures: 3, day: 0 }, base);
    expect(w.state.dedup.size).toBe(1);
    expect(forgetEndedWindows(w.state, base + 4 * minute)).toBe(0);
    expect(forgetEndedWindows(w.state, base + 5 * minute)).toBe(1);
  });
});

describe('what the rules never do', () => {
  it('never evaluate the alert journal\'s own events, nor events of networks they do not know', () => {
    const w = watcher({});
    expect(w.feed('alerts:n', { type: 'alert', rule: 'velocity' }, base)).toEqual([]);
    expect(w.feed('card:other:h', { type: 'pin.failed', network: 'other', card: 'x', failures: 3, day: 0 }, base)).toEqual([]);
    expect(w.state.cards.size).toBe(0);
  });

  it('give the same alerts for the same events (deterministic)', () => {
    const run = (): unknown[] => {
      const w = watcher({});
      const account = new DrivenAccount(w, accountConfig({ openingBalance: 1_000_000, creditLimit: 1_000_000 }), { tankLitres: 40, limits: [{ period: 'day', amount: 1_500_000 }] });
      for (let index = 0; index < 8; index++) account.fill(base + index * 3 * minute, 20_000 + index * 1_000, index % 2 === 0 ? { site: 'S1', terminal: 'T1' } : { site: 'S2', terminal: 'T2' });
      return w.raised;
    };
    const first = run();
    expect(first.length).toBeGreaterThan(3);
    expect(run()).toEqual(first);
    expect(cardConfig().masked).toBe('700500******0017');
  });
});
