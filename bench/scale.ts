// The scale run: a large network (1,000,000 cards in full mode) imported into an engine, the engine
// stopped and started again on that data. Reported: import time; from the restart's fork to the
// first answered ping (ready) and to the first approved authorisation (an actor recovered on
// demand); resident memory then and after a burst of authorisations over random cards; the size of
// the LMDB file.

import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'nats';
import type { NatsConnection } from 'nats';
import { pack, unpack } from 'msgpackr';
import { GeneratorPool } from './load.js';
import type { BenchNetworkSize } from './network.js';
import { benchCardNumber, benchProduct, benchRequestAmount, benchTerminalId } from './network.js';
import type { ChildHandle, ResponderConfig } from './processes.js';
import { startChild } from './processes.js';
import { procMemoryMB, seededRandom, sleep } from './stats.js';
import { natsForTests } from '../test/support/nats.js';

export interface ScaleOptions {
  network: BenchNetworkSize;
  /** Closed-loop burst after the first approval (64 in flight), ms. */
  burstMs: number;
  requestTimeoutMs: number;
  log?: (line: string) => void;
}

export interface ScaleReport {
  network: BenchNetworkSize;
  importMs: number;
  /** Engine RSS right after the import (the document built in that process included). */
  rssAfterImportMB: number;
  lmdbFileMB: number;
  restart: {
    toReadyMs: number;
    toFirstApprovalMs: number;
    rssAtReadyMB: number;
    rssAfterFirstApprovalMB: number;
    burst: { replies: number; throughput: number; p99Ms: number; approvals: number; rssAfterMB: number; heapUsedAfterMB: number; anonymousMB?: number; fileMappedMB?: number };
  };
}

/** Polls until `attempt` answers true; resolves with the time it first did (performance.now()). */
async function until(attempt: () => Promise<boolean>, timeoutMs: number, what: string): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    try {
      if (await attempt()) return performance.now();
    } catch {
      // no responder yet, or a timeout: ask again
    }
    await sleep(2);
  }
  throw new Error(`scale: no ${what} in ${timeoutMs} ms`);
}

async function ask(connection: NatsConnection, subject: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const reply = await connection.request(subject, pack(body), { timeout: 1_000 });
  return unpack(reply.data) as Record<string, unknown>;
}

export async function runScale(options: ScaleOptions): Promise<ScaleReport> {
  const log = options.log ?? (() => undefined);
  const server = await natsForTests();
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-bench-scale-'));
  const config: ResponderConfig = { natsUrl: server.url, dataDir, network: options.network };
  const connection = await connect({ servers: server.url, name: 'tessera-bench-scale' });
  let pool: GeneratorPool | undefined;
  let engine: ChildHandle | undefined;
  try {
    const first = await startChild('engine-process.ts', config, { readyTimeoutMs: 30 * 60_000 });
    const { importMs } = await first.call<{ importMs: number }>('info');
    const rssAfterImportMB = (await first.stats()).rssMB;
    log(`scale: ${options.network.cards} cards imported in ${importMs} ms (engine RSS ${rssAfterImportMB} MB)`);
    await first.stop();
    const lmdbFileMB = Math.round(statSync(join(dataDir, 'engine.lmdb')).size / 1e5) / 10;
    pool = await GeneratorPool.start({ natsUrl: server.url, network: options.network, requestTimeoutMs: options.requestTimeoutMs, lateSendMs: 2, checkReplies: true, seed: 13, count: 1 });

    let forkedAt = 0;
    const starting = startChild('engine-process.ts', { ...config, importNetwork: false }, { readyTimeoutMs: 10 * 60_000, onFork: (_pid, at) => (forkedAt = at) });
    starting.catch(() => undefined);
    const readyAt = await until(async () => (await ask(connection, 'tessera.v1.sys.ping', {}))['result'] === 'approved', 10 * 60_000, 'ping answered');
    const statsAtReady = starting.then((handle) => handle.stats());
    statsAtReady.catch(() => undefined);
    const random = seededRandom(5);
    let attempt = 0;
    const approvedAt = await until(
      async () => {
        const card = benchCardNumber(Math.floor(random() * options.network.cards / 10) * 10); // index ≡ 0 (mod 10): no day limit
        const reply = await ask(connection, `tessera.v1.term.${benchTerminalId(0)}.authorize`, { id: `scale-first-${attempt++}`, card, product: benchProduct, amount: benchRequestAmount });
        return reply['result'] === 'approved';
      },
      10 * 60_000,
      'approval',
    );
    engine = await starting;
    const rssAtReadyMB = (await statsAtReady).rssMB;
    const rssAfterFirstApprovalMB = (await engine.stats()).rssMB;
    const burst = await pool.closed({ scenario: 'authorize', inFlight: 64, warmupMs: 0, durationMs: options.burstMs });
    const afterBurst = await engine.stats();
    const rssAfterMB = afterBurst.rssMB;
    // RSS counts file-backed pages (node's own binary, and every page of LMDB's memory map read so far: the OS's to drop) beside the process's own.
    const memory = procMemoryMB(engine.pid);
    const latency = burst.recorder.summary();
    const report: ScaleReport = {
      network: options.network,
      importMs,
      rssAfterImportMB,
      lmdbFileMB,
      restart: {
        toReadyMs: Math.round(readyAt - forkedAt),
        toFirstApprovalMs: Math.round(approvedAt - forkedAt),
        rssAtReadyMB,
        rssAfterFirstApprovalMB,
        burst: { replies: burst.replies, throughput: Math.round((burst.replies / burst.windowMs) * 1000), p99Ms: latency.p99, approvals: burst.approvals, rssAfterMB, heapUsedAfterMB: afterBurst.heapUsedMB, ...(memory ? { anonymousMB: memory.anonymousMB, fileMappedMB: memory.fileMB } : {}) },
      },
    };
    log(`scale: restart → ready ${report.restart.toReadyMs} ms, → first approval ${report.restart.toFirstApprovalMs} ms, RSS ${rssAtReadyMB} MB, after a ${options.burstMs} ms burst (${burst.replies} replies) ${rssAfterMB} MB (heap ${afterBurst.heapUsedMB} MB)`);
    return report;
  } finally {
    await pool?.stop().catch(() => undefined);
    await engine?.stop().catch(() => undefined);
    await connection.close().catch(() => undefined);
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
