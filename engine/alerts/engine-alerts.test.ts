// Alerts through the whole engine: real terminal requests through `engine.submit` on the demo network
// with a simulated clock; alerts raised after the commit, journalled in `alerts:<network>`,
// acknowledged and resolved by staff, and surviving restarts without duplicates or gaps.

import { afterEach, describe, expect, it } from 'vitest';
import { demoCards, demoNetwork, demoPins } from '../demo/demo-network.js';
import type { NetworkDocument } from '../network/schema.js';
import { networkDocumentSchema } from '../network/schema.js';
import type { TerminalRequest } from '../protocol/requests.js';
import type { Harness } from '../testing/engine-harness.js';
import { openHarness } from '../testing/engine-harness.js';
import { minute } from '../testing/fixtures.js';
import type { AlertOptions } from './service.js';
import type { AlertsSectionDocument } from './settings.js';
import { alertLogKey } from './alert.js';

const open: Harness[] = [];
afterEach(async () => {
  for (const harness of open.splice(0)) await harness.close().catch(() => undefined);
});

async function start(alerts: AlertsSectionDocument = {}, options: AlertOptions | false = {}, document: NetworkDocument = demoNetwork()): Promise<Harness> {
  const harness = openHarness({ alerts: options });
  open.push(harness);
  await harness.engine.import({ ...document, alerts });
  return harness;
}

async function restart(harness: Harness): Promise<Harness> {
  const next = await harness.restart();
  open.push(next);
  return next;
}

let counter = 0;
const id = (prefix: string): string => `${prefix}-${++counter}`;
const authorize = (card: string = demoCards.fleet, pin: string | undefined = demoPins.fleet, volume = 10_000): TerminalRequest => ({
  op: 'authorize',
  request: { id: id('a'), card, ...(pin !== undefined ? { pin } : {}), product: 'AI95', volume },
});
const alertEvents = (harness: Harness): string[] => [...harness.engine.store.eventsOf(alertLogKey('sever'), 0)].map(({ event }) => String(event.data.type));

