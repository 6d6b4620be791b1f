import { describe, expect, it } from 'vitest';
import { accountKeyFor, cardKeyFor } from '../network/catalog.js';
import { accountOwnerOf, cardHashOf, networkOf } from './keys.js';
import { storableText } from './writes.js';

describe('what the read model reads out of actor keys', () => {
  it('an account key names its owner, as catalog.ts builds it', () => {
    expect(accountOwnerOf(accountKeyFor('sever', 'counterparty', 'logistic-trade'))).toEqual({ network: 'sever', owner: 'counterparty', ownerId: 'logistic-trade' });
    expect(accountOwnerOf(accountKeyFor('sever', 'client', 'ivanova'))).toEqual({ network: 'sever', owner: 'client', ownerId: 'ivanova' });
    expect(accountOwnerOf('acct:sever:xx:id')).toBeUndefined();
    expect(accountOwnerOf('card:sever:abc')).toBeUndefined();
  });

  it('a card key names its keyed hash; an event its network', () => {
    expect(cardHashOf(cardKeyFor('sever', '49c57284da'))).toBe('49c57284da');
    expect(cardHashOf('term:MSK-01-P1')).toBeUndefined();
    expect(networkOf('acct:sever:cp:x', { network: 'sever' })).toBe('sever');
    expect(networkOf('net:sever', {})).toBe('sever');
    expect(networkOf('wash:bay', {})).toBeNull();
  });
});

describe('storable text', () => {
  it('keeps any well-formed text, replaces NUL and unpaired surrogates with U+FFFD', () => {
    expect(storableText('Иванова 🚗 ‏RTL <b>\'; DROP TABLE x; --')).toBe('Иванова 🚗 ‏RTL <b>\'; DROP TABLE x; --');
    expect(storableText('a\u0000b')).toBe('a\ufffdb');
    expect(storableText('x\ud800y\udc00z')).toBe('x\ufffdy\ufffdz');
    expect(storableText('\ud83d\ude97')).toBe('🚗');
  });
});
