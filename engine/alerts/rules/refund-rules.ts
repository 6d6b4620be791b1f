// Refunds above a share of sales, per terminal and per cashier (where the shift names one), over a
// sliding window kept as time buckets. Sales are completed fuel transactions and receipts at the
// terminal; refunds count at the terminal that takes them. Nothing fires before the window's refunds
// reach a minimum amount, so one small return on a quiet till is not an alert.

import { constants } from '../../constants.js';
import type { AlertSubject } from '../alert.js';
import { ruleOn } from '../settings.js';
import type { Bucket } from '../watch.js';
import { addToBuckets } from '../watch.js';
import type { Turn } from './turn.js';
import { money, raise } from './turn.js';

export interface MoneyAtTill {
  terminal: string;
  site: string | undefined;
  /** The cashier of the shift the operation belongs to, if the shift named one. */
  cashier: string | undefined;
  sales: number;
  refunds: number;
  position: number;
  refs: string[];
}

export function onMoneyAtTill(turn: Turn, operation: MoneyAtTill): void {
  if (!ruleOn(turn.settings, 'refundShare')) return;
  const rule = turn.settings.refundShare;
  const judge = (buckets: Bucket[], subject: AlertSubject, who: string): void => {
    const sums = addToBuckets(buckets, turn.at, rule.windowMs, constants.alertRefundWindowBuckets, operation.sales, operation.refunds);
    if (operation.refunds <= 0 || sums.refunds < rule.minimumRefunds || sums.refunds * 100 <= sums.sales * rule.percent) return;
    const share = sums.sales > 0 ? Math.floor((sums.refunds * 100) / sums.sales) : 100;
    const currency = turn.catalog.currency;
    const minutes = Math.round(rule.windowMs / 60_000);
    raise(turn, {
      rule: 'refundShare',
      subject,
      message: `refunds of ${money(sums.refunds, currency)} against sales of ${money(sums.sales, currency)} ${who} within ${minutes} minutes (${sums.sales > 0 ? `${share} %` : 'no sales'}, more than ${rule.percent} %)`,
      trigger: { positions: [operation.position], refs: operation.refs, values: { refunds: sums.refunds, sales: sums.sales, percent: share, threshold: rule.percent, minutes } },
      dedupKey: `refundShare|${subject.kind}:${subject.id}`,
      dedupUntil: turn.at + rule.dedupMs,
    });
  };

  const terminal = turn.state.terminals.get(operation.terminal);
  if (terminal !== undefined) {
    const subject: AlertSubject = { kind: 'terminal', id: operation.terminal, terminal: operation.terminal };
    if (operation.site !== undefined) subject.site = operation.site;
    judge(terminal.buckets, subject, `at terminal ${operation.terminal}`);
  }
  if (operation.cashier !== undefined) {
    const id = `${turn.network}|${operation.cashier}`;
    let cashier = turn.state.cashiers.get(id);
    if (cashier === undefined) {
      cashier = { buckets: [] };
      turn.state.cashiers.set(id, cashier);
    }
    turn.state.changed.cashiers.add(id);
    const subject: AlertSubject = { kind: 'cashier', id, cashier: operation.cashier, terminal: operation.terminal };
    if (operation.site !== undefined) subject.site = operation.site;
    judge(cashier.buckets, subject, `by cashier ${operation.cashier}`);
  }
}
