// Reason codes: every code has a message, the list has no duplicates and holds the contract's minimum
// set, precedence picks the earliest, and docs/protocol.md's reason-code table lists exactly the
// codes of engine/reasons.ts in the same order.

import { readFileSync } from 'node:fs';
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import type { DeclineReason } from './reasons.js';
import { firstByPrecedence, reasonCodes, reasonMessages, results } from './reasons.js';

/** The minimum set of the protocol contract (shared/spec/protocol.md, "Reason codes"). */
const contractCodes = [
  'OK', 'BAD_REQUEST', 'TERMINAL_UNKNOWN', 'TERMINAL_BLOCKED', 'SHIFT_CLOSED', 'CARD_UNKNOWN',
  'CARD_BLOCKED', 'CARD_EXPIRED', 'PIN_INVALID', 'PIN_TRIES_EXCEEDED', 'PRODUCT_UNKNOWN',
  'PRODUCT_NOT_ALLOWED', 'SITE_NOT_ALLOWED', 'TIME_NOT_ALLOWED', 'LIMIT_EXCEEDED',
  'INSUFFICIENT_FUNDS', 'AUTH_NOT_FOUND', 'AUTH_EXPIRED', 'AUTH_ALREADY_CLOSED',
  'AMOUNT_EXCEEDS_AUTH', 'REFUND_EXCEEDS_SALE', 'TX_NOT_FOUND', 'TARIFF_UNKNOWN',
  'SESSION_ALREADY_OPEN', 'SESSION_NOT_FOUND', 'DUPLICATE_ID_MISMATCH', 'UNAVAILABLE',
];

const declineReasons = reasonCodes.filter((code): code is DeclineReason => code !== 'OK' && code !== 'BAD_REQUEST' && code !== 'UNAVAILABLE');

describe('reason codes', () => {
  it('every code has a non-empty message, and there are messages for codes only', () => {
    for (const code of reasonCodes) {
      expect(typeof reasonMessages[code], code).toBe('string');
      expect(reasonMessages[code].trim().length, code).toBeGreaterThan(0);
    }
    expect(Object.keys(reasonMessages).sort()).toEqual([...reasonCodes].sort());
  });

  it('messages never echo request data placeholders and are distinct', () => {
    const messages = reasonCodes.map((code) => reasonMessages[code]);
    expect(new Set(messages).size).toBe(messages.length);
    for (const message of messages) expect(message).not.toMatch(/\$\{|%s|\{\w+\}/);
  });

  it('codes are unique SCREAMING_SNAKE_CASE, OK first', () => {
    expect(new Set(reasonCodes).size).toBe(reasonCodes.length);
    for (const code of reasonCodes) expect(code).toMatch(/^[A-Z]+(_[A-Z]+)*$/);
    expect(reasonCodes[0]).toBe('OK');
    expect(results).toEqual(['approved', 'declined', 'error']);
  });

  it('the contract’s minimum set is present', () => {
    for (const code of contractCodes) expect(reasonCodes as readonly string[]).toContain(code);
  });

  it('the card and account reasons come in the documented precedence', () => {
    const order = [
      'CARD_UNKNOWN', 'CARD_BLOCKED', 'CARD_EXPIRED', 'PIN_TRIES_EXCEEDED', 'PIN_INVALID', 'PRODUCT_UNKNOWN',
      'PRODUCT_NOT_ALLOWED', 'SITE_NOT_ALLOWED', 'TIME_NOT_ALLOWED', 'LIMIT_EXCEEDED', 'INSUFFICIENT_FUNDS',
    ] as const;
    const positions = order.map((code) => reasonCodes.indexOf(code));
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });
});

describe('firstByPrecedence', () => {
  it('picks the earliest code in precedence order', () => {
    expect(firstByPrecedence(['INSUFFICIENT_FUNDS', 'LIMIT_EXCEEDED'])).toBe('LIMIT_EXCEEDED');
    expect(firstByPrecedence(['TIME_NOT_ALLOWED', 'CARD_BLOCKED', 'PIN_INVALID'])).toBe('CARD_BLOCKED');
    expect(firstByPrecedence(['PIN_INVALID', 'PIN_TRIES_EXCEEDED'])).toBe('PIN_TRIES_EXCEEDED');
    expect(firstByPrecedence(['SESSION_NOT_FOUND'])).toBe('SESSION_NOT_FOUND');
    expect(firstByPrecedence(['AUTH_EXPIRED', 'AUTH_EXPIRED'])).toBe('AUTH_EXPIRED');
    expect(firstByPrecedence([])).toBeUndefined();
  });

  it('property: the result is the candidate with the lowest index in reasonCodes, whatever the order given', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...declineReasons), { maxLength: 12 }), (candidates) => {
        const chosen = firstByPrecedence(candidates);
        if (candidates.length === 0) {
          expect(chosen).toBeUndefined();
          return;
        }
        const best = Math.min(...candidates.map((code) => reasonCodes.indexOf(code)));
        expect(chosen).toBe(reasonCodes[best]);
        expect(firstByPrecedence([...candidates].reverse())).toBe(chosen);
      }),
    );
  });
});

describe('docs/protocol.md', () => {
  it('its reason-code table lists exactly reasonCodes, in the same order', () => {
    const text = readFileSync(new URL('../docs/protocol.md', import.meta.url), 'utf8');
    // Table rows of the form "| `CODE` | ...", in document order.
    const documented = text
      .split(/\r?\n/)
      .map((line) => /^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|/.exec(line)?.[1])
      .filter((code): code is string => code !== undefined);
    expect(documented).toEqual([...reasonCodes]);
  });
});
