// Projection lag at a sustained rate (part `lag`): the engine in process (durable group commit, as
// `core`) with the read model as `tessera serve` runs it — a projector fed by the engine's commits,
// writing to PostgreSQL (a server database of its own when one answers, else PGlite in the engine's
// data directory). First the engine's own capacity, in the same run, with the read model not yet
// started: a closed loop of flows (an authorisation and, when approved, its completion — both are
// decisions, both journal events the feed shows). Then the read model is started and caught up
// (the network's reference tables), and flows are offered open loop at `rateFraction` of that
// capacity for `durationMs`, `projector.lag()` sampled every 100 ms. Reported: the lag's max and p99
// (seconds and positions), the projector's events/s over the window, how long it took to catch up
// after the last reply, the decisions' latency with the projector beside them. Target: lag < 1 s.
// Checked afterwards: every journal event is in `readmodel.events`, one operation per completion.

import { mkdtempSync, rmSync } from 'node:fs';
import type pg from 'pg';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine, networkDocumentSchema } from '../engine/index.js';
import type { Reply } from '../engine/index.js';
import { startReadModel } from '../engine/testing/index.js';
import type { ReadModel } from '../engine/testing/index.js';
import type { BenchNetworkSize } from './network.js';
import { benchCardNumber, benchNetwork, benchProduct, benchTerminalId } from './network.js';
import { readModelTarget } from './postgres.js';
import type { LatencySummary } from './stats.js';
import { LatencyRecorder, cpuPercent, ownCpuMicros, perSecond, procGroupUsage, seededRandom } from './stats.js';

export interface LagBenchOptions {
  network: BenchNetworkSize;
  /** Closed-loop calibration: flows in flight and how long. */
  calibrationInFlight: number;
  calibrationWarmupMs: number;
  calibrationMs: number;
  /** The offered rate as a fraction of the calibrated capacity (flows/s). */
  rateFraction: number;
  /** Or a fixed rate in flows/s (overrides the fraction). */
  rate?: number;
  durationMs: number;
  sampleEveryMs: number;
  database: 'auto' | 'postgres' | 'embedded';
  seed?: number;
  log?: (line: string) => void;
}

export interface LagBenchReport {
  database: { kind: 'postgres' | 'embedded'; version: string };
  network: BenchNetworkSize;
  /** The engine alone, closed loop: flows/s and decisions/s. */
  capacity: { inFlight: number; flowsPerSecond: number; decisionsPerSecond: number; latency: LatencySummary };
  /** Reference tables projected before the load (ms until caught up after the start). */
  initialCatchUpMs: number;
  offered: { flowsPerSecond: number; fraction: number | undefined; durationS: number };
  achieved: { flowsPerSecond: number; decisionsPerSecond: number; latency: LatencySummary; errors: number };
  /** Journal positions written and projected over the window. */
  eventsPerSecond: { journal: number; projected: number };
  lag: { samples: number; maxSeconds: number; p99Seconds: number; p50Seconds: number; maxPositions: number; p99Positions: number };
  /** After the last reply: until every event was projected. */
  catchUpMs: number;
  /** This process's CPU (engine and projector) over the window, percent of one core. */
  cpuPercent: number;
  /** The read model's PostgreSQL backends over the window (a local server; PGlite runs in this process). */
  postgresCpuPercent?: number;
  targetSeconds: number;
  withinTarget: boolean;
  violations: string[];
}

export const lagTargetSeconds = 1;
const secret = Buffer.alloc(32, 0x7d);
/** 1,000 ₽ a flow: the bench balances never run out, a limited card meets its day limit after ten. */
const flowAmount = 100_000;

const silentLog = { info: () => undefined, warn: () => undefined, error: () => undefined };

