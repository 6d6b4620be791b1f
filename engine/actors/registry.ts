// Routes messages to actors by key. Actors are spawned lazily on their first message (recovering
// from snapshot + journal), spread over shard parents (nact copies a parent's children map on every
// message it handles, so no parent owns them all, and the parents themselves receive nothing),
// passivated when idle, and restarted from their journal after a crash, once the store has flushed.

import nact from 'nact';
import type { ActorSystemRef, Ref } from 'nact';
import type { Clock } from '../clock.js';
import { constants } from '../constants.js';
import type { LmdbStore } from '../store/lmdb-store.js';

export interface ActorBehaviour<State, Message> {
  initialState: () => State;
  handle: (state: State, message: Message, context: ActorShellContext<Message>) => State;
  recover: (state: State, event: never) => State;
  encodeSnapshot?: (state: State) => unknown;
  decodeSnapshot?: (snapshot: unknown) => State;
  /** Called when handling `message` threw: answer whoever waits, so nobody hangs. */
  onCrash: (message: Message, error: unknown) => void;
}

export interface ActorShellContext<Message> {
  self: Ref<Message>;
  persist: (event: { type: string }) => void;
}

interface Entry {
  ref: Ref<unknown> | undefined;
  lastUsed: number;
  idleMark: number | undefined;
  /** Messages held while the actor restarts after a crash. */
  held: unknown[] | undefined;
}

const shardCount = 16;

/** What nact hands a persistent actor's handler with each message. */
interface NactContext {
  recovering?: boolean;
  self: Ref<unknown>;
  persist: (event: unknown) => Promise<void>;
}

export class ActorRegistry {
  private readonly entries = new Map<string, Entry>();
  private readonly shards: Ref<unknown>[] = [];
  private readonly behaviours = new Map<string, (key: string) => ActorBehaviour<unknown, unknown>>();
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    private readonly system: ActorSystemRef,
    private readonly store: LmdbStore,
    private readonly clock: Clock,
    private readonly onFatal: (error: unknown) => void,
  ) {
    for (let index = 0; index < shardCount; index++) this.shards.push(nact.spawnStateless(system, () => undefined, `shard-${index}`));
  }

  /** Registers how to build the actor for keys starting with `prefix:`. */
  define<State, Message>(prefix: string, behaviour: (key: string) => ActorBehaviour<State, Message>): void {
    this.behaviours.set(prefix, behaviour as unknown as (key: string) => ActorBehaviour<unknown, unknown>);
  }

  send<Message>(key: string, message: Message): void {
    let entry = this.entries.get(key);
    if (entry === undefined) {
      entry = { ref: this.spawn(key), lastUsed: 0, idleMark: undefined, held: undefined };
      this.entries.set(key, entry);
    }
    entry.lastUsed = this.clock.now();
    entry.idleMark = undefined;
    if (entry.held !== undefined || entry.ref === undefined) {
      (entry.held ??= []).push(message);
      return;
    }
    nact.dispatch(entry.ref, message);
  }

  /** Delivers to the actor only if it is running (a stopped actor reads fresh state when it starts). */
  notifyIfLive<Message>(key: string, message: Message): void {
    if (this.entries.has(key)) this.send(key, message);
  }

  get liveActors(): number {
    return this.entries.size;
  }

  /** Starts passivating idle actors every `actorSweepIntervalMs`. */
  startPassivation(idleMs: number = constants.actorIdleMs): void {
    this.sweeper = setInterval(() => this.passivateIdle(idleMs), constants.actorSweepIntervalMs);
    this.sweeper.unref();
  }

  /** Stops actors idle for `idleMs` whose writes are all flushed (two sweeps: mark, then stop). */
  passivateIdle(idleMs: number): number {
    const now = this.clock.now();
    let stopped = 0;
    for (const [key, entry] of this.entries) {
      if (entry.ref === undefined || entry.held !== undefined || now - entry.lastUsed < idleMs) continue;
      if (entry.idleMark === undefined) {
        entry.idleMark = this.store.issuedWrites;
      } else if (this.store.flushedWrites >= entry.idleMark) {
        this.entries.delete(key);
        nact.stop(entry.ref);
        stopped++;
      }
    }
    return stopped;
  }

  stopAll(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    for (const entry of this.entries.values()) if (entry.ref) nact.stop(entry.ref);
    this.entries.clear();
  }

  private spawn(key: string): Ref<unknown> {
    const prefix = key.slice(0, key.indexOf(':'));
    const build = this.behaviours.get(prefix);
    if (build === undefined) throw new Error(`no actor kind for key ${prefix}`);
    const behaviour = build(key);
    const shard = this.shards[hash(key) % shardCount] as Ref<unknown>;
    const onFatal = this.onFatal;
    // One shell context per actor, made with its first message: nact's `persist` is the actor's own
    // method bound to it, the same in every message's context.
    let shellContext: ActorShellContext<unknown> | undefined;
    const handler = (state: unknown, message: unknown, nactContext: NactContext): unknown => {
      if (nactContext.recovering === true) return behaviour.recover(state, message as never);
      if (shellContext === undefined) {
        const nactPersist = nactContext.persist;
        shellContext = { self: nactContext.self, persist: (event) => void nactPersist(event).catch(onFatal) };
      }
      return behaviour.handle(state, message, shellContext);
    };
    const properties: Record<string, unknown> = {
      initialStateFunc: behaviour.initialState,
      snapshotEvery: constants.snapshotEveryEvents,
      onCrash: (message: unknown, error: unknown, context: { stop: symbol }) => {
        this.crashed(key, message, error, behaviour);
        return context.stop;
      },
    };
    if (behaviour.encodeSnapshot) properties['snapshotEncoder'] = behaviour.encodeSnapshot;
    if (behaviour.decodeSnapshot) properties['snapshotDecoder'] = behaviour.decodeSnapshot;
    return nact.spawnPersistent(shard, handler as never, key, key.replaceAll(':', '.'), properties);
  }

  private crashed(key: string, message: unknown, error: unknown, behaviour: ActorBehaviour<unknown, unknown>): void {
    console.error(JSON.stringify({ level: 'error', msg: 'actor crashed; restarting from its journal', actor: key.replace(/:[0-9a-f]{40}$/, ':…'), error: String(error) }));
    if (message !== undefined) behaviour.onCrash(message, error);
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    // Restart only once everything the crashed actor wrote is durable, so recovery sees all of it.
    entry.ref = undefined;
    entry.held ??= [];
    this.store.flushed().then(
      () => {
        const held = entry.held ?? [];
        entry.held = undefined;
        entry.ref = this.spawn(key);
        for (const pending of held) nact.dispatch(entry.ref, pending);
      },
      (flushError: unknown) => this.onFatal(flushError),
    );
  }
}

function hash(text: string): number {
  let value = 2166136261;
  for (let index = 0; index < text.length; index++) value = Math.imul(value ^ text.charCodeAt(index), 16777619);
  return value >>> 0;
}
