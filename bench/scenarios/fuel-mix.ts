// `fuel-mix`: what a fuel network sends in a day. Pumps ask 1,000–3,000 ₽; 3 % of cards are unknown
// (mistyped, foreign); 15 % of the traffic comes from a few heavy drivers whose cards have a day
// limit, so they run into it (partial approvals, then LIMIT_EXCEEDED); the rest is uniform over the
// network. Every approval is followed at once by its completion (40 % of them for less than
// approved, as a tank fills early) or, one time in twenty, by a reversal.

import { seededRandom } from '../../engine/index.js';
import { benchCardNumber, benchProduct, benchTerminalId, hasDayLimit, limitedCardEvery } from '../network.js';
import type { Scenario, ScenarioRequest, ScenarioStream, WireReply } from './scenario.js';
import { checkReply, pick } from './scenario.js';

export const fuelMixShares = { unknownCard: 0.03, heavyDrivers: 0.15, reverse: 0.05, partialComplete: 0.4 } as const;
/** The heavy drivers: this share of the limited cards (at least one). */
export const heavyDriverShare = 0.02;

export const fuelMixScenario: Scenario = {
  name: 'fuel-mix',
  title: 'authorise + complete/reverse, 3 % unknown cards, heavy drivers over their day limit, 40 % completed for less',
  systems: ['engine', 'postgres'],
  stream: ({ network, random }): ScenarioStream => {
    const limitedCards = Math.floor(network.cards / limitedCardEvery);
    const heavyDrivers = Math.max(1, Math.ceil(limitedCards * heavyDriverShare));
    // Follow-ups are drawn in reply order, which timing decides: from a sequence of their own, so
    // that the authorisations stay the same stream for every system.
    const followRandom = seededRandom(Math.floor(random() * 2 ** 32));
    const next = (): ScenarioRequest => {
      const terminal = benchTerminalId(pick(random, network.terminals));
      const amount = 100_000 + 100 * pick(random, 2_001);
      const draw = random();
      if (draw < fuelMixShares.unknownCard) {
        return { op: 'authorize', terminal, card: 'unknown', body: { card: benchCardNumber(network.cards + pick(random, network.cards)), product: benchProduct, amount } };
      }
      if (draw < fuelMixShares.unknownCard + fuelMixShares.heavyDrivers && limitedCards > 0) {
        const index = pick(random, Math.min(heavyDrivers, limitedCards)) * limitedCardEvery + limitedCardEvery - 1;
        return { op: 'authorize', terminal, card: 'limited', body: { card: benchCardNumber(index), product: benchProduct, amount } };
      }
      const index = pick(random, network.cards);
      return { op: 'authorize', terminal, card: hasDayLimit(index) ? 'limited' : 'plain', body: { card: benchCardNumber(index), product: benchProduct, amount } };
    };
    const followUp = (request: ScenarioRequest, reply: WireReply): ScenarioRequest | undefined => {
      if (request.op !== 'authorize' || reply['result'] !== 'approved') return undefined;
      const authId = reply['authId'];
      const approved = reply['approvedAmount'];
      if (typeof authId !== 'string' || typeof approved !== 'number') return undefined;
      if (followRandom() < fuelMixShares.reverse) return { op: 'reverse', terminal: request.terminal, body: { authId } };
      const amount = followRandom() < fuelMixShares.partialComplete ? Math.max(1, Math.floor(approved * (0.3 + 0.69 * followRandom()))) : approved;
      return { op: 'complete', terminal: request.terminal, body: { authId, amount } };
    };
    return { next, followUp, check: checkReply };
  },
};
