// The books a system under test keeps, as its own store tells them after a run, and how they are
// reconciled with what the load generators saw. The engine answers from its LMDB journal
// (bench/engine-audit.ts), the PostgreSQL authoriser from its tables (bench/pg-authoriser.ts).
//
// Conservation: Σ opening balances = Σ balances now + Σ charges − Σ refunds − Σ top-ups.
// Holds: open holds = approvals − completions − reversals − expiries, and the store's own index
// of open holds agrees. Limits: no card's day counter ever went over its limit. Handles: every
// approval (and completion, reversal) a generator saw is in the store.

import type { GeneratorTotals, SeenKind } from './generator.js';

export interface Books {
  /** Accounts whose balance was read. */
  accounts: number;
  /** Sums in kopecks, as decimal strings (they pass 2^53). */
  opening: string;
  balances: string;
  charges: string;
  refunds: string;
  topups: string;
  heldAmount: string;
  approvals: number;
  completions: number;
  reversals: number;
  expiries: number;
  /** approvals − completions − reversals − expiries, from the journal (or hold rows). */
  openHolds: number;
  /** The store's own count of open holds (engine: the hold-expiry index; P2: rows with status open). */
  openHoldsIndexed: number;
  /** Day counters that went over the card's limit. */
  cardsOverDayLimit: number;
  /** Handles given twice. */
  duplicateHandles: number;
  /** Whatever the store found inconsistent on its own. */
  violations: string[];
}

export interface HandleCheck {
  kind: SeenKind;
  checked: number;
  missing: number;
  /** A few of the missing handles. */
  examples: string[];
}

export function emptyHandleCheck(kind: SeenKind): HandleCheck {
  return { kind, checked: 0, missing: 0, examples: [] };
}

export function addHandleCheck(total: HandleCheck, part: HandleCheck): void {
  total.checked += part.checked;
  total.missing += part.missing;
  for (const example of part.examples) if (total.examples.length < 5) total.examples.push(example);
}

/** Violations of the books against themselves and against what the generators saw. */
export function reconcile(label: string, books: Books, seen: GeneratorTotals, handles: readonly HandleCheck[]): string[] {
  const violations = books.violations.map((text) => `${label}: ${text}`);
  const conserved = BigInt(books.opening) === BigInt(books.balances) + BigInt(books.charges) - BigInt(books.refunds) - BigInt(books.topups);
  if (!conserved) violations.push(`${label}: opening ${books.opening} ≠ balances ${books.balances} + charges ${books.charges} − refunds ${books.refunds} − top-ups ${books.topups}`);
  if (books.openHolds !== books.approvals - books.completions - books.reversals - books.expiries) violations.push(`${label}: open holds ${books.openHolds} ≠ approvals − completions − reversals − expiries`);
  if (books.openHolds !== books.openHoldsIndexed) violations.push(`${label}: ${books.openHolds} holds open by the journal, ${books.openHoldsIndexed} by the store's index`);
  if (books.cardsOverDayLimit > 0) violations.push(`${label}: ${books.cardsOverDayLimit} card-days over their day limit`);
  if (books.duplicateHandles > 0) violations.push(`${label}: ${books.duplicateHandles} handles given twice`);
  // What the generators saw bounds what the store holds: a request without a reply may or may not have been decided.
  const slack = seen.unanswered;
  const within = (value: number, saw: number): boolean => value >= saw && value <= saw + slack;
  if (!within(books.approvals, seen.approvals)) violations.push(`${label}: ${books.approvals} approvals in the store, the generators saw ${seen.approvals} (${slack} unanswered)`);
  if (!within(books.completions, seen.completions)) violations.push(`${label}: ${books.completions} completions in the store, the generators saw ${seen.completions} (${slack} unanswered)`);
  if (!within(books.reversals, seen.reversals)) violations.push(`${label}: ${books.reversals} reversals in the store, the generators saw ${seen.reversals} (${slack} unanswered)`);
  const expectedOpen = seen.approvals - seen.completions - seen.reversals;
  if (books.expiries === 0 && Math.abs(books.openHolds - expectedOpen) > slack) violations.push(`${label}: ${books.openHolds} holds open, the generators expect ${expectedOpen} (${slack} unanswered)`);
  for (const check of handles) {
    if (check.missing > 0) violations.push(`${label}: ${check.missing} of ${check.checked} ${check.kind} handles the generators saw are not in the store (e.g. ${check.examples.join(', ')})`);
  }
  if (seen.unknownReplies > 0) violations.push(`${label}: ${seen.unknownReplies} replies to no request (duplicates)`);
  return violations;
}
