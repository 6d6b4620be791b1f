// The `alerts` section of the network document: which rules watch the network, with what thresholds
// and severities, and who is told (e-mail recipients, a webhook endpoint). The zod schema here is part
// of the network document's one schema (network/schema.ts); `compileAlertSettings` turns a section —
// or its absence — into the effective settings with every default filled in (the table of defaults is
// `alertRuleDefaults`, also in docs/protocol.md). Secrets (the webhook's signing key, SMTP passwords)
// never live here: they come from the engine's configuration (alerts/delivery-config.ts).

import { z } from '../validation.js';
import { constants } from '../constants.js';
import { parseHoursWindow } from '../time/calendar.js';
import type { AlertChannel, AlertRuleId, AlertSeverity } from './alert-kinds.js';
import { alertChannels, alertSeverities } from './alert-kinds.js';

export { alertRuleIds, alertSeverities } from './alert-kinds.js';
export type { AlertRuleId, AlertSeverity } from './alert-kinds.js';

/** Whose accounts the money rules watch. */
export const accountOwnerKinds = ['counterparty', 'client'] as const;
export type AccountOwnerKind = (typeof accountOwnerKinds)[number];

export { alertChannels } from './alert-kinds.js';
export type { AlertChannel } from './alert-kinds.js';

const minuteMs = 60_000;

const severity = z.enum(alertSeverities);
const count = z.int().min(1).max(constants.alertCountMax);
const windowMinutes = z.int().min(1).max(constants.alertWindowMinutesMax);
const percent = z.int().min(1).max(100);
const money = z.int().min(0).max(constants.moneyMax);
const litres = z.int().min(1).max(1_000_000);
const owners = z.array(z.enum(accountOwnerKinds)).min(1).max(accountOwnerKinds.length);
const hoursWindow = z.string().refine((text) => parseHoursWindow(text) !== undefined, 'use "HH:MM-HH:MM"');

/** What every rule may set: off, its severity, and the dedup window (one alert per rule and subject per window). */
const common = {
  enabled: z.boolean().optional(),
  severity: severity.optional(),
  dedupMinutes: z.int().min(1).max(constants.alertDedupMinutesMax).optional(),
};

export const alertRulesSchema = z.strictObject({
  /** More than `authorizations` authorisations of one card within `minutes`. */
  velocity: z.strictObject({ ...common, authorizations: count.optional(), minutes: windowMinutes.optional() }).optional(),
  /** Two authorisations of one card at sites farther apart than `speedKmh` could cover in the time between them. */
  travel: z.strictObject({ ...common, speedKmh: z.int().min(1).max(2_000).optional() }).optional(),
  /** A fill above the vehicle's tank: the card's `tankLitres`, else `litres` here; `tolerancePercent` above it. */
  tank: z.strictObject({ ...common, litres: litres.optional(), tolerancePercent: z.int().min(0).max(100).optional() }).optional(),
  /** A single fill above `litres`. */
  largeFill: z.strictObject({ ...common, litres: litres.optional() }).optional(),
  /** An authorisation outside `hours` (local time), or — without `hours` — at an hour the card was not used in before, once it has `learnUses` uses. */
  unusualHours: z.strictObject({ ...common, hours: hoursWindow.optional(), learnUses: z.int().min(1).max(10_000).optional() }).optional(),
  /** `failures` wrong PINs in a row on one card. */
  pinStreak: z.strictObject({ ...common, failures: z.int().min(1).max(constants.pinTriesMax).optional() }).optional(),
  /** `count` declines of one card within `minutes`. */
  declines: z.strictObject({ ...common, count: count.optional(), minutes: windowMinutes.optional() }).optional(),
  /** A card limit used beyond `percent` of its cap in its period. */
  limitUsage: z.strictObject({ ...common, percent: percent.optional() }).optional(),
  /** An account's balance falls below `amount` (minor units). */
  lowFunds: z.strictObject({ ...common, amount: money.optional(), owners: owners.optional() }).optional(),
  /** An account's balance falls below zero. */
  negativeBalance: z.strictObject({ ...common, owners: owners.optional() }).optional(),
  /** An account has used `percent` of its credit limit (100: the limit is reached). */
  creditLimit: z.strictObject({ ...common, percent: percent.optional(), owners: owners.optional() }).optional(),
  /** A wash session still open after `minutes`. */
  sessionOverdue: z.strictObject({ ...common, minutes: z.int().min(1).max(constants.sessionMaximumMinutesMax).optional() }).optional(),
  /** A terminal that was heard from before is silent for `minutes` of its site's opening hours. */
  terminalSilent: z.strictObject({ ...common, minutes: windowMinutes.optional() }).optional(),
  /** Refunds above `percent` of sales at one terminal (or by one cashier) within `minutes`, once they reach `minimumRefunds`. */
  refundShare: z.strictObject({ ...common, percent: percent.optional(), minutes: windowMinutes.optional(), minimumRefunds: money.optional() }).optional(),
});

