// The network document: one JSON document that creates or updates a whole network (protocol spec,
// "Reference data"). This schema is the only definition; docs/network.schema.json is generated from it.
// Fixed names come from the spec; extensions are optional fields marked "extension" below.

import { z } from '../validation.js';
import { constants } from '../constants.js';
import { isValidTimeZone, parseHoursWindow } from '../time/calendar.js';
import { isPlausiblePlate } from '../domain/plates.js';
import { alertsSectionSchema } from '../alerts/settings.js';

/** Identifiers travel in NATS subjects and URLs: letters, digits, '_' and '-'. */
export const identifier = z
  .string()
  .regex(/^[A-Za-z0-9_-]+$/, 'use letters, digits, "_" and "-" only')
  .min(1)
  .max(constants.identifierLengthMax);

/** A free-text name: any Unicode except control characters, bounded. */
export const displayName = z
  .string()
  .min(1)
  .max(constants.nameLengthMax)
  .regex(/^[^\u0000-\u001f\u007f]*$/, 'control characters are not allowed');

const money = z.int().min(0).max(constants.moneyMax);
const signedMoney = z.int().min(-constants.moneyMax).max(constants.moneyMax);
const basisPoints = z.int().min(0).max(10_000);
const hoursWindow = z.string().refine((text) => parseHoursWindow(text) !== undefined, 'use "HH:MM-HH:MM"');
const weekday = z.int().min(1).max(7);
const productRefs = z.array(identifier).min(1).max(256);
const monthDay = z.string().regex(/^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$/, 'use "MM-DD"');
export const yearMonth = z.string().regex(/^[0-9]{4}-(0[1-9]|1[0-2])$/, 'use "YYYY-MM"');
const cardNumber = z
  .string()
  .regex(/^[A-Za-z0-9_-]+$/, 'a card number is letters, digits, "_" and "-"')
  .min(constants.cardNumberLengthMin)
  .max(constants.cardNumberLengthMax);
const pin = z.string().regex(/^[0-9]+$/, 'a PIN is digits').min(constants.pinLengthMin).max(constants.pinLengthMax);

/**
 * A car plate as typed: letters and digits, optionally with spaces or dashes; Cyrillic letters only
 * those that look like Latin ones (as on Russian plates). Compared in its normal form (domain/plates.ts).
 */
export const plateSchema = z
  .string()
  .min(2)
  .max(constants.plateTypedLengthMax)
  .refine((plate) => isPlausiblePlate(plate), 'a plate is 2–12 letters and digits (Cyrillic letters only АВЕКМНОРСТУХ), spaces and dashes allowed');

export const siteKinds = ['fuel', 'shop', 'wash'] as const;
export const terminalKinds = ['pump', 'pos', 'bay', 'kiosk'] as const;
export const units = ['l', 'pcs', 'min'] as const;
export const cardStatuses = ['active', 'blocked'] as const;
export const terminalStatuses = ['active', 'blocked'] as const;
export const limitPeriods = ['transaction', 'day', 'week', 'month'] as const;
/** Calendar periods over which purchases are counted (discount thresholds, bonus tiers). */
export const countingPeriods = ['day', 'week', 'month'] as const;
/** Money at the till: how a receipt is paid. */
export const paymentMethods = ['cash', 'bank_card', 'account', 'bonus'] as const;
export const shiftKinds = ['cash', 'warehouse'] as const;

export const terminalSchema = z.strictObject({
  id: identifier,
  kind: z.enum(terminalKinds),
  /** extension: a blocked terminal is declined TERMINAL_BLOCKED. */
  status: z.enum(terminalStatuses).optional(),
  /** extension: cash operations (sale, refund, topup) need an open cash shift (else SHIFT_CLOSED). */
  requiresShift: z.boolean().optional(),
});

