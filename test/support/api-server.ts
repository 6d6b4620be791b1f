// A running server for API tests that call every endpoint (the conformance and permission-matrix
// tests): `serve()` with the demo network, the read model (PostgreSQL from DATABASE_URL, else
// 127.0.0.1:5432, else the embedded PGlite), an SMTP sink for sign-in codes, an owner's API key, and a
// decision of every kind made and projected: fuel, a receipt and its return, a top-up, a wash session,
// a decline.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { serve } from '../../engine/cli/index.js';
import type { RunningServer } from '../../engine/cli/index.js';
import { demoCards, demoPins } from '../../engine/index.js';
import type { NewApiKey, Reply, TerminalRequest } from '../../engine/index.js';
import { serverPostgresForTests, startSmtpSink } from '../../engine/testing/index.js';
import type { PostgresForTests, SmtpSink } from '../../engine/testing/index.js';
import type { ExampleFacts } from './api-examples.js';

export interface ApiServer {
  server: RunningServer;
  sink: SmtpSink;
  base: string;
  facts: ExampleFacts;
  /** An owner's API key. */
  ownerKey: string;
  /** A new API key (the token) made by the system. */
  apiKey(input: NewApiKey): Promise<string>;
  stop(): Promise<void>;
}

export async function startApiServer(name: string): Promise<ApiServer> {
  const postgres: PostgresForTests | undefined = await serverPostgresForTests();
  const dataDir = mkdtempSync(join(tmpdir(), `tessera-${name}-`));
  const sink = await startSmtpSink();
  const server = await serve({
    dataDir,
    httpPort: 0,
    httpHost: '127.0.0.1',
    demo: true,
    readModel: { databaseUrl: postgres?.url },
    logger: pino({ level: 'silent' }),
    alerts: { environment: sink.environment },
  });
  const apiKey = async (input: NewApiKey): Promise<string> => {
    const created = await server.security.apiKeys.create(input, { kind: 'system', id: name });
    if (!created.ok) throw new Error(created.message);
    return created.value.token;
  };
  let counter = 0;
  const id = (prefix: string): string => `${name}-${prefix}-${++counter}`;
  const submit = (terminal: string, request: TerminalRequest): Promise<Reply> => new Promise((resolve) => server.engine.submit(terminal, request, resolve));
  const approved = (reply: Reply): Reply => {
    if (reply['result'] !== 'approved') throw new Error(`a decision the API tests need was not approved: ${JSON.stringify(reply)}`);
    return reply;
  };

  const authorized = approved(await submit('MSK-01-P1', { op: 'authorize', request: { id: id('auth'), card: demoCards.fleet, pin: demoPins.fleet ?? '', product: 'AI95', volume: 20_000 } }));
  const completed = approved(await submit('MSK-01-P1', { op: 'complete', request: { id: id('done'), authId: String(authorized['authId']), volume: 20_000 } }));
  const sale = approved(await submit('MSK-01-POS1', { op: 'sale', request: { id: id('sale'), card: demoCards.loyalty, lines: [{ product: 'COFFEE', qty: 2_000 }, { product: 'WATER', qty: 1_000 }] } }));
  approved(await submit('MSK-01-POS1', { op: 'refund', request: { id: id('ret'), txId: String(sale['txId']), lines: [{ product: 'WATER', qty: 1_000 }] } }));
  approved(await submit('MSK-01-POS1', { op: 'topup', request: { id: id('top'), card: demoCards.loyalty, amount: 50_000, method: 'cash' } }));
  const started = approved(await submit('WASH-01-B1', { op: 'session.start', request: { id: id('start'), client: { plate: 'А123ВС77' }, tariff: 'WASH-STD' } }));
  approved(await submit('WASH-01-B1', { op: 'session.stop', request: { id: id('stop'), sessionId: String(started['sessionId']), comment: 'from the API tests' } }));
  await submit('MSK-01-P2', { op: 'authorize', request: { id: id('auth'), card: demoCards.fleet, pin: '0000', product: 'AI95', volume: 1_000 } });
  // Five declines of the blocked card raise the `declines` alert (number 1) the alert examples act on.
  for (let attempt = 0; attempt < 5; attempt++) await submit('MSK-01-P1', { op: 'authorize', request: { id: id('blocked'), card: demoCards.blocked, product: 'AI95', volume: 1_000 } });
  await server.engine.alerts.idle();
  await server.readModel?.projector.caughtUp();

  const now = server.engine.clock.now();
  const facts: ExampleFacts = {
    fuelTxId: String(completed['txId']),
    receiptTxId: String(sale['txId']),
    sessionId: String(started['sessionId']),
    cardNumber: demoCards.fleet,
    card: server.engine.identifyCard('sever', demoCards.fleet),
    from: new Date(now - 30 * 86_400_000).toISOString(),
    to: new Date(now + 86_400_000).toISOString(),
  };
  return {
    server,
    sink,
    base: `http://127.0.0.1:${server.http.port}`,
    facts,
    ownerKey: await apiKey({ network: 'sever', role: 'owner', label: `${name} owner` }),
    apiKey,
    stop: async () => {
      await server.stop();
      await postgres?.stop();
      await sink.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
