// The wire codec: msgpackProblem scans a MessagePack body for what the protocol forbids (floats,
// extension types, trailing bytes) and for malformed input (truncation), without building values;
// jsonNumberProblem finds fractions and exponents in JSON text outside strings; decodeBody and
// encodeBody round-trip both encodings. Bodies are built byte by byte here, in every width the
// format allows (not only the minimal one an encoder would choose).

import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { decodeBody, encodeBody, jsonNumberProblem, msgpackProblem } from './codec.js';

// ---- a MessagePack writer with explicit formats ------------------------------------------------

type IntFormat = 'posfix' | 'negfix' | 'u8' | 'u16' | 'u32' | 'u64' | 'i8' | 'i16' | 'i32' | 'i64';
type SizeFormat = 'fix' | '8' | '16' | '32';

type Node =
  | { kind: 'nil' }
  | { kind: 'bool'; value: boolean }
  | { kind: 'int'; format: IntFormat; value: bigint }
  | { kind: 'str'; format: SizeFormat; value: string }
  | { kind: 'bin'; format: '8' | '16' | '32'; value: Uint8Array }
  | { kind: 'array'; format: 'fix' | '16' | '32'; items: Node[] }
  | { kind: 'map'; format: 'fix' | '16' | '32'; entries: [string, Node][] };

const intRanges: Record<IntFormat, [bigint, bigint]> = {
  posfix: [0n, 127n],
  negfix: [-32n, -1n],
  u8: [0n, 255n],
  u16: [0n, 65_535n],
  u32: [0n, 4_294_967_295n],
  u64: [0n, 2n ** 64n - 1n],
  i8: [-128n, 127n],
  i16: [-32_768n, 32_767n],
  i32: [-2_147_483_648n, 2_147_483_647n],
  i64: [-(2n ** 63n), 2n ** 63n - 1n],
};

function bytesOf(...parts: (number | number[] | Uint8Array)[]): Uint8Array {
  const out: number[] = [];
  for (const part of parts) {
    if (typeof part === 'number') out.push(part);
    else out.push(...part);
  }
  return Uint8Array.from(out);
}

function be(value: bigint, bytes: number): number[] {
  const out: number[] = [];
  let rest = BigInt.asUintN(bytes * 8, value);
  for (let index = 0; index < bytes; index++) {
    out.unshift(Number(rest & 0xffn));
    rest >>= 8n;
  }
  return out;
}

function sizeHeader(format: SizeFormat, length: number, codes: { fix?: number; fixMax?: number; '8'?: number; '16': number; '32': number }): number[] {
  if (format === 'fix' && codes.fix !== undefined && length <= (codes.fixMax ?? 15)) return [codes.fix | length];
  if ((format === 'fix' || format === '8') && codes['8'] !== undefined && length <= 255) return [codes['8'], length];
  if (format !== '32' && length <= 65_535) return [codes['16'], ...be(BigInt(length), 2)];
  return [codes['32'], ...be(BigInt(length), 4)];
}

function encode(node: Node): Uint8Array {
  switch (node.kind) {
    case 'nil':
      return bytesOf(0xc0);
    case 'bool':
      return bytesOf(node.value ? 0xc3 : 0xc2);
    case 'int': {
      const v = node.value;
      switch (node.format) {
        case 'posfix':
          return bytesOf(Number(v));
        case 'negfix':
          return bytesOf(Number(BigInt.asUintN(8, v)));
        case 'u8':
          return bytesOf(0xcc, be(v, 1));
        case 'u16':
          return bytesOf(0xcd, be(v, 2));
        case 'u32':
          return bytesOf(0xce, be(v, 4));
        case 'u64':
          return bytesOf(0xcf, be(v, 8));
        case 'i8':
          return bytesOf(0xd0, be(v, 1));
        case 'i16':
          return bytesOf(0xd1, be(v, 2));
        case 'i32':
          return bytesOf(0xd2, be(v, 4));
        case 'i64':
          return bytesOf(0xd3, be(v, 8));
      }
      break;
    }
    case 'str': {
      const utf8 = Buffer.from(node.value, 'utf8');
      return bytesOf(sizeHeader(node.format, utf8.length, { fix: 0xa0, fixMax: 31, '8': 0xd9, '16': 0xda, '32': 0xdb }), utf8);
    }
    case 'bin':
      return bytesOf(sizeHeader(node.format, node.value.length, { '8': 0xc4, '16': 0xc5, '32': 0xc6 }), node.value);
    case 'array':
      return bytesOf(sizeHeader(node.format, node.items.length, { fix: 0x90, '16': 0xdc, '32': 0xdd }), ...node.items.map(encode));
    case 'map':
      return bytesOf(
        sizeHeader(node.format, node.entries.length, { fix: 0x80, '16': 0xde, '32': 0xdf }),
        ...node.entries.flatMap(([key, value]) => [encode({ kind: 'str', format: 'fix', value: key }), encode(value)]),
      );
  }
  throw new Error('unreachable');
}

