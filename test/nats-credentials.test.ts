// Terminal credentials over a real nats-server started with the authorization the engine generates:
// a terminal speaks for itself only (adversarial case 22). Terminal A requests on its own subjects and
// gets the engine's reply; A publishing on B's subject is refused by the server and never reaches
// the engine; A cannot read B's inbox nor the event stream; after A is revoked and the server reloads,
// A is disconnected and cannot connect again, while B goes on.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, headers, nkeyAuthenticator } from 'nats';
import type { NatsConnection, Status } from 'nats';
import { pino } from 'pino';
import { serve } from '../engine/cli/index.js';
import type { RunningServer } from '../engine/cli/index.js';
import type { IssuedCredential, Security } from '../engine/index.js';
import { Engine, applyNatsAuthorization, demoCards, demoNetwork, engineInboxPrefix, loadOrCreateEngineSeed, openSecurity } from '../engine/index.js';
import { sleep } from './support/nats.js';
import type { SecuredNatsServer } from './support/nats-secured.js';
import { startNatsServerWithConfig } from './support/nats-secured.js';

const network = 'sever';
const terminalA = 'MSK-01-P1';
const terminalB = 'MSK-01-P2';
const json = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));
const parse = (data: Uint8Array): Record<string, unknown> => JSON.parse(new TextDecoder().decode(data)) as Record<string, unknown>;
const jsonHeaders = (): ReturnType<typeof headers> => {
  const h = headers();
  h.set('Content-Type', 'application/json');
  return h;
};

interface Terminal {
  nc: NatsConnection;
  statuses: Status[];
}

async function connectAs(url: string, credential: IssuedCredential): Promise<Terminal> {
  const nc = await connect({ servers: url, authenticator: nkeyAuthenticator(new TextEncoder().encode(credential.seed)), inboxPrefix: credential.inboxPrefix, reconnect: false, timeout: 2_000 });
  const statuses: Status[] = [];
  void (async () => {
    for await (const status of nc.status()) statuses.push(status);
  })();
  return { nc, statuses };
}

/** Whether a status is the server's permissions violation for this operation and subject. */
function isViolation(status: Status, operation: 'publish' | 'subscription', subject: string): boolean {
  const context = (status as Status & { permissionContext?: { operation: string; subject: string } }).permissionContext;
  return String(status.type) === 'error' && status.data === 'PERMISSIONS_VIOLATION' && context?.operation === operation && context.subject === subject;
}

const waitFor = async (condition: () => boolean, what: string): Promise<void> => {
  for (let attempt = 0; attempt < 200 && !condition(); attempt++) await sleep(20);
  if (!condition()) throw new Error(`timed out waiting for ${what}`);
};

