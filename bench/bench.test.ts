// The bench in smoke mode as a test: every part and every scenario must finish, measure something,
// and find no correctness violation. No timing thresholds: shared machines are too noisy for them.
// A part whose server is missing (nats-server, PostgreSQL, pgbench) is reported skipped, not failed.

import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { benchNetwork, hasDayLimit } from './network.js';
import { networkDocumentSchema, seededRandom } from '../engine/index.js';
import { latencyChartSvg } from './chart.js';
import { mergeSteps } from './load.js';
import { parsePgbench } from './pgbench.js';
import { benchSucceeded, formatReport, runBench } from './run.js';
import { scenarios } from './scenarios/index.js';
import { LatencyRecorder } from './stats.js';
import { repoRoot } from './processes.js';
import { searchKinds } from './read-model-search.js';

describe('bench network', () => {
  it('is a valid network document, the same every time', () => {
    const size = { cards: 25, accounts: 4, terminals: 13 };
    const document = benchNetwork(size);
    expect(networkDocumentSchema.safeParse(document).success).toBe(true);
    expect(benchNetwork(size)).toEqual(document);
    expect(document.cards?.[0]?.number).toBe('9000000000000000');
    expect(document.cards?.every((card) => card.number.length === 16)).toBe(true);
    expect(document.sites?.flatMap((site) => site.terminals.map((terminal) => terminal.id))).toHaveLength(13);
    expect(document.cards?.some((card) => card.limits?.some((limit) => limit.period === 'day'))).toBe(true);
  });
});

describe('bench scenarios', () => {
  const network = { cards: 2_000, accounts: 200, terminals: 50 };
  for (const scenario of scenarios) {
    it(`${scenario.name}: the same seed gives the same stream, and its cards are labelled right`, () => {
      const take = (seed: number): unknown[] => {
        const stream = scenario.stream({ network, random: seededRandom(seed) });
        return Array.from({ length: 200 }, () => stream.next());
      };
      expect(take(3)).toEqual(take(3));
      expect(take(3)).not.toEqual(take(4));
      for (const request of take(5) as { op: string; card?: string; body: { card?: string } }[]) {
        expect(['authorize', 'sale', 'session.start']).toContain(request.op);
        if (request.body.card === undefined) {
          // Receipts without a card and wash sessions by plate name no card.
          expect(request.card).toBeUndefined();
          continue;
        }
        const index = Number(BigInt(request.body.card) - 9_000_000_000_000_000n);
        const kind = index >= network.cards ? 'unknown' : hasDayLimit(index) ? 'limited' : 'plain';
        expect(request.card).toBe(kind);
      }
    });
  }
});

describe('bench plumbing', () => {
  it('merges latency counts of several generators into one histogram', () => {
    const a = new LatencyRecorder();
    const b = new LatencyRecorder();
    for (let index = 1; index <= 1_000; index++) (index % 2 === 0 ? a : b).recordMs(index / 100);
    const whole = new LatencyRecorder();
    for (let index = 1; index <= 1_000; index++) whole.recordMs(index / 100);
    const step = { windowMs: 1_000, sent: 500, replies: 500, scheduledReplies: 500, timeouts: 0, errors: 0, lateSends: 0, maxSendLagMs: 0, outcomes: {}, operations: {}, approvals: 0, violations: [], cpuPercent: 1, loopDelayP99Ms: 0, rssMB: 1 };
    const merged = mergeSteps([
      { ...step, latency: a.exportCounts() },
      { ...step, latency: b.exportCounts() },
    ]);
    expect(merged.replies).toBe(1_000);
    expect(merged.recorder.summary()).toEqual(whole.summary());
  });

  it('reads pgbench output', () => {
    const output = [
      'number of transactions actually processed: 5103',
      'number of failed transactions: 0 (0.000%)',
      'latency average = 3.124 ms',
      'latency stddev = 3.437 ms',
      'initial connection time = 12.779 ms',
      'tps = 2545.439309 (without initial connection time)',
    ].join('\n');
    expect(parsePgbench(output)).toEqual({ tps: 2545.4, transactions: 5103, failed: 0, latencyAverageMs: 3.124, latencyStddevMs: 3.437 });
  });

  it('type-checks the k6 scripts against @types/k6 (k6 itself runs them: bench/README.md)', { timeout: 60_000 }, () => {
    const tsc = join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
    expect(() => execFileSync(process.execPath, [tsc, '-p', join(repoRoot, 'bench', 'k6', 'tsconfig.json'), '--noEmit'], { encoding: 'utf8', stdio: 'pipe' })).not.toThrow();
  });

  it('draws a chart with no data as well as with some', () => {
    expect(latencyChartSvg([], 'empty')).toContain('<svg');
  });
});