describe('alerts in the engine', () => {
  it('raises an alert after the commit, journals it, lets staff acknowledge and resolve it, and keeps all of it across a restart', async () => {
    const harness = await start({ rules: { velocity: { authorizations: 2, minutes: 10 } } });
    const raised: string[] = [];
    harness.engine.alerts.onAlert((alert, change) => raised.push(`${alert.rule}:${change}`));
    for (let index = 0; index < 3; index++) expect(await harness.call('MSK-01-P1', authorize())).toMatchObject({ result: 'approved' });
    await harness.engine.alerts.idle();

    const [alert, ...others] = harness.engine.alerts.list();
    expect(others).toEqual([]);
    expect(alert).toMatchObject({ id: 'sever:alert:1', network: 'sever', number: 1, rule: 'velocity', severity: 'warning', status: 'open', subject: { kind: 'card', card: '700500******0017', account: 'acct:sever:cp:logistic-trade' } });
    expect(alert?.trigger.positions).toHaveLength(3);
    expect(JSON.stringify(alert)).not.toContain(demoCards.fleet);
    expect(raised).toEqual(['velocity:raised']);
    const journalled = harness.events.find((event) => event.event.type === 'alert');
    expect(journalled?.key).toBe('alerts:sever');
    expect(journalled?.event).toMatchObject({ alertId: 'sever:alert:1', rule: 'velocity', dedupKey: alert?.dedupKey });

    const alertId = alert?.id ?? '';
    expect(await harness.engine.alerts.acknowledge(alertId, '')).toMatchObject({ result: 'error', reason: 'BAD_REQUEST' });
    expect(await harness.engine.alerts.acknowledge('sever:alert:99', 'Анна')).toMatchObject({ result: 'declined', reason: 'ALERT_NOT_FOUND' });
    harness.clock.advance(minute);
    expect(await harness.engine.alerts.acknowledge(alertId, 'Анна')).toMatchObject({ result: 'approved', alert: { status: 'acknowledged', acknowledged: { by: 'Анна', at: harness.clock.now() } } });
    expect(await harness.engine.alerts.acknowledge(alertId, 'Олег')).toMatchObject({ result: 'declined', reason: 'ALERT_ALREADY_ACKNOWLEDGED' });
    expect(harness.engine.alerts.list({ status: 'open' })).toEqual([]);
    expect(harness.engine.alerts.list({ status: 'acknowledged' })).toHaveLength(1);
    harness.clock.advance(minute);
    const resolved = await harness.engine.alerts.resolve(alertId, 'Анна', 'водитель подтвердил три заправки');
    expect(resolved).toMatchObject({ result: 'approved', alert: { status: 'resolved', resolved: { by: 'Анна', note: 'водитель подтвердил три заправки' } } });
    expect(await harness.engine.alerts.resolve(alertId, 'Анна')).toMatchObject({ result: 'declined', reason: 'ALERT_ALREADY_RESOLVED' });
    expect(harness.engine.alerts.list()).toEqual([]);
    expect(raised).toEqual(['velocity:raised', 'velocity:acknowledged', 'velocity:resolved']);
    expect(alertEvents(harness)).toEqual(['alert', 'alert.acknowledged', 'alert.resolved']);

    // A restart: the book comes back from the journal, and nothing is evaluated again.
    const restarted = await restart(harness);
    await restarted.engine.alerts.idle();
    expect(restarted.engine.alerts.list({ status: 'all' })).toEqual([{ ...alert, status: 'resolved', acknowledged: { by: 'Анна', at: alert!.raisedAt + minute }, resolved: { by: 'Анна', at: alert!.raisedAt + 2 * minute, note: 'водитель подтвердил три заправки' } }]);
    expect(alertEvents(restarted)).toEqual(['alert', 'alert.acknowledged', 'alert.resolved']);
    // The card's window and the dedup window survived: a fourth authorisation is held back...
    expect(await restarted.call('MSK-01-P1', authorize())).toMatchObject({ result: 'approved' });
    await restarted.engine.alerts.idle();
    expect(alertEvents(restarted)).toHaveLength(3);
    // ...and after the dedup window, three more within ten minutes raise the next alert.
    restarted.clock.advance(61 * minute);
    for (let index = 0; index < 3; index++) await restarted.call('MSK-01-P2', authorize());
    await restarted.engine.alerts.idle();
    expect(restarted.engine.alerts.list().map((entry) => entry.id)).toEqual(['sever:alert:2']);
  });

  it('resumes evaluation from its checkpoint after a restart: events committed but not yet evaluated are evaluated once', async () => {
    const harness = await start({ rules: { velocity: { authorizations: 2, minutes: 10 } } });
    await harness.engine.alerts.idle();
    for (let index = 0; index < 3; index++) await harness.call('MSK-01-P1', authorize());
    // Closed before the runner's drain ran: the events are on disk, the third one's evaluation is not.
    expect(harness.engine.alerts.list()).toEqual([]);
    const restarted = await restart(harness);
    await restarted.engine.alerts.idle();
    expect(restarted.engine.alerts.list().map((alert) => alert.rule)).toEqual(['velocity']);
    const again = await restart(restarted);
    await again.engine.alerts.idle();
    expect(alertEvents(again)).toEqual(['alert']);
  });

  it('judges PIN streaks, low funds, wash sessions left open, silent terminals and refunds at a till from real requests', async () => {
    const harness = await start({ rules: { refundShare: { minimumRefunds: 100_000 } } });
    const { engine } = harness;
    for (let index = 0; index < 3; index++) expect(await harness.call('MSK-02-P1', authorize(demoCards.fleet, '0000'))).toMatchObject({ reason: 'PIN_INVALID' });
    // ИП Кузнецов: 3,000 ₽; 40 l of AI-95 leaves about 600 ₽, below the 1,000 ₽ default.
    const hold = await harness.call('MSK-01-P3', authorize(demoCards.small, undefined, 40_000));
    expect(await harness.call('MSK-01-P3', { op: 'complete', request: { id: id('c'), authId: String(hold['authId']), volume: 40_000 } })).toMatchObject({ result: 'approved' });
    const sold = await harness.call('MSK-01-POS1', { op: 'sale', request: { id: id('s'), lines: [{ product: 'COFFEE', qty: 10_000 }], payments: [{ method: 'cash', amount: 199_000 }] } });
    expect(sold).toMatchObject({ result: 'approved' });
    expect(await harness.call('MSK-01-POS1', { op: 'refund', request: { id: id('r'), txId: String(sold['txId']) } })).toMatchObject({ result: 'approved' });
    expect(await harness.call('WASH-01-K1', { op: 'session.start', request: { id: id('w'), client: { plate: 'А777АА77' }, tariff: 'WASH-STD' } })).toMatchObject({ result: 'approved' });
    await engine.alerts.idle();
    expect(engine.alerts.list().map((alert) => alert.rule).sort()).toEqual(['lowFunds', 'pinStreak', 'refundShare']);
    expect(engine.alerts.list().find((alert) => alert.rule === 'refundShare')?.subject).toEqual({ kind: 'terminal', id: 'MSK-01-POS1', terminal: 'MSK-01-POS1', site: 'MSK-01' });
    expect(engine.alerts.list().find((alert) => alert.rule === 'lowFunds')?.subject).toMatchObject({ kind: 'account', id: 'acct:sever:cp:kuznetsov', name: 'ИП Кузнецов А. В.' });

    // Two hours later nothing has happened: the session is still open and the terminals are silent.
    harness.clock.advance(121 * minute);
    expect(engine.alerts.sweep()).toBeGreaterThan(0);
    await engine.alerts.idle();
    const periodic = engine.alerts.list().filter((alert) => alert.rule === 'sessionOverdue' || alert.rule === 'terminalSilent');
    expect(periodic.filter((alert) => alert.rule === 'sessionOverdue').map((alert) => alert.subject.plate)).toEqual(['A777AA77']);
    expect(periodic.filter((alert) => alert.rule === 'terminalSilent').map((alert) => alert.subject.id).sort()).toEqual(['MSK-01-P3', 'MSK-01-POS1', 'MSK-02-P1', 'WASH-01-K1']);
    expect(engine.alerts.sweep()).toBe(0); // within their dedup windows
  });

  it('an account\'s balance as the rules see it is the account\'s own, also after a restart', async () => {
    const harness = await start({ rules: { negativeBalance: {}, lowFunds: { amount: 0 } } });
    // ИП Кузнецов (3,000 ₽, no credit): a fill that takes most of it, a restart, then the balance rule from the rebuilt shadow.
    const first = await harness.call('MSK-01-P3', authorize(demoCards.small, undefined, 40_000));
    await harness.call('MSK-01-P3', { op: 'complete', request: { id: id('c'), authId: String(first['authId']), volume: 40_000 } });
    const restarted = await restart(harness);
    await restarted.call('TVR-01-POS1', { op: 'topup', request: { id: id('t'), card: demoCards.small, amount: 1_000, method: 'cash' } });
    await restarted.engine.alerts.idle();
    expect(restarted.engine.alerts.list()).toEqual([]);
    const inquiry = await restarted.call('TVR-01-P1', { op: 'inquire', request: { id: id('i'), card: demoCards.small } });
    expect(typeof inquiry['balance']).toBe('number');
  });

  it('catches up from the journal when its queue overflows, with the same alerts', async () => {
    const run = async (options: AlertOptions): Promise<{ rules: string[]; overflowed: number }> => {
      const harness = await start({ rules: { velocity: { authorizations: 3, minutes: 10 } } }, options);
      await Promise.all(Array.from({ length: 12 }, (_, index) => harness.call('MSK-01-P1', authorize(index % 2 === 0 ? demoCards.fleet : demoCards.small, index % 2 === 0 ? demoPins.fleet : undefined, 1_000))));
      await harness.engine.alerts.idle();
      return { rules: harness.engine.alerts.list().map((alert) => `${alert.rule}:${alert.subject.card ?? ''}`).sort(), overflowed: harness.engine.alerts.stats().overflowed };
    };
    const normal = await run({});
    // No room at all: every event is read back from the journal, in batches of three.
    const journalOnly = await run({ queueEventsMax: 0, batchEventsMax: 3 });
    const squeezed = await run({ queueEventsMax: 2, batchEventsMax: 3 });
    expect(normal.overflowed).toBe(0);
    expect(journalOnly.overflowed).toBeGreaterThan(0);
    expect(journalOnly.rules).toEqual(normal.rules);
    expect(squeezed.rules).toEqual(normal.rules);
    expect(normal.rules).toEqual(['velocity:700500******0017', 'velocity:700500******0033']);
  });

  it('evaluates nothing when alerts are off', async () => {
    const harness = await start({ rules: { velocity: { authorizations: 1 } } }, false);
    for (let index = 0; index < 3; index++) await harness.call('MSK-01-P1', authorize());
    await harness.engine.alerts.idle();
    expect(harness.engine.alerts.list()).toEqual([]);
    expect(harness.engine.alerts.stats().evaluated).toBe(0);
  });

  it('publishes the effective settings of a network', async () => {
    const harness = await start({ rules: { velocity: { authorizations: 2 } }, email: { to: ['ops@sever.test'] } });
    expect(harness.engine.alerts.settings('sever')).toMatchObject({ velocity: { authorizations: 2, windowMs: 60 * minute }, email: { to: ['ops@sever.test'], minimumSeverity: 'warning' } });
    expect(harness.engine.alerts.settings('nowhere')).toBeUndefined();
  });
});

