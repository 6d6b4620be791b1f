// The terminal's own decisions: its shifts (cash and warehouse; the Z-report when a shift closes),
// receipts sold without a card (priced for anyone, paid in cash or by bank card, nobody's account
// charged), and the returns of those receipts, which any terminal of the network may take.
// Pure: `decideTerminal(state, context, command, now)` → events and the outcome; `evolveTerminal`
// applies an event. Which operations need an open shift is the actor's routing (terminal-actor.ts).

import type { NetworkCatalog, TerminalInfo } from '../network/catalog.js';
import type { PaymentMethod, ShiftKind } from '../network/schema.js';
import { paymentMethods } from '../network/schema.js';
import type { Outcome } from '../protocol/replies.js';
import { approved, declined } from '../protocol/replies.js';
import { assertNever } from '../assert.js';
import type { Periods, RefundTotals, SaleEvent, SaleRecord, ShiftRef, TerminalContext } from './account-state.js';
import { periodsAt } from './account-state.js';
import { replyLine, returnedOf, returnParts } from './account-sale.js';
import { encodeHandle } from './handles.js';
import type { LineRequest, PaymentRequest, PaymentSplit } from './receipt.js';
import { addSplits, decideReturn, paymentList, priceLines, splitOf, splitTotal } from './receipt.js';
import { cashierMessages } from './prompts.js';
import type { DeclinedEvent } from './declined.js';

export interface OpenShift {
  number: number;
  shiftId: string;
  kind: ShiftKind;
  cashier?: string;
  openedAt: number;
}

export interface TerminalState {
  shifts: Partial<Record<ShiftKind, OpenShift>>;
  nextShift: number;
  /** Receipts sold without a card, and their returns. */
  nextTx: number;
  nextRefund: number;
  refunds: Map<number, RefundTotals>;
}

/** One money operation of a shift, as the shift index keeps it (the Z-report sums these). */
export interface ShiftOperation {
  op: 'sale' | 'refund' | 'topup';
  amount: number;
  payments: PaymentSplit;
}

export interface MethodTotals {
  method: PaymentMethod;
  sales: number;
  refunds: number;
  topups: number;
  /** sales + top-ups − refunds. */
  net: number;
}

export interface ShiftTotals {
  sales: { count: number; amount: number };
  refunds: { count: number; amount: number };
  topups: { count: number; amount: number };
  byMethod: MethodTotals[];
}

export type TerminalEvent =
  | { type: 'shift.opened'; network: string; terminal: string; site: string; shiftId: string; number: number; kind: ShiftKind; cashier?: string; openedAt: number; at: number }
  | {
      type: 'shift.closed';
      network: string;
      terminal: string;
      site: string;
      shiftId: string;
      number: number;
      kind: ShiftKind;
      cashier?: string;
      openedAt: number;
      totals: ShiftTotals;
      at: number;
    }
  | SaleEvent
  | {
      type: 'refunded';
      network: string;
      txId: string;
      txNumber: number;
      refundId: string;
      refundNumber: number;
      terminal: string;
      site: string;
      shift?: number;
      amount: number;
      bonus: number;
      payments: PaymentSplit;
      lines: { line: number; product: string; qty: number; amount: number }[];
      periods: Periods;
      at: number;
    }
  | DeclinedEvent;

export type TerminalCommand =
  | { type: 'shift.open'; kind: ShiftKind; cashier?: string }
  | { type: 'shift.close'; kind: ShiftKind; operations: Iterable<ShiftOperation> }
  | { type: 'sale'; lines: LineRequest[]; payments?: PaymentRequest[]; shift?: ShiftRef }
  | { type: 'refund'; txNumber: number; record: SaleRecord | undefined; terminal: TerminalContext; amount?: number; lines?: { product: string; qty: number }[]; shift?: ShiftRef };

export interface TerminalDecisionContext {
  key: string;
  info: TerminalInfo;
  catalog: NetworkCatalog;
}

export interface TerminalDecision {
  events: TerminalEvent[];
  outcome: Outcome;
}

export function initialTerminalState(): TerminalState {
  return { shifts: {}, nextShift: 1, nextTx: 1, nextRefund: 1, refunds: new Map() };
}

export function decideTerminal(state: TerminalState, context: TerminalDecisionContext, command: TerminalCommand, now: number): TerminalDecision {
  switch (command.type) {
    case 'shift.open':
      return openShift(state, context, command, now);
    case 'shift.close':
      return closeShift(state, context, command, now);
    case 'sale':
      return sellWithoutCard(state, context, command, now);
    case 'refund':
      return refundReceipt(state, context, command, now);
    default:
      return assertNever(command);
  }
}

function shiftIdOf(terminalId: string, number: number): string {
  return `${terminalId}/${number}`;
}

