// Over a real nats-server, side by side in one run, one system at a time (the other stopped):
//   E  — the engine, `serve()` in a process of its own (bench/engine-process.ts), bench network loaded;
//   T0 — a nats.js responder in a process of its own answering a fixed msgpack reply (bench/echo-process.ts).
// The load generator is this process: one NATS connection, one wildcard inbox subscription, its own
// request multiplexing (no timer or promise per request). Closed loop with K in flight for a fixed
// time gives the maximum rate; open loop at fixed rates measures latency from each request's
// *intended* send time, so a stalled system cannot slow the generator down (no coordinated omission).
// After E's runs the engine's open holds must equal the approvals the generator saw.

import { connect, createInbox } from 'nats';
import type { Msg, NatsConnection, Subscription } from 'nats';
import { pack, unpack } from 'msgpackr';
import type { BenchNetworkSize } from './network.js';
import { benchCardNumber, benchProduct, benchRequestAmount, benchTerminalId } from './network.js';
import type { ResponderHandle, ResponderStats } from './processes.js';
import { startResponder } from './processes.js';
import type { ProcessUsage, ScenarioResult } from './stats.js';
import { LatencyRecorder, LoopDelay, countOutcome, cpuPercent, ownCpuMicros, perSecond, procCpuMicros, rssMB, seededRandom, sleep } from './stats.js';
import { natsForTests } from '../test/support/nats.js';
import type { NatsServerHandle } from '../test/support/nats.js';

export type NatsSystem = 'engine' | 'echo';

export interface NatsOptions {
  network: BenchNetworkSize;
  /** Closed-loop in-flight levels, e.g. [16, 128]. */
  inFlight: number[];
  /** Open-loop offered rates (requests/s). */
  rates: number[];
  /** Also offer 70 % of E's best closed-loop rate (the design's SLO point). */
  addSloRate: boolean;
  /** Each system runs this long closed-loop (K = 64) before anything is measured. */
  systemWarmupMs: number;
  /** Every scenario: a warm-up at its own load, then the measured window. */
  scenarioWarmupMs: number;
  durationMs: number;
  requestTimeoutMs: number;
  /** A send more than this behind its schedule counts as late. */
  lateSendMs: number;
  systems?: NatsSystem[];
  seed?: number;
  log?: (line: string) => void;
}

export interface SystemChecks {
  system: NatsSystem;
  requests: number;
  replies: number;
  lateReplies: number;
  unanswered: number;
  approvals: number;
  openHoldsBefore?: number;
  openHoldsAfter?: number;
  handledByResponder?: number;
  detail: string;
}

export interface NatsRatios {
  /** E ÷ T0 closed-loop throughput per in-flight level. */
  closedThroughput: { inFlight: number; engine: number; echo: number; ratio: number }[];
  /** E ÷ T0 open-loop p99 per rate (above 1: E is slower). */
  openP99: { rate: number; engine: number; echo: number; ratio: number }[];
  /** Highest offered rate with p99 under 10 ms and no timeouts, per system (0: none). */
  sloRate: { engine: number; echo: number; ratio: number };
}

export interface NatsReport {
  url: string;
  server: 'spawned' | 'NATS_URL';
  scenarios: ScenarioResult[];
  checks: SystemChecks[];
  ratios: NatsRatios;
  violations: string[];
}


// ---- the load generator ------------------------------------------------------------------------

/** One scenario's tally; requests keep a reference to theirs, so late replies land in the right one. */
class Tally {
  readonly recorder = new LatencyRecorder();
  readonly outcomes: Record<string, number> = {};
  readonly violations: string[] = [];
  sent = 0;
  /** Replies (and timeouts) counted in the measured window. */
  replies = 0;
  timeouts = 0;
  lateReplies = 0;
  /** Every approval seen, measured or not, late or not (for the hold reconciliation). */
  approvalsSeen = 0;
  approvalsMeasured = 0;
  repliesSeen = 0;
  outstanding = 0;
  lateSends = 0;
  maxSendLagMs = 0;
  /** Called for each request finished (reply or timeout); the closed loop sends the next one. */
  onFinished: () => void = () => undefined;

  constructor(readonly checkIds: boolean) {}

  violation(text: string): void {
    if (this.violations.length < 20) this.violations.push(text);
  }
}

interface Pending {
  id: string;
  /** Latency origin: the intended send time (open loop) or the actual one (closed loop). */
  originMs: number;
  /** Open loop: whether the request belongs to the measured window (closed loop decides on arrival). */
  measured: boolean | undefined;
  tally: Tally;
}

