// The engine's books after a run, read inside the engine process: the LMDB journal replayed from the
// global feed (holds, charges, refunds, top-ups, day-limit counters), set against the state the
// account actors hold (asked with `inquire` through `submit`, as a terminal would) and against the
// store's hold-expiry index. Opening balances are the bench network's (bench/network.ts).

import type { Engine, Reply } from '../engine/index.js';
import type { Books, HandleCheck } from './audit.js';
import type { SeenKind } from './generator.js';
import type { BenchNetworkSize } from './network.js';
import { benchBalance, benchCardNumber, benchDayLimit, benchTerminalId } from './network.js';

const feedPage = 10_000;
const inquiriesInFlight = 512;

export interface EngineAudit {
  books: Books;
  /** Whether each handle is in the journal as authorized, completed or reversed. */
  check(kind: SeenKind, handles: readonly string[]): HandleCheck;
}

interface OpenHold {
  account: string;
  amount: number;
}

export async function auditEngine(engine: Engine, network: BenchNetworkSize, auditNumber: number): Promise<EngineAudit> {
  await engine.store.flushed();
  const violations: string[] = [];
  const violation = (text: string): void => {
    if (violations.length < 20) violations.push(text);
  };
  const handles: Record<SeenKind, Set<string>> = { authorized: new Set(), completed: new Set(), reversed: new Set() };
  const open = new Map<string, OpenHold>();
  const usage = new Map<string, number>();
  const overLimit = new Set<string>();
  let charges = 0n;
  let refunds = 0n;
  let topups = 0n;
  let expiries = 0;
  let duplicates = 0;
  const washStopped = new Map<string, number>();
  const washCharged = new Map<string, number>();
  const applyUsage = (deltas: unknown): void => {
    if (!Array.isArray(deltas)) return;
    for (const delta of deltas as { key: string; periodStart: number; amount: number }[]) {
      const key = `${delta.key}@${delta.periodStart}`;
      const value = (usage.get(key) ?? 0) + delta.amount;
      usage.set(key, value);
      if (delta.key.includes('|day|') && value > benchDayLimit) overLimit.add(key);
    }
  };
  const close = (event: Record<string, unknown>, kind: SeenKind | 'expired'): void => {
    const authId = String(event['authId']);
    const hold = open.get(authId);
    if (hold === undefined) violation(`${kind} of a hold not open in the journal: ${authId}`);
    open.delete(authId);
    if (kind !== 'expired') handles[kind].add(authId);
  };

  let position = 0;
  for (;;) {
    let read = 0;
    for (const committed of engine.store.feedAfter(position, feedPage)) {
      read++;
      position = committed.position;
      const event = committed.event;
      switch (event.type) {
        case 'authorized': {
          const authId = String(event['authId']);
          if (handles.authorized.has(authId)) duplicates++;
          handles.authorized.add(authId);
          open.set(authId, { account: String(event['account']), amount: Number(event['amount']) });
          applyUsage(event['usage']);
          break;
        }
        case 'completed':
          close(event, 'completed');
          charges += BigInt(Number(event['amount']));
          applyUsage(event['usage']);
          break;
        case 'reversed':
          close(event, 'reversed');
          applyUsage(event['usage']);
          break;
        case 'expired':
          close(event, 'expired');
          expiries++;
          applyUsage(event['usage']);
          break;
        case 'sale': {
          // A receipt charges the account only what the account paid (none without a card).
          const paid = (event['payments'] ?? {}) as Record<string, number>;
          if (event['account'] !== undefined) charges += BigInt(paid['account'] ?? 0);
          applyUsage(event['usage']);
          break;
        }
        case 'refunded': {
          const back = event['payments'] as Record<string, number> | undefined;
          if (event['account'] !== undefined) refunds += BigInt(back !== undefined ? (back['account'] ?? 0) : Number(event['amount']));
          applyUsage(event['usage']);
          break;
        }
        case 'topup':
          topups += BigInt(Number(event['amount']));
          break;
        case 'session.stopped': {
          // Wash sessions bill the clients' accounts (not the fleet books above): each stop charged once.
          const id = String(event['sessionId']);
          if (washStopped.has(id)) violation(`session ${id} stopped twice`);
          washStopped.set(id, Number(event['amount']));
          break;
        }
        case 'session.charged': {
          const id = String(event['sessionId']);
          if (washCharged.has(id)) violation(`session ${id} charged twice`);
          washCharged.set(id, Number(event['amount']));
          break;
        }
        default:
          break; // declines, PIN events, imports: no money
      }
    }
    if (read < feedPage) break;
  }
  let held = 0n;
  for (const hold of open.values()) held += BigInt(hold.amount);
  for (const [id, amount] of washStopped) if (washCharged.get(id) !== amount) violation(`session ${id} stopped for ${amount}, charged ${String(washCharged.get(id))}`);
  for (const id of washCharged.keys()) if (!washStopped.has(id)) violation(`session ${id} charged but never stopped`);

  // The account actors' own view: available funds of every account, through one of its cards
  // (card i belongs to account i mod accounts, so cards 0 … accounts−1 cover every account once).
  const accounts = Math.min(network.accounts, network.cards);
  let available = 0n;
  let answered = 0;
  await new Promise<void>((resolve) => {
    let next = 0;
    let done = 0;
    const ask = (): void => {
      const index = next++;
      if (index >= accounts) return;
      const id = `audit-${auditNumber}-${index}`;
      engine.submit(benchTerminalId(0), { op: 'inquire', request: { id, card: benchCardNumber(index) } }, (reply: Reply) => {
        if (reply.result === 'approved' && typeof reply['balance'] === 'number') {
          available += BigInt(reply['balance']);
          answered++;
        } else violation(`inquire of account ${index + 1}: ${reply.result}/${reply.reason}`);
        done++;
        if (done === accounts) resolve();
        else ask();
      });
    };
    if (accounts === 0) resolve();
    for (let count = 0; count < Math.min(inquiriesInFlight, accounts); count++) ask();
  });
  // available = balance + credit (0 on the bench network) − held, so balance = available + held.
  const balances = available + held;

  const books: Books = {
    accounts: answered,
    opening: (BigInt(benchBalance) * BigInt(accounts)).toString(),
    balances: balances.toString(),
    charges: charges.toString(),
    refunds: refunds.toString(),
    topups: topups.toString(),
    heldAmount: held.toString(),
    approvals: handles.authorized.size + duplicates,
    completions: handles.completed.size,
    reversals: handles.reversed.size,
    expiries,
    openHolds: open.size,
    openHoldsIndexed: engine.store.openHoldCount(),
    cardsOverDayLimit: overLimit.size,
    duplicateHandles: duplicates,
    violations,
  };
  return {
    books,
    check: (kind, list) => {
      const result: HandleCheck = { kind, checked: list.length, missing: 0, examples: [] };
      for (const handle of list) {
        if (handles[kind].has(handle)) continue;
        result.missing++;
        if (result.examples.length < 5) result.examples.push(handle);
      }
      return result;
    },
  };
}