function openShift(state: TerminalState, context: TerminalDecisionContext, command: Extract<TerminalCommand, { type: 'shift.open' }>, now: number): TerminalDecision {
  if (state.shifts[command.kind] !== undefined) return { events: [], outcome: declined('SHIFT_ALREADY_OPEN') };
  const number = state.nextShift;
  const shiftId = shiftIdOf(context.info.id, number);
  const event: TerminalEvent = { type: 'shift.opened', network: context.info.networkId, terminal: context.info.id, site: context.info.siteId, shiftId, number, kind: command.kind, openedAt: now, at: now };
  if (command.cashier !== undefined) event.cashier = command.cashier;
  return { events: [event], outcome: approved({ shiftId, number, kind: command.kind, openedAt: now }) };
}

function closeShift(state: TerminalState, context: TerminalDecisionContext, command: Extract<TerminalCommand, { type: 'shift.close' }>, now: number): TerminalDecision {
  const shift = state.shifts[command.kind];
  if (shift === undefined) return { events: [], outcome: declined('SHIFT_CLOSED') };
  const totals = shiftTotals(command.operations);
  const event: TerminalEvent = {
    type: 'shift.closed',
    network: context.info.networkId,
    terminal: context.info.id,
    site: context.info.siteId,
    shiftId: shift.shiftId,
    number: shift.number,
    kind: shift.kind,
    openedAt: shift.openedAt,
    totals,
    at: now,
  };
  if (shift.cashier !== undefined) event.cashier = shift.cashier;
  return { events: [event], outcome: approved({ shiftId: shift.shiftId, number: shift.number, kind: shift.kind, openedAt: shift.openedAt, closedAt: now, totals }) };
}

/** The Z-report: counts and amounts of the shift's sales, returns and top-ups, and money per payment method. */
export function shiftTotals(operations: Iterable<ShiftOperation>): ShiftTotals {
  const totals: ShiftTotals = { sales: { count: 0, amount: 0 }, refunds: { count: 0, amount: 0 }, topups: { count: 0, amount: 0 }, byMethod: [] };
  const byMethod = new Map<PaymentMethod, MethodTotals>(paymentMethods.map((method) => [method, { method, sales: 0, refunds: 0, topups: 0, net: 0 }]));
  for (const operation of operations) {
    const bucket = operation.op === 'sale' ? totals.sales : operation.op === 'refund' ? totals.refunds : totals.topups;
    bucket.count++;
    bucket.amount += operation.amount;
    for (const method of paymentMethods) {
      const amount = operation.payments[method] ?? 0;
      const row = byMethod.get(method);
      if (row === undefined || amount === 0) continue;
      if (operation.op === 'sale') row.sales += amount;
      else if (operation.op === 'refund') row.refunds += amount;
      else row.topups += amount;
    }
  }
  for (const row of byMethod.values()) {
    row.net = row.sales + row.topups - row.refunds;
    if (row.sales !== 0 || row.refunds !== 0 || row.topups !== 0) totals.byMethod.push(row);
  }
  return totals;
}

/** Methods a sale without a card may use: no account to charge, no points to spend. */
const cardlessMethods: ReadonlySet<PaymentMethod> = new Set(['cash', 'bank_card']);

function sellWithoutCard(state: TerminalState, context: TerminalDecisionContext, command: Extract<TerminalCommand, { type: 'sale' }>, now: number): TerminalDecision {
  const { catalog, info } = context;
  const local = catalog.calendar.localTime(now);
  const priced = priceLines(catalog, { siteId: info.siteId, at: now, minuteOfDay: local.minuteOfDay }, command.lines);
  if (!priced.ok) return { events: [], outcome: declined(priced.decline, priced.detail) };
  const total = priced.amount;
  const payments = command.payments ?? (total > 0 ? [{ method: 'cash' as const, amount: total }] : []);
  const split = splitOf(payments);
  if (splitTotal(split) !== total) return { events: [], outcome: declined('PAYMENT_MISMATCH') };
  if (payments.some((payment) => !cardlessMethods.has(payment.method))) return { events: [], outcome: declined('PAYMENT_NOT_ALLOWED') };
  const messages = cashierMessages(catalog, { lines: priced.lines, amount: total, month: local.month, day: local.day });
  const txNumber = state.nextTx;
  const txId = encodeHandle('transaction', context.key, txNumber);
  const event: SaleEvent = {
    type: 'sale',
    network: info.networkId,
    txId,
    txNumber,
    terminal: info.id,
    site: info.siteId,
    lines: priced.lines,
    amount: total,
    discount: priced.discount,
    payments: split,
    bonus: 0,
    messages,
    usage: [],
    periods: periodsAt(catalog, now),
    at: now,
  };
  if (command.shift !== undefined) event.shift = command.shift.number;
  return {
    events: [event],
    outcome: approved({ txId, lines: priced.lines.map(replyLine), amount: total, discount: priced.discount, payments: paymentList(split), bonus: 0, messages }),
  };
}

