// Composition root: builds the engine, the bus (NATS or in-process), the terminal gateway and the
// HTTP gateway, loads the demo network when asked, and drains on SIGTERM/SIGINT.

import { pino } from 'pino';
import type { Logger } from 'pino';
import { Engine } from '../engine.js';
import { constants, subjectPrefixDefault } from '../constants.js';
import type { Bus, HttpGateway } from '../../gateways/index.js';
import { connectNatsBus, createMetrics, InProcessBus, startHttpGateway, TerminalGateway } from '../../gateways/index.js';
import { demoNetwork } from '../demo/demo-network.js';

export interface ServeOptions {
  dataDir: string;
  natsUrl?: string | undefined;
  httpPort: number;
  httpHost?: string;
  demo: boolean;
  prefix?: string;
  logger?: Logger;
}

export interface RunningServer {
  engine: Engine;
  bus: Bus;
  gateway: TerminalGateway;
  http: HttpGateway;
  /** Drains and stops; resolves when everything is flushed and closed. */
  stop(): Promise<void>;
}

export async function serve(options: ServeOptions): Promise<RunningServer> {
  const logger = options.logger ?? pino({ name: 'tessera' });
  const engine = new Engine({ dataDir: options.dataDir });
  const bus: Bus = options.natsUrl ? await connectNatsBus(options.natsUrl) : new InProcessBus();
  const metrics = createMetrics(engine);
  const gateway = new TerminalGateway(bus, engine, { prefix: options.prefix ?? subjectPrefixDefault, metrics });
  if (options.demo) {
    const summary = await engine.import(demoNetwork());
    logger.info({ created: summary.created, updated: summary.updated, unchanged: summary.unchanged }, 'demo network loaded');
  }
  gateway.start();
  const http = await startHttpGateway(engine, metrics, gateway, options.httpPort, options.httpHost);
  logger.info({ bus: bus.kind, nats: options.natsUrl ?? null, http: http.port, data: options.dataDir }, 'tessera is ready');

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      // Readiness 503 → no new deliveries, but what the bus already holds is decided → every
      // decision answered and flushed → pending replies sent → connection closed.
      engine.beginDrain();
      await gateway.stop().catch(() => undefined); // a dead connection has nothing left to deliver
      await engine.drain(constants.drainTimeoutMs);
      await bus.drain();
      http.close();
      await engine.close();
    })());
  return { engine, bus, gateway, http, stop };
}
