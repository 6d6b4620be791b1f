import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { amountForVolume, applyPercent, bonusPoints, proportionalShare, volumeForAmount } from './money.js';

describe('money', () => {
  it('rounds money for a volume half away from zero', () => {
    expect(amountForVolume(1_500, 5_909)).toBe(8_864); // 8863.5
    expect(amountForVolume(1_499, 5_909)).toBe(8_858); // 8857.591
    expect(amountForVolume(1, 499)).toBe(0); // 0.499
    expect(amountForVolume(1, 500)).toBe(1); // 0.5
    expect(amountForVolume(0, 5_909)).toBe(0);
  });

  it('is exact beyond 2^53 intermediate products (BigInt path)', () => {
    const volume = 9_007_199_254_740; // × 5999 overflows a safe integer
    const expected = (BigInt(volume) * 5_999n + 500n) / 1_000n;
    expect(amountForVolume(volume, 5_999)).toBe(Number(expected));
  });

  it('volumeForAmount is the largest volume whose money fits the amount', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000_000 }), fc.integer({ min: 1, max: 1_000_000 }), (amount, price) => {
        const volume = volumeForAmount(amount, price);
        expect(amountForVolume(volume, price)).toBeLessThanOrEqual(amount);
        expect(amountForVolume(volume + 1, price)).toBeGreaterThan(amount);
      }),
    );
  });

  it('percent discounts, bonus points and proportional shares', () => {
    expect(applyPercent(5_999, 150)).toBe(5_909); // 89.985 off → 90
    expect(applyPercent(100, 10_000)).toBe(0);
    expect(bonusPoints(59_990, 100)).toBe(599);
    expect(bonusPoints(99, 100)).toBe(0);
    expect(proportionalShare(1_800, 20_000, 60_000)).toBe(600);
    expect(proportionalShare(7, 1, 3)).toBe(2);
    expect(proportionalShare(5, 1, 0)).toBe(0);
    fc.assert(
      fc.property(fc.nat(1_000_000), fc.nat(1_000_000), fc.integer({ min: 1, max: 1_000_000 }), (share, a, b) => {
        const [part, whole] = a <= b ? [a, b] : [b, a];
        if (whole === 0) return;
        expect(proportionalShare(share, part, whole)).toBeLessThanOrEqual(share);
      }),
    );
  });
});
