// An in-process bus: subjects with wildcards, queue groups (one member of a group gets each message)
// and request-reply, delivered asynchronously like a network would. Used when no NATS URL is given.

import type { Bus, BusMessage, BusSubscription } from './bus.js';
import { subjectMatches } from './bus.js';
import { constants } from '../../engine/index.js';

interface Subscriber {
  pattern: string;
  queue: string | undefined;
  handler: (message: BusMessage) => void;
}

export class InProcessBus implements Bus {
  readonly kind = 'in-process' as const;
  private subscribers: Subscriber[] = [];
  private roundRobin = 0;

  subscribe(subject: string, handler: (message: BusMessage) => void, queue?: string): BusSubscription {
    const subscriber: Subscriber = { pattern: subject, queue, handler };
    this.subscribers.push(subscriber);
    const unsubscribe = (): void => {
      this.subscribers = this.subscribers.filter((entry) => entry !== subscriber);
    };
    return {
      unsubscribe,
      drain: () => {
        unsubscribe();
        // Deliveries already queued run as microtasks; let them reach the handler first.
        return new Promise<void>((resolve) => setImmediate(resolve));
      },
    };
  }

  publish(subject: string, data: Uint8Array): void {
    this.deliver(subject, data, {}, () => undefined);
  }

  request(subject: string, data: Uint8Array, options: { timeoutMs?: number; headers?: Record<string, string> } = {}): Promise<{ data: Uint8Array; header(name: string): string | undefined }> {
    return new Promise((resolve, reject) => {
      let answered = false;
      const timer = setTimeout(() => {
        if (!answered) reject(new Error('request timed out'));
      }, options.timeoutMs ?? constants.natsRequestTimeoutMs);
      const delivered = this.deliver(subject, data, options.headers ?? {}, (reply, headers) => {
        if (answered) return;
        answered = true;
        clearTimeout(timer);
        resolve({ data: reply, header: (name) => lookup(headers, name) });
      });
      if (!delivered) {
        clearTimeout(timer);
        reject(new Error(`no responders for ${subject}`));
      }
    });
  }

  /** Subscriptions take effect at once in process. */
  flush(): Promise<void> {
    return Promise.resolve();
  }

  drain(): Promise<void> {
    this.subscribers = [];
    return Promise.resolve();
  }

  private deliver(subject: string, data: Uint8Array, headers: Record<string, string>, respond: (data: Uint8Array, headers: Record<string, string>) => void): boolean {
    const matching = this.subscribers.filter((subscriber) => subjectMatches(subscriber.pattern, subject));
    const chosen: Subscriber[] = [];
    const groups = new Map<string, Subscriber[]>();
    for (const subscriber of matching) {
      if (subscriber.queue === undefined) chosen.push(subscriber);
      else groups.set(subscriber.queue, [...(groups.get(subscriber.queue) ?? []), subscriber]);
    }
    for (const members of groups.values()) chosen.push(members[this.roundRobin++ % members.length] as Subscriber);
    const message: BusMessage = {
      subject,
      data,
      header: (name) => lookup(headers, name),
      respond: (reply, replyHeaders = {}) => respond(reply, replyHeaders),
    };
    for (const subscriber of chosen) queueMicrotask(() => subscriber.handler(message));
    return chosen.length > 0;
  }
}

function lookup(headers: Record<string, string>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === wanted) return value;
  return undefined;
}
