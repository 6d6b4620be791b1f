// The message bus the gateways speak: NATS when a URL is configured, else an in-process bus with the
// same subjects, wildcards, queue groups and request-reply, so the code above it is the same.

export interface BusMessage {
  subject: string;
  data: Uint8Array;
  /** Header value by name (case-insensitive for Content-Type). */
  header(name: string): string | undefined;
  /** Answers a request; a no-op for a plain publish. */
  respond(data: Uint8Array, headers?: Record<string, string>): void;
}

export interface BusSubscription {
  unsubscribe(): void;
  /** Stops new deliveries and resolves once every message already received has been handed over. */
  drain(): Promise<void>;
}

export interface Bus {
  readonly kind: 'nats' | 'in-process';
  subscribe(subject: string, handler: (message: BusMessage) => void, queue?: string): BusSubscription;
  publish(subject: string, data: Uint8Array): void;
  request(subject: string, data: Uint8Array, options?: { timeoutMs?: number; headers?: Record<string, string> }): Promise<{ data: Uint8Array; header(name: string): string | undefined }>;
  /** Resolves once the server has every subscription made so far (a round trip), so others can reach them. */
  flush(): Promise<void>;
  /** Stops delivering new messages to subscriptions, lets handlers finish, and closes. */
  drain(): Promise<void>;
}

/** Whether a subject matches a pattern with `*` (one token) and `>` (the rest). */
export function subjectMatches(pattern: string, subject: string): boolean {
  const patternTokens = pattern.split('.');
  const subjectTokens = subject.split('.');
  for (let index = 0; index < patternTokens.length; index++) {
    const token = patternTokens[index];
    if (token === '>') return subjectTokens.length > index;
    if (index >= subjectTokens.length) return false;
    if (token !== '*' && token !== subjectTokens[index]) return false;
  }
  return patternTokens.length === subjectTokens.length;
}
