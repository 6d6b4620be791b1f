// Every process of the bench other than the orchestrator (the systems under test — engine, echo, the
// PostgreSQL authoriser — and the load generators) is started with `node --import tsx` and spoken
// to over the IPC channel: the child says `ready`, then answers calls by name (`stats` and `stop`
// always; `audit.books`, `run.open`, … where the child offers them). Both sides are here.

import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LoopDelay, ownCpuMicros, rssMB } from './stats.js';

/** What every child answers to `stats`. */
export interface ChildStats {
  pid: number;
  cpuMicros: number;
  rssMB: number;
  /** V8 heap in use (live objects and garbage not yet collected), MB. */
  heapUsedMB: number;
  /** Event-loop delay p99 since the previous `stats`, ms. */
  loopDelayP99Ms: number;
  /** Requests answered so far (the echo and PostgreSQL responders count them). */
  handled?: number;
  /** Engine only: holds in the hold-expiry index, and LMDB flush reports. */
  openHolds?: number;
  flushReports?: number;
  flushedWrites?: number;
  /** Processes working for this one whose CPU and memory count with it (PostgreSQL backends). */
  helperPids?: number[];
}

/** The configuration of a system under test (engine, echo, PostgreSQL authoriser). */
export interface ResponderConfig {
  natsUrl: string;
  /** Engine: where its LMDB environment goes (default: a temporary directory removed on stop). */
  dataDir?: string;
  network?: { cards: number; accounts: number; terminals: number };
  /** Engine: import the network at start (default true; a restart on existing data says false). */
  importNetwork?: boolean;
  /** PostgreSQL authoriser: the server to create its database on, and its pool size. */
  databaseUrl?: string;
  poolSize?: number;
}

type ToChild = { type: 'call'; callId: number; method: string; payload: unknown };
type ToParent =
  | { type: 'ready'; pid: number; detail: string }
  | { type: 'result'; callId: number; value: unknown }
  | { type: 'error'; callId: number; error: string }
  | { type: 'failed'; error: string };

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Node flags the children run with: tsx, and whatever BENCH_RESPONDER_FLAGS adds (e.g.
 * `--cpu-prof --cpu-prof-dir=/tmp/prof` or `--trace-gc`), given to every child alike for fairness.
 */
/** The responders run as the engine runs in production (`npm start`, the Dockerfile: docs/decisions/0018-young-generation.md). */
export const responderNodeFlags = ['--max-semi-space-size=32', '--import', 'tsx', ...(process.env['BENCH_RESPONDER_FLAGS'] ?? '').split(' ').filter((flag) => flag !== '')];

export interface ChildHandle {
  pid: number;
  detail: string;
  /** performance.now() of this process when the child was forked. */
  forkedAt: number;
  call<T>(method: string, payload?: unknown, timeoutMs?: number): Promise<T>;
  stats(): Promise<ChildStats>;
  /** Asks the child to stop (it drains and exits); SIGKILL after 20 s. */
  stop(): Promise<void>;
  /** `kill -9`, and waits for the exit. */
  kill(): Promise<void>;
}

export interface StartOptions {
  readyTimeoutMs?: number;
  /** Called with the pid as soon as the child is forked (before it is ready). */
  onFork?: (pid: number, forkedAt: number) => void;
}

