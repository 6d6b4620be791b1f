// The alert rules as pure functions. `evaluate(state, committed, context)` judges one committed
// journal event: it updates the watch state (in place, like the actors' `evolve`) and returns the
// alerts to raise — after the dedup window — with no I/O, no clock (the event's own time is "now")
// and nothing random, so a sequence of events always gives the same alerts. `sweep(state, context,
// now, board)` judges the periodic rules at an instant. The runner (runner.ts) feeds them in journal
// order, off the decision path, and makes their results durable.

import { assertNever } from '../assert.js';
import type { AccountEvent } from '../domain/account.js';
import type { CardEvent } from '../domain/card.js';
import type { SessionEvent } from '../domain/session.js';
import type { TerminalEvent } from '../domain/terminal.js';
import type { BoardEntry, CommittedEvent } from '../store/lmdb-store.js';
import { isAlertEventType } from './alert.js';
import type { WatchState } from './watch.js';
import { cardIdOf, maskedCardIdOf, shiftKeyOf } from './watch.js';
import { onAuthorized, onDeclined, onPinFailed } from './rules/card-rules.js';
import { onFill } from './rules/fill-rules.js';
import { onAccountEvent } from './rules/money-rules.js';
import { onMoneyAtTill } from './rules/refund-rules.js';
import { sweepSessions, sweepTerminals } from './rules/sweep-rules.js';
import type { Evaluation, EvaluationContext, Turn } from './rules/turn.js';
import { emptyEvaluation } from './rules/turn.js';

export type { Evaluation, EvaluationContext } from './rules/turn.js';

/** The journal events the rules read (every domain event; others — imports, price changes — only pass). */
export type WatchedEvent = AccountEvent | CardEvent | TerminalEvent | SessionEvent;

const watchedTypes: ReadonlySet<string> = new Set<WatchedEvent['type']>([
  'authorized',
  'completed',
  'reversed',
  'expired',
  'refunded',
  'topup',
  'sale',
  'session.charged',
  'declined',
  'pin.failed',
  'pin.reset',
  'shift.opened',
  'shift.closed',
  'guest.registered',
  'session.started',
  'session.stopped',
  'session.settled',
]);

function isWatched(event: CommittedEvent['event']): event is CommittedEvent['event'] & WatchedEvent {
  return watchedTypes.has(event.type) && typeof event['network'] === 'string';
}

