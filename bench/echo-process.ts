// T0, the transport ceiling: a nats.js responder with the engine's connection options and queue
// group that answers every terminal request with one fixed msgpack reply the size of an approval.
// Started by bench/nats.ts with `node --import tsx bench/echo-process.ts '<config json>'`.

import { connect } from 'nats';
import { pack } from 'msgpackr';
import type { ResponderConfig } from './processes.js';
import { childMain } from './processes.js';

/** A reply shaped like the engine's approval (same fields, similar size). */
export const echoReply = pack({
  id: 'echo-000000000000',
  result: 'approved',
  reason: 'OK',
  authId: 'h.YWNjdDpiZW5jaDpjb3VudGVycGFydHk6Y3AtMTIzNA.2s',
  approvedAmount: 200_000,
  price: 5_000,
  discount: 0,
  expiresAt: 1_800_000_000_000,
  approvedVolume: 40_000,
});

childMain<ResponderConfig>(async (config) => {
  // The options of gateways/bus/nats-bus.ts (connectNatsBus).
  const connection = await connect({ servers: config.natsUrl, name: 'tessera-echo', maxReconnectAttempts: -1, reconnectTimeWait: 500, pingInterval: 10_000 });
  let handled = 0;
  connection.subscribe('tessera.v1.term.*.>', {
    queue: 'engine',
    callback: (error, message) => {
      if (error) return;
      handled++;
      message.respond(echoReply);
    },
  });
  await connection.flush();
  return {
    detail: `echo pid ${process.pid}`,
    stats: () => ({ handled }),
    stop: () => connection.drain(),
  };
});
