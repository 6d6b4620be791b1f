import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { firstByPrecedence, reasonCodes, reasonMessages } from './reasons.js';

describe('reason codes', () => {
  it('docs/protocol.md lists exactly the codes of engine/reasons.ts, in the same precedence order', () => {
    const text = readFileSync(new URL('../docs/protocol.md', import.meta.url), 'utf8');
    const documented = [...text.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((match) => match[1]);
    expect(documented).toEqual([...reasonCodes]);
  });

  it('the contract codes are all present', () => {
    const contract = 'OK BAD_REQUEST TERMINAL_UNKNOWN TERMINAL_BLOCKED SHIFT_CLOSED CARD_UNKNOWN CARD_BLOCKED CARD_EXPIRED PIN_INVALID PIN_TRIES_EXCEEDED PRODUCT_UNKNOWN PRODUCT_NOT_ALLOWED SITE_NOT_ALLOWED TIME_NOT_ALLOWED LIMIT_EXCEEDED INSUFFICIENT_FUNDS AUTH_NOT_FOUND AUTH_EXPIRED AUTH_ALREADY_CLOSED AMOUNT_EXCEEDS_AUTH REFUND_EXCEEDS_SALE TX_NOT_FOUND TARIFF_UNKNOWN SESSION_ALREADY_OPEN SESSION_NOT_FOUND DUPLICATE_ID_MISMATCH UNAVAILABLE'.split(' ');
    for (const code of contract) expect(reasonCodes).toContain(code);
  });

  it('every code has a message and precedence picks the earliest', () => {
    for (const code of reasonCodes) expect(reasonMessages[code].length).toBeGreaterThan(0);
    expect(firstByPrecedence(['INSUFFICIENT_FUNDS', 'LIMIT_EXCEEDED', 'PIN_INVALID'])).toBe('PIN_INVALID');
    expect(firstByPrecedence([])).toBeUndefined();
  });
});
