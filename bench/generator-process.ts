// A load generator in a process of its own (bench/generator.ts), started by bench/load.ts with
// `node --import tsx bench/generator-process.ts '<config json>'`. Calls: `run.open`, `run.closed`
// (one step each), `settle` (totals after late replies), `seen` (a chunk of the handles it saw approved).

import type { ClosedStep, GeneratorConfig, OpenStep, SeenKind } from './generator.js';
import { Driver } from './generator.js';
import { childMain } from './processes.js';

childMain<GeneratorConfig>(async (config) => {
  const driver = await Driver.connect(config);
  return {
    detail: `generator ${config.tag} pid ${process.pid}`,
    methods: {
      'run.open': (payload) => driver.open(payload as OpenStep),
      'run.closed': (payload) => driver.closed(payload as ClosedStep),
      settle: (payload) => {
        const { quietMs, maxMs } = payload as { quietMs: number; maxMs: number };
        return driver.settle(quietMs, maxMs);
      },
      seen: (payload) => {
        const { kind, offset, limit } = payload as { kind: SeenKind; offset: number; limit: number };
        return driver.seen[kind].slice(offset, offset + limit);
      },
    },
    stop: () => driver.close(),
  };
});