class Driver {
  private readonly inbox = createInbox();
  private readonly subscription: Subscription;
  private readonly pending = new Map<number, Pending>();
  private readonly late = new Map<number, Pending>();
  private readonly sweeper: NodeJS.Timeout;
  private nextToken = 0;
  private readonly random: () => number;
  private readonly runTag = `b${Date.now().toString(36)}`;
  private requestNumber = 0;
  /** Closed loop: replies count when they arrive inside [windowStart, windowEnd). */
  windowStart = 0;
  windowEnd = Number.POSITIVE_INFINITY;
  unknownReplies = 0;

  constructor(
    readonly connection: NatsConnection,
    private readonly network: BenchNetworkSize,
    private readonly timeoutMs: number,
    seed: number,
  ) {
    this.random = seededRandom(seed);
    this.subscription = connection.subscribe(`${this.inbox}.*`, { callback: (error, message) => (error ? undefined : this.onReply(message)) });
    this.sweeper = setInterval(() => this.sweep(), 20);
  }

  get outstanding(): number {
    return this.pending.size;
  }

  get unanswered(): number {
    return this.pending.size + this.late.size;
  }

  /** Sends one authorisation from a random terminal with a random card. */
  send(tally: Tally, originMs: number, measured: boolean | undefined): void {
    const token = this.nextToken++;
    const id = `${this.runTag}-${this.requestNumber++}`;
    const terminal = benchTerminalId(Math.floor(this.random() * this.network.terminals));
    const card = benchCardNumber(Math.floor(this.random() * this.network.cards));
    this.pending.set(token, { id, originMs, measured, tally });
    tally.sent++;
    tally.outstanding++;
    this.connection.publish(`tessera.v1.term.${terminal}.authorize`, pack({ id, card, product: benchProduct, amount: benchRequestAmount }), { reply: `${this.inbox}.${token}` });
  }

  /**
   * Waits until nothing is pending (replies or timeouts), then for late replies while they keep
   * coming (an overloaded system works off its backlog): until none is left, none arrived for
   * `quietMs`, or `maxMs` passed.
   */
  async settle(quietMs: number, maxMs: number): Promise<void> {
    while (this.pending.size > 0) await sleep(10);
    const until = performance.now() + maxMs;
    let left = this.late.size;
    let lastProgress = performance.now();
    while (this.late.size > 0 && performance.now() < until && performance.now() - lastProgress < quietMs) {
      await sleep(50);
      if (this.late.size < left) {
        left = this.late.size;
        lastProgress = performance.now();
      }
    }
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.subscription.unsubscribe();
    await this.connection.drain();
  }

  private counts(entry: Pending, at: number): boolean {
    return entry.measured ?? (at >= this.windowStart && at < this.windowEnd);
  }

  private onReply(message: Msg): void {
    const now = performance.now();
    const token = Number(message.subject.slice(this.inbox.length + 1));
    let entry = this.pending.get(token);
    const wasLate = entry === undefined;
    if (entry !== undefined) this.pending.delete(token);
    else {
      entry = this.late.get(token);
      if (entry === undefined) {
        this.unknownReplies++;
        return;
      }
      this.late.delete(token);
    }
    const tally = entry.tally;
    tally.repliesSeen++;
    let result: unknown = 'error';
    let reason: unknown = 'NO_REPLY_BODY';
    if (message.headers?.hasError === true || message.data.length === 0) {
      reason = message.headers?.code === 503 ? 'NO_RESPONDERS' : `STATUS_${message.headers?.code ?? '?'}`;
    } else {
      try {
        const body = unpack(message.data) as Record<string, unknown>;
        result = body['result'];
        reason = body['reason'];
        if (tally.checkIds && body['id'] !== entry.id) tally.violation(`request ${entry.id} answered with id ${String(body['id'])}`);
      } catch {
        reason = 'UNDECODABLE';
        tally.violation(`request ${entry.id}: a reply that is not msgpack`);
      }
    }
    if (result === 'approved') tally.approvalsSeen++;
    if (wasLate) {
      tally.lateReplies++;
      return;
    }
    tally.outstanding--;
    if (this.counts(entry, now)) {
      tally.replies++;
      tally.recorder.recordMs(now - entry.originMs);
      countOutcome(tally.outcomes, result, reason);
      if (result === 'approved') tally.approvalsMeasured++;
    }
    tally.onFinished();
  }

