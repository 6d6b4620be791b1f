// Card numbers and PINs never stay in the engine: a card is looked up by a keyed hash of its
// number, shown as a masked form (first 6, last 4), and its PIN is kept only as a keyed hash.

import { createHmac, timingSafeEqual } from 'node:crypto';

export interface CardIdentity {
  /** Keyed hash of network + number, hex; the lookup key. */
  readonly hash: string;
  /** First 6 and last 4 characters; the rest as '*'. */
  readonly masked: string;
}

export class CardKeys {
  constructor(private readonly secret: Buffer) {}

  identify(networkId: string, number: string): CardIdentity {
    const hash = createHmac('sha256', this.secret).update(networkId).update('\0').update(number).digest('hex').slice(0, 40);
    return { hash, masked: maskCardNumber(number) };
  }

  /**
   * The idempotency fingerprint of a request: a keyed hash of its operation and body without `id`
   * and `at` (keyed, because the body holds a card number and PIN; stable across restarts).
   */
  fingerprint(request: { op: string; request: Record<string, unknown> }): string {
    const { id: _id, at: _at, ...body } = request.request;
    return createHmac('sha256', this.secret).update(`request\0${request.op}\0${stableStringify(body)}`).digest('base64url').slice(0, 22);
  }

  pinHash(cardHash: string, pin: string): string {
    return createHmac('sha256', this.secret).update('pin\0').update(cardHash).update('\0').update(pin).digest('base64url');
  }

  pinMatches(cardHash: string, pin: string, expectedHash: string): boolean {
    const actual = Buffer.from(this.pinHash(cardHash, pin));
    const expected = Buffer.from(expectedHash);
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  }
}

export function maskCardNumber(number: string): string {
  if (number.length >= 13) return number.slice(0, 6) + '*'.repeat(number.length - 10) + number.slice(-4);
  if (number.length > 4) return '*'.repeat(number.length - 4) + number.slice(-4);
  return '*'.repeat(number.length);
}

/** JSON with object keys sorted, so equal values give equal text (one string built in place: it runs on every request). */
export function stableStringify(value: unknown): string {
  if (typeof value !== 'object' || value === null) return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) {
    let text = '[';
    for (let index = 0; index < value.length; index++) text += (index > 0 ? ',' : '') + stableStringify(value[index]);
    return text + ']';
  }
  const record = value as Record<string, unknown>;
  const keys = sortedKeys(record);
  let text = '{';
  for (let index = 0; index < keys.length; index++) {
    const key = keys[index] as string;
    text += (index > 0 ? ',' : '') + JSON.stringify(key) + ':' + stableStringify(record[key]);
  }
  return text + '}';
}

/** An object's keys in the order `Array.prototype.sort` gives strings (UTF-16 code units), sorted in place: a request has a handful, and `sort` allocates. */
function sortedKeys(record: Record<string, unknown>): string[] {
  const keys = Object.keys(record);
  for (let index = 1; index < keys.length; index++) {
    const key = keys[index] as string;
    let at = index - 1;
    while (at >= 0 && (keys[at] as string) > key) {
      keys[at + 1] = keys[at] as string;
      at--;
    }
    keys[at + 1] = key;
  }
  return keys;
}
