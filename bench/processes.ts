// Responders under test run in processes of their own, started with `node --import tsx` and spoken
// to over the IPC channel: the child says `ready`, answers `stats` (its CPU time, memory, event-loop
// delay and, for the engine, open holds and LMDB flushes) and exits on `stop`. Both sides are here.

import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LoopDelay, ownCpuMicros, rssMB } from './stats.js';

export interface ResponderConfig {
  natsUrl: string;
  /** Engine only: where its LMDB environment goes, and the network it imports. */
  dataDir?: string;
  network?: { cards: number; accounts: number; terminals: number };
}

export interface ResponderStats {
  pid: number;
  cpuMicros: number;
  rssMB: number;
  /** Event-loop delay p99 since the previous `stats`, ms. */
  loopDelayP99Ms: number;
  /** Requests answered so far (the echo responder counts them; the engine is not instrumented). */
  handled?: number;
  openHolds?: number;
  flushReports?: number;
  flushedWrites?: number;
}

type ToChild = { type: 'stats' } | { type: 'stop' };
type ToParent = { type: 'ready'; pid: number; detail: string } | ({ type: 'stats' } & ResponderStats) | { type: 'failed'; error: string };

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Node flags the responders run with: the engine's production flag, given to both for fairness, and
 * whatever BENCH_RESPONDER_FLAGS adds (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` or `--trace-gc`).
 */
export const responderNodeFlags = ['--import', 'tsx', ...(process.env['BENCH_RESPONDER_FLAGS'] ?? '').split(' ').filter((flag) => flag !== '')];

export interface ResponderHandle {
  pid: number;
  detail: string;
  stats(): Promise<ResponderStats>;
  stop(): Promise<void>;
}

/** Forks `bench/<script>` with `config`, and waits for it to report ready. */
export function startResponder(script: string, config: ResponderConfig, readyTimeoutMs = 120_000): Promise<ResponderHandle> {
  const child: ChildProcess = fork(join(repoRoot, 'bench', script), [JSON.stringify(config)], {
    cwd: repoRoot,
    execArgv: responderNodeFlags,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let statsWaiter: ((stats: ResponderStats) => void) | undefined;
  let exited: Promise<void> | undefined;
  const exit = (): Promise<void> => (exited ??= new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve()))));
  return new Promise<ResponderHandle>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} did not get ready in ${readyTimeoutMs} ms`));
    }, readyTimeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited (${code ?? signal ?? '?'}) before it was ready`));
    });
    child.on('message', (raw: unknown) => {
      const message = raw as ToParent;
      if (message.type === 'failed') {
        clearTimeout(timer);
        reject(new Error(`${script}: ${message.error}`));
      } else if (message.type === 'stats') {
        const { type: _type, ...stats } = message;
        statsWaiter?.(stats);
        statsWaiter = undefined;
      } else if (message.type === 'ready') {
        clearTimeout(timer);
        resolve({
          pid: message.pid,
          detail: message.detail,
          stats: () =>
            new Promise<ResponderStats>((resolveStats, rejectStats) => {
              const statsTimer = setTimeout(() => rejectStats(new Error(`${script} did not answer stats`)), 10_000);
              statsWaiter = (stats) => {
                clearTimeout(statsTimer);
                resolveStats(stats);
              };
              child.send({ type: 'stats' } satisfies ToChild);
            }),
          stop: async () => {
            if (child.connected) child.send({ type: 'stop' } satisfies ToChild);
            const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
            await exit();
            clearTimeout(killer);
          },
        });
      }
    });
  });
}

/** The child's side: reads its config, runs `start`, then serves stats and stop over IPC. */
export function responderMain(start: (config: ResponderConfig) => Promise<{ detail: string; handled?: () => number; extra?: () => Partial<ResponderStats>; stop: () => Promise<void> }>): void {
  const send = (message: ToParent): void => {
    process.send?.(message);
  };
  const config = JSON.parse(process.argv[2] ?? '{}') as ResponderConfig;
  const loop = new LoopDelay();
  process.on('disconnect', () => process.exit(0)); // the bench went away
  start(config).then(
    (running) => {
      loop.start();
      process.on('message', (raw: unknown) => {
        const message = raw as ToChild;
        if (message.type === 'stats') {
          const loopDelayP99Ms = loop.stopP99Ms();
          loop.start();
          send({ type: 'stats', pid: process.pid, cpuMicros: ownCpuMicros(), rssMB: rssMB(), loopDelayP99Ms, ...(running.handled ? { handled: running.handled() } : {}), ...(running.extra?.() ?? {}) });
        } else if (message.type === 'stop') {
          running.stop().then(
            () => process.exit(0),
            () => process.exit(1),
          );
        }
      });
      send({ type: 'ready', pid: process.pid, detail: running.detail });
    },
    (error: unknown) => {
      send({ type: 'failed', error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
      setTimeout(() => process.exit(1), 100);
    },
  );
}