  private sweep(): void {
    const now = performance.now();
    for (const [token, entry] of this.pending) {
      if (now - entry.originMs < this.timeoutMs) continue;
      this.pending.delete(token);
      this.late.set(token, entry);
      const tally = entry.tally;
      tally.outstanding--;
      if (this.counts(entry, now)) {
        tally.timeouts++;
        countOutcome(tally.outcomes, 'timeout', 'TIMEOUT');
      }
      tally.onFinished();
    }
  }
}

// ---- scenarios ---------------------------------------------------------------------------------

interface Observed {
  responder: ResponderHandle;
  natsPid: number | undefined;
}

interface UsageMark {
  at: number;
  driver: number;
  responder: ResponderStats;
  nats: number | undefined;
}

async function mark(observed: Observed): Promise<UsageMark> {
  return { at: performance.now(), driver: ownCpuMicros(), responder: await observed.responder.stats(), nats: observed.natsPid !== undefined ? procCpuMicros(observed.natsPid) : undefined };
}

function usageBetween(system: NatsSystem, before: UsageMark, after: UsageMark): { processes: Record<string, ProcessUsage>; commits?: ScenarioResult['commits']; responderLoopP99: number } {
  const wall = after.at - before.at;
  const processes: Record<string, ProcessUsage> = {
    driver: { cpuPercent: cpuPercent(after.driver - before.driver, wall), rssMB: rssMB() },
    [system]: { cpuPercent: cpuPercent(after.responder.cpuMicros - before.responder.cpuMicros, wall), rssMB: after.responder.rssMB },
  };
  if (before.nats !== undefined && after.nats !== undefined) processes['nats-server'] = { cpuPercent: cpuPercent(after.nats - before.nats, wall) };
  const flushReports = (after.responder.flushReports ?? 0) - (before.responder.flushReports ?? 0);
  const writes = (after.responder.flushedWrites ?? 0) - (before.responder.flushedWrites ?? 0);
  const commits = after.responder.flushReports !== undefined ? { flushReports, writes, writesPerFlush: flushReports > 0 ? Math.round((writes / flushReports) * 10) / 10 : 0 } : undefined;
  return { processes, ...(commits ? { commits } : {}), responderLoopP99: after.responder.loopDelayP99Ms };
}

function resultOf(system: NatsSystem, tally: Tally, shape: { mode: 'closed' | 'open'; inFlight?: number; rate?: number }, windowMs: number, usage: ReturnType<typeof usageBetween>, driverLoopP99: number): ScenarioResult {
  return {
    system,
    mode: shape.mode,
    ...(shape.inFlight !== undefined ? { inFlight: shape.inFlight } : {}),
    ...(shape.rate !== undefined ? { rate: shape.rate, lateSends: tally.lateSends, maxSendLagMs: Math.round(tally.maxSendLagMs * 1000) / 1000 } : {}),
    durationS: Math.round(windowMs) / 1000,
    sent: tally.sent,
    replies: tally.replies,
    throughput: perSecond(tally.replies, windowMs),
    latency: tally.recorder.summary(),
    timeouts: tally.timeouts,
    outcomes: tally.outcomes,
    approvals: tally.approvalsMeasured,
    eventLoopDelayP99Ms: usage.responderLoopP99,
    driverEventLoopDelayP99Ms: driverLoopP99,
    processes: usage.processes,
    ...(usage.commits ? { commits: usage.commits } : {}),
    violations: tally.violations,
  };
}

async function closedLoop(driver: Driver, tally: Tally, inFlight: number, warmupMs: number, durationMs: number): Promise<number> {
  const started = performance.now();
  driver.windowStart = started + warmupMs;
  driver.windowEnd = driver.windowStart + durationMs;
  const end = driver.windowEnd;
  tally.onFinished = () => {
    if (performance.now() < end) driver.send(tally, performance.now(), undefined);
  };
  for (let count = 0; count < inFlight; count++) driver.send(tally, performance.now(), undefined);
  await sleep(Math.max(0, end - performance.now()));
  while (tally.outstanding > 0) await sleep(5);
  driver.windowStart = 0;
  driver.windowEnd = Number.POSITIVE_INFINITY;
  return durationMs;
}

