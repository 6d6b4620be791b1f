// The live feed in real Chromium: is `/feed` (dashboard/src/pages/Feed.tsx) smooth at 1,000
// operations a second? `serve()` with the demo network runs in this process; an owner signs in
// through the API (the code from an SMTP sink) and Chromium (playwright-core) opens `/feed` with the
// session's cookie. Operations are offered to the engine in process, open loop on a schedule: shop
// receipts at the demo's tills without shifts, every other one on a driver's card of the demo fleet
// (no PIN; water, so neither the cards' limits nor the fleet's account run out), the others paid in
// cash. One run measures, in the page, after a warm-up (not reported), the page open with NO load —
// the baseline — and the load, for the same time each, interleaved when repeated (idle, load, load,
// idle, …; medians reported), the page left to settle before each phase:
//   frames per second (requestAnimationFrame callbacks) and the worst gap between two frames;
//   long tasks (PerformanceObserver 'longtask': count, total ms, share of the phase's wall time);
//   commit → screen: Date.now() in the page when React has committed the list that shows an item
//   (the feed's `window.__tesseraFeedProbe` hook) minus the item's `at` (the engine's decision time,
//   so the flush, the stream's batching every streamBatchMs and the page's own 250 ms batching are in it);
//   the page's main thread: busy time (Chromium's own TaskDuration, of which script, layout and
//   style) as a share of the phase's wall time, and the JS heap at its end (DevTools' Performance domain);
//   events shown per second against events committed and operations offered.
// Afterwards every event of the network committed since the page was live must have been shown
// exactly once: no gaps, no duplicates (violations otherwise). Page scripts are strings: tsx's
// transpiled functions carry helpers that do not exist in the page.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { Browser } from 'playwright-core';
import { serve } from '../engine/cli/index.js';
import type { RunningServer } from '../engine/cli/index.js';
import { demoFleetCard, demoFleetSize } from '../engine/index.js';
import type { Reply } from '../engine/index.js';
import type { SmtpSink } from '../engine/testing/index.js';
import { startSmtpSink } from '../engine/testing/index.js';
import { ensureDashboardBuilt, launchChromium } from '../test/support/browser.js';
import { signIn } from '../test/support/sign-in.js';
import { repoRoot } from './processes.js';
import type { LatencySummary } from './stats.js';
import { LatencyRecorder, cpuPercent, countOutcome, median, ownCpuMicros, perSecond, sleep } from './stats.js';

export interface BrowserBenchOptions {
  /** Operations offered per second during the warm-up and the load. */
  rate: number;
  /** Load before the measured phases (not reported): the page fills its list, the JIT warms. */
  warmupMs: number;
  /** Each measured phase: the baseline (no load) and the load. */
  durationMs: number;
  /** Pairs of phases (idle and load), in ABBA order. */
  repeats: number;
  /** Before each phase: time for the page to show what the last one left. */
  settleMs: number;
  /** After the load: how long the page may take to show the last committed events. */
  drainTimeoutMs: number;
  /** How long the page may take to go live (its stream subscribed: a marker receipt shown). */
  liveTimeoutMs: number;
  log?: (line: string) => void;
}

export interface BrowserPhase {
  phase: 'idle' | 'load';
  repeat: number;
  wallMs: number;
  frames: number;
  framesPerSecond: number;
  /** The longest time between two frames (or the phase's edge and a frame), ms. */
  worstFrameGapMs: number;
  longTasks: { count: number; totalMs: number; longestMs: number; shareOfWallTime: number };
  /** The renderer's main thread over the phase (DevTools Performance.getMetrics): busy share of wall time, its parts in ms, JS heap used at the end (MB). */
  mainThread: { busyShare: number; scriptMs: number; layoutMs: number; styleMs: number; heapUsedMB: number };
  /** Operations offered and answered in the phase (0 in the baseline). */
  offered: { operations: number; perSecond: number };
  /** The network's events the engine committed in the phase, and those of them the page showed. */
  committed: { events: number; perSecond: number };
  shown: { events: number; perSecond: number };
  /** Commit → screen of the events committed in the phase, ms. */
  latency: LatencySummary;
}

export interface BrowserSummary {
  framesPerSecond: number;
  worstFrameGapMs: number;
  longTaskShare: number;
  mainThreadBusy: number;
  offeredPerSecond: number;
  committedPerSecond: number;
  shownPerSecond: number;
  latency: LatencySummary;
}

