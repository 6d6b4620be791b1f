// The engine: opens the store, starts the actor system, loads the networks, and takes requests.
// Gateways call `submit` with a validated request and a reply port; everything else happens in actors.
// Schedulers here expire holds, forget old idempotency records and passivate idle actors.

import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import nact from 'nact';
import type { ActorSystemRef } from 'nact';
import { CardKeys } from './card-identity.js';
import type { Clock } from './clock.js';
import { SystemClock } from './clock.js';
import { constants } from './constants.js';
import { reasonMessages } from './reasons.js';
import { ActorRegistry } from './actors/registry.js';
import type { ActorDeps } from './actors/deps.js';
import { terminalBehaviour } from './actors/terminal-actor.js';
import { boardOf, routeFromDoor, terminalOperations } from './actors/routing.js';
import type { BoardRow } from './actors/routing.js';
import { cardBehaviour } from './actors/card-actor.js';
import { accountBehaviour } from './actors/account-actor.js';
import { sessionBehaviour } from './actors/session-actor.js';
import type { ReplyPort } from './request-desk.js';
import { RequestDesk } from './request-desk.js';
import { PricePublisher } from './price-publisher.js';
import { Catalogs } from './network/catalogs.js';
import type { AccountConfig, CardConfig, NetworkCatalogDocument } from './network/catalog.js';
import { accountKeyFor, cardKeyFor, compileCatalog, referenceKinds, terminalKeyFor } from './network/catalog.js';
import type { CardView, ImportSummary } from './network/import.js';
import { cardViewOf, changedCard, ImportError, importNetwork } from './network/import.js';
import type { CardChange, NetworkDocument } from './network/schema.js';
import { cardChangeSchema, networkDocumentSchema } from './network/schema.js';
import type { TerminalRequest } from './protocol/requests.js';
import type { CommittedEvent } from './store/lmdb-store.js';
import { LmdbStore } from './store/lmdb-store.js';
import { LmdbPersistenceEngine } from './store/nact-persistence.js';
import type { AlertOptions } from './alerts/index.js';
import { AlertService } from './alerts/index.js';

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
  /** Alert rules, delivery and retry settings (engine/alerts); false: no rule evaluates (the alert API still answers). */
  alerts?: AlertOptions | false;
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
  private readonly desk: RequestDesk;
  /** Pushes site price lists when list prices change (imports, scheduled changes). */
  readonly prices: PricePublisher;
  /** Alerts on unusual operations and threshold breaches, evaluated on committed events (engine/alerts). */
  readonly alerts: AlertService;
  private accepting = true;
  private draining = false;
  private importQueue: Promise<unknown> = Promise.resolve();

  constructor(options: EngineOptions) {
    mkdirSync(options.dataDir, { recursive: true });
    this.clock = options.clock ?? new SystemClock();
    const onFatal =
      options.onFatal ??
      ((error: unknown) => {
        console.error(JSON.stringify({ level: 'fatal', msg: 'a durable write failed; stopping', error: String(error) }));
        process.exit(70);
      });
    // Card configurations are read on every card use: kept in memory as written (bounded).
    this.store = new LmdbStore({ path: storePathOf(options.dataDir), onFatal, cachedReferenceKinds: [referenceKinds.card], referencesCachedMax: constants.cardConfigsCachedMax });
    this.desk = new RequestDesk(this.store, options.requestsInFlightMax ?? constants.requestsInFlightMax);
    const cardKeys = new CardKeys(options.cardSecret ?? loadOrCreateSecret(join(options.dataDir, 'card-key')));
    this.system = nact.start(nact.configurePersistence(new LmdbPersistenceEngine(this.store, this.clock)));
    this.registry = new ActorRegistry(this.system, this.store, this.clock, onFatal);
    this.deps = { store: this.store, clock: this.clock, cardKeys, catalogs: this.catalogs, registry: this.registry };
    this.registry.define('term', (key) => terminalBehaviour(this.deps, key));
    this.registry.define('card', (key) => cardBehaviour(this.deps, key));
    this.registry.define('acct', (key) => accountBehaviour(this.deps, key));
    this.registry.define('sess', (key) => sessionBehaviour(this.deps, key));
    for (const { value } of this.store.referencesOf<NetworkCatalogDocument>(referenceKinds.network)) this.catalogs.install(compileCatalog(value));
    this.prices = new PricePublisher(this.catalogs, this.store, this.clock);
    this.alerts = new AlertService(this.store, this.clock, this.catalogs, options.alerts === false ? { evaluate: false } : { sweep: options.schedulers !== false, ...options.alerts });
    // Charges of wash sessions stopped before a crash and not yet confirmed by the account: resumed now.
    for (const sessionKey of new Set([...this.store.pendingSessionCharges()].map((pending) => pending.sessionKey))) this.registry.send(sessionKey, { type: 'resume' });
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
    return this.desk.size;
  }

  /**
   * Hands a validated request to its terminal's actor through the request desk; `replyTo` is called
   * once, after the decision is flushed (a repeat is answered at once from its record).
   */
  submit(terminalId: string, request: TerminalRequest, replyTo: ReplyPort): void {
    const fingerprint = this.deps.cardKeys.fingerprint(request);
    const admission = this.desk.admit(terminalId, request.request.id, fingerprint, replyTo);
    if (admission.kind === 'answered') return;
    const message = { type: 'request' as const, ...request, fingerprint, settle: admission.settle };
    // What needs the terminal's state (shifts and their cash operations) goes to its actor; the rest
    // straight to the actor that decides it.
    if (terminalOperations.has(request.op)) {
      this.registry.send(terminalKeyFor(terminalId), message);
      return;
    }
    try {
      routeFromDoor(this.deps, this.catalogs.terminal(terminalId), message);
    } catch (error) {
      // What an actor's supervisor does for a crash: answer, so nobody waits, and say so.
      console.error(JSON.stringify({ level: 'error', msg: 'routing a request failed', op: request.op, error: String(error) }));
      admission.settle({ id: request.request.id, result: 'error', reason: 'UNAVAILABLE', message: reasonMessages.UNAVAILABLE });
    }
  }

  /** A card number's identity in a network: its keyed hash (what the read model searches by) and masked form. The number itself is not kept. */
  identifyCard(networkId: string, number: string): { hash: string; masked: string } {
    const { hash, masked } = this.deps.cardKeys.identify(networkId, number);
    return { hash, masked };
  }

  /** Whether a terminal id is registered (gateways answer unknown terminals without an actor). */
  knowsTerminal(terminalId: string): boolean {
    return this.catalogs.terminal(terminalId) !== undefined;
  }

  /** Applies a network document (imports and management changes run one at a time). */
  import(document: NetworkDocument): Promise<ImportSummary> {
    return this.serially(() => this.importNow(document, false));
  }

  /**
   * Changes a network's catalog from its current state (the management API): `change` gets the
   * stored catalog document and returns the document to import — its catalog sections are the
   * whole new catalog (a section left out is removed), plus any counterparties, clients or cards to
   * upsert. Runs in the import queue, so two changes never lose one another; the result is
   * validated like any import (ImportError with the problems). Undefined when the network is unknown.
   */
  update<T>(networkId: string, change: (current: NetworkCatalogDocument) => { document: NetworkDocument; result: T }): Promise<{ summary: ImportSummary; result: T } | undefined> {
    return this.serially(async () => {
      const current = this.store.getReference<NetworkCatalogDocument>(referenceKinds.network, networkId);
      if (current === undefined) return undefined;
      const { document, result } = change(structuredClone(current));
      const parsed = networkDocumentSchema.safeParse(document);
      if (!parsed.success) throw new ImportError(parsed.error.issues.slice(0, constants.importProblemsMax).map((issue) => `${issue.path.join('.') || '(document)'}: ${issue.message}`));
      if (parsed.data.network.id !== networkId) throw new ImportError(['network.id: a change cannot move to another network']);
      return { summary: await this.importNow(parsed.data, true), result };
    });
  }

  /**
   * Changes one card, named by its keyed hash (status, limits, restrictions, expiry, tank): queued
   * with imports, checked against the catalog, written, flushed; then the live card actor reloads
   * and a `card.changed` event refreshes the read model's row. Answers once durable, so a block
   * holds for the very next authorisation. Undefined when the network or the card is unknown.
   */
  changeCard(networkId: string, cardHash: string, change: CardChange): Promise<CardView | undefined> {
    return this.serially(async () => {
      const catalog = this.catalogs.network(networkId);
      const storageId = `${networkId}:${cardHash}`;
      const before = this.store.getReference<CardConfig>(referenceKinds.card, storageId);
      if (catalog === undefined || before === undefined) return undefined;
      const after = changedCard(before, cardChangeSchema.parse(change), catalog);
      if (!isDeepStrictEqual(before, after)) {
        this.store.putReference(referenceKinds.card, storageId, after);
        const now = this.clock.now();
        this.store.appendToLog(
          `net:${networkId}`,
          {
            type: 'card.changed', network: networkId, card: after.masked, cardHash: after.hash, account: after.accountKey, status: after.status,
            expires: after.expires ?? null, limits: after.limits.map((limit) => ({ ...limit })), restrictions: { ...after.restrictions }, at: now,
          },
          now,
        );
        await this.store.flushed();
        // After the write is durable and visible: the actor's next message re-reads it.
        this.registry.notifyIfLive(cardKeyFor(networkId, cardHash), { type: 'config.changed' });
      }
      return cardViewOf(after);
    });
  }

  /** A card of a network as the management API shows it (no number, no PIN hash), from the engine's store. */
  cardOf(networkId: string, cardHash: string): CardView | undefined {
    const card = this.store.getReference<CardConfig>(referenceKinds.card, `${networkId}:${cardHash}`);
    return card !== undefined ? cardViewOf(card) : undefined;
  }

  /** A counterparty's or client's account configuration, from the engine's store. */
  accountOf(networkId: string, owner: 'counterparty' | 'client', ownerId: string): AccountConfig | undefined {
    return this.store.getReference<AccountConfig>(referenceKinds.account, accountKeyFor(networkId, owner, ownerId));
  }

  /** A network's catalog document as the engine holds it now. */
  catalogOf(networkId: string): NetworkCatalogDocument | undefined {
    return this.store.getReference<NetworkCatalogDocument>(referenceKinds.network, networkId);
  }

  private serially<T>(task: () => Promise<T>): Promise<T> {
    const run = this.importQueue.then(task);
    this.importQueue = run.catch(() => undefined);
    return run;
  }

  private async importNow(document: NetworkDocument, wholeCatalog: boolean): Promise<ImportSummary> {
    const { summary, catalog } = await importNetwork(
      this.store,
      this.deps.cardKeys,
      document,
      { terminal: (terminalId) => this.catalogs.terminal(terminalId)?.networkId, site: (siteId) => this.catalogs.siteOwner(siteId) },
      { wholeCatalog },
    );
    const changedTerminals = summary.catalogChanged ? this.catalogs.install(catalog) : [];
    for (const terminalId of changedTerminals) this.registry.notifyIfLive(terminalKeyFor(terminalId), { type: 'config.changed' });
    for (const key of summary.changedKeys) this.registry.notifyIfLive(key, { type: 'config.changed' });
    if (summary.created + summary.updated > 0) {
      const { changedKeys: _changed, ...counts } = summary;
      this.store.appendToLog(`net:${document.network.id}`, { type: 'network.imported', ...counts, at: this.clock.now() }, this.clock.now());
    }
    if (summary.catalogChanged) this.prices.catalogInstalled(document.network.id);
    await this.store.flushed();
    return summary;
  }

  /** Follows every event once it is durable; returns how to stop following. */
  onCommitted(listener: (event: CommittedEvent) => void): () => void {
    return this.store.onCommitted(listener);
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

  /**
   * Stops every wash session open past its tariff's maximum (the scheduler calls this every few
   * seconds). A stop takes the session off the index in its commit; a second request for a session
   * already stopped changes nothing, so no bookkeeping of requests in flight is needed.
   */
  stopOverdueSessions(): number {
    let sent = 0;
    for (const due of this.store.sessionsDueBy(this.clock.now(), constants.sessionSweepBatchMax)) {
      sent++;
      this.registry.send(due.sessionKey, { type: 'command', command: { type: 'autostop', sessionNumber: due.number }, ticket: undefined });
    }
    return sent;
  }

  /** The open wash sessions of a site, with elapsed time and cost so far. */
  openSessions(siteId: string): BoardRow[] {
    return boardOf(this.deps, siteId, this.clock.now());
  }

  /** Stops taking requests, answers those in flight, flushes. */
  async drain(timeoutMs: number = constants.drainTimeoutMs): Promise<void> {
    this.draining = true;
    this.accepting = false;
    await Promise.race([this.desk.idle(), new Promise((resolve) => setTimeout(resolve, timeoutMs).unref())]);
    await this.store.flushed();
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    this.accepting = false;
    this.alerts.close();
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
    every(constants.holdSweepIntervalMs, () => this.prices.publishDue());
    every(constants.sessionSweepIntervalMs, () => this.stopOverdueSessions());
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
