// P2, the PostgreSQL authoriser as a responder process: it creates a database of its own
// (`tessera_bench_p2_<pid>`), loads the bench network into it (bench/pg-authoriser.ts), and answers
// `tessera.v1.term.*.authorize|complete|reverse` in queue group `engine` through the gateways' own
// NATS bus (the engine's connection options and reply batching), with the engine's decoding and
// validation (gateways' codec, engine's request schemas) and the engine's bound on requests in
// flight. Each decision is one call of a PL/pgSQL function through a `pg` pool, synchronous_commit
// on. The database is dropped on stop. Started by the bench with
// `node --import tsx bench/pg-process.ts '<config json>'`.

import { createHash, randomBytes } from 'node:crypto';
import pg from 'pg';
import { connectNatsBus, decodeBody, encodeBody } from '../gateways/index.js';
import type { BusMessage } from '../gateways/index.js';
import { constants, describeIssues, errorReply, reasonMessages, requestSchemas } from '../engine/index.js';
import type { Reply } from '../engine/index.js';
import { authorizeStatement, books, cardHash, checkHandles, completeStatement, holdOfHandle, loadBenchNetwork, poolSizeDefault } from './pg-authoriser.js';
import type { SeenKind } from './generator.js';
import { benchDatabaseName, createDatabase, databaseUrl, dropDatabase } from './postgres.js';
import type { ResponderConfig } from './processes.js';
import { childMain } from './processes.js';

const uniqueViolation = '23505';
const operations = ['authorize', 'complete', 'reverse'] as const;
type Operation = (typeof operations)[number];

childMain<ResponderConfig>(async (config) => {
  const serverUrl = config.databaseUrl;
  if (serverUrl === undefined) throw new Error('pg-process needs databaseUrl');
  const network = config.network ?? { cards: 1_000, accounts: 100, terminals: 20 };
  const poolSize = config.poolSize ?? poolSizeDefault;
  const database = benchDatabaseName('p2');
  await createDatabase(serverUrl, database);
  const url = databaseUrl(serverUrl, database);
  const secret = randomBytes(32);

  const started = performance.now();
  const loader = new pg.Client({ connectionString: url });
  await loader.connect();
  try {
    await loadBenchNetwork(loader, network, secret);
  } finally {
    await loader.end();
  }
  const loadMs = Math.round(performance.now() - started);

  // Durable like the engine: the commit waits for the WAL flush, whatever the server's default.
  const pool = new pg.Pool({ connectionString: url, max: poolSize, idleTimeoutMillis: 0, options: '-c synchronous_commit=on' });
  pool.on('error', () => undefined); // an idle connection closed under us (the database is being dropped)
  const clients = await Promise.all(Array.from({ length: poolSize }, () => pool.connect()));
  const helperPids: number[] = [];
  for (const client of clients) helperPids.push(Number((await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid));
  const background = await clients[0]?.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE backend_type IN ('walwriter', 'checkpointer', 'background writer')");
  for (const row of background?.rows ?? []) helperPids.push(Number(row.pid));
  for (const client of clients) client.release();

  let inFlight = 0;
  let handled = 0;
  let failures = 0;
  const respond = (message: BusMessage, reply: Reply | Record<string, unknown>): void => {
    handled++;
    message.respond(encodeBody(reply, 'msgpack'));
  };
  const withMessage = (reply: Record<string, unknown>): Record<string, unknown> => {
    if (reply['result'] !== 'declined') return reply;
    const message = (reasonMessages as Record<string, string | undefined>)[String(reply['reason'])];
    return message === undefined ? reply : { ...reply, message };
  };

  const handle = (message: BusMessage, op: Operation): void => {
    const terminal = message.subject.split('.')[3] ?? '';
    const data = message.data;
    if (data.length > constants.requestBytesMax) {
      respond(message, errorReply('', 'BAD_REQUEST', `the body is larger than ${constants.requestBytesMax} bytes`));
      return;
    }
    const decoded = decodeBody(data, 'msgpack');
    if (!decoded.ok) {
      respond(message, errorReply('', 'BAD_REQUEST', decoded.message));
      return;
    }
    const parsed = requestSchemas[op].safeParse(decoded.value);
    if (!parsed.success) {
      respond(message, errorReply('', 'BAD_REQUEST', describeIssues(parsed.error)));
      return;
    }
    const id = parsed.data.id;
    if (inFlight >= constants.requestsInFlightMax) {
      respond(message, errorReply(id, 'UNAVAILABLE', reasonMessages.UNAVAILABLE));
      return;
    }
    const fingerprint = createHash('sha256').update(op).update(data).digest().subarray(0, 16);
    const now = Date.now();
    let query: pg.QueryConfig;
    if (op === 'authorize') {
      const request = parsed.data as { card: string; product: string; amount?: number };
      if (request.amount === undefined) {
        respond(message, errorReply(id, 'BAD_REQUEST', 'the PostgreSQL baseline authorises amounts only'));
        return;
      }
      query = { name: 'authorize', text: authorizeStatement, values: [terminal, id, fingerprint, cardHash(secret, request.card), request.product, request.amount, now] };
    } else {
      const request = parsed.data as { authId: string; amount?: number; volume?: number };
      const hold = holdOfHandle(request.authId) ?? '0';
      query = { name: 'complete', text: completeStatement, values: [terminal, id, fingerprint, hold, request.amount ?? null, request.volume ?? null, op === 'reverse', now] };
    }
    inFlight++;
    const attempt = (retry: boolean): void => {
      pool.query<{ reply: Record<string, unknown> }>(query).then(
        (result) => {
          inFlight--;
          respond(message, withMessage(result.rows[0]?.reply ?? errorReply(id, 'UNAVAILABLE', 'no reply row')));
        },
        (error: unknown) => {
          // A repeat of a request still being decided waits for it and then hits its idempotency
          // row: ask again, and the first reply comes back.
          if (!retry && (error as { code?: string }).code === uniqueViolation) {
            attempt(true);
            return;
          }
          inFlight--;
          failures++;
          respond(message, errorReply(id, 'UNAVAILABLE', 'the database failed; retry with the same id'));
        },
      );
    };
    attempt(false);
  };

  const bus = await connectNatsBus(config.natsUrl, 'tessera-p2');
  const subscriptions = operations.map((op) => bus.subscribe(`tessera.v1.term.*.${op}`, (message) => handle(message, op), 'engine'));
  await bus.connection.flush();

  return {
    detail: `PostgreSQL authoriser pid ${process.pid}, database ${database}, pool ${poolSize}, ${network.cards} cards loaded in ${loadMs} ms`,
    stats: () => ({ handled, helperPids }),
    methods: {
      info: () => ({ database, poolSize, loadMs, failures }),
      'audit.books': async () => {
        const client = await pool.connect();
        try {
          const result = await books(client);
          if (failures > 0) result.violations.push(`${failures} requests failed in the database`);
          return result;
        } finally {
          client.release();
        }
      },
      'audit.check': async (payload) => {
        const { kind, handles } = payload as { kind: SeenKind; handles: string[] };
        const client = await pool.connect();
        try {
          return await checkHandles(client, kind, handles);
        } finally {
          client.release();
        }
      },
    },
    stop: async () => {
      for (const subscription of subscriptions) await subscription.drain().catch(() => undefined);
      while (inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 10));
      await bus.drain();
      await pool.end();
      await dropDatabase(serverUrl, database);
    },
  };
});
