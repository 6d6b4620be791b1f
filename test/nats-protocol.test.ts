// The terminal protocol of shared/spec/protocol.md, spoken over a real NATS server to an engine
// started in-process with the demo network: every operation the engine implements, idempotency,
// JSON bodies, bad input, declines, events, and many terminals spending one account at once.
// Expected money is computed from the demo prices: AI-95 costs 5999 per litre on the network
// (5949 at TVR-01); the segment 'fleet-large' gets 1.5 % off fuel, 5999 − round(89.985) = 5909;
// money for a volume is round(volume × price / 1000), half away from zero.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'nats';
import type { NatsConnection } from 'nats';
import { pack, unpack } from 'msgpackr';
import { pino } from 'pino';
import { serve } from '../engine/cli/index.js';
import type { RunningServer } from '../engine/cli/index.js';
import { demoCards, demoPins } from '../engine/index.js';
import { natsForTests, sleep } from './support/nats.js';
import type { NatsServerHandle } from './support/nats.js';
import { RawValue, call, float64, msgpackMap, uint32, uint64, uniqueId } from './support/wire.js';
import type { Body, CallOptions, WireReply } from './support/wire.js';

const fleetPin = demoPins.fleet ?? '1234';
const dieselPin = demoPins.diesel ?? '4321';
const wrongPins = ['0000', '9999', '1111'];
const minute = 60_000;
const holdMs = 30 * minute;
const pumps = [1, 2, 3, 4, 5, 6].map((n) => `MSK-01-P${n}`).concat([1, 2, 3, 4].map((n) => `MSK-02-P${n}`), [1, 2, 3, 4].map((n) => `TVR-01-P${n}`));

/** round(volume × price / 1000), half away from zero (non-negative inputs). */
const money = (volume: number, price: number): number => {
  const product = volume * price;
  const whole = Math.floor(product / 1000);
  return product - whole * 1000 >= 500 ? whole + 1 : whole;
};

interface Wire {
  nc: NatsConnection;
  /** Every reply received, for the "no card number in replies" check. */
  replies: Uint8Array[];
}

async function startEngine(nats: NatsServerHandle): Promise<{ server: RunningServer; dataDir: string; wire: Wire }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-'));
  const server = await serve({ dataDir, natsUrl: nats.url, httpPort: 0, httpHost: '127.0.0.1', demo: true, logger: pino({ level: 'silent' }) });
  const nc = await connect({ servers: nats.url, name: 'tessera-protocol-test' });
  return { server, dataDir, wire: { nc, replies: [] } };
}

function client(wire: Wire) {
  const send = async (terminal: string, op: string, body: Body | Uint8Array, options: CallOptions = {}): Promise<WireReply> => {
    const reply = await call(wire.nc, terminal, op, body, options);
    wire.replies.push(reply.bytes);
    return reply;
  };
  const request = async (terminal: string, op: string, body: Body | Uint8Array, options: CallOptions = {}): Promise<Body> => (await send(terminal, op, body, options)).body;
  const inquire = async (card: string, pin?: string): Promise<Body> => {
    const reply = await request('MSK-01-P1', 'inquire', { id: uniqueId('inq'), card, ...(pin !== undefined ? { pin } : {}) });
    expect(reply).toMatchObject({ result: 'approved', reason: 'OK' });
    return reply;
  };
  const balanceOf = async (card: string, pin?: string): Promise<number> => Number((await inquire(card, pin))['balance']);
  return { send, request, inquire, balanceOf };
}