/** The value the decoder should build (64-bit integers come back as numbers; binaries as byte lists). */
function expected(node: Node): unknown {
  switch (node.kind) {
    case 'nil':
      return null;
    case 'bool':
      return node.value;
    case 'int':
      return Number(node.value);
    case 'str':
      return node.value;
    case 'bin':
      return { bin: [...node.value] };
    case 'array':
      return node.items.map(expected);
    case 'map':
      return Object.fromEntries(node.entries.map(([key, value]) => [key, expected(value)]));
  }
}

/** Decoded values with binaries as byte lists, so they compare with `expected`. */
function normalize(value: unknown): unknown {
  if (value instanceof Uint8Array) return { bin: [...value] };
  if (Array.isArray(value)) return value.map(normalize);
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, normalize(item)]));
  return value;
}

const concat = (...parts: Uint8Array[]): Uint8Array => bytesOf(...parts);
const float32 = (value: number): Uint8Array => {
  const buffer = Buffer.alloc(5);
  buffer[0] = 0xca;
  buffer.writeFloatBE(value, 1);
  return buffer;
};
const float64 = (value: number): Uint8Array => {
  const buffer = Buffer.alloc(9);
  buffer[0] = 0xcb;
  buffer.writeDoubleBE(value, 1);
  return buffer;
};
/** { id: "r-1", amount: <raw> } */
const request = (raw: Uint8Array): Uint8Array => concat(bytesOf(0x82, 0xa2), Buffer.from('id'), bytesOf(0xa3), Buffer.from('r-1'), bytesOf(0xa6), Buffer.from('amount'), raw);

const notValid = /not valid MessagePack/;
const floatRefused = /numbers must be integers/;
const extRefused = /extension types are not accepted/;
const trailing = /bytes after its value/;

// ---- arbitraries -------------------------------------------------------------------------------

const intNode: fc.Arbitrary<Node> = fc
  .constantFrom<IntFormat>('posfix', 'negfix', 'u8', 'u16', 'u32', 'u64', 'i8', 'i16', 'i32', 'i64')
  .chain((format) => {
    const [min, max] = intRanges[format];
    return fc.oneof(fc.bigInt({ min, max }), fc.constantFrom(min, max)).map((value): Node => ({ kind: 'int', format, value }));
  });
const sizeFormat = fc.constantFrom<SizeFormat>('fix', '8', '16', '32');
const containerFormat = fc.constantFrom<'fix' | '16' | '32'>('fix', '16', '32');
const key = fc.string({ unit: 'grapheme-ascii', maxLength: 8 }).filter((text) => text !== '__proto__');

const { node: nodeArbitrary } = fc.letrec<{ node: Node; leaf: Node }>((tie) => ({
  leaf: fc.oneof(
    fc.constant<Node>({ kind: 'nil' }),
    fc.boolean().map((value): Node => ({ kind: 'bool', value })),
    intNode,
    fc.record({ format: sizeFormat, value: fc.string({ unit: 'grapheme', maxLength: 40 }) }).map((str): Node => ({ kind: 'str', ...str })),
    fc.record({ format: fc.constantFrom<'8' | '16' | '32'>('8', '16', '32'), value: fc.uint8Array({ maxLength: 20 }) }).map((bin): Node => ({ kind: 'bin', ...bin })),
  ),
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    tie('leaf'),
    fc.record({ format: containerFormat, items: fc.array(tie('node'), { maxLength: 5 }) }).map((array): Node => ({ kind: 'array', ...array })),
    fc.record({ format: containerFormat, entries: fc.uniqueArray(fc.tuple(key, tie('node')), { maxLength: 5, selector: ([name]) => name }) }).map((map): Node => ({ kind: 'map', ...map })),
  ),
}));

