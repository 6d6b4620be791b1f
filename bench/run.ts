// `npm run bench` (full, ~15 minutes) and `npm run bench:smoke` (every part briefly, under a minute):
//   core    — the engine in process (bench/core.ts);
//   nats    — E (engine) and T0 (echo) over NATS, every scenario, rate steps (bench/nats.ts);
//   pg      — P2, the PostgreSQL authoriser over the same NATS (bench/pg-process.ts);
//   pgbench — P1, pgbench alone (bench/pgbench.ts);
//   crash   — kill -9 the engine under load, restart, audit (bench/crash.ts);
//   scale   — 1,000,000 cards, restart time and memory (bench/scale.ts);
//   alerts  — decisions with every alert rule on against none, in process, same run (bench/alerts.ts);
//   search  — the feed's search over 1,000,000 operations in the read model, and through HTTP (bench/read-model-search.ts);
//   lag     — the projector's lag behind the engine at a sustained rate (bench/read-model-lag.ts);
//   browser — the dashboard's live feed in real Chromium at 1,000 operations/s against the page idle (bench/browser.ts).
// Checks correctness after each, writes bench/results/<timestamp>.json, .md and .svg (the
// latency-vs-rate chart), and prints the markdown report with ratios against the baselines of the
// same run. Flags: --smoke, --only <part>[,<part>…], --repeats N, --generators N|auto, --pg-pool N,
// --read-model auto|server|pglite, --no-write.
// Exit code 1 when a part failed or a check broke. PostgreSQL or pgbench missing: P2/P1 are skipped;
// Chromium missing (CHROMIUM_PATH, else /usr/bin/chromium): the browser part is.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { latencyChartSvg } from './chart.js';
import type { CoreOptions, CoreReport } from './core.js';
import { runCore } from './core.js';
import type { CrashOptions, CrashReport } from './crash.js';
import { runCrash } from './crash.js';
import type { NatsOptions, NatsReport, NatsSystem } from './nats.js';
import { medianSteps, runNats } from './nats.js';
import type { BenchNetworkSize } from './network.js';
import { poolSizeDefault } from './pg-authoriser.js';
import type { PgbenchOptions, PgbenchReport } from './pgbench.js';
import { runPgbench } from './pgbench.js';
import { dropStaleDatabases, findPgbench, findPostgres } from './postgres.js';
import { repoRoot } from './processes.js';
import type { ScaleOptions, ScaleReport } from './scale.js';
import { runScale } from './scale.js';
import { scenarios as allScenarios } from './scenarios/index.js';
import type { AlertsBenchOptions, AlertsBenchReport } from './alerts.js';
import { runAlertsBench } from './alerts.js';
import type { BrowserBenchOptions, BrowserBenchReport, BrowserSummary } from './browser.js';
import { runBrowserBench } from './browser.js';
import type { LagBenchOptions, LagBenchReport } from './read-model-lag.js';
import { runLagBench } from './read-model-lag.js';
import type { SearchBenchOptions, SearchBenchReport } from './read-model-search.js';
import { runSearchBench } from './read-model-search.js';
import type { ScenarioResult } from './stats.js';
import { median } from './stats.js';
import { natsServerBinary } from '../test/support/nats.js';
import { chromiumPath } from '../test/support/browser.js';

export const benchParts = ['core', 'nats', 'pg', 'pgbench', 'crash', 'scale', 'alerts', 'search', 'lag', 'browser'] as const;
export type BenchPart = (typeof benchParts)[number];

export interface BenchOptions {
  smoke: boolean;
  /** Parts to run (default: all). */
  only?: BenchPart[];
  repeats?: number;
  /** NATS scenarios to run (default: all). */
  scenarios?: string[];
  generators?: number | 'auto';
  /** P2's connection pool (default poolSizeDefault). */
  pgPool?: number;
  /** Where the read-model parts (search, lag) run: a server database when one answers (auto), or the one asked for. */
  readModel?: 'auto' | 'postgres' | 'embedded';
  /** Write bench/results/<timestamp>.{json,md,svg} (default true). */
  write?: boolean;
  log?: (line: string) => void;
}

/** One ratio of the report: the engine against a baseline of the same run. */
export interface Ratio {
  measure: string;
  engine: number;
  baseline: number;
  ratio: number;
  /** design.md's target for the ratio, where it names one. */
  target?: number;
}

export interface BenchReport {
  mode: 'smoke' | 'full';
  startedAt: string;
  finishedAt: string;
  machine: { cpus: number; cpuModel: string; memoryGB: number; node: string; platform: string };
  /** The engine version measured: HEAD and whether the work tree had changes outside bench/. */
  git: { commit: string; dirty: boolean } | undefined;
  network: BenchNetworkSize;
  postgres?: { version: string; poolSize: number };
  core?: CoreReport;
  nats?: NatsReport;
  pgbench?: PgbenchReport;
  crash?: CrashReport;
  scale?: ScaleReport;
  alerts?: AlertsBenchReport;
  search?: SearchBenchReport;
  lag?: LagBenchReport;
  browser?: BrowserBenchReport;
  ratios: Ratio[];
  skipped: string[];
  /** Parts that threw. */
  failures: string[];
  /** Correctness checks that broke. */
  violations: string[];
  resultsFile?: string;
  reportFile?: string;
  chartFile?: string;
}

interface Plan {
  network: BenchNetworkSize;
  core: Omit<CoreOptions, 'network' | 'log'>;
  nats: Omit<NatsOptions, 'network' | 'log' | 'systems' | 'postgres'>;
  pgbench: Omit<PgbenchOptions, 'serverUrl' | 'log' | 'accounts' | 'terminals'>;
  crash: Omit<CrashOptions, 'log'>;
  scale: Omit<ScaleOptions, 'log'>;
  alerts: Omit<AlertsBenchOptions, 'log'>;
  search: Omit<SearchBenchOptions, 'log'>;
  lag: Omit<LagBenchOptions, 'log'>;
  browser: Omit<BrowserBenchOptions, 'log'>;
}

