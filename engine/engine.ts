// The engine: opens the store, starts the actor system, loads the networks, and takes requests.
// Gateways call `submit` with a validated request and a reply port; everything else happens in actors.
// Schedulers here expire holds, forget old idempotency records and passivate idle actors.

import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import nact from 'nact';
import type { ActorSystemRef } from 'nact';
import { CardKeys } from './card-identity.js';
import type { Clock } from './clock.js';
import { SystemClock } from './clock.js';
import { constants } from './constants.js';
import { ActorRegistry } from './actors/registry.js';
import type { ActorDeps } from './actors/deps.js';
import { terminalBehaviour } from './actors/terminal-actor.js';
import { cardBehaviour } from './actors/card-actor.js';
import { accountBehaviour } from './actors/account-actor.js';
import type { ReplyPort } from './actors/messages.js';
import { Catalogs } from './network/catalogs.js';
import type { NetworkCatalogDocument } from './network/catalog.js';
import { compileCatalog, referenceKinds, terminalKeyFor } from './network/catalog.js';
import type { ImportSummary } from './network/import.js';
import { importNetwork } from './network/import.js';
import type { NetworkDocument } from './network/schema.js';
import type { TerminalRequest } from './protocol/requests.js';
import type { CommittedEvent } from './store/lmdb-store.js';
import { LmdbStore } from './store/lmdb-store.js';
import { LmdbPersistenceEngine } from './store/nact-persistence.js';

export interface EngineOptions {
  /** Directory of the LMDB environment. */
  dataDir: string;
  clock?: Clock;
  /** Secret for card-number and PIN hashes; by default read from (or created in) `<dataDir>/card-key`. */
  cardSecret?: Buffer;
  /** Called when the engine cannot go on (a write failed). Default: log and exit(70). */
  onFatal?: (error: unknown) => void;
  /** Start the periodic schedulers (hold expiry, idempotency sweep, passivation). Default true. */
  schedulers?: boolean;
  /** Requests in flight before new ones are answered UNAVAILABLE (default `constants.requestsInFlightMax`). */
  requestsInFlightMax?: number;
}

/** The LMDB environment of a data directory (the read model's rebuild opens it without an engine). */
export function storePathOf(dataDir: string): string {
  return join(dataDir, 'engine.lmdb');
}

