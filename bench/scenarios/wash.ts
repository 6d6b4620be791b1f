// `wash`: the car wash's attendants. A session starts by plate — 80 % for the club clients of the
// network (half of them members), 20 % for cars never seen before (each becomes a guest) — and is
// stopped at once by its session id, so it is billed the tariff's minimum. A known client whose
// session is still open is declined SESSION_ALREADY_OPEN, as at a real wash.

import { benchClientCount, benchClientIsMember, benchPlate, benchTariff, benchTerminalId } from '../network.js';
import type { Scenario, ScenarioRequest, ScenarioStream, WireReply } from './scenario.js';
import { isOverload, pick } from './scenario.js';

export const washShares = { guests: 0.2 } as const;

export const washScenario: Scenario = {
  name: 'wash',
  title: 'wash sessions started by plate (80 % club clients, 20 % new guests) and stopped at once, billed the minimum',
  systems: ['engine', 'echo'],
  stream: ({ network, random }): ScenarioStream => {
    const clients = benchClientCount(network);
    // Guests get plates of their own per stream (the seed tells streams of several generators apart).
    const guestTag = Math.floor(random() * 36 ** 3).toString(36).toUpperCase().padStart(3, '0');
    let guests = 0;
    const next = (): ScenarioRequest => {
      const terminal = benchTerminalId(pick(random, network.terminals));
      const guest = clients === 0 || random() < washShares.guests;
      const plate = guest ? `G${guestTag}${(guests++).toString(36).toUpperCase().padStart(6, '0')}` : benchPlate(pick(random, clients));
      return { op: 'session.start', terminal, body: { client: { plate }, tariff: benchTariff.code } };
    };
    const followUp = (request: ScenarioRequest, reply: WireReply): ScenarioRequest | undefined => {
      if (request.op !== 'session.start' || reply['result'] !== 'approved' || typeof reply['sessionId'] !== 'string') return undefined;
      return { op: 'session.stop', terminal: request.terminal, body: { sessionId: reply['sessionId'] } };
    };
    const check = (request: ScenarioRequest, reply: WireReply): string | undefined => {
      if (isOverload(reply)) return undefined;
      if (request.op === 'session.start') {
        if (reply['result'] === 'declined' && reply['reason'] === 'SESSION_ALREADY_OPEN') return undefined;
        if (reply['result'] !== 'approved') return `a start got ${String(reply['result'])}/${String(reply['reason'])}`;
        const plate = String((request.body['client'] as { plate: string }).plate);
        const index = plate.startsWith('BC') ? Number(plate.slice(2)) - 1 : -1;
        const rate = index >= 0 && benchClientIsMember(index) ? benchTariff.perMinuteMember : benchTariff.perMinute;
        return reply['rate'] === rate ? undefined : `plate ${plate} got rate ${String(reply['rate'])}, expected ${rate}`;
      }
      if (reply['result'] !== 'approved') return `a stop got ${String(reply['result'])}/${String(reply['reason'])}`;
      const minutes = Number(reply['minutes']);
      if (minutes < benchTariff.minimumMinutes) return `billed ${minutes} minutes, below the minimum`;
      return reply['amount'] === minutes * Number(reply['rate']) ? undefined : `charged ${String(reply['amount'])} for ${minutes} minutes at ${String(reply['rate'])}`;
    };
    return { next, followUp, check };
  },
};