/** Something the protocol refuses, to hide inside a valid body. */
const poison: fc.Arbitrary<{ bytes: Uint8Array; message: RegExp }> = fc.oneof(
  fc.double({ noNaN: false }).filter((value) => !Number.isInteger(value) || Math.abs(value) < 2 ** 32).map((value) => ({ bytes: float64(value), message: floatRefused })),
  fc.float().map((value) => ({ bytes: float32(value), message: floatRefused })),
  fc.record({ code: fc.constantFrom(0xd4, 0xd5, 0xd6, 0xd7, 0xd8), type: fc.integer({ min: 0, max: 255 }) }).map(({ code, type }) => ({ bytes: bytesOf(code, type, new Array<number>(2 ** (code - 0xd4)).fill(7)), message: extRefused })),
  fc.record({ code: fc.constantFrom(0xc7, 0xc8, 0xc9), length: fc.integer({ min: 0, max: 20 }), type: fc.integer({ min: 0, max: 255 }) }).map(({ code, length, type }) => ({
    bytes: bytesOf(code, be(BigInt(length), code === 0xc7 ? 1 : code === 0xc8 ? 2 : 4), type, new Array<number>(length).fill(1)),
    message: extRefused,
  })),
);

// ---- msgpackProblem ----------------------------------------------------------------------------

