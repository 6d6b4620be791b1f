// Handles given to terminals (authId, txId, refundId) name the account that owns them and a number
// within it, so a later `complete`, `reverse` or `refund` goes straight to the right actor.

export const handleKinds = { hold: 'h', transaction: 't', refund: 'r' } as const;
export type HandleKind = keyof typeof handleKinds;

export function encodeHandle(kind: HandleKind, accountKey: string, number: number): string {
  return `${handleKinds[kind]}.${Buffer.from(accountKey).toString('base64url')}.${number.toString(36)}`;
}

export function decodeHandle(kind: HandleKind, handle: string): { accountKey: string; number: number } | undefined {
  const parts = handle.split('.');
  if (parts.length !== 3 || parts[0] !== handleKinds[kind]) return undefined;
  const [, encodedKey = '', encodedNumber = ''] = parts;
  if (!/^[A-Za-z0-9_-]+$/.test(encodedKey) || !/^[0-9a-z]{1,11}$/.test(encodedNumber)) return undefined;
  const number = parseInt(encodedNumber, 36);
  const accountKey = Buffer.from(encodedKey, 'base64url').toString();
  if (!Number.isSafeInteger(number) || number < 1 || !accountKey.startsWith('acct:')) return undefined;
  return { accountKey, number };
}
