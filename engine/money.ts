// Money arithmetic, stated once. Amounts are integer minor units (kopecks), volumes integer
// thousandths of a unit (millilitres for litres), prices minor units per whole unit.
// Rounding: money for a volume is round(volume × price / 1000), half away from zero (protocol).
// Anything derived from money (percent discounts, bonus points) follows the rules below.

import { assert } from './assert.js';

const thousand = 1000n;

/** round(volume × price / 1000), half away from zero; exact for all safe inputs. */
export function amountForVolume(volume: number, price: number): number {
  const product = volume * price;
  if (Number.isSafeInteger(product)) {
    const whole = Math.trunc(product / 1000);
    const rest = product - whole * 1000;
    return rest * 2 >= 1000 ? whole + 1 : rest * 2 <= -1000 ? whole - 1 : whole;
  }
  return toSafe(divideRounded(BigInt(volume) * BigInt(price), thousand));
}

/**
 * The largest volume (thousandths) whose money does not exceed `amount` at `price`. With rounding
 * half away from zero, round(v × p / 1000) ≤ a exactly when v × p ≤ 1000 a + 499, so the answer is
 * floor((1000 a + 499) / p) — exact, in BigInt when the product is not a safe integer.
 */
export function volumeForAmount(amount: number, price: number): number {
  assert(price > 0, 'volumeForAmount needs a positive price');
  assert(amount >= 0, 'volumeForAmount needs a non-negative amount');
  const scaled = amount * 1000 + 499;
  if (Number.isSafeInteger(scaled)) return Math.floor(scaled / price);
  return toSafe((BigInt(amount) * thousand + 499n) / BigInt(price));
}

/** A price lowered by basis points (500 = 5 %), rounded half away from zero; never below zero. */
export function applyPercent(price: number, basisPoints: number): number {
  const product = price * basisPoints;
  const off = Number.isSafeInteger(product) ? toSafe(divideRounded(BigInt(product), 10_000n)) : toSafe(divideRounded(BigInt(price) * BigInt(basisPoints), 10_000n));
  return Math.max(0, price - off);
}

/** Bonus points for a charged amount at a rate in basis points: floor(amount × rate / 10000). */
export function bonusPoints(amount: number, rateBasisPoints: number): number {
  const product = amount * rateBasisPoints;
  if (Number.isSafeInteger(product)) return Math.floor(product / 10_000);
  return toSafe((BigInt(amount) * BigInt(rateBasisPoints)) / 10_000n);
}

/** share × part / whole, floored: a proportional share (e.g. bonus points reversed on a partial refund). */
export function proportionalShare(share: number, part: number, whole: number): number {
  if (whole <= 0) return 0;
  const product = share * part;
  if (Number.isSafeInteger(product)) return Math.floor(product / whole);
  return toSafe((BigInt(share) * BigInt(part)) / BigInt(whole));
}

/**
 * The share of `share` that `part` of `whole` carries, rounded down — and all of it once the part
 * reaches the whole. Taken cumulatively (the share up to now minus the share up to before), partial
 * returns never give back more than the whole, and the last one gives back exactly what is left.
 */
export function shareUpTo(share: number, part: number, whole: number): number {
  return part >= whole ? share : proportionalShare(share, part, whole);
}

/** numerator / divisor rounded half away from zero (divisor > 0). */
function divideRounded(numerator: bigint, divisor: bigint): bigint {
  const whole = numerator / divisor; // truncates toward zero
  const rest = numerator - whole * divisor;
  if (rest * 2n >= divisor) return whole + 1n;
  if (rest * 2n <= -divisor) return whole - 1n;
  return whole;
}

function toSafe(value: bigint): number {
  const max = BigInt(Number.MAX_SAFE_INTEGER);
  return Number(value > max ? max : value < -max ? -max : value);
}
