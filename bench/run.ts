// `npm run bench` (full) and `npm run bench:smoke` (tiny, a second or two per scenario): runs the
// in-process core bench and the NATS bench (E and T0, one at a time), checks correctness after each,
// writes bench/results/<timestamp>.json and prints a markdown table with the ratios E ÷ T0.
// Flags: --smoke, --only core|nats, --no-write. Exit code 1 when a scenario failed or a check broke.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CoreOptions, CoreReport } from './core.js';
import { runCore } from './core.js';
import type { NatsOptions, NatsReport } from './nats.js';
import { runNats } from './nats.js';
import { natsServerBinary } from '../test/support/nats.js';
import type { BenchNetworkSize } from './network.js';
import { repoRoot } from './processes.js';
import type { ScenarioResult } from './stats.js';

export type BenchPart = 'core' | 'nats';

export interface BenchOptions {
  smoke: boolean;
  only?: BenchPart;
  /** Write bench/results/<timestamp>.json (default true). */
  write?: boolean;
  log?: (line: string) => void;
}

export interface BenchReport {
  mode: 'smoke' | 'full';
  startedAt: string;
  finishedAt: string;
  machine: { cpus: number; cpuModel: string; memoryGB: number; node: string; platform: string };
  /** The engine version measured: HEAD and whether the work tree had changes outside bench/. */
  git: { commit: string; dirty: boolean } | undefined;
  network: BenchNetworkSize;
  core?: CoreReport;
  nats?: NatsReport;
  skipped: string[];
  /** Scenarios that threw. */
  failures: string[];
  /** Correctness checks that broke. */
  violations: string[];
  resultsFile?: string;
}

interface Plan {
  network: BenchNetworkSize;
  core: Omit<CoreOptions, 'network' | 'log'>;
  nats: Omit<NatsOptions, 'network' | 'log'>;
}

export function planFor(smoke: boolean): Plan {
  if (smoke) {
    return {
      network: { cards: 2_000, accounts: 200, terminals: 50 },
      core: { warmupRequests: 500, inFlight: [256, 1024], requestsPerRun: 3_000, serviceRequests: 200, completeCount: 200 },
      nats: { inFlight: [16, 128], rates: [500], addSloRate: false, systemWarmupMs: 300, scenarioWarmupMs: 200, durationMs: 1_000, requestTimeoutMs: 2_000, lateSendMs: 2 },
    };
  }
  return {
    network: { cards: 100_000, accounts: 10_000, terminals: 1_000 },
    core: { warmupRequests: 20_000, inFlight: [256, 1024], requestsPerRun: 60_000, serviceRequests: 3_000, completeCount: 5_000 },
    nats: { inFlight: [16, 128], rates: [1_000, 2_000, 5_000], addSloRate: true, systemWarmupMs: 3_000, scenarioWarmupMs: 1_000, durationMs: 5_000, requestTimeoutMs: 2_000, lateSendMs: 2 },
  };
}

