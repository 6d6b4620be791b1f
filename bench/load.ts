// The orchestrator's side of the load generators: starts N generator processes
// (bench/generator-process.ts), each with its own seed, offers a step's rate split between them so
// they all start at the same instant, and merges what they report — counts summed, latency
// histograms merged from their counts, the worst send lag and loop delay kept.

import type { BenchNetworkSize } from './network.js';
import type { ChildHandle } from './processes.js';
import { startChild } from './processes.js';
import type { GeneratorConfig, GeneratorTotals, SeenKind, StepReport } from './generator.js';
import { LatencyRecorder } from './stats.js';

export interface GeneratorPoolOptions {
  natsUrl: string;
  network: BenchNetworkSize;
  requestTimeoutMs: number;
  lateSendMs: number;
  checkReplies: boolean;
  seed: number;
  count: number;
}

export interface MergedStep {
  generators: number;
  windowMs: number;
  sent: number;
  replies: number;
  scheduledReplies: number;
  timeouts: number;
  errors: number;
  lateSends: number;
  maxSendLagMs: number;
  outcomes: Record<string, number>;
  operations: Record<string, number>;
  approvals: number;
  recorder: LatencyRecorder;
  violations: string[];
  /** Summed over the generators (percent of one core). */
  cpuPercent: number;
  rssMB: number;
  loopDelayP99Ms: number;
}

/** Time given to every generator to be ready for a step's common start. */
const stepStartLeadMs = 150;

function addInto(target: Record<string, number>, source: Record<string, number>): void {
  for (const [key, value] of Object.entries(source)) target[key] = (target[key] ?? 0) + value;
}

export function mergeSteps(reports: readonly StepReport[]): MergedStep {
  const merged: MergedStep = {
    generators: reports.length,
    windowMs: Math.max(0, ...reports.map((report) => report.windowMs)),
    sent: 0,
    replies: 0,
    scheduledReplies: 0,
    timeouts: 0,
    errors: 0,
    lateSends: 0,
    maxSendLagMs: 0,
    outcomes: {},
    operations: {},
    approvals: 0,
    recorder: new LatencyRecorder(),
    violations: [],
    cpuPercent: 0,
    rssMB: 0,
    loopDelayP99Ms: 0,
  };
  for (const report of reports) {
    merged.sent += report.sent;
    merged.replies += report.replies;
    merged.scheduledReplies += report.scheduledReplies;
    merged.timeouts += report.timeouts;
    merged.errors += report.errors;
    merged.lateSends += report.lateSends;
    merged.approvals += report.approvals;
    merged.maxSendLagMs = Math.max(merged.maxSendLagMs, report.maxSendLagMs);
    merged.loopDelayP99Ms = Math.max(merged.loopDelayP99Ms, report.loopDelayP99Ms);
    merged.cpuPercent = Math.round((merged.cpuPercent + report.cpuPercent) * 10) / 10;
    merged.rssMB = Math.round((merged.rssMB + report.rssMB) * 10) / 10;
    addInto(merged.outcomes, report.outcomes);
    addInto(merged.operations, report.operations);
    merged.recorder.addCounts(report.latency);
    for (const violation of report.violations) if (merged.violations.length < 20) merged.violations.push(violation);
  }
  return merged;
}

export class GeneratorPool {
  private constructor(private readonly handles: ChildHandle[]) {}

  static async start(options: GeneratorPoolOptions): Promise<GeneratorPool> {
    const stamp = Date.now().toString(36);
    const handles = await Promise.all(
      Array.from({ length: Math.max(1, options.count) }, (_, index) => {
        const config: GeneratorConfig = {
          natsUrl: options.natsUrl,
          network: options.network,
          requestTimeoutMs: options.requestTimeoutMs,
          lateSendMs: options.lateSendMs,
          checkReplies: options.checkReplies,
          seed: (options.seed + index * 7_919) >>> 0,
          tag: `g${index}${stamp}`,
        };
        return startChild('generator-process.ts', config);
      }),
    );
    return new GeneratorPool(handles);
  }

  get size(): number {
    return this.handles.length;
  }

  get pids(): number[] {
    return this.handles.map((handle) => handle.pid);
  }

  /** An open-loop step at `rate` requests/s, split evenly over the first `use` generators. */
  async open(step: { scenario: string; rate: number; warmupMs: number; durationMs: number }, use = this.size): Promise<MergedStep> {
    const active = this.handles.slice(0, Math.max(1, Math.min(use, this.size)));
    const startAtEpochMs = Date.now() + stepStartLeadMs;
    const timeoutMs = step.warmupMs + step.durationMs + 120_000;
    const reports = await Promise.all(active.map((handle) => handle.call<StepReport>('run.open', { ...step, rate: step.rate / active.length, startAtEpochMs }, timeoutMs)));
    return mergeSteps(reports);
  }

  /** A closed-loop step with `inFlight` requests outstanding, from the first generator. */
  async closed(step: { scenario: string; inFlight: number; warmupMs: number; durationMs: number }): Promise<MergedStep> {
    const first = this.handles[0];
    if (first === undefined) throw new Error('no generator');
    const report = await first.call<StepReport>('run.closed', { ...step, startAtEpochMs: Date.now() + stepStartLeadMs }, step.warmupMs + step.durationMs + 120_000);
    return mergeSteps([report]);
  }

  /** Waits for late replies on every generator; totals summed. */
  async settle(quietMs: number, maxMs: number): Promise<GeneratorTotals> {
    const all = await Promise.all(this.handles.map((handle) => handle.call<GeneratorTotals>('settle', { quietMs, maxMs }, maxMs + 60_000)));
    const totals: GeneratorTotals = { requests: 0, replies: 0, lateReplies: 0, unanswered: 0, unknownReplies: 0, approvals: 0, completions: 0, reversals: 0, violations: [] };
    for (const one of all) {
      totals.requests += one.requests;
      totals.replies += one.replies;
      totals.lateReplies += one.lateReplies;
      totals.unanswered += one.unanswered;
      totals.unknownReplies += one.unknownReplies;
      totals.approvals += one.approvals;
      totals.completions += one.completions;
      totals.reversals += one.reversals;
      totals.violations.push(...one.violations);
    }
    return totals;
  }

  /** The handles every generator saw approved, `chunk` at a time. */
  async *seen(kind: SeenKind, chunk = 20_000): AsyncGenerator<string[]> {
    for (const handle of this.handles) {
      for (let offset = 0; ; offset += chunk) {
        const part = await handle.call<string[]>('seen', { kind, offset, limit: chunk }, 60_000);
        if (part.length > 0) yield part;
        if (part.length < chunk) break;
      }
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.handles.map((handle) => handle.stop()));
  }
}
