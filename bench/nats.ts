// Over a real nats-server, side by side in one run, one system at a time (the others stopped):
//   E  — the engine, `serve()` in a process of its own (bench/engine-process.ts), bench network loaded;
//   T0 — a nats.js responder answering a fixed msgpack reply (bench/echo-process.ts): the transport ceiling;
//   P2 — the same decision in PostgreSQL behind the same transport (bench/pg-process.ts).
// The load comes from generator processes (bench/load.ts). For each system: a warm-up, closed-loop
// calibration (K in flight: service time and maximum rate), then for each scenario it can answer
// the open-loop rate steps, from the lowest, until the system is overloaded (the SLO: p99 under
// 10 ms, no timeouts, no errors). Full mode repeats the headline scenario's steps and reports the
// median.
// After each system's run: its books from its own store, reconciled with what the generators saw.

import type { Books, HandleCheck } from './audit.js';
import { addHandleCheck, emptyHandleCheck, reconcile } from './audit.js';
import type { GeneratorTotals, SeenKind } from './generator.js';
import type { MergedStep } from './load.js';
import { GeneratorPool } from './load.js';
import type { BenchNetworkSize } from './network.js';
import type { ChildHandle, ChildStats, ResponderConfig } from './processes.js';
import { startChild } from './processes.js';
import { scenarioNamed, scenarios as allScenarios } from './scenarios/index.js';
import type { ProcessUsage, ScenarioResult } from './stats.js';
import { cpuPercent, median, ownCpuMicros, perSecond, procCpuMicros, procGroupUsage, procMemoryMB, rssMB } from './stats.js';
import { natsForTests } from '../test/support/nats.js';

export type NatsSystem = 'engine' | 'echo' | 'postgres';

/** p99 must stay under this for a step to count (design.md). */
export const sloP99Ms = 10;

export interface NatsOptions {
  network: BenchNetworkSize;
  systems: NatsSystem[];
  /** Closed-loop in-flight levels (authorize stream), e.g. [16, 128]; run in the first repeat. */
  inFlight: number[];
  /** Open-loop offered rates (requests/s), stepped from the lowest. */
  rates: number[];
  /** Scenario names (bench/scenarios/), each offered to the systems it lists. */
  scenarios: string[];
  /** Times the open-loop steps run; repeats after the first run only `repeatScenarios`. */
  repeats: number;
  repeatScenarios: string[];
  /** Each system runs this long closed-loop (K = 64) before anything is measured. */
  systemWarmupMs: number;
  /** Every step: a warm-up at its own load, then the measured window. */
  scenarioWarmupMs: number;
  durationMs: number;
  requestTimeoutMs: number;
  /** A send more than this behind its schedule counts as late. */
  lateSendMs: number;
  /** Generator processes: a fixed number, or as many as the rate needs at `ratePerGeneratorMax` each. */
  generators: number | 'auto';
  ratePerGeneratorMax: number;
  /** P2: the server to create its database on (absent: P2 is not run). */
  postgres?: { url: string; poolSize: number };
  seed?: number;
  log?: (line: string) => void;
}

export interface SystemRun {
  system: NatsSystem;
  repeat: number;
  detail: string;
  generators: number;
  totals: GeneratorTotals;
  books?: Books;
  handles?: HandleCheck[];
  violations: string[];
}

/** The headline of one system on one scenario: the highest offered rate within the SLO. */
export interface Headline {
  system: NatsSystem;
  scenario: string;
  /** Median over repeats of each repeat's highest passing rate (0: no step passed). */
  sloRate: number;
  /** Each repeat's highest passing rate. */
  repeats: number[];
  /** Whether the highest rate of the plan passed (then the system can do more than this says). */
  topStepPassed: boolean;
}

export interface NatsRatios {
  /** Closed-loop throughput per in-flight level, E ÷ T0 and E ÷ P2. */
  closedThroughput: { inFlight: number; engine: number; echo: number; postgres: number; engineOverEcho: number; engineOverPostgres: number }[];
  /** SLO rates per scenario, E ÷ T0 and E ÷ P2. */
  sloRate: { scenario: string; engine: number; echo: number; postgres: number; engineOverEcho: number; engineOverPostgres: number }[];
  /** p99 (median repeat) at the same offered rate, where at least two systems ran it (above 1: E is slower). */
  openP99: { scenario: string; rate: number; engine: number; echo: number; postgres: number; engineOverEcho: number; engineOverPostgres: number }[];
}