const scenarioNames = allScenarios.map((scenario) => scenario.name);

export function planFor(smoke: boolean): Plan {
  if (smoke) {
    const network = { cards: 2_000, accounts: 200, terminals: 50 };
    return {
      network,
      core: { warmupRequests: 500, inFlight: [256, 1024], requestsPerRun: 3_000, serviceRequests: 200, completeCount: 200 },
      nats: {
        inFlight: [16],
        rates: [400],
        scenarios: scenarioNames,
        repeats: 1,
        repeatScenarios: ['authorize'],
        systemWarmupMs: 300,
        scenarioWarmupMs: 200,
        durationMs: 700,
        requestTimeoutMs: 2_000,
        lateSendMs: 2,
        // Two generator processes even at this rate, so that the merge of their histograms runs in the tests.
        generators: 2,
        ratePerGeneratorMax: 40_000,
      },
      pgbench: { scale: 1, clients: [8, 16], durationS: 1 },
      crash: { network, scenario: 'fuel-mix', rate: 400, durationMs: 1_500, killAfterMs: 800, requestTimeoutMs: 1_000, lateSendMs: 2 },
      scale: { network: { cards: 20_000, accounts: 2_000, terminals: 50 }, burstMs: 500, requestTimeoutMs: 2_000 },
      alerts: { network, rate: 300, durationMs: 1_000, inFlight: 128, closedFlows: 1_500, repeats: 1 },
      search: { rows: 20_000, cards: 2_000, sites: 50, terminalsPerSite: 8, accounts: 1_000, counterparties: 200, days: 90, clients: 4, warmupMs: 300, durationMs: 1_500, http: true, database: 'auto' },
      lag: { network, calibrationInFlight: 256, calibrationWarmupMs: 500, calibrationMs: 1_000, rateFraction: 0.5, durationMs: 2_000, sampleEveryMs: 100, database: 'auto' },
      browser: { rate: 300, warmupMs: 500, durationMs: 2_000, repeats: 1, settleMs: 500, drainTimeoutMs: 5_000, liveTimeoutMs: 20_000 },
    };
  }
  const network = { cards: 100_000, accounts: 10_000, terminals: 1_000 };
  return {
    network,
    core: { warmupRequests: 20_000, inFlight: [256, 1024], requestsPerRun: 60_000, serviceRequests: 3_000, completeCount: 5_000 },
    nats: {
      inFlight: [16, 128],
      rates: [500, 1_000, 2_000, 5_000, 10_000, 20_000, 30_000],
      scenarios: scenarioNames,
      repeats: 3,
      repeatScenarios: ['authorize'],
      systemWarmupMs: 3_000,
      scenarioWarmupMs: 1_000,
      durationMs: 5_000,
      requestTimeoutMs: 2_000,
      lateSendMs: 2,
      // One nats.js generator offers 40k/s on schedule here; a second process on 2 cores only adds contention.
      generators: 'auto',
      ratePerGeneratorMax: 40_000,
    },
    pgbench: { scale: 10, clients: [8, 16], durationS: 10 },
    crash: { network, scenario: 'fuel-mix', rate: 1_000, durationMs: 6_000, killAfterMs: 3_000, requestTimeoutMs: 2_000, lateSendMs: 2 },
    scale: { network: { cards: 1_000_000, accounts: 50_000, terminals: 1_000 }, burstMs: 5_000, requestTimeoutMs: 2_000 },
    alerts: { network, rate: 500, durationMs: 5_000, inFlight: 256, closedFlows: 20_000, repeats: 3 },
    search: { rows: 1_000_000, cards: 50_000, sites: 50, terminalsPerSite: 8, accounts: 10_000, counterparties: 2_000, days: 90, clients: 4, warmupMs: 3_000, durationMs: 20_000, http: true, database: 'auto' },
    lag: { network, calibrationInFlight: 256, calibrationWarmupMs: 3_000, calibrationMs: 5_000, rateFraction: 0.5, durationMs: 30_000, sampleEveryMs: 100, database: 'auto' },
    browser: { rate: 1_000, warmupMs: 3_000, durationMs: 20_000, repeats: 2, settleMs: 1_000, drainTimeoutMs: 10_000, liveTimeoutMs: 30_000 },
  };
}