describe('bench smoke', () => {
  it('runs every part and scenario to completion with no correctness violations', { timeout: 240_000 }, async () => {
    const report = await runBench({ smoke: true, write: false });
    const text = formatReport(report);
    expect(report.failures, text).toEqual([]);
    expect(report.violations, text).toEqual([]);
    expect(benchSucceeded(report)).toBe(true);

    const core = report.core;
    expect(core).toBeDefined();
    expect(core?.scenarios.length).toBeGreaterThan(0);
    for (const scenario of core?.scenarios ?? []) {
      expect(scenario.throughput).toBeGreaterThan(0);
      expect(scenario.replies).toBe(scenario.sent);
      expect(scenario.latency.p99).toBeGreaterThan(0);
    }
    expect(core?.checks.approvals).toBeGreaterThan(0);
    expect(core?.checks.openHolds).toBe(core?.checks.expectedOpenHolds);

    const natsSkipped = report.skipped.some((reason) => reason.startsWith('nats:'));
    if (!natsSkipped) {
      const nats = report.nats;
      expect(nats).toBeDefined();
      const pgSkipped = report.skipped.some((reason) => reason.startsWith('pg '));
      const systems = ['engine', 'echo', ...(pgSkipped ? [] : ['postgres'])] as const;
      for (const system of systems) {
        const results = nats?.scenarios.filter((result) => result.system === system) ?? [];
        expect(results.length, system).toBeGreaterThan(0);
        for (const result of results) {
          expect(result.throughput, `${system} ${result.scenario ?? ''}`).toBeGreaterThan(0);
          expect(result.latency.p99, `${system} ${result.scenario ?? ''}`).toBeGreaterThan(0);
        }
        // Every scenario the system can answer was offered to it.
        const offered = new Set(results.filter((result) => result.mode === 'open').map((result) => result.scenario));
        for (const scenario of scenarios.filter((candidate) => (candidate.systems as readonly string[]).includes(system))) expect(offered.has(scenario.name), `${system} ${scenario.name}`).toBe(true);
      }
      for (const run of nats?.runs.filter((entry) => entry.system !== 'echo') ?? []) {
        expect(run.books?.approvals, run.system).toBeGreaterThan(0);
        expect(run.books?.completions, run.system).toBeGreaterThan(0);
        expect(run.handles?.every((check) => check.missing === 0), run.system).toBe(true);
      }
      expect(nats?.ratios.closedThroughput.every((entry) => entry.engineOverEcho > 0)).toBe(true);

      expect(report.crash?.totals.approvals).toBeGreaterThan(0);
      expect(report.crash?.books.approvals).toBeGreaterThanOrEqual(report.crash?.totals.approvals ?? Number.POSITIVE_INFINITY);
      expect(report.scale?.restart.toFirstApprovalMs).toBeGreaterThan(0);
      expect(report.scale?.restart.burst.replies).toBeGreaterThan(0);
    }

    // The alert rules' part: both modes ran, the rules raised alerts with every rule on and evaluated nothing with none.
    const alerts = report.alerts;
    expect(alerts?.runs.map((run) => run.mode).sort()).toEqual(['all', 'none']);
    for (const run of alerts?.runs ?? []) {
      expect(run.open.replies, run.mode).toBeGreaterThan(0);
      expect(run.closed.throughput, run.mode).toBeGreaterThan(0);
      expect(run.cpuMicrosPerFlow, run.mode).toBeGreaterThan(0);
    }
    expect(alerts?.runs.find((run) => run.mode === 'all')?.alertsRaised).toBeGreaterThan(0);
    expect(alerts?.runs.find((run) => run.mode === 'none')?.evaluated).toBe(0);
    expect(alerts?.ratios.closedThroughput).toBeGreaterThan(0);

    // The feed's search: every query kind and the baseline answered, over the pool (and through HTTP when its routes are there).
    const search = report.search;
    expect(search?.rows).toBeGreaterThan(0);
    expect(Object.values(search?.kinds ?? {}).reduce((sum, count) => sum + count, 0)).toBe(search?.rows);
    for (const loop of search?.loops ?? []) {
      expect(loop.errors, loop.through).toBe(0);
      for (const kind of [...searchKinds, 'primary-key']) {
        const result = loop.kinds.find((entry) => entry.kind === kind);
        expect(result?.queries, `${loop.through} ${kind}`).toBeGreaterThan(0);
        expect(result?.latency.p95, `${loop.through} ${kind}`).toBeGreaterThan(0);
      }
      expect(loop.kinds.find((entry) => entry.kind === 'newest')?.rowsMean).toBeGreaterThan(0);
    }
    expect(search?.loops.some((loop) => loop.through === 'database')).toBe(true);

    // The projector's lag: the load ran, was projected (checked against the journal in the part), and was sampled.
    const lag = report.lag;
    expect(lag?.capacity.flowsPerSecond).toBeGreaterThan(0);
    expect(lag?.achieved.decisionsPerSecond).toBeGreaterThan(0);
    expect(lag?.eventsPerSecond.projected).toBeGreaterThan(0);
    expect(lag?.lag.samples).toBeGreaterThan(0);

    // The live feed in Chromium: both phases measured, the load reached the page, and every event of the
    // network committed while the page was live was shown exactly once (else a violation, above).
    if (!report.skipped.some((reason) => reason.startsWith('browser:'))) {
      const browser = report.browser;
      expect(browser?.phases.map((phase) => phase.phase).sort()).toEqual(['idle', 'load']);
      for (const phase of browser?.phases ?? []) expect(phase.frames, phase.phase).toBeGreaterThan(0);
      expect(browser?.phases.find((phase) => phase.phase === 'load')?.offered.operations).toBeGreaterThan(0);
      expect(browser?.load.latency.count).toBeGreaterThan(0);
      expect(browser?.checks.expected).toBeGreaterThan(0);
      expect(browser?.checks.shown).toBe(browser?.checks.expected);
    }

    if (!report.skipped.some((reason) => reason.startsWith('pgbench'))) {
      expect(report.pgbench?.runs.length).toBe(4);
      for (const run of report.pgbench?.runs ?? []) expect(run.tps, `${run.script} ${run.clients}`).toBeGreaterThan(0);
    }
  });
});
