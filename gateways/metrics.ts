// Prometheus metrics (prom-client): decisions by operation, result and reason; decision latency with
// sub-millisecond buckets; LMDB commit batch size; open holds; live actors; requests in flight; the
// read model's lag behind the journal and its connection to PostgreSQL; alerts raised by rule and
// severity, held back by dedup, deliveries by channel and result, and the alert rules' lag.
// Labels never carry card numbers or request data beyond the closed sets named here.

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Engine, ReadModelLag } from '../engine/index.js';

export interface Metrics {
  registry: Registry;
  decisions: Counter<'op' | 'result' | 'reason'>;
  latency: Histogram<'op'>;
}

/** What the metrics read of the read model (engine/read-model). */
export interface ReadModelGauges {
  lag(): ReadModelLag;
  readonly connected: boolean;
  readonly refused: number;
}

export function createMetrics(engine: Engine, readModel?: ReadModelGauges): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'tessera_process_' });
  const decisions = new Counter({
    name: 'tessera_decisions_total',
    help: 'Replies sent to terminals, by operation, result and reason code.',
    labelNames: ['op', 'result', 'reason'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'tessera_decision_seconds',
    help: 'Time from receiving a request to sending its reply (after the flush), by operation.',
    labelNames: ['op'] as const,
    buckets: [0.0001, 0.00025, 0.0005, 0.00075, 0.001, 0.0025, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  });
  const batch = new Histogram({
    name: 'tessera_commit_batch_writes',
    help: 'Writes made durable by one LMDB flush (group commit batch size).',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096],
    registers: [registry],
  });
  engine.store.onBatchFlushed((writes) => batch.observe(writes));
  new Gauge({
    name: 'tessera_open_holds',
    help: 'Authorisation holds placed and not yet completed, reversed or expired.',
    registers: [registry],
    collect() {
      this.set(engine.store.openHoldCount());
    },
  });
  new Gauge({
    name: 'tessera_live_actors',
    help: 'Actors in memory (the rest are passivated and recover on their next message).',
    registers: [registry],
    collect() {
      this.set(engine.registry.liveActors);
    },
  });
  new Gauge({
    name: 'tessera_requests_in_flight',
    help: 'Requests received and not yet answered.',
    registers: [registry],
    collect() {
      this.set(engine.requestsInFlight);
    },
  });
  if (readModel !== undefined) {
    new Gauge({
      name: 'tessera_read_model_lag_positions',
      help: 'Journal events on disk and not yet in the PostgreSQL read model.',
      registers: [registry],
      collect() {
        this.set(readModel.lag().positions);
      },
    });
    new Gauge({
      name: 'tessera_read_model_lag_seconds',
      help: 'Age of the oldest journal event not yet in the PostgreSQL read model (0 when caught up).',
      registers: [registry],
      collect() {
        this.set(readModel.lag().seconds);
      },
    });
    new Gauge({
      name: 'tessera_read_model_connected',
      help: 'Whether the read model projector\'s last attempt to write to PostgreSQL succeeded (1) or not (0).',
      registers: [registry],
      collect() {
        this.set(readModel.connected ? 1 : 0);
      },
    });
    new Gauge({
      name: 'tessera_read_model_refused_events',
      help: 'Events the read model refused and set aside (readmodel.refused_events) since this process started: alert on any.',
      registers: [registry],
      collect() {
        this.set(readModel.refused);
      },
    });
  }
  alertMetrics(engine, registry);
  return { registry, decisions, latency };
}

/** Alerts (engine.alerts): counters read from the engine's own totals at each scrape. */
function alertMetrics(engine: Engine, registry: Registry): void {
  new Counter({
    name: 'tessera_alerts_raised_total',
    help: 'Alerts raised by the alert rules, by rule and severity (since the engine started).',
    labelNames: ['rule', 'severity'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const entry of engine.alerts.stats().raised) this.inc({ rule: entry.rule, severity: entry.severity }, entry.count);
    },
  });
  new Counter({
    name: 'tessera_alerts_suppressed_total',
    help: 'Alerts held back because one with the same rule and subject was raised within its dedup window.',
    labelNames: ['rule'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const entry of engine.alerts.stats().suppressed) this.inc({ rule: entry.rule }, entry.count);
    },
  });
  new Counter({
    name: 'tessera_alert_deliveries_total',
    help: 'Alert delivery attempts by channel (webhook, email) and result (delivered, retried, failed).',
    labelNames: ['channel', 'result'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const entry of engine.alerts.stats().deliveries) this.inc({ channel: entry.channel, result: entry.result }, entry.count);
    },
  });
  new Gauge({
    name: 'tessera_alert_deliveries_pending',
    help: 'Alert deliveries waiting for their next attempt.',
    registers: [registry],
    collect() {
      this.set(engine.alerts.stats().deliveriesPending);
    },
  });
  new Gauge({
    name: 'tessera_alerts_unresolved',
    help: 'Alerts raised and not yet resolved (open or acknowledged).',
    registers: [registry],
    collect() {
      this.set(engine.alerts.stats().unresolved);
    },
  });
  new Gauge({
    name: 'tessera_alert_queue_events',
    help: 'Committed events the alert rules have not evaluated yet (their queue depth).',
    registers: [registry],
    collect() {
      this.set(engine.alerts.stats().lagPositions);
    },
  });
  new Gauge({
    name: 'tessera_alert_lag_seconds',
    help: 'Age of the oldest committed event the alert rules have not evaluated yet (0 when caught up).',
    registers: [registry],
    collect() {
      this.set(engine.alerts.stats().lagSeconds);
    },
  });
  new Counter({
    name: 'tessera_alert_queue_overflows_total',
    help: 'Committed events not queued for the alert rules because the queue was full (read back from the journal instead).',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(engine.alerts.stats().overflowed);
    },
  });
}