describe('msgpackProblem: integers, strings, binaries, arrays and maps in every width are accepted', () => {
  const ints: [string, number[]][] = [
    ['positive fixint 0', [0x00]],
    ['positive fixint 127', [0x7f]],
    ['negative fixint -1', [0xff]],
    ['negative fixint -32', [0xe0]],
    ['uint8', [0xcc, 0xff]],
    ['uint16', [0xcd, 0xff, 0xff]],
    ['uint32', [0xce, 0xff, 0xff, 0xff, 0xff]],
    ['uint64 (max)', [0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]],
    ['uint64 holding a small number', [0xcf, 0, 0, 0, 0, 0, 0, 0x9c, 0x40]],
    ['int8', [0xd0, 0x80]],
    ['int16', [0xd1, 0x80, 0x00]],
    ['int32', [0xd2, 0x80, 0, 0, 0]],
    ['int64 (min)', [0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0]],
    ['int64 holding a small number', [0xd3, 0, 0, 0, 0, 0, 0, 0x9c, 0x40]],
  ];
  for (const [name, raw] of ints) {
    it(name, () => {
      const body = request(bytesOf(raw));
      expect(msgpackProblem(body)).toBeUndefined();
      expect(decodeBody(body, 'msgpack')).toMatchObject({ ok: true, value: { id: 'r-1' } });
    });
  }

  it('small values in wide integer formats decode to the same numbers', () => {
    for (const format of ['u8', 'u16', 'u32', 'u64', 'i8', 'i16', 'i32', 'i64'] as const) {
      const body = encode({ kind: 'map', format: 'fix', entries: [['amount', { kind: 'int', format, value: 100n }]] });
      expect(decodeBody(body, 'msgpack'), format).toEqual({ ok: true, value: { amount: 100 } });
    }
    expect(decodeBody(encode({ kind: 'int', format: 'u64', value: 9_007_199_254_740_991n }), 'msgpack')).toEqual({ ok: true, value: 9_007_199_254_740_991 });
    expect(decodeBody(encode({ kind: 'int', format: 'i64', value: -5n }), 'msgpack')).toEqual({ ok: true, value: -5 });
  });

  const containers: [string, Node, unknown][] = [
    ['fixstr', { kind: 'str', format: 'fix', value: 'AI95' }, 'AI95'],
    ['str8', { kind: 'str', format: '8', value: 'AI95' }, 'AI95'],
    ['str16', { kind: 'str', format: '16', value: 'АИ-95' }, 'АИ-95'],
    ['str32', { kind: 'str', format: '32', value: '' }, ''],
    ['str8 of 255 bytes', { kind: 'str', format: '8', value: 'x'.repeat(255) }, 'x'.repeat(255)],
    ['str16 of 70 000 bytes (str32)', { kind: 'str', format: '16', value: 'y'.repeat(70_000) }, 'y'.repeat(70_000)],
    ['bin8', { kind: 'bin', format: '8', value: Uint8Array.from([1, 2, 3]) }, { bin: [1, 2, 3] }],
    ['bin16', { kind: 'bin', format: '16', value: Uint8Array.from([]) }, { bin: [] }],
    ['bin32', { kind: 'bin', format: '32', value: Uint8Array.from([255]) }, { bin: [255] }],
    ['array16', { kind: 'array', format: '16', items: [{ kind: 'nil' }, { kind: 'bool', value: true }] }, [null, true]],
    ['array32', { kind: 'array', format: '32', items: [{ kind: 'int', format: 'posfix', value: 1n }] }, [1]],
    ['empty array32', { kind: 'array', format: '32', items: [] }, []],
    ['map16', { kind: 'map', format: '16', entries: [['a', { kind: 'bool', value: false }]] }, { a: false }],
    ['map32', { kind: 'map', format: '32', entries: [['a', { kind: 'int', format: 'u64', value: 1n }], ['b', { kind: 'str', format: '32', value: 'c' }]] }, { a: 1, b: 'c' }],
    ['array16 of 20 000 items', { kind: 'array', format: '16', items: Array.from({ length: 20_000 }, (): Node => ({ kind: 'nil' })) }, new Array<null>(20_000).fill(null)],
  ];
  for (const [name, node, value] of containers) {
    it(name, () => {
      const body = encode(node);
      expect(msgpackProblem(body)).toBeUndefined();
      const decoded = decodeBody(body, 'msgpack');
      expect(decoded.ok).toBe(true);
      if (decoded.ok) expect(normalize(decoded.value)).toEqual(value);
    });
  }

  it('any tree of nil, booleans, integers, strings, binaries, arrays and maps, in any widths, is accepted and decodes to its value', () => {
    fc.assert(
      fc.property(nodeArbitrary, (node) => {
        const body = encode(node);
        expect(msgpackProblem(body)).toBeUndefined();
        const decoded = decodeBody(body, 'msgpack');
        expect(decoded.ok).toBe(true);
        if (decoded.ok) expect(normalize(decoded.value)).toEqual(expected(node));
      }),
    );
  });

  it('bodies written by msgpackr (the engine’s own encoder) are accepted', () => {
    const packr = new Packr({ useRecords: false });
    const body = packr.pack({ id: 'r-1', card: '7005000000000017', pin: '1234', product: 'AI95', volume: 40_000, amount: 2 ** 40, nested: { list: [1, -1, 300, -300, 70_000, -70_000, 2 ** 31, 4_294_967_295, null, true, 'x'] } });
    expect(msgpackProblem(body)).toBeUndefined();
  });
});

