// The load generator: one NATS connection, one wildcard inbox subscription and its own request
// multiplexing (no timer or promise per request), fed by a scenario's seeded stream
// (bench/scenarios/). It runs in processes of its own (bench/generator-process.ts) — one, or
// several at once each offering a share of the rate with its own seed, when one process cannot
// offer the rate — and the orchestrator merges their counts (bench/load.ts).
//
// Closed loop with K in flight for a fixed time gives the maximum rate. Open loop at a fixed rate
// sends on a schedule and never waits for replies; latency is measured from each request's
// *intended* send time, so a stalled system cannot slow the generator down (no coordinated
// omission). A scenario's follow-up (the completion of an approval) leaves the moment the reply
// arrives, and its latency counts from then. A request without a reply after `requestTimeoutMs`
// is a timeout; a send more than `lateSendMs` behind its schedule is a late send.

import { connect, createInbox } from 'nats';
import type { Msg, NatsConnection, Subscription } from 'nats';
import { pack, unpack } from 'msgpackr';
import type { BenchNetworkSize } from './network.js';
import { scenarioNamed } from './scenarios/index.js';
import type { ScenarioRequest, ScenarioStream, WireReply } from './scenarios/index.js';
import { LatencyRecorder, LoopDelay, countOutcome, cpuPercent, ownCpuMicros, rssMB, seededRandom, sleep } from './stats.js';

export interface GeneratorConfig {
  natsUrl: string;
  network: BenchNetworkSize;
  requestTimeoutMs: number;
  lateSendMs: number;
  /** Check replies against the scenario (off for T0, whose replies are canned). */
  checkReplies: boolean;
  /** Seed of this generator's streams (each generator of a run has its own). */
  seed: number;
  /** Makes this generator's request ids unique among all generators. */
  tag: string;
}

interface StepTiming {
  scenario: string;
  warmupMs: number;
  durationMs: number;
  /** Wall-clock time (ms since the epoch) at which every generator of the step starts. */
  startAtEpochMs: number;
}

export interface OpenStep extends StepTiming {
  /** This generator's share of the offered rate, requests per second. */
  rate: number;
}

export interface ClosedStep extends StepTiming {
  inFlight: number;
}

/** One generator's account of one step (the measured window only, except CPU and loop delay). */
export interface StepReport {
  windowMs: number;
  /** Scheduled requests of the window (follow-ups not included). */
  sent: number;
  /** Replies in the window, follow-ups included. */
  replies: number;
  /** Replies to scheduled requests (achieved rate = this ÷ window). */
  scheduledReplies: number;
  timeouts: number;
  errors: number;
  lateSends: number;
  maxSendLagMs: number;
  outcomes: Record<string, number>;
  operations: Record<string, number>;
  approvals: number;
  /** Latency counts in µs (LatencyRecorder.exportCounts). */
  latency: [number, number][];
  violations: string[];
  /** This process over the whole step (warm-up included). */
  cpuPercent: number;
  loopDelayP99Ms: number;
  rssMB: number;
}

/** What one generator saw over its whole life, late replies included. */
export interface GeneratorTotals {
  requests: number;
  replies: number;
  lateReplies: number;
  unanswered: number;
  /** Replies to no request of ours (duplicates). */
  unknownReplies: number;
  approvals: number;
  completions: number;
  reversals: number;
  violations: string[];
}

export type SeenKind = 'authorized' | 'completed' | 'reversed';

const violationsKept = 20;

/** One step's tally; requests keep a reference to theirs, so late replies land in the right one. */
class Tally {
  readonly recorder = new LatencyRecorder();
  readonly outcomes: Record<string, number> = {};
  readonly operations: Record<string, number> = {};
  readonly violations: string[] = [];
  sent = 0;
  replies = 0;
  scheduledReplies = 0;
  timeouts = 0;
  errors = 0;
  approvals = 0;
  outstanding = 0;
  lateSends = 0;
  maxSendLagMs = 0;
  /** Called for each request finished without a follow-up (reply or timeout): the closed loop sends the next one. */
  onFinished: () => void = () => undefined;

  constructor(readonly stream: ScenarioStream) {}

  violation(text: string): void {
    if (this.violations.length < violationsKept) this.violations.push(text);
  }
}

interface Pending {
  id: string;
  request: ScenarioRequest;
  /** Latency origin: the intended send time (open loop), the actual one (closed loop), the reply's arrival (follow-ups). */
  originMs: number;
  /** Open loop: whether the request belongs to the measured window (closed loop decides on arrival). */
  measured: boolean | undefined;
  followUp: boolean;
  tally: Tally;
}