export interface NatsReport {
  url: string;
  server: 'spawned' | 'NATS_URL';
  scenarios: ScenarioResult[];
  runs: SystemRun[];
  headlines: Headline[];
  ratios: NatsRatios;
  violations: string[];
}

const scripts: Record<NatsSystem, string> = { engine: 'engine-process.ts', echo: 'echo-process.ts', postgres: 'pg-process.ts' };

// ---- usage of the processes taking part ---------------------------------------------------------

interface Observed {
  responder: ChildHandle;
  natsPid: number | undefined;
  helperPids: number[];
}

interface UsageMark {
  at: number;
  responder: ChildStats;
  nats: number | undefined;
  helpers: { cpuMicros: number; rssMB: number; alive: number };
  orchestrator: number;
}

async function mark(observed: Observed): Promise<UsageMark> {
  return {
    at: performance.now(),
    responder: await observed.responder.stats(),
    nats: observed.natsPid !== undefined ? procCpuMicros(observed.natsPid) : undefined,
    helpers: procGroupUsage(observed.helperPids),
    orchestrator: ownCpuMicros(),
  };
}

interface Usage {
  processes: Record<string, ProcessUsage>;
  commits?: ScenarioResult['commits'];
  responderLoopP99: number;
}

function usageBetween(system: NatsSystem, observed: Observed, before: UsageMark, after: UsageMark, step: MergedStep): Usage {
  const wall = after.at - before.at;
  const processes: Record<string, ProcessUsage> = {
    generator: { cpuPercent: step.cpuPercent, rssMB: step.rssMB },
    [system]: { cpuPercent: cpuPercent(after.responder.cpuMicros - before.responder.cpuMicros, wall), rssMB: after.responder.rssMB },
    orchestrator: { cpuPercent: cpuPercent(after.orchestrator - before.orchestrator, wall), rssMB: rssMB() },
  };
  if (before.nats !== undefined && after.nats !== undefined && observed.natsPid !== undefined) {
    const memory = procMemoryMB(observed.natsPid);
    processes['nats-server'] = { cpuPercent: cpuPercent(after.nats - before.nats, wall), ...(memory ? { rssMB: memory.privateMB + memory.sharedMB } : {}) };
  }
  if (observed.helperPids.length > 0) processes['postgres-server'] = { cpuPercent: cpuPercent(after.helpers.cpuMicros - before.helpers.cpuMicros, wall), rssMB: after.helpers.rssMB };
  const flushReports = (after.responder.flushReports ?? 0) - (before.responder.flushReports ?? 0);
  const writes = (after.responder.flushedWrites ?? 0) - (before.responder.flushedWrites ?? 0);
  const commits = after.responder.flushReports !== undefined ? { flushReports, writes, writesPerFlush: flushReports > 0 ? Math.round((writes / flushReports) * 10) / 10 : 0 } : undefined;
  return { processes, ...(commits ? { commits } : {}), responderLoopP99: after.responder.loopDelayP99Ms };
}

function resultOf(system: NatsSystem, scenario: string, repeat: number, shape: { mode: 'closed' | 'open'; inFlight?: number; rate?: number }, step: MergedStep, usage: Usage): ScenarioResult {
  const latency = step.recorder.summary();
  const result: ScenarioResult = {
    system,
    scenario,
    mode: shape.mode,
    repeat,
    generators: step.generators,
    ...(shape.inFlight !== undefined ? { inFlight: shape.inFlight } : {}),
    ...(shape.rate !== undefined ? { rate: shape.rate, lateSends: step.lateSends, maxSendLagMs: step.maxSendLagMs } : {}),
    durationS: Math.round(step.windowMs) / 1000,
    sent: step.sent,
    replies: step.replies,
    throughput: perSecond(step.replies, step.windowMs),
    achievedRate: perSecond(step.scheduledReplies, step.windowMs),
    latency,
    timeouts: step.timeouts,
    errors: step.errors,
    outcomes: step.outcomes,
    operations: step.operations,
    approvals: step.approvals,
    eventLoopDelayP99Ms: usage.responderLoopP99,
    driverEventLoopDelayP99Ms: step.loopDelayP99Ms,
    processes: usage.processes,
    ...(usage.commits ? { commits: usage.commits } : {}),
    violations: step.violations.map((text) => `${system} ${scenario}: ${text}`),
  };
  if (shape.mode === 'open') result.withinSlo = latency.count > 0 && latency.p99 < sloP99Ms && step.timeouts === 0 && step.errors === 0;
  return result;
}

