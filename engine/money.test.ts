// Money arithmetic: amountForVolume rounds volume × price / 1000 half away from zero (exactly, also
// where the product leaves the safe integers and BigInt takes over), volumeForAmount is the largest
// volume whose money fits an amount, applyPercent lowers a price by basis points, bonusPoints and
// proportionalShare floor. Every property is checked against exact BigInt arithmetic.

import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { amountForVolume, applyPercent, bonusPoints, proportionalShare, volumeForAmount } from './money.js';

const MAX = Number.MAX_SAFE_INTEGER;
const MAX_N = BigInt(MAX);

/** Exact round(n / d), half away from zero, for any sign of n and d > 0. */
function roundHalfAway(n: bigint, d: bigint): bigint {
  const negative = n < 0n;
  const magnitude = negative ? -n : n;
  const rounded = (2n * magnitude + d) / (2n * d);
  return negative ? -rounded : rounded;
}

/** Exact floor(n / d) for n ≥ 0, d > 0. */
const floorDiv = (n: bigint, d: bigint): bigint => n / d;

const safeMagnitude = fc.oneof(
  fc.noBias(fc.integer({ min: 0, max: MAX })),
  fc.integer({ min: 0, max: 1_000_000 }),
  fc.integer({ min: MAX - 1_000_000, max: MAX }),
  fc.integer({ min: 9_007_199_254_000, max: 9_007_199_255_000 }), // around 2^53 / 1000
);

/** Volume and price pairs whose money stays within the safe integers (mostly), over both paths. */
const volumeAndPrice: fc.Arbitrary<[number, number]> = fc.oneof(
  fc.tuple(safeMagnitude, fc.integer({ min: 0, max: 1_000 })),
  fc.tuple(fc.integer({ min: 0, max: 1_000 }), fc.noBias(fc.integer({ min: 0, max: MAX }))),
  fc.tuple(fc.integer({ min: 0, max: 100_000_000 }), fc.integer({ min: 0, max: 90_000_000 })),
  fc.tuple(fc.noBias(fc.integer({ min: 0, max: 9_007_199_254_740 })), fc.integer({ min: 1_000, max: 1_000_000 })),
);

