// Reason codes of the terminal protocol, in precedence order: when several apply, the first wins.
// docs/protocol.md carries the same table; engine/reasons.test.ts checks the two agree.

export const reasonCodes = [
  'OK',
  'BAD_REQUEST',
  'DUPLICATE_ID_MISMATCH',
  'UNAVAILABLE',
  'TERMINAL_UNKNOWN',
  'TERMINAL_BLOCKED',
  'SHIFT_CLOSED',
  'SHIFT_ALREADY_OPEN',
  'CARD_UNKNOWN',
  'CARD_BLOCKED',
  'CARD_EXPIRED',
  'PIN_TRIES_EXCEEDED',
  'PIN_INVALID',
  'PRODUCT_UNKNOWN',
  'PRODUCT_NOT_ALLOWED',
  'SITE_NOT_ALLOWED',
  'TIME_NOT_ALLOWED',
  'QUANTITY_INVALID',
  'AMOUNT_TOO_SMALL',
  'PAYMENT_MISMATCH',
  'PAYMENT_NOT_ALLOWED',
  'BONUS_NOT_ALLOWED',
  'LIMIT_EXCEEDED',
  'BONUS_INSUFFICIENT',
  'INSUFFICIENT_FUNDS',
  'AUTH_NOT_FOUND',
  'AUTH_ALREADY_CLOSED',
  'AUTH_EXPIRED',
  'AMOUNT_EXCEEDS_AUTH',
  'TX_NOT_FOUND',
  'REFUND_EXCEEDS_SALE',
  'ACCOUNT_UNKNOWN',
  'CLIENT_UNKNOWN',
  'TARIFF_UNKNOWN',
  'SESSION_ALREADY_OPEN',
  'SESSION_NOT_FOUND',
] as const;

export type ReasonCode = (typeof reasonCodes)[number];
export type DeclineReason = Exclude<ReasonCode, 'OK' | 'BAD_REQUEST' | 'UNAVAILABLE'>;

export const results = ['approved', 'declined', 'error'] as const;
export type Result = (typeof results)[number];

/** What each code means, in words a terminal vendor can show. Never includes request data. */
export const reasonMessages: Record<ReasonCode, string> = {
  OK: 'approved',
  BAD_REQUEST: 'the request could not be decoded or failed validation',
  DUPLICATE_ID_MISMATCH: 'this request id was already used with a different body',
  UNAVAILABLE: 'the engine is not taking requests right now; retry with the same id',
  TERMINAL_UNKNOWN: 'the terminal is not registered',
  TERMINAL_BLOCKED: 'the terminal is blocked',
  SHIFT_CLOSED: 'no shift is open on this terminal',
  SHIFT_ALREADY_OPEN: 'a shift of this kind is already open on this terminal',
  CARD_UNKNOWN: 'the card is not known',
  CARD_BLOCKED: 'the card is blocked',
  CARD_EXPIRED: 'the card has expired',
  PIN_TRIES_EXCEEDED: 'too many wrong PINs; the card is PIN-locked until the next day',
  PIN_INVALID: 'the PIN is wrong or missing',
  PRODUCT_UNKNOWN: 'the product is not known at this site',
  PRODUCT_NOT_ALLOWED: 'the card may not buy this product',
  SITE_NOT_ALLOWED: 'the card may not be used at this site',
  TIME_NOT_ALLOWED: 'the card may not be used at this hour or day',
  QUANTITY_INVALID: 'a quantity cannot be sold this way (pieces are whole) or the receipt is too large',
  AMOUNT_TOO_SMALL: 'less than one unit of the product was asked or could be granted',
  PAYMENT_MISMATCH: 'the payments do not add up to the receipt total',
  PAYMENT_NOT_ALLOWED: 'this payment method needs a card (account or bonus)',
  BONUS_NOT_ALLOWED: 'bonus points cannot pay here (no redeemable program, or not a loyalty account)',
  LIMIT_EXCEEDED: 'a limit of the card leaves less than one unit',
  BONUS_INSUFFICIENT: 'the bonus payment is above the points held',
  INSUFFICIENT_FUNDS: 'the account has too little available funds',
  AUTH_NOT_FOUND: 'no such authorisation',
  AUTH_ALREADY_CLOSED: 'the authorisation was already completed or reversed',
  AUTH_EXPIRED: 'the authorisation expired and its hold was released',
  AMOUNT_EXCEEDS_AUTH: 'the amount is above what was authorised',
  TX_NOT_FOUND: 'no such transaction',
  REFUND_EXCEEDS_SALE: 'refunds would exceed what was charged',
  ACCOUNT_UNKNOWN: 'no such account',
  CLIENT_UNKNOWN: 'no client with this identifier',
  TARIFF_UNKNOWN: 'no such tariff',
  SESSION_ALREADY_OPEN: 'the client already has an open session',
  SESSION_NOT_FOUND: 'no such open session',
};

/** The first code of `candidates` in precedence order (undefined when empty). */
export function firstByPrecedence(candidates: readonly DeclineReason[]): DeclineReason | undefined {
  let best: DeclineReason | undefined;
  let bestRank = Number.POSITIVE_INFINITY;
  for (const code of candidates) {
    const rank = reasonCodes.indexOf(code);
    if (rank < bestRank) {
      best = code;
      bestRank = rank;
    }
  }
  return best;
}