// ---- one system ---------------------------------------------------------------------------------

/**
 * Stepping stops at a step the system could not keep up with (timeouts, errors, or less than 95 %
 * of the offered rate answered in the window) or whose p99 was past ten times the SLO: higher
 * rates only pile up a backlog. A step merely over the SLO does not stop it — on a shared machine
 * one step can be a hiccup (a checkpoint, a neighbour's burst) — so the headline is the highest
 * rate that passed, not the first that failed.
 */
const hopelessP99Ms = 10 * sloP99Ms;

function overloaded(result: ScenarioResult): boolean {
  return result.timeouts > 0 || (result.errors ?? 0) > 0 || (result.achievedRate ?? 0) < 0.95 * (result.rate ?? 0);
}

function generatorsFor(options: NatsOptions, rate: number): number {
  return options.generators === 'auto' ? Math.max(1, Math.ceil(rate / options.ratePerGeneratorMax)) : options.generators;
}

const seenKinds: SeenKind[] = ['authorized', 'completed', 'reversed'];

async function runSystem(system: NatsSystem, repeat: number, natsUrl: string, natsPid: number | undefined, options: NatsOptions, scenarios: ScenarioResult[]): Promise<SystemRun> {
  const log = options.log ?? (() => undefined);
  const config: ResponderConfig = { natsUrl, network: options.network };
  if (system === 'postgres') {
    if (options.postgres === undefined) throw new Error('P2 needs a PostgreSQL server');
    config.databaseUrl = options.postgres.url;
    config.poolSize = options.postgres.poolSize;
  }
  const first = repeat === 1;
  const names = options.scenarios.filter((name) => scenarioNamed(name).systems.includes(system) && (first || options.repeatScenarios.includes(name)));
  const generatorCount = Math.max(1, ...options.rates.map((rate) => generatorsFor(options, rate)));
  const [responder, pool] = await Promise.all([
    startChild(scripts[system], config),
    GeneratorPool.start({ natsUrl, network: options.network, requestTimeoutMs: options.requestTimeoutMs, lateSendMs: options.lateSendMs, checkReplies: system !== 'echo', seed: options.seed ?? 7, count: generatorCount }),
  ]);
  log(`nats: ${system} #${repeat} ready (${responder.detail}; ${pool.size} generator${pool.size === 1 ? '' : 's'})`);
  try {
    const observed: Observed = { responder, natsPid, helperPids: (await responder.stats()).helperPids ?? [] };
    const measure = async (run: () => Promise<MergedStep>, shape: { mode: 'closed' | 'open'; inFlight?: number; rate?: number }, scenario: string): Promise<ScenarioResult> => {
      const before = await mark(observed);
      const step = await run();
      const after = await mark(observed);
      const result = resultOf(system, scenario, repeat, shape, step, usageBetween(system, observed, before, after, step));
      scenarios.push(result);
      return result;
    };
    if (options.systemWarmupMs > 0) {
      const warm = await pool.closed({ scenario: 'authorize', inFlight: 64, warmupMs: 0, durationMs: options.systemWarmupMs });
      log(`nats: ${system} warm-up ${warm.replies} replies`);
    }
    if (first) {
      for (const inFlight of options.inFlight) {
        const result = await measure(() => pool.closed({ scenario: 'authorize', inFlight, warmupMs: options.scenarioWarmupMs, durationMs: options.durationMs }), { mode: 'closed', inFlight }, 'authorize');
        log(`nats: ${system} closed ${inFlight} in flight → ${result.throughput} req/s, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms`);
      }
    }
    for (const scenario of names) {
      for (const rate of [...options.rates].sort((a, b) => a - b)) {
        const use = generatorsFor(options, rate);
        const result = await measure(() => pool.open({ scenario, rate, warmupMs: options.scenarioWarmupMs, durationMs: options.durationMs }, use), { mode: 'open', rate }, scenario);
        log(
          `nats: ${system} ${scenario} ${rate}/s (${use} gen) → ${result.achievedRate} req/s, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, timeouts ${result.timeouts}, errors ${result.errors ?? 0}${result.withinSlo === true ? '' : ' — over the SLO'}`,
        );
        if (overloaded(result) || result.latency.p99 > hopelessP99Ms) {
          log(`nats: ${system} ${scenario}: ${overloaded(result) ? 'overloaded' : `p99 past ${hopelessP99Ms} ms`}, no higher rate`);
          break;
        }
      }
    }
    const totals = await pool.settle(3_000, 60_000);
    const run: SystemRun = { system, repeat, detail: responder.detail, generators: pool.size, totals, violations: [...totals.violations.map((text) => `${system}: ${text}`)] };
    if (system !== 'echo') {
      const books = await responder.call<Books>('audit.books', undefined, 300_000);
      const handles: HandleCheck[] = [];
      for (const kind of seenKinds) {
        const total = emptyHandleCheck(kind);
        for await (const chunk of pool.seen(kind)) addHandleCheck(total, await responder.call<HandleCheck>('audit.check', { kind, handles: chunk }, 120_000));
        handles.push(total);
      }
      run.books = books;
      run.handles = handles;
      run.violations.push(...reconcile(`${system} #${repeat}`, books, totals, handles));
      log(`nats: ${system} books: ${books.approvals} approvals, ${books.completions} completions, ${books.reversals} reversals, ${books.openHolds} open; conservation ${run.violations.length === 0 ? 'ok' : 'BROKEN'}`);
    } else {
      const last = await responder.stats();
      if ((last.handled ?? 0) < totals.replies) run.violations.push(`echo: the responder answered ${last.handled ?? 0} < ${totals.replies} replies seen`);
    }
    if (totals.replies + totals.unanswered !== totals.requests) run.violations.push(`${system}: ${totals.requests} requests ≠ ${totals.replies} replies + ${totals.unanswered} unanswered`);
    log(`nats: ${system} #${repeat}: ${totals.requests} requests, ${totals.replies} replies, ${totals.unanswered} unanswered, ${totals.approvals} approvals`);
    return run;
  } finally {
    await pool.stop().catch(() => undefined);
    await responder.stop();
  }
}