describe('msgpackProblem: floats are refused', () => {
  const table: [string, Uint8Array][] = [
    ['float32 1.5', float32(1.5)],
    ['float32 1000.0', float32(1000)],
    ['float32 0.0', float32(0)],
    ['float64 12.5', float64(12.5)],
    ['float64 1000.0 (an integral value, still a float)', float64(1000)],
    ['float64 0.0', float64(0)],
    ['float64 -0.0', float64(-0)],
    ['float64 -1.0E2', float64(-100)],
    ['float64 2^32 − 1 (integral, below the 2^32 exception)', float64(2 ** 32 - 1)],
    ['float64 2^32 + 0.5', float64(2 ** 32 + 0.5)],
    ['float64 NaN', float64(Number.NaN)],
    ['float64 Infinity', float64(Number.POSITIVE_INFINITY)],
    ['float64 -Infinity', float64(Number.NEGATIVE_INFINITY)],
  ];
  for (const [name, raw] of table) {
    it(name, () => {
      expect(msgpackProblem(request(raw))).toMatch(floatRefused);
      expect(msgpackProblem(raw)).toMatch(floatRefused);
      // The reply can still echo the request id.
      expect(decodeBody(request(raw), 'msgpack')).toMatchObject({ ok: false, message: expect.stringMatching(floatRefused) as unknown, readable: { id: 'r-1' } });
    });
  }

  it('the documented exception: an integral float64 of magnitude ≥ 2^32 reads as that integer (how JavaScript encoders write large numbers)', () => {
    expect(msgpackProblem(request(float64(2 ** 32)))).toBeUndefined();
    expect(msgpackProblem(request(float64(-(2 ** 40))))).toBeUndefined();
    expect(decodeBody(request(float64(2 ** 40)), 'msgpack')).toEqual({ ok: true, value: { id: 'r-1', amount: 2 ** 40 } });
  });

  it('a float anywhere in any valid body is refused', () => {
    fc.assert(
      fc.property(nodeArbitrary, nodeArbitrary, poison, fc.nat(3), (before, after, bad, depth) => {
        let inner = bad.bytes;
        for (let level = 0; level < depth; level++) inner = concat(bytesOf(0x91), inner); // [[[bad]]]
        const body = concat(bytesOf(0x93), encode(before), inner, encode(after));
        expect(msgpackProblem(body)).toMatch(bad.message);
        const inMap = concat(bytesOf(0x82, 0xa1, 0x61), encode(before), bytesOf(0xa1, 0x62), inner);
        expect(msgpackProblem(inMap)).toMatch(bad.message);
      }),
    );
  });
});

describe('msgpackProblem: extension types are refused', () => {
  const table: [string, number[]][] = [
    ['fixext1', [0xd4, 0x01, 0x00]],
    ['fixext2', [0xd5, 0x01, 0x00, 0x00]],
    ['fixext4 (timestamp 32)', [0xd6, 0xff, 0, 0, 0, 0]],
    ['fixext8 (timestamp 64)', [0xd7, 0xff, 0, 0, 0, 0, 0, 0, 0, 0]],
    ['fixext16', [0xd8, 0x05, ...new Array<number>(16).fill(0)]],
    ['ext8', [0xc7, 0x02, 0x05, 0xaa, 0xbb]],
    ['ext8 of length 0', [0xc7, 0x00, 0x05]],
    ['ext16', [0xc8, 0x00, 0x01, 0x05, 0xaa]],
    ['ext32 (timestamp 96)', [0xc9, 0, 0, 0, 12, 0xff, ...new Array<number>(12).fill(0)]],
  ];
  for (const [name, raw] of table) {
    it(name, () => {
      expect(msgpackProblem(request(bytesOf(raw)))).toMatch(extRefused);
      expect(msgpackProblem(bytesOf(raw))).toMatch(extRefused);
      expect(decodeBody(request(bytesOf(raw)), 'msgpack')).toMatchObject({ ok: false, message: expect.stringMatching(extRefused) as unknown });
    });
  }

  it('the never-used byte 0xc1 is refused', () => {
    expect(msgpackProblem(request(bytesOf(0xc1)))).toBeDefined();
    expect(decodeBody(request(bytesOf(0xc1)), 'msgpack').ok).toBe(false);
  });
});