/** Forks `bench/<script>` with `config`, and waits for it to report ready. */
export function startChild(script: string, config: unknown, options: StartOptions = {}): Promise<ChildHandle> {
  const readyTimeoutMs = options.readyTimeoutMs ?? 120_000;
  const forkedAt = performance.now();
  const child: ChildProcess = fork(join(repoRoot, 'bench', script), [JSON.stringify(config)], {
    cwd: repoRoot,
    execArgv: responderNodeFlags,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    serialization: 'advanced',
  });
  if (child.pid !== undefined) options.onFork?.(child.pid, forkedAt);
  const waiting = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }>();
  let nextCall = 0;
  let exited: Promise<void> | undefined;
  const exit = (): Promise<void> => (exited ??= new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve()))));
  child.once('exit', (code, signal) => {
    for (const [, waiter] of waiting) {
      clearTimeout(waiter.timer);
      waiter.reject(new Error(`${script} exited (${code ?? signal ?? '?'})`));
    }
    waiting.clear();
  });
  const call = <T>(method: string, payload?: unknown, timeoutMs = 10_000): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      if (!child.connected) {
        reject(new Error(`${script} is gone (call ${method})`));
        return;
      }
      const callId = nextCall++;
      const timer = setTimeout(() => {
        waiting.delete(callId);
        reject(new Error(`${script} did not answer ${method} in ${timeoutMs} ms`));
      }, timeoutMs);
      waiting.set(callId, { resolve: (value) => resolve(value as T), reject, timer });
      child.send({ type: 'call', callId, method, payload } satisfies ToChild);
    });
  return new Promise<ChildHandle>((resolve, reject) => {
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
      } else if (message.type === 'result' || message.type === 'error') {
        const waiter = waiting.get(message.callId);
        if (waiter === undefined) return;
        waiting.delete(message.callId);
        clearTimeout(waiter.timer);
        if (message.type === 'result') waiter.resolve(message.value);
        else waiter.reject(new Error(`${script}: ${message.error}`));
      } else if (message.type === 'ready') {
        clearTimeout(timer);
        resolve({
          pid: message.pid,
          detail: message.detail,
          forkedAt,
          call,
          stats: () => call<ChildStats>('stats'),
          stop: async () => {
            if (child.connected) call('stop', undefined, 30_000).catch(() => undefined);
            const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
            await exit();
            clearTimeout(killer);
          },
          kill: async () => {
            child.kill('SIGKILL');
            await exit();
          },
        });
      }
    });
  });
}

export interface RunningChild {
  detail: string;
  /** Calls the child answers besides `stats` and `stop`. */
  methods?: Record<string, (payload: unknown) => unknown>;
  /** Added to the `stats` answer. */
  stats?: () => Partial<ChildStats>;
  stop: () => Promise<void>;
}

/** The child's side: reads its config, runs `start`, then answers calls over IPC. */
export function childMain<Config>(start: (config: Config) => Promise<RunningChild>): void {
  const send = (message: ToParent): void => {
    process.send?.(message);
  };
  const config = JSON.parse(process.argv[2] ?? '{}') as Config;
  const loop = new LoopDelay();
  process.on('disconnect', () => process.exit(0)); // the bench went away
  const describe = (error: unknown): string => (error instanceof Error ? (error.stack ?? error.message) : String(error));
  start(config).then(
    (running) => {
      loop.start();
      const methods: Record<string, (payload: unknown) => unknown> = {
        ...running.methods,
        stats: () => {
          const loopDelayP99Ms = loop.stopP99Ms();
          loop.start();
          return { pid: process.pid, cpuMicros: ownCpuMicros(), rssMB: rssMB(), heapUsedMB: Math.round(process.memoryUsage().heapUsed / 1e5) / 10, loopDelayP99Ms, ...(running.stats?.() ?? {}) } satisfies ChildStats;
        },
        stop: async () => {
          try {
            await running.stop();
          } finally {
            setImmediate(() => process.exit(0));
          }
          return true;
        },
      };
      process.on('message', (raw: unknown) => {
        const message = raw as ToChild;
        if (message.type !== 'call') return;
        const method = methods[message.method];
        if (method === undefined) {
          send({ type: 'error', callId: message.callId, error: `no method ${message.method}` });
          return;
        }
        Promise.resolve()
          .then(() => method(message.payload))
          .then(
            (value) => send({ type: 'result', callId: message.callId, value }),
            (error: unknown) => send({ type: 'error', callId: message.callId, error: describe(error) }),
          );
      });
      send({ type: 'ready', pid: process.pid, detail: running.detail });
    },
    (error: unknown) => {
      send({ type: 'failed', error: describe(error) });
      setTimeout(() => process.exit(1), 100);
    },
  );
}