/** The fields of `siteSchema` without its cross-field checks (route bodies pick and make partial from it). */
export const siteFields = z.strictObject({
  id: identifier,
  name: displayName,
  kind: z.enum(siteKinds),
  terminals: z.array(terminalSchema).max(1_000),
  /** extension: where the site is, in microdegrees (55.755826° is 55755826): integers, like every number here. */
  lat: z.int().min(-90_000_000).max(90_000_000).optional(),
  lon: z.int().min(-180_000_000).max(180_000_000).optional(),
  /** extension: local opening hours (the silent-terminal alert counts silence only within them); default always open. */
  openingHours: hoursWindow.optional(),
});

export const siteSchema = siteFields
  .refine((site) => (site.lat === undefined) === (site.lon === undefined), '"lat" and "lon" go together');

export const productSchema = z.strictObject({
  code: identifier,
  name: displayName,
  group: identifier,
  unit: z.enum(units),
  /** extension: minutes an authorisation hold for this product lives (default 30). */
  holdMinutes: z.int().min(1).max(constants.holdMinutesMax).optional(),
  /** extension: handle with care; a cashier prompt can name it (`prompts[].fragile`). */
  fragile: z.boolean().optional(),
});

/** When an instant is given in the network document: milliseconds since the epoch (UTC). */
const instant = z.int().min(0).max(constants.moneyMax);

export const priceSchema = z.strictObject({
  product: identifier,
  price: money,
  site: identifier.optional(),
  /** extension: a scheduled change — the price applies from this instant (ms since the epoch) on. */
  from: instant.optional(),
});

export const accountSchema = z.strictObject({
  balance: signedMoney,
  creditLimit: money.optional(),
});

export const counterpartySchema = z.strictObject({
  id: identifier,
  name: displayName,
  segment: identifier.optional(),
  account: accountSchema,
});

export const limitSchema = z
  .strictObject({
    period: z.enum(limitPeriods),
    amount: money.optional(),
    volume: money.optional(),
    products: productRefs.optional(),
  })
  .refine((limit) => limit.amount !== undefined || limit.volume !== undefined, 'a limit caps amount, volume or both');

export const restrictionsSchema = z.strictObject({
  sites: z.array(identifier).max(1_000).optional(),
  products: productRefs.optional(),
  hours: hoursWindow.optional(),
  weekdays: z.array(weekday).min(1).max(7).optional(),
});

/** The fields of `cardSchema` without its cross-field checks (route bodies pick and make partial from it). */
export const cardFields = z.strictObject({
  number: cardNumber,
  counterparty: identifier.optional(),
  client: identifier.optional(),
  status: z.enum(cardStatuses),
  pin: pin.optional(),
  expires: yearMonth.optional(),
  limits: z.array(limitSchema).max(constants.limitsPerCardMax).optional(),
  restrictions: restrictionsSchema.optional(),
  /** extension: the tank of the vehicle the card fuels, in litres (a fill above it raises a `tank` alert). */
  tankLitres: z.int().min(1).max(100_000).optional(),
});

export const cardSchema = cardFields
  .refine((card) => (card.counterparty === undefined) !== (card.client === undefined), 'a card belongs to exactly one counterparty or client');

/**
 * A change of one card (the management API): only the fields given change; `expires: null` removes
 * the expiry. The number and the owner never change here (a card is identified by its keyed hash).
 */
export const cardChangeSchema = z
  .strictObject({
    status: z.enum(cardStatuses).optional(),
    limits: z.array(limitSchema).max(constants.limitsPerCardMax).optional(),
    restrictions: restrictionsSchema.optional(),
    expires: yearMonth.nullable().optional(),
    tankLitres: z.int().min(1).max(100_000).nullable().optional(),
  })
  .refine((change) => Object.values(change).some((value) => value !== undefined), 'name at least one of status, limits, restrictions, expires, tankLitres');

export const clientSchema = z.strictObject({
  id: identifier,
  name: displayName,
  member: z.boolean(),
  plate: plateSchema.optional(),
  qr: z.string().min(1).max(constants.cardNumberLengthMax).optional(),
  nfc: z.string().min(1).max(constants.cardNumberLengthMax).optional(),
  birthday: monthDay.optional(),
  /** extension: client groups the client belongs to (discount rules can name them). */
  groups: z.array(identifier).max(32).optional(),
  account: z.strictObject({ balance: signedMoney, creditLimit: money.optional() }),
});

