// Rules about one fill, on its completion (the volume actually dispensed): more than the vehicle's
// tank can take — the card's `tankLitres`, else the network's default tank, plus a tolerance for
// meters — and a single fill above a threshold. Only products sold by the litre are fills.

import type { AccountEvent } from '../../domain/account.js';
import { ruleOn } from '../settings.js';
import { cardSubject } from './card-rules.js';
import type { Turn } from './turn.js';
import { litres, raise } from './turn.js';

type Completed = Extract<AccountEvent, { type: 'completed' }>;

/** `card`: the card's subject id and keyed hash when the hold is known (else only the large-fill rule can judge). */
export function onFill(turn: Turn, card: { id: string; hash?: string }, event: Completed, position: number): void {
  if (turn.catalog.products.get(event.product)?.unit !== 'l') return;
  const subject = cardSubject(card.id, event.card, event.account, event.site);
  const trigger = (values: Record<string, number | string>) => ({ positions: [position], refs: [event.txId, event.authId], values: { volume: event.volume, product: event.product, site: event.site, ...values } });

  if (ruleOn(turn.settings, 'tank')) {
    const rule = turn.settings.tank;
    const config = card.hash !== undefined ? turn.context.card(turn.network, card.hash) : undefined;
    const tankLitres = config?.tankLitres ?? rule.litres;
    if (tankLitres !== undefined) {
      const capacity = tankLitres * 1000;
      const allowed = Math.floor((capacity * (100 + rule.tolerancePercent)) / 100);
      if (event.volume > allowed) {
        raise(turn, {
          rule: 'tank',
          subject,
          message: `a fill of ${litres(event.volume)} on card ${event.card} at ${event.site}, above its ${tankLitres} l tank`,
          trigger: trigger({ tankLitres, tolerancePercent: rule.tolerancePercent, source: config?.tankLitres !== undefined ? 'card' : 'network' }),
          dedupKey: `tank|${card.id}`,
          dedupUntil: turn.at + rule.dedupMs,
        });
      }
    }
  }

  if (ruleOn(turn.settings, 'largeFill')) {
    const rule = turn.settings.largeFill;
    if (event.volume > rule.litres * 1000) {
      raise(turn, {
        rule: 'largeFill',
        subject,
        message: `a single fill of ${litres(event.volume)} on card ${event.card} at ${event.site} (above ${rule.litres} l)`,
        trigger: trigger({ limitLitres: rule.litres }),
        dedupKey: `largeFill|${card.id}`,
        dedupUntil: turn.at + rule.dedupMs,
      });
    }
  }
}
