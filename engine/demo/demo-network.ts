// The demo network `npm start` serves: three fuel stations of "Северный Путь" with pumps and shop
// tills (one till per station works in cash shifts), fuels and shop goods, fleet counterparties with
// cards under limits and restrictions, loyalty clients, discount rules of every kind (segment,
// volume tier, contract price, client group, club members, night hours), a bonus program with
// product rates and spend tiers, cashier prompts, a scheduled price change, and a car wash with
// bays, an attendant's kiosk and two tariffs. Sites are located (alerts: travel between them) and the
// fleet card knows its vehicle's tank; the alert rules run with their defaults. Card numbers are
// test numbers that belong to no real bank.

import type { NetworkDocument } from '../network/schema.js';

export const demoCards = {
  /** ООО «Логистик-Трейд»: daily 200 l and 30,000 ₽ monthly on fuels, PIN 1234. */
  fleet: '7005000000000017',
  /** Same counterparty, diesel only, Moscow sites only, 06:00–22:00. */
  diesel: '7005000000000025',
  /** ИП Кузнецов: small balance, no PIN. */
  small: '7005000000000033',
  /** A blocked card. */
  blocked: '7005000000000041',
  /** Loyalty card of a club client (earns bonus points). */
  loyalty: '7005000000000058',
  /** Loyalty card of a taxi driver (client group "taxi": −1 ₽/l on fuel), not a club member. */
  taxi: '7005000000000066',
} as const;

/** When AI-95 goes up at every station: 2027-01-01 00:00 in Moscow (a scheduled price change). */
export const demoPriceChangeAt = Date.UTC(2026, 11, 31, 21, 0);

export const demoPins: Partial<Record<keyof typeof demoCards, string>> = { fleet: '1234', diesel: '4321' };

/** The drivers' cards of the demo fleet "ТрансЛайн" (no PIN; a daily and a monthly limit each). */
export const demoFleetSize = 60;
export function demoFleetCard(index: number): string {
  return `70051000${String(index).padStart(8, '0')}`;
}