export interface BrowserBenchReport {
  chromium: string;
  rate: number;
  durationS: number;
  viewport: { width: number; height: number };
  phases: BrowserPhase[];
  /** Medians over the repeats of each kind of phase (the worst frame gap: the worst of all); latency over every event committed in them. */
  idle: BrowserSummary;
  load: BrowserSummary;
  /** Load ÷ idle frames/s (1: as smooth as idle) and main-thread busy share; shown ÷ committed (1: keeps up) and shown ÷ offered per second under load. */
  ratios: { framesPerSecond: number; mainThreadBusy: number; shownOverCommitted: number; shownOverOffered: number };
  /** Replies to the operations of the load phase by result/reason. */
  outcomes: Record<string, number>;
  /** Sends more than lateSendMs behind their schedule, and the worst lag (ms). */
  lateSends: number;
  maxSendLagMs: number;
  /** CPU of this process (engine, HTTP and WebSocket gateway, the load) over the load phases, % of one core. */
  serverCpuPercent: number;
  /** Every event of the network committed while the page was live, shown once. */
  checks: { expected: number; shown: number; missing: number; duplicates: number; unexpected: number; drainMs: number };
  violations: string[];
}

const network = 'sever';
const tills = ['MSK-01-POS1', 'MSK-02-POS1', 'TVR-01-POS1'] as const;
const viewport = { width: 1440, height: 900 };
const lateSendMs = 2;
/** How often the page is asked whether it is live or has drained. */
const pollMs = 50;

// Installed before the dashboard's scripts: frames, long tasks and the feed's probe, kept in the
// page and read back per phase by performance.now() bounds. `shown` is flat: position, at, shown at.
const pageScript = `(() => {
  const frames = [];
  const longTasks = [];
  const shown = [];
  const tick = (time) => { frames.push(time); requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
  const longTaskSupported = PerformanceObserver.supportedEntryTypes.includes('longtask');
  if (longTaskSupported) new PerformanceObserver((list) => { for (const entry of list.getEntries()) longTasks.push(entry.startTime, entry.duration); }).observe({ type: 'longtask', buffered: true });
  window.__tesseraFeedProbe = (items) => { const now = Date.now(); for (const item of items) shown.push(item.position, item.at, now); };
  window.__tesseraBench = {
    longTaskSupported,
    now: () => performance.now(),
    shownCount: () => shown.length / 3,
    shownFrom: (index) => shown.slice(index * 3),
    phase: (from, to) => {
      let count = 0, worstGapMs = 0, previous = from, longTasksCount = 0, longTasksMs = 0, longestMs = 0;
      for (const time of frames) {
        if (time < from || time > to) continue;
        count++;
        worstGapMs = Math.max(worstGapMs, time - previous);
        previous = time;
      }
      worstGapMs = Math.max(worstGapMs, to - previous);
      for (let index = 0; index < longTasks.length; index += 2) {
        const start = longTasks[index], duration = longTasks[index + 1];
        const overlap = Math.min(start + duration, to) - Math.max(start, from);
        if (overlap <= 0) continue;
        longTasksCount++;
        longTasksMs += overlap;
        longestMs = Math.max(longestMs, duration);
      }
      return { frames: count, worstGapMs, longTasksCount, longTasksMs, longestMs };
    },
  };
})();`;

interface Measured {
  phase: BrowserPhase['phase'];
  repeat: number;
  page: PagePhase;
  thread: BrowserPhase['mainThread'];
  /** performance.now() in the page, ms. */
  wallMs: number;
  /** Date.now() bounds. */
  from: number;
  to: number;
  operations: number;
}

interface PagePhase {
  frames: number;
  worstGapMs: number;
  longTasksCount: number;
  longTasksMs: number;
  longestMs: number;
}

