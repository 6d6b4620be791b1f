// The terminal protocol's requests, validated at the gateway before anything else sees them.
// Names are fixed by shared/spec/protocol.md; fields are strict (an unknown field is BAD_REQUEST).

import { z } from '../validation.js';
import { constants } from '../constants.js';
import { paymentMethods, plateSchema, shiftKinds } from '../network/schema.js';

const requestId = z.string().min(1).max(constants.requestIdLengthMax);
const at = z.int().min(0).max(Number.MAX_SAFE_INTEGER).optional();
/** 0 … 2^53−1: a safe, non-negative integer. */
const quantity = z.int().min(0).max(Number.MAX_SAFE_INTEGER);
/** A request amount is at least 1. */
const requestAmount = z.int().min(1).max(Number.MAX_SAFE_INTEGER);
const card = z
  .string()
  .regex(/^[A-Za-z0-9_-]+$/, 'a card number is letters, digits, "_" and "-"')
  .min(constants.cardNumberLengthMin)
  .max(constants.cardNumberLengthMax);
const pin = z.string().regex(/^[0-9]+$/).min(1).max(constants.pinLengthMax);
const code = z.string().regex(/^[A-Za-z0-9_-]+$/).min(1).max(constants.identifierLengthMax);
const handle = z.string().min(1).max(96);

export const authorizeRequest = z
  .strictObject({ id: requestId, at, card, pin: pin.optional(), product: code, amount: requestAmount.optional(), volume: requestAmount.optional() })
  .refine((request) => request.amount !== undefined || request.volume !== undefined, { message: 'give amount, volume or both', path: ['amount'] });

export const completeRequest = z
  .strictObject({ id: requestId, at, authId: handle, amount: quantity.optional(), volume: quantity.optional() })
  .refine((request) => request.amount !== undefined || request.volume !== undefined, { message: 'give amount, volume or both', path: ['amount'] });

export const reverseRequest = z.strictObject({ id: requestId, at, authId: handle });

const returnLine = z.strictObject({ product: code, qty: requestAmount });

export const refundRequest = z
  .strictObject({ id: requestId, at, txId: handle, amount: requestAmount.optional(), lines: z.array(returnLine).min(1).max(constants.refundLinesMax).optional() })
  .refine((request) => request.amount === undefined || request.lines === undefined, { message: 'give amount or lines, not both', path: ['lines'] });

export const inquireRequest = z.strictObject({ id: requestId, at, card, pin: pin.optional() });

export const clientIdentifier = z.union([
  z.strictObject({ qr: z.string().min(1).max(constants.cardNumberLengthMax) }),
  z.strictObject({ nfc: z.string().min(1).max(constants.cardNumberLengthMax) }),
  z.strictObject({ card }),
  z.strictObject({ plate: plateSchema }),
]);

export const topupMethods = ['cash', 'bank_card'] as const;

/** A receipt line: qty in thousandths of the product's unit; `price` only counts for items the network has no price for. */
const saleLine = z.strictObject({ product: code, qty: requestAmount, price: quantity.optional() });
const payment = z.strictObject({ method: z.enum(paymentMethods), amount: requestAmount });

export const saleRequest = z.strictObject({
  id: requestId,
  at,
  card: card.optional(),
  pin: pin.optional(),
  lines: z.array(saleLine).min(1).max(constants.saleLinesMax),
  payments: z.array(payment).max(constants.salePaymentsMax).optional(),
});

const shiftKind = z.enum(shiftKinds);

export const shiftOpenRequest = z.strictObject({
  id: requestId,
  at,
  kind: shiftKind.optional(),
  cashier: z
    .string()
    .min(1)
    .max(constants.cashierLengthMax)
    .regex(/^[^\u0000-\u001f\u007f]*$/, 'control characters are not allowed')
    .optional(),
});

export const shiftCloseRequest = z.strictObject({ id: requestId, at, kind: shiftKind.optional() });

