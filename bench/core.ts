// Core throughput in process: a real Engine on a temporary directory (durable group commit: every
// reply waits for LMDB's flush), fed authorisations straight through `submit` — no codec, no
// validation, no transport — from many terminals and cards, with a bounded number in flight.
// A warm-up pass spawns actors first; then each in-flight level runs N requests; a closed loop with
// one in flight gives the service time. Afterwards part of the approvals are completed and the
// engine's open holds must equal the approvals not completed.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine, networkDocumentSchema } from '../engine/index.js';
import type { Reply } from '../engine/index.js';
import type { BenchNetworkSize } from './network.js';
import { benchCardNumber, benchNetwork, benchProduct, benchRequestAmount, benchTerminalId } from './network.js';
import type { ScenarioResult } from './stats.js';
import { LatencyRecorder, LoopDelay, countOutcome, cpuPercent, ownCpuMicros, perSecond, rssMB, seededRandom } from './stats.js';

export interface CoreOptions {
  network: BenchNetworkSize;
  /** Requests run before measuring (not reported), at the first in-flight level. */
  warmupRequests: number;
  /** In-flight levels to measure, e.g. [256, 1024]. */
  inFlight: number[];
  requestsPerRun: number;
  /** Requests of the closed loop with one in flight (service time); 0 skips it. */
  serviceRequests: number;
  /** Approvals completed at the end for the open-hold check. */
  completeCount: number;
  seed?: number;
  /** Where the LMDB environment goes (default: a fresh temporary directory, removed afterwards). */
  dataDir?: string;
  /** Give up on a run when no reply arrives for this long. */
  stallTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface CoreChecks {
  approvals: number;
  completed: number;
  openHolds: number;
  expectedOpenHolds: number;
  requestsInFlightAfter: number;
}

export interface CoreReport {
  network: BenchNetworkSize & { importMs: number; dataDir: string };
  scenarios: ScenarioResult[];
  checks: CoreChecks;
  violations: string[];
}

interface ApprovedHold {
  authId: string;
  terminalId: string;
  approvedAmount: number;
}

interface RunPlan {
  label: string;
  inFlight: number;
  requests: number;
}

interface RunOutcome {
  result: ScenarioResult;
  approvals: ApprovedHold[];
}

const benchSecret = Buffer.alloc(32, 0x5e);
/** Completions kept in flight at the end (well under the engine's bound of requests in flight). */
const completesInFlight = 256;

export async function runCore(options: CoreOptions): Promise<CoreReport> {
  const log = options.log ?? (() => undefined);
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'tessera-bench-core-'));
  const engine = new Engine({ dataDir, cardSecret: benchSecret, schedulers: false, onFatal: (error) => log(`engine fatal: ${String(error)}`) });
  try {
    const started = performance.now();
    const document = networkDocumentSchema.parse(benchNetwork(options.network));
    await engine.import(document);
    const importMs = Math.round(performance.now() - started);
    log(`core: imported ${options.network.cards} cards, ${options.network.accounts} accounts, ${options.network.terminals} terminals in ${importMs} ms`);

    const commits = { flushReports: 0, writes: 0 };
    engine.store.onBatchFlushed((writes) => {
      commits.flushReports++;
      commits.writes += writes;
    });
    const random = seededRandom(options.seed ?? 42);
    const run = (plan: RunPlan): Promise<RunOutcome> => driveEngine(engine, plan, options, random, commits);

    const scenarios: ScenarioResult[] = [];
    const approvals: ApprovedHold[] = [];
    const violations: string[] = [];
    let approvedTotal = 0;
    const keep = (outcome: RunOutcome): void => {
      approvedTotal += outcome.result.approvals;
      violations.push(...outcome.result.violations);
      for (const approval of outcome.approvals) if (approvals.length < options.completeCount) approvals.push(approval);
    };

    if (options.warmupRequests > 0) {
      const warm = await run({ label: 'warm', inFlight: options.inFlight[0] ?? 256, requests: options.warmupRequests });
      keep(warm);
      log(`core: warm-up ${warm.result.replies} replies, ${warm.result.throughput} /s`);
    }
    for (const inFlight of options.inFlight) {
      const outcome = await run({ label: `k${inFlight}`, inFlight, requests: options.requestsPerRun });
      keep(outcome);
      scenarios.push(outcome.result);
      log(`core: ${inFlight} in flight → ${outcome.result.throughput} auth/s, p99 ${outcome.result.latency.p99} ms`);
    }
    if (options.serviceRequests > 0) {
      const outcome = await run({ label: 'k1', inFlight: 1, requests: options.serviceRequests });
      keep(outcome);
      scenarios.push(outcome.result);
      log(`core: 1 in flight → ${outcome.result.throughput} auth/s, p50 ${outcome.result.latency.p50} ms`);
    }

    // Complete part of the approvals, then holds still open must be exactly the others. A bounded
    // number at a time: past the engine's in-flight bound it would answer UNAVAILABLE.
    let completed = 0;
    let next = 0;
    const completeOne = (): Promise<void> => {
      const index = next++;
      const approval = approvals[index];
      if (approval === undefined) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const id = `done-${index}`;
        const amount = Math.max(1, Math.floor(approval.approvedAmount / 2));
        engine.submit(approval.terminalId, { op: 'complete', request: { id, authId: approval.authId, amount } }, (reply) => {
          if (reply.id !== id && violations.length < 20) violations.push(`complete ${id}: reply for ${reply.id}`);
          if (reply.result === 'approved') completed++;
          else if (violations.length < 20) violations.push(`complete ${id}: ${reply.result} ${reply.reason}`);
          resolve();
        });
      }).then(completeOne);
    };
    await Promise.all(Array.from({ length: Math.min(completesInFlight, approvals.length) }, completeOne));
    await engine.store.flushed();
    const openHolds = engine.store.openHoldCount();
    const checks: CoreChecks = { approvals: approvedTotal, completed, openHolds, expectedOpenHolds: approvedTotal - completed, requestsInFlightAfter: engine.requestsInFlight };
    if (openHolds !== checks.expectedOpenHolds) violations.push(`open holds ${openHolds} ≠ approvals ${approvedTotal} − completed ${completed}`);
    if (engine.requestsInFlight !== 0) violations.push(`${engine.requestsInFlight} requests still in flight after the runs`);
    log(`core: ${approvedTotal} approvals, ${completed} completed, ${openHolds} holds open`);
    return { network: { ...options.network, importMs, dataDir }, scenarios, checks, violations };
  } finally {
    await engine.close();
    if (ownDir) rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Submits `plan.requests` authorisations keeping `plan.inFlight` outstanding; resolves after the last reply. */
function driveEngine(engine: Engine, plan: RunPlan, options: CoreOptions, random: () => number, commits: { flushReports: number; writes: number }): Promise<RunOutcome> {
  const { cards, terminals } = options.network;
  const total = plan.requests;
  const replied = new Uint8Array(total);
  const recorder = new LatencyRecorder();
  const loop = new LoopDelay();
  const outcomes: Record<string, number> = {};
  const violations: string[] = [];
  const approvals: ApprovedHold[] = [];
  const violation = (text: string): void => {
    if (violations.length < 20) violations.push(`core ${plan.label}: ${text}`);
  };
  let sent = 0;
  let done = 0;
  let approved = 0;
  let lastProgress = performance.now();
  const commitsBefore = { ...commits };
  const cpuBefore = ownCpuMicros();
  loop.start();
  const started = performance.now();

  return new Promise<RunOutcome>((resolve, reject) => {
    const watchdog = setInterval(() => {
      if (performance.now() - lastProgress > (options.stallTimeoutMs ?? 30_000)) {
        clearInterval(watchdog);
        loop.stopP99Ms();
        reject(new Error(`core ${plan.label}: no reply for ${options.stallTimeoutMs ?? 30_000} ms (${done}/${total} answered)`));
      }
    }, 1_000);
    const finish = (): void => {
      clearInterval(watchdog);
      const wallMs = performance.now() - started;
      const eventLoopDelayP99Ms = loop.stopP99Ms();
      const flushReports = commits.flushReports - commitsBefore.flushReports;
      const writes = commits.writes - commitsBefore.writes;
      const missing = replied.reduce((count, value) => count + (value === 0 ? 1 : 0), 0);
      if (missing > 0) violation(`${missing} requests without a reply`);
      resolve({
        approvals,
        result: {
          system: 'engine-core',
          mode: 'closed',
          inFlight: plan.inFlight,
          durationS: Math.round(wallMs) / 1000,
          sent,
          replies: done,
          throughput: perSecond(done, wallMs),
          latency: recorder.summary(),
          timeouts: 0,
          outcomes,
          approvals: approved,
          eventLoopDelayP99Ms,
          processes: { engine: { cpuPercent: cpuPercent(ownCpuMicros() - cpuBefore, wallMs), rssMB: rssMB() } },
          commits: { flushReports, writes, writesPerFlush: flushReports > 0 ? Math.round((writes / flushReports) * 10) / 10 : 0 },
          violations,
        },
      });
    };
    const submitNext = (): void => {
      const index = sent++;
      const id = `${plan.label}-${index}`;
      const terminalId = benchTerminalId(Math.floor(random() * terminals));
      const card = benchCardNumber(Math.floor(random() * cards));
      const at = performance.now();
      engine.submit(terminalId, { op: 'authorize', request: { id, card, product: benchProduct, amount: benchRequestAmount } }, (reply: Reply) => {
        const now = performance.now();
        lastProgress = now;
        recorder.recordMs(now - at);
        if (replied[index] === 1) violation(`request ${id} answered twice`);
        replied[index] = 1;
        if (reply.id !== id) violation(`request ${id} answered with id ${reply.id}`);
        countOutcome(outcomes, reply.result, reply.reason);
        if (reply.result === 'approved') {
          approved++;
          const authId = reply['authId'];
          const approvedAmount = reply['approvedAmount'];
          if (typeof authId !== 'string' || typeof approvedAmount !== 'number' || approvedAmount <= 0 || approvedAmount > benchRequestAmount) {
            violation(`approval ${id} without a valid authId/approvedAmount`);
          } else if (approvals.length < options.completeCount) {
            approvals.push({ authId, terminalId, approvedAmount });
          }
        }
        done++;
        if (sent < total) submitNext();
        else if (done === total) finish();
      });
    };
    const first = Math.min(plan.inFlight, total);
    if (first === 0) finish();
    for (let count = 0; count < first; count++) submitNext();
  });
}
