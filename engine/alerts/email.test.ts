// E-mail delivery against an in-process SMTP sink (the smtp-server package): the alert's message
// reaches the network's recipients with its rule and severity in the subject and only the masked card
// number; a server that refuses the message permanently (5xx) ends the delivery failed at once.

import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import { demoCards, demoNetwork } from '../demo/demo-network.js';
import type { Harness } from '../testing/engine-harness.js';
import { openHarness } from '../testing/engine-harness.js';
import type { AlertView } from './alert.js';
import type { AlertChange } from './service.js';
import { emailSubject } from './email.js';

interface Caught {
  from: string;
  to: string[];
  data: string;
}

async function sink(refuse = false): Promise<{ server: SMTPServer; port: number; caught: Caught[] }> {
  const caught: Caught[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if (refuse) {
          callback(Object.assign(new Error('mailbox unavailable'), { responseCode: 550 }));
          return;
        }
        const from = session.envelope.mailFrom;
        caught.push({ from: from === false ? '' : from.address, to: session.envelope.rcptTo.map((address) => address.address), data: Buffer.concat(chunks).toString('utf8') });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.server.address() as AddressInfo).port, caught };
}

const open: { close(): Promise<unknown> | void }[] = [];
afterEach(async () => {
  for (const item of open.splice(0).reverse()) await item.close();
});

function nextChange(harness: Harness, wanted: AlertChange): Promise<AlertView> {
  return new Promise((resolve) => harness.engine.alerts.onAlert((alert, change) => (change === wanted ? resolve(alert) : undefined)));
}

async function start(port: number): Promise<Harness> {
  const harness = openHarness({ alerts: { delivery: { webhookSecret: () => undefined, smtp: { host: '127.0.0.1', port, tls: 'none', from: 'alerts@sever.test' } }, retry: { retryDelayFirstMs: 5, retryDelayMaxMs: 20, attemptsMax: 3 } } });
  open.push({ close: () => harness.close() });
  await harness.engine.import({ ...demoNetwork(), alerts: { rules: { pinStreak: { failures: 1 } }, email: { to: ['ops@sever.test', 'security@sever.test'], minimumSeverity: 'warning' } } });
  return harness;
}

const wrongPin = (harness: Harness, id: string) => harness.call('MSK-01-P1', { op: 'authorize', request: { id, card: demoCards.fleet, pin: '0000', product: 'AI95', volume: 10_000 } });

describe('e-mail delivery', () => {
  it('sends the alert to the network\'s recipients through the SMTP server', async () => {
    const smtp = await sink();
    open.push({ close: () => new Promise((resolve) => smtp.server.close(() => resolve(undefined))) });
    const harness = await start(smtp.port);
    const delivered = nextChange(harness, 'delivered');
    await wrongPin(harness, 'p1');
    const alert = await delivered;
    expect(alert.deliveries).toEqual([{ channel: 'email', status: 'delivered', attempts: 1 }]);
    expect(smtp.caught).toHaveLength(1);
    const [mail] = smtp.caught;
    expect(mail?.from).toBe('alerts@sever.test');
    expect(mail?.to).toEqual(['ops@sever.test', 'security@sever.test']);
    const text = mail?.data.replace(/=\r?\n/g, '') ?? '';
    expect(text).toMatch(/^Subject: /m);
    expect(text).toContain(`X-Tessera-Alert: ${alert.id}`);
    expect(text).toContain('700500******0017');
    expect(text).not.toContain(demoCards.fleet);
    expect(emailSubject({ ...alert, raisedAt: alert.raisedAt })).toMatch(/^\[Tessera warning\] sever: pinStreak — 1 wrong PIN in a row on card 700500\*{6}0017/);
  });

  it('ends the delivery failed when the server refuses the message for good', async () => {
    const smtp = await sink(true);
    open.push({ close: () => new Promise((resolve) => smtp.server.close(() => resolve(undefined))) });
    const harness = await start(smtp.port);
    const failed = nextChange(harness, 'delivery_failed');
    await wrongPin(harness, 'p2');
    expect((await failed).deliveries).toEqual([{ channel: 'email', status: 'failed', attempts: 1, error: 'SMTP 550' }]);
  });
});
