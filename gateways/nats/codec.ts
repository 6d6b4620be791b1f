// The wire codec of the terminal protocol: MessagePack maps (or JSON when the request says so).
// Before decoding, a body is scanned for what the protocol forbids and a decoder would hide:
// floating-point numbers (12.5, but also 1e3 or 1000.0, which decode to integers) and extension
// types. Integers of any width are accepted; those beyond 2^53−1 fail validation afterwards.
// One exception: an integral float64 of magnitude ≥ 2^32 is read as the integer it is, because
// JavaScript MessagePack encoders write every number beyond 32 bits that way.

import { Packr, Unpackr } from 'msgpackr';

const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType: 'number', moreTypes: false });
const packr = new Packr({ useRecords: false, variableMapSize: true });

export type Encoding = 'msgpack' | 'json';

const floatProblem = 'numbers must be integers (a float was sent)';

/** A refused body may still carry a readable value (e.g. a float somewhere), so the reply can echo its id. */
export type Decoded = { ok: true; value: unknown } | { ok: false; message: string; readable?: unknown };

export function decodeBody(body: Uint8Array, encoding: Encoding): Decoded {
  try {
    if (encoding === 'json') {
      const text = new TextDecoder('utf-8', { fatal: true }).decode(body);
      const value = JSON.parse(text) as unknown;
      const problem = jsonNumberProblem(text);
      return problem ? { ok: false, message: problem, readable: value } : { ok: true, value };
    }
    const problem = msgpackProblem(body);
    if (problem === floatProblem) return { ok: false, message: problem, readable: unpackr.unpack(body) as unknown };
    if (problem) return { ok: false, message: problem };
    return { ok: true, value: unpackr.unpack(body) as unknown };
  } catch {
    return { ok: false, message: `the body is not valid ${encoding === 'json' ? 'JSON' : 'MessagePack'}` };
  }
}

export function encodeBody(value: unknown, encoding: Encoding): Uint8Array {
  return encoding === 'json' ? Buffer.from(JSON.stringify(value)) : packr.pack(value);
}

/** Finds numbers written with a fraction or exponent in JSON text (outside strings). */
export function jsonNumberProblem(text: string): string | undefined {
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const char = text.charCodeAt(index);
    if (inString) {
      if (char === 0x5c) index++;
      else if (char === 0x22) inString = false;
      continue;
    }
    if (char === 0x22) inString = true;
    else if (char === 0x2e || char === 0x65 || char === 0x45) {
      // '.', 'e' or 'E' outside a string can only belong to a number (or to true/false/null: 'e').
      const previous = text.charCodeAt(index - 1);
      if (previous >= 0x30 && previous <= 0x39) return 'numbers must be integers (no fraction or exponent)';
    }
  }
  return undefined;
}

/**
 * Walks a MessagePack body and reports floats, extension types and trailing bytes.
 * Returns undefined when the structure is acceptable (the decoder then builds the value).
 */
export function msgpackProblem(bytes: Uint8Array): string | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 0;
  let pending = 1; // values still to read
  const need = (count: number): void => {
    if (offset + count > bytes.length) throw new RangeError('truncated');
  };
  try {
    while (pending > 0) {
      pending--;
      need(1);
      const type = bytes[offset++] as number;
      if (type <= 0x7f || type >= 0xe0 || type === 0xc0 || type === 0xc2 || type === 0xc3) continue;
      if (type >= 0x80 && type <= 0x8f) pending += (type & 0x0f) * 2;
      else if (type >= 0x90 && type <= 0x9f) pending += type & 0x0f;
      else if (type >= 0xa0 && type <= 0xbf) skip(type & 0x1f);
      else
        switch (type) {
          case 0xca:
            return floatProblem;
          case 0xcb: {
            // JavaScript encoders (msgpackr) write integers beyond 32 bits as float64; those are
            // integers to the sender. Any other float — 12.5, or 1000.0 from a float literal — is refused.
            need(8);
            const value = view.getFloat64(offset);
            if (!Number.isInteger(value) || Math.abs(value) < 2 ** 32) return floatProblem;
            offset += 8;
            break;
          }
          case 0xc4:
          case 0xd9:
            need(1);
            skip(bytes[offset++] as number);
            break;
          case 0xc5:
          case 0xda:
            need(2);
            offset += 2;
            skip(view.getUint16(offset - 2));
            break;
          case 0xc6:
          case 0xdb:
            need(4);
            skip32();
            break;
          case 0xcc:
          case 0xd0:
            skip(1);
            break;
          case 0xcd:
          case 0xd1:
            skip(2);
            break;
          case 0xce:
          case 0xd2:
            skip(4);
            break;
          case 0xcf:
          case 0xd3:
            skip(8);
            break;
          case 0xdc:
            need(2);
            pending += view.getUint16(offset);
            offset += 2;
            break;
          case 0xdd:
            need(4);
            pending += view.getUint32(offset);
            offset += 4;
            break;
          case 0xde:
            need(2);
            pending += view.getUint16(offset) * 2;
            offset += 2;
            break;
          case 0xdf:
            need(4);
            pending += view.getUint32(offset) * 2;
            offset += 4;
            break;
          default:
            return 'extension types are not accepted';
        }
      if (pending > bytes.length) return 'the body is not valid MessagePack';
    }
  } catch {
    return 'the body is not valid MessagePack';
  }
  return offset === bytes.length ? undefined : 'the body has bytes after its value';

  function skip(count: number): void {
    need(count);
    offset += count;
  }
  function skip32(): void {
    const length = view.getUint32(offset);
    offset += 4;
    need(length);
    offset += length;
  }
}
