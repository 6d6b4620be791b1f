// What every bench scenario shares: latency histograms in microseconds (perf_hooks' HDR-style
// histogram), their summary in milliseconds, a seeded random sequence, CPU accounting per process,
// and the shape of one scenario's result.

import { createHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import type { IntervalHistogram, RecordableHistogram } from 'node:perf_hooks';
import { readFileSync } from 'node:fs';

export interface LatencySummary {
  /** Samples recorded. */
  count: number;
  /** Milliseconds. */
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

export interface ProcessUsage {
  /** CPU time over wall time, in percent of one core (can exceed 100 with threads). */
  cpuPercent: number;
  rssMB?: number;
}

export interface ScenarioResult {
  /** `engine-core` (in process), `engine` (E over NATS) or `echo` (T0 over NATS). */
  system: 'engine-core' | 'engine' | 'echo';
  mode: 'closed' | 'open';
  /** Closed loop: requests kept in flight. */
  inFlight?: number;
  /** Open loop: offered rate, requests per second. */
  rate?: number;
  /** Measured window, seconds. */
  durationS: number;
  /** Requests sent and replies received in the measured window. */
  sent: number;
  replies: number;
  /** Replies per second over the measured window (achieved rate). */
  throughput: number;
  latency: LatencySummary;
  timeouts: number;
  /** Open loop: sends more than `lateSendMs` behind their schedule, and the worst lag (ms). */
  lateSends?: number;
  maxSendLagMs?: number;
  /** `result:reason` → count. */
  outcomes: Record<string, number>;
  approvals: number;
  /** Event-loop delay p99 (ms) of the process that decides: the engine (or echo responder). */
  eventLoopDelayP99Ms?: number;
  /** Event-loop delay p99 (ms) of the load generator, where it is a process of its own. */
  driverEventLoopDelayP99Ms?: number;
  /** CPU and memory per process taking part (driver, engine, echo, nats-server). */
  processes?: Record<string, ProcessUsage>;
  /** LMDB flush reports and writes per report, where the engine is observable. */
  commits?: { flushReports: number; writes: number; writesPerFlush: number };
  violations: string[];
}

/** A histogram of latencies in microseconds. */
export class LatencyRecorder {
  readonly histogram: RecordableHistogram = createHistogram({ lowest: 1, highest: 120_000_000, figures: 3 });

  /** Records a latency given in milliseconds. */
  recordMs(milliseconds: number): void {
    this.histogram.record(Math.max(1, Math.round(milliseconds * 1000)));
  }

  summary(): LatencySummary {
    const h = this.histogram;
    if (h.count === 0) return { count: 0, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 };
    const ms = (microseconds: number): number => Math.round(microseconds) / 1000;
    return {
      count: h.count,
      mean: ms(h.mean),
      p50: ms(h.percentile(50)),
      p90: ms(h.percentile(90)),
      p99: ms(h.percentile(99)),
      p999: ms(h.percentile(99.9)),
      max: ms(h.max),
    };
  }
}

const loopSampleMs = 10;

/**
 * Event-loop delay of this process over a window (p99 in ms). Node's monitor records the whole
 * interval between its timer's runs (sampling period + delay), so the period is taken off.
 */
export class LoopDelay {
  private readonly monitor: IntervalHistogram = monitorEventLoopDelay({ resolution: loopSampleMs });

  start(): void {
    this.monitor.reset();
    this.monitor.enable();
  }

  stopP99Ms(): number {
    this.monitor.disable();
    if (this.monitor.count === 0) return 0;
    return Math.max(0, Math.round(this.monitor.percentile(99) / 1000 - loopSampleMs * 1000) / 1000);
  }
}

/** CPU time of this process, microseconds. */
export function ownCpuMicros(): number {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
}

const clockTicksPerSecond = 100;

/** CPU time of another process from /proc, microseconds (undefined where /proc is not there). */
export function procCpuMicros(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of the line)
    return Number.isFinite(ticks) ? (ticks * 1_000_000) / clockTicksPerSecond : undefined;
  } catch {
    return undefined;
  }
}

export function cpuPercent(micros: number, wallMs: number): number {
  return wallMs > 0 ? Math.round((micros / (wallMs * 1000)) * 1000) / 10 : 0;
}

export function rssMB(): number {
  return Math.round(process.memoryUsage().rss / 1e5) / 10;
}

export { seededRandom } from '../engine/index.js';

export function countOutcome(outcomes: Record<string, number>, result: unknown, reason: unknown): void {
  const key = `${String(result)}:${String(reason)}`;
  outcomes[key] = (outcomes[key] ?? 0) + 1;
}

export function perSecond(count: number, milliseconds: number): number {
  return milliseconds > 0 ? Math.round((count / milliseconds) * 1000 * 10) / 10 : 0;
}

export const sleep = (milliseconds: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, milliseconds));
