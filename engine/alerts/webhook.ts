// Webhook delivery: an HTTP POST of the alert as JSON, signed with HMAC-SHA256 over the exact body
// with the network's secret. Headers: `X-Tessera-Signature: sha256=<hex>`, `X-Tessera-Timestamp`
// (ms since the epoch; the body's `delivery.sentAt`, so the signature covers it and a receiver can
// refuse old replays), `X-Tessera-Delivery` (the same for every attempt of one alert and channel: a
// receiver drops repeats by it) and `X-Tessera-Event: alert`. 2xx is delivered; 408, 429, 5xx, a
// timeout or a refused connection are retried; any other status is a permanent failure.

import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../clock.js';
import { constants } from '../constants.js';
import type { DeliveryAttempt, SendResult } from './deliveries.js';
import { deliveryIdOf } from './deliveries.js';

export const signatureHeader = 'X-Tessera-Signature';
export const timestampHeader = 'X-Tessera-Timestamp';
export const deliveryHeader = 'X-Tessera-Delivery';

export function signBody(secret: string, body: string | Uint8Array): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** What a receiver does: recompute the signature over the body it got and compare in constant time. */
export function verifySignature(secret: string, body: string | Uint8Array, header: string | undefined): boolean {
  if (header === undefined) return false;
  const expected = Buffer.from(signBody(secret, body));
  const given = Buffer.from(header);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

export interface WebhookOptions {
  secretFor: (networkId: string) => string | undefined;
  clock: Clock;
  timeoutMs?: number;
  /** Aborts attempts in flight when the engine closes. */
  signal: AbortSignal;
}

export function webhookSender(options: WebhookOptions): (attempt: DeliveryAttempt) => Promise<SendResult> {
  return async ({ alert, attempt, settings }) => {
    const url = settings?.webhook?.url;
    if (url === undefined) return { ok: false, permanent: true, error: 'the network has no webhook (alerts.webhook.url)' };
    const secret = options.secretFor(alert.network);
    if (secret === undefined) return { ok: false, permanent: true, error: 'no webhook secret is configured for the network (TESSERA_WEBHOOK_SECRET)' };
    const sentAt = options.clock.now();
    const delivery = deliveryIdOf(alert.id, 'webhook');
    const body = JSON.stringify({ ...alert, delivery: { id: delivery, attempt, sentAt } });
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'User-Agent': 'tessera-alerts',
          [signatureHeader]: signBody(secret, body),
          [timestampHeader]: String(sentAt),
          [deliveryHeader]: delivery,
          'X-Tessera-Event': 'alert',
        },
        body,
        redirect: 'error',
        signal: AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs ?? constants.alertDeliveryTimeoutMs)]),
      });
      await response.body?.cancel().catch(() => undefined);
      if (response.ok) return { ok: true };
      const retry = response.status === 408 || response.status === 429 || response.status >= 500;
      return { ok: false, permanent: !retry, error: `HTTP ${response.status}` };
    } catch (error) {
      return { ok: false, permanent: false, error: describeFetchError(error) };
    }
  };
}

/** A short reason without the URL (it may carry credentials) or the body. */
function describeFetchError(error: unknown): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError') return 'timeout';
    if (error.name === 'AbortError') return 'aborted';
    const cause = (error as { cause?: { code?: unknown } }).cause;
    if (cause !== undefined && typeof cause.code === 'string') return cause.code;
    return error.name;
  }
  return 'error';
}