describe('terminal protocol over NATS', () => {
  let nats: NatsServerHandle;
  let server: RunningServer;
  let dataDir: string;
  let wire: Wire;
  let api: ReturnType<typeof client>;
  const events: { subject: string; bytes: Uint8Array }[] = [];

  beforeAll(async () => {
    nats = await natsForTests();
    ({ server, dataDir, wire } = await startEngine(nats));
    api = client(wire);
    wire.nc.subscribe('tessera.v1.evt.>', {
      callback: (error, message) => {
        if (!error) events.push({ subject: message.subject, bytes: message.data });
      },
    });
    await wire.nc.flush();
  });

  afterAll(async () => {
    await wire?.nc.drain().catch(() => undefined);
    await server?.stop();
    await nats?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers the ping', async () => {
    const reply = await wire.nc.request('tessera.v1.sys.ping', pack({}), { timeout: 5_000 });
    expect(unpack(reply.data)).toEqual({ result: 'approved', reason: 'OK' });
  });

  describe('authorize, complete, reverse (fleet card, fleet-large discount)', () => {
    it('authorises 40 l of AI-95 at the discounted price and reports the hold in the limits', async () => {
      const id = uniqueId('auth');
      const before = Date.now();
      const reply = await api.request('MSK-01-P1', 'authorize', { id, card: demoCards.fleet, pin: fleetPin, product: 'AI95', volume: 40_000 });
      const after = Date.now();
      expect(reply).toMatchObject({ id, result: 'approved', reason: 'OK', price: 5909, approvedVolume: 40_000, approvedAmount: 236_360, discount: 3_600 });
      expect(money(40_000, 5909)).toBe(236_360);
      expect(money(40_000, 5999) - 236_360).toBe(3_600);
      expect(typeof reply['authId']).toBe('string');
      expect(reply['expiresAt']).toBeGreaterThanOrEqual(before + holdMs - 1_000);
      expect(reply['expiresAt']).toBeLessThanOrEqual(after + holdMs + 1_000);

      const held = await api.inquire(demoCards.fleet, fleetPin);
      expect(held).toMatchObject({ status: 'active', balance: 60_000_000 - 236_360, bonus: 0 });
      expect(held['limits']).toEqual([
        { period: 'day', kind: 'volume', products: ['fuel'], limit: 200_000, used: 40_000, remaining: 160_000 },
        { period: 'month', kind: 'amount', limit: 3_000_000, used: 236_360, remaining: 3_000_000 - 236_360 },
      ]);

      // Partial completion: 1.5 l at 5909 is 8863.5, rounded half away from zero to 8864; the rest is released.
      const complete = await api.request('MSK-01-P2', 'complete', { id: uniqueId('cmp'), authId: reply['authId'], volume: 1_500 });
      expect(complete).toMatchObject({ result: 'approved', reason: 'OK', amount: 8_864, volume: 1_500, discount: money(1_500, 5999) - 8_864, bonus: 0, balance: 60_000_000 - 8_864 });
      expect(money(1_500, 5909)).toBe(8_864);
      expect(typeof complete['txId']).toBe('string');

      const charged = await api.inquire(demoCards.fleet, fleetPin);
      expect(charged['balance']).toBe(60_000_000 - 8_864);
      expect(charged['limits']).toEqual([
        { period: 'day', kind: 'volume', products: ['fuel'], limit: 200_000, used: 1_500, remaining: 198_500 },
        { period: 'month', kind: 'amount', limit: 3_000_000, used: 8_864, remaining: 3_000_000 - 8_864 },
      ]);

      const twice = await api.request('MSK-01-P1', 'complete', { id: uniqueId('cmp'), authId: reply['authId'], volume: 1_000 });
      expect(twice).toMatchObject({ result: 'declined', reason: 'AUTH_ALREADY_CLOSED' });
      const reverseCompleted = await api.request('MSK-01-P1', 'reverse', { id: uniqueId('rev'), authId: reply['authId'] });
      expect(reverseCompleted).toMatchObject({ result: 'declined', reason: 'AUTH_ALREADY_CLOSED' });
      expect(await api.balanceOf(demoCards.fleet, fleetPin)).toBe(60_000_000 - 8_864);
    });

    it('approves part of a volume when the daily volume limit allows less, and a reversal releases all of it', async () => {
      const before = await api.inquire(demoCards.fleet, fleetPin);
      const limits = before['limits'] as { kind: string; remaining: number; used: number }[];
      const volumeLeft = limits.find((limit) => limit.kind === 'volume')?.remaining ?? 0;
      expect(volumeLeft).toBeGreaterThan(1_000);
      const reply = await api.request('MSK-01-P3', 'authorize', { id: uniqueId('auth'), card: demoCards.fleet, pin: fleetPin, product: 'AI95', volume: 250_000 });
      const amount = money(volumeLeft, 5909);
      expect(reply).toMatchObject({ result: 'approved', price: 5909, approvedVolume: volumeLeft, approvedAmount: amount, discount: money(volumeLeft, 5999) - amount });
      if (volumeLeft === 198_500) expect(amount).toBe(1_172_937); // 1 172 936.5 rounds up

      const full = await api.inquire(demoCards.fleet, fleetPin);
      expect(full['balance']).toBe(Number(before['balance']) - amount);
      expect((full['limits'] as { kind: string; remaining: number }[]).find((limit) => limit.kind === 'volume')?.remaining).toBe(0);
      const refused = await api.request('MSK-01-P4', 'authorize', { id: uniqueId('auth'), card: demoCards.fleet, pin: fleetPin, product: 'AI95', volume: 10_000 });
      expect(refused).toMatchObject({ result: 'declined', reason: 'LIMIT_EXCEEDED' });

      const reversed = await api.request('MSK-01-P3', 'reverse', { id: uniqueId('rev'), authId: reply['authId'] });
      expect(reversed).toMatchObject({ result: 'approved', reason: 'OK', released: amount, balance: before['balance'] });
      const after = await api.inquire(demoCards.fleet, fleetPin);
      expect(after['balance']).toBe(before['balance']);
      expect(after['limits']).toEqual(before['limits']);

      const again = await api.request('MSK-01-P3', 'reverse', { id: uniqueId('rev'), authId: reply['authId'] });
      expect(again).toMatchObject({ result: 'declined', reason: 'AUTH_ALREADY_CLOSED' });
      const completeReversed = await api.request('MSK-01-P3', 'complete', { id: uniqueId('cmp'), authId: reply['authId'], volume: 1_000 });
      expect(completeReversed).toMatchObject({ result: 'declined', reason: 'AUTH_ALREADY_CLOSED' });
      expect(await api.balanceOf(demoCards.fleet, fleetPin)).toBe(before['balance']);
    });

    it('declines a capture above the hold, and an unknown authorisation', async () => {
      const before = await api.balanceOf(demoCards.fleet, fleetPin);
      const reply = await api.request('MSK-01-P5', 'authorize', { id: uniqueId('auth'), card: demoCards.fleet, pin: fleetPin, product: 'AI95', volume: 5_000 });
      expect(reply).toMatchObject({ result: 'approved', approvedVolume: 5_000, approvedAmount: money(5_000, 5909) });
      const tooMuchVolume = await api.request('MSK-01-P5', 'complete', { id: uniqueId('cmp'), authId: reply['authId'], volume: 5_001 });
      expect(tooMuchVolume).toMatchObject({ result: 'declined', reason: 'AMOUNT_EXCEEDS_AUTH' });
      const tooMuchMoney = await api.request('MSK-01-P5', 'complete', { id: uniqueId('cmp'), authId: reply['authId'], amount: money(5_000, 5909) + 1 });
      expect(tooMuchMoney).toMatchObject({ result: 'declined', reason: 'AMOUNT_EXCEEDS_AUTH' });
      const unknown = await api.request('MSK-01-P5', 'complete', { id: uniqueId('cmp'), authId: 'h.YWNjdDpzZXZlcjpjcDpsb2dpc3RpYy10cmFkZQ.zzzz', volume: 1_000 });
      expect(unknown).toMatchObject({ result: 'declined', reason: 'AUTH_NOT_FOUND' });
      const garbage = await api.request('MSK-01-P5', 'reverse', { id: uniqueId('rev'), authId: 'not-an-auth-id' });
      expect(garbage).toMatchObject({ result: 'declined', reason: 'AUTH_NOT_FOUND' });
      // Completing by amount: the whole hold.
      const complete = await api.request('MSK-01-P5', 'complete', { id: uniqueId('cmp'), authId: reply['authId'], amount: money(5_000, 5909) });
      expect(complete).toMatchObject({ result: 'approved', amount: money(5_000, 5909), volume: 5_000, balance: before - money(5_000, 5909) });
      expect(await api.balanceOf(demoCards.fleet, fleetPin)).toBe(before - money(5_000, 5909));
    });
  });

  describe('partial approval by funds, partial completion, refunds (card "small", 3 000 ₽)', () => {
    it('approves what the funds allow, charges only what was dispensed, refunds up to the charge', async () => {
      const reply = await api.request('MSK-02-P1', 'authorize', { id: uniqueId('auth'), card: demoCards.small, product: 'AI95', amount: 100_000_000 });
      // floor(300000 × 1000 / 5999) = 50008 ml, worth 299 998 ≤ 300 000.
      expect(reply).toMatchObject({ result: 'approved', reason: 'OK', approvedAmount: 300_000, approvedVolume: 50_008, price: 5999, discount: 0 });
      expect(money(50_008, 5999)).toBeLessThanOrEqual(300_000);
      expect(money(50_009, 5999)).toBeGreaterThan(300_000);
      const held = await api.inquire(demoCards.small);
      expect(held).toMatchObject({ status: 'active', balance: 0 });
      expect(held['limits']).toEqual([{ period: 'day', kind: 'amount', limit: 500_000, used: 300_000, remaining: 200_000 }]);
      const broke = await api.request('MSK-02-P2', 'authorize', { id: uniqueId('auth'), card: demoCards.small, product: 'AI92', volume: 1_000 });
      expect(broke).toMatchObject({ result: 'declined', reason: 'INSUFFICIENT_FUNDS' });

      const complete = await api.request('MSK-02-P1', 'complete', { id: uniqueId('cmp'), authId: reply['authId'], volume: 20_000 });
      expect(complete).toMatchObject({ result: 'approved', amount: 119_980, volume: 20_000, discount: 0, bonus: 0, balance: 180_020 });
      const charged = await api.inquire(demoCards.small);
      expect(charged['balance']).toBe(180_020);
      expect(charged['limits']).toEqual([{ period: 'day', kind: 'amount', limit: 500_000, used: 119_980, remaining: 380_020 }]);

      const txId = complete['txId'];
      const refund = await api.request('MSK-02-POS1', 'refund', { id: uniqueId('ref'), txId, amount: 50_000 });
      expect(refund).toMatchObject({ result: 'approved', reason: 'OK', amount: 50_000, balance: 230_020 });
      expect(typeof refund['refundId']).toBe('string');
      expect(await api.balanceOf(demoCards.small)).toBe(230_020);

      const over = await api.request('MSK-02-POS1', 'refund', { id: uniqueId('ref'), txId, amount: 70_000 });
      expect(over).toMatchObject({ result: 'declined', reason: 'REFUND_EXCEEDS_SALE' });
      expect(await api.balanceOf(demoCards.small)).toBe(230_020);

      const rest = await api.request('MSK-02-POS1', 'refund', { id: uniqueId('ref'), txId });
      expect(rest).toMatchObject({ result: 'approved', amount: 69_980, balance: 300_000 });
      const more = await api.request('MSK-02-POS1', 'refund', { id: uniqueId('ref'), txId, amount: 1 });
      expect(more).toMatchObject({ result: 'declined', reason: 'REFUND_EXCEEDS_SALE' });
      const restored = await api.inquire(demoCards.small);
      expect(restored['balance']).toBe(300_000);
      expect(restored['limits']).toEqual([{ period: 'day', kind: 'amount', limit: 500_000, used: 0, remaining: 500_000 }]);

      const unknownTx = await api.request('MSK-02-POS1', 'refund', { id: uniqueId('ref'), txId: 't.YWNjdDpzZXZlcjpjcDprdXpuZXRzb3Y.zzzz', amount: 1 });
      expect(unknownTx).toMatchObject({ result: 'declined', reason: 'TX_NOT_FOUND' });
      const garbageTx = await api.request('MSK-02-POS1', 'refund', { id: uniqueId('ref'), txId: 'nonsense' });
      expect(garbageTx).toMatchObject({ result: 'declined', reason: 'TX_NOT_FOUND' });
    });
  });

  describe('inquire, bonus and topup', () => {
    it('accrues bonus points on a club card (1 % of fuel) and shows them in inquire', async () => {
      const before = await api.inquire(demoCards.loyalty);
      expect(before).toMatchObject({ status: 'active', limits: [] });
      const auth = await api.request('MSK-01-P6', 'authorize', { id: uniqueId('auth'), card: demoCards.loyalty, product: 'AI95', volume: 10_000 });
      expect(auth).toMatchObject({ result: 'approved', price: 5999, approvedVolume: 10_000, approvedAmount: 59_990, discount: 0 });
      const complete = await api.request('MSK-01-P6', 'complete', { id: uniqueId('cmp'), authId: auth['authId'], volume: 10_000 });
      expect(complete).toMatchObject({ result: 'approved', amount: 59_990, bonus: 599, balance: Number(before['balance']) - 59_990 });
      const after = await api.inquire(demoCards.loyalty);
      expect(after).toMatchObject({ balance: Number(before['balance']) - 59_990, bonus: Number(before['bonus']) + 599 });
    });

    it('tops up by card, by account and by client plate or QR', async () => {
      const small = await api.balanceOf(demoCards.small);
      const byCard = await api.request('MSK-02-POS1', 'topup', { id: uniqueId('top'), card: demoCards.small, amount: 100_000, method: 'cash' });
      expect(byCard).toMatchObject({ result: 'approved', reason: 'OK', balance: small + 100_000 });
      expect(await api.balanceOf(demoCards.small)).toBe(small + 100_000);

      const fleet = await api.balanceOf(demoCards.fleet, fleetPin);
      const byAccount = await api.request('MSK-02-POS1', 'topup', { id: uniqueId('top'), account: 'logistic-trade', amount: 5_000, method: 'bank_card' });
      expect(byAccount).toMatchObject({ result: 'approved', balance: fleet + 5_000 });
      expect(await api.balanceOf(demoCards.fleet, fleetPin)).toBe(fleet + 5_000);

      const club = await api.balanceOf(demoCards.loyalty);
      const byPlate = await api.request('MSK-02-POS1', 'topup', { id: uniqueId('top'), client: { plate: 'А123ВС77' }, amount: 7_000, method: 'cash' });
      expect(byPlate).toMatchObject({ result: 'approved', balance: club + 7_000 });
      const byPlateLatin = await api.request('MSK-02-POS1', 'topup', { id: uniqueId('top'), client: { plate: 'a123bc 77' }, amount: 1_000, method: 'cash' });
      expect(byPlateLatin).toMatchObject({ result: 'approved', balance: club + 8_000 });
      const byQr = await api.request('MSK-02-POS1', 'topup', { id: uniqueId('top'), client: { qr: 'QR-IVANOVA-01' }, amount: 2_000, method: 'cash' });
      expect(byQr).toMatchObject({ result: 'approved', balance: club + 10_000 });
      expect(await api.balanceOf(demoCards.loyalty)).toBe(club + 10_000);

      const unknownAccount = await api.request('MSK-02-POS1', 'topup', { id: uniqueId('top'), account: 'nobody', amount: 1_000, method: 'cash' });
      expect(unknownAccount).toMatchObject({ result: 'declined' });
      const unknownPlate = await api.request('MSK-02-POS1', 'topup', { id: uniqueId('top'), client: { plate: 'X999XX99' }, amount: 1_000, method: 'cash' });
      expect(unknownPlate).toMatchObject({ result: 'declined' });
      const unknownCard = await api.request('MSK-02-POS1', 'topup', { id: uniqueId('top'), card: '7005000000009999', amount: 1_000, method: 'cash' });
      expect(unknownCard).toMatchObject({ result: 'declined', reason: 'CARD_UNKNOWN' });
      expect(await api.balanceOf(demoCards.loyalty)).toBe(club + 10_000);
      expect(await api.balanceOf(demoCards.small)).toBe(small + 100_000);
    });
  });

  describe('idempotency', () => {
    it('answers the same request five times with the same bytes and one effect', async () => {
      const before = await api.balanceOf(demoCards.loyalty);
      const id = uniqueId('idem');
      const body = { id, card: demoCards.loyalty, product: 'AI92', volume: 2_000 };
      const replies: WireReply[] = [];
      for (let attempt = 0; attempt < 5; attempt++) replies.push(await api.send('MSK-01-P2', 'authorize', body));
      expect(replies[0]?.body).toMatchObject({ id, result: 'approved', approvedAmount: money(2_000, 5489), price: 5489 });
      for (const reply of replies) expect(Buffer.from(reply.bytes).equals(Buffer.from(replies[0]?.bytes ?? []))).toBe(true);
      expect(await api.balanceOf(demoCards.loyalty)).toBe(before - money(2_000, 5489));

      // The same id with a different body: declined, nothing changes, and the original is still remembered.
      const mismatch = await api.request('MSK-01-P2', 'authorize', { ...body, volume: 3_000 });
      expect(mismatch).toMatchObject({ id, result: 'declined', reason: 'DUPLICATE_ID_MISMATCH' });
      const mismatchOp = await api.request('MSK-01-P2', 'inquire', { id, card: demoCards.loyalty });
      expect(mismatchOp).toMatchObject({ id, result: 'declined', reason: 'DUPLICATE_ID_MISMATCH' });
      expect(await api.balanceOf(demoCards.loyalty)).toBe(before - money(2_000, 5489));
      const repeat = await api.send('MSK-01-P2', 'authorize', body);
      expect(Buffer.from(repeat.bytes).equals(Buffer.from(replies[0]?.bytes ?? []))).toBe(true);

      // The same id on another terminal is another request.
      const elsewhere = await api.request('MSK-01-P3', 'authorize', body);
      expect(elsewhere).toMatchObject({ id, result: 'approved' });
      expect(elsewhere['authId']).not.toBe(replies[0]?.body['authId']);
      expect(await api.balanceOf(demoCards.loyalty)).toBe(before - 2 * money(2_000, 5489));

      // A repeated completion returns the first reply; the hold is charged once.
      const completeBody = { id: uniqueId('cmp'), authId: replies[0]?.body['authId'], volume: 1_000 };
      const first = await api.send('MSK-01-P2', 'complete', completeBody);
      const second = await api.send('MSK-01-P2', 'complete', completeBody);
      expect(first.body).toMatchObject({ result: 'approved', amount: 5_489 });
      expect(Buffer.from(second.bytes).equals(Buffer.from(first.bytes))).toBe(true);
      for (const authId of [elsewhere['authId']]) {
        expect(await api.request('MSK-01-P3', 'reverse', { id: uniqueId('rev'), authId })).toMatchObject({ result: 'approved' });
      }
      expect(await api.balanceOf(demoCards.loyalty)).toBe(before - 5_489);
    });

    it('joins identical requests sent at once: the same reply, one effect', async () => {
      const before = await api.balanceOf(demoCards.loyalty);
      const body = { id: uniqueId('twin'), card: demoCards.loyalty, product: 'AI92', volume: 1_000 };
      const [one, two] = await Promise.all([api.send('MSK-01-P4', 'authorize', body), api.send('MSK-01-P4', 'authorize', body)]);
      expect(one?.body).toMatchObject({ result: 'approved', approvedAmount: 5_489 });
      expect(Buffer.from(two?.bytes ?? []).equals(Buffer.from(one?.bytes ?? []))).toBe(true);
      expect(await api.balanceOf(demoCards.loyalty)).toBe(before - 5_489);

      const crowdBody = { id: uniqueId('crowd'), card: demoCards.loyalty, product: 'AI92', volume: 1_000 };
      const crowd = await Promise.all(Array.from({ length: 10 }, () => api.send('MSK-01-P4', 'authorize', crowdBody)));
      for (const reply of crowd) expect(Buffer.from(reply.bytes).equals(Buffer.from(crowd[0]?.bytes ?? []))).toBe(true);
      expect(await api.balanceOf(demoCards.loyalty)).toBe(before - 2 * 5_489);

      for (const authId of [one?.body['authId'], crowd[0]?.body['authId']]) {
        expect(await api.request('MSK-01-P4', 'reverse', { id: uniqueId('rev'), authId })).toMatchObject({ result: 'approved' });
      }
      expect(await api.balanceOf(demoCards.loyalty)).toBe(before);
    });
  });

  describe('JSON', () => {
    it('answers a JSON request in JSON', async () => {
      const id = uniqueId('json');
      const reply = await api.send('MSK-01-P1', 'inquire', { id, card: demoCards.loyalty }, { json: true });
      expect(reply.bytes[0]).toBe('{'.charCodeAt(0));
      expect(reply.contentType).toBe('application/json');
      expect(reply.body).toMatchObject({ id, result: 'approved', reason: 'OK', status: 'active' });
      expect(Number.isInteger(reply.body['balance'])).toBe(true);

      const auth = await api.send('MSK-01-P1', 'authorize', { id: uniqueId('json'), card: demoCards.loyalty, product: 'AI92', volume: 1_000 }, { json: true });
      expect(auth.body).toMatchObject({ result: 'approved', approvedAmount: 5_489, approvedVolume: 1_000, price: 5_489 });
      const reverse = await api.send('MSK-01-P1', 'reverse', { id: uniqueId('json'), authId: auth.body['authId'] }, { json: true });
      expect(reverse.body).toMatchObject({ result: 'approved' });
    });
  });

  describe('bad input: error/BAD_REQUEST, nothing changes', () => {
    const base = (id: string): Body => ({ id, card: demoCards.loyalty, product: 'AI95' });
    type Case = { name: string; op?: string; bytes?: (id: string) => Uint8Array; body?: (id: string) => Body; json?: string | ((id: string) => string); echoesId?: boolean; float?: boolean };
    const cases: Case[] = [
      { name: 'amount 0', body: (id) => ({ ...base(id), amount: 0 }) },
      { name: 'amount -1', body: (id) => ({ ...base(id), amount: -1 }) },
      { name: 'amount 12.5', body: (id) => ({ ...base(id), amount: 12.5 }), float: true },
      { name: 'amount 2^53 (as the encoder writes it)', body: (id) => ({ ...base(id), amount: 2 ** 53 }), float: true },
      { name: 'amount 2^53 as uint64', bytes: (id) => msgpackMap({ ...base(id), amount: uint64(2n ** 53n) }) },
      { name: 'amount 2^64−1 as uint64', bytes: (id) => msgpackMap({ ...base(id), amount: uint64(2n ** 64n - 1n) }) },
      { name: 'amount "100"', body: (id) => ({ ...base(id), amount: '100' }) },
      { name: 'amount 1e3 as a float64', bytes: (id) => msgpackMap({ ...base(id), amount: float64(1e3) }), float: true },
      { name: 'amount 1000.5 as a float64', bytes: (id) => msgpackMap({ ...base(id), amount: float64(1000.5) }), float: true },
      { name: 'volume 2000 as a float64', bytes: (id) => msgpackMap({ ...base(id), volume: float64(2000) }), float: true },
      { name: 'amount null', body: (id) => ({ ...base(id), amount: null }) },
      { name: 'amount true', body: (id) => ({ ...base(id), amount: true }) },
      { name: 'amount [1000]', body: (id) => ({ ...base(id), amount: [1000] }) },
      { name: 'volume -5', body: (id) => ({ ...base(id), volume: -5 }) },
      { name: 'JSON amount 1e3', json: (id) => `{"id":"${id}","card":"${demoCards.loyalty}","product":"AI95","amount":1e3}`, float: true },
      { name: 'JSON amount 10000.0', json: (id) => `{"id":"${id}","card":"${demoCards.loyalty}","product":"AI95","amount":10000.0}`, float: true },
      { name: 'JSON amount 12.5', json: (id) => `{"id":"${id}","card":"${demoCards.loyalty}","product":"AI95","amount":12.5}`, float: true },
      { name: 'JSON amount 2^53', json: (id) => `{"id":"${id}","card":"${demoCards.loyalty}","product":"AI95","amount":9007199254740992}` },
      { name: 'JSON amount "100"', json: (id) => `{"id":"${id}","card":"${demoCards.loyalty}","product":"AI95","amount":"100"}` },
      { name: 'JSON amount -1E4', json: (id) => `{"id":"${id}","card":"${demoCards.loyalty}","product":"AI95","amount":-1E4}`, float: true },
      { name: 'missing card', body: (id) => ({ id, product: 'AI95', volume: 1_000 }) },
      { name: 'missing product', body: (id) => ({ id, card: demoCards.loyalty, volume: 1_000 }) },
      { name: 'missing amount and volume', body: (id) => base(id) },
      { name: 'missing id', body: () => ({ card: demoCards.loyalty, product: 'AI95', volume: 1_000 }), echoesId: false },
      { name: 'empty id', body: () => ({ id: '', card: demoCards.loyalty, product: 'AI95', volume: 1_000 }), echoesId: false },
      { name: 'id of 65 characters', body: () => ({ id: 'x'.repeat(65), card: demoCards.loyalty, product: 'AI95', volume: 1_000 }), echoesId: false },
      { name: 'an extra field', body: (id) => ({ ...base(id), volume: 1_000, tip: 100 }) },
      { name: 'card as a number', bytes: (id) => msgpackMap({ id, card: uint64(7005000000000058n), product: 'AI95', volume: 1_000 }) },
      { name: 'product as a number', body: (id) => ({ id, card: demoCards.loyalty, product: 95, volume: 1_000 }) },
      { name: 'id as a number', body: () => ({ id: 42, card: demoCards.loyalty, product: 'AI95', volume: 1_000 }), echoesId: false },
      { name: 'pin as a number', bytes: (id) => msgpackMap({ id, card: demoCards.loyalty, pin: uint32(1234), product: 'AI95', volume: 1_000 }) },
      { name: 'at as a string', body: (id) => ({ ...base(id), volume: 1_000, at: 'now' }) },
      { name: 'a body that is an array', bytes: (id) => pack([id, demoCards.loyalty, 'AI95', 1_000]), echoesId: false },
      { name: 'a body that is a string', bytes: () => pack('authorize please'), echoesId: false },
      { name: 'not MessagePack at all', bytes: () => Buffer.from('not msgpack at all, just text'), echoesId: false },
      { name: 'reserved byte 0xc1', bytes: () => Buffer.from([0xc1, 0x00, 0xff]), echoesId: false },
      { name: 'random bytes', bytes: () => Buffer.from('9f3c1e0bd2a87ff05566c4d1e2f3a4b5c6d7e8f90112233445566778899aabbc', 'hex'), echoesId: false },
      { name: 'a truncated map', bytes: (id) => pack({ ...base(id), volume: 1_000 }).subarray(0, 20), echoesId: false },
      { name: 'bytes after the map', bytes: (id) => Buffer.concat([pack({ ...base(id), volume: 1_000 }), Buffer.from([0x01])]), echoesId: false },
      { name: 'volume as an extension type', bytes: (id) => msgpackMap({ ...base(id), volume: new RawValue(Buffer.from([0xd4, 0x01, 0x00])) }), echoesId: false },
      { name: 'a timestamp extension in an extra field', bytes: (id) => msgpackMap({ ...base(id), volume: 1_000, when: new RawValue(Buffer.from([0xd6, 0xff, 0, 0, 0, 1])) }), echoesId: false },
      { name: 'a body over 64 KiB', body: (id) => ({ ...base(id), volume: 1_000, card: `${demoCards.loyalty}${'0'.repeat(70_000)}` }), echoesId: false },
      { name: 'an unknown operation', op: 'frobnicate', body: (id) => ({ ...base(id), volume: 1_000 }) },
      { name: 'complete with volume 12.5', op: 'complete', body: (id) => ({ id, authId: 'h.x.1', volume: 12.5 }), float: true },
      { name: 'refund of amount 0', op: 'refund', body: (id) => ({ id, txId: 't.x.1', amount: 0 }) },
      { name: 'topup of amount -1', op: 'topup', body: (id) => ({ id, card: demoCards.loyalty, amount: -1, method: 'cash' }) },
      { name: 'topup by bonus', op: 'topup', body: (id) => ({ id, card: demoCards.loyalty, amount: 1_000, method: 'bonus' }) },
      { name: 'topup naming card and account', op: 'topup', body: (id) => ({ id, card: demoCards.loyalty, account: 'logistic-trade', amount: 1_000, method: 'cash' }) },
      { name: 'inquire with an extra field', op: 'inquire', body: (id) => ({ id, card: demoCards.loyalty, all: true }) },
    ];

    it.each(cases)('$name', async (testCase) => {
      const id = uniqueId('bad');
      const before = await api.inquire(demoCards.loyalty);
      const op = testCase.op ?? 'authorize';
      let reply: Body;
      if (testCase.json !== undefined) {
        const text = typeof testCase.json === 'string' ? testCase.json : testCase.json(id);
        reply = await api.request('MSK-01-P1', op, Buffer.from(text), { json: true });
      } else {
        const bytes = testCase.bytes ? testCase.bytes(id) : pack(testCase.body?.(id) ?? {});
        reply = await api.request('MSK-01-P1', op, bytes);
      }
      expect(reply).toMatchObject({ result: 'error', reason: 'BAD_REQUEST' });
      expect(typeof reply['message']).toBe('string');
      // Bodies with a float are refused by a scan before decoding; whether their id is echoed is the
      // separate test below.
      if (testCase.echoesId !== false && testCase.float !== true) expect(reply['id']).toBe(id);
      const after = await api.inquire(demoCards.loyalty);
      expect(after['balance']).toBe(before['balance']);
      expect(after['bonus']).toBe(before['bonus']);
      // Nothing was remembered under the id either: a valid request with it is decided afresh.
      if (op === 'authorize' && testCase.echoesId !== false) {
        const valid = await api.request('MSK-01-P1', 'inquire', { id, card: demoCards.loyalty });
        expect(valid).toMatchObject({ id, result: 'approved' });
      }
    });

    it('refuses an unknown field without naming it: a card number or a PIN sent as a field name is not read back', async () => {
      const id = uniqueId('named');
      const reply = await api.request('MSK-01-P1', 'authorize', pack({ id, card: demoCards.fleet, pin: fleetPin, product: 'AI95', volume: 1_000, [demoCards.diesel]: 1, [dieselPin]: 1 }));
      expect(reply).toMatchObject({ id, result: 'error', reason: 'BAD_REQUEST' });
      expect(String(reply['message'])).toContain('unknown field');
      expect(JSON.stringify(reply)).not.toContain(demoCards.diesel);
      expect(JSON.stringify(reply)).not.toContain(dieselPin);
    });

    it('echoes the request id when the body is readable but a number is a float', async () => {
      // protocol.md, "Every reply": `id` echoes the request id. These bodies decode fine (the id is
      // there to read); only the number is refused.
      const id = uniqueId('float');
      const packed = await api.request('MSK-01-P1', 'authorize', msgpackMap({ id, card: demoCards.loyalty, product: 'AI95', amount: float64(1e3) }));
      expect(packed).toMatchObject({ result: 'error', reason: 'BAD_REQUEST' });
      const jsonId = uniqueId('float');
      const json = await api.request('MSK-01-P1', 'authorize', Buffer.from(`{"id":"${jsonId}","card":"${demoCards.loyalty}","product":"AI95","amount":1e3}`), { json: true });
      expect(json).toMatchObject({ result: 'error', reason: 'BAD_REQUEST' });
      expect({ msgpack: packed['id'], json: json['id'] }).toEqual({ msgpack: id, json: jsonId });
    });

    it('hand-built encodings of the same integer are accepted: uint32, uint64 (any width)', async () => {
      const before = await api.balanceOf(demoCards.loyalty);
      const a = await api.request('MSK-01-P1', 'authorize', msgpackMap({ id: uniqueId('wide'), card: demoCards.loyalty, product: 'AI92', volume: uint64(1_000n) }));
      expect(a).toMatchObject({ result: 'approved', approvedVolume: 1_000, approvedAmount: 5_489 });
      const b = await api.request('MSK-01-P1', 'authorize', msgpackMap({ id: uniqueId('wide'), card: demoCards.loyalty, product: 'AI92', volume: uint32(1_000) }));
      expect(b).toMatchObject({ result: 'approved', approvedVolume: 1_000, approvedAmount: 5_489 });
      // The largest safe integer is a valid amount: approved in part, up to the funds.
      const c = await api.request('MSK-01-P1', 'authorize', msgpackMap({ id: uniqueId('wide'), card: demoCards.loyalty, product: 'AI92', amount: uint64(2n ** 53n - 1n) }));
      expect(c).toMatchObject({ result: 'approved', approvedAmount: before - 2 * 5_489 });
      for (const reply of [a, b, c]) expect(await api.request('MSK-01-P1', 'reverse', { id: uniqueId('rev'), authId: reply['authId'] })).toMatchObject({ result: 'approved' });
      expect(await api.balanceOf(demoCards.loyalty)).toBe(before);
    });

    it('keeps serving after bad input', async () => {
      const reply = await wire.nc.request('tessera.v1.sys.ping', pack({}), { timeout: 5_000 });
      expect(unpack(reply.data)).toEqual({ result: 'approved', reason: 'OK' });
    });
  });

  describe('declines with a precise code, nothing changes', () => {
    it('unknown terminal, unknown product, unknown card, blocked card, less than one unit', async () => {
      const before = await api.inquire(demoCards.loyalty);
      const id = uniqueId('term');
      expect(await api.request('NOPE-99-P1', 'authorize', { id, card: demoCards.loyalty, product: 'AI95', volume: 1_000 })).toMatchObject({ id, result: 'declined', reason: 'TERMINAL_UNKNOWN' });
      expect(await api.request('MSK-01-P1', 'authorize', { id: uniqueId('prod'), card: demoCards.loyalty, product: 'AI100', volume: 1_000 })).toMatchObject({ result: 'declined', reason: 'PRODUCT_UNKNOWN' });
      expect(await api.request('MSK-01-P1', 'authorize', { id: uniqueId('card'), card: '7005000000009999', product: 'AI95', volume: 1_000 })).toMatchObject({ result: 'declined', reason: 'CARD_UNKNOWN' });
      expect(await api.request('MSK-01-P1', 'inquire', { id: uniqueId('card'), card: '7005000000009999' })).toMatchObject({ result: 'declined', reason: 'CARD_UNKNOWN' });
      expect(await api.request('MSK-01-P1', 'authorize', { id: uniqueId('blk'), card: demoCards.blocked, product: 'AI95', volume: 1_000 })).toMatchObject({ result: 'declined', reason: 'CARD_BLOCKED' });
      expect(await api.request('MSK-01-P1', 'authorize', { id: uniqueId('tiny'), card: demoCards.loyalty, product: 'AI95', volume: 999 })).toMatchObject({ result: 'declined' });
      expect(await api.request('MSK-01-P1', 'authorize', { id: uniqueId('tiny'), card: demoCards.loyalty, product: 'AI95', amount: 5_998 })).toMatchObject({ result: 'declined' });
      const after = await api.inquire(demoCards.loyalty);
      expect(after['balance']).toBe(before['balance']);
      expect(after['limits']).toEqual(before['limits']);
    });

    it('declines a diesel-only card for petrol, or for any product outside its sites', async () => {
      const reply = await api.request('TVR-01-P1', 'authorize', { id: uniqueId('rst'), card: demoCards.diesel, pin: dieselPin, product: 'DT', volume: 1_000 });
      // Restrictions are checked product, site, weekday, hours: Tver is outside the card's sites at any hour.
      expect(reply).toMatchObject({ result: 'declined', reason: 'SITE_NOT_ALLOWED' });
      const petrol = await api.request('MSK-01-P1', 'authorize', { id: uniqueId('rst'), card: demoCards.diesel, pin: dieselPin, product: 'AI95', volume: 1_000 });
      expect(petrol).toMatchObject({ result: 'declined', reason: 'PRODUCT_NOT_ALLOWED' });
    });

    it('a missing PIN is PIN_INVALID; three wrong PINs lock the card even for the right PIN', async () => {
      expect(await api.request('MSK-01-P1', 'authorize', { id: uniqueId('pin'), card: demoCards.fleet, product: 'AI95', volume: 1_000 })).toMatchObject({ result: 'declined', reason: 'PIN_INVALID' });
      for (const pin of wrongPins) {
        expect(await api.request('MSK-02-P1', 'authorize', { id: uniqueId('pin'), card: demoCards.diesel, pin, product: 'DT', volume: 1_000 })).toMatchObject({ result: 'declined', reason: 'PIN_INVALID' });
      }
      expect(await api.request('MSK-02-P1', 'authorize', { id: uniqueId('pin'), card: demoCards.diesel, pin: dieselPin, product: 'DT', volume: 1_000 })).toMatchObject({ result: 'declined', reason: 'PIN_TRIES_EXCEEDED' });
      expect(await api.request('MSK-02-P1', 'inquire', { id: uniqueId('pin'), card: demoCards.diesel, pin: dieselPin })).toMatchObject({ result: 'declined', reason: 'PIN_TRIES_EXCEEDED' });
      // The lock is the card's: the fleet card of the same counterparty still works.
      expect(await api.request('MSK-02-P1', 'inquire', { id: uniqueId('pin'), card: demoCards.fleet, pin: fleetPin })).toMatchObject({ result: 'approved' });
    });
  });

  describe('events', () => {
    const decode = (bytes: Uint8Array): Body => unpack(bytes) as Body;
    const waitForEvent = async (predicate: (subject: string, body: Body) => boolean): Promise<Body> => {
      for (let attempt = 0; attempt < 500; attempt++) {
        for (const event of events) {
          const body = decode(event.bytes);
          if (predicate(event.subject, body)) return body;
        }
        await sleep(10);
      }
      throw new Error('the event did not arrive');
    };

    it('publishes authorized and completed with key, seq, at and the card masked', async () => {
      const auth = await api.request('MSK-01-P6', 'authorize', { id: uniqueId('evt'), card: demoCards.fleet, pin: fleetPin, product: 'AI95', volume: 2_000 });
      expect(auth).toMatchObject({ result: 'approved' });
      const complete = await api.request('MSK-01-P6', 'complete', { id: uniqueId('evt'), authId: auth['authId'], volume: 2_000 });
      expect(complete).toMatchObject({ result: 'approved' });

      const authorized = await waitForEvent((subject, body) => subject === 'tessera.v1.evt.sever.authorized' && body['authId'] === auth['authId']);
      const completed = await waitForEvent((subject, body) => subject === 'tessera.v1.evt.sever.completed' && body['authId'] === auth['authId']);
      for (const event of [authorized, completed]) {
        expect(typeof event['key']).toBe('string');
        expect(event['key']).toContain('logistic-trade');
        expect(Number.isSafeInteger(event['seq'])).toBe(true);
        expect(Number.isSafeInteger(event['at'])).toBe(true);
        expect(event['card']).toBe('700500******0017');
        expect(event['network']).toBe('sever');
      }
      expect(authorized).toMatchObject({ type: 'authorized', amount: money(2_000, 5909), volume: 2_000, terminal: 'MSK-01-P6' });
      expect(completed).toMatchObject({ type: 'completed', txId: complete['txId'], amount: money(2_000, 5909), volume: 2_000 });
      expect(completed['key']).toBe(authorized['key']);
      expect(Number(completed['seq'])).toBeGreaterThan(Number(authorized['seq']));

      const declined = await api.request('MSK-01-P6', 'authorize', { id: uniqueId('evt'), card: demoCards.blocked, product: 'AI95', volume: 1_000 });
      expect(declined).toMatchObject({ result: 'declined', reason: 'CARD_BLOCKED' });
      const declinedEvent = await waitForEvent((subject, body) => subject === 'tessera.v1.evt.sever.declined' && body['id'] === declined['id']);
      expect(declinedEvent).toMatchObject({ reason: 'CARD_BLOCKED', card: '700500******0041' });
    });

    it('no event and no reply carries a full card number or a PIN', () => {
      expect(events.length).toBeGreaterThan(10);
      const secrets = [...Object.values(demoCards), '7005000000009999'];
      const pins = [fleetPin, dieselPin, ...wrongPins];
      const findPin = (value: unknown, path: string): string | undefined => {
        if (typeof value === 'string') return pins.includes(value) ? path : undefined;
        if (Array.isArray(value)) return value.map((item, index) => findPin(item, `${path}[${index}]`)).find((found) => found !== undefined);
        if (typeof value === 'object' && value !== null) {
          for (const [key, inner] of Object.entries(value)) {
            if (key.toLowerCase().includes('pin') && !['pinFailures'].includes(key)) return `${path}.${key}`;
            const found = findPin(inner, `${path}.${key}`);
            if (found !== undefined) return found;
          }
        }
        return undefined;
      };
      for (const event of events) {
        const raw = Buffer.from(event.bytes);
        const text = JSON.stringify(decode(event.bytes));
        for (const secret of secrets) {
          expect(raw.includes(secret), `${event.subject} carries ${secret}`).toBe(false);
          expect(text.includes(secret), `${event.subject} carries ${secret}`).toBe(false);
        }
        expect(findPin(decode(event.bytes), event.subject)).toBeUndefined();
      }
      for (const reply of wire.replies) {
        for (const secret of secrets) expect(Buffer.from(reply).includes(secret)).toBe(false);
      }
    });
  });
});