async function openLoop(driver: Driver, tally: Tally, rate: number, warmupMs: number, durationMs: number, lateSendMs: number): Promise<number> {
  const interval = 1000 / rate;
  const total = Math.round((rate * (warmupMs + durationMs)) / 1000);
  const firstMeasured = Math.round((rate * warmupMs) / 1000);
  const start = performance.now() + 5;
  let index = 0;
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const now = performance.now();
      while (index < total) {
        const intended = start + index * interval;
        if (intended > now) break;
        const measured = index >= firstMeasured;
        if (measured) {
          const lag = now - intended;
          if (lag > tally.maxSendLagMs) tally.maxSendLagMs = lag;
          if (lag > lateSendMs) tally.lateSends++;
        }
        driver.send(tally, intended, measured);
        index++;
      }
      if (index < total) setTimeout(tick, Math.max(0, start + index * interval - performance.now()));
      else resolve();
    };
    setTimeout(tick, 5);
  });
  while (tally.outstanding > 0) await sleep(5);
  return ((total - firstMeasured) / rate) * 1000;
}

async function runSystem(system: NatsSystem, server: NatsServerHandle, options: NatsOptions, rates: () => number[], scenarios: ScenarioResult[]): Promise<SystemChecks> {
  const log = options.log ?? (() => undefined);
  const script = system === 'engine' ? 'engine-process.ts' : 'echo-process.ts';
  const responder = await startResponder(script, { natsUrl: server.url, network: options.network });
  log(`nats: ${system} ready (${responder.detail})`);
  const connection = await connect({ servers: server.url, name: 'tessera-bench-driver', maxReconnectAttempts: -1, reconnectTimeWait: 500, pingInterval: 10_000 });
  const driver = new Driver(connection, options.network, options.requestTimeoutMs, (options.seed ?? 7) + (system === 'engine' ? 1 : 2));
  const observed: Observed = { responder, natsPid: server.pid };
  const tallies: Tally[] = [];
  const newTally = (): Tally => {
    const tally = new Tally(system === 'engine');
    tallies.push(tally);
    return tally;
  };
  const loop = new LoopDelay();
  try {
    const first = await responder.stats();
    if (options.systemWarmupMs > 0) {
      const warm = newTally();
      await closedLoop(driver, warm, 64, 0, options.systemWarmupMs);
      log(`nats: ${system} warm-up ${warm.replies} replies`);
    }
    for (const inFlight of options.inFlight) {
      const tally = newTally();
      const before = await mark(observed);
      loop.start();
      const windowMs = await closedLoop(driver, tally, inFlight, options.scenarioWarmupMs, options.durationMs);
      const driverLoop = loop.stopP99Ms();
      const result = resultOf(system, tally, { mode: 'closed', inFlight }, windowMs, usageBetween(system, before, await mark(observed)), driverLoop);
      scenarios.push(result);
      log(`nats: ${system} closed ${inFlight} in flight → ${result.throughput} req/s, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms`);
    }
    for (const rate of rates()) {
      const tally = newTally();
      const before = await mark(observed);
      loop.start();
      const windowMs = await openLoop(driver, tally, rate, options.scenarioWarmupMs, options.durationMs, options.lateSendMs);
      const driverLoop = loop.stopP99Ms();
      const result = resultOf(system, tally, { mode: 'open', rate }, windowMs, usageBetween(system, before, await mark(observed)), driverLoop);
      scenarios.push(result);
      log(`nats: ${system} open ${rate}/s → ${result.throughput} req/s, p99 ${result.latency.p99} ms, timeouts ${result.timeouts}`);
    }
    await driver.settle(3_000, 60_000);
    const last = await responder.stats();
    const sum = (pick: (tally: Tally) => number): number => tallies.reduce((total, tally) => total + pick(tally), 0);
    const checks: SystemChecks = {
      system,
      requests: sum((tally) => tally.sent),
      replies: sum((tally) => tally.repliesSeen),
      lateReplies: sum((tally) => tally.lateReplies),
      unanswered: driver.unanswered,
      approvals: sum((tally) => tally.approvalsSeen),
      ...(first.openHolds !== undefined ? { openHoldsBefore: first.openHolds } : {}),
      ...(last.openHolds !== undefined ? { openHoldsAfter: last.openHolds } : {}),
      ...(last.handled !== undefined ? { handledByResponder: last.handled - (first.handled ?? 0) } : {}),
      detail: responder.detail,
    };
    const violations = tallies.flatMap((tally) => tally.violations);
    if (driver.unknownReplies > 0) violations.push(`${system}: ${driver.unknownReplies} replies to no request (duplicates)`);
    if (checks.replies + checks.unanswered !== checks.requests) violations.push(`${system}: ${checks.requests} requests ≠ ${checks.replies} replies + ${checks.unanswered} unanswered`);
    if (checks.openHoldsAfter !== undefined) {
      const holds = checks.openHoldsAfter - (checks.openHoldsBefore ?? 0);
      if (holds < checks.approvals || holds > checks.approvals + checks.unanswered) {
        violations.push(`${system}: ${holds} holds opened, but the generator saw ${checks.approvals} approvals (${checks.unanswered} requests unanswered)`);
      }
    }
    if (checks.handledByResponder !== undefined && checks.handledByResponder < checks.replies) violations.push(`${system}: the responder answered ${checks.handledByResponder} < ${checks.replies} replies seen`);
    // Violations of each tally are reported in its scenario; put the system-wide ones on the last scenario of this system.
    const systemWide = violations.filter((text) => !tallies.some((tally) => tally.violations.includes(text)));
    const lastScenario = scenarios.filter((scenario) => scenario.system === system).at(-1);
    if (lastScenario) lastScenario.violations.push(...systemWide);
    log(`nats: ${system} checks: ${checks.requests} requests, ${checks.replies} replies, ${checks.unanswered} unanswered, ${checks.approvals} approvals${checks.openHoldsAfter !== undefined ? `, ${checks.openHoldsAfter} holds open` : ''}`);
    return checks;
  } finally {
    await driver.close().catch(() => undefined);
    await responder.stop();
  }
}

