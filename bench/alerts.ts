// The alert rules' cost to decisions: the engine in process (durable group commit) with every alert
// rule on against the same engine with alerts off, in the same run, on the same network and the same
// seeded stream, after a warm-up of both, runs interleaved (off, on, on, off, …). Each run is an open-loop step at a fixed
// rate — latency from each request's intended send time — then a closed loop (capacity). A flow is an
// authorisation and, when approved, its completion: both decisions count. Every rule is on at its
// defaults; the network has located sites, opening hours and tanks, so travel (the bench's cards hop
// between sites), tank, velocity and limit usage fire; the periodic rules are swept during the run.
// Reported: the ratios all-rules ÷ none of p50, p99 and throughput (1.0: no cost), and what the rules
// did (events evaluated, alerts raised, the evaluation's lag after the run).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine, networkDocumentSchema } from '../engine/index.js';
import type { NetworkDocument, Reply } from '../engine/index.js';
import type { BenchNetworkSize } from './network.js';
import { benchCardNumber, benchNetwork, benchProduct, benchTerminalId } from './network.js';
import type { LatencySummary } from './stats.js';
import { LatencyRecorder, median, ownCpuMicros, perSecond, seededRandom } from './stats.js';

export interface AlertsBenchOptions {
  network: BenchNetworkSize;
  /** Open-loop rate (flows per second) and how long each step sends. */
  rate: number;
  durationMs: number;
  /** Closed loop: flows kept in flight and flows per run. */
  inFlight: number;
  closedFlows: number;
  repeats: number;
  seed?: number;
  log?: (line: string) => void;
}

export const alertModes = ['none', 'all'] as const;
export type AlertMode = (typeof alertModes)[number];

export interface AlertsRun {
  mode: AlertMode;
  repeat: number;
  open: { rate: number; sent: number; replies: number; latency: LatencySummary };
  closed: { inFlight: number; replies: number; throughput: number; latency: LatencySummary };
  /** CPU time of this process per flow over both loops (µs): less noisy than latency on a shared machine. */
  cpuMicrosPerFlow: number;
  /** What the rules did in the run (zero with alerts off). */
  evaluated: number;
  alertsRaised: number;
  /** After the last reply: how long the rules took to catch up (ms; not decision latency). */
  catchUpMs: number;
  violations: string[];
}

export interface AlertsBenchReport {
  network: BenchNetworkSize;
  rate: number;
  runs: AlertsRun[];
  /** all ÷ none, medians over the repeats (latency above 1: slower with the rules; throughput below 1: less). */
  ratios: { openP50: number; openP99: number; closedP50: number; closedP99: number; closedThroughput: number; cpuPerFlow: number };
  violations: string[];
}

const secret = Buffer.alloc(32, 0xa1);
/** Each flow asks for 1,000 ₽ (20 l at the bench price): large enough to cross the thresholds below. */
const flowAmount = 100_000;

/** The bench network with every alert rule on and thresholds that fire: located sites, hours, tanks. */
export function alertsBenchNetwork(size: BenchNetworkSize): NetworkDocument {
  const document = benchNetwork(size);
  return {
    ...document,
    sites: document.sites?.map((site, index) => ({ ...site, lat: 55_000_000 + (index % 50) * 40_000, lon: 37_000_000 + Math.floor(index / 50) * 40_000, openingHours: '06:00-23:00' })),
    cards: document.cards?.map((card, index) => ({ ...card, tankLitres: index % 3 === 0 ? 15 : 60 })),
    // Every rule on at its defaults (travel needs located sites, tank the cards' tanks).
    alerts: { rules: { travel: { enabled: true } } },
  };
}

export async function runAlertsBench(options: AlertsBenchOptions): Promise<AlertsBenchReport> {
  const log = options.log ?? (() => undefined);
  const document = networkDocumentSchema.parse(alertsBenchNetwork(options.network));
  const runs: AlertsRun[] = [];
  // Warm-up of both modes, not reported: the first engine of a process pays for the JIT.
  const warm = { ...options, durationMs: Math.max(200, options.durationMs / 4), closedFlows: Math.max(200, Math.floor(options.closedFlows / 4)) };
  for (const mode of alertModes) await runOne(mode, 0, document, warm);
  for (let repeat = 1; repeat <= options.repeats; repeat++) {
    // ABBA: none first in odd repeats, all first in even ones, so neither always runs on a warmer heap.
    for (const mode of repeat % 2 === 1 ? alertModes : [...alertModes].reverse()) {
      const run = await runOne(mode, repeat, document, options);
      runs.push(run);
      log(
        `alerts ${mode} #${repeat}: open ${run.open.rate}/s p50 ${run.open.latency.p50} ms p99 ${run.open.latency.p99} ms; closed ${run.closed.throughput}/s p99 ${run.closed.latency.p99} ms; ${run.cpuMicrosPerFlow} µs CPU/flow; ${run.evaluated} events evaluated, ${run.alertsRaised} alerts, caught up ${run.catchUpMs} ms after`,
      );
    }
  }
  const ratio = (pick: (run: AlertsRun) => number): number => {
    const none = median(runs.filter((run) => run.mode === 'none').map(pick));
    const all = median(runs.filter((run) => run.mode === 'all').map(pick));
    return none > 0 ? Math.round((all / none) * 1000) / 1000 : 0;
  };
  const violations = runs.flatMap((run) => run.violations);
  return {
    network: options.network,
    rate: options.rate,
    runs,
    ratios: {
      openP50: ratio((run) => run.open.latency.p50),
      openP99: ratio((run) => run.open.latency.p99),
      closedP50: ratio((run) => run.closed.latency.p50),
      closedP99: ratio((run) => run.closed.latency.p99),
      closedThroughput: ratio((run) => run.closed.throughput),
      cpuPerFlow: ratio((run) => run.cpuMicrosPerFlow),
    },
    violations,
  };
}

