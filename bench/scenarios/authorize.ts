// `authorize`: the plain authorisation stream — a random pump, a random card of the network (every
// 10th has a day limit), 2,000 ₽ asked, no follow-up. The headline stream, offered to every system.

import { benchCardNumber, benchProduct, benchRequestAmount, benchTerminalId, hasDayLimit } from '../network.js';
import type { Scenario, ScenarioStream } from './scenario.js';
import { checkReply, pick } from './scenario.js';

export const authorizeScenario: Scenario = {
  name: 'authorize',
  title: 'authorisations, uniform over cards, 2,000 ₽ each, no completion',
  systems: ['engine', 'echo', 'postgres'],
  stream: ({ network, random }): ScenarioStream => ({
    next: () => {
      const terminal = benchTerminalId(pick(random, network.terminals));
      const index = pick(random, network.cards);
      return { op: 'authorize', terminal, card: hasDayLimit(index) ? 'limited' : 'plain', body: { card: benchCardNumber(index), product: benchProduct, amount: benchRequestAmount } };
    },
    followUp: () => undefined,
    check: checkReply,
  }),
};