export class Engine {
  readonly store: LmdbStore;
  readonly clock: Clock;
  readonly catalogs = new Catalogs();
  readonly registry: ActorRegistry;
  private readonly system: ActorSystemRef;
  private readonly deps: ActorDeps;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly expiring = new Set<string>();
  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];
  private accepting = true;
  private draining = false;
  private readonly requestsInFlightMax: number;
  private importQueue: Promise<unknown> = Promise.resolve();

  constructor(options: EngineOptions) {
    mkdirSync(options.dataDir, { recursive: true });
    this.clock = options.clock ?? new SystemClock();
    this.requestsInFlightMax = options.requestsInFlightMax ?? constants.requestsInFlightMax;
    const onFatal =
      options.onFatal ??
      ((error: unknown) => {
        console.error(JSON.stringify({ level: 'fatal', msg: 'a durable write failed; stopping', error: String(error) }));
        process.exit(70);
      });
    this.store = new LmdbStore({ path: storePathOf(options.dataDir), onFatal });
    const cardKeys = new CardKeys(options.cardSecret ?? loadOrCreateSecret(join(options.dataDir, 'card-key')));
    this.system = nact.start(nact.configurePersistence(new LmdbPersistenceEngine(this.store, this.clock)));
    this.registry = new ActorRegistry(this.system, this.store, this.clock, onFatal);
    this.deps = { store: this.store, clock: this.clock, cardKeys, catalogs: this.catalogs, registry: this.registry };
    this.registry.define('term', (key) => terminalBehaviour(this.deps, key));
    this.registry.define('card', (key) => cardBehaviour(this.deps, key));
    this.registry.define('acct', (key) => accountBehaviour(this.deps, key));
    for (const { value } of this.store.referencesOf<NetworkCatalogDocument>(referenceKinds.network)) this.catalogs.install(compileCatalog(value));
    if (options.schedulers !== false) this.startSchedulers();
  }

  /** Whether the engine reports ready (false from the start of a drain: load balancers stop sending). */
  get ready(): boolean {
    return this.accepting && !this.draining;
  }

  /** Whether requests are still decided (true until in-flight work is being finished). */
  get acceptingRequests(): boolean {
    return this.accepting;
  }

  /** First step of a drain: readiness goes 503; requests already on their way are still decided. */
  beginDrain(): void {
    this.draining = true;
  }

  get requestsInFlight(): number {
    return this.inFlight;
  }

  /** Hands a validated request to its terminal's actor; `replyTo` is called once, after the flush. */
  submit(terminalId: string, request: TerminalRequest, replyTo: ReplyPort): void {
    if (this.inFlight >= this.requestsInFlightMax) {
      replyTo({ id: request.request.id, result: 'error', reason: 'UNAVAILABLE', message: 'the engine is at capacity; retry with the same id' });
      return;
    }
    this.inFlight++;
    const done: ReplyPort = (reply) => {
      this.inFlight--;
      replyTo(reply);
      if (this.inFlight === 0 && this.idleWaiters.length > 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
    };
    this.registry.send(terminalKeyFor(terminalId), { type: 'request', ...request, fingerprint: this.deps.cardKeys.fingerprint(request), replyTo: done });
  }

  /** Whether a terminal id is registered (gateways answer unknown terminals without an actor). */
  knowsTerminal(terminalId: string): boolean {
    return this.catalogs.terminal(terminalId) !== undefined;
  }

  /** Applies a network document (imports run one at a time). */
  import(document: NetworkDocument): Promise<ImportSummary> {
    const run = this.importQueue.then(async () => {
      const { summary, catalog } = await importNetwork(this.store, this.deps.cardKeys, document, (terminalId) => this.catalogs.terminal(terminalId)?.networkId);
      const changedTerminals = summary.catalogChanged ? this.catalogs.install(catalog) : [];
      for (const terminalId of changedTerminals) this.registry.notifyIfLive(terminalKeyFor(terminalId), { type: 'config.changed' });
      for (const key of summary.changedKeys) this.registry.notifyIfLive(key, { type: 'config.changed' });
      if (summary.created + summary.updated > 0) {
        const key = `net:${document.network.id}`;
        const seq = this.store.lastSeqOf(key) + 1;
        const { changedKeys: _changed, ...counts } = summary;
        await this.store.append(key, seq, { type: 'network.imported', ...counts, at: this.clock.now() }, this.clock.now());
      }
      return summary;
    });
    this.importQueue = run.catch(() => undefined);
    return run;
  }

  onCommitted(listener: (event: CommittedEvent) => void): void {
    this.store.onCommitted(listener);
  }

  /** Expires every hold due by now (the scheduler calls this each second). */
  expireDueHolds(): number {
    let sent = 0;
    for (const due of this.store.holdsDueBy(this.clock.now(), constants.holdSweepBatchMax)) {
      const id = `${due.accountKey}#${due.holdNumber}`;
      if (this.expiring.has(id)) continue;
      this.expiring.add(id);
      sent++;
      this.registry.send(due.accountKey, { type: 'expire', holdNumber: due.holdNumber, expiresAt: due.expiresAt, done: () => this.expiring.delete(id) });
    }
    return sent;
  }

  /** Stops taking requests, answers those in flight, flushes. */
  async drain(timeoutMs: number = constants.drainTimeoutMs): Promise<void> {
    this.draining = true;
    this.accepting = false;
    if (this.inFlight > 0) {
      await Promise.race([new Promise<void>((resolve) => this.idleWaiters.push(resolve)), new Promise((resolve) => setTimeout(resolve, timeoutMs).unref())]);
    }
    await this.store.flushed();
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    this.accepting = false;
    await this.store.flushed();
    this.registry.stopAll();
    nact.stop(this.system);
    await this.store.close();
  }

  private startSchedulers(): void {
    const every = (intervalMs: number, task: () => unknown): void => {
      const timer = setInterval(task, intervalMs);
      timer.unref();
      this.timers.push(timer);
    };
    every(constants.holdSweepIntervalMs, () => this.expireDueHolds());
    every(constants.idempotencySweepIntervalMs, () => this.store.forgetIdempotencyBefore(this.clock.now() - constants.idempotencyRetentionMs, constants.idempotencySweepBatchMax));
    this.registry.startPassivation();
  }
}

function loadOrCreateSecret(path: string): Buffer {
  if (existsSync(path)) return Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
  const secret = randomBytes(32);
  writeFileSync(path, secret.toString('base64') + '\n', { mode: 0o600 });
  return secret;
}