export async function runBench(options: BenchOptions): Promise<BenchReport> {
  const log = options.log ?? (() => undefined);
  const plan = planFor(options.smoke);
  const parts = new Set<BenchPart>(options.only ?? benchParts);
  const cpuList = cpus();
  const report: BenchReport = {
    mode: options.smoke ? 'smoke' : 'full',
    startedAt: new Date().toISOString(),
    finishedAt: '',
    machine: { cpus: cpuList.length, cpuModel: cpuList[0]?.model ?? '?', memoryGB: Math.round(totalmem() / 1e8) / 10, node: process.version, platform: `${process.platform}-${process.arch}` },
    git: gitVersion(),
    network: plan.network,
    ratios: [],
    skipped: [],
    failures: [],
    violations: [],
  };
  const attempt = async <T>(part: string, work: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await work();
    } catch (error) {
      report.failures.push(`${part}: ${describe(error)}`);
      log(`${part} failed: ${describe(error)}`);
      return undefined;
    }
  };

  const natsUrl = process.env['NATS_URL'];
  const natsAvailable = (natsUrl !== undefined && natsUrl !== '') || existsSync(natsServerBinary);
  const natsMissing = `no NATS_URL and no ${natsServerBinary}`;
  let postgres: { url: string; version: string } | undefined;
  if (parts.has('pg') || parts.has('pgbench')) {
    const found = await findPostgres();
    if (found.ok) {
      postgres = found.value;
      report.postgres = { version: postgres.version, poolSize: options.pgPool ?? poolSizeDefault };
      const dropped = await dropStaleDatabases(postgres.url).catch(() => []);
      if (dropped.length > 0) log(`postgres: dropped ${dropped.length} databases of earlier runs that died (${dropped.join(', ')})`);
    } else {
      if (parts.has('pg')) report.skipped.push(`pg (P2): ${found.reason}`);
      if (parts.has('pgbench')) report.skipped.push(`pgbench (P1): ${found.reason}`);
    }
  }

  if (parts.has('core')) {
    const core = await attempt('core', () => runCore({ ...plan.core, network: plan.network, log }));
    if (core) {
      report.core = core;
      report.violations.push(...core.violations);
    }
  }

  const systems: NatsSystem[] = [...(parts.has('nats') ? (['engine', 'echo'] as const) : []), ...(parts.has('pg') && postgres !== undefined ? (['postgres'] as const) : [])];
  if (systems.length > 0) {
    if (!natsAvailable) report.skipped.push(`nats: ${natsMissing}`);
    else {
      const natsOptions: NatsOptions = {
        ...plan.nats,
        ...(options.repeats !== undefined ? { repeats: options.repeats } : {}),
        ...(options.scenarios !== undefined ? { scenarios: options.scenarios } : {}),
        ...(options.generators !== undefined ? { generators: options.generators } : {}),
        network: plan.network,
        systems,
        ...(postgres !== undefined ? { postgres: { url: postgres.url, poolSize: options.pgPool ?? poolSizeDefault } } : {}),
        log,
      };
      const nats = await attempt('nats', () => runNats(natsOptions));
      if (nats) {
        report.nats = nats;
        report.violations.push(...nats.violations);
      }
    }
  }

  if (parts.has('pgbench') && postgres !== undefined) {
    const binary = findPgbench();
    if (!binary.ok) report.skipped.push(`pgbench (P1): ${binary.reason}`);
    else {
      const serverUrl = postgres.url;
      const pgbench = await attempt('pgbench', () => runPgbench({ ...plan.pgbench, serverUrl, accounts: plan.network.accounts, terminals: plan.network.terminals, log }));
      if (pgbench) {
        report.pgbench = pgbench;
        report.violations.push(...pgbench.violations);
      }
    }
  }

  if (parts.has('crash')) {
    if (!natsAvailable) report.skipped.push(`crash: ${natsMissing}`);
    else {
      const crash = await attempt('crash', () => runCrash({ ...plan.crash, log }));
      if (crash) {
        report.crash = crash;
        report.violations.push(...crash.violations);
      }
    }
  }

  if (parts.has('scale')) {
    if (!natsAvailable) report.skipped.push(`scale: ${natsMissing}`);
    else {
      const scale = await attempt('scale', () => runScale({ ...plan.scale, log }));
      if (scale) report.scale = scale;
    }
  }

  if (parts.has('alerts')) {
    const alerts = await attempt('alerts', () => runAlertsBench({ ...plan.alerts, log }));
    if (alerts) {
      report.alerts = alerts;
      report.violations.push(...alerts.violations);
    }
  }

  if (parts.has('search')) {
    const search = await attempt('search', () => runSearchBench({ ...plan.search, ...(options.readModel !== undefined ? { database: options.readModel } : {}), log }));
    if (search) {
      report.search = search;
      report.violations.push(...search.violations);
      report.skipped.push(...search.skipped);
    }
  }

  if (parts.has('lag')) {
    const lag = await attempt('lag', () => runLagBench({ ...plan.lag, ...(options.readModel !== undefined ? { database: options.readModel } : {}), log }));
    if (lag) {
      report.lag = lag;
      report.violations.push(...lag.violations);
    }
  }

  if (parts.has('browser')) {
    if (!existsSync(chromiumPath)) report.skipped.push(`browser: no Chromium at ${chromiumPath} (CHROMIUM_PATH)`);
    else {
      const browser = await attempt('browser', () => runBrowserBench({ ...plan.browser, log }));
      if (browser) {
        report.browser = browser;
        report.violations.push(...browser.violations);
      }
    }
  }

  report.ratios = ratiosOf(report);
  report.finishedAt = new Date().toISOString();
  if (options.write !== false) writeResults(report);
  return report;
}

function writeResults(report: BenchReport): void {
  const directory = join(repoRoot, 'bench', 'results');
  mkdirSync(directory, { recursive: true });
  const stem = join(directory, `${report.startedAt.replace(/[:.]/g, '-')}${report.mode === 'smoke' ? '-smoke' : ''}`);
  report.resultsFile = `${stem}.json`;
  report.reportFile = `${stem}.md`;
  const openSteps = report.nats?.scenarios.filter((scenario) => scenario.mode === 'open') ?? [];
  if (openSteps.length > 0) {
    report.chartFile = `${stem}.svg`;
    writeFileSync(report.chartFile, latencyChartSvg(openSteps, `Tessera bench (${report.mode}) ${report.startedAt}: p99 vs offered rate`));
  }
  writeFileSync(report.resultsFile, JSON.stringify(report, null, 2) + '\n');
  writeFileSync(report.reportFile, formatReport(report) + '\n');
}

