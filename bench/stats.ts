// What every bench scenario shares: latency histograms in microseconds (perf_hooks' HDR-style
// histogram) that can travel between processes as counts and be merged, their summary in
// milliseconds, a seeded random sequence, CPU and memory accounting per process (this one, and
// others through /proc), and the shape of one scenario's result.

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
  p95: number;
  p99: number;
  p999: number;
  max: number;
}

export interface ProcessUsage {
  /** CPU time over wall time, in percent of one core (can exceed 100 with threads). */
  cpuPercent: number;
  rssMB?: number;
}

/** The systems measured: the engine in process, and E, T0, P2 over NATS. */
export type SystemName = 'engine-core' | 'engine' | 'echo' | 'postgres';

export interface ScenarioResult {
  /** `engine-core` (in process), `engine` (E over NATS), `echo` (T0 over NATS) or `postgres` (P2 over NATS). */
  system: SystemName;
  /** The request stream (bench/scenarios/): `authorize`, `fuel-mix`, `hot-accounts`. */
  scenario?: string;
  mode: 'closed' | 'open';
  /** Full mode repeats the open-loop steps; which repeat this is (1-based). */
  repeat?: number;
  /** Load generator processes that offered the load. */
  generators?: number;
  /** Closed loop: requests kept in flight. */
  inFlight?: number;
  /** Open loop: offered rate, requests per second. */
  rate?: number;
  /** Measured window, seconds. */
  durationS: number;
  /** Requests sent and replies received in the measured window. */
  sent: number;
  replies: number;
  /** Replies per second over the measured window, follow-ups included. */
  throughput: number;
  /** Open loop: replies to the scheduled requests per second (achieved, against `rate` offered). */
  achievedRate?: number;
  latency: LatencySummary;
  timeouts: number;
  /** Open loop: sends more than `lateSendMs` behind their schedule, and the worst lag (ms). */
  lateSends?: number;
  maxSendLagMs?: number;
  /** `result:reason` → count. */
  outcomes: Record<string, number>;
  approvals: number;
  /** Replies with result `error` (e.g. UNAVAILABLE under overload) in the measured window. */
  errors?: number;
  /** Requests per operation in the measured window (a scenario's follow-ups: complete, reverse). */
  operations?: Record<string, number>;
  /** Open loop: whether the step met the SLO (p99 under 10 ms, no timeouts, no errors). */
  withinSlo?: boolean;
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

/** A latency in microseconds rounded to three significant digits (exact below 1 ms). */
function quantize(microseconds: number): number {
  if (microseconds < 1000) return microseconds;
  const step = 10 ** (Math.floor(Math.log10(microseconds)) - 2);
  return Math.round(microseconds / step) * step;
}

/**
 * A histogram of latencies in microseconds. It also keeps counts per value (three significant
 * digits, the histogram's own precision), so that histograms of several generator processes can be
 * sent over IPC and merged into one.
 */
export class LatencyRecorder {
  readonly histogram: RecordableHistogram = createHistogram({ lowest: 1, highest: 120_000_000, figures: 3 });
  private readonly counts = new Map<number, number>();

  /** Records a latency given in milliseconds. */
  recordMs(milliseconds: number): void {
    const microseconds = Math.min(120_000_000, Math.max(1, quantize(Math.round(milliseconds * 1000))));
    this.histogram.record(microseconds);
    this.counts.set(microseconds, (this.counts.get(microseconds) ?? 0) + 1);
  }

  /** Counts per value in microseconds, to send to another process. */
  exportCounts(): [number, number][] {
    return [...this.counts];
  }

  /** Adds counts exported by another recorder. */
  addCounts(counts: readonly (readonly [number, number])[]): void {
    for (const [microseconds, count] of counts) {
      for (let index = 0; index < count; index++) this.histogram.record(microseconds);
      this.counts.set(microseconds, (this.counts.get(microseconds) ?? 0) + count);
    }
  }

  summary(): LatencySummary {
    const h = this.histogram;
    if (h.count === 0) return { count: 0, mean: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0 };
    const ms = (microseconds: number): number => Math.round(microseconds) / 1000;
    return {
      count: h.count,
      mean: ms(h.mean),
      p50: ms(h.percentile(50)),
      p90: ms(h.percentile(90)),
      p95: ms(h.percentile(95)),
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

/**
 * Resident memory of another process from /proc, MB: private (anonymous) pages plus file pages, and
 * shared memory separately (PostgreSQL's shared buffers appear in every backend: sum the former,
 * count the latter once).
 */
export function procMemoryMB(pid: number): { privateMB: number; sharedMB: number; anonymousMB: number; fileMB: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kilobytes = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
    const megabytes = (kb: number): number => Math.round(kb / 102.4) / 10;
    return {
      privateMB: megabytes(kilobytes('RssAnon') + kilobytes('RssFile')),
      sharedMB: megabytes(kilobytes('RssShmem')),
      anonymousMB: megabytes(kilobytes('RssAnon')),
      fileMB: megabytes(kilobytes('RssFile')),
    };
  } catch {
    return undefined;
  }
}

/** CPU (µs) and memory (MB) of a group of processes; shared memory counted once. */
export function procGroupUsage(pids: readonly number[]): { cpuMicros: number; rssMB: number; alive: number } {
  let cpuMicros = 0;
  let privateMB = 0;
  let sharedMB = 0;
  let alive = 0;
  for (const pid of pids) {
    const cpu = procCpuMicros(pid);
    const memory = procMemoryMB(pid);
    if (cpu === undefined || memory === undefined) continue;
    alive++;
    cpuMicros += cpu;
    privateMB += memory.privateMB;
    sharedMB = Math.max(sharedMB, memory.sharedMB);
  }
  return { cpuMicros, rssMB: Math.round((privateMB + sharedMB) * 10) / 10, alive };
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

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return 0;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

export const sleep = (milliseconds: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, milliseconds));