export async function runBrowserBench(options: BrowserBenchOptions): Promise<BrowserBenchReport> {
  const log = options.log ?? (() => undefined);
  await ensureDashboardBuilt(repoRoot);
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-bench-browser-'));
  let sink: SmtpSink | undefined;
  let server: RunningServer | undefined;
  let browser: Browser | undefined;
  try {
    sink = await startSmtpSink();
    server = await serve({
      dataDir,
      httpPort: 0,
      httpHost: '127.0.0.1',
      demo: true,
      logger: pino({ level: 'silent' }),
      alerts: { environment: sink.environment },
    });
    const running = server;
    const engine = running.engine;
    const base = `http://127.0.0.1:${running.http.port}`;

    const email = `bench-owner-${process.pid}@sever.test`;
    const password = `a passphrase for the bench owner ${process.pid}`;
    const created = await running.security.users.create({ network, email, role: 'owner', password }, { kind: 'system', id: 'bench' });
    if (!created.ok) throw new Error(`cannot create the owner: ${created.code} ${created.message}`);
    const signed = await signIn(running.http.port, sink, { network, email, password });
    const [cookieName = '', ...cookieValue] = signed.cookie.split('=');

    browser = await launchChromium();
    const chromium = browser.version();
    const context = await browser.newContext({ viewport });
    await context.addCookies([{ name: cookieName, value: cookieValue.join('='), url: base, httpOnly: true, sameSite: 'Strict' }]);
    await context.addInitScript(pageScript);
    const page = await context.newPage();
    await page.goto(`${base}/feed`);
    await page.getByTestId('feed-pause').waitFor({ timeout: options.liveTimeoutMs });
    if ((await page.evaluate('window.__tesseraBench.longTaskSupported')) !== true) log('browser: this Chromium reports no long tasks');
    log(`browser: ${chromium}, /feed open`);

    // Every event of the network the engine commits, with its time (the stream's own rule: an event with a network goes to its feed).
    const committed: { position: number; at: number }[] = [];
    const stopListening = engine.onCommitted((event) => {
      if ((event.event as Record<string, unknown>)['network'] === network) committed.push({ position: event.position, at: event.at });
    });

    let requests = 0;
    const outcomes: Record<string, number> = {};
    let lateSends = 0;
    let maxSendLagMs = 0;
    const submit = (onReply: (reply: Reply) => void): void => {
      const index = requests++;
      const terminal = tills[index % tills.length] ?? tills[0];
      const lines = [{ product: 'WATER', qty: 1_000 }];
      const request = index % 2 === 0 ? { id: `bench-${index}`, card: demoFleetCard(Math.floor(index / 2) % demoFleetSize), lines } : { id: `bench-${index}`, lines, payments: [{ method: 'cash' as const, amount: 8_900 }] };
      engine.submit(terminal, { op: 'sale', request }, onReply);
    };
    /** Offers `rate` operations a second for `durationMs`, open loop; resolves when every one is answered. */
    const offer = (durationMs: number, record: boolean): Promise<number> => {
      const total = Math.max(1, Math.round((options.rate * durationMs) / 1000));
      const intervalMs = 1000 / options.rate;
      let sent = 0;
      let answered = 0;
      const started = performance.now();
      return new Promise((resolve) => {
        const onReply = (reply: Reply): void => {
          if (record) countOutcome(outcomes, reply['result'], reply['reason']);
          if (++answered === total) resolve(total);
        };
        const tick = (): void => {
          const now = performance.now();
          while (sent < total && started + sent * intervalMs <= now) {
            const lagMs = now - (started + sent * intervalMs);
            if (record) {
              if (lagMs > lateSendMs) lateSends++;
              maxSendLagMs = Math.max(maxSendLagMs, lagMs);
            }
            sent++;
            submit(onReply);
          }
          if (sent < total) setTimeout(tick, 1);
        };
        tick();
      });
    };
    const shownCount = async (): Promise<number> => Number(await page.evaluate('window.__tesseraBench.shownCount()'));
    const shownSince = async (index: number): Promise<number[]> => await page.evaluate<number[]>(`window.__tesseraBench.shownFrom(${index})`);

    // Live: a marker receipt shown means the page's socket is subscribed; from then on every event is expected.
    const liveSince = performance.now();
    let firstExpected: number | undefined;
    while (firstExpected === undefined) {
      if (performance.now() - liveSince > options.liveTimeoutMs) throw new Error(`the feed showed nothing within ${options.liveTimeoutMs} ms`);
      const before = await shownCount();
      await new Promise<void>((resolve) => submit(() => resolve()));
      for (let waited = 0; waited < 1_000 && (await shownCount()) === before; waited += pollMs) await sleep(pollMs);
      if ((await shownCount()) > before) firstExpected = engine.store.lastPosition + 1;
    }
    log(`browser: the feed is live; warm-up ${options.warmupMs} ms at ${options.rate}/s`);
    await offer(options.warmupMs, false);

    const pageNow = async (): Promise<number> => Number(await page.evaluate('window.__tesseraBench.now()'));
    const devtools = await context.newCDPSession(page);
    await devtools.send('Performance.enable');
    const metrics = async (): Promise<Record<string, number>> => Object.fromEntries((await devtools.send('Performance.getMetrics')).metrics.map((metric) => [metric.name, metric.value]));
    const measure = async (phase: BrowserPhase['phase'], repeat: number, load: () => Promise<number>): Promise<Measured> => {
      await sleep(options.settleMs);
      const before = await metrics();
      const pageFrom = await pageNow();
      const from = Date.now();
      const started = performance.now();
      const operations = await load();
      const wallMs = performance.now() - started;
      const to = Date.now();
      const pageTo = await pageNow();
      const after = await metrics();
      const measured = await page.evaluate<PagePhase>(`window.__tesseraBench.phase(${pageFrom}, ${pageTo})`);
      // Durations are cumulative seconds.
      const spentMs = (name: string): number => Math.round(((after[name] ?? 0) - (before[name] ?? 0)) * 1000);
      const thread = { busyShare: Math.round((spentMs('TaskDuration') / (pageTo - pageFrom)) * 1000) / 1000, scriptMs: spentMs('ScriptDuration'), layoutMs: spentMs('LayoutDuration'), styleMs: spentMs('RecalcStyleDuration'), heapUsedMB: Math.round((after['JSHeapUsedSize'] ?? 0) / 1e5) / 10 };
      log(`browser: ${phase} ${Math.round(wallMs)} ms, ${measured.frames} frames, ${measured.longTasksCount} long tasks, main thread busy ${thread.busyShare}`);
      return { phase, repeat, page: measured, thread, wallMs: pageTo - pageFrom, from, to, operations };
    };

    const runs: Measured[] = [];
    let cpuMicros = 0;
    let cpuWallMs = 0;
    for (let repeat = 1; repeat <= options.repeats; repeat++) {
      const order: BrowserPhase['phase'][] = repeat % 2 === 1 ? ['idle', 'load'] : ['load', 'idle'];
      for (const phase of order) {
        log(`browser: ${phase === 'idle' ? 'baseline, no load' : `load, ${options.rate}/s`}, ${options.durationMs} ms (repeat ${repeat})`);
        if (phase === 'idle') {
          runs.push(
            await measure(phase, repeat, async () => {
              await sleep(options.durationMs);
              return 0;
            }),
          );
          continue;
        }
        runs.push(
          await measure(phase, repeat, async () => {
            const cpuBefore = ownCpuMicros();
            const started = performance.now();
            const operations = await offer(options.durationMs, true);
            cpuWallMs += performance.now() - started;
            cpuMicros += ownCpuMicros() - cpuBefore;
            return operations;
          }),
        );
      }
    }
    const serverCpuPercent = cpuPercent(cpuMicros, cpuWallMs);

    // Drain: the page shows what was committed up to now (or the timeout passes).
    await engine.store.flushed();
    stopListening();
    const expected = committed.filter((event) => event.position >= (firstExpected ?? 0));
    const drainStarted = performance.now();
    let shownFlat: number[] = [];
    for (;;) {
      shownFlat = await shownSince(0);
      const seen = new Set<number>();
      for (let index = 0; index < shownFlat.length; index += 3) seen.add(shownFlat[index] ?? -1);
      if (expected.every((event) => seen.has(event.position)) || performance.now() - drainStarted > options.drainTimeoutMs) break;
      await sleep(pollMs);
    }
    const drainMs = Math.round(performance.now() - drainStarted);
    await context.close();

    // Correctness: every expected position shown once, nothing else past the first expected one.
    const timesShown = new Map<number, number>();
    const shownAt = new Map<number, number>();
    for (let index = 0; index < shownFlat.length; index += 3) {
      const position = shownFlat[index] ?? -1;
      if (position < (firstExpected ?? 0)) continue;
      timesShown.set(position, (timesShown.get(position) ?? 0) + 1);
      if (!shownAt.has(position)) shownAt.set(position, shownFlat[index + 2] ?? 0);
    }
    const expectedPositions = new Set(expected.map((event) => event.position));
    const missing = expected.filter((event) => !timesShown.has(event.position)).map((event) => event.position);
    const duplicates = [...timesShown].filter(([, times]) => times > 1).map(([position]) => position);
    const unexpected = [...timesShown.keys()].filter((position) => !expectedPositions.has(position));
    const violations: string[] = [];
    if (missing.length > 0) violations.push(`browser: ${missing.length} committed events never shown by the feed (first ${missing.slice(0, 5).join(', ')})`);
    if (duplicates.length > 0) violations.push(`browser: ${duplicates.length} events shown more than once (first ${duplicates.slice(0, 5).join(', ')})`);
    if (unexpected.length > 0) violations.push(`browser: ${unexpected.length} events shown that the engine did not commit for ${network} (first ${unexpected.slice(0, 5).join(', ')})`);
    if (runs.every((run) => run.operations === 0) || expected.length === 0) violations.push('browser: nothing was offered or committed');

    const recorders = { idle: new LatencyRecorder(), load: new LatencyRecorder() };
    const phaseOf = (measured: Measured): BrowserPhase => {
      const inPhase = expected.filter((event) => event.at >= measured.from && event.at <= measured.to);
      const recorder = new LatencyRecorder();
      let shown = 0;
      for (const event of inPhase) {
        const at = shownAt.get(event.position);
        if (at === undefined) continue;
        recorder.recordMs(Math.max(0, at - event.at));
        recorders[measured.phase].recordMs(Math.max(0, at - event.at));
      }
      for (const at of shownAt.values()) if (at >= measured.from && at <= measured.to) shown++;
      const p = measured.page;
      return {
        phase: measured.phase,
        repeat: measured.repeat,
        wallMs: Math.round(measured.wallMs),
        frames: p.frames,
        framesPerSecond: perSecond(p.frames, measured.wallMs),
        worstFrameGapMs: Math.round(p.worstGapMs * 10) / 10,
        longTasks: { count: p.longTasksCount, totalMs: Math.round(p.longTasksMs), longestMs: Math.round(p.longestMs), shareOfWallTime: Math.round((p.longTasksMs / measured.wallMs) * 1000) / 1000 },
        mainThread: measured.thread,
        offered: { operations: measured.operations, perSecond: perSecond(measured.operations, measured.wallMs) },
        committed: { events: inPhase.length, perSecond: perSecond(inPhase.length, measured.wallMs) },
        shown: { events: shown, perSecond: perSecond(shown, measured.wallMs) },
        latency: recorder.summary(),
      };
    };
    const phases = runs.map(phaseOf);
    const summaryOf = (kind: BrowserPhase['phase']): BrowserSummary => {
      const of = phases.filter((phase) => phase.phase === kind);
      const middle = (pick: (phase: BrowserPhase) => number): number => median(of.map(pick));
      return {
        framesPerSecond: middle((phase) => phase.framesPerSecond),
        worstFrameGapMs: Math.max(0, ...of.map((phase) => phase.worstFrameGapMs)),
        longTaskShare: middle((phase) => phase.longTasks.shareOfWallTime),
        mainThreadBusy: middle((phase) => phase.mainThread.busyShare),
        offeredPerSecond: middle((phase) => phase.offered.perSecond),
        committedPerSecond: middle((phase) => phase.committed.perSecond),
        shownPerSecond: middle((phase) => phase.shown.perSecond),
        latency: recorders[kind].summary(),
      };
    };
    const idlePhase = summaryOf('idle');
    const loadPhase = summaryOf('load');
    const ratio = (a: number, b: number): number => (b > 0 ? Math.round((a / b) * 1000) / 1000 : 0);
    return {
      chromium,
      rate: options.rate,
      durationS: options.durationMs / 1000,
      viewport,
      phases,
      idle: idlePhase,
      load: loadPhase,
      ratios: { framesPerSecond: ratio(loadPhase.framesPerSecond, idlePhase.framesPerSecond), mainThreadBusy: ratio(loadPhase.mainThreadBusy, idlePhase.mainThreadBusy), shownOverCommitted: ratio(loadPhase.shownPerSecond, loadPhase.committedPerSecond), shownOverOffered: ratio(loadPhase.shownPerSecond, loadPhase.offeredPerSecond) },
      outcomes,
      lateSends,
      maxSendLagMs: Math.round(maxSendLagMs * 10) / 10,
      serverCpuPercent,
      checks: { expected: expected.length, shown: timesShown.size, missing: missing.length, duplicates: duplicates.length, unexpected: unexpected.length, drainMs },
      violations,
    };
  } finally {
    await browser?.close();
    await server?.stop();
    await sink?.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