describe('amountForVolume: round(volume × price / 1000), half away from zero', () => {
  const table: [string, number, number, number][] = [
    ['zero volume', 0, 5_999, 0],
    ['zero price', 40_000, 0, 0],
    ['whole litres', 40_000, 5_999, 239_960],
    ['1.5 l at 59.09: 8863.5 → 8864 (a half rounds up)', 1_500, 5_909, 8_864],
    ['1.499 l at 59.09: 8857.591 → 8858', 1_499, 5_909, 8_858],
    ['12.345 l at 59.99: 74057.655 → 74058', 12_345, 5_999, 74_058],
    ['0.499 → 0', 1, 499, 0],
    ['0.5 → 1', 1, 500, 1],
    ['0.501 → 1', 1, 501, 1],
    ['1499.5 → 1500', 2_999, 500, 1_500],
    ['the largest safe volume at one kopeck per litre: 9007199254740.991 → …741', MAX, 1, 9_007_199_254_741],
  ];
  for (const [name, volume, price, expected] of table) {
    it(name, () => {
      expect(amountForVolume(volume, price)).toBe(expected);
    });
  }

  it('the BigInt path near 2^53: exact, with halves rounded up', () => {
    // 9 007 199 254 741 × 1500 = 13 510 798 882 111 500: beyond 2^53, ends in exactly a half.
    expect(Number.isSafeInteger(9_007_199_254_741 * 1_500)).toBe(false);
    expect(amountForVolume(9_007_199_254_741, 1_500)).toBe(13_510_798_882_112);
    // ...499 and ...501 around it
    expect(amountForVolume(9_007_199_254_741, 1_499)).toBe(Number(roundHalfAway(9_007_199_254_741n * 1_499n, 1_000n)));
    // Products just past 2^53 − 1 = 9 007 199 254 740 991 (BigInt path) ...
    expect(amountForVolume(3_002_399_751_580_331, 3)).toBe(9_007_199_254_741); // …740 993 / 1000 → up
    expect(amountForVolume(3_002_399_751_580_333, 3)).toBe(9_007_199_254_741); // …740 999 / 1000 → up
    expect(amountForVolume(9_007_199_254_740_991, 3)).toBe(27_021_597_764_223); // 27 021 597 764 222.973 → up
    expect(amountForVolume(9_007_199_254_740_991, 2)).toBe(18_014_398_509_482); // 18 014 398 509 481.982 → up
    expect(amountForVolume(4_503_599_627_370_496, 2)).toBe(9_007_199_254_741); // 2^53 / 1000 = …740.992 → up
    expect(amountForVolume(4_503_599_627_370_745, 2)).toBe(9_007_199_254_741); // …741.490 → down
    // ... and just below it (safe path).
    expect(amountForVolume(3_002_399_751_580_165, 3)).toBe(9_007_199_254_740); // …740 495 / 1000 → down
    expect(amountForVolume(3_002_399_751_580_167, 3)).toBe(9_007_199_254_741); // …740 501 / 1000 → up
  });

  it('is exact for every safe volume and price whose money is a safe integer (against BigInt)', () => {
    fc.assert(
      fc.property(volumeAndPrice, ([volume, price]) => {
        const exact = roundHalfAway(BigInt(volume) * BigInt(price), 1_000n);
        fc.pre(exact <= MAX_N);
        expect(amountForVolume(volume, price)).toBe(Number(exact));
      }),
    );
  });

  it('a product that is exactly a half, on both paths, rounds up', () => {
    fc.assert(
      fc.property(fc.noBias(fc.integer({ min: 0, max: Math.floor((MAX - 500) / 1_000) })), (thousands) => {
        // volume × 1 = 1000 × thousands + 500: a half (safe path).
        expect(amountForVolume(thousands * 1_000 + 500, 1)).toBe(thousands + 1);
      }),
    );
    fc.assert(
      fc.property(fc.oneof(fc.noBias(fc.integer({ min: 0, max: Math.floor((MAX - 1) / 2) })), fc.integer({ min: 9_007_199_254_740, max: 9_007_199_254_760 })), (k) => {
        // (2k + 1) × 500 = 1000k + 500: a half; beyond 2^53 (BigInt path) for k ≥ 9 007 199 254 741.
        const volume = 2 * k + 1;
        const expected = roundHalfAway(BigInt(volume) * 500n, 1_000n);
        expect(expected).toBe(BigInt(k) + 1n);
        expect(amountForVolume(volume, 500)).toBe(k + 1);
      }),
    );
  });

  it('is monotonic in the volume', () => {
    fc.assert(
      fc.property(volumeAndPrice, ([volume, price]) => {
        fc.pre(volume < MAX && roundHalfAway(BigInt(volume + 1) * BigInt(price), 1_000n) <= MAX_N);
        expect(amountForVolume(volume + 1, price)).toBeGreaterThanOrEqual(amountForVolume(volume, price));
      }),
    );
  });

  // The contract says "half away from zero; exact for all safe inputs": a negative volume or price
  // must round symmetrically to a positive one. The protocol never sends negatives (validation
  // refuses them), so this only guards the function's own contract.
  it('is symmetric for negative inputs (half away from zero), also on the BigInt path', () => {
    expect(amountForVolume(-1_500, 5_909)).toBe(-8_864); // safe path
    expect(amountForVolume(-9_007_199_254_741, 1_500)).toBe(-13_510_798_882_112); // BigInt path
    fc.assert(
      fc.property(volumeAndPrice, ([volume, price]) => {
        fc.pre(roundHalfAway(BigInt(volume) * BigInt(price), 1_000n) <= MAX_N);
        expect(amountForVolume(-volume, price)).toBe(-amountForVolume(volume, price));
      }),
    );
  });
});