function gitVersion(): BenchReport['git'] {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
    const status = execFileSync('git', ['status', '--porcelain', '--', '.', ':!bench'], { cwd: repoRoot, encoding: 'utf8' });
    return { commit, dirty: status.trim() !== '' };
  } catch {
    return undefined;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// ---- ratios ------------------------------------------------------------------------------------

const ratio = (a: number, b: number): number => (b > 0 ? Math.round((a / b) * 1000) / 1000 : 0);

export function ratiosOf(report: BenchReport): Ratio[] {
  const ratios: Ratio[] = [];
  const add = (measure: string, engine: number, baseline: number, target?: number): void => {
    if (engine > 0 && baseline > 0) ratios.push({ measure, engine, baseline, ratio: ratio(engine, baseline), ...(target !== undefined ? { target } : {}) });
  };
  const nats = report.nats;
  const closedBest = (system: NatsSystem): number => Math.max(0, ...(nats?.scenarios ?? []).filter((result) => result.system === system && result.mode === 'closed').map((result) => result.throughput));
  for (const entry of nats?.ratios.sloRate ?? []) {
    add(`E ÷ T0, highest rate within the SLO, ${entry.scenario}`, entry.engine, entry.echo);
    add(`E ÷ P2, highest rate within the SLO, ${entry.scenario}`, entry.engine, entry.postgres, 3);
  }
  add('E ÷ T0, closed-loop best req/s', closedBest('engine'), closedBest('echo'), 0.85);
  add('E ÷ P2, closed-loop best req/s', closedBest('engine'), closedBest('postgres'), 3);
  const pgbenchBest = (script: string): number => Math.max(0, ...(report.pgbench?.runs ?? []).filter((run) => run.script === script).map((run) => run.tps));
  add('E closed-loop best req/s ÷ pgbench TPC-B-like tps', closedBest('engine'), pgbenchBest('tpcb-like'), 5);
  add('E ÷ pgbench TPC-B-like tps, E at its highest rate within the SLO (authorize)', nats?.headlines.find((h) => h.system === 'engine' && h.scenario === 'authorize')?.sloRate ?? 0, pgbenchBest('tpcb-like'), 5);
  add('E closed-loop best req/s ÷ pgbench debit-insert tps', closedBest('engine'), pgbenchBest('debit-insert'));
  const coreBest = Math.max(0, ...(report.core?.scenarios ?? []).filter((result) => (result.inFlight ?? 0) > 1).map((result) => result.throughput));
  add('engine core in process ÷ target 100,000 auth/s', coreBest, 100_000, 1);
  const alertRuns = report.alerts?.runs ?? [];
  const medianOf = (mode: 'none' | 'all', pick: (run: AlertsBenchReport['runs'][number]) => number): number => median(alertRuns.filter((run) => run.mode === mode).map(pick));
  add('alerts: every rule ÷ none, open-loop p99 decision latency (1: no cost; above: slower)', medianOf('all', (run) => run.open.latency.p99), medianOf('none', (run) => run.open.latency.p99));
  add('alerts: every rule ÷ none, closed-loop flows/s (below 1: less capacity)', medianOf('all', (run) => run.closed.throughput), medianOf('none', (run) => run.closed.throughput));
  for (const loop of report.search?.loops ?? []) {
    const baseline = loop.kinds.find((kind) => kind.kind === 'primary-key')?.latency.p95 ?? 0;
    const worst = Math.max(0, ...loop.kinds.filter((kind) => kind.kind !== 'primary-key').map((kind) => kind.latency.p95));
    add(`feed search (${loop.through}), worst kind's p95 ÷ the primary-key lookup's p95`, worst, baseline);
  }
  const lag = report.lag;
  if (lag) add('read model: projected events/s ÷ journal events/s at the sustained rate (1: keeps up)', lag.eventsPerSecond.projected, lag.eventsPerSecond.journal);
  const browser = report.browser;
  if (browser) {
    add(`live feed in Chromium: frames/s at ${browser.rate} operations/s ÷ frames/s idle (1: as smooth as idle)`, browser.load.framesPerSecond, browser.idle.framesPerSecond);
    add('live feed in Chromium: main thread busy share at load ÷ idle (above 1: the page works harder)', browser.load.mainThreadBusy, browser.idle.mainThreadBusy);
    add('live feed in Chromium: events shown/s ÷ events committed/s under load (1: keeps up)', browser.load.shownPerSecond, browser.load.committedPerSecond);
  }
  return ratios;
}

// ---- the printed report ------------------------------------------------------------------------

const systemNames: Record<ScenarioResult['system'], string> = { 'engine-core': 'engine core (in process)', engine: 'E engine', echo: 'T0 echo', postgres: 'P2 PostgreSQL' };

const fixed = (value: number | undefined, digits = 3): string => (value === undefined ? '' : value.toFixed(digits));
const usage = (result: ScenarioResult, name: string): string => {
  const entry = result.processes?.[name];
  return entry ? `${entry.cpuPercent}` : '';
};

function closedRow(result: ScenarioResult): string {
  const decider = result.system === 'engine-core' ? 'engine' : result.system;
  const cells = [
    systemNames[result.system],
    `${result.inFlight ?? '?'}`,
    result.throughput.toFixed(0),
    fixed(result.latency.p50),
    fixed(result.latency.p99),
    fixed(result.latency.p999),
    fixed(result.latency.max),
    usage(result, decider),
    fixed(result.eventLoopDelayP99Ms, 1),
    result.commits ? `${result.commits.writesPerFlush}` : '',
    result.violations.length > 0 ? `${result.violations.length} ✗` : 'ok',
  ];
  return `| ${cells.join(' | ')} |`;
}

function openRow(result: ScenarioResult, repeatsP99: number[], withinSlo: boolean): string {
  const rss = result.processes?.[result.system]?.rssMB;
  const cells = [
    systemNames[result.system],
    result.scenario ?? '',
    `${result.rate ?? '?'}`,
    `${result.achievedRate ?? ''}`,
    result.throughput.toFixed(0),
    `${result.generators ?? 1}`,
    fixed(result.latency.p50),
    fixed(result.latency.p90),
    fixed(result.latency.p99),
    fixed(result.latency.p999),
    fixed(result.latency.max),
    `${result.timeouts}`,
    `${result.errors ?? 0}`,
    `${result.lateSends ?? 0}`,
    usage(result, result.system),
    usage(result, 'nats-server'),
    usage(result, 'generator'),
    usage(result, 'postgres-server'),
    rss !== undefined ? `${rss}` : '',
    fixed(result.eventLoopDelayP99Ms, 1),
    withinSlo ? 'yes' : 'no',
    repeatsP99.length > 1 ? repeatsP99.map((value) => value.toFixed(2)).join(' / ') : '',
    result.violations.length > 0 ? `${result.violations.length} ✗` : 'ok',
  ];
  return `| ${cells.join(' | ')} |`;
}

export function formatReport(report: BenchReport): string {
  const lines: string[] = [];
  const m = report.machine;
  const version = report.git ? `, engine ${report.git.commit}${report.git.dirty ? ' (modified)' : ''}` : '';
  lines.push(`## Tessera bench (${report.mode}) — ${report.startedAt}${version}`);
  lines.push('');
  lines.push(
    `${m.cpus} × ${m.cpuModel}, ${m.memoryGB} GB, node ${m.node}${report.postgres ? `, PostgreSQL ${report.postgres.version} (P2 pool ${report.postgres.poolSize})` : ''}; network: ${report.network.cards} cards, ${report.network.accounts} accounts, ${report.network.terminals} terminals. Latencies in ms, from the intended send time.`,
  );
  lines.push('');

  const nats = report.nats;
  if (nats && nats.headlines.length > 0) {
    lines.push('### Headline: the highest offered rate with p99 < 10 ms, no timeouts, no errors (req/s; median of repeats)');
    lines.push('');
    lines.push('| scenario | E | T0 | P2 | E ÷ T0 | E ÷ P2 |');
    lines.push('|---|---:|---:|---:|---:|---:|');
    for (const entry of nats.ratios.sloRate) {
      const cell = (system: NatsSystem, value: number): string => {
        const headline = nats.headlines.find((h) => h.system === system && h.scenario === entry.scenario);
        if (headline === undefined) return '—';
        return `${headline.topStepPassed ? '≥ ' : ''}${value}${headline.repeats.length > 1 ? ` (${headline.repeats.join(', ')})` : ''}`;
      };
      lines.push(`| ${entry.scenario} | ${cell('engine', entry.engine)} | ${cell('echo', entry.echo)} | ${cell('postgres', entry.postgres)} | ${entry.echo > 0 ? entry.engineOverEcho.toFixed(3) : '—'} | ${entry.postgres > 0 ? entry.engineOverPostgres.toFixed(3) : '—'} |`);
    }
    lines.push('');
    lines.push('"≥": the top step of the plan passed. 0: not even the lowest step passed.');
    lines.push('');
  }

  if (nats && nats.ratios.openP99.length > 0) {
    lines.push('### p99 at the same offered rate (ms, median repeat; ratio above 1: E is slower)');
    lines.push('');
    lines.push('| scenario | rate/s | E | T0 | P2 | E ÷ T0 | E ÷ P2 |');
    lines.push('|---|---:|---:|---:|---:|---:|---:|');
    const cell = (value: number): string => (value > 0 ? value.toFixed(3) : '—');
    for (const entry of nats.ratios.openP99) {
      lines.push(`| ${entry.scenario} | ${entry.rate} | ${cell(entry.engine)} | ${cell(entry.echo)} | ${cell(entry.postgres)} | ${entry.echo > 0 ? entry.engineOverEcho.toFixed(2) : '—'} | ${entry.postgres > 0 ? entry.engineOverPostgres.toFixed(2) : '—'} |`);
    }
    lines.push('');
  }

  if (report.ratios.length > 0) {
    lines.push('### Ratios against the baselines of this run');
    lines.push('');
    lines.push('| measure | engine | baseline | ratio | design target |');
    lines.push('|---|---:|---:|---:|---:|');
    // Whole figures as they are; shares and other fractions to four significant digits.
    const figure = (value: number): string => (Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(4))));
    for (const entry of report.ratios) lines.push(`| ${entry.measure} | ${figure(entry.engine)} | ${figure(entry.baseline)} | ${entry.ratio.toFixed(3)} | ${entry.target !== undefined ? `≥ ${entry.target}` : ''} |`);
    lines.push('');
  }

  const opens = medianSteps(nats?.scenarios ?? []);
  if (opens.length > 0) {
    lines.push('### Open loop, rate steps (the median repeat of each step)');
    lines.push('');
    lines.push('| system | scenario | offered/s | achieved/s | all ops/s | gen | p50 | p90 | p99 | p99.9 | max | timeouts | errors | late sends | CPU % system | CPU % nats | CPU % gen | CPU % pg | RSS MB | loop p99 | SLO | p99 of repeats | checks |');
    lines.push('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---|');
    for (const step of opens) lines.push(openRow(step.result, step.repeatsP99, step.withinSlo));
    lines.push('');
    lines.push('Offered and achieved count the scheduled authorisations; "all ops" adds the follow-ups (fuel-mix completes or reverses every approval, so it offers about twice the requests). Latency covers every request.');
    lines.push('CPU % is of one core over the step (warm-up included): the system (engine, echo or the P2 responder), nats-server, the generator processes summed, PostgreSQL (P2\'s backends, WAL writer, checkpointer, background writer). RSS of the system. Loop p99: the system\'s event-loop delay, ms.');
    lines.push('');
  }

  const closed = [...(report.core?.scenarios ?? []), ...(nats?.scenarios ?? []).filter((result) => result.mode === 'closed')];
  if (closed.length > 0) {
    lines.push('### Closed loop (calibration: service time and maximum rate; not SLO figures)');
    lines.push('');
    lines.push('| system | in flight | req/s | p50 | p99 | p99.9 | max | CPU % | loop p99 | writes/flush¹ | checks |');
    lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|');
    for (const result of closed) lines.push(closedRow(result));
    lines.push('');
    lines.push("¹ Writes per LMDB commit (the engine's `onBatchFlushed` reports each commit once it is flushed): the group-commit batch size.");
    lines.push('');
  }
  const core = report.core;
  if (core) {
    lines.push(`Core checks: ${core.checks.approvals} approvals, ${core.checks.completed} completed, ${core.checks.openHolds} holds open (expected ${core.checks.expectedOpenHolds}); import ${core.network.importMs} ms.`);
    lines.push('');
  }

  const pgbench = report.pgbench;
  if (pgbench) {
    lines.push(`### P1 pgbench (${pgbench.version}, -n -M prepared, scale ${pgbench.scale}, synchronous_commit ${pgbench.synchronousCommit})`);
    lines.push('');
    lines.push('| script | clients | tps | latency avg | stddev | CPU % postgres | CPU % pgbench |');
    lines.push('|---|---:|---:|---:|---:|---:|---:|');
    for (const run of pgbench.runs) lines.push(`| ${run.script} | ${run.clients} | ${run.tps.toFixed(0)} | ${run.latencyAverageMs} | ${run.latencyStddevMs ?? ''} | ${run.processes['postgres']?.cpuPercent ?? ''} | ${run.processes['pgbench']?.cpuPercent ?? ''} |`);
    lines.push('');
  }

  if (nats && nats.runs.length > 0) {
    lines.push('### Books after each system run');
    lines.push('');
    lines.push('| system | repeat | requests | replies | unanswered | approvals seen / stored | completions seen / stored | reversals seen / stored | open holds | handles checked | conservation, limits, handles |');
    lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|');
    for (const run of nats.runs) {
      const books = run.books;
      const checked = run.handles?.reduce((total, check) => total + check.checked, 0);
      lines.push(
        `| ${systemNames[run.system]} | ${run.repeat} | ${run.totals.requests} | ${run.totals.replies} | ${run.totals.unanswered} | ${run.totals.approvals} / ${books?.approvals ?? '—'} | ${run.totals.completions} / ${books?.completions ?? '—'} | ${run.totals.reversals} / ${books?.reversals ?? '—'} | ${books?.openHolds ?? '—'} | ${checked ?? '—'} | ${run.violations.length === 0 ? 'ok' : `${run.violations.length} ✗`} |`,
      );
    }
    lines.push('');
  }

  const crash = report.crash;
  if (crash) {
    lines.push(
      `Crash run (${crash.scenario} at ${crash.rate}/s, kill -9 after ${crash.killedAfterMs} ms): ${crash.totals.approvals} approvals, ${crash.totals.completions} completions, ${crash.totals.reversals} reversals seen; ${crash.totals.unanswered} unanswered; after the restart (${crash.restartToReadyMs} ms to ready) the journal holds ${crash.books.approvals} approvals, ${crash.books.completions} completions, ${crash.books.openHolds} open holds; ${crash.violations.length === 0 ? 'every one seen is there, the books balance' : `${crash.violations.length} violations`}.`,
    );
    lines.push('');
  }
  const scale = report.scale;
  if (scale) {
    const restart = scale.restart;
    lines.push(
      `Scale run (${scale.network.cards} cards, ${scale.network.accounts} accounts): import ${scale.importMs} ms, LMDB file ${scale.lmdbFileMB} MB; restarted: ready (ping answered) ${restart.toReadyMs} ms after the fork, first approval ${restart.toFirstApprovalMs} ms; RSS ${restart.rssAtReadyMB} MB at ready, ${restart.rssAfterFirstApprovalMB} MB after the first approval, ${restart.burst.rssAfterMB} MB (${restart.burst.anonymousMB !== undefined ? `${restart.burst.anonymousMB} MB anonymous, ${restart.burst.fileMappedMB} MB file-backed — node itself and LMDB's map; ` : ''}V8 heap ${restart.burst.heapUsedAfterMB} MB) after ${restart.burst.replies} authorisations over random cards (${restart.burst.throughput} req/s, p99 ${restart.burst.p99Ms} ms). Target: ready in seconds, under 2 GB.`,
    );
    lines.push('');
  }

  const alerts = report.alerts;
  if (alerts) {
    const r = alerts.ratios;
    lines.push(`### Alert rules: every rule on ÷ none (in process, ${alerts.network.cards} cards, the same seeded flows; a flow is an authorisation and its completion)`);
    lines.push('');
    lines.push('| rules | repeat | open rate/s | open p50 | open p99 | closed flows/s | closed p50 | closed p99 | CPU µs/flow | events evaluated | alerts | caught up after (ms) |');
    lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const run of alerts.runs) {
      lines.push(`| ${run.mode} | ${run.repeat} | ${run.open.rate} | ${fixed(run.open.latency.p50)} | ${fixed(run.open.latency.p99)} | ${run.closed.throughput.toFixed(0)} | ${fixed(run.closed.latency.p50)} | ${fixed(run.closed.latency.p99)} | ${run.cpuMicrosPerFlow} | ${run.evaluated} | ${run.alertsRaised} | ${run.catchUpMs} |`);
    }
    lines.push('');
    lines.push(`Ratios (all ÷ none, medians): open p50 ${r.openP50.toFixed(3)}, open p99 ${r.openP99.toFixed(3)}, closed p50 ${r.closedP50.toFixed(3)}, closed p99 ${r.closedP99.toFixed(3)}, closed throughput ${r.closedThroughput.toFixed(3)}, CPU per flow ${r.cpuPerFlow.toFixed(3)}.`);
    lines.push('');
  }

  const search = report.search;
  if (search) {
    lines.push(
      `### Feed search over ${search.rows.toLocaleString('en')} operations (${search.database.kind === 'postgres' ? `PostgreSQL ${search.database.version}` : `PGlite (${search.database.version})`}; target p95 < ${search.targetP95Ms} ms)`,
    );
    lines.push('');
    lines.push(
      `${search.spread.sites} sites, ${search.spread.terminals} terminals, ${search.spread.cards} cards (skewed), ${search.spread.counterparties} counterparties, ${search.spread.days} days; kinds ${Object.entries(search.kinds).map(([kind, count]) => `${kind} ${count}`).join(', ')}. Seeded in ${search.seedMs} ms, indexes ${search.indexMs} ms, VACUUM ANALYZE ${search.analyzeMs} ms; table ${search.tableMB} MB, indexes ${search.indexesMB} MB. Search: ${search.search}.`,
    );
    lines.push('');
    for (const loop of search.loops) {
      lines.push(`${loop.through === 'database' ? 'Over the pool' : 'Through HTTP (uWS, the transactions routes, end to end)'}: ${loop.clients} clients, closed loop, ${loop.durationS} s, ${loop.queriesPerSecond} queries/s, CPU ${loop.cpuPercent} % of one core (this process), ${loop.errors} errors. Baseline: ${loop.baselineDescription}.`);
      lines.push('');
      lines.push('| query | queries | rows/answer | p50 | p95 | p99 | max | p50 ÷ baseline | p95 ÷ baseline | p95 < target |');
      lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---|');
      for (const kind of loop.kinds) {
        lines.push(`| ${kind.kind} | ${kind.queries} | ${kind.rowsMean} | ${fixed(kind.latency.p50)} | ${fixed(kind.latency.p95)} | ${fixed(kind.latency.p99)} | ${fixed(kind.latency.max)} | ${kind.p50Ratio.toFixed(2)} | ${kind.p95Ratio.toFixed(2)} | ${kind.withinTarget ? 'yes' : 'no'} |`);
      }
      lines.push('');
    }
  }
  const lag = report.lag;
  if (lag) {
    lines.push(`### Read model lag at a sustained rate (${lag.database.kind === 'postgres' ? `PostgreSQL ${lag.database.version}` : 'PGlite'}; target < ${lag.targetSeconds} s)`);
    lines.push('');
    lines.push(
      `Engine alone (closed loop, ${lag.capacity.inFlight} flows in flight): ${lag.capacity.flowsPerSecond} flows/s = ${lag.capacity.decisionsPerSecond} decisions/s (a flow: an authorisation and its completion). Read model caught up with the import in ${lag.initialCatchUpMs} ms. Offered ${lag.offered.flowsPerSecond} flows/s${lag.offered.fraction !== undefined ? ` (${lag.offered.fraction} × capacity)` : ''} for ${lag.offered.durationS} s: achieved ${lag.achieved.decisionsPerSecond} decisions/s, p50 ${fixed(lag.achieved.latency.p50)} ms, p99 ${fixed(lag.achieved.latency.p99)} ms, ${lag.achieved.errors} errors; CPU ${lag.cpuPercent} % (engine and projector, one process)${lag.postgresCpuPercent !== undefined ? `, PostgreSQL backends ${lag.postgresCpuPercent} %` : ""}.`,
    );
    lines.push('');
    lines.push(
      `Journal ${lag.eventsPerSecond.journal} events/s, projected ${lag.eventsPerSecond.projected} events/s. Lag (${lag.lag.samples} samples every 100 ms): max ${lag.lag.maxSeconds} s (${lag.lag.maxPositions} positions), p99 ${lag.lag.p99Seconds} s (${lag.lag.p99Positions} positions), p50 ${lag.lag.p50Seconds} s; caught up ${lag.catchUpMs} ms after the last reply. ${lag.withinTarget ? 'Within' : 'Over'} the target.`,
    );
    lines.push('');
  }

  const browser = report.browser;
  if (browser) {
    const r = browser.ratios;
    const c = browser.checks;
    const ms = (summary: BrowserSummary['latency'], pick: 'p50' | 'p99' | 'max'): string => (summary.count > 0 ? fixed(summary[pick], 0) : '—');
    lines.push(`### The live feed in Chromium (\`/feed\`, ${browser.chromium}, ${browser.viewport.width}×${browser.viewport.height}): ${browser.rate} operations/s for ${browser.durationS} s against the page idle as long`);
    lines.push('');
    lines.push(
      `Medians of ${browser.phases.length / 2} repeat(s): frames/s idle ${browser.idle.framesPerSecond}, under load ${browser.load.framesPerSecond} (ratio ${r.framesPerSecond.toFixed(3)}); worst frame gap idle ${browser.idle.worstFrameGapMs} ms, under load ${browser.load.worstFrameGapMs} ms; long-task share of wall time idle ${browser.idle.longTaskShare.toFixed(3)}, under load ${browser.load.longTaskShare.toFixed(3)}; main thread busy idle ${browser.idle.mainThreadBusy.toFixed(3)}, under load ${browser.load.mainThreadBusy.toFixed(3)} (ratio ${r.mainThreadBusy.toFixed(3)}); commit→screen under load p50 ${ms(browser.load.latency, 'p50')} ms, p99 ${ms(browser.load.latency, 'p99')} ms, max ${ms(browser.load.latency, 'max')} ms (${browser.load.latency.count} events); under load offered ${browser.load.offeredPerSecond} operations/s, committed ${browser.load.committedPerSecond} events/s, shown ${browser.load.shownPerSecond} events/s (shown ÷ committed ${r.shownOverCommitted.toFixed(3)}, ÷ offered ${r.shownOverOffered.toFixed(3)}).`,
    );
    lines.push('');
    lines.push('| phase | repeat | offered ops/s | committed events/s | shown events/s | frames/s | worst frame gap ms | long tasks | long tasks ms | longest ms | long-task share | main thread busy | script / layout / style ms | JS heap MB | commit→screen p50 | p99 | max | latency samples |');
    lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const phase of browser.phases) {
      lines.push(
        `| ${phase.phase} | ${phase.repeat} | ${phase.offered.perSecond} | ${phase.committed.perSecond} | ${phase.shown.perSecond} | ${phase.framesPerSecond} | ${phase.worstFrameGapMs} | ${phase.longTasks.count} | ${phase.longTasks.totalMs} | ${phase.longTasks.longestMs} | ${phase.longTasks.shareOfWallTime.toFixed(3)} | ${phase.mainThread.busyShare.toFixed(3)} | ${phase.mainThread.scriptMs} / ${phase.mainThread.layoutMs} / ${phase.mainThread.styleMs} | ${phase.mainThread.heapUsedMB} | ${phase.latency.count > 0 ? fixed(phase.latency.p50, 0) : '—'} | ${phase.latency.count > 0 ? fixed(phase.latency.p99, 0) : '—'} | ${phase.latency.count > 0 ? fixed(phase.latency.max, 0) : '—'} | ${phase.latency.count} |`,
      );
    }
    lines.push('');
    lines.push(
      `Replies under load: ${Object.entries(browser.outcomes).map(([outcome, count]) => `${outcome} ${count}`).join(', ')}; ${browser.lateSends} sends > 2 ms late (worst ${browser.maxSendLagMs} ms); this process (engine, gateways, load) ${browser.serverCpuPercent} % of one core. Commit→screen: the item's \`at\` (decision time) to React's commit of the list showing it, ms. Feed check: ${c.expected} events committed while the page was live, ${c.shown} shown, ${c.missing} missing, ${c.duplicates} shown twice, ${c.unexpected} unexpected (drained in ${c.drainMs} ms).`,
    );
    lines.push('');
  }

  for (const skipped of report.skipped) lines.push(`Skipped: ${skipped}`);
  for (const failure of report.failures) lines.push(`FAILED: ${failure}`);
  const violationsShown = 40;
  for (const violation of report.violations.slice(0, violationsShown)) lines.push(`VIOLATION: ${violation}`);
  if (report.violations.length > violationsShown) lines.push(`… and ${report.violations.length - violationsShown} more violations (all in the JSON).`);
  if (report.failures.length === 0 && report.violations.length === 0) lines.push('All parts completed; no correctness violations.');
  if (report.resultsFile) lines.push(`Results: ${report.resultsFile}${report.chartFile ? `, chart ${report.chartFile}` : ''}`);
  return lines.join('\n');
}

