// The alerts' closed sets — severities, rules, statuses, subjects, channels — in a module with no
// imports, so the dashboard (a browser bundle) names the same sets the engine raises and answers with.

export const alertSeverities = ['info', 'warning', 'critical'] as const;
export type AlertSeverity = (typeof alertSeverities)[number];

/** Every rule, in the order the docs list them. The id is the rule's key in the document and in each alert. */
export const alertRuleIds = [
  'velocity',
  'travel',
  'tank',
  'largeFill',
  'unusualHours',
  'pinStreak',
  'declines',
  'limitUsage',
  'lowFunds',
  'negativeBalance',
  'creditLimit',
  'sessionOverdue',
  'terminalSilent',
  'refundShare',
] as const;
export type AlertRuleId = (typeof alertRuleIds)[number];
export const alertStatuses = ['open', 'acknowledged', 'resolved'] as const;
export type AlertStatus = (typeof alertStatuses)[number];

export const subjectKinds = ['card', 'account', 'terminal', 'cashier', 'session'] as const;
export type SubjectKind = (typeof subjectKinds)[number];

export const alertChannels = ['webhook', 'email'] as const;
export type AlertChannel = (typeof alertChannels)[number];