describe('terminal credentials enforced by nats-server', () => {
  let dataDir: string;
  let configDir: string;
  let nats: SecuredNatsServer;
  let server: RunningServer;
  let security: Security;
  let engineSeed: string;
  const credentials = new Map<string, IssuedCredential>();
  const open: NatsConnection[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'tessera-creds-'));
    configDir = mkdtempSync(join(tmpdir(), 'tessera-nats-conf-'));
    // Before NATS is secured: the network is imported and credentials issued (what `tessera nats-config` does).
    const setup = new Engine({ dataDir, schedulers: false });
    await setup.import(demoNetwork());
    const setupSecurity = await openSecurity(setup, { dataDir });
    for (const id of [terminalA, terminalB]) {
      const issued = await setupSecurity.terminals.issue(network, { kind: 'terminal', id }, { kind: 'system', id: 'test' });
      if (!issued.ok) throw new Error(issued.message);
      credentials.set(id, issued.value);
    }
    const gateway = await setupSecurity.terminals.issue(network, { kind: 'site', id: 'WASH-01' }, { kind: 'system', id: 'test' });
    if (!gateway.ok) throw new Error(gateway.message);
    credentials.set('WASH-01', gateway.value);
    engineSeed = loadOrCreateEngineSeed(dataDir);
    writeFileSync(join(configDir, 'tessera-auth.conf'), setupSecurity.terminals.natsServerAuthorization([network], engineSeed));
    writeFileSync(join(configDir, 'nats.conf'), 'include "tessera-auth.conf"\n');
    await setupSecurity.close();
    await setup.close();

    nats = await startNatsServerWithConfig(join(configDir, 'nats.conf'), engineSeed);
    server = await serve({ dataDir, natsUrl: nats.url, natsNkeySeed: engineSeed, httpPort: 0, httpHost: '127.0.0.1', demo: false, logger: pino({ level: 'silent' }) });
    security = await openSecurity(server.engine, { dataDir });
  });

  afterAll(async () => {
    for (const nc of open) await nc.close().catch(() => undefined);
    await security?.close();
    await server?.stop();
    await nats?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(configDir, { recursive: true, force: true });
  });

  const credential = (id: string): IssuedCredential => {
    const found = credentials.get(id);
    if (!found) throw new Error(`no credential for ${id}`);
    return found;
  };

  it('refuses a connection without credentials', async () => {
    await expect(connect({ servers: nats.url, reconnect: false, timeout: 2_000 })).rejects.toThrow(/Authorization Violation/i);
  });

  it('terminal A requests on its own subject, its reply comes to its own inbox', async () => {
    const a = await connectAs(nats.url, credential(terminalA));
    open.push(a.nc);
    const reply = await a.nc.request(`tessera.v1.term.${terminalA}.inquire`, json({ id: 'creds-1', card: demoCards.fleet, pin: '1234' }), { timeout: 5_000, headers: jsonHeaders() });
    expect(reply.subject.startsWith(`_INBOX.${terminalA}.`)).toBe(true);
    expect(parse(reply.data)).toMatchObject({ id: 'creds-1', result: 'approved', reason: 'OK' });
  });

  it("A publishing on B's subject is refused by the server; the engine never sees it", async () => {
    const spy = await connect({ servers: nats.url, authenticator: nkeyAuthenticator(new TextEncoder().encode(engineSeed)), inboxPrefix: engineInboxPrefix });
    open.push(spy);
    const seen: string[] = [];
    spy.subscribe(`tessera.v1.term.${terminalB}.>`, { callback: (_error, message) => seen.push(message.subject) });
    await spy.flush();
    const a = await connectAs(nats.url, credential(terminalA));
    open.push(a.nc);
    a.nc.publish(`tessera.v1.term.${terminalB}.inquire`, json({ id: 'spoof-1', card: demoCards.fleet }));
    await expect(a.nc.request(`tessera.v1.term.${terminalB}.inquire`, json({ id: 'spoof-2', card: demoCards.fleet }), { timeout: 1_000, headers: jsonHeaders() })).rejects.toThrow();
    await waitFor(() => a.statuses.some((status) => isViolation(status, 'publish', `tessera.v1.term.${terminalB}.inquire`)), 'the publish violation');
    // B's own request goes through (so the spy's subscription works), and it saw nothing of A's.
    const b = await connectAs(nats.url, credential(terminalB));
    open.push(b.nc);
    const reply = await b.nc.request(`tessera.v1.term.${terminalB}.inquire`, json({ id: 'b-1', card: demoCards.fleet, pin: '1234' }), { timeout: 5_000, headers: jsonHeaders() });
    expect(parse(reply.data)).toMatchObject({ result: 'approved' });
    expect(seen).toEqual([`tessera.v1.term.${terminalB}.inquire`]);
    expect(a.nc.isClosed()).toBe(false);
  });

  it("A cannot subscribe to B's inbox, to the event stream or to another site's prices; it may read its own site's", async () => {
    const a = await connectAs(nats.url, credential(terminalA));
    open.push(a.nc);
    const refused = async (subject: string): Promise<void> => {
      const errors: string[] = [];
      const subscription = a.nc.subscribe(subject, { callback: (error) => errors.push(String(error?.message)) });
      await subscription.closed;
      expect(errors).toEqual([`'Permissions Violation for Subscription to "${subject}"'`]);
      await waitFor(() => a.statuses.some((status) => isViolation(status, 'subscription', subject)), `the subscription violation of ${subject}`);
    };
    await refused(`_INBOX.${terminalB}.>`);
    await refused('tessera.v1.evt.>');
    await refused('tessera.v1.cfg.TVR-01.prices');
    await refused('tessera.v1.term.*.>');
    const own = a.nc.subscribe('tessera.v1.cfg.MSK-01.prices');
    await a.nc.flush();
    await sleep(50);
    expect(own.isClosed()).toBe(false);
  });

  it('a site gateway speaks for the terminals of its site and no other', async () => {
    const gateway = await connectAs(nats.url, credential('WASH-01'));
    open.push(gateway.nc);
    const reply = await gateway.nc.request('tessera.v1.term.WASH-01-K1.sessions', json({ id: 'board-1' }), { timeout: 5_000, headers: jsonHeaders() });
    expect(reply.subject.startsWith('_INBOX_SITE.WASH-01.')).toBe(true);
    expect(parse(reply.data)).toMatchObject({ result: 'approved' });
    await expect(gateway.nc.request(`tessera.v1.term.${terminalA}.inquire`, json({ id: 'gw-spoof', card: demoCards.fleet }), { timeout: 1_000, headers: jsonHeaders() })).rejects.toThrow();
  });

  it('after A is revoked and nats-server reloads, A is disconnected and cannot connect; B goes on', async () => {
    const a = await connectAs(nats.url, credential(terminalA));
    const b = await connectAs(nats.url, credential(terminalB));
    open.push(a.nc, b.nc);
    const revoked = await security.terminals.revoke(network, { kind: 'terminal', id: terminalA }, { kind: 'system', id: 'test' });
    expect(revoked).toMatchObject({ ok: true, value: { status: 'revoked' } });
    applyNatsAuthorization(join(configDir, 'tessera-auth.conf'), security.terminals.natsServerAuthorization([network], engineSeed), nats.pid);
    // The server closes the revoked holder's connection at the reload.
    await a.nc.closed();
    expect(a.nc.isClosed()).toBe(true);
    expect(() => a.nc.publish(`tessera.v1.term.${terminalA}.inquire`, json({ id: 'after' }))).toThrow(/closed/i);
    await expect(connectAs(nats.url, credential(terminalA))).rejects.toThrow(/Authorization Violation/i);
    const reply = await b.nc.request(`tessera.v1.term.${terminalB}.inquire`, json({ id: 'b-after', card: demoCards.fleet, pin: '1234' }), { timeout: 5_000, headers: jsonHeaders() });
    expect(parse(reply.data)).toMatchObject({ result: 'approved' });
    const audit = security.audit.query(network, { kind: 'terminal.credential_revoked' }).entries;
    expect(audit).toEqual([expect.objectContaining({ target: { type: 'terminal', id: terminalA }, outcome: 'ok' })]);
    expect(JSON.stringify(security.audit.query(network).entries)).not.toContain(credential(terminalA).seed);
  });
});