export function demoNetwork(): NetworkDocument {
  const pumps = (site: string, count: number): { id: string; kind: 'pump' }[] => Array.from({ length: count }, (_, index) => ({ id: `${site}-P${index + 1}`, kind: 'pump' as const }));
  return {
    network: { id: 'sever', name: 'АЗС «Северный Путь»', currency: 'RUB', timezone: 'Europe/Moscow' },
    sites: [
      {
        id: 'MSK-01',
        name: 'АЗС №1, Москва, Ленинградское ш.',
        kind: 'fuel',
        terminals: [...pumps('MSK-01', 6), { id: 'MSK-01-POS1', kind: 'pos' }, { id: 'MSK-01-POS2', kind: 'pos', requiresShift: true }],
        lat: 55_879_000,
        lon: 37_426_000,
      },
      {
        id: 'MSK-02',
        name: 'АЗС №2, Москва, МКАД 41 км',
        kind: 'fuel',
        terminals: [...pumps('MSK-02', 4), { id: 'MSK-02-POS1', kind: 'pos' }, { id: 'MSK-02-POS2', kind: 'pos', requiresShift: true }],
        lat: 55_609_000,
        lon: 37_493_000,
      },
      {
        id: 'TVR-01',
        name: 'АЗС №3, Тверь, Петербургское ш.',
        kind: 'fuel',
        terminals: [...pumps('TVR-01', 4), { id: 'TVR-01-POS1', kind: 'pos' }, { id: 'TVR-01-POS2', kind: 'pos', requiresShift: true }],
        lat: 56_884_000,
        lon: 35_868_000,
      },
      {
        id: 'WASH-01',
        name: 'Мойка «Аквастенд», Москва, Ленинградское ш.',
        kind: 'wash',
        terminals: [...Array.from({ length: 4 }, (_, index) => ({ id: `WASH-01-B${index + 1}`, kind: 'bay' as const })), { id: 'WASH-01-K1', kind: 'kiosk' }],
        lat: 55_879_500,
        lon: 37_427_000,
        openingHours: '08:00-22:00',
      },
    ],
    products: [
      { code: 'AI92', name: 'АИ-92', group: 'fuel', unit: 'l' },
      { code: 'AI95', name: 'АИ-95', group: 'fuel', unit: 'l' },
      { code: 'AI98', name: 'АИ-98', group: 'fuel', unit: 'l', holdMinutes: 20 },
      { code: 'DT', name: 'ДТ', group: 'fuel', unit: 'l' },
      { code: 'LPG', name: 'Газ (СУГ)', group: 'gas', unit: 'l' },
      { code: 'COFFEE', name: 'Кофе американо', group: 'cafe', unit: 'pcs' },
      { code: 'HOTDOG', name: 'Хот-дог', group: 'cafe', unit: 'pcs' },
      { code: 'WATER', name: 'Вода питьевая 0,5 л', group: 'drinks', unit: 'pcs' },
      { code: 'WASHER', name: 'Стеклоомывающая жидкость 4 л', group: 'goods', unit: 'pcs' },
      { code: 'LAMP-H7', name: 'Лампа H7 12 В', group: 'goods', unit: 'pcs', fragile: true },
      { code: 'SERVICE', name: 'Услуга по свободной цене', group: 'services', unit: 'pcs' },
    ],
    prices: [
      { product: 'AI92', price: 5489 },
      { product: 'AI95', price: 5999 },
      { product: 'AI98', price: 7349 },
      { product: 'DT', price: 6899 },
      { product: 'LPG', price: 2899 },
      { product: 'COFFEE', price: 19900 },
      { product: 'HOTDOG', price: 15900 },
      { product: 'WATER', price: 8900 },
      { product: 'WASHER', price: 45000 },
      { product: 'LAMP-H7', price: 69000 },
      { product: 'AI95', price: 5949, site: 'TVR-01' },
      { product: 'DT', price: 6849, site: 'TVR-01' },
      { product: 'AI95', price: 6049, from: demoPriceChangeAt },
      { product: 'AI95', price: 5999, site: 'TVR-01', from: demoPriceChangeAt },
    ],
    counterparties: [
      { id: 'logistic-trade', name: 'ООО «Логистик-Трейд»', segment: 'fleet-large', account: { balance: 50_000_000, creditLimit: 10_000_000 } },
      { id: 'kuznetsov', name: 'ИП Кузнецов А. В.', segment: 'fleet-small', account: { balance: 300_000 } },
      { id: 'transline', name: 'АО «ТрансЛайн»', segment: 'fleet-large', account: { balance: 200_000_000, creditLimit: 50_000_000 } },
    ],
    clients: [
      { id: 'ivanova', name: 'Иванова Мария', member: true, plate: 'А123ВС77', qr: 'QR-IVANOVA-01', birthday: '03-08', account: { balance: 150_000 } },
      { id: 'petrov', name: 'Петров Олег', member: false, plate: 'В456ОР99', groups: ['taxi'], birthday: '12-02', account: { balance: 50_000 } },
    ],
    cards: [
      {
        number: demoCards.fleet,
        counterparty: 'logistic-trade',
        status: 'active',
        pin: demoPins.fleet ?? '',
        expires: '2030-12',
        limits: [
          { period: 'day', volume: 200_000, products: ['fuel'] },
          { period: 'month', amount: 3_000_000 },
        ],
        tankLitres: 80,
      },
      {
        number: demoCards.diesel,
        counterparty: 'logistic-trade',
        status: 'active',
        pin: demoPins.diesel ?? '',
        limits: [{ period: 'transaction', volume: 300_000 }, { period: 'week', volume: 1_000_000 }],
        restrictions: { products: ['DT'], sites: ['MSK-01', 'MSK-02'], hours: '06:00-22:00' },
      },
      { number: demoCards.small, counterparty: 'kuznetsov', status: 'active', limits: [{ period: 'day', amount: 500_000 }] },
      { number: demoCards.blocked, counterparty: 'kuznetsov', status: 'blocked' },
      { number: demoCards.loyalty, client: 'ivanova', status: 'active' },
      { number: demoCards.taxi, client: 'petrov', status: 'active' },
      ...Array.from({ length: demoFleetSize }, (_, index) => ({
        number: demoFleetCard(index),
        counterparty: 'transline',
        status: 'active' as const,
        limits: [
          { period: 'day' as const, volume: 300_000, products: ['fuel'] },
          { period: 'month' as const, amount: 15_000_000 },
        ],
      })),
    ],
    discounts: [
      { id: 'fleet-large-fuel', name: 'Крупный автопарк: −1,5 % на топливо', percent: 150, products: ['fuel'], segments: ['fleet-large'] },
      { id: 'night-dt', name: 'Ночной дизель: −1 ₽/л', perUnit: 100, products: ['DT'], hours: '23:00-06:00' },
      {
        id: 'fleet-volume-1000',
        name: 'От 1000 л в месяц: −2,5 % на топливо',
        percent: 250,
        products: ['fuel'],
        segments: ['fleet-large', 'fleet-small'],
        threshold: { period: 'month', volume: 1_000_000 },
      },
      { id: 'transline-dt-contract', name: 'Договор ТрансЛайн: ДТ по 66,00 ₽', fixedPrice: 6600, products: ['DT'], counterparties: ['transline'] },
      { id: 'taxi-fuel', name: 'Такси: −1 ₽/л на топливо', perUnit: 100, products: ['fuel'], clientGroups: ['taxi'] },
      { id: 'club-cafe', name: 'Клуб: −10 % в кафе', percent: 1_000, products: ['cafe'], members: true },
    ],
    bonus: {
      rate: 100,
      products: ['fuel', 'cafe', 'drinks', 'goods'],
      redeem: true,
      rates: [{ products: ['cafe'], rate: 500 }],
      tiers: [{ spend: 1_500_000, rate: 150 }],
      tierPeriod: 'month',
    },
    prompts: [
      { id: 'birthday', message: 'У клиента сегодня день рождения — поздравьте и предложите кофе в подарок', birthday: true },
      { id: 'big-basket', message: 'Большая покупка: предложите пакет', linesAbove: 5 },
      { id: 'big-receipt', message: 'Чек свыше 5 000 ₽: предложите оформить карту лояльности', amountAbove: 500_000 },
      { id: 'promo-hotdog', message: 'Акция: к хот-догу кофе за полцены', products: ['HOTDOG'] },
      { id: 'fragile', message: 'Хрупкий товар: упакуйте отдельно', fragile: true },
    ],
    tariffs: [
      { code: 'WASH-STD', name: 'Мойка самообслуживания', perMinute: 3000, perMinuteMember: 2500, minimumMinutes: 4 },
      { code: 'WASH-PRO', name: 'Мойка с мастером', perMinute: 6000, perMinuteMember: 5000, minimumMinutes: 10, maximumMinutes: 90, sites: ['WASH-01'] },
    ],
  };
}