describe('volumeForAmount: the largest volume whose money fits the amount', () => {
  const table: [string, number, number, number][] = [
    ['1000 ₽ at 59.99: 16.669 l', 100_000, 5_999, 16_669],
    ['one litre exactly', 5_999, 5_999, 1_000],
    ['a kopeck less than one litre', 5_998, 5_999, 999],
    ['nothing buys nothing', 0, 5_999, 0],
    ['nothing still buys what rounds to nothing: 0.499 l at 0.01 ₽/l', 0, 1, 499],
    ['one kopeck at 4.00 ₽/l buys 3 ml (1.2 → 1; 4 ml would be 1.6 → 2)', 1, 400, 3],
    ['a price of one kopeck per litre', 10, 1, 10_499], // 10.499 → 10
  ];
  for (const [name, amount, price, expected] of table) {
    it(name, () => {
      expect(volumeForAmount(amount, price)).toBe(expected);
      expect(amountForVolume(expected, price)).toBeLessThanOrEqual(amount);
      expect(amountForVolume(expected + 1, price)).toBeGreaterThan(amount);
    });
  }

  it('property: amountForVolume(v) ≤ amount < amountForVolume(v + 1)', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.integer({ min: 0, max: 10_000_000 }), fc.noBias(fc.integer({ min: 0, max: 1_000_000_000_000 }))),
        fc.oneof(fc.integer({ min: 1, max: 100_000 }), fc.noBias(fc.integer({ min: 1, max: 10_000_000_000 }))),
        (amount, price) => {
          const volume = volumeForAmount(amount, price);
          expect(Number.isSafeInteger(volume)).toBe(true);
          expect(amountForVolume(volume, price)).toBeLessThanOrEqual(amount);
          expect(amountForVolume(volume + 1, price)).toBeGreaterThan(amount);
          // The exact answer: the largest v with round(v × price / 1000) ≤ amount, i.e. v × price < 1000 × amount + 500.
          const exact = (1_000n * BigInt(amount) + 500n + BigInt(price) - 1n) / BigInt(price) - 1n;
          expect(volume).toBe(Number(exact));
        },
      ),
    );
  });

  it('property: also for amounts near 2^53 (where amount × 1000 is not safe)', () => {
    fc.assert(
      fc.property(fc.integer({ min: MAX - 1_000_000_000, max: MAX }), fc.integer({ min: 1_000, max: 100_000 }), (amount, price) => {
        const volume = volumeForAmount(amount, price);
        const exact = (1_000n * BigInt(amount) + 500n + BigInt(price) - 1n) / BigInt(price) - 1n;
        expect(BigInt(volume)).toBe(exact < MAX_N ? exact : MAX_N);
        expect(amountForVolume(volume, price)).toBeLessThanOrEqual(amount);
      }),
    );
  });

  it('refuses a price of zero', () => {
    expect(() => volumeForAmount(100, 0)).toThrow();
  });
});

describe('applyPercent: a price lowered by basis points', () => {
  const table: [string, number, number, number][] = [
    ['no discount', 5_999, 0, 5_999],
    ['1.5 % of 59.99: 89.985 off → 90', 5_999, 150, 5_909],
    ['5 % of 60.00', 6_000, 500, 5_700],
    ['a half kopeck off rounds up: 0.5 → 1', 10, 500, 9],
    ['0.49 off → 0', 49, 100, 49],
    ['100 %', 5_999, 10_000, 0],
    ['a price of zero', 0, 5_000, 0],
  ];
  for (const [name, price, basisPoints, expected] of table) {
    it(name, () => {
      expect(applyPercent(price, basisPoints)).toBe(expected);
    });
  }

  it('property: price − round(price × bp / 10000) for realistic prices, within [0, price], non-increasing in bp', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100_000_000 }), fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 0, max: 10_000 }), (price, a, b) => {
        const exact = BigInt(price) - roundHalfAway(BigInt(price) * BigInt(a), 10_000n);
        expect(applyPercent(price, a)).toBe(Number(exact));
        expect(applyPercent(price, a)).toBeGreaterThanOrEqual(0);
        expect(applyPercent(price, a)).toBeLessThanOrEqual(price);
        const [low, high] = a <= b ? [a, b] : [b, a];
        expect(applyPercent(price, high)).toBeLessThanOrEqual(applyPercent(price, low));
      }),
    );
  });

  // Prices are money: the network schema allows any safe integer. bonusPoints, amountForVolume and
  // proportionalShare switch to BigInt when the product leaves the safe range; applyPercent should too.
  it('property: exact for every price the schema allows (up to 2^53 − 1)', () => {
    expect(applyPercent(8_877_062_892_307_665, 5_412)).toBe(Number(8_877_062_892_307_665n - roundHalfAway(8_877_062_892_307_665n * 5_412n, 10_000n)));
    fc.assert(
      fc.property(fc.noBias(fc.integer({ min: 0, max: MAX })), fc.integer({ min: 0, max: 10_000 }), (price, basisPoints) => {
        const exact = BigInt(price) - roundHalfAway(BigInt(price) * BigInt(basisPoints), 10_000n);
        expect(applyPercent(price, basisPoints)).toBe(Number(exact));
      }),
    );
  });
});

