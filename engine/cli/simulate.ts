// A small terminal simulator so the demo shows life: pumps of the demo network authorise fuel with
// the demo cards, complete most sales with a realistic volume, reverse some, and ask balances; the
// shop tills open cash shifts, sell receipts (anonymous, with loyalty cards, some paid with points),
// take an occasional return, and close their shifts now and then; the car wash starts sessions for
// club members and guests by plate and stops them a little later, taking a top-up when a balance
// went below zero.
// Some traffic is declined on purpose (a blocked card, a wrong PIN, a product outside restrictions).

import { pack, unpack } from 'msgpackr';
import type { Logger } from 'pino';
import { constants, subjectPrefixDefault } from '../constants.js';
import type { Bus } from '../../gateways/index.js';
import { seededRandom } from '../seeded-random.js';
import { demoCards, demoFleetCard, demoFleetSize, demoPins } from '../demo/demo-network.js';

export interface Simulation {
  stop(): void;
  readonly counts: Record<string, number>;
}

export function simulate(options: { bus: Bus; rate: number; logger: Logger; seed?: number }): Simulation {
  const random = seededRandom(options.seed ?? 1);
  const counts: Record<string, number> = {};
  const pumps = ['MSK-01-P1', 'MSK-01-P2', 'MSK-01-P3', 'MSK-02-P1', 'MSK-02-P2', 'TVR-01-P1', 'TVR-01-P2'];
  const fuels = ['AI92', 'AI95', 'AI95', 'DT', 'AI98'];
  let sequence = 0;
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const request = async (terminal: string, op: string, body: Record<string, unknown>): Promise<Record<string, unknown>> => {
    const reply = await options.bus.request(`${subjectPrefixDefault}.v1.term.${terminal}.${op}`, pack({ id: `sim-${process.pid}-${++sequence}`, ...body }), { timeoutMs: constants.natsRequestTimeoutMs });
    const decoded = unpack(Buffer.from(reply.data)) as Record<string, unknown>;
    const key = `${op}:${String(decoded['result'])}:${String(decoded['reason'])}`;
    counts[key] = (counts[key] ?? 0) + 1;
    return decoded;
  };
  const tills = ['MSK-01-POS2', 'MSK-02-POS2', 'TVR-01-POS2'];
  const goods = ['COFFEE', 'COFFEE', 'HOTDOG', 'WATER', 'WATER', 'WASHER', 'LAMP-H7'];
  const receipts: string[] = [];
  const shop = async (): Promise<void> => {
    const till = pick(tills);
    const roll = random();
    if (roll < 0.02) {
      await request(till, 'shift.close', {});
      return;
    }
    if (roll < 0.06 && receipts.length > 0) {
      const txId = receipts[Math.floor(random() * receipts.length)];
      await request(pick(tills), 'refund', { txId, amount: 1_000 + Math.floor(random() * 5_000) });
      return;
    }
    const lines = Array.from({ length: 1 + Math.floor(random() * 4) }, () => ({ product: pick(goods), qty: 1_000 * (1 + Math.floor(random() * 2)) }));
    const card = roll < 0.4 ? demoCards.loyalty : roll < 0.5 ? demoCards.taxi : undefined;
    // Anonymous receipts are paid in cash (the default); loyalty cards pay from their account.
    const sold = await request(till, 'sale', { ...(card !== undefined ? { card } : {}), lines });
    if (sold['reason'] === 'SHIFT_CLOSED') {
      await request(till, 'shift.open', { cashier: pick(['Анна', 'Олег', 'Мария']) });
      return;
    }
    if (sold['reason'] === 'INSUFFICIENT_FUNDS' && card !== undefined) {
      await request(till, 'topup', { card, amount: 500_000, method: 'cash' });
      return;
    }
    if (sold['result'] === 'approved' && typeof sold['txId'] === 'string') {
      receipts.push(sold['txId']);
      if (receipts.length > 200) receipts.shift();
    }
  };
  const bays = ['WASH-01-B1', 'WASH-01-B2', 'WASH-01-B3', 'WASH-01-B4'];
  const plates = ['А123ВС77', 'В456ОР99', 'Е001КХ77', 'М777ММ199', 'О123ОО50', 'К555ЕЕ77', 'Т321АР99', 'Н808НН50', 'Р002СА77', 'У909ХК199', 'С111ТТ77', 'А707МР50'];
  const stops = new Set<NodeJS.Timeout>();
  const wash = async (): Promise<void> => {
    const plate = pick(plates);
    const started = await request(pick(bays), 'session.start', { client: { plate }, tariff: random() < 0.8 ? 'WASH-STD' : 'WASH-PRO' });
    if (started['result'] !== 'approved') return;
    // The car is washed for a few seconds (a demo's minutes), then the attendant stops the session.
    const timer = setTimeout(() => {
      stops.delete(timer);
      const stop = async (): Promise<void> => {
        const stopped = await request('WASH-01-K1', 'session.stop', { sessionId: started['sessionId'], ...(random() < 0.3 ? { comment: pick(['всё чисто', 'клиент доволен', 'сильная грязь']) } : {}) });
        if (Number(stopped['balance'] ?? 0) < 0) await request('WASH-01-K1', 'topup', { client: { plate }, amount: 200_000, method: pick(['cash', 'bank_card'] as const) });
      };
      stop().catch((error: unknown) => options.logger.warn({ error: String(error) }, 'simulated wash stop failed'));
    }, 3_000 + Math.floor(random() * 20_000));
    timer.unref();
    stops.add(timer);
  };
  const flow = async (): Promise<void> => {
    const area = random();
    if (area < 0.3) {
      await shop();
      return;
    }
    if (area < 0.36) {
      await wash();
      return;
    }
    const terminal = pick(pumps);
    const roll = random();
    if (roll < 0.05) {
      await request(terminal, 'authorize', { card: demoCards.blocked, product: 'AI95', volume: 30_000 });
      return;
    }
    if (roll < 0.08) {
      // A driver mistypes the PIN, then types it right (which resets the tries counter).
      await request(terminal, 'authorize', { card: demoCards.fleet, pin: '0000', product: 'AI95', volume: 30_000 });
      const retry = await request(terminal, 'authorize', { card: demoCards.fleet, pin: demoPins.fleet, product: 'AI95', volume: 30_000 });
      if (retry['result'] === 'approved') await request(terminal, 'reverse', { authId: retry['authId'] });
      return;
    }
    if (roll < 0.15) {
      await request(terminal, 'inquire', { card: demoCards.fleet, pin: demoPins.fleet });
      return;
    }
    const named = roll < 0.25 ? 'fleet' : roll < 0.32 ? 'diesel' : roll < 0.36 ? 'small' : roll < 0.42 ? 'loyalty' : undefined;
    const card = named !== undefined ? demoCards[named] : demoFleetCard(Math.floor(random() * demoFleetSize));
    const pin = named !== undefined ? demoPins[named] : undefined;
    const product = named === 'diesel' ? 'DT' : pick(fuels);
    const asked = 10_000 + Math.floor(random() * 50_000);
    const authorization = await request(terminal, 'authorize', { card, ...(pin ? { pin } : {}), product, volume: asked });
    if (authorization['reason'] === 'INSUFFICIENT_FUNDS') {
      // The accountant tops the account up, as they would when the fleet runs dry.
      await request(pick(['MSK-01-POS1', 'MSK-02-POS1', 'TVR-01-POS1']), 'topup', { card, amount: 50_000_000, method: 'bank_card' });
      return;
    }
    if (authorization['result'] !== 'approved') return;
    if (random() < 0.1) {
      await request(terminal, 'reverse', { authId: authorization['authId'] });
      return;
    }
    const approvedVolume = Number(authorization['approvedVolume'] ?? 0);
    const dispensed = Math.max(1_000, Math.floor(approvedVolume * (0.6 + random() * 0.4)));
    await request(terminal, 'complete', { authId: authorization['authId'], volume: Math.min(dispensed, approvedVolume) });
  };
  const timer = setInterval(() => {
    flow().catch((error: unknown) => options.logger.warn({ error: String(error) }, 'simulated flow failed'));
  }, Math.max(1, Math.round(1000 / Math.max(1, options.rate))));
  const reporter = setInterval(() => options.logger.info({ counts }, 'simulated traffic'), 10_000);
  return {
    counts,
    stop: () => {
      clearInterval(timer);
      clearInterval(reporter);
      for (const pending of stops) clearTimeout(pending);
      stops.clear();
    },
  };
}