export function benchSucceeded(report: BenchReport): boolean {
  return report.failures.length === 0 && report.violations.length === 0;
}

function parseArguments(argv: string[]): BenchOptions | string {
  const value = (flag: string): string | undefined => {
    const index = argv.indexOf(flag);
    return index >= 0 ? argv[index + 1] : undefined;
  };
  const options: BenchOptions = { smoke: argv.includes('--smoke'), write: !argv.includes('--no-write') };
  const only = value('--only');
  if (only !== undefined) {
    const list = only.split(',');
    const unknown = list.filter((part) => !(benchParts as readonly string[]).includes(part));
    if (unknown.length > 0 || list.length === 0) return `--only takes ${benchParts.join(', ')} (comma-separated)`;
    options.only = list as BenchPart[];
  }
  const repeats = value('--repeats');
  if (repeats !== undefined) {
    if (!/^[1-9]\d?$/.test(repeats)) return '--repeats takes a number from 1 to 99';
    options.repeats = Number(repeats);
  }
  const scenarios = value('--scenarios');
  if (scenarios !== undefined) {
    const list = scenarios.split(',');
    const unknown = list.filter((name) => !scenarioNames.includes(name));
    if (unknown.length > 0 || list.length === 0) return `--scenarios takes ${scenarioNames.join(', ')} (comma-separated)`;
    options.scenarios = list;
  }
  const generators = value('--generators');
  if (generators !== undefined) {
    if (generators !== 'auto' && !/^[1-9]$/.test(generators)) return '--generators takes 1 … 9 or auto';
    options.generators = generators === 'auto' ? 'auto' : Number(generators);
  }
  const readModel = value('--read-model');
  if (readModel !== undefined) {
    const kinds = { auto: 'auto', server: 'postgres', pglite: 'embedded' } as const;
    if (!(readModel in kinds)) return '--read-model takes auto, server or pglite';
    options.readModel = kinds[readModel as keyof typeof kinds];
  }
  const pool = value('--pg-pool');
  if (pool !== undefined) {
    if (!/^\d{1,3}$/.test(pool) || Number(pool) < 1 || Number(pool) > 100) return '--pg-pool takes 1 … 100';
    options.pgPool = Number(pool);
  }
  return options;
}

async function main(argv: string[]): Promise<number> {
  const options = parseArguments(argv);
  if (typeof options === 'string') {
    console.error(options);
    return 2;
  }
  const started = performance.now();
  const report = await runBench({ ...options, log: (line) => console.error(`[${((performance.now() - started) / 1000).toFixed(1)}s] ${line}`) });
  console.log(formatReport(report));
  return benchSucceeded(report) ? 0 : 1;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