export class Driver {
  private readonly inbox = createInbox();
  private readonly subscription: Subscription;
  private readonly pending = new Map<number, Pending>();
  private readonly late = new Map<number, Pending>();
  private readonly sweeper: NodeJS.Timeout;
  private readonly streams = new Map<string, ScenarioStream>();
  private nextToken = 0;
  private requestNumber = 0;
  /** Closed loop: replies count when they arrive inside [windowStart, windowEnd). */
  private windowStart = 0;
  private windowEnd = Number.POSITIVE_INFINITY;
  private readonly totals = { requests: 0, replies: 0, lateReplies: 0, unknownReplies: 0, approvals: 0, completions: 0, reversals: 0 };
  private readonly violations: string[] = [];
  /** Handles the generator saw approved, for the audit of the system that gave them. */
  readonly seen: Record<SeenKind, string[]> = { authorized: [], completed: [], reversed: [] };

  constructor(
    readonly connection: NatsConnection,
    private readonly config: GeneratorConfig,
  ) {
    this.subscription = connection.subscribe(`${this.inbox}.*`, { callback: (error, message) => (error ? undefined : this.onReply(message)) });
    this.sweeper = setInterval(() => this.sweep(), 20);
  }

  static async connect(config: GeneratorConfig): Promise<Driver> {
    const connection = await connect({ servers: config.natsUrl, name: `tessera-bench-${config.tag}`, maxReconnectAttempts: -1, reconnectTimeWait: 500, pingInterval: 10_000 });
    return new Driver(connection, config);
  }

  /** The scenario's stream of this generator: one per scenario, kept across steps. */
  private streamOf(name: string): ScenarioStream {
    let stream = this.streams.get(name);
    if (stream === undefined) {
      let salt = 0;
      for (const char of name) salt = (salt * 31 + char.charCodeAt(0)) >>> 0;
      stream = scenarioNamed(name).stream({ network: this.config.network, random: seededRandom((this.config.seed ^ salt) >>> 0) });
      this.streams.set(name, stream);
    }
    return stream;
  }

  private send(tally: Tally, request: ScenarioRequest, originMs: number, measured: boolean | undefined, followUp: boolean): void {
    const token = this.nextToken++;
    const id = `${this.config.tag}-${(this.requestNumber++).toString(36)}`;
    this.pending.set(token, { id, request, originMs, measured, followUp, tally });
    this.totals.requests++;
    if (!followUp && measured !== false) tally.sent++;
    tally.outstanding++;
    this.connection.publish(`tessera.v1.term.${request.terminal}.${request.op}`, pack({ id, ...request.body }), { reply: `${this.inbox}.${token}` });
  }

