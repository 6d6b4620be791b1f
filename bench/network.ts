// The bench's network: one network "bench" with terminals B-1 … B-n spread over sites, one fuel
// (AI95, 50.00 ₽/l) and two shop goods, counterparties cp-1 … cp-n with balances no bench run can
// spend, and cards 9000000000000000 + i spread round-robin over the counterparties. No PINs; every
// 10th card has a daily amount limit, so part of the traffic meets LIMIT_EXCEEDED or a partial
// approval as in life. For the car wash: a tariff and club clients cl-1 … cl-n known by plate (every
// other one a member), with accounts that start empty and may go below zero.
// No discounts: a receipt's total is the sum of round(qty × price / 1000) over its lines.
// Deterministic: the same sizes give the same document.

import type { CardDocument, CounterpartyDocument, NetworkDocument, SiteDocument } from '../engine/index.js';

export interface BenchNetworkSize {
  cards: number;
  accounts: number;
  terminals: number;
  /** Car-wash clients known by plate (default: as many as accounts, at most `benchClientsMax`). */
  clients?: number;
}

export const benchNetworkId = 'bench';
export const benchProduct = 'AI95';
/** Price of AI95 in kopecks per litre. */
export const benchPrice = 5_000;
/** Opening balance of every counterparty: 10^12 kopecks (10 billion ₽). */
export const benchBalance = 1_000_000_000_000;
/** The amount every bench authorisation asks for: 2,000 ₽ (40 l). */
export const benchRequestAmount = 200_000;
/** The daily amount limit of every `limitedCardEvery`-th card: 10,000 ₽ (five full authorisations). */
export const benchDayLimit = 1_000_000;
export const limitedCardEvery = 10;
export const terminalsPerSite = 10;
/** Shop goods and their prices (kopecks per piece). */
export const benchGoods = { COFFEE: 20_000, WATER: 9_000 } as const;
export const benchTariff = { code: 'BENCH-WASH', perMinute: 3_000, perMinuteMember: 2_500, minimumMinutes: 5 } as const;
export const benchClientsMax = 10_000;

const firstCardNumber = 9_000_000_000_000_000n;

/** The card number of bench card `index` (0-based): 16 digits. */
export function benchCardNumber(index: number): string {
  return (firstCardNumber + BigInt(index)).toString();
}

/** The id of bench terminal `index` (0-based): B-1, B-2, … */
export function benchTerminalId(index: number): string {
  return `B-${index + 1}`;
}

/** The counterparty that owns card `index`. */
export function benchAccountOf(index: number, accounts: number): string {
  return `cp-${(index % accounts) + 1}`;
}

/** The plate of wash client `index` (0-based): BC000001, … */
export function benchPlate(index: number): string {
  return `BC${String(index + 1).padStart(6, '0')}`;
}

export function benchClientCount(size: BenchNetworkSize): number {
  return size.clients ?? Math.min(size.accounts, benchClientsMax);
}

/** Every other wash client is a club member (the member rate). */
export function benchClientIsMember(index: number): boolean {
  return index % 2 === 0;
}

export function hasDayLimit(index: number): boolean {
  return index % limitedCardEvery === limitedCardEvery - 1;
}

export function benchNetwork(size: BenchNetworkSize): NetworkDocument {
  const { cards, accounts, terminals } = size;
  if (!(cards >= 1 && accounts >= 1 && terminals >= 1)) throw new RangeError('a bench network needs at least one card, account and terminal');
  const sites: SiteDocument[] = [];
  for (let first = 0; first < terminals; first += terminalsPerSite) {
    const count = Math.min(terminalsPerSite, terminals - first);
    const number = sites.length + 1;
    sites.push({
      id: `BS-${number}`,
      name: `Bench station ${number}`,
      kind: 'fuel',
      terminals: Array.from({ length: count }, (_, offset) => ({ id: benchTerminalId(first + offset), kind: 'pump' as const })),
    });
  }
  const counterparties: CounterpartyDocument[] = Array.from({ length: accounts }, (_, index) => ({
    id: `cp-${index + 1}`,
    name: `Bench fleet ${index + 1}`,
    account: { balance: benchBalance },
  }));
  const cardDocuments: CardDocument[] = Array.from({ length: cards }, (_, index) => {
    const card: CardDocument = { number: benchCardNumber(index), counterparty: benchAccountOf(index, accounts), status: 'active' };
    if (hasDayLimit(index)) card.limits = [{ period: 'day', amount: benchDayLimit }];
    return card;
  });
  return {
    network: { id: benchNetworkId, name: 'Bench network', currency: 'RUB', timezone: 'Europe/Moscow' },
    sites,
    products: [
      { code: benchProduct, name: 'АИ-95', group: 'fuel', unit: 'l' },
      { code: 'COFFEE', name: 'Кофе', group: 'cafe', unit: 'pcs' },
      { code: 'WATER', name: 'Вода', group: 'drinks', unit: 'pcs' },
    ],
    prices: [{ product: benchProduct, price: benchPrice }, ...Object.entries(benchGoods).map(([product, price]) => ({ product, price }))],
    counterparties,
    cards: cardDocuments,
    clients: Array.from({ length: benchClientCount(size) }, (_, index) => ({
      id: `cl-${index + 1}`,
      name: `Bench client ${index + 1}`,
      member: benchClientIsMember(index),
      plate: benchPlate(index),
      account: { balance: 0 },
    })),
    tariffs: [{ ...benchTariff, name: 'Bench wash' }],
  };
}
