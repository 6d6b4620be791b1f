// The periodic rules, judged at the sweep's instant rather than on an event: a wash session still open
// after a while (from the sites' boards of open sessions), and a terminal heard from before that has
// been silent for a while of its site's opening hours (silence before the site opened today does not
// count, so a station that opens at 07:00 is not reported at 07:01).

import type { BoardEntry } from '../../store/lmdb-store.js';
import { inHoursWindow } from '../../time/calendar.js';
import type { AlertSubject } from '../alert.js';
import { ruleOn } from '../settings.js';
import type { Turn } from './turn.js';
import { raise } from './turn.js';

const minuteMs = 60_000;

export function sweepSessions(turn: Turn, board: (siteId: string) => Iterable<BoardEntry>): void {
  if (!ruleOn(turn.settings, 'sessionOverdue')) return;
  const rule = turn.settings.sessionOverdue;
  for (const site of turn.catalog.sites.values()) {
    if (site.kind !== 'wash') continue;
    for (const entry of board(site.id)) {
      const elapsedMs = turn.at - entry.startedAt;
      if (elapsedMs < rule.afterMs) continue;
      const subject: AlertSubject = { kind: 'session', id: entry.sessionId, site: site.id, terminal: entry.terminal, client: entry.client };
      if (entry.plate !== undefined) subject.plate = entry.plate;
      const minutes = Math.floor(elapsedMs / minuteMs);
      raise(turn, {
        rule: 'sessionOverdue',
        subject,
        message: `wash session ${entry.sessionId} of ${entry.name} at ${site.id} has been open for ${minutes} minutes`,
        trigger: { positions: [], refs: [entry.sessionId], values: { minutes, limitMinutes: Math.round(rule.afterMs / minuteMs), startedAt: entry.startedAt, tariff: entry.tariff } },
        dedupKey: `sessionOverdue|${entry.sessionId}`,
        dedupUntil: turn.at + rule.dedupMs,
      });
    }
  }
}

export function sweepTerminals(turn: Turn): void {
  if (!ruleOn(turn.settings, 'terminalSilent')) return;
  const rule = turn.settings.terminalSilent;
  const minuteOfDay = turn.catalog.calendar.localTime(turn.at).minuteOfDay;
  for (const terminal of turn.catalog.terminals.values()) {
    if (terminal.status !== 'active') continue;
    const watch = turn.state.terminals.get(terminal.id);
    if (watch === undefined) continue;
    const site = turn.catalog.sites.get(terminal.siteId);
    let silentFrom = watch.lastAt;
    const hours = site?.openingHours;
    if (hours !== undefined) {
      if (!inHoursWindow(hours, minuteOfDay)) continue;
      // When the site opened today (local wall clock; a change of clock within the hours is ignored).
      const openForMinutes = (minuteOfDay - hours.fromMinute + 1440) % 1440;
      const openedAt = turn.at - openForMinutes * minuteMs - (turn.at % minuteMs);
      silentFrom = Math.max(silentFrom, openedAt);
    }
    const silentMs = turn.at - silentFrom;
    if (silentMs < rule.afterMs) continue;
    const minutes = Math.floor(silentMs / minuteMs);
    raise(turn, {
      rule: 'terminalSilent',
      subject: { kind: 'terminal', id: terminal.id, terminal: terminal.id, site: terminal.siteId },
      message: `terminal ${terminal.id} at ${terminal.siteId} has been silent for ${minutes} minutes${hours !== undefined ? ' of opening hours' : ''}`,
      trigger: { positions: [], refs: [], values: { minutes, limitMinutes: Math.round(rule.afterMs / minuteMs), lastAt: watch.lastAt } },
      dedupKey: `terminalSilent|${terminal.id}`,
      dedupUntil: turn.at + rule.dedupMs,
    });
  }
}