export async function runBench(options: BenchOptions): Promise<BenchReport> {
  const log = options.log ?? (() => undefined);
  const plan = planFor(options.smoke);
  const cpuList = cpus();
  const report: BenchReport = {
    mode: options.smoke ? 'smoke' : 'full',
    startedAt: new Date().toISOString(),
    finishedAt: '',
    machine: { cpus: cpuList.length, cpuModel: cpuList[0]?.model ?? '?', memoryGB: Math.round(totalmem() / 1e8) / 10, node: process.version, platform: `${process.platform}-${process.arch}` },
    git: gitVersion(),
    network: plan.network,
    skipped: [],
    failures: [],
    violations: [],
  };
  if (options.only !== 'nats') {
    try {
      report.core = await runCore({ ...plan.core, network: plan.network, log });
      report.violations.push(...report.core.violations);
    } catch (error) {
      report.failures.push(`core: ${describe(error)}`);
      log(`core failed: ${describe(error)}`);
    }
  }
  if (options.only !== 'core') {
    const natsUrl = process.env['NATS_URL'];
    if ((natsUrl === undefined || natsUrl === '') && !existsSync(natsServerBinary)) {
      report.skipped.push(`nats: no NATS_URL and no ${natsServerBinary}`);
    } else {
      try {
        report.nats = await runNats({ ...plan.nats, network: plan.network, log });
        report.violations.push(...report.nats.violations);
      } catch (error) {
        report.failures.push(`nats: ${describe(error)}`);
        log(`nats failed: ${describe(error)}`);
      }
    }
  }
  report.finishedAt = new Date().toISOString();
  if (options.write !== false) {
    const directory = join(repoRoot, 'bench', 'results');
    mkdirSync(directory, { recursive: true });
    const file = join(directory, `${report.startedAt.replace(/[:.]/g, '-')}${options.smoke ? '-smoke' : ''}.json`);
    report.resultsFile = file;
    writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
  }
  return report;
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

// ---- the printed report ------------------------------------------------------------------------

const systemNames: Record<ScenarioResult['system'], string> = { 'engine-core': 'engine core (in process)', engine: 'E engine over NATS', echo: 'T0 NATS echo' };

function row(scenario: ScenarioResult): string {
  const load = scenario.mode === 'closed' ? `${scenario.inFlight ?? '?'} in flight` : `${scenario.rate ?? '?'}/s`;
  const decider = scenario.processes?.[scenario.system === 'engine-core' ? 'engine' : scenario.system];
  const cells = [
    systemNames[scenario.system],
    scenario.mode,
    load,
    scenario.throughput.toFixed(0),
    scenario.latency.p50.toFixed(3),
    scenario.latency.p99.toFixed(3),
    scenario.latency.p999.toFixed(3),
    scenario.latency.max.toFixed(3),
    String(scenario.timeouts),
    decider ? `${decider.cpuPercent}` : '',
    scenario.eventLoopDelayP99Ms !== undefined ? scenario.eventLoopDelayP99Ms.toFixed(1) : '',
    scenario.commits ? `${scenario.commits.writesPerFlush}` : '',
    scenario.violations.length > 0 ? `${scenario.violations.length} ✗` : 'ok',
  ];
  return `| ${cells.join(' | ')} |`;
}

export function formatReport(report: BenchReport): string {
  const lines: string[] = [];
  const m = report.machine;
  const version = report.git ? `, engine ${report.git.commit}${report.git.dirty ? ' (modified)' : ''}` : '';
  lines.push(`## Tessera bench (${report.mode}) — ${report.startedAt}${version}`);
  lines.push('');
  lines.push(`${m.cpus} × ${m.cpuModel}, ${m.memoryGB} GB, node ${m.node}; network: ${report.network.cards} cards, ${report.network.accounts} accounts, ${report.network.terminals} terminals. Latencies in ms.`);
  lines.push('');
  lines.push('| system | mode | in flight / rate | req/s | p50 | p99 | p99.9 | max | timeouts | CPU % | loop p99 | writes/flush¹ | checks |');
  lines.push('|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|');
  for (const scenario of [...(report.core?.scenarios ?? []), ...(report.nats?.scenarios ?? [])]) lines.push(row(scenario));
  lines.push('');
  lines.push('CPU % and loop p99 (event-loop delay, ms) are those of the deciding process (engine or echo). ¹ Writes per report of the');
  lines.push("engine's `onBatchFlushed`, which merges commits while writes stay in flight: under sustained load it is not the LMDB commit batch size.");
  lines.push('');
  const core = report.core;
  if (core) {
    const best = Math.max(0, ...core.scenarios.filter((s) => (s.inFlight ?? 0) > 1).map((s) => s.throughput));
    const service = core.scenarios.find((s) => s.inFlight === 1);
    lines.push(`Core: best ${best.toFixed(0)} auth/s (target ≥ 100,000: ${(best / 100_000).toFixed(3)} of it)` + (service ? `; service time at 1 in flight p50 ${service.latency.p50} ms, p99 ${service.latency.p99} ms.` : '.'));
    lines.push(`Core checks: ${core.checks.approvals} approvals, ${core.checks.completed} completed, ${core.checks.openHolds} holds open (expected ${core.checks.expectedOpenHolds}); import ${core.network.importMs} ms.`);
  }
  const nats = report.nats;
  if (nats) {
    lines.push('');
    lines.push('Ratios E ÷ T0 (same run, same machine):');
    lines.push('');
    lines.push('| measure | E | T0 | E ÷ T0 |');
    lines.push('|---|---:|---:|---:|');
    for (const entry of nats.ratios.closedThroughput) lines.push(`| closed loop req/s, ${entry.inFlight} in flight | ${entry.engine.toFixed(0)} | ${entry.echo.toFixed(0)} | ${entry.ratio.toFixed(3)} |`);
    for (const entry of nats.ratios.openP99) lines.push(`| open loop p99 ms at ${entry.rate}/s | ${entry.engine.toFixed(3)} | ${entry.echo.toFixed(3)} | ${entry.ratio.toFixed(2)} |`);
    const slo = nats.ratios.sloRate;
    lines.push(`| highest offered rate with p99 < 10 ms, no timeouts | ${slo.engine} | ${slo.echo} | ${slo.ratio.toFixed(3)} |`);
    lines.push('');
    for (const check of nats.checks) {
      lines.push(
        `Checks ${check.system}: ${check.requests} requests, ${check.replies} replies (${check.lateReplies} late), ${check.unanswered} unanswered, ${check.approvals} approvals` +
          (check.openHoldsAfter !== undefined ? `, holds open ${check.openHoldsAfter - (check.openHoldsBefore ?? 0)}` : '') +
          (check.handledByResponder !== undefined ? `, responder answered ${check.handledByResponder}` : '') +
          '.',
      );
    }
  }
  lines.push('');
  for (const skipped of report.skipped) lines.push(`Skipped: ${skipped}`);
  for (const failure of report.failures) lines.push(`FAILED: ${failure}`);
  for (const violation of report.violations) lines.push(`VIOLATION: ${violation}`);
  if (report.failures.length === 0 && report.violations.length === 0) lines.push('All scenarios completed; no correctness violations.');
  if (report.resultsFile) lines.push(`Results: ${report.resultsFile}`);
  return lines.join('\n');
}

export function benchSucceeded(report: BenchReport): boolean {
  return report.failures.length === 0 && report.violations.length === 0;
}

async function main(argv: string[]): Promise<number> {
  const smoke = argv.includes('--smoke');
  const onlyIndex = argv.indexOf('--only');
  const only = onlyIndex >= 0 ? argv[onlyIndex + 1] : undefined;
  if (only !== undefined && only !== 'core' && only !== 'nats') {
    console.error('--only takes core or nats');
    return 2;
  }
  const started = performance.now();
  const report = await runBench({ smoke, ...(only !== undefined ? { only } : {}), write: !argv.includes('--no-write'), log: (line) => console.error(`[${((performance.now() - started) / 1000).toFixed(1)}s] ${line}`) });
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
