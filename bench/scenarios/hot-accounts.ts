// `hot-accounts`: the authorisation stream with a skew: 1 % of the accounts (chosen by the seed)
// take 80 % of the traffic, spread over their own cards; the rest is uniform. What a few big fleets
// do to a system that serialises on the account (one actor, or one locked row).

import { benchCardNumber, benchProduct, benchRequestAmount, benchTerminalId, hasDayLimit } from '../network.js';
import type { Scenario, ScenarioStream } from './scenario.js';
import { checkReply, pick } from './scenario.js';

export const hotAccountShare = 0.01;
export const hotTrafficShare = 0.8;

export const hotAccountsScenario: Scenario = {
  name: 'hot-accounts',
  title: '1 % of the accounts take 80 % of the authorisations',
  systems: ['engine', 'postgres'],
  stream: ({ network, random }): ScenarioStream => {
    const accounts = Math.min(network.accounts, network.cards);
    // A seeded partial shuffle picks the hot accounts.
    const order = Array.from({ length: accounts }, (_, index) => index);
    const hotCount = Math.max(1, Math.ceil(accounts * hotAccountShare));
    for (let index = 0; index < hotCount; index++) {
      const other = index + pick(random, accounts - index);
      [order[index], order[other]] = [order[other] ?? 0, order[index] ?? 0];
    }
    const hot = order.slice(0, hotCount);
    /** Cards of account `a` are a, a + accounts, a + 2·accounts, … (bench/network.ts). */
    const cardsOf = (account: number): number => Math.floor((network.cards - 1 - account) / network.accounts) + 1;
    return {
      next: () => {
        const terminal = benchTerminalId(pick(random, network.terminals));
        let index: number;
        if (random() < hotTrafficShare) {
          const account = hot[pick(random, hot.length)] ?? 0;
          index = account + network.accounts * pick(random, cardsOf(account));
        } else {
          index = pick(random, network.cards);
        }
        return { op: 'authorize', terminal, card: hasDayLimit(index) ? 'limited' : 'plain', body: { card: benchCardNumber(index), product: benchProduct, amount: benchRequestAmount } };
      },
      followUp: () => undefined,
      check: checkReply,
    };
  },
};