describe('invalid alert settings are refused with an error that names the path', () => {
  const table: [string, unknown, RegExp][] = [
    ['a PIN streak longer than the PIN lock allows', { rules: { pinStreak: { failures: 5 } } }, /alerts\.rules\.pinStreak\.failures/],
    ['an unknown rule', { rules: { speeding: {} } }, /alerts\.rules/],
    ['an unknown severity', { rules: { velocity: { severity: 'urgent' } } }, /alerts\.rules\.velocity\.severity/],
    ['a zero window', { rules: { declines: { minutes: 0 } } }, /alerts\.rules\.declines\.minutes/],
    ['a percentage above 100', { rules: { limitUsage: { percent: 150 } } }, /alerts\.rules\.limitUsage\.percent/],
    ['hours that are not a window', { rules: { unusualHours: { hours: '25:00-06:00' } } }, /alerts\.rules\.unusualHours\.hours/],
    ['a webhook that is not HTTP', { webhook: { url: 'ftp://example.test/hook' } }, /alerts\.webhook\.url/],
    ['a recipient that is not an address', { email: { to: ['not an address'] } }, /alerts\.email\.to\.0/],
    ['a secret in the document', { webhook: { url: 'https://example.test/hook', secret: 'x' } }, /alerts\.webhook/],
  ];
  for (const [name, alerts, path] of table) {
    it(name, () => {
      const parsed = networkDocumentSchema.safeParse({ ...demoNetwork(), alerts });
      expect(parsed.success).toBe(false);
      expect(parsed.error?.issues.map((issue) => issue.path.join('.')).join(' ')).toMatch(path);
    });
  }

  it('a site with a latitude but no longitude', () => {
    const [first] = demoNetwork().sites ?? [];
    const { lon: _lon, ...site } = first ?? { lon: 0 };
    const parsed = networkDocumentSchema.safeParse({ ...demoNetwork(), sites: [{ ...site, lat: 55_000_000 }] });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`)).toEqual(['sites.0: "lat" and "lon" go together']);
  });

  it('the travel rule turned on for a network whose sites have no coordinates', async () => {
    const harness = openHarness();
    open.push(harness);
    const document = { ...demoNetwork(), alerts: { rules: { travel: { enabled: true } } } };
    await expect(harness.engine.import(networkDocumentSchema.parse({ ...document, sites: document.sites?.map(({ lat: _lat, lon: _lon, ...site }) => site) }))).rejects.toThrow(/alerts\.rules\.travel\.enabled/);
  });
});