export async function runNats(options: NatsOptions): Promise<NatsReport> {
  const log = options.log ?? (() => undefined);
  const server = await natsForTests();
  log(`nats: server ${server.url} (${server.spawned ? 'spawned' : 'NATS_URL'})`);
  const scenarios: ScenarioResult[] = [];
  const checks: SystemChecks[] = [];
  // E first, so T0 gets the same offered rates, including 70 % of E's best closed-loop rate.
  const systems = options.systems ?? ['engine', 'echo'];
  let rates: number[] | undefined;
  const ratesFor = (): number[] => {
    if (rates !== undefined) return rates;
    const list = [...options.rates];
    if (options.addSloRate) {
      const best = Math.max(0, ...scenarios.filter((scenario) => scenario.system === 'engine' && scenario.mode === 'closed').map((scenario) => scenario.throughput));
      const slo = Math.round((best * 0.7) / 100) * 100;
      if (slo > 0 && !list.includes(slo)) list.push(slo);
    }
    rates = list.sort((a, b) => a - b);
    return rates;
  };
  try {
    for (const system of systems) checks.push(await runSystem(system, server, options, ratesFor, scenarios));
  } finally {
    await server.stop();
  }
  const violations = scenarios.flatMap((scenario) => scenario.violations);
  return { url: server.url, server: server.spawned ? 'spawned' : 'NATS_URL', scenarios, checks, ratios: ratiosOf(scenarios), violations };
}

export function ratiosOf(scenarios: ScenarioResult[]): NatsRatios {
  const find = (system: NatsSystem, mode: 'closed' | 'open', value: number): ScenarioResult | undefined =>
    scenarios.find((scenario) => scenario.system === system && scenario.mode === mode && (mode === 'closed' ? scenario.inFlight : scenario.rate) === value);
  const ratio = (a: number, b: number): number => (b > 0 ? Math.round((a / b) * 1000) / 1000 : 0);
  const closedThroughput = [...new Set(scenarios.filter((s) => s.mode === 'closed').map((s) => s.inFlight ?? 0))].flatMap((inFlight) => {
    const engine = find('engine', 'closed', inFlight);
    const echo = find('echo', 'closed', inFlight);
    return engine && echo ? [{ inFlight, engine: engine.throughput, echo: echo.throughput, ratio: ratio(engine.throughput, echo.throughput) }] : [];
  });
  const openP99 = [...new Set(scenarios.filter((s) => s.mode === 'open').map((s) => s.rate ?? 0))].flatMap((rate) => {
    const engine = find('engine', 'open', rate);
    const echo = find('echo', 'open', rate);
    return engine && echo ? [{ rate, engine: engine.latency.p99, echo: echo.latency.p99, ratio: ratio(engine.latency.p99, echo.latency.p99) }] : [];
  });
  const sloOf = (system: NatsSystem): number =>
    Math.max(0, ...scenarios.filter((s) => s.system === system && s.mode === 'open' && s.timeouts === 0 && s.latency.count > 0 && s.latency.p99 < 10).map((s) => s.rate ?? 0));
  const engineSlo = sloOf('engine');
  const echoSlo = sloOf('echo');
  return { closedThroughput, openP99, sloRate: { engine: engineSlo, echo: echoSlo, ratio: ratio(engineSlo, echoSlo) } };
}
