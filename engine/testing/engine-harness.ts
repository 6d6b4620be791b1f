// Test helpers: an Engine on a temporary directory with a simulated clock, and a promise-returning
// call for one terminal request.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from '../engine.js';
import { SimulatedClock } from '../clock.js';
import type { Reply } from '../protocol/replies.js';
import type { TerminalRequest } from '../protocol/requests.js';
import type { CommittedEvent } from '../store/lmdb-store.js';
import type { AlertOptions } from '../alerts/index.js';

export interface Harness {
  engine: Engine;
  clock: SimulatedClock;
  dataDir: string;
  events: CommittedEvent[];
  call(terminalId: string, request: TerminalRequest): Promise<Reply>;
  /** Closes this engine and opens a new one on the same data (a restart). */
  restart(): Promise<Harness>;
  close(): Promise<void>;
}

const secret = Buffer.alloc(32, 7);

export function openHarness(options: { dataDir?: string; clock?: SimulatedClock; requestsInFlightMax?: number; alerts?: AlertOptions | false } = {}): Harness {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'tessera-engine-'));
  const clock = options.clock ?? new SimulatedClock(Date.UTC(2026, 10, 23, 9, 0)); // 12:00 in Moscow, a Monday
  const engine = new Engine({
    dataDir,
    clock,
    cardSecret: secret,
    schedulers: false,
    ...(options.requestsInFlightMax !== undefined ? { requestsInFlightMax: options.requestsInFlightMax } : {}),
    ...(options.alerts !== undefined ? { alerts: options.alerts } : {}),
  });
  const events: CommittedEvent[] = [];
  engine.onCommitted((event) => events.push(event));
  const harness: Harness = {
    engine,
    clock,
    dataDir,
    events,
    call: (terminalId, request) => new Promise((resolve) => engine.submit(terminalId, request, resolve)),
    restart: async () => {
      await engine.close();
      return openHarness({ dataDir, clock, ...(options.alerts !== undefined ? { alerts: options.alerts } : {}) });
    },
    close: () => engine.close(),
  };
  return harness;
}