async function runOne(mode: AlertMode, repeat: number, document: NetworkDocument, options: AlertsBenchOptions): Promise<AlertsRun> {
  const dataDir = mkdtempSync(join(tmpdir(), `tessera-bench-alerts-${mode}-`));
  const engine = new Engine({ dataDir, cardSecret: secret, schedulers: false, alerts: mode === 'none' ? false : { sweep: false } });
  const violations: string[] = [];
  const violation = (text: string): void => {
    if (violations.length < 20) violations.push(`alerts ${mode} #${repeat}: ${text}`);
  };
  const random = seededRandom((options.seed ?? 7) + repeat);
  let sequence = 0;
  const sweeper = mode === 'all' ? setInterval(() => engine.alerts.sweep(), 100) : undefined;
  try {
    await engine.import(document);
    /** One flow: an authorisation and, when approved, its completion; calls back with both latencies. */
    const flow = (intendedAt: number, record: LatencyRecorder, done: () => void): void => {
      const card = benchCardNumber(Math.floor(random() * options.network.cards));
      const terminal = benchTerminalId(Math.floor(random() * options.network.terminals));
      const id = `${mode}-${repeat}-${++sequence}`;
      engine.submit(terminal, { op: 'authorize', request: { id, card, product: benchProduct, amount: flowAmount } }, (reply: Reply) => {
        const now = performance.now();
        record.recordMs(now - intendedAt);
        if (reply.id !== id) violation(`${id} answered as ${reply.id}`);
        if (reply.result !== 'approved') {
          if (reply.reason !== 'LIMIT_EXCEEDED') violation(`${id}: ${reply.result} ${reply.reason}`);
          done();
          return;
        }
        const volume = Math.max(1_000, Math.floor(Number(reply['approvedVolume'] ?? 0) * (0.5 + random() / 2)));
        engine.submit(terminal, { op: 'complete', request: { id: `${id}-c`, authId: String(reply['authId']), volume } }, (completion: Reply) => {
          record.recordMs(performance.now() - now);
          if (completion.result !== 'approved') violation(`${id}-c: ${completion.result} ${completion.reason}`);
          done();
        });
      });
    };

    // Open loop: flows sent on schedule, latency from the intended send time.
    const cpuBefore = ownCpuMicros();
    const open = new LatencyRecorder();
    const intervalMs = 1000 / options.rate;
    const total = Math.max(1, Math.round((options.rate * options.durationMs) / 1000));
    let sent = 0;
    let finished = 0;
    await new Promise<void>((resolve) => {
      const started = performance.now();
      const tick = (): void => {
        const now = performance.now();
        while (sent < total && started + sent * intervalMs <= now) flow(started + sent++ * intervalMs, open, () => ++finished === total && resolve());
        if (sent < total) setTimeout(tick, 1);
      };
      tick();
    });

    // Closed loop: capacity at a fixed number of flows in flight.
    const closed = new LatencyRecorder();
    let closedSent = 0;
    let closedDone = 0;
    const closedStarted = performance.now();
    await new Promise<void>((resolve) => {
      const next = (): void => {
        if (closedSent >= options.closedFlows) return;
        closedSent++;
        flow(performance.now(), closed, () => {
          if (++closedDone === options.closedFlows) resolve();
          else next();
        });
      };
      for (let index = 0; index < Math.min(options.inFlight, options.closedFlows); index++) next();
    });
    const closedMs = performance.now() - closedStarted;
    const cpuMicrosPerFlow = Math.round((ownCpuMicros() - cpuBefore) / (total + options.closedFlows));

    const caughtUp = performance.now();
    await engine.alerts.idle();
    const catchUpMs = Math.round(performance.now() - caughtUp);
    const stats = engine.alerts.stats();
    const alertsRaised = stats.raised.reduce((sum, entry) => sum + entry.count, 0);
    if (mode === 'all' && alertsRaised === 0) violation('the rules raised no alert');
    if (mode === 'none' && (alertsRaised > 0 || stats.evaluated > 0)) violation('alerts evaluated with alerts off');
    if (engine.requestsInFlight !== 0) violation(`${engine.requestsInFlight} requests in flight after the run`);
    const closedSummary = closed.summary();
    return {
      mode,
      repeat,
      open: { rate: options.rate, sent: total, replies: open.summary().count, latency: open.summary() },
      closed: { inFlight: options.inFlight, replies: closedSummary.count, throughput: perSecond(closedSummary.count, closedMs), latency: closedSummary },
      cpuMicrosPerFlow,
      evaluated: stats.evaluated,
      alertsRaised,
      catchUpMs,
      violations,
    };
  } finally {
    if (sweeper !== undefined) clearInterval(sweeper);
    await engine.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
