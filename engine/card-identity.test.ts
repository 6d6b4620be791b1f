// Idempotency fingerprints are kept on disk with each reply: the same request must give the same
// fingerprint across versions and restarts. The values below were computed by the first version.

import { describe, expect, it } from 'vitest';
import { CardKeys, stableStringify } from './card-identity.js';

describe('request fingerprints', () => {
  const keys = new CardKeys(Buffer.alloc(32, 7));

  it('stay what earlier versions stored (id and at left out, keys in any order)', () => {
    expect(keys.fingerprint({ op: 'authorize', request: { id: 'r-1', card: '7000001234567890', pin: '1234', product: 'AI95', amount: 200000, at: 5 } })).toBe('iBflLIdiB6M0XUiRuQFq7O');
    expect(keys.fingerprint({ op: 'authorize', request: { amount: 200000, product: 'AI95', pin: '1234', card: '7000001234567890', id: 'other' } })).toBe('iBflLIdiB6M0XUiRuQFq7O');
    expect(keys.fingerprint({ op: 'sale', request: { id: 'r-2', lines: [{ product: 'coffee', qty: 2, price: 15000 }], payments: { cash: 30000 }, note: 'кофе' } })).toBe('Lxa8R9aQqzrDzD6L4ttQ6Y');
  });

  it('write objects with sorted keys and undefined as null', () => {
    expect(stableStringify({ b: [1, { d: null, c: 'x' }], a: undefined })).toBe('{"a":null,"b":[1,{"c":"x","d":null}]}');
  });
});