export async function runNats(options: NatsOptions): Promise<NatsReport> {
  const log = options.log ?? (() => undefined);
  const server = await natsForTests();
  log(`nats: server ${server.url} (${server.spawned ? 'spawned' : 'NATS_URL'})`);
  const scenarios: ScenarioResult[] = [];
  const runs: SystemRun[] = [];
  try {
    // Repeats interleave the systems (E, T0, P2, E, T0, P2 …), so each sees the machine alike.
    for (let repeat = 1; repeat <= Math.max(1, options.repeats); repeat++) {
      for (const system of options.systems) runs.push(await runSystem(system, repeat, server.url, server.pid, options, scenarios));
    }
  } finally {
    await server.stop();
  }
  const violations = [...scenarios.flatMap((scenario) => scenario.violations), ...runs.flatMap((run) => run.violations)];
  const headlines = headlinesOf(scenarios, options);
  return { url: server.url, server: server.spawned ? 'spawned' : 'NATS_URL', scenarios, runs, headlines, ratios: ratiosOf(scenarios, headlines), violations };
}

// ---- headline and ratios ------------------------------------------------------------------------

export function headlinesOf(scenarios: readonly ScenarioResult[], options: Pick<NatsOptions, 'rates'>): Headline[] {
  const topRate = Math.max(0, ...options.rates);
  const keys = new Map<string, { system: NatsSystem; scenario: string }>();
  for (const result of scenarios) {
    if (result.mode !== 'open' || result.system === 'engine-core') continue;
    keys.set(`${result.system}/${result.scenario ?? ''}`, { system: result.system, scenario: result.scenario ?? '' });
  }
  return [...keys.values()].map(({ system, scenario }) => {
    const steps = scenarios.filter((result) => result.system === system && result.scenario === scenario && result.mode === 'open');
    const repeats = [...new Set(steps.map((result) => result.repeat ?? 1))].sort((a, b) => a - b);
    const best = repeats.map((repeat) => Math.max(0, ...steps.filter((result) => (result.repeat ?? 1) === repeat && result.withinSlo === true).map((result) => result.rate ?? 0)));
    const sloRate = median(best);
    return { system, scenario, sloRate, repeats: best, topStepPassed: sloRate >= topRate && topRate > 0 };
  });
}

