// What the read model reads out of the engine's actor keys (engine/network/catalog.ts builds them):
// an account key names its owner — `acct:<network>:cp:<counterparty>` or `acct:<network>:cl:<client>`
// — and a card key its keyed hash — `card:<network>:<hash>`. Identifiers never contain ':'.

export interface AccountOwner {
  network: string;
  owner: 'counterparty' | 'client';
  ownerId: string;
}

export function accountOwnerOf(accountKey: string): AccountOwner | undefined {
  const parts = accountKey.split(':');
  if (parts.length !== 4 || parts[0] !== 'acct') return undefined;
  const [, network = '', kind, ownerId = ''] = parts;
  if (kind !== 'cp' && kind !== 'cl') return undefined;
  return { network, owner: kind === 'cp' ? 'counterparty' : 'client', ownerId };
}

export function cardHashOf(cardKey: string): string | undefined {
  const parts = cardKey.split(':');
  return parts.length === 3 && parts[0] === 'card' ? parts[2] : undefined;
}

/** The network of an event: its `network` field, or the key of a network's own events (`net:<id>`). */
export function networkOf(key: string, event: Record<string, unknown>): string | null {
  const field = event['network'];
  if (typeof field === 'string') return field;
  return key.startsWith('net:') ? key.slice('net:'.length) : null;
}
