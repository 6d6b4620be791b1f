// E, the engine under test over NATS: `serve()` as in production (NATS bus, terminal gateway, HTTP
// gateway on a free port, schedulers on), then the bench network imported (unless this is a restart
// on existing data), then ready. Started by the bench with
// `node --import tsx bench/engine-process.ts '<config json>'`. Besides `stats` and `stop` it answers
// `info` (import time), `audit.books` (the books from its journal, bench/engine-audit.ts) and
// `audit.check` (whether handles a generator saw are in the journal).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { serve } from '../engine/cli/index.js';
import { networkDocumentSchema } from '../engine/index.js';
import type { EngineAudit } from './engine-audit.js';
import { auditEngine } from './engine-audit.js';
import type { SeenKind } from './generator.js';
import { benchNetwork } from './network.js';
import type { ResponderConfig } from './processes.js';
import { childMain } from './processes.js';

childMain<ResponderConfig>(async (config) => {
  const ownDir = config.dataDir === undefined;
  const dataDir = config.dataDir ?? mkdtempSync(join(tmpdir(), 'tessera-bench-engine-'));
  const network = config.network ?? { cards: 1_000, accounts: 100, terminals: 20 };
  const server = await serve({ dataDir, natsUrl: config.natsUrl, httpPort: 0, httpHost: '127.0.0.1', demo: false, logger: pino({ level: 'warn' }) });
  let importMs: number | undefined;
  if (config.importNetwork !== false) {
    const started = performance.now();
    await server.engine.import(networkDocumentSchema.parse(benchNetwork(network)));
    importMs = Math.round(performance.now() - started);
  }
  let flushReports = 0;
  let flushedWrites = 0;
  server.engine.store.onBatchFlushed((writes) => {
    flushReports++;
    flushedWrites += writes;
  });
  let audit: EngineAudit | undefined;
  let audits = 0;
  return {
    detail: `engine pid ${process.pid}, ${network.cards} cards ${importMs !== undefined ? `imported in ${importMs} ms` : 'on existing data'}, data ${dataDir}`,
    stats: () => ({ openHolds: server.engine.store.openHoldCount(), flushReports, flushedWrites }),
    methods: {
      info: () => ({ importMs, dataDir }),
      'audit.books': async () => {
        audit = await auditEngine(server.engine, network, ++audits);
        return audit.books;
      },
      'audit.check': (payload) => {
        const { kind, handles } = payload as { kind: SeenKind; handles: string[] };
        if (audit === undefined) throw new Error('audit.check before audit.books');
        return audit.check(kind, handles);
      },
    },
    stop: async () => {
      await server.stop();
      if (ownDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
});