const ratio = (a: number, b: number): number => (b > 0 ? Math.round((a / b) * 1000) / 1000 : 0);

export function ratiosOf(scenarios: readonly ScenarioResult[], headlines: readonly Headline[]): NatsRatios {
  const closed = (system: NatsSystem, inFlight: number): number => scenarios.find((result) => result.system === system && result.mode === 'closed' && result.inFlight === inFlight)?.throughput ?? 0;
  const levels = [...new Set(scenarios.filter((result) => result.mode === 'closed').map((result) => result.inFlight ?? 0))];
  const closedThroughput = levels.map((inFlight) => {
    const engine = closed('engine', inFlight);
    const echo = closed('echo', inFlight);
    const postgres = closed('postgres', inFlight);
    return { inFlight, engine, echo, postgres, engineOverEcho: ratio(engine, echo), engineOverPostgres: ratio(engine, postgres) };
  });
  const slo = (system: NatsSystem, scenario: string): number => headlines.find((headline) => headline.system === system && headline.scenario === scenario)?.sloRate ?? 0;
  const sloRate = [...new Set(headlines.map((headline) => headline.scenario))].map((scenario) => {
    const engine = slo('engine', scenario);
    const echo = slo('echo', scenario);
    const postgres = slo('postgres', scenario);
    return { scenario, engine, echo, postgres, engineOverEcho: ratio(engine, echo), engineOverPostgres: ratio(engine, postgres) };
  });
  const steps = medianSteps(scenarios);
  const p99 = (system: NatsSystem, scenario: string, rate: number): number => steps.find((step) => step.result.system === system && step.result.scenario === scenario && step.result.rate === rate)?.result.latency.p99 ?? 0;
  const pairs = new Map<string, { scenario: string; rate: number }>();
  for (const step of steps) pairs.set(`${step.result.scenario ?? ''}/${step.result.rate ?? 0}`, { scenario: step.result.scenario ?? '', rate: step.result.rate ?? 0 });
  const openP99 = [...pairs.values()]
    .map(({ scenario, rate }) => {
      const engine = p99('engine', scenario, rate);
      const echo = p99('echo', scenario, rate);
      const postgres = p99('postgres', scenario, rate);
      return { scenario, rate, engine, echo, postgres, engineOverEcho: ratio(engine, echo), engineOverPostgres: ratio(engine, postgres) };
    })
    .filter((entry) => entry.engine > 0 && (entry.echo > 0 || entry.postgres > 0));
  return { closedThroughput, sloRate, openP99 };
}

/** One open-loop step over its repeats: the repeat with the median p99, and every repeat's p99. */
export interface MedianStep {
  result: ScenarioResult;
  repeatsP99: number[];
  /** Whether the median repeat met the SLO. */
  withinSlo: boolean;
}

export function medianSteps(scenarios: readonly ScenarioResult[]): MedianStep[] {
  const groups = new Map<string, ScenarioResult[]>();
  for (const result of scenarios) {
    if (result.mode !== 'open') continue;
    const key = `${result.system}/${result.scenario ?? ''}/${result.rate ?? 0}`;
    groups.set(key, [...(groups.get(key) ?? []), result]);
  }
  const systemOrder: readonly string[] = ['engine', 'echo', 'postgres'];
  const scenarioOrder = allScenarios.map((scenario) => scenario.name);
  const rank = (result: ScenarioResult): [number, number, number] => [systemOrder.indexOf(result.system), scenarioOrder.indexOf(result.scenario ?? ''), result.rate ?? 0];
  const ordered = [...groups.values()].sort((a, b) => {
    const [x, y] = [rank(a[0] as ScenarioResult), rank(b[0] as ScenarioResult)];
    return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
  });
  return ordered.map((group) => {
    const sorted = [...group].sort((a, b) => a.latency.p99 - b.latency.p99);
    const result = sorted[Math.floor((sorted.length - 1) / 2)] ?? sorted[0];
    if (result === undefined) throw new Error('an empty group');
    return { result, repeatsP99: group.map((entry) => entry.latency.p99), withinSlo: result.withinSlo === true };
  });
}
