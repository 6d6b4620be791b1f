import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { decodeBody, jsonNumberProblem, msgpackProblem } from './codec.js';

const packr = new Packr({ useRecords: false });
const float64 = (value: number): Buffer => {
  const buffer = Buffer.alloc(9);
  buffer[0] = 0xcb;
  buffer.writeDoubleBE(value, 1);
  return buffer;
};
/** { id: "x", amount: <raw value bytes> } */
const withAmount = (raw: Buffer): Buffer => Buffer.concat([Buffer.from([0x82, 0xa2]), Buffer.from('id'), Buffer.from([0xa1]), Buffer.from('x'), Buffer.from([0xa6]), Buffer.from('amount'), raw]);

describe('msgpack scanner', () => {
  it('accepts integers of every width, strings, binaries, arrays and maps', () => {
    const ints = [Buffer.from([0x05]), Buffer.from([0xe0]), Buffer.from([0xcc, 200]), Buffer.from([0xcd, 1, 0]), Buffer.from([0xce, 0, 1, 0, 0]), Buffer.from([0xcf, 0, 0, 0, 0, 0, 0, 1, 0]), Buffer.from([0xd0, 0x80]), Buffer.from([0xd1, 0, 1]), Buffer.from([0xd2, 0, 0, 0, 1]), Buffer.from([0xd3, 0, 0, 0, 0, 0, 0, 0, 1])];
    for (const raw of ints) expect(msgpackProblem(withAmount(raw))).toBeUndefined();
    const body = packr.pack({ id: 'x'.repeat(300), list: Array.from({ length: 20 }, (_, index) => index), nested: { deep: { deeper: [1, { a: 'b' }] } }, blob: Buffer.alloc(70_000), text: 'y'.repeat(70_000) });
    expect(msgpackProblem(body)).toBeUndefined();
  });

  it('reads an integral float64 of at least 2^32 as an integer (how msgpackr writes large numbers)', () => {
    expect(msgpackProblem(withAmount(float64(2 ** 32)))).toBeUndefined();
    expect(msgpackProblem(withAmount(float64(100_000_000_000)))).toBeUndefined();
    expect(msgpackProblem(withAmount(float64(2 ** 32 - 1)))).toMatch(/integers/);
    expect(msgpackProblem(withAmount(float64(2 ** 32 + 0.5)))).toMatch(/integers/);
    expect(decodeBody(packr.pack({ id: 'x', amount: 100_000_000_000 }), 'msgpack')).toEqual({ ok: true, value: { id: 'x', amount: 100_000_000_000 } });
  });

  it('refuses floats (also an integral 1000.0), extension types and trailing bytes', () => {
    expect(msgpackProblem(withAmount(float64(12.5)))).toMatch(/integers/);
    expect(msgpackProblem(withAmount(float64(1000)))).toMatch(/integers/);
    expect(msgpackProblem(withAmount(Buffer.from([0xca, 0x44, 0x7a, 0, 0])))).toMatch(/integers/);
    for (const ext of [[0xd4, 1, 0], [0xd5, 1, 0, 0], [0xc7, 1, 1, 0], [0xd6, 0xff, 0, 0, 0, 0]]) expect(msgpackProblem(withAmount(Buffer.from(ext)))).toMatch(/extension/);
    expect(msgpackProblem(Buffer.concat([packr.pack({ id: 'x' }), Buffer.from([0x01])]))).toMatch(/after its value/);
  });

  it('reports every strict prefix of a valid body as invalid (one byte at a time)', () => {
    const body = packr.pack({ id: 'r-1', card: '7005000000000017', product: 'AI95', volume: 40_000, amount: 2 ** 40, list: [1, 'two', { three: 3 }] });
    expect(msgpackProblem(body)).toBeUndefined();
    for (let length = 0; length < body.length; length++) expect(msgpackProblem(body.subarray(0, length)), `prefix of ${length} bytes`).toBeDefined();
  });

  it('keeps the readable request id of a body refused for a float', () => {
    const decoded = decodeBody(withAmount(float64(12.5)), 'msgpack');
    expect(decoded).toMatchObject({ ok: false, readable: { id: 'x' } });
  });

  it('refuses a map header that claims more entries than bytes exist', () => {
    expect(msgpackProblem(Buffer.from([0xdf, 0xff, 0xff, 0xff, 0xff]))).toBeDefined();
  });
});

describe('JSON numbers', () => {
  it('refuses fractions and exponents outside strings', () => {
    expect(jsonNumberProblem('{"amount":1e3}')).toBeDefined();
    expect(jsonNumberProblem('{"amount":12.5}')).toBeDefined();
    expect(jsonNumberProblem('{"amount":-1.0E2}')).toBeDefined();
    expect(jsonNumberProblem('{"amount":1000,"id":"1.5e3 \\" 2.5","ok":true,"no":false,"x":null}')).toBeUndefined();
  });
  it('decodes JSON and keeps the id when refusing', () => {
    expect(decodeBody(Buffer.from('{"id":"a","amount":10}'), 'json')).toEqual({ ok: true, value: { id: 'a', amount: 10 } });
    expect(decodeBody(Buffer.from('{"id":"a","amount":1e3}'), 'json')).toMatchObject({ ok: false, readable: { id: 'a' } });
    expect(decodeBody(Buffer.from('{"id":'), 'json')).toMatchObject({ ok: false });
    expect(decodeBody(Buffer.from([0xff, 0xfe]), 'json')).toMatchObject({ ok: false });
  });
});