  async open(step: OpenStep): Promise<StepReport> {
    const tally = new Tally(this.streamOf(step.scenario));
    return this.measure(tally, async () => {
      const interval = 1000 / step.rate;
      const total = Math.round((step.rate * (step.warmupMs + step.durationMs)) / 1000);
      const firstMeasured = Math.round((step.rate * step.warmupMs) / 1000);
      const start = performance.now() + Math.max(5, step.startAtEpochMs - Date.now());
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
              if (lag > this.config.lateSendMs) tally.lateSends++;
            }
            this.send(tally, tally.stream.next(), intended, measured, false);
            index++;
          }
          if (index < total) setTimeout(tick, Math.max(0, start + index * interval - performance.now()));
          else resolve();
        };
        setTimeout(tick, Math.max(0, start - performance.now()));
      });
      while (tally.outstanding > 0) await sleep(5);
      return ((total - firstMeasured) / step.rate) * 1000;
    });
  }

  async closed(step: ClosedStep): Promise<StepReport> {
    const tally = new Tally(this.streamOf(step.scenario));
    return this.measure(tally, async () => {
      await sleep(Math.max(0, step.startAtEpochMs - Date.now()));
      const started = performance.now();
      this.windowStart = started + step.warmupMs;
      this.windowEnd = this.windowStart + step.durationMs;
      const end = this.windowEnd;
      tally.onFinished = () => {
        if (performance.now() < end) this.send(tally, tally.stream.next(), performance.now(), undefined, false);
      };
      for (let count = 0; count < step.inFlight; count++) this.send(tally, tally.stream.next(), performance.now(), undefined, false);
      await sleep(Math.max(0, end - performance.now()));
      while (tally.outstanding > 0) await sleep(5);
      this.windowStart = 0;
      this.windowEnd = Number.POSITIVE_INFINITY;
      return step.durationMs;
    });
  }

  private async measure(tally: Tally, run: () => Promise<number>): Promise<StepReport> {
    const loop = new LoopDelay();
    const cpuBefore = ownCpuMicros();
    const wallBefore = performance.now();
    loop.start();
    const windowMs = await run();
    const loopDelayP99Ms = loop.stopP99Ms();
    return {
      windowMs,
      sent: tally.sent,
      replies: tally.replies,
      scheduledReplies: tally.scheduledReplies,
      timeouts: tally.timeouts,
      errors: tally.errors,
      lateSends: tally.lateSends,
      maxSendLagMs: Math.round(tally.maxSendLagMs * 1000) / 1000,
      outcomes: tally.outcomes,
      operations: tally.operations,
      approvals: tally.approvals,
      latency: tally.recorder.exportCounts(),
      violations: tally.violations,
      cpuPercent: cpuPercent(ownCpuMicros() - cpuBefore, performance.now() - wallBefore),
      loopDelayP99Ms,
      rssMB: rssMB(),
    };
  }

  /**
   * Waits until nothing is pending (replies or timeouts), then for late replies while they keep
   * coming (an overloaded system works off its backlog): until none is left, none arrived for
   * `quietMs`, or `maxMs` passed.
   */
  async settle(quietMs: number, maxMs: number): Promise<GeneratorTotals> {
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
    const violations = [...this.violations];
    if (this.totals.unknownReplies > 0) violations.push(`${this.totals.unknownReplies} replies to no request (duplicates)`);
    return { ...this.totals, unanswered: this.pending.size + this.late.size, violations };
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
        this.totals.unknownReplies++;
        return;
      }
      this.late.delete(token);
    }
    const { tally, request } = entry;
    this.totals.replies++;
    let body: WireReply = { result: 'error', reason: 'NO_REPLY_BODY' };
    if (message.headers?.hasError === true || message.data.length === 0) {
      body = { result: 'error', reason: message.headers?.code === 503 ? 'NO_RESPONDERS' : `STATUS_${message.headers?.code ?? '?'}` };
    } else {
      try {
        body = unpack(message.data) as WireReply;
      } catch {
        body = { result: 'error', reason: 'UNDECODABLE' };
        tally.violation(`request ${entry.id}: a reply that is not msgpack`);
      }
    }
    const result = body['result'];
    if (result === 'approved') this.noteApproval(request, body);
    if (this.config.checkReplies && body['reason'] !== 'NO_RESPONDERS') {
      if (body['id'] !== entry.id) tally.violation(`request ${entry.id} answered with id ${String(body['id'])}`);
      const problem = tally.stream.check(request, body);
      if (problem !== undefined) tally.violation(`${request.op} ${entry.id}: ${problem}`);
    }
    if (wasLate) {
      this.totals.lateReplies++;
      return; // the terminal gave up on it: no follow-up
    }
    tally.outstanding--;
    if (this.counts(entry, now)) {
      tally.replies++;
      if (!entry.followUp) tally.scheduledReplies++;
      tally.recorder.recordMs(now - entry.originMs);
      countOutcome(tally.outcomes, result, body['reason']);
      tally.operations[request.op] = (tally.operations[request.op] ?? 0) + 1;
      if (result === 'error') tally.errors++;
      if (result === 'approved' && !entry.followUp) tally.approvals++;
    }
    const next = tally.stream.followUp(request, body);
    if (next !== undefined) this.send(tally, next, now, entry.measured, true);
    else tally.onFinished();
  }

  private noteApproval(request: ScenarioRequest, body: WireReply): void {
    switch (request.op) {
      case 'authorize':
        this.totals.approvals++;
        if (this.config.checkReplies && typeof body['authId'] === 'string') this.seen.authorized.push(body['authId']);
        return;
      case 'complete':
      case 'reverse': {
        const authId = String(request.body['authId']);
        if (request.op === 'complete') this.totals.completions++;
        else this.totals.reversals++;
        if (this.config.checkReplies) this.seen[request.op === 'complete' ? 'completed' : 'reversed'].push(authId);
        return;
      }
      case 'sale':
      case 'refund':
      case 'session.start':
      case 'session.stop':
        return; // receipts and wash sessions: their scenario checks each reply, the audit the books
      default: {
        const unknown: never = request.op;
        throw new Error(`no bookkeeping for ${String(unknown)}`);
      }
    }
  }

  private sweep(): void {
    const now = performance.now();
    for (const [token, entry] of this.pending) {
      if (now - entry.originMs < this.config.requestTimeoutMs) continue;
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