const comment = z
  .string()
  .min(1)
  .max(constants.commentLengthMax)
  .regex(/^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]*$/, 'control characters are not allowed');

export const sessionStartRequest = z.strictObject({ id: requestId, at, client: clientIdentifier, tariff: code, comment: comment.optional() });

export const sessionStopRequest = z
  .strictObject({ id: requestId, at, sessionId: handle.optional(), client: clientIdentifier.optional(), comment: comment.optional() })
  .refine((request) => (request.sessionId === undefined) !== (request.client === undefined), { message: 'give sessionId or client', path: ['sessionId'] });

export const sessionsRequest = z.strictObject({ id: requestId, at });

export const pricesRequest = z.strictObject({ id: requestId, at, card: card.optional(), pin: pin.optional(), products: z.array(code).min(1).max(constants.priceQueryProductsMax).optional() });

export const topupRequest = z
  .strictObject({
    id: requestId,
    at,
    card: card.optional(),
    account: code.optional(),
    client: clientIdentifier.optional(),
    amount: requestAmount,
    method: z.enum(topupMethods),
  })
  .refine((request) => [request.card, request.account, request.client].filter((x) => x !== undefined).length === 1, {
    message: 'give exactly one of card, account or client',
    path: ['card'],
  });

export const operations = ['authorize', 'complete', 'reverse', 'refund', 'inquire', 'topup', 'sale', 'prices', 'shift.open', 'shift.close', 'session.start', 'session.stop', 'sessions'] as const;
export type Operation = (typeof operations)[number];

export const requestSchemas = {
  authorize: authorizeRequest,
  complete: completeRequest,
  reverse: reverseRequest,
  refund: refundRequest,
  inquire: inquireRequest,
  topup: topupRequest,
  sale: saleRequest,
  prices: pricesRequest,
  'shift.open': shiftOpenRequest,
  'shift.close': shiftCloseRequest,
  'session.start': sessionStartRequest,
  'session.stop': sessionStopRequest,
  sessions: sessionsRequest,
} as const satisfies Record<Operation, z.ZodType>;

export type AuthorizeRequest = z.infer<typeof authorizeRequest>;
export type CompleteRequest = z.infer<typeof completeRequest>;
export type ReverseRequest = z.infer<typeof reverseRequest>;
export type RefundRequest = z.infer<typeof refundRequest>;
export type InquireRequest = z.infer<typeof inquireRequest>;
export type TopupRequest = z.infer<typeof topupRequest>;
export type ClientIdentifier = z.infer<typeof clientIdentifier>;
export type SaleRequest = z.infer<typeof saleRequest>;
export type PricesRequest = z.infer<typeof pricesRequest>;
export type ShiftOpenRequest = z.infer<typeof shiftOpenRequest>;
export type ShiftCloseRequest = z.infer<typeof shiftCloseRequest>;
export type SessionStartRequest = z.infer<typeof sessionStartRequest>;
export type SessionStopRequest = z.infer<typeof sessionStopRequest>;
export type TopupMethod = (typeof topupMethods)[number];

export type TerminalRequest =
  | { op: 'authorize'; request: AuthorizeRequest }
  | { op: 'complete'; request: CompleteRequest }
  | { op: 'reverse'; request: ReverseRequest }
  | { op: 'refund'; request: RefundRequest }
  | { op: 'inquire'; request: InquireRequest }
  | { op: 'topup'; request: TopupRequest }
  | { op: 'sale'; request: SaleRequest }
  | { op: 'prices'; request: PricesRequest }
  | { op: 'shift.open'; request: ShiftOpenRequest }
  | { op: 'shift.close'; request: ShiftCloseRequest }
  | { op: 'session.start'; request: SessionStartRequest }
  | { op: 'session.stop'; request: SessionStopRequest }
  | { op: 'sessions'; request: z.infer<typeof sessionsRequest> };

export function isOperation(value: string): value is Operation {
  return (operations as readonly string[]).includes(value);
}
