// The card actor: a thin shell over domain/card.ts. It checks status, expiry, PIN and restrictions,
// records PIN failures, and hands an accepted use to the account that owns the card's money and limits.

import { decideCardUse, evolveCard, initialCardState } from '../domain/card.js';
import type { CardEvent, CardState } from '../domain/card.js';
import type { AccountCommand, CardContext } from '../domain/account.js';
import type { CardConfig } from '../network/catalog.js';
import { referenceKinds } from '../network/catalog.js';
import { declined } from '../protocol/replies.js';
import type { ActorBehaviour } from './registry.js';
import type { ActorDeps } from './deps.js';
import type { AccountMessage, CardMessage } from './messages.js';
import { assertNever } from '../assert.js';
import { settle, settleCrash } from './settle.js';

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
          const use = { siteId: message.terminal.siteId, ...(message.request.pin !== undefined ? { pin: message.request.pin } : {}) };
          const decision = decideCardUse(
            state,
            cardConfig,
            catalog,
            message.purpose === 'authorize' ? { ...use, product: message.request.product } : message.purpose === 'sale' ? { ...use, lines: message.request.lines } : use,
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
          const card: CardContext = { hash: cardConfig.hash, masked: cardConfig.masked, status: cardConfig.status, limits: cardConfig.limits };
          deps.registry.send(cardConfig.accountKey, { type: 'command', command: accountCommandOf(message, card), ticket: message.ticket } satisfies AccountMessage);
          return next;
        }
        default:
          return assertNever(message);
      }
    },
  };
}

/** What the account decides for a card use the card accepted. */
function accountCommandOf(message: Extract<CardMessage, { type: 'use' }>, card: CardContext): AccountCommand {
  switch (message.purpose) {
    case 'authorize': {
      const { product, amount, volume } = message.request;
      return { type: 'authorize', card, terminal: message.terminal, product, ...(amount !== undefined ? { amount } : {}), ...(volume !== undefined ? { volume } : {}) };
    }
    case 'inquire':
      return { type: 'inquire', card };
    case 'sale': {
      const { lines, payments } = message.request;
      return { type: 'sale', card, terminal: message.terminal, lines, ...(payments !== undefined ? { payments } : {}), ...(message.shift !== undefined ? { shift: message.shift } : {}) };
    }
    case 'prices':
      return { type: 'prices', card, terminal: message.terminal, ...(message.request.products !== undefined ? { products: message.request.products } : {}) };
    default:
      return assertNever(message);
  }
}
