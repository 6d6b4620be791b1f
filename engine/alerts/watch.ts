// The evaluator's state: what the rules remember between events, per subject. Cards: their latest
// authorisations (velocity), where and when the last one was (travel), the local hours they were used
// in (unusual hours), their latest declines. Terminals and cashiers: when a terminal was last heard
// from, sales and refunds in time buckets (refund share). Open shifts' cashiers. Accounts: a shadow
// of the account actor's state — balance, open holds (a completion names its hold, and the hold its
// card), limit counters — kept with the actor's own `evolveAccount`. And the dedup windows.
// Every bound is in constants.ts; `changed` tells the runner which subjects to write back to LMDB.

import type { AccountState } from '../domain/account.js';

export interface Stamp {
  at: number;
  position: number;
}

export interface CardWatch {
  /** Authorisations within the velocity window, oldest first (at most the rule's count + 1). */
  auths: Stamp[];
  /** The last authorisation: where and when (travel between sites). */
  last?: Stamp & { site: string; authId: string };
  /** Local hours the card was authorised in (bit h = hour h) and how many authorisations taught them. */
  hours: number;
  uses: number;
  /** Declines within the declines window, oldest first (at most the rule's count). */
  declines: (Stamp & { reason: string })[];
}

/** Sales and refunds (money) of one time bucket starting at `start`. */
export interface Bucket {
  start: number;
  sales: number;
  refunds: number;
}

export interface TerminalWatch {
  network: string;
  /** The last event the terminal took part in. */
  lastAt: number;
  buckets: Bucket[];
}

export interface CashierWatch {
  buckets: Bucket[];
}

export interface AccountWatch {
  /** The account's state as the account actor has it after the event `seq` of its journal. */
  account: AccountState;
  seq: number;
}

export interface ChangedSubjects {
  cards: Set<string>;
  terminals: Set<string>;
  cashiers: Set<string>;
  shifts: Set<string>;
}

export interface WatchState {
  cards: Map<string, CardWatch>;
  terminals: Map<string, TerminalWatch>;
  cashiers: Map<string, CashierWatch>;
  /** The cashier of each open shift: `<terminal>#<number>` → cashier. */
  shifts: Map<string, string>;
  accounts: Map<string, AccountWatch>;
  /** Dedup windows: dedup key → end of the window. */
  dedup: Map<string, number>;
  changed: ChangedSubjects;
}

export function initialWatchState(): WatchState {
  return {
    cards: new Map(),
    terminals: new Map(),
    cashiers: new Map(),
    shifts: new Map(),
    accounts: new Map(),
    dedup: new Map(),
    changed: { cards: new Set(), terminals: new Set(), cashiers: new Set(), shifts: new Set() },
  };
}

export function emptyCardWatch(): CardWatch {
  return { auths: [], hours: 0, uses: 0, declines: [] };
}

export function shiftKeyOf(terminal: string, number: number): string {
  return `${terminal}#${number}`;
}

/** The subject id of a card known by its keyed hash. */
export function cardIdOf(network: string, hash: string): string {
  return `${network}:${hash}`;
}

/** A card known only by its masked number, within an account or a terminal (masked numbers may repeat across cards). */
export function maskedCardIdOf(scope: string, masked: string): string {
  return `${scope}|${masked}`;
}

/**
 * An account's shadow keeps only what the rules read (balance, holds, limit counters): the records
 * the actor needs for its own decisions — closed holds, refund totals, purchase counters — are
 * dropped after each event, so a cached account costs little memory.
 */
export function trimAccountShadow(account: AccountState): AccountState {
  if (account.closed.size > 0) account.closed.clear();
  if (account.refunds.size > 0) account.refunds.clear();
  if (account.purchases.size > 0) account.purchases.clear();
  return account;
}

/** Adds money to the bucket of `at` and drops buckets older than the window; returns the window's sums. */
export function addToBuckets(buckets: Bucket[], at: number, windowMs: number, bucketsMax: number, sales: number, refunds: number): { sales: number; refunds: number } {
  const bucketMs = Math.max(1, Math.floor(windowMs / bucketsMax));
  const start = Math.floor(at / bucketMs) * bucketMs;
  const last = buckets[buckets.length - 1];
  if (last !== undefined && last.start === start) {
    last.sales += sales;
    last.refunds += refunds;
  } else if (last === undefined || last.start < start) {
    buckets.push({ start, sales, refunds });
  } else {
    // An event older than the newest bucket (clocks of a restart): counted in the newest one.
    last.sales += sales;
    last.refunds += refunds;
  }
  const from = at - windowMs;
  while (buckets.length > 0 && ((buckets[0]?.start ?? 0) + bucketMs <= from || buckets.length > bucketsMax + 1)) buckets.shift();
  let salesSum = 0;
  let refundsSum = 0;
  for (const bucket of buckets) {
    salesSum += bucket.sales;
    refundsSum += bucket.refunds;
  }
  return { sales: salesSum, refunds: refundsSum };
}
