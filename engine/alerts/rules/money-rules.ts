// Rules about money, judged on the account's shadow (alerts/watch.ts): the account actor's own
// `evolveAccount` moves it, so balance and limit counters are exactly the actor's after the same
// event. A card limit used beyond a share of its cap in its period (once per limit and period); the
// balance falling below a threshold, below zero, or through a share of the credit limit (each when
// crossed: a balance already below stays quiet until it recovers and falls again).

import { counterIn, usageKey } from '../../domain/account-state.js';
import type { AccountEvent, AccountState } from '../../domain/account.js';
import { availableFunds, evolveAccount } from '../../domain/account.js';
import { assertNever } from '../../assert.js';
import { ruleOn } from '../settings.js';
import type { AlertSubject } from '../alert.js';
import { trimAccountShadow } from '../watch.js';
import { cardIdOf } from '../watch.js';
import { cardSubject } from './card-rules.js';
import type { Turn } from './turn.js';
import { money, raise } from './turn.js';

/**
 * Moves the account's shadow by the event and judges the money rules. Nothing when the shadow is
 * missing (the runner could not rebuild it) or the event is one the shadow already holds.
 */
export function onAccountEvent(turn: Turn, accountKey: string, event: AccountEvent, seq: number, position: number): void {
  const watch = turn.state.accounts.get(accountKey);
  if (watch === undefined || seq <= watch.seq) return;
  const before = watch.account.balance;
  evolveAccount(watch.account, event);
  trimAccountShadow(watch.account);
  watch.seq = seq;
  const config = turn.context.account(accountKey);
  if (config === undefined) return;
  if (event.type === 'authorized' || event.type === 'sale') limitUsage(turn, watch.account, event, position);
  const after = watch.account.balance;
  if (after === before) return;

  const subject: AlertSubject = { kind: 'account', id: accountKey, name: config.name };
  const currency = turn.catalog.currency;
  const values = { balance: after, before, available: availableFunds(watch.account, config) };
  const refs = refsOf(event);
  const crossed = (threshold: number): boolean => before >= threshold && after < threshold;
  const { settings } = turn;

  if (ruleOn(settings, 'lowFunds') && settings.lowFunds.owners.includes(config.owner) && crossed(settings.lowFunds.amount)) {
    raise(turn, {
      rule: 'lowFunds',
      subject,
      message: `the balance of ${config.name} fell to ${money(after, currency)}, below ${money(settings.lowFunds.amount, currency)}`,
      trigger: { positions: [position], refs, values: { ...values, threshold: settings.lowFunds.amount } },
      dedupKey: `lowFunds|${accountKey}`,
      dedupUntil: turn.at + settings.lowFunds.dedupMs,
    });
  }
  if (ruleOn(settings, 'negativeBalance') && settings.negativeBalance.owners.includes(config.owner) && crossed(0)) {
    raise(turn, {
      rule: 'negativeBalance',
      subject,
      message: `the balance of ${config.name} is negative: ${money(after, currency)}`,
      trigger: { positions: [position], refs, values },
      dedupKey: `negativeBalance|${accountKey}`,
      dedupUntil: turn.at + settings.negativeBalance.dedupMs,
    });
  }
  const rule = settings.creditLimit;
  if (ruleOn(settings, 'creditLimit') && rule.owners.includes(config.owner) && config.creditLimit > 0) {
    // Credit used = how far the balance is below zero; the threshold is a share of the credit limit.
    const threshold = Math.ceil((config.creditLimit * rule.percent) / 100);
    const usedBefore = Math.max(0, -before);
    const usedAfter = Math.max(0, -after);
    if (usedBefore < threshold && usedAfter >= threshold) {
      raise(turn, {
        rule: 'creditLimit',
        subject,
        message: `${config.name} has used ${money(usedAfter, currency)} of its ${money(config.creditLimit, currency)} credit limit (${Math.floor((usedAfter * 100) / config.creditLimit)} %)`,
        trigger: { positions: [position], refs, values: { ...values, creditLimit: config.creditLimit, creditUsed: usedAfter, percent: rule.percent } },
        dedupKey: `creditLimit|${accountKey}`,
        dedupUntil: turn.at + rule.dedupMs,
      });
    }
  }
}

function refsOf(event: AccountEvent): string[] {
  switch (event.type) {
    case 'authorized':
      return [event.authId];
    case 'completed':
      return [event.txId];
    case 'refunded':
      return [event.refundId, event.txId];
    case 'sale':
      return [event.txId];
    case 'session.charged':
      return [event.sessionId];
    case 'reversed':
    case 'expired':
      return [event.authId];
    case 'topup':
    case 'declined':
      return [];
    default:
      return assertNever(event);
  }
}

/** A card limit used beyond the share: once per limit, kind (money or volume) and period. */
function limitUsage(turn: Turn, account: AccountState, event: Extract<AccountEvent, { type: 'authorized' | 'sale' }>, position: number): void {
  if (!ruleOn(turn.settings, 'limitUsage')) return;
  const rule = turn.settings.limitUsage;
  const deltas = event.usage.filter((delta) => delta.amount > 0 || delta.volume > 0);
  if (deltas.length === 0) return;
  const hash = deltas[0]?.key.split('|')[0];
  if (hash === undefined || hash === '') return;
  const card = turn.context.card(turn.network, hash);
  if (card === undefined) return;
  const cardId = cardIdOf(turn.network, hash);
  const masked = event.card ?? card.masked;
  const refs = [event.type === 'authorized' ? event.authId : event.txId];
  for (const limit of card.limits) {
    if (limit.period === 'transaction') continue;
    const key = usageKey(hash, limit);
    const delta = deltas.find((candidate) => candidate.key === key);
    if (delta === undefined) continue;
    const used = counterIn(account.usage, key, delta.periodStart);
    if (used === undefined) continue;
    for (const kind of ['amount', 'volume'] as const) {
      const cap = limit[kind];
      if (cap === undefined || cap <= 0 || used[kind] * 100 < cap * rule.percent) continue;
      const share = Math.floor((used[kind] * 100) / cap);
      const period = turn.catalog.calendar.period(limit.period, delta.periodStart);
      const shown = kind === 'amount' ? `${money(used[kind], turn.catalog.currency)} of ${money(cap, turn.catalog.currency)}` : `${used[kind] / 1000} of ${cap / 1000} l`;
      raise(turn, {
        rule: 'limitUsage',
        subject: cardSubject(cardId, masked, event.account, event.site),
        message: `card ${masked} has used ${share} % of its ${limit.period} limit${limit.products !== undefined ? ` on ${limit.products.join(', ')}` : ''}: ${shown}`,
        trigger: { positions: [position], refs, values: { period: limit.period, kind, limit: cap, used: used[kind], percent: share, threshold: rule.percent } },
        dedupKey: `limitUsage|${key}|${kind}|${delta.periodStart}`,
        dedupUntil: Math.max(period.end, turn.at + 1),
      });
    }
  }
}