export const alertsSectionSchema = z.strictObject({
  /** false: no rule watches this network. */
  enabled: z.boolean().optional(),
  rules: alertRulesSchema.optional(),
  /** E-mail through the engine's SMTP server (`TESSERA_SMTP_*`) to these recipients. */
  email: z.strictObject({ to: z.array(z.email()).min(1).max(constants.alertEmailRecipientsMax), minimumSeverity: severity.optional() }).optional(),
  /** An HTTP POST of each alert, signed with the network's secret from the engine's configuration. */
  webhook: z.strictObject({ url: z.url({ protocol: /^https?$/ }).max(2_000), minimumSeverity: severity.optional() }).optional(),
});

export type AlertsSectionDocument = z.infer<typeof alertsSectionSchema>;

// ---- effective settings ------------------------------------------------------------------------

export interface RuleCommon {
  enabled: boolean;
  severity: AlertSeverity;
  dedupMs: number;
}

export interface AlertSettings {
  enabled: boolean;
  velocity: RuleCommon & { authorizations: number; windowMs: number };
  travel: RuleCommon & { speedKmh: number };
  /** `litres`: the network's default tank; without it, only cards with `tankLitres` are checked. */
  tank: RuleCommon & { litres: number | undefined; tolerancePercent: number };
  largeFill: RuleCommon & { litres: number };
  unusualHours: RuleCommon & { hours: { fromMinute: number; toMinute: number } | undefined; learnUses: number };
  pinStreak: RuleCommon & { failures: number };
  declines: RuleCommon & { count: number; windowMs: number };
  limitUsage: RuleCommon & { percent: number };
  lowFunds: RuleCommon & { amount: number; owners: readonly AccountOwnerKind[] };
  negativeBalance: RuleCommon & { owners: readonly AccountOwnerKind[] };
  creditLimit: RuleCommon & { percent: number; owners: readonly AccountOwnerKind[] };
  sessionOverdue: RuleCommon & { afterMs: number };
  terminalSilent: RuleCommon & { afterMs: number };
  refundShare: RuleCommon & { percent: number; windowMs: number; minimumRefunds: number };
  email: { to: readonly string[]; minimumSeverity: AlertSeverity } | undefined;
  webhook: { url: string; minimumSeverity: AlertSeverity } | undefined;
}

/** The defaults of every rule when the document says nothing (docs/protocol.md lists the same). */
export const alertRuleDefaults = {
  velocity: { severity: 'warning', dedupMinutes: 60, authorizations: 5, minutes: 60 },
  travel: { severity: 'critical', dedupMinutes: 60, speedKmh: 150 },
  tank: { severity: 'warning', dedupMinutes: 60, tolerancePercent: 5 },
  largeFill: { severity: 'warning', dedupMinutes: 60, litres: 300 },
  unusualHours: { severity: 'info', dedupMinutes: 24 * 60, learnUses: 20 },
  pinStreak: { severity: 'warning', dedupMinutes: 60, failures: 3 },
  declines: { severity: 'warning', dedupMinutes: 60, count: 5, minutes: 30 },
  limitUsage: { severity: 'warning', dedupMinutes: 60, percent: 90 },
  lowFunds: { severity: 'warning', dedupMinutes: 24 * 60, amount: 100_000, owners: ['counterparty'] },
  negativeBalance: { severity: 'warning', dedupMinutes: 24 * 60, owners: ['counterparty'] },
  creditLimit: { severity: 'critical', dedupMinutes: 24 * 60, percent: 100, owners: ['counterparty'] },
  sessionOverdue: { severity: 'warning', dedupMinutes: 24 * 60, minutes: 120 },
  terminalSilent: { severity: 'info', dedupMinutes: 4 * 60, minutes: 120 },
  refundShare: { severity: 'warning', dedupMinutes: 24 * 60, percent: 20, minutes: 24 * 60, minimumRefunds: 500_000 },
} as const satisfies Record<AlertRuleId, { severity: AlertSeverity; dedupMinutes: number; [setting: string]: unknown }>;

/** Recipients are told of alerts from this severity up, unless the document says otherwise. */
export const minimumSeverityDefaults = { email: 'warning', webhook: 'info' } as const satisfies Record<AlertChannel, AlertSeverity>;

export function severityRank(severity: AlertSeverity): number {
  return alertSeverities.indexOf(severity);
}

