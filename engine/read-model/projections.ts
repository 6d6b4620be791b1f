// What each journal event means in the read model: a table from event type to a projection that adds
// rows to the batch's writes (writes.ts). Every event is also kept in `events` (the projector does
// that); a type with no entry here lands only there. New event types — retail `sale` receipts with
// lines and payments, wash `session.started`/`session.stopped`, shifts — plug in as new entries
// (and, when they need them, new tables in a migration and new writes).
// Projections are synchronous and pure apart from the context: the balance book (running balances,
// preloaded for the batch) and the terminal → site map of the reference data.

import type { AccountEvent } from '../domain/account.js';
import type { CardEvent } from '../domain/card.js';
import type { SessionEvent } from '../domain/session.js';
import type { TerminalEvent } from '../domain/terminal.js';
import { paymentMethods } from '../network/schema.js';
import type { CommittedEvent } from '../store/lmdb-store.js';
import { accountOwnerOf, cardHashOf } from './keys.js';
import type { OperationRow, RowOf, WriteName } from './writes.js';

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

type EventOf<T extends string> = Extract<AccountEvent | CardEvent | TerminalEvent | SessionEvent, { type: T }>;

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

/** A movement of an account's money or points (none when neither moves: a card's receipt paid in cash with no points, a fuel transaction of 0 l). */
function balanceChange(context: ProjectionContext, committed: CommittedEvent, event: { network: string; account: string; type: string }, delta: number, bonusDelta: number, reference: string | null): void {
  if (delta === 0 && bonusDelta === 0) return;
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

/** The counterparty and client columns of an account (none without an account). */
function ownerColumns(account: string | undefined): { counterparty: string | null; client: string | null } {
  const owner = account !== undefined ? accountOwnerOf(account) : undefined;
  return { counterparty: owner?.owner === 'counterparty' ? owner.ownerId : null, client: owner?.owner === 'client' ? owner.ownerId : null };
}

const noOperationDetails = {
  tx_id: null, account: null, counterparty: null, client: null, card: null, card_hash: null, site: null, terminal: null, product: null, volume: null,
  discount: 0, bonus: 0, method: null, reason: null, auth_id: null,
} as const;

function operation(context: ProjectionContext, committed: CommittedEvent, row: Pick<OperationRow, 'network' | 'kind' | 'reference' | 'amount'> & Partial<OperationRow>): void {
  context.add('operations', { ...noOperationDetails, result: 'approved', position: committed.position, at: committed.at, ...row });
}

/** One payments row per method with money (returns: negative). */
function payments(context: ProjectionContext, committed: CommittedEvent, row: { network: string; kind: 'fuel' | 'sale' | 'refund' | 'wash'; tx_id: string; account: string | null; site: string | null; terminal: string; sign: 1 | -1 }, split: Readonly<Partial<Record<string, number>>>): void {
  for (const method of paymentMethods) {
    const amount = split[method] ?? 0;
    if (amount === 0) continue;
    const { sign, ...rest } = row;
    context.add('payments', { ...rest, position: committed.position, method, amount: sign * amount, at: committed.at });
  }
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
    const owners = ownerColumns(event.account);
    context.add('saleLines', {
      position: committed.position, line: 0, network: event.network, kind: 'fuel', tx_id: event.txId, account: event.account, ...owners, site: event.site,
      terminal: event.terminal, product: event.product, qty: event.volume, list_price: event.listPrice, price: event.price, amount: event.amount,
      discount: event.discount, discount_rule: event.discountRule ?? null, at: event.at,
    });
    payments(context, committed, { network: event.network, kind: 'fuel', tx_id: event.txId, account: event.account, site: event.site, terminal: event.terminal, sign: 1 }, { account: event.amount });
    operation(context, committed, {
      network: event.network, kind: 'fuel', reference: event.txId, tx_id: event.txId, account: event.account, ...owners, card: event.card, site: event.site,
      terminal: event.terminal, product: event.product, volume: event.volume, amount: event.amount, discount: event.discount, bonus: event.bonus, auth_id: event.authId,
    });
    balanceChange(context, committed, event, -event.amount, event.bonus, event.txId);
  },

  sale(committed, context) {
    const event = fields(committed, 'sale');
    const account = event.account ?? null;
    const owners = ownerColumns(event.account);
    context.add('receipts', {
      tx_id: event.txId, position: committed.position, network: event.network, account, ...owners, card: event.card ?? null, card_hash: event.cardHash ?? null,
      site: event.site, terminal: event.terminal, shift: event.shift ?? null, amount: event.amount, discount: event.discount, bonus: event.bonus,
      payments: event.payments, messages: event.messages, at: event.at,
    });
    event.lines.forEach((line, index) =>
      context.add('saleLines', {
        position: committed.position, line: index, network: event.network, kind: 'sale', tx_id: event.txId, account, ...owners, site: event.site,
        terminal: event.terminal, product: line.product, qty: line.qty, list_price: line.listPrice, price: line.price, amount: line.amount,
        discount: line.discount, discount_rule: line.discountRule ?? null, at: event.at,
      }),
    );
    payments(context, committed, { network: event.network, kind: 'sale', tx_id: event.txId, account, site: event.site, terminal: event.terminal, sign: 1 }, event.payments);
    operation(context, committed, {
      network: event.network, kind: 'sale', reference: event.txId, tx_id: event.txId, account, ...owners, card: event.card ?? null, card_hash: event.cardHash ?? null,
      site: event.site, terminal: event.terminal, amount: event.amount, discount: event.discount, bonus: event.bonus,
    });
    if (event.account !== undefined) balanceChange(context, committed, { network: event.network, account: event.account, type: event.type }, -(event.payments.account ?? 0), event.bonus - (event.payments.bonus ?? 0), event.txId);
  },

  reversed(committed, context) {
    closeHold(context, committed, fields(committed, 'reversed'), null);
  },

  expired(committed, context) {
    closeHold(context, committed, fields(committed, 'expired'), null);
  },

  // A return of a fuel transaction (money back to the account) or of a receipt (per payment method,
  // line by line), made with a card (the account's event) or at a till without one (the terminal's).
  refunded(committed, context) {
    const event = fields(committed, 'refunded');
    const account = 'account' in event ? event.account : undefined;
    const card = 'card' in event ? event.card : undefined;
    const owners = ownerColumns(account);
    const split = event.payments ?? { account: event.amount };
    context.add('refunds', {
      position: committed.position,
      refund_id: event.refundId,
      tx_id: event.txId,
      network: event.network,
      account: account ?? null,
      card: card === undefined || card === '' ? null : card,
      site: event.site ?? null,
      terminal: event.terminal,
      shift: event.shift ?? null,
      amount: event.amount,
      bonus: event.bonus,
      payments: split,
      at: event.at,
    });
    const common = { position: committed.position, network: event.network, tx_id: event.txId, refund_id: event.refundId, account: account ?? null, ...owners, terminal: event.terminal, at: event.at };
    if (event.lines === undefined) context.add('refundLines', { ...common, line_index: 0, line: 0, product: null, qty: null, amount: event.amount });
    else event.lines.forEach((line, index) => context.add('refundLines', { ...common, line_index: index, line: line.line, product: line.product, qty: line.qty, amount: line.amount }));
    payments(context, committed, { network: event.network, kind: 'refund', tx_id: event.txId, account: account ?? null, site: event.site ?? null, terminal: event.terminal, sign: -1 }, split);
    operation(context, committed, {
      network: event.network, kind: 'refund', reference: event.refundId, tx_id: event.txId, account: account ?? null, ...owners,
      card: card === undefined || card === '' ? null : card, site: event.site ?? null, terminal: event.terminal, amount: event.amount, bonus: event.bonus,
    });
    if (account !== undefined) balanceChange(context, committed, { network: event.network, account, type: event.type }, split.account ?? 0, (split.bonus ?? 0) - event.bonus, event.refundId);
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
    operation(context, committed, {
      network: event.network, kind: 'topup', reference: `topup:${committed.position}`, account: event.account, ...ownerColumns(event.account),
      site: event.site ?? context.siteOfTerminal(event.network, event.terminal) ?? null, terminal: event.terminal, amount: event.amount, method: event.method,
    });
    balanceChange(context, committed, event, event.amount, 0, null);
  },

  'session.charged'(committed, context) {
    const event = fields(committed, 'session.charged');
    const owners = ownerColumns(event.account);
    context.add('sessionsCharged', { session_id: event.sessionId, account: event.account, amount: event.amount, charged_at: event.at });
    context.add('saleLines', {
      position: committed.position, line: 0, network: event.network, kind: 'wash', tx_id: event.sessionId, account: event.account, ...owners, site: event.site,
      terminal: event.terminal, product: event.tariff, qty: event.minutes, list_price: null, price: null, amount: event.amount, discount: 0, discount_rule: null, at: event.at,
    });
    payments(context, committed, { network: event.network, kind: 'wash', tx_id: event.sessionId, account: event.account, site: event.site, terminal: event.terminal, sign: 1 }, { account: event.amount });
    operation(context, committed, {
      network: event.network, kind: 'wash', reference: event.sessionId, tx_id: event.sessionId, account: event.account, ...owners, site: event.site,
      terminal: event.terminal, product: event.tariff, volume: event.minutes, amount: event.amount,
    });
    balanceChange(context, committed, event, -event.amount, 0, event.sessionId);
  },

  'session.started'(committed, context) {
    const event = fields(committed, 'session.started');
    context.add('sessionsStarted', {
      session_id: event.sessionId, network: event.network, client: event.client, number: event.number, tariff: event.tariff, tariff_name: event.tariffName,
      site: event.site, terminal: event.terminal, plate: event.plate ?? null, client_name: event.name, member: event.member, rate: event.rate, started_at: event.at,
      comments: event.comment !== undefined ? [{ at: event.at, text: event.comment }] : [], started_position: committed.position,
    });
  },

  'session.stopped'(committed, context) {
    const event = fields(committed, 'session.stopped');
    context.add('sessionsStopped', { session_id: event.sessionId, stopped_at: event.stoppedAt, minutes: event.minutes, rate: event.rate, amount: event.amount, auto: event.auto, comments: event.comments });
  },

  'shift.opened'(committed, context) {
    const event = fields(committed, 'shift.opened');
    context.add('shiftsOpened', {
      shift_id: event.shiftId, network: event.network, terminal: event.terminal, site: event.site, number: event.number, kind: event.kind, cashier: event.cashier ?? null,
      opened_at: event.openedAt, opened_position: committed.position,
    });
  },

  'shift.closed'(committed, context) {
    const event = fields(committed, 'shift.closed');
    context.add('shiftsClosed', {
      shift_id: event.shiftId, network: event.network, terminal: event.terminal, site: event.site, number: event.number, kind: event.kind, cashier: event.cashier ?? null,
      opened_at: event.openedAt, opened_position: committed.position, closed_at: event.at, totals: event.totals, closed_position: committed.position,
    });
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
    // Who declined names what the event does not: an account's decline its account, a card's its keyed
    // hash (a known card declined at the door carries it in the event).
    const account = accountOwnerOf(committed.key) !== undefined ? committed.key : undefined;
    operation(context, committed, {
      network: event.network, kind: 'decline', result: 'declined', reference: event.id, account: account ?? null, ...ownerColumns(account),
      card: event.card ?? null, card_hash: cardHashOf(committed.key) ?? event.cardHash ?? null, site: event.site, terminal: event.terminal,
      product: event.product ?? null, volume: event.volume ?? null, amount: event.amount ?? 0, reason: event.reason,
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

  // One card changed through the management API (status, limits, restrictions, expiry): its row,
  // from the event (masked number and keyed hash only).
  'card.changed'(committed, context) {
    const event = committed.event as unknown as CardChanged;
    context.add('cards', {
      network: event.network, hash: event.cardHash, masked: event.card, account: event.account, status: event.status, expires: event.expires, limits: event.limits,
      restrictions: event.restrictions,
    });
  },
};

interface CardChanged {
  type: 'card.changed';
  network: string;
  card: string;
  cardHash: string;
  account: string;
  status: string;
  expires: string | null;
  limits: Record<string, unknown>[];
  restrictions: Record<string, unknown>;
}

export function projectionOf(type: string): Projection | undefined {
  return Object.hasOwn(projections, type) ? projections[type] : undefined;
}
