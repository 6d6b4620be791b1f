// Webhook delivery against a local HTTP receiver: the alert arrives once, signed (HMAC-SHA256 over the
// body; a tampered body fails the check); a receiver that fails a few times gets it after retries; one
// that always fails ends in `alert.delivery_failed` after the bounded attempts; a restart resumes a
// delivery left unfinished. Back-off delays are shortened; nothing here measures time.

import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { demoCards, demoNetwork } from '../demo/demo-network.js';
import type { Harness } from '../testing/engine-harness.js';
import { openHarness } from '../testing/engine-harness.js';
import { SimulatedClock } from '../clock.js';
import { mondayNoon } from '../testing/fixtures.js';
import type { AlertView } from './alert.js';
import { alertLogKey } from './alert.js';
import { retryDelayMs } from './deliveries.js';
import type { DeliveryConfig } from './delivery-config.js';
import { deliveryConfigFromEnvironment, webhookSecretVariable } from './delivery-config.js';
import type { AlertChange, AlertOptions } from './service.js';
import { signBody, verifySignature } from './webhook.js';

const secret = 'whsec-test-0123456789';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

class Receiver {
  readonly received: Received[] = [];
  private server: Server | undefined;
  constructor(public status: (attempt: number) => number) {}

  async start(): Promise<string> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        this.received.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
        response.writeHead(this.status(this.received.length)).end('ok');
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks/tessera`;
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

const open: (Harness | Receiver)[] = [];
afterEach(async () => {
  for (const item of open.splice(0).reverse()) await (item instanceof Receiver ? item.stop() : item.close()).catch(() => undefined);
});

const delivery = (secretFor: (network: string) => string | undefined = () => secret): DeliveryConfig => ({ webhookSecret: secretFor, smtp: undefined });
const fast = { retryDelayFirstMs: 5, retryDelayMaxMs: 20, attemptsMax: 4 };

async function start(receiver: Receiver, options: AlertOptions, clock?: SimulatedClock, dataDir?: string): Promise<Harness> {
  const url = await receiver.start();
  open.push(receiver);
  const harness = openHarness({ alerts: options, ...(clock !== undefined ? { clock } : {}), ...(dataDir !== undefined ? { dataDir } : {}) });
  open.push(harness);
  await harness.engine.import({ ...demoNetwork(), alerts: { rules: { pinStreak: { failures: 1 } }, webhook: { url } } });
  return harness;
}

let counter = 0;
/** A wrong PIN on the fleet card: a `pinStreak` alert (failures: 1). */
async function wrongPin(harness: Harness): Promise<void> {
  const reply = await harness.call('MSK-01-P1', { op: 'authorize', request: { id: `w-${++counter}`, card: demoCards.fleet, pin: '0000', product: 'AI95', volume: 10_000 } });
  expect(reply.reason).toBe('PIN_INVALID');
}

function nextChange(harness: Harness, wanted: AlertChange): Promise<AlertView> {
  return new Promise((resolve) => harness.engine.alerts.onAlert((alert, change) => (change === wanted ? resolve(alert) : undefined)));
}

const journal = (harness: Harness): Record<string, unknown>[] => [...harness.engine.store.eventsOf(alertLogKey('sever'), 0)].map(({ event }) => event.data);

describe('webhook delivery', () => {
  it('posts the alert once, signed over its body with the network\'s secret', async () => {
    const receiver = new Receiver(() => 200);
    const harness = await start(receiver, { delivery: delivery(), retry: fast });
    const delivered = nextChange(harness, 'delivered');
    await wrongPin(harness);
    const alert = await delivered;
    expect(alert.deliveries).toEqual([{ channel: 'webhook', status: 'delivered', attempts: 1 }]);
    expect(receiver.received).toHaveLength(1);
    const [request] = receiver.received;
    const body = JSON.parse(request?.body ?? '{}') as Record<string, unknown> & { delivery: { id: string; attempt: number; sentAt: number } };
    expect(request?.headers['content-type']).toBe('application/json');
    expect(verifySignature(secret, request?.body ?? '', String(request?.headers['x-tessera-signature']))).toBe(true);
    expect(request?.headers['x-tessera-signature']).toBe(signBody(secret, request?.body ?? ''));
    // A tampered body, or another secret, fails the check.
    expect(verifySignature(secret, (request?.body ?? '').replace('pinStreak', 'velocity'), String(request?.headers['x-tessera-signature']))).toBe(false);
    expect(verifySignature('another-secret', request?.body ?? '', String(request?.headers['x-tessera-signature']))).toBe(false);
    expect(request?.headers['x-tessera-timestamp']).toBe(String(body.delivery.sentAt));
    expect(request?.headers['x-tessera-delivery']).toBe(`${alert.id}/webhook`);
    expect(body).toMatchObject({ id: alert.id, network: 'sever', rule: 'pinStreak', severity: 'warning', subject: { kind: 'card', card: '700500******0017' }, delivery: { id: `${alert.id}/webhook`, attempt: 1 } });
    expect(request?.body).not.toContain(demoCards.fleet);
    expect(request?.body).not.toContain(secret);
    expect(journal(harness).map((event) => event['type'])).toEqual(['alert', 'alert.delivered']);
    expect(harness.engine.alerts.stats().deliveries).toEqual([{ channel: 'webhook', result: 'delivered', count: 1 }]);
    expect(harness.engine.alerts.stats().deliveriesPending).toBe(0);
  });

  it('retries a receiver that fails the first times, with the same delivery id, until it takes it', async () => {
    const receiver = new Receiver((attempt) => (attempt <= 2 ? 500 : 204));
    const harness = await start(receiver, { delivery: delivery(), retry: fast });
    const delivered = nextChange(harness, 'delivered');
    await wrongPin(harness);
    const alert = await delivered;
    expect(alert.deliveries).toEqual([{ channel: 'webhook', status: 'delivered', attempts: 3 }]);
    expect(receiver.received.map((request) => (JSON.parse(request.body) as { delivery: { attempt: number } }).delivery.attempt)).toEqual([1, 2, 3]);
    expect(new Set(receiver.received.map((request) => request.headers['x-tessera-delivery']))).toEqual(new Set([`${alert.id}/webhook`]));
    for (const request of receiver.received) expect(verifySignature(secret, request.body, String(request.headers['x-tessera-signature']))).toBe(true);
    expect(harness.engine.alerts.stats().deliveries).toEqual([
      { channel: 'webhook', result: 'retried', count: 2 },
      { channel: 'webhook', result: 'delivered', count: 1 },
    ]);
  });

  it('reports a receiver that keeps failing: alert.delivery_failed after the bounded attempts, never dropped silently', async () => {
    const receiver = new Receiver(() => 503);
    const logged: string[] = [];
    const harness = await start(receiver, { delivery: delivery(), retry: fast, log: (level, message, fields) => logged.push(`${level} ${message} ${JSON.stringify(fields)}`) });
    const failed = nextChange(harness, 'delivery_failed');
    await wrongPin(harness);
    const alert = await failed;
    expect(alert.deliveries).toEqual([{ channel: 'webhook', status: 'failed', attempts: 4, error: 'HTTP 503' }]);
    expect(receiver.received).toHaveLength(4);
    expect(journal(harness).at(-1)).toMatchObject({ type: 'alert.delivery_failed', network: 'sever', alertId: alert.id, channel: 'webhook', attempts: 4, error: 'HTTP 503' });
    expect(harness.events.some((event) => event.event.type === 'alert.delivery_failed')).toBe(true);
    expect(harness.engine.alerts.stats().deliveries.find((entry) => entry.result === 'failed')).toEqual({ channel: 'webhook', result: 'failed', count: 1 });
    expect(logged.join('\n')).toContain('could not be delivered');
    expect(logged.join('\n')).not.toContain(secret);
  });

  it('does not retry what will not pass: a 4xx, or no secret configured', async () => {
    const refusing = new Receiver(() => 401);
    const harness = await start(refusing, { delivery: delivery(), retry: fast });
    const failed = nextChange(harness, 'delivery_failed');
    await wrongPin(harness);
    expect((await failed).deliveries).toEqual([{ channel: 'webhook', status: 'failed', attempts: 1, error: 'HTTP 401' }]);

    const unreached = new Receiver(() => 200);
    const withoutSecret = await start(unreached, { delivery: delivery(() => undefined), retry: fast });
    const failedAtOnce = nextChange(withoutSecret, 'delivery_failed');
    await wrongPin(withoutSecret);
    expect((await failedAtOnce).deliveries[0]?.error).toMatch(/no webhook secret/);
    expect(unreached.received).toEqual([]);
  });

  it('resumes a delivery a restart interrupted, and delivers it once', async () => {
    let down = true;
    const receiver = new Receiver(() => (down ? 503 : 200));
    const clock = new SimulatedClock(mondayNoon);
    const slow = { ...fast, retryDelayFirstMs: 60_000, retryDelayMaxMs: 60_000 };
    const harness = await start(receiver, { delivery: delivery(), retry: slow }, clock);
    const retried = new Promise<void>((resolve) => {
      const check = (): void => (harness.engine.alerts.stats().deliveries.some((entry) => entry.result === 'retried') ? resolve() : void setTimeout(check, 5));
      check();
    });
    await wrongPin(harness);
    await retried;
    expect(receiver.received).toHaveLength(1);
    await harness.close();
    down = false;
    clock.advance(61_000); // the retry is due (the record keeps its due time on the engine's clock)
    const restarted = openHarness({ dataDir: harness.dataDir, clock, alerts: { delivery: delivery(), retry: slow } });
    open.push(restarted);
    const delivered = nextChange(restarted, 'delivered');
    const alert = await delivered;
    expect(alert.deliveries).toEqual([{ channel: 'webhook', status: 'delivered', attempts: 2 }]);
    expect(receiver.received).toHaveLength(2);
    expect(journal(restarted).map((event) => event['type'])).toEqual(['alert', 'alert.delivered']);
  });
});

describe('delivery settings', () => {
  it('reads secrets and the SMTP server from the environment, naming variables, never values, in errors', () => {
    const config = deliveryConfigFromEnvironment({ TESSERA_WEBHOOK_SECRET: 'shared', [webhookSecretVariable('north-1')]: 'own', TESSERA_SMTP_HOST: 'smtp.example.test', TESSERA_SMTP_FROM: 'alerts@example.test', TESSERA_SMTP_PASSWORD: 'p' });
    expect(webhookSecretVariable('north-1')).toBe('TESSERA_WEBHOOK_SECRET_NORTH_1');
    expect(config.webhookSecret('north-1')).toBe('own');
    expect(config.webhookSecret('sever')).toBe('shared');
    expect(config.smtp).toEqual({ host: 'smtp.example.test', port: 587, tls: 'starttls', from: 'alerts@example.test', password: 'p' });
    expect(deliveryConfigFromEnvironment({ TESSERA_SMTP_HOST: 'h', TESSERA_SMTP_FROM: 'a@b.test', TESSERA_SMTP_TLS: 'implicit' }).smtp?.port).toBe(465);
    expect(deliveryConfigFromEnvironment({}).smtp).toBeUndefined();
    expect(deliveryConfigFromEnvironment({}).webhookSecret('sever')).toBeUndefined();
    expect(() => deliveryConfigFromEnvironment({ TESSERA_SMTP_HOST: 'h' })).toThrow(/TESSERA_SMTP_FROM/);
    expect(() => deliveryConfigFromEnvironment({ TESSERA_SMTP_HOST: 'h', TESSERA_SMTP_FROM: 'a@b.test', TESSERA_SMTP_TLS: 'sometimes' })).toThrow(/TESSERA_SMTP_TLS/);
    expect(() => deliveryConfigFromEnvironment({ TESSERA_SMTP_HOST: 'h', TESSERA_SMTP_FROM: 'a@b.test', TESSERA_SMTP_PORT: '99999', TESSERA_SMTP_PASSWORD: 'hunter2' })).toThrow(/^TESSERA_SMTP_PORT: a port number$/);
  });

  it('backs off exponentially between the first and the last delay', () => {
    const options = { retryDelayFirstMs: 1_000, retryDelayMaxMs: 5_000 };
    expect([1, 2, 3, 4, 5].map((attempts) => retryDelayMs(options, attempts))).toEqual([1_000, 2_000, 4_000, 5_000, 5_000]);
  });
});