describe('msgpackProblem: trailing bytes and truncated input', () => {
  it('a byte after the value is refused', () => {
    expect(msgpackProblem(concat(request(bytesOf(0x05)), bytesOf(0x00)))).toMatch(trailing);
    expect(msgpackProblem(concat(request(bytesOf(0x05)), request(bytesOf(0x05))))).toMatch(trailing);
    expect(msgpackProblem(bytesOf(0xc0, 0xc0))).toMatch(trailing);
    expect(decodeBody(concat(request(bytesOf(0x05)), bytesOf(0x00)), 'msgpack')).toMatchObject({ ok: false, message: expect.stringMatching(trailing) as unknown });
  });

  it('any valid body followed by anything is refused', () => {
    fc.assert(
      fc.property(nodeArbitrary, fc.uint8Array({ minLength: 1, maxLength: 10 }), (node, extra) => {
        expect(msgpackProblem(concat(encode(node), extra))).toMatch(trailing);
      }),
    );
  });

  const truncated: [string, number[]][] = [
    ['an empty body', []],
    ['uint16 missing a byte', [0xcd, 0x01]],
    ['uint64 missing a byte', [0xcf, 0, 0, 0, 0, 0, 0, 0]],
    ['int32 missing its bytes', [0xd2]],
    ['str8 without its length', [0xd9]],
    ['str8 shorter than its length', [0xd9, 0x05, 0x61, 0x62]],
    ['str16 shorter than its length', [0xda, 0x01, 0x00, 0x61]],
    ['str32 claiming 4 GB', [0xdb, 0xff, 0xff, 0xff, 0xff, 0x61]],
    ['bin32 claiming 4 GB', [0xc6, 0xff, 0xff, 0xff, 0xff]],
    ['bin16 without its length', [0xc5, 0x00]],
    ['fixarray missing items', [0x93, 0x01, 0x02]],
    ['array16 missing items', [0xdc, 0x00, 0x03, 0x01]],
    ['array32 claiming 4 billion items', [0xdd, 0xff, 0xff, 0xff, 0xff, 0xc0]],
    ['map16 missing a value', [0xde, 0x00, 0x01, 0xa1, 0x61]],
    ['map32 claiming 4 billion entries', [0xdf, 0xff, 0xff, 0xff, 0xff]],
    ['fixmap missing a value', [0x81, 0xa1, 0x61]],
    ['float64 missing bytes', [0xcb, 0x40, 0x29]],
  ];
  for (const [name, raw] of truncated) {
    it(`${name} is not valid`, () => {
      expect(msgpackProblem(bytesOf(raw))).toMatch(notValid);
      expect(decodeBody(bytesOf(raw), 'msgpack').ok).toBe(false);
    });
  }

  it('one byte at a time: every strict prefix of a valid body is invalid (a realistic request)', () => {
    const body = concat(
      bytesOf(0x87),
      encode({ kind: 'str', format: 'fix', value: 'id' }),
      encode({ kind: 'str', format: '8', value: 'req-000001' }),
      encode({ kind: 'str', format: 'fix', value: 'card' }),
      encode({ kind: 'str', format: '16', value: '7005000000000017' }),
      encode({ kind: 'str', format: 'fix', value: 'volume' }),
      encode({ kind: 'int', format: 'u32', value: 40_000n }),
      encode({ kind: 'str', format: 'fix', value: 'amount' }),
      encode({ kind: 'int', format: 'u64', value: 9_007_199_254_740_991n }),
      encode({ kind: 'str', format: 'fix', value: 'at' }),
      float64(2 ** 40),
      encode({ kind: 'str', format: 'fix', value: 'lines' }),
      encode({ kind: 'array', format: '32', items: [{ kind: 'map', format: '16', entries: [['qty', { kind: 'int', format: 'i64', value: -1n }], ['blob', { kind: 'bin', format: '32', value: Uint8Array.from([1, 2]) }]] }] }),
      encode({ kind: 'str', format: '32', value: 'pin' }),
      encode({ kind: 'nil' }),
    );
    expect(msgpackProblem(body)).toBeUndefined();
    for (let length = 0; length < body.length; length++) {
      expect(msgpackProblem(body.subarray(0, length)), `prefix of ${length} of ${body.length} bytes`).toMatch(notValid);
    }
  });

  it('one byte at a time: every strict prefix of any valid body is invalid', () => {
    fc.assert(
      fc.property(nodeArbitrary, (node) => {
        const body = encode(node);
        for (let length = 0; length < body.length; length++) {
          expect(msgpackProblem(body.subarray(0, length)), `prefix of ${length} of ${body.length} bytes`).toMatch(notValid);
          expect(decodeBody(body.subarray(0, length), 'msgpack').ok).toBe(false);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('a scan reads a body at an offset inside a larger buffer', () => {
    const backing = concat(bytesOf(0xff, 0xff), encode({ kind: 'array', format: 'fix', items: [{ kind: 'int', format: 'u16', value: 300n }] }), bytesOf(0xcb));
    const view = backing.subarray(2, backing.length - 1);
    expect(msgpackProblem(view)).toBeUndefined();
    expect(decodeBody(view, 'msgpack')).toEqual({ ok: true, value: [300] });
  });
});

describe('msgpackProblem: deep nesting', () => {
  const nested = (depth: number, open: number[], leaf: number[]): Uint8Array => {
    const bytes = new Uint8Array(depth * open.length + leaf.length);
    for (let level = 0; level < depth; level++) bytes.set(open, level * open.length);
    bytes.set(leaf, depth * open.length);
    return bytes;
  };

  it('a moderately nested body decodes', () => {
    const body = nested(500, [0x91], [0x01]);
    expect(msgpackProblem(body)).toBeUndefined();
    const decoded = decodeBody(body, 'msgpack');
    expect(decoded.ok).toBe(true);
    let value = decoded.ok ? decoded.value : undefined;
    for (let level = 0; level < 500; level++) value = (value as unknown[])[0];
    expect(value).toBe(1);
  });

  it('the scanner walks 200 000 levels of arrays and maps without recursion', () => {
    expect(msgpackProblem(nested(200_000, [0x91], [0xc0]))).toBeUndefined();
    expect(msgpackProblem(nested(200_000, [0x81, 0xa1, 0x6b], [0xc0]))).toBeUndefined();
    expect(msgpackProblem(nested(200_000, [0xdc, 0x00, 0x01], [0xc0]))).toBeUndefined();
    expect(msgpackProblem(nested(200_000, [0x91], []))).toMatch(notValid);
    expect(msgpackProblem(nested(200_000, [0x91], [0xcb, 0x40, 0x29, 0, 0, 0, 0, 0, 0]))).toMatch(floatRefused);
    expect(msgpackProblem(nested(200_000, [0x91], [0xd4, 0x01, 0x00]))).toMatch(extRefused);
  });

  it('decoding a body nested too deep for the decoder is a clean refusal, not a crash', () => {
    for (const body of [nested(200_000, [0x91], [0xc0]), nested(200_000, [0x81, 0xa1, 0x6b], [0xc0])]) {
      let decoded: ReturnType<typeof decodeBody> | undefined;
      expect(() => {
        decoded = decodeBody(body, 'msgpack');
      }).not.toThrow();
      expect(typeof decoded?.ok).toBe('boolean');
    }
  });
});

// ---- jsonNumberProblem -------------------------------------------------------------------------

describe('jsonNumberProblem: fractions and exponents outside strings', () => {
  const refused = ['{"amount":1e3}', '{"amount":12.5}', '{"amount":-1.0E2}', '{"amount":1E+3}', '{"amount":5e-1}', '{"amount":0.0}', '[1, 2, 3.0]', '1.5', '-0.5', '{"a":{"b":[{"c":1e0}]}}', '{"id":"x\\\\","amount":1.5}', '{"id":"x\\"","amount":1.5}'];
  for (const text of refused) {
    it(`refuses ${text}`, () => {
      expect(JSON.parse(text)).toBeDefined(); // valid JSON, but not integers only
      expect(jsonNumberProblem(text)).toMatch(/integers/);
    });
  }

  const accepted = [
    '{"amount":1000}',
    '{"amount":-12}',
    '{"id":"1.5"}',
    '{"id":"1e3","card":"E.5"}',
    '{"id":"a\\"1.5\\"b","amount":10}',
    '{"id":"\\\\","amount":10}',
    '{"id":"\\u0022 2.5 \\u0022","amount":10}',
    '{"ok":true,"no":false,"x":null,"e":1}',
    '{"e1.5":"e2.5"}',
    '[]',
    '0',
  ];
  for (const text of accepted) {
    it(`accepts ${text}`, () => {
      expect(JSON.parse(text)).toBeDefined();
      expect(jsonNumberProblem(text)).toBeUndefined();
    });
  }

  const integersOnly = fc.letrec<{ value: unknown }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small' },
      fc.integer(),
      fc.maxSafeInteger(),
      fc.string({ unit: 'binary' }),
      fc.boolean(),
      fc.constant(null),
      fc.array(tie('value'), { maxLength: 5 }),
      fc.dictionary(fc.string({ unit: 'binary' }), tie('value'), { maxKeys: 5 }),
    ),
  })).value;

  it('property: JSON of integers, any strings, booleans and null has no problem', () => {
    fc.assert(
      fc.property(integersOnly, (value) => {
        expect(jsonNumberProblem(JSON.stringify(value))).toBeUndefined();
      }),
    );
  });

  it('property: one non-integral (or exponent-written) number anywhere is found', () => {
    fc.assert(
      fc.property(integersOnly, fc.double({ noNaN: true, noDefaultInfinity: true }).filter((value) => !Number.isInteger(value) || /[.eE]/.test(JSON.stringify(value))), fc.boolean(), (value, number, first) => {
        const text = JSON.stringify(first ? [number, value] : { value, number });
        expect(jsonNumberProblem(text)).toMatch(/integers/);
      }),
    );
  });
});

// ---- decodeBody / encodeBody -------------------------------------------------------------------

describe('decodeBody and encodeBody', () => {
  const reply = { id: 'r-1', result: 'approved', reason: 'OK', authId: 'h.YWNjdA.1', approvedAmount: 239_960, approvedVolume: 40_000, price: 5_999, discount: 0, expiresAt: 1_773_219_600_000, limits: [{ period: 'day', kind: 'volume', limit: 200_000, used: 0, remaining: 200_000 }] };

  it('round-trips a reply in MessagePack and in JSON', () => {
    expect(decodeBody(encodeBody(reply, 'msgpack'), 'msgpack')).toEqual({ ok: true, value: reply });
    expect(decodeBody(encodeBody(reply, 'json'), 'json')).toEqual({ ok: true, value: reply });
  });

  it('property: round-trips requests of integers (up to 2^53 − 1), strings, booleans, null, arrays and maps', () => {
    const value = fc.letrec<{ value: unknown }>((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        fc.integer({ min: -(2 ** 31), max: 2 ** 31 }),
        fc.maxSafeNat(),
        fc.string({ unit: 'grapheme' }),
        fc.boolean(),
        fc.constant(null),
        fc.array(tie('value'), { maxLength: 5 }),
        fc.dictionary(fc.string({ unit: 'grapheme-ascii', minLength: 1 }).filter((name) => name !== '__proto__'), tie('value'), { maxKeys: 5 }),
      ),
    })).value;
    fc.assert(
      fc.property(value, (body) => {
        expect(decodeBody(encodeBody(body, 'msgpack'), 'msgpack')).toEqual({ ok: true, value: body });
        expect(decodeBody(encodeBody(body, 'json'), 'json')).toEqual({ ok: true, value: body });
      }),
    );
  });

  it('JSON: a float is refused but the id stays readable; broken text and bad UTF-8 are refused', () => {
    expect(decodeBody(Buffer.from('{"id":"r-1","amount":12.5}'), 'json')).toMatchObject({ ok: false, readable: { id: 'r-1', amount: 12.5 } });
    expect(decodeBody(Buffer.from('{"id":"r-1","amount":1e3}'), 'json')).toMatchObject({ ok: false, message: expect.stringMatching(/integers/) as unknown });
    expect(decodeBody(Buffer.from('{"id":'), 'json')).toEqual({ ok: false, message: 'the body is not valid JSON' });
    expect(decodeBody(Uint8Array.from([0x7b, 0xff, 0x7d]), 'json')).toEqual({ ok: false, message: 'the body is not valid JSON' });
    expect(decodeBody(new Uint8Array(), 'json')).toEqual({ ok: false, message: 'the body is not valid JSON' });
  });

  it('MessagePack: malformed bodies are refused with a message and no value', () => {
    for (const body of [new Uint8Array(), bytesOf(0xc1), bytesOf(0x92, 0x01), bytesOf(0xd4, 0x01, 0x00)]) {
      const decoded = decodeBody(body, 'msgpack');
      expect(decoded.ok).toBe(false);
      expect(decoded).not.toHaveProperty('readable');
    }
  });
});