/** The effective settings of a network: the section's values over the defaults (no section: every default). */
export function compileAlertSettings(section: AlertsSectionDocument | undefined): AlertSettings {
  const rules = section?.rules ?? {};
  const base = <R extends AlertRuleId>(rule: R): RuleCommon => {
    const given = rules[rule];
    const defaults = alertRuleDefaults[rule];
    return { enabled: given?.enabled ?? true, severity: given?.severity ?? defaults.severity, dedupMs: (given?.dedupMinutes ?? defaults.dedupMinutes) * minuteMs };
  };
  const d = alertRuleDefaults;
  const hours = rules.unusualHours?.hours;
  return {
    enabled: section?.enabled ?? true,
    velocity: { ...base('velocity'), authorizations: rules.velocity?.authorizations ?? d.velocity.authorizations, windowMs: (rules.velocity?.minutes ?? d.velocity.minutes) * minuteMs },
    travel: { ...base('travel'), speedKmh: rules.travel?.speedKmh ?? d.travel.speedKmh },
    tank: { ...base('tank'), litres: rules.tank?.litres, tolerancePercent: rules.tank?.tolerancePercent ?? d.tank.tolerancePercent },
    largeFill: { ...base('largeFill'), litres: rules.largeFill?.litres ?? d.largeFill.litres },
    unusualHours: { ...base('unusualHours'), hours: hours !== undefined ? parseHoursWindow(hours) : undefined, learnUses: rules.unusualHours?.learnUses ?? d.unusualHours.learnUses },
    pinStreak: { ...base('pinStreak'), failures: rules.pinStreak?.failures ?? d.pinStreak.failures },
    declines: { ...base('declines'), count: rules.declines?.count ?? d.declines.count, windowMs: (rules.declines?.minutes ?? d.declines.minutes) * minuteMs },
    limitUsage: { ...base('limitUsage'), percent: rules.limitUsage?.percent ?? d.limitUsage.percent },
    lowFunds: { ...base('lowFunds'), amount: rules.lowFunds?.amount ?? d.lowFunds.amount, owners: rules.lowFunds?.owners ?? d.lowFunds.owners },
    negativeBalance: { ...base('negativeBalance'), owners: rules.negativeBalance?.owners ?? d.negativeBalance.owners },
    creditLimit: { ...base('creditLimit'), percent: rules.creditLimit?.percent ?? d.creditLimit.percent, owners: rules.creditLimit?.owners ?? d.creditLimit.owners },
    sessionOverdue: { ...base('sessionOverdue'), afterMs: (rules.sessionOverdue?.minutes ?? d.sessionOverdue.minutes) * minuteMs },
    terminalSilent: { ...base('terminalSilent'), afterMs: (rules.terminalSilent?.minutes ?? d.terminalSilent.minutes) * minuteMs },
    refundShare: {
      ...base('refundShare'),
      percent: rules.refundShare?.percent ?? d.refundShare.percent,
      windowMs: (rules.refundShare?.minutes ?? d.refundShare.minutes) * minuteMs,
      minimumRefunds: rules.refundShare?.minimumRefunds ?? d.refundShare.minimumRefunds,
    },
    email: section?.email ? { to: [...section.email.to], minimumSeverity: section.email.minimumSeverity ?? minimumSeverityDefaults.email } : undefined,
    webhook: section?.webhook ? { url: section.webhook.url, minimumSeverity: section.webhook.minimumSeverity ?? minimumSeverityDefaults.webhook } : undefined,
  };
}

/** Whether a rule watches the network (the section is on and the rule too). */
export function ruleOn(settings: AlertSettings, rule: AlertRuleId): boolean {
  return settings.enabled && settings[rule].enabled;
}

/** The channels an alert of this severity goes to. */
export function channelsFor(settings: AlertSettings, severity: AlertSeverity): AlertChannel[] {
  const channels: AlertChannel[] = [];
  for (const channel of alertChannels) {
    const target = settings[channel];
    if (target !== undefined && severityRank(severity) >= severityRank(target.minimumSeverity)) channels.push(channel);
  }
  return channels;
}

/**
 * Checks of the section against the rest of the network document that a schema cannot express
 * (import refuses the document with these; paths only).
 */
export function alertSectionProblems(section: AlertsSectionDocument | undefined, sites: readonly { lat?: number | undefined; lon?: number | undefined }[]): string[] {
  const problems: string[] = [];
  if (section?.rules?.travel?.enabled === true && !sites.some((site) => site.lat !== undefined && site.lon !== undefined)) {
    problems.push('alerts.rules.travel.enabled: the travel rule needs sites with "lat" and "lon"');
  }
  return problems;
}