/** A purchase threshold over a calendar period: the rule applies once the client has bought at least this much. */
export const thresholdSchema = z
  .strictObject({
    period: z.enum(countingPeriods),
    volume: money.optional(),
    amount: money.optional(),
  })
  .refine((threshold) => (threshold.volume === undefined) !== (threshold.amount === undefined), 'a threshold counts either volume or amount');

/** The fields of `discountSchema` without its cross-field checks (route bodies pick and make partial from it). */
export const discountFields = z.strictObject({
  id: identifier,
  name: displayName,
  percent: basisPoints.optional(),
  perUnit: money.optional(),
  /** extension: a fixed (contract) price per unit; like every rule it wins only when it is the lowest price. */
  fixedPrice: money.optional(),
  products: productRefs.optional(),
  segments: z.array(identifier).max(256).optional(),
  counterparties: z.array(identifier).max(10_000).optional(),
  /** extension: clients of these groups (`clients[].groups`). */
  clientGroups: z.array(identifier).max(256).optional(),
  /** extension: club members only (`clients[].member`). */
  members: z.boolean().optional(),
  sites: z.array(identifier).max(1_000).optional(),
  hours: hoursWindow.optional(),
  from: z.int().min(0).optional(),
  to: z.int().min(0).optional(),
  /**
   * extension: a volume tier — the rule applies once the account has bought at least this volume
   * (or amount) of the rule's products in the current period, before this purchase.
   */
  threshold: thresholdSchema.optional(),
});

export const discountSchema = discountFields
  .refine((rule) => [rule.percent, rule.perUnit, rule.fixedPrice].filter((value) => value !== undefined).length === 1, 'a discount has exactly one of percent, perUnit or fixedPrice')
  .refine((rule) => rule.from === undefined || rule.to === undefined || rule.from < rule.to, '"from" must be before "to"');

/** The fields of `bonusSchema` without its cross-field checks (route bodies pick and make partial from it). */
export const bonusFields = z.strictObject({
  rate: basisPoints,
  products: productRefs.optional(),
  redeem: z.boolean(),
  /** extension: a rate of its own for some products or groups (it replaces the tier or base rate for them). */
  rates: z.array(z.strictObject({ products: productRefs, rate: basisPoints })).max(256).optional(),
  /** extension: rates by the account's spend in the current `tierPeriod` before this purchase (highest tier reached wins). */
  tiers: z.array(z.strictObject({ spend: money, rate: basisPoints })).max(32).optional(),
  tierPeriod: z.enum(countingPeriods).optional(),
});

export const bonusSchema = bonusFields
  .refine((bonus) => bonus.tierPeriod === undefined || bonus.tiers !== undefined, '"tierPeriod" needs "tiers"');

/**
 * extension: a cashier prompt — a message in the reply to a sale when its condition holds. Exactly
 * one condition per prompt.
 */
export const promptSchema = z
  .strictObject({
    id: identifier,
    message: displayName,
    /** The client's birthday (`clients[].birthday`) is today in the network's time zone. */
    birthday: z.literal(true).optional(),
    /** The receipt has more than this many lines. */
    linesAbove: z.int().min(0).max(constants.saleLinesMax).optional(),
    /** The receipt's total is above this amount. */
    amountAbove: money.optional(),
    /** The receipt holds one of these products or groups (a promoted product). */
    products: productRefs.optional(),
    /** The receipt holds a product marked `fragile`. */
    fragile: z.literal(true).optional(),
  })
  .refine((prompt) => [prompt.birthday, prompt.linesAbove, prompt.amountAbove, prompt.products, prompt.fragile].filter((value) => value !== undefined).length === 1, 'a prompt has exactly one condition');

