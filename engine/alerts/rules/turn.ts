// One event's evaluation: what every rule reads (the event, the network's catalog and alert settings,
// the reference data) and how it raises an alert — through the dedup window: one alert per rule and
// subject per window, later ones in the window are counted as suppressed.

import { constants } from '../../constants.js';
import type { AccountConfig, CardConfig, NetworkCatalog } from '../../network/catalog.js';
import type { AlertDraft } from '../alert.js';
import type { AlertRuleId, AlertSettings } from '../settings.js';
import type { WatchState } from '../watch.js';

/** Reference data the rules may read (the runner reads it from LMDB; tests pass maps). */
export interface EvaluationContext {
  catalog(networkId: string): NetworkCatalog | undefined;
  card(networkId: string, hash: string): CardConfig | undefined;
  account(accountKey: string): AccountConfig | undefined;
}

export interface Evaluation {
  alerts: AlertDraft[];
  /** Rules whose alert a dedup window held back. */
  suppressed: AlertRuleId[];
}

export interface Turn {
  state: WatchState;
  context: EvaluationContext;
  catalog: NetworkCatalog;
  settings: AlertSettings;
  network: string;
  /** The instant the rules judge by: the event's time (periodic rules: the sweep's). */
  at: number;
  out: Evaluation;
}

export function emptyEvaluation(): Evaluation {
  return { alerts: [], suppressed: [] };
}

/** Raises an alert unless an earlier one with its dedup key is still within its window. */
export function raise(turn: Turn, draft: Omit<AlertDraft, 'network' | 'at' | 'severity'>): void {
  const until = turn.state.dedup.get(draft.dedupKey);
  if (until !== undefined && until > turn.at) {
    turn.out.suppressed.push(draft.rule);
    return;
  }
  const dedup = turn.state.dedup;
  dedup.delete(draft.dedupKey); // re-inserted last: the map stays ordered by when each window began
  dedup.set(draft.dedupKey, draft.dedupUntil);
  if (dedup.size > constants.alertDedupKeysMax) {
    const oldest = dedup.keys().next();
    if (!oldest.done) dedup.delete(oldest.value);
  }
  turn.out.alerts.push({ network: turn.network, at: turn.at, severity: turn.settings[draft.rule].severity, ...draft });
}

/** Money for a message: 123456 → "1234.56 RUB" (the values carry the integer). */
export function money(amount: number, currency: string): string {
  const sign = amount < 0 ? '-' : '';
  const absolute = Math.abs(amount);
  return `${sign}${Math.floor(absolute / 100)}.${String(absolute % 100).padStart(2, '0')} ${currency}`;
}

export function litres(volume: number): string {
  return `${Math.floor(volume / 1000)}.${String(volume % 1000).padStart(3, '0')} l`;
}