export function evaluate(state: WatchState, committed: CommittedEvent, context: EvaluationContext): Evaluation {
  const out = emptyEvaluation();
  const event = committed.event;
  if (isAlertEventType(event.type) || !isWatched(event)) return out;
  const catalog = context.catalog(event.network);
  if (catalog === undefined) return out;
  const turn: Turn = { state, context, catalog, settings: catalog.alerts, network: event.network, at: committed.at, out };
  // A completion names its hold, the hold (in the account's shadow, until this event closes it) its card.
  const hold = event.type === 'completed' ? state.accounts.get(committed.key)?.account.holds.get(event.holdNumber) : undefined;
  // Accounts' shadows move with every account event, so they stay exact whatever the settings.
  if (committed.key.startsWith('acct:')) onAccountEvent(turn, committed.key, event as AccountEvent, committed.seq, committed.position);
  if (!turn.settings.enabled) return out;
  heardFrom(turn, event);
  const position = committed.position;

  switch (event.type) {
    case 'authorized':
      onAuthorized(turn, cardIdOf(turn.network, event.cardHash), event, position);
      return out;
    case 'completed': {
      onFill(turn, hold !== undefined ? { id: cardIdOf(turn.network, hold.cardHash), hash: hold.cardHash } : { id: maskedCardIdOf(event.account, event.card) }, event, position);
      onMoneyAtTill(turn, { terminal: event.terminal, site: event.site, cashier: undefined, sales: event.amount, refunds: 0, position, refs: [event.txId] });
      return out;
    }
    case 'sale':
      onMoneyAtTill(turn, { terminal: event.terminal, site: event.site, cashier: cashierOf(state, event.terminal, event.shift), sales: event.amount, refunds: 0, position, refs: [event.txId] });
      return out;
    case 'refunded':
      onMoneyAtTill(turn, { terminal: event.terminal, site: event.site, cashier: cashierOf(state, event.terminal, event.shift), sales: 0, refunds: event.amount, position, refs: [event.refundId, event.txId] });
      return out;
    case 'declined': {
      const masked = event.card;
      if (masked === undefined) return out;
      // The card's actor declined it, or the door did for a known card without a PIN (its hash in the event).
      const hash = cardHashOfKey(committed.key) ?? event.cardHash;
      const account = committed.key.startsWith('acct:') ? committed.key : undefined;
      const cardId = hash !== undefined ? cardIdOf(turn.network, hash) : maskedCardIdOf(account ?? turn.network, masked);
      onDeclined(turn, cardId, { ...event, card: masked }, account, position);
      return out;
    }
    case 'pin.failed': {
      const hash = cardHashOfKey(committed.key);
      if (hash !== undefined) onPinFailed(turn, cardIdOf(turn.network, hash), event, position);
      return out;
    }
    case 'shift.opened':
      if (event.cashier !== undefined) {
        const key = shiftKeyOf(event.terminal, event.number);
        state.shifts.set(key, event.cashier);
        state.changed.shifts.add(key);
      }
      return out;
    case 'shift.closed': {
      const key = shiftKeyOf(event.terminal, event.number);
      if (state.shifts.delete(key)) state.changed.shifts.add(key);
      return out;
    }
    case 'reversed':
    case 'expired':
    case 'topup':
    case 'session.charged':
    case 'pin.reset':
    case 'guest.registered':
    case 'session.started':
    case 'session.stopped':
    case 'session.settled':
      return out;
    default:
      return assertNever(event);
  }
}

/** The periodic rules of every network at `now`: wash sessions open too long, silent terminals. */
export function sweep(state: WatchState, context: EvaluationContext, networks: Iterable<string>, now: number, board: (siteId: string) => Iterable<BoardEntry>): Evaluation {
  const out = emptyEvaluation();
  for (const network of networks) {
    const catalog = context.catalog(network);
    if (catalog === undefined || !catalog.alerts.enabled) continue;
    const turn: Turn = { state, context, catalog, settings: catalog.alerts, network, at: now, out };
    sweepSessions(turn, board);
    sweepTerminals(turn);
  }
  return out;
}

/** Forgets dedup windows that have ended (the sweep calls this). */
export function forgetEndedWindows(state: WatchState, now: number): number {
  let forgotten = 0;
  for (const [key, until] of state.dedup) {
    if (until > now) continue;
    state.dedup.delete(key);
    forgotten++;
  }
  return forgotten;
}

/** A terminal took part in the event (the engine's own expiries and automatic stops do not count). */
function heardFrom(turn: Turn, event: WatchedEvent): void {
  if (!('terminal' in event) || typeof event.terminal !== 'string') return;
  if (event.type === 'expired' || (event.type === 'session.stopped' && event.auto)) return;
  const terminal = turn.catalog.terminals.get(event.terminal);
  if (terminal === undefined) return;
  let watch = turn.state.terminals.get(event.terminal);
  if (watch === undefined) {
    watch = { network: turn.network, lastAt: turn.at, buckets: [] };
    turn.state.terminals.set(event.terminal, watch);
  }
  watch.lastAt = Math.max(watch.lastAt, turn.at);
  turn.state.changed.terminals.add(event.terminal);
}

function cashierOf(state: WatchState, terminal: string, shift: number | undefined): string | undefined {
  return shift !== undefined ? state.shifts.get(shiftKeyOf(terminal, shift)) : undefined;
}

/** The keyed hash in a card actor's key `card:<network>:<hash>`. */
function cardHashOfKey(key: string): string | undefined {
  const parts = key.split(':');
  return parts.length === 3 && parts[0] === 'card' ? parts[2] : undefined;
}