/** The fields of `tariffSchema` without its cross-field checks (route bodies pick and make partial from it). */
export const tariffFields = z.strictObject({
  code: identifier,
  name: displayName,
  perMinute: money,
  perMinuteMember: money.optional(),
  minimumMinutes: z.int().min(0).max(24 * 60).optional(),
  /** extension: a session still open after this many minutes is stopped automatically (default `sessionMaximumMinutesDefault`). */
  maximumMinutes: z.int().min(1).max(constants.sessionMaximumMinutesMax).optional(),
  /** extension: the sites that offer the tariff (default: every site). */
  sites: z.array(identifier).min(1).max(1_000).optional(),
});

export const tariffSchema = tariffFields
  .refine((tariff) => tariff.maximumMinutes === undefined || tariff.maximumMinutes >= (tariff.minimumMinutes ?? 0), '"maximumMinutes" must not be below "minimumMinutes"');

export const networkSchema = z.strictObject({
  id: identifier,
  name: displayName,
  currency: z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as "RUB"'),
  timezone: z.string().refine(isValidTimeZone, 'an IANA time zone such as "Europe/Moscow"'),
});

export const networkDocumentSchema = z
  .strictObject({
    network: networkSchema,
    sites: z.array(siteSchema).max(100_000).optional(),
    products: z.array(productSchema).max(100_000).optional(),
    prices: z.array(priceSchema).max(1_000_000).optional(),
    counterparties: z.array(counterpartySchema).max(1_000_000).optional(),
    cards: z.array(cardSchema).max(10_000_000).optional(),
    clients: z.array(clientSchema).max(10_000_000).optional(),
    discounts: z.array(discountSchema).max(10_000).optional(),
    bonus: bonusSchema.optional(),
    tariffs: z.array(tariffSchema).max(10_000).optional(),
    /** extension: cashier prompts on sales. */
    prompts: z.array(promptSchema).max(constants.promptsMax).optional(),
    /** extension: alert rules, their thresholds and severities, and who is told (e-mail, webhook); defaults when absent. */
    alerts: alertsSectionSchema.optional(),
  })
  .meta({
    title: 'Tessera network document',
    description: 'Creates or updates a whole network: sites, terminals, products, prices, clients, cards and rules.',
  });

export type NetworkDocument = z.infer<typeof networkDocumentSchema>;
export type NetworkHeader = z.infer<typeof networkSchema>;
export type SiteDocument = z.infer<typeof siteSchema>;
export type TerminalDocument = z.infer<typeof terminalSchema>;
export type ProductDocument = z.infer<typeof productSchema>;
export type PriceDocument = z.infer<typeof priceSchema>;
export type CounterpartyDocument = z.infer<typeof counterpartySchema>;
export type CardDocument = z.infer<typeof cardSchema>;
export type CardChange = z.infer<typeof cardChangeSchema>;
export type ClientDocument = z.infer<typeof clientSchema>;
export type LimitDocument = z.infer<typeof limitSchema>;
export type RestrictionsDocument = z.infer<typeof restrictionsSchema>;
export type DiscountDocument = z.infer<typeof discountSchema>;
export type BonusDocument = z.infer<typeof bonusSchema>;
export type TariffDocument = z.infer<typeof tariffSchema>;
export type PromptDocument = z.infer<typeof promptSchema>;
export type ThresholdDocument = z.infer<typeof thresholdSchema>;
export type CountingPeriod = (typeof countingPeriods)[number];
export type PaymentMethod = (typeof paymentMethods)[number];
export type ShiftKind = (typeof shiftKinds)[number];
export type LimitPeriod = (typeof limitPeriods)[number];
export type Unit = (typeof units)[number];

/** The JSON Schema (draft 2020-12) published as docs/network.schema.json. */
export function networkJsonSchema(): unknown {
  return z.toJSONSchema(networkDocumentSchema, { target: 'draft-2020-12', io: 'input' });
}

/** Turns validation issues into one message with paths only, never the offending values. */
export function describeIssues(error: z.ZodError, limit = 10): string {
  const parts = error.issues.slice(0, limit).map((issue) => `${issue.path.length ? issue.path.join('.') : '(document)'}: ${issue.message}`);
  const more = error.issues.length > limit ? `; and ${error.issues.length - limit} more` : '';
  return parts.join('; ') + more;
}