function refundReceipt(state: TerminalState, context: TerminalDecisionContext, command: Extract<TerminalCommand, { type: 'refund' }>, now: number): TerminalDecision {
  const record = command.record;
  if (record === undefined) return { events: [], outcome: declined('TX_NOT_FOUND') };
  const decision = decideReturn(record, returnedOf(record, state.refunds.get(command.txNumber)), { amount: command.amount, lines: command.lines });
  if (!decision.ok) return { events: [], outcome: declined(decision.decline) };
  const refundNumber = state.nextRefund;
  const refundId = encodeHandle('refund', context.key, refundNumber);
  const event: TerminalEvent = {
    type: 'refunded',
    network: context.info.networkId,
    txId: record.txId,
    txNumber: record.txNumber,
    refundId,
    refundNumber,
    terminal: command.terminal.terminalId,
    site: command.terminal.siteId,
    amount: decision.amount,
    bonus: 0,
    payments: decision.payments,
    lines: returnParts(record, decision.parts, decision.amount),
    periods: record.periods,
    at: now,
  };
  if (command.shift !== undefined) event.shift = command.shift.number;
  return { events: [event], outcome: approved({ refundId, amount: decision.amount, payments: paymentList(decision.payments), bonus: 0 }) };
}

export function evolveTerminal(state: TerminalState, event: TerminalEvent): TerminalState {
  switch (event.type) {
    case 'shift.opened': {
      const shift: OpenShift = { number: event.number, shiftId: event.shiftId, kind: event.kind, openedAt: event.at };
      if (event.cashier !== undefined) shift.cashier = event.cashier;
      state.shifts[event.kind] = shift;
      state.nextShift = Math.max(state.nextShift, event.number + 1);
      return state;
    }
    case 'shift.closed':
      if (state.shifts[event.kind]?.number === event.number) delete state.shifts[event.kind];
      return state;
    case 'sale':
      state.nextTx = Math.max(state.nextTx, event.txNumber + 1);
      return state;
    case 'refunded': {
      const before = state.refunds.get(event.txNumber) ?? { amount: 0, bonus: 0 };
      const lines = [...(before.lines ?? [])];
      for (const part of event.lines) lines[part.line] = (lines[part.line] ?? 0) + part.qty;
      state.refunds.set(event.txNumber, { amount: before.amount + event.amount, bonus: 0, lines, payments: addSplits(before.payments ?? {}, event.payments) });
      state.nextRefund = Math.max(state.nextRefund, event.refundNumber + 1);
      return state;
    }
    case 'declined':
      return state;
    default:
      return assertNever(event);
  }
}

/** The shift-index entry of an event that moves money at a till during a shift (none otherwise). */
export function shiftOperationOf(event: { type: string } & Partial<{ shift: number; terminal: string; amount: number; payments: PaymentSplit; method: string }>): { terminal: string; shift: number; record: ShiftOperation } | undefined {
  if (event.shift === undefined || event.terminal === undefined || event.amount === undefined) return undefined;
  const { terminal, shift, amount } = event;
  switch (event.type) {
    case 'sale':
      return { terminal, shift, record: { op: 'sale', amount, payments: event.payments ?? {} } };
    case 'refunded':
      return { terminal, shift, record: { op: 'refund', amount, payments: event.payments ?? { account: amount } } };
    case 'topup':
      return { terminal, shift, record: { op: 'topup', amount, payments: { [event.method === 'bank_card' ? 'bank_card' : 'cash']: amount } } };
    default:
      return undefined;
  }
}

/** The open cash shift as the operations of the till refer to it. */
export function cashShiftOf(state: TerminalState, terminalId: string): ShiftRef | undefined {
  const shift = state.shifts.cash;
  return shift === undefined ? undefined : { terminalId, number: shift.number };
}

// ---- snapshots ---------------------------------------------------------------------------------

export interface TerminalSnapshot {
  shifts: Partial<Record<ShiftKind, OpenShift>>;
  nextShift: number;
  nextTx: number;
  nextRefund: number;
  refunds: [number, RefundTotals][];
}

export function encodeTerminalSnapshot(state: TerminalState): TerminalSnapshot {
  return { shifts: state.shifts, nextShift: state.nextShift, nextTx: state.nextTx, nextRefund: state.nextRefund, refunds: [...state.refunds.entries()] };
}

export function decodeTerminalSnapshot(snapshot: TerminalSnapshot | Record<string, never>): TerminalState {
  // Terminals journalled nothing before shifts existed: their old snapshots are empty objects.
  if (!('nextShift' in snapshot)) return initialTerminalState();
  return { shifts: { ...snapshot.shifts }, nextShift: snapshot.nextShift, nextTx: snapshot.nextTx, nextRefund: snapshot.nextRefund, refunds: new Map(snapshot.refunds) };
}
