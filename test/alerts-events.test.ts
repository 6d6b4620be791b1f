// Alerts as the rest of the world sees them from a served engine (serve(), in-process bus): `alert`
// events published on tessera.v1.evt.<network>.alert (msgpack, masked card only), staff actions on
// tessera.v1.evt.<network>.alert.acknowledged / .resolved, and the alert metrics in /metrics.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../engine/cli/index.js';
import { serve } from '../engine/cli/index.js';
import { demoCards, demoPins } from '../engine/index.js';
import { decodeBody, encodeBody } from '../gateways/index.js';

describe('alerts from a served engine', () => {
  let server: RunningServer;
  let dataDir: string;
  const published: { subject: string; body: Record<string, unknown> }[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'tessera-alerts-'));
    server = await serve({ dataDir, httpPort: 0, httpHost: '127.0.0.1', demo: true, logger: pino({ level: 'silent' }), alerts: { environment: {} } });
    server.bus.subscribe('tessera.v1.evt.sever.alert.>', (message) => published.push({ subject: message.subject, body: decoded(message.data) }));
    server.bus.subscribe('tessera.v1.evt.sever.alert', (message) => published.push({ subject: message.subject, body: decoded(message.data) }));
  });

  afterAll(async () => {
    await server?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('publishes the alert and the staff actions on the network\'s event subjects, and counts them in /metrics', async () => {
    // Six authorisations of one card within minutes: more than the default five within an hour.
    for (let index = 0; index < 6; index++) {
      const reply = await server.bus.request('tessera.v1.term.MSK-01-P1.authorize', encodeBody({ id: `v-${index}`, card: demoCards.fleet, pin: demoPins.fleet ?? '', product: 'AI95', volume: 5_000 }, 'msgpack'));
      expect(decoded(reply.data)).toMatchObject({ result: 'approved' });
    }
    await server.engine.alerts.idle();
    const [alert] = server.engine.alerts.list();
    expect(alert?.rule).toBe('velocity');
    await until(() => published.some((entry) => entry.subject === 'tessera.v1.evt.sever.alert'));
    const event = published.find((entry) => entry.subject === 'tessera.v1.evt.sever.alert')?.body;
    expect(event).toMatchObject({ type: 'alert', key: 'alerts:sever', alertId: alert?.id, network: 'sever', rule: 'velocity', severity: 'warning', subject: { kind: 'card', card: '700500******0017' } });
    expect(typeof event?.['position']).toBe('number');
    expect(JSON.stringify(event)).not.toContain(demoCards.fleet);

    expect(await server.engine.alerts.acknowledge(alert?.id ?? '', 'dispatcher')).toMatchObject({ result: 'approved' });
    expect(await server.engine.alerts.resolve(alert?.id ?? '', 'dispatcher', 'checked')).toMatchObject({ result: 'approved' });
    await until(() => published.some((entry) => entry.subject === 'tessera.v1.evt.sever.alert.resolved'));
    expect(published.map((entry) => entry.subject)).toEqual(['tessera.v1.evt.sever.alert', 'tessera.v1.evt.sever.alert.acknowledged', 'tessera.v1.evt.sever.alert.resolved']);

    await server.engine.alerts.idle(); // the staff actions' own events are evaluated (skipped) too
    const metrics = await (await fetch(`http://127.0.0.1:${server.http.port}/metrics`)).text();
    expect(metrics).toContain('tessera_alerts_raised_total{rule="velocity",severity="warning"} 1');
    expect(metrics).toMatch(/tessera_alerts_unresolved 0/);
    expect(metrics).toMatch(/tessera_alert_queue_events 0/);
    expect(metrics).toMatch(/tessera_alert_lag_seconds 0/);
    expect(metrics).toContain('tessera_alerts_suppressed_total');
    expect(metrics).toContain('tessera_alert_deliveries_total');
  });
});

function decoded(data: Uint8Array): Record<string, unknown> {
  const result = decodeBody(data, 'msgpack');
  if (!result.ok) throw new Error(result.message);
  return result.value as Record<string, unknown>;
}

async function until(condition: () => boolean): Promise<void> {
  for (let attempt = 0; attempt < 500 && !condition(); attempt++) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(condition()).toBe(true);
}
