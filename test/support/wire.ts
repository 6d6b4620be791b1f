// The terminal protocol as an outside client speaks it: NATS request-reply on
// `tessera.v1.term.<terminal>.<op>`, MessagePack (or JSON) bodies, plus hand-built MessagePack for
// encodings an ordinary encoder would not produce (floats that hold integers, 64-bit integers).

import { headers as natsHeaders } from 'nats';
import type { NatsConnection } from 'nats';
import { pack, unpack } from 'msgpackr';

export const prefix = 'tessera';

export type Body = Record<string, unknown>;

export interface WireReply {
  /** The reply exactly as received. */
  bytes: Uint8Array;
  /** The decoded reply. */
  body: Body;
  /** The reply's Content-Type header, if any. */
  contentType: string | undefined;
}

export interface CallOptions {
  /** Send JSON with `Content-Type: application/json` (the reply is then JSON too). */
  json?: boolean;
  timeoutMs?: number;
}

export function subjectOf(terminal: string, op: string): string {
  return `${prefix}.v1.term.${terminal}.${op}`;
}

/** Encodes a request body: MessagePack by default, JSON when asked; raw bytes are sent as they are. */
export function encodeRequest(body: Body | Uint8Array, json = false): Uint8Array {
  if (body instanceof Uint8Array) return body;
  return json ? Buffer.from(JSON.stringify(body)) : pack(body);
}

export function decodeReply(bytes: Uint8Array, json: boolean): Body {
  const value: unknown = json ? JSON.parse(Buffer.from(bytes).toString('utf8')) : unpack(bytes);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`the reply is not a map: ${JSON.stringify(value)}`);
  return value as Body;
}

/** One request-reply with a terminal operation. */
export async function call(nc: NatsConnection, terminal: string, op: string, body: Body | Uint8Array, options: CallOptions = {}): Promise<WireReply> {
  const json = options.json ?? false;
  const requestHeaders = json ? natsHeaders() : undefined;
  requestHeaders?.set('Content-Type', 'application/json');
  const message = await nc.request(subjectOf(terminal, op), encodeRequest(body, json), {
    timeout: options.timeoutMs ?? 10_000,
    ...(requestHeaders ? { headers: requestHeaders } : {}),
  });
  const contentType = message.headers?.get('Content-Type') || undefined;
  return { bytes: message.data, body: decodeReply(message.data, json), contentType };
}

// ---- hand-built MessagePack --------------------------------------------------------------------

/** Bytes placed as they are into a hand-built map. */
export class RawValue {
  constructor(readonly bytes: Uint8Array) {}
}

/** A float64 (0xcb) holding `value`, even when it is an integer. */
export function float64(value: number): RawValue {
  const bytes = Buffer.alloc(9);
  bytes[0] = 0xcb;
  bytes.writeDoubleBE(value, 1);
  return new RawValue(bytes);
}

/** A uint64 (0xcf) holding `value`. */
export function uint64(value: bigint): RawValue {
  const bytes = Buffer.alloc(9);
  bytes[0] = 0xcf;
  bytes.writeBigUInt64BE(value, 1);
  return new RawValue(bytes);
}

/** A uint32 (0xce) holding `value`. */
export function uint32(value: number): RawValue {
  const bytes = Buffer.alloc(5);
  bytes[0] = 0xce;
  bytes.writeUInt32BE(value, 1);
  return new RawValue(bytes);
}

/** A MessagePack map (map16) whose values are packed normally, or placed raw when a RawValue. */
export function msgpackMap(entries: Record<string, unknown>): Uint8Array {
  const keys = Object.keys(entries);
  const header = Buffer.alloc(3);
  header[0] = 0xde;
  header.writeUInt16BE(keys.length, 1);
  const parts: Uint8Array[] = [header];
  for (const key of keys) {
    parts.push(pack(key));
    const value = entries[key];
    parts.push(value instanceof RawValue ? value.bytes : pack(value));
  }
  return Buffer.concat(parts);
}

let counter = 0;
/** A request id unique within this process run. */
export function uniqueId(label: string): string {
  counter++;
  return `${label}-${process.pid.toString(36)}-${counter.toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/** A message seen on a subject (events, pushed price lists), decoded. */
export interface Captured {
  subject: string;
  bytes: Uint8Array;
  body: Body;
}

/** Collects every message on `subject` into `into`. */
export function capture(nc: NatsConnection, subject: string, into: Captured[]): void {
  nc.subscribe(subject, {
    callback: (error, message) => {
      if (!error) into.push({ subject: message.subject, bytes: message.data, body: unpack(message.data) as Body });
    },
  });
}

/** Polls `find` until it gives something (10 s at most). */
export async function waitFor<T>(find: () => T | undefined, what: string): Promise<T> {
  for (let attempt = 0; attempt < 1_000; attempt++) {
    const found = find();
    if (found !== undefined) return found;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`${what} did not arrive`);
}