describe('200 authorisations at once on one account (card "small": 3 000 ₽, 5 000 ₽ a day)', () => {
  let nats: NatsServerHandle;
  let server: RunningServer;
  let dataDir: string;
  let wire: Wire;
  let api: ReturnType<typeof client>;

  beforeAll(async () => {
    nats = await natsForTests();
    ({ server, dataDir, wire } = await startEngine(nats));
    api = client(wire);
  });

  afterAll(async () => {
    await wire?.nc.drain().catch(() => undefined);
    await server?.stop();
    await nats?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  // 70 ₽ each: above one litre of AI-95 (59.99 ₽ here, 59.49 ₽ at TVR-01), so a request may be approved in part.
  const ask = 7_000;
  const burst = async (round: string): Promise<Body[]> =>
    Promise.all(
      Array.from({ length: 200 }, (_, index) => api.request(pumps[index % pumps.length] ?? 'MSK-01-P1', 'authorize', { id: `${round}-${index}`, card: demoCards.small, product: 'AI95', amount: ask })),
    );

  it('never approves more than the funds, and leaves less than a litre unapproved', async () => {
    const replies = await burst(uniqueId('funds'));
    const approved = replies.filter((reply) => reply['result'] === 'approved');
    const sum = approved.reduce((total, reply) => total + Number(reply['approvedAmount']), 0);
    for (const reply of approved) expect(Number(reply['approvedAmount'])).toBeLessThanOrEqual(ask);
    for (const reply of replies.filter((r) => r['result'] !== 'approved')) expect(reply).toMatchObject({ result: 'declined', reason: 'INSUFFICIENT_FUNDS' });
    expect(sum).toBeLessThanOrEqual(300_000);
    expect(new Set(approved.map((reply) => reply['authId'])).size).toBe(approved.length);
    const after = await api.inquire(demoCards.small);
    expect(after['balance']).toBe(300_000 - sum);
    expect(after['balance']).toBeLessThan(5_949);
    expect(after['limits']).toEqual([{ period: 'day', kind: 'amount', limit: 500_000, used: sum, remaining: 500_000 - sum }]);
  });

  it('never approves more than the daily limit once the funds allow more', async () => {
    const before = await api.inquire(demoCards.small);
    const usedBefore = (before['limits'] as { used: number }[])[0]?.used ?? 0;
    const topup = await api.request('MSK-01-POS1', 'topup', { id: uniqueId('top'), account: 'kuznetsov', amount: 1_000_000, method: 'bank_card' });
    expect(topup).toMatchObject({ result: 'approved', balance: Number(before['balance']) + 1_000_000 });
    const funds = Number(topup['balance']);

    const replies = await burst(uniqueId('limit'));
    const approved = replies.filter((reply) => reply['result'] === 'approved');
    const sum = approved.reduce((total, reply) => total + Number(reply['approvedAmount']), 0);
    for (const reply of replies.filter((r) => r['result'] !== 'approved')) expect(reply).toMatchObject({ result: 'declined', reason: 'LIMIT_EXCEEDED' });
    expect(sum).toBeLessThanOrEqual(500_000 - usedBefore);
    const after = await api.inquire(demoCards.small);
    expect(after['balance']).toBe(funds - sum);
    const limit = (after['limits'] as { used: number; remaining: number }[])[0];
    expect(limit?.used).toBe(usedBefore + sum);
    expect(limit?.remaining).toBeLessThan(5_949);
  });
});
