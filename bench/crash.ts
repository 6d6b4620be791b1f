// The crash run: the engine under open-loop load is killed with SIGKILL, restarted on the same data
// directory (no import, no recovery step), and then every approval, completion and reversal the
// generator saw must be in its journal, and the books must balance (bench/audit.ts). Requests the
// generator never got an answer to may or may not have been decided; they widen the bounds, nothing
// else does.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Books, HandleCheck } from './audit.js';
import { addHandleCheck, emptyHandleCheck, reconcile } from './audit.js';
import type { GeneratorTotals, SeenKind } from './generator.js';
import { GeneratorPool } from './load.js';
import type { BenchNetworkSize } from './network.js';
import type { ResponderConfig } from './processes.js';
import { startChild } from './processes.js';
import { sleep } from './stats.js';
import { natsForTests } from '../test/support/nats.js';

export interface CrashOptions {
  network: BenchNetworkSize;
  scenario: string;
  rate: number;
  durationMs: number;
  /** Time into the load at which the engine is killed. */
  killAfterMs: number;
  requestTimeoutMs: number;
  lateSendMs: number;
  seed?: number;
  log?: (line: string) => void;
}

export interface CrashReport {
  scenario: string;
  rate: number;
  killedAfterMs: number;
  /** The step as the generator saw it (timeouts and NO_RESPONDERS errors are expected here). */
  step: { sent: number; replies: number; timeouts: number; errors: number; approvals: number; outcomes: Record<string, number> };
  totals: GeneratorTotals;
  /** Fork of the restarted engine → it reports ready (serve() returned; nothing replayed eagerly). */
  restartToReadyMs: number;
  books: Books;
  handles: HandleCheck[];
  violations: string[];
}

const seenKinds: SeenKind[] = ['authorized', 'completed', 'reversed'];

export async function runCrash(options: CrashOptions): Promise<CrashReport> {
  const log = options.log ?? (() => undefined);
  const server = await natsForTests();
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-bench-crash-'));
  const config: ResponderConfig = { natsUrl: server.url, dataDir, network: options.network };
  let pool: GeneratorPool | undefined;
  try {
    const [engine, generators] = await Promise.all([
      startChild('engine-process.ts', config),
      GeneratorPool.start({ natsUrl: server.url, network: options.network, requestTimeoutMs: options.requestTimeoutMs, lateSendMs: options.lateSendMs, checkReplies: true, seed: options.seed ?? 11, count: 1 }),
    ]);
    pool = generators;
    log(`crash: ${engine.detail}`);
    const load = generators.open({ scenario: options.scenario, rate: options.rate, warmupMs: 0, durationMs: options.durationMs });
    await sleep(options.killAfterMs);
    await engine.kill();
    log(`crash: engine killed (SIGKILL) ${options.killAfterMs} ms into ${options.rate}/s of ${options.scenario}`);
    const step = await load;
    const totals = await generators.settle(500, 3_000);

    const restarted = await startChild('engine-process.ts', { ...config, importNetwork: false });
    const restartToReadyMs = Math.round(performance.now() - restarted.forkedAt);
    try {
      const books = await restarted.call<Books>('audit.books', undefined, 300_000);
      const handles: HandleCheck[] = [];
      for (const kind of seenKinds) {
        const total = emptyHandleCheck(kind);
        for await (const chunk of generators.seen(kind)) addHandleCheck(total, await restarted.call<HandleCheck>('audit.check', { kind, handles: chunk }, 120_000));
        handles.push(total);
      }
      const violations = [...step.violations.map((text) => `crash: ${text}`), ...totals.violations.map((text) => `crash: ${text}`), ...reconcile('crash', books, totals, handles)];
      if (totals.approvals === 0) violations.push('crash: the generator saw no approval before the kill');
      log(`crash: restarted in ${restartToReadyMs} ms; ${totals.approvals} approvals seen, ${books.approvals} in the journal, ${totals.unanswered} unanswered; ${violations.length === 0 ? 'all there, books balance' : `${violations.length} violations`}`);
      return {
        scenario: options.scenario,
        rate: options.rate,
        killedAfterMs: options.killAfterMs,
        step: { sent: step.sent, replies: step.replies, timeouts: step.timeouts, errors: step.errors, approvals: step.approvals, outcomes: step.outcomes },
        totals,
        restartToReadyMs,
        books,
        handles,
        violations,
      };
    } finally {
      await restarted.stop();
    }
  } finally {
    await pool?.stop().catch(() => undefined);
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
