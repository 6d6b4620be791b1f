// Handles given to terminals (authId, txId, refundId) name the actor that owns them and a number
// within it, so a later `complete`, `reverse` or `refund` goes straight to the right actor. The
// owner is an account, the terminal that sold a receipt without a card, or a client's session actor.

export const handleKinds = { hold: 'h', transaction: 't', refund: 'r', session: 's' } as const;
export type HandleKind = keyof typeof handleKinds;

const ownerPrefixes = ['acct:', 'term:', 'sess:'] as const;

export function encodeHandle(kind: HandleKind, ownerKey: string, number: number): string {
  return `${handleKinds[kind]}.${Buffer.from(ownerKey).toString('base64url')}.${number.toString(36)}`;
}

export function decodeHandle(kind: HandleKind, handle: string): { ownerKey: string; number: number } | undefined {
  const parts = handle.split('.');
  if (parts.length !== 3 || parts[0] !== handleKinds[kind]) return undefined;
  const [, encodedKey = '', encodedNumber = ''] = parts;
  if (!/^[A-Za-z0-9_-]+$/.test(encodedKey) || !/^[0-9a-z]{1,11}$/.test(encodedNumber)) return undefined;
  const number = parseInt(encodedNumber, 36);
  const ownerKey = Buffer.from(encodedKey, 'base64url').toString();
  if (!Number.isSafeInteger(number) || number < 1 || !ownerPrefixes.some((prefix) => ownerKey.startsWith(prefix))) return undefined;
  // Holds are always an account's, sessions a session actor's.
  if (kind === 'hold' && !ownerKey.startsWith('acct:')) return undefined;
  if ((kind === 'session') !== ownerKey.startsWith('sess:')) return undefined;
  return { ownerKey, number };
}
