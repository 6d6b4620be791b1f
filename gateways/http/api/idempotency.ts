// `Idempotency-Key` on POST (the IETF httpapi draft "The Idempotency-Key HTTP Header Field"): the
// router (router.ts) claims a caller's key before the handler runs; a first request runs and its
// answer is kept with a keyed fingerprint of the request; the same key with the same request gets
// that answer again, marked `Idempotent-Replay: true`, and runs nothing; the same key with another
// request is 422 IDEMPOTENCY_KEY_REUSED; the same key while the first still runs is 409 CONFLICT.
// Answers live in the engine's LMDB (`api-answers`, by caller and key), sealed with the security key
// (an answer may hold a secret shown once, such as a new API key), for `apiIdempotencyTtlMs`, and are
// swept in batches by an index on their time. What runs is known to this process only: one engine
// serves a data directory, and a request cut by a crash left no answer, so its retry runs.

import type { ApiAnswerRecord, AtRestProtection, LmdbStore } from '../../../engine/index.js';
import { constants } from '../../../engine/index.js';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IdempotencyClaim, IdempotencyStore, KeptAnswer } from './router.js';

/** Without the security module (tests): a plain hash, and answers kept as they are. */
const plainProtection: AtRestProtection = {
  fingerprint: (parts) => {
    const hash = createHash('sha256');
    parts.forEach((part, index) => {
      if (index > 0) hash.update('\0');
      hash.update(part);
    });
    return hash.digest('base64url');
  },
  seal: (plain) => plain,
  unseal: (sealed) => sealed,
};

export interface LmdbIdempotencyOptions {
  store: Pick<LmdbStore, 'apiAnswer' | 'rememberApiAnswer' | 'forgetApiAnswersBefore' | 'flushed'>;
  clock: { now(): number };
  /** The security module's `atRest` (keyed fingerprints, sealed answers). */
  protection?: AtRestProtection | undefined;
  log?: ((level: 'warn' | 'error', message: string, fields: Record<string, unknown>) => void) | undefined;
}

export class LmdbIdempotencyStore implements IdempotencyStore {
  /** Keys whose first request is running, with its fingerprint. */
  private readonly running = new Map<string, string>();
  private readonly protection: AtRestProtection;
  private sweeper: NodeJS.Timeout | undefined;

  constructor(private readonly options: LmdbIdempotencyOptions) {
    this.protection = options.protection ?? plainProtection;
  }

  fingerprint(parts: readonly (string | Uint8Array)[]): string {
    return this.protection.fingerprint(parts);
  }

  claim(scope: string, key: string, fingerprint: string): IdempotencyClaim {
    const id = `${scope}\0${key}`;
    const runningFingerprint = this.running.get(id);
    if (runningFingerprint !== undefined) return sameFingerprint(runningFingerprint, fingerprint) ? { kind: 'running' } : { kind: 'reused' };
    const now = this.options.clock.now();
    const kept = this.options.store.apiAnswer(scope, key);
    if (kept !== undefined && kept.at + constants.apiIdempotencyTtlMs > now) {
      if (!sameFingerprint(kept.fingerprint, fingerprint)) return { kind: 'reused' };
      const answer = this.open(kept);
      if (answer !== undefined) return { kind: 'replay', answer };
    }
    if (this.running.size >= constants.apiIdempotencyInFlightMax) return { kind: 'busy' };
    this.running.set(id, fingerprint);
    let settled = false;
    const release = (): void => {
      settled = true;
      this.running.delete(id);
    };
    return {
      kind: 'run',
      release,
      complete: async (answer) => {
        if (settled) return;
        const text = JSON.stringify(answer);
        if (Buffer.byteLength(text) > constants.apiIdempotentAnswerBytesMax) {
          this.options.log?.('warn', 'api: an answer is too large to keep for Idempotency-Key retries', { bytes: Buffer.byteLength(text) });
          release();
          return;
        }
        this.options.store.rememberApiAnswer(scope, key, { fingerprint, answer: this.protection.seal(text), at: this.options.clock.now() });
        try {
          // On disk before the answer leaves (a retry after a restart replays it), and visible to reads before the key is free.
          await this.options.store.flushed();
        } finally {
          release();
        }
      },
    };
  }

  /** Forgets answers older than the TTL (a batch at a time); returns how many. */
  sweep(now: number = this.options.clock.now()): number {
    return this.options.store.forgetApiAnswersBefore(now - constants.apiIdempotencyTtlMs, constants.apiIdempotencySweepBatchMax);
  }

  startSweeper(): void {
    if (this.sweeper !== undefined) return;
    this.sweeper = setInterval(() => this.sweep(), constants.apiIdempotencySweepIntervalMs);
    this.sweeper.unref();
  }

  /** Stops the sweeper (before the engine closes its store). */
  stop(): void {
    if (this.sweeper !== undefined) clearInterval(this.sweeper);
    this.sweeper = undefined;
  }

  private open(kept: ApiAnswerRecord): KeptAnswer | undefined {
    try {
      return JSON.parse(this.protection.unseal(kept.answer)) as KeptAnswer;
    } catch {
      // Sealed with another data directory's key: as if nothing was kept.
      this.options.log?.('warn', 'api: a kept answer cannot be opened; the request runs again', {});
      return undefined;
    }
  }
}

function sameFingerprint(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