export async function runLagBench(options: LagBenchOptions): Promise<LagBenchReport> {
  const log = options.log ?? (() => undefined);
  const target = await readModelTarget('lag', options.database);
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-bench-lag-'));
  const engine = new Engine({ dataDir, cardSecret: secret, schedulers: false, alerts: false, onFatal: (error) => log(`lag: engine fatal ${String(error)}`) });
  let readModel: ReadModel | undefined;
  const violations: string[] = [];
  const violation = (text: string): void => {
    if (violations.length < 20) violations.push(`lag: ${text}`);
  };
  try {
    await engine.import(networkDocumentSchema.parse(benchNetwork(options.network)));
    const random = seededRandom(options.seed ?? 11);
    let sequence = 0;
    let completions = 0;
    let errors = 0;
    /** One flow: an authorisation and, when approved, its completion; both latencies recorded. */
    const flow = (intendedAt: number, record: LatencyRecorder | undefined, done: () => void): void => {
      const card = benchCardNumber(Math.floor(random() * options.network.cards));
      const terminal = benchTerminalId(Math.floor(random() * options.network.terminals));
      const id = `lag-${++sequence}`;
      engine.submit(terminal, { op: 'authorize', request: { id, card, product: benchProduct, amount: flowAmount } }, (reply: Reply) => {
        const now = performance.now();
        record?.recordMs(now - intendedAt);
        if (reply.result !== 'approved') {
          if (reply.reason !== 'LIMIT_EXCEEDED') errors++;
          done();
          return;
        }
        engine.submit(terminal, { op: 'complete', request: { id: `${id}-c`, authId: String(reply['authId']), amount: Number(reply['approvedAmount'] ?? 0) } }, (completion: Reply) => {
          record?.recordMs(performance.now() - now);
          if (completion.result === 'approved') completions++;
          else errors++;
          done();
        });
      });
    };

    // 1. The engine's capacity, alone (after a warm-up of the same loop: actors spawned, JIT warm).
    const closedLoop = async (durationMs: number): Promise<LagBenchReport['capacity']> => {
      const capacityRecorder = new LatencyRecorder();
      const calibrationStarted = performance.now();
      let calibrationFlows = 0;
      await new Promise<void>((resolve) => {
        let open = 0;
        const until = calibrationStarted + durationMs;
        const next = (): void => {
          if (performance.now() >= until) {
            if (open === 0) resolve();
            return;
          }
          open++;
          flow(performance.now(), capacityRecorder, () => {
            open--;
            calibrationFlows++;
            next();
          });
        };
        for (let index = 0; index < options.calibrationInFlight; index++) next();
      });
      const wallMs = performance.now() - calibrationStarted;
      const summary = capacityRecorder.summary();
      return { inFlight: options.calibrationInFlight, flowsPerSecond: perSecond(calibrationFlows, wallMs), decisionsPerSecond: perSecond(summary.count, wallMs), latency: summary };
    };
    await closedLoop(options.calibrationWarmupMs);
    const capacity = await closedLoop(options.calibrationMs);
    log(`lag: engine alone ${capacity.flowsPerSecond} flows/s (${capacity.decisionsPerSecond} decisions/s) at ${options.calibrationInFlight} in flight`);

    // 2. The read model, caught up with what is there (the import's reference tables, the calibration's events).
    const started = performance.now();
    readModel = startReadModel(engine, { databaseUrl: target.databaseUrl, dataDir }, silentLog);
    await readModel.database.ready;
    await readModel.projector.caughtUp();
    const initialCatchUpMs = Math.round(performance.now() - started);
    const version = target.kind === 'postgres' ? target.version : String((await readModel.database.pool.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]?.v ?? 'PGlite');
    log(`lag: read model (${target.kind}) caught up in ${initialCatchUpMs} ms`);

    // 3. Open loop at the sustained rate, the lag sampled.
    const rate = options.rate ?? Math.max(1, Math.round(capacity.flowsPerSecond * options.rateFraction));
    const projector = readModel.projector;
    const lagSeconds: number[] = [];
    const lagPositions: number[] = [];
    const sampler = setInterval(() => {
      const lag = projector.lag();
      lagSeconds.push(lag.seconds);
      lagPositions.push(lag.positions);
    }, options.sampleEveryMs);
    const recorder = new LatencyRecorder();
    const journalBefore = engine.store.lastPosition;
    const projectedBefore = projector.position;
    const backends = await backendPids(readModel.database.pool);
    const backendCpuBefore = procGroupUsage(backends).cpuMicros;
    const cpuBefore = ownCpuMicros();
    const errorsBefore = errors;
    const intervalMs = 1000 / rate;
    const total = Math.max(1, Math.round((rate * options.durationMs) / 1000));
    let sent = 0;
    let finished = 0;
    const windowStarted = performance.now();
    await new Promise<void>((resolve) => {
      const tick = (): void => {
        const now = performance.now();
        while (sent < total && windowStarted + sent * intervalMs <= now) flow(windowStarted + sent++ * intervalMs, recorder, () => ++finished === total && resolve());
        if (sent < total) setTimeout(tick, 1);
      };
      tick();
    });
    const windowMs = performance.now() - windowStarted;
    const journalAfter = engine.store.lastPosition;
    const projectedAfter = projector.position;
    const cpu = cpuPercent(ownCpuMicros() - cpuBefore, windowMs);
    const postgresCpu = backends.length > 0 ? cpuPercent(procGroupUsage(backends).cpuMicros - backendCpuBefore, windowMs) : undefined;
    const lastReply = performance.now();
    await engine.store.flushed();
    projector.advanceHead(engine.store.lastPosition);
    await projector.caughtUp();
    const catchUpMs = Math.round(performance.now() - lastReply);
    clearInterval(sampler);
    const lagNow = projector.lag();
    lagSeconds.push(lagNow.seconds);
    lagPositions.push(lagNow.positions);

    // 4. Every journal event projected; one feed row per completion.
    const pool = readModel.database.pool;
    const counted = await pool.query<{ events: number; operations: number; last: number }>(
      "SELECT (SELECT count(*)::int FROM readmodel.events) AS events, (SELECT count(*)::int FROM readmodel.operations WHERE kind = 'fuel') AS operations, (SELECT coalesce(max(position), 0)::int FROM readmodel.events) AS last",
    );
    const row = counted.rows[0];
    if (row?.last !== engine.store.lastPosition) violation(`the read model's last event is ${row?.last}, the journal's ${engine.store.lastPosition}`);
    if (row?.events !== engine.store.lastPosition) violation(`${row?.events} events in the read model, ${engine.store.lastPosition} in the journal`);
    if (row?.operations !== completions) violation(`${row?.operations} fuel operations in the feed, ${completions} completions approved`);

    const quantile = (values: readonly number[], q: number): number => {
      const sorted = [...values].sort((a, b) => a - b);
      return sorted.length === 0 ? 0 : (sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0);
    };
    const round = (value: number): number => Math.round(value * 1000) / 1000;
    const latency = recorder.summary();
    const lag = {
      samples: lagSeconds.length,
      maxSeconds: round(Math.max(0, ...lagSeconds)),
      p99Seconds: round(quantile(lagSeconds, 0.99)),
      p50Seconds: round(quantile(lagSeconds, 0.5)),
      maxPositions: Math.max(0, ...lagPositions),
      p99Positions: quantile(lagPositions, 0.99),
    };
    const report: LagBenchReport = {
      database: { kind: target.kind, version },
      network: options.network,
      capacity,
      initialCatchUpMs,
      offered: { flowsPerSecond: rate, fraction: options.rate === undefined ? options.rateFraction : undefined, durationS: Math.round(windowMs) / 1000 },
      achieved: { flowsPerSecond: perSecond(finished, windowMs), decisionsPerSecond: perSecond(latency.count, windowMs), latency, errors: errors - errorsBefore },
      eventsPerSecond: { journal: perSecond(journalAfter - journalBefore, windowMs), projected: perSecond(projectedAfter - projectedBefore, windowMs) },
      lag,
      catchUpMs,
      cpuPercent: cpu,
      ...(postgresCpu !== undefined ? { postgresCpuPercent: postgresCpu } : {}),
      targetSeconds: lagTargetSeconds,
      withinTarget: lag.maxSeconds < lagTargetSeconds,
      violations,
    };
    log(
      `lag: ${rate} flows/s offered for ${report.offered.durationS} s (${report.achieved.decisionsPerSecond} decisions/s, p99 ${latency.p99} ms); journal ${report.eventsPerSecond.journal} events/s, projected ${report.eventsPerSecond.projected}/s; lag max ${lag.maxSeconds} s (${lag.maxPositions} positions), p99 ${lag.p99Seconds} s; caught up ${catchUpMs} ms after the last reply`,
    );
    return report;
  } finally {
    await readModel?.stop();
    await engine.close();
    await target.drop().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The process ids of the server backends serving this database (the projector's connection among them). */
async function backendPids(pool: pg.Pool): Promise<number[]> {
  try {
    const { rows } = await pool.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend'");
    return rows.map((row) => row.pid);
  } catch {
    return [];
  }
}
