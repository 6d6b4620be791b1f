// E, the engine under test over NATS: `serve()` as in production (NATS bus, terminal gateway, HTTP
// gateway on a free port, schedulers on), then the bench network imported, then ready. Started by
// bench/nats.ts with `node --import tsx bench/engine-process.ts '<config json>'`.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { serve } from '../engine/cli/index.js';
import { networkDocumentSchema } from '../engine/index.js';
import { benchNetwork } from './network.js';
import { responderMain } from './processes.js';

responderMain(async (config) => {
  const ownDir = config.dataDir === undefined;
  const dataDir = config.dataDir ?? mkdtempSync(join(tmpdir(), 'tessera-bench-engine-'));
  const network = config.network ?? { cards: 1_000, accounts: 100, terminals: 20 };
  const server = await serve({ dataDir, natsUrl: config.natsUrl, httpPort: 0, httpHost: '127.0.0.1', demo: false, logger: pino({ level: 'warn' }) });
  const started = performance.now();
  await server.engine.import(networkDocumentSchema.parse(benchNetwork(network)));
  const importMs = Math.round(performance.now() - started);
  let flushReports = 0;
  let flushedWrites = 0;
  server.engine.store.onBatchFlushed((writes) => {
    flushReports++;
    flushedWrites += writes;
  });
  return {
    detail: `engine pid ${process.pid}, ${network.cards} cards imported in ${importMs} ms, data ${dataDir}`,
    extra: () => ({ openHolds: server.engine.store.openHoldCount(), flushReports, flushedWrites }),
    stop: async () => {
      await server.stop();
      if (ownDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
});
