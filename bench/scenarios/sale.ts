// `sale`: the shop tills of the network. Receipts of one to four lines (coffee, water, fuel by the
// litre at the till), half of them anonymous (paid in cash or by bank card), half with a fleet card
// paid from the account, some of those mixed with cash. One receipt in twenty is returned in full at
// once. Every total is checked against the bench prices (no discounts on the bench network).

import { seededRandom } from '../../engine/index.js';
import { benchCardNumber, benchGoods, benchPrice, benchProduct, benchTerminalId, hasDayLimit } from '../network.js';
import type { Scenario, ScenarioRequest, ScenarioStream, WireReply } from './scenario.js';
import { isCount, isOverload, pick } from './scenario.js';

export const saleShares = { withCard: 0.5, mixedPayment: 0.3, returned: 0.05 } as const;

const unitPrice: Record<string, number> = { ...benchGoods, [benchProduct]: benchPrice };

/** round(qty × price / 1000), half away from zero (non-negative inputs). */
const lineAmount = (qty: number, price: number): number => Math.floor((qty * price + 500) / 1000);

function totalOf(lines: readonly { product: string; qty: number }[]): number {
  return lines.reduce((sum, line) => sum + lineAmount(line.qty, unitPrice[line.product] ?? 0), 0);
}

export const saleScenario: Scenario = {
  name: 'sale',
  title: 'retail receipts of 1–4 lines, half anonymous (cash or bank card), half on a fleet card (account, some mixed), 5 % returned',
  systems: ['engine', 'echo'],
  stream: ({ network, random }): ScenarioStream => {
    const followRandom = seededRandom(Math.floor(random() * 2 ** 32));
    const next = (): ScenarioRequest => {
      const terminal = benchTerminalId(pick(random, network.terminals));
      const lines = Array.from({ length: 1 + pick(random, 4) }, () => {
        const draw = pick(random, 3);
        return draw === 0 ? { product: benchProduct, qty: 5_000 + 100 * pick(random, 300) } : { product: draw === 1 ? 'COFFEE' : 'WATER', qty: 1_000 * (1 + pick(random, 3)) };
      });
      const total = totalOf(lines);
      if (random() < saleShares.withCard) {
        const index = pick(random, network.cards);
        const cash = random() < saleShares.mixedPayment ? Math.floor(total / 3) : 0;
        const payments = cash > 0 ? [{ method: 'cash', amount: cash }, { method: 'account', amount: total - cash }] : undefined;
        return { op: 'sale', terminal, card: hasDayLimit(index) ? 'limited' : 'plain', body: { card: benchCardNumber(index), lines, ...(payments !== undefined ? { payments } : {}) } };
      }
      return { op: 'sale', terminal, body: { lines, payments: [{ method: random() < 0.5 ? 'cash' : 'bank_card', amount: total }] } };
    };
    const followUp = (request: ScenarioRequest, reply: WireReply): ScenarioRequest | undefined => {
      if (request.op !== 'sale' || reply['result'] !== 'approved' || typeof reply['txId'] !== 'string') return undefined;
      return followRandom() < saleShares.returned ? { op: 'refund', terminal: benchTerminalId(pick(followRandom, network.terminals)), body: { txId: reply['txId'] } } : undefined;
    };
    const check = (request: ScenarioRequest, reply: WireReply): string | undefined => {
      if (isOverload(reply)) return undefined;
      if (request.op === 'refund') return reply['result'] === 'approved' && isCount(reply['amount']) ? undefined : `a full return got ${String(reply['result'])}/${String(reply['reason'])}`;
      const total = totalOf(request.body['lines'] as { product: string; qty: number }[]);
      if (reply['result'] === 'approved') {
        if (typeof reply['txId'] !== 'string') return 'a receipt without a txId';
        return reply['amount'] === total ? undefined : `a receipt of ${total} was charged ${String(reply['amount'])}`;
      }
      // The bench's fleet accounts cannot run dry; a limited card may meet its day limit.
      if (request.card === 'limited' && reply['reason'] === 'LIMIT_EXCEEDED') return undefined;
      return `a receipt got ${String(reply['result'])}/${String(reply['reason'])}`;
    };
    return { next, followUp, check };
  },
};