describe('bonusPoints: floor(amount × rate / 10000)', () => {
  const table: [string, number, number, number][] = [
    ['1 % of 599.90 ₽', 59_990, 100, 599],
    ['less than a point', 99, 100, 0],
    ['exactly one point', 100, 100, 1],
    ['a zero rate', 1_000_000, 0, 0],
    ['100 %', 12_345, 10_000, 12_345],
    ['beyond 2^53 in the product (BigInt path)', MAX, 3_000, Number((MAX_N * 3_000n) / 10_000n)],
  ];
  for (const [name, amount, rate, expected] of table) {
    it(name, () => {
      expect(bonusPoints(amount, rate)).toBe(expected);
    });
  }

  it('property: exact (against BigInt) and never more than the amount', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: 0, max: 10_000_000 }), fc.noBias(fc.integer({ min: 0, max: MAX }))), fc.integer({ min: 0, max: 10_000 }), (amount, rate) => {
        const points = bonusPoints(amount, rate);
        expect(points).toBe(Number(floorDiv(BigInt(amount) * BigInt(rate), 10_000n)));
        expect(points).toBeLessThanOrEqual(amount);
        expect(points).toBeGreaterThanOrEqual(0);
      }),
    );
  });
});

describe('proportionalShare: floor(share × part / whole)', () => {
  const table: [string, number, number, number, number][] = [
    ['a third of 599 points for a third of the charge', 599, 20_000, 59_990, 199],
    ['the whole', 599, 59_990, 59_990, 599],
    ['nothing', 599, 0, 59_990, 0],
    ['a whole of zero gives zero', 5, 1, 0, 0],
    ['a negative whole gives zero', 5, 1, -3, 0],
    ['7 × 1 / 3', 7, 1, 3, 2],
    ['beyond 2^53 in the product (BigInt path)', MAX, MAX - 1, MAX, MAX - 1],
  ];
  for (const [name, share, part, whole, expected] of table) {
    it(name, () => {
      expect(proportionalShare(share, part, whole)).toBe(expected);
    });
  }

  it('property: exact (against BigInt); within [0, share] when part ≤ whole', () => {
    fc.assert(
      fc.property(fc.oneof(fc.nat(1_000_000), fc.noBias(fc.nat(MAX))), fc.noBias(fc.nat(MAX)), fc.noBias(fc.nat(MAX)), (share, a, b) => {
        const [part, whole] = a <= b ? [a, b] : [b, a];
        fc.pre(whole > 0);
        const value = proportionalShare(share, part, whole);
        expect(value).toBe(Number(floorDiv(BigInt(share) * BigInt(part), BigInt(whole))));
        expect(value).toBeGreaterThanOrEqual(0);
        expect(value).toBeLessThanOrEqual(share);
        expect(proportionalShare(share, whole, whole)).toBe(share);
      }),
    );
  });

  it('property: shares of successive parts telescope to the whole share (how refunds reverse points)', () => {
    fc.assert(
      fc.property(fc.nat(100_000), fc.array(fc.integer({ min: 1, max: 10_000 }), { minLength: 1, maxLength: 10 }), (share, parts) => {
        const whole = parts.reduce((sum, part) => sum + part, 0);
        let done = 0;
        let given = 0;
        for (const part of parts) {
          const step = proportionalShare(share, done + part, whole) - proportionalShare(share, done, whole);
          expect(step).toBeGreaterThanOrEqual(0);
          given += step;
          done += part;
        }
        expect(given).toBe(share);
      }),
    );
  });
});
