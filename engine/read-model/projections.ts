// What each journal event means in the read model: a table from event type to a projection that adds
// rows to the batch's writes (writes.ts). Every event is also kept in `events` (the projector does
// that); a type with no entry here lands only there. New event types — retail `sale` receipts with
// lines and payments, wash `session.started`/`session.stopped`, shifts — plug in as new entries
// (and, when they need them, new tables in a migration and new writes).
// Projections are synchronous and pure apart from the context: the balance book (running balances,
// preloaded for the batch) and the terminal → site map of the reference data.

import type { AccountEvent } from '../domain/account.js';
import type { CardEvent } from '../domain/card.js';
import type { CommittedEvent } from '../store/lmdb-store.js';
import { accountOwnerOf, cardHashOf } from './keys.js';
import type { RowOf, WriteName } from './writes.js';

export interface BalanceBook {
  /** Moves an account's money and points; returns the balance and points after. */
  apply(account: string, network: string, delta: number, bonusDelta: number, position: number, at: number): { balance: number; bonus: number };
}

export interface ProjectionContext {
  add<W extends WriteName>(write: W, row: RowOf<W>): void;
  readonly balances: BalanceBook;
  /** The site of a terminal, from the network's reference data (events that do not carry it). */
  siteOfTerminal(network: string, terminal: string): string | undefined;
}

export type Projection = (committed: CommittedEvent, context: ProjectionContext) => void;

type EventOf<T extends string> = Extract<AccountEvent | CardEvent, { type: T }>;

function fields<T extends string>(committed: CommittedEvent, _type: T): EventOf<T> {
  return committed.event as unknown as EventOf<T>;
}

interface NetworkImported {
  type: 'network.imported';
  network: string;
  created: number;
  updated: number;
  unchanged: number;
  catalogChanged: boolean;
}

function balanceChange(context: ProjectionContext, committed: CommittedEvent, event: { network: string; account: string; type: string }, delta: number, bonusDelta: number, reference: string | null): void {
  const after = context.balances.apply(event.account, event.network, delta, bonusDelta, committed.position, committed.at);
  context.add('balanceChanges', {
    position: committed.position,
    network: event.network,
    account: event.account,
    kind: event.type,
    reference,
    delta,
    balance_after: after.balance,
    bonus_delta: bonusDelta,
    bonus_after: after.bonus,
    at: committed.at,
  });
}

function closeHold(context: ProjectionContext, committed: CommittedEvent, event: EventOf<'completed' | 'reversed' | 'expired'>, txId: string | null): void {
  context.add('holdClosures', {
    auth_id: event.authId,
    status: event.type,
    closed_position: committed.position,
    closed_at: committed.at,
    closed_terminal: event.terminal,
    released: event.released,
    tx_id: txId,
  });
}

export const projections: Readonly<Record<string, Projection>> = {
  authorized(committed, context) {
    const event = fields(committed, 'authorized');
    context.add('holds', {
      auth_id: event.authId,
      position: committed.position,
      network: event.network,
      account: event.account,
      hold_number: event.number,
      card: event.card,
      card_hash: event.cardHash,
      terminal: event.terminal,
      site: event.site,
      product: event.product,
      price: event.price,
      list_price: event.listPrice,
      discount: event.discount,
      discount_rule: event.discountRule ?? null,
      amount: event.amount,
      volume: event.volume,
      authorized_at: event.at,
      expires_at: event.expiresAt,
    });
  },

  completed(committed, context) {
    const event = fields(committed, 'completed');
    const owner = accountOwnerOf(event.account);
    closeHold(context, committed, event, event.txId);
    context.add('transactions', {
      position: committed.position,
      tx_id: event.txId,
      auth_id: event.authId,
      network: event.network,
      account: event.account,
      counterparty: owner?.owner === 'counterparty' ? owner.ownerId : null,
      client: owner?.owner === 'client' ? owner.ownerId : null,
      card: event.card,
      site: event.site,
      terminal: event.terminal,
      product: event.product,
      amount: event.amount,
      volume: event.volume,
      price: event.price,
      list_price: event.listPrice,
      discount: event.discount,
      discount_rule: event.discountRule ?? null,
      bonus: event.bonus,
      at: event.at,
    });
    balanceChange(context, committed, event, -event.amount, event.bonus, event.txId);
  },

  reversed(committed, context) {
    closeHold(context, committed, fields(committed, 'reversed'), null);
  },

  expired(committed, context) {
    closeHold(context, committed, fields(committed, 'expired'), null);
  },

  refunded(committed, context) {
    const event = fields(committed, 'refunded');
    context.add('refunds', {
      position: committed.position,
      refund_id: event.refundId,
      tx_id: event.txId,
      network: event.network,
      account: event.account,
      card: event.card,
      terminal: event.terminal,
      amount: event.amount,
      bonus: event.bonus,
      at: event.at,
    });
    balanceChange(context, committed, event, event.amount, -event.bonus, event.refundId);
  },

  topup(committed, context) {
    const event = fields(committed, 'topup');
    context.add('topups', {
      position: committed.position,
      network: event.network,
      account: event.account,
      amount: event.amount,
      method: event.method,
      terminal: event.terminal,
      site: context.siteOfTerminal(event.network, event.terminal) ?? null,
      at: event.at,
    });
    balanceChange(context, committed, event, event.amount, 0, null);
  },

  declined(committed, context) {
    const event = fields(committed, 'declined');
    context.add('declines', {
      position: committed.position,
      network: event.network,
      terminal: event.terminal,
      site: event.site,
      request_id: event.id,
      reason: event.reason,
      operation: event.op,
      card: event.card ?? null,
      product: event.product ?? null,
      amount: event.amount ?? null,
      volume: event.volume ?? null,
      at: event.at,
    });
  },

  'pin.failed'(committed, context) {
    const event = fields(committed, 'pin.failed');
    context.add('pinEvents', { position: committed.position, network: event.network, card: event.card, card_hash: cardHashOf(committed.key) ?? '', type: event.type, failures: event.failures, at: event.at });
  },

  'pin.reset'(committed, context) {
    const event = fields(committed, 'pin.reset');
    context.add('pinEvents', { position: committed.position, network: event.network, card: event.card, card_hash: cardHashOf(committed.key) ?? '', type: event.type, failures: null, at: event.at });
  },

  // Reference data changed: its tables are refreshed from the engine's store after this batch
  // (references.ts), in steps that interleave with later batches.
  'network.imported'(committed, context) {
    const event = committed.event as unknown as NetworkImported;
    context.add('networkImports', {
      position: committed.position,
      network: event.network,
      created: event.created,
      updated: event.updated,
      unchanged: event.unchanged,
      catalog_changed: event.catalogChanged,
      at: committed.at,
    });
    context.add('referenceSync', { network: event.network, requested_position: committed.position });
  },
};

export function projectionOf(type: string): Projection | undefined {
  return Object.hasOwn(projections, type) ? projections[type] : undefined;
}
