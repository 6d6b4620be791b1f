// The bus over a real NATS server (nats.js). Subscriptions use callbacks, not async iterators, so a
// message reaches the engine without an extra promise per message.

import { connect, headers as natsHeaders, nkeyAuthenticator } from 'nats';
import type { Msg, NatsConnection } from 'nats';
import type { Bus, BusMessage, BusSubscription } from './bus.js';
import { constants, engineInboxPrefix } from '../../engine/index.js';

export interface NatsBusCredentials {
  /** The engine's nkey seed (`<data>/nats-engine.nk`, made by `tessera nats-config`): the server then knows it by its public key. */
  nkeySeed: string;
}

/**
 * Connects to NATS. With credentials the connection authenticates with the engine's nkey, and its
 * own requests' replies come back under the engine's inbox prefix (what its NATS permissions allow).
 */
export async function connectNatsBus(url: string, name = 'tessera-engine', credentials?: NatsBusCredentials): Promise<NatsBus> {
  const connection = await connect({
    servers: url,
    name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    pingInterval: 10_000,
    ...(credentials ? { authenticator: nkeyAuthenticator(new TextEncoder().encode(credentials.nkeySeed)), inboxPrefix: engineInboxPrefix } : {}),
  });
  return new NatsBus(connection);
}

export class NatsBus implements Bus {
  readonly kind = 'nats' as const;
  /**
   * Replies are decided in many actor turns; nats.js writes to the socket once per microtask
   * checkpoint, so replies sent one per turn cost one write each. They are collected and sent
   * together once per event-loop turn instead (one socket write for all of them).
   */
  private pendingReplies: (() => void)[] = [];
  private replyFlushScheduled = false;

  constructor(readonly connection: NatsConnection) {}

  private queueReply(send: () => void): void {
    this.pendingReplies.push(send);
    if (this.replyFlushScheduled) return;
    this.replyFlushScheduled = true;
    setImmediate(() => this.sendPendingReplies());
  }

  private sendPendingReplies(): void {
    this.replyFlushScheduled = false;
    const replies = this.pendingReplies;
    this.pendingReplies = [];
    // Once the connection is closed nobody can hear a reply: the decisions are in the journal, and
    // a terminal that asks again gets the stored answer.
    if (this.connection.isClosed()) return;
    for (const reply of replies) reply();
  }

  subscribe(subject: string, handler: (message: BusMessage) => void, queue?: string): BusSubscription {
    const subscription = this.connection.subscribe(subject, {
      ...(queue !== undefined ? { queue } : {}),
      callback: (error, message) => {
        if (error) return;
        handler(this.wrap(message));
      },
    });
    return { unsubscribe: () => subscription.unsubscribe(), drain: () => subscription.drain() };
  }

  /** Fire and forget: on a closed connection the message is dropped (events stay in the journal). */
  publish(subject: string, data: Uint8Array): void {
    if (this.connection.isClosed()) return;
    this.connection.publish(subject, data);
  }

  async request(subject: string, data: Uint8Array, options: { timeoutMs?: number; headers?: Record<string, string> } = {}): Promise<{ data: Uint8Array; header(name: string): string | undefined }> {
    const requestHeaders = options.headers ? toHeaders(options.headers) : undefined;
    const reply = await this.connection.request(subject, data, { timeout: options.timeoutMs ?? constants.natsRequestTimeoutMs, ...(requestHeaders ? { headers: requestHeaders } : {}) });
    return { data: reply.data, header: (name) => reply.headers?.get(name) || undefined };
  }

  private wrap(message: Msg): BusMessage {
    return {
      subject: message.subject,
      data: message.data,
      header: (name) => message.headers?.get(name) || undefined,
      respond: (data, replyHeaders) => {
        this.queueReply(() => message.respond(data, replyHeaders ? { headers: toHeaders(replyHeaders) } : undefined));
      },
    };
  }

  flush(): Promise<void> {
    return this.connection.flush();
  }

  async drain(): Promise<void> {
    this.sendPendingReplies(); // replies decided before the drain must not wait for a turn that comes too late
    if (!this.connection.isClosed()) await this.connection.drain();
  }
}

function toHeaders(values: Record<string, string>): ReturnType<typeof natsHeaders> {
  const result = natsHeaders();
  for (const [key, value] of Object.entries(values)) result.set(key, value);
  return result;
}
