// The card actor: a thin shell over domain/card.ts for a card with a PIN (its tries are the card's
// state). It checks status, expiry, PIN and restrictions, records PIN failures, and hands an accepted
// use to the account that owns the card's money and limits. A card without a PIN has no state, and
// the front door checks it with the same decision (actors/routing.ts).

import { decideCardUse, evolveCard, initialCardState } from '../domain/card.js';
import type { CardEvent, CardState } from '../domain/card.js';
import type { CardConfig } from '../network/catalog.js';
import { referenceKinds } from '../network/catalog.js';
import { declined } from '../protocol/replies.js';
import type { ActorBehaviour } from './registry.js';
import type { ActorDeps } from './deps.js';
import type { AccountMessage, CardMessage } from './messages.js';
import { assertNever } from '../assert.js';
import { settle, settleCrash } from './settle.js';
import { accountCommandOf, cardContextOf, cardUseOf } from './routing.js';

export function cardBehaviour(deps: ActorDeps, key: string): ActorBehaviour<CardState, CardMessage> {
  const storageId = key.slice('card:'.length);
  let config = deps.store.getReference<CardConfig>(referenceKinds.card, storageId);
  return {
    initialState: initialCardState,
    recover: (state, event: CardEvent) => evolveCard(state, event),
    onCrash: (message) => {
      if (message.type === 'use') settleCrash(message.ticket, 'the card could not be processed; retry');
    },
    handle: (state, message, context) => {
      switch (message.type) {
        case 'config.changed':
          config = deps.store.getReference<CardConfig>(referenceKinds.card, storageId);
          return state;
        case 'use': {
          const catalog = config ? deps.catalogs.network(config.networkId) : undefined;
          if (config === undefined || catalog === undefined) {
            settle(deps, context.persist, message.ticket, declined('CARD_UNKNOWN'));
            return state;
          }
          const cardConfig = config;
          const now = deps.clock.now();
          const decision = decideCardUse(
            state,
            cardConfig,
            catalog,
            cardUseOf(message, message.terminal),
            (pin) => cardConfig.pinHash !== undefined && deps.cardKeys.pinMatches(cardConfig.hash, pin, cardConfig.pinHash),
            now,
          );
          let next = state;
          for (const event of decision.events) {
            next = evolveCard(next, event);
            context.persist(event);
          }
          if (decision.decline !== undefined) {
            settle(deps, context.persist, message.ticket, declined(decision.decline));
            return next;
          }
          deps.registry.send(cardConfig.accountKey, { type: 'command', command: accountCommandOf(message, message.terminal, cardContextOf(cardConfig)), ticket: message.ticket } satisfies AccountMessage);
          return next;
        }
        default:
          return assertNever(message);
      }
    },
  };
}
