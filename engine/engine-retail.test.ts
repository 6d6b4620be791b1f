// The retail side of a whole engine, in process with a simulated clock: shifts that survive a
// restart and close only once their operations in flight are answered, receipts returned at another
// site, price lists pushed on import and when a scheduled change comes into effect, and site ids
// that belong to one network.

import { afterEach, describe, expect, it } from 'vitest';
import { demoCards, demoFleetCard, demoNetwork, demoPriceChangeAt } from './demo/demo-network.js';
import type { Harness } from './testing/engine-harness.js';
import { openHarness } from './testing/engine-harness.js';
import type { TerminalRequest } from './protocol/requests.js';
import type { SitePriceList } from './price-publisher.js';
import type { NetworkDocument } from './network/schema.js';

const open: Harness[] = [];
async function start(): Promise<Harness> {
  const harness = openHarness();
  open.push(harness);
  await harness.engine.import(demoNetwork());
  return harness;
}
afterEach(async () => {
  for (const harness of open.splice(0)) await harness.close().catch(() => undefined);
});

let counter = 0;
const id = (prefix: string): string => `${prefix}-${++counter}`;
const sale = (lines: { product: string; qty: number }[], extra: Partial<Extract<TerminalRequest, { op: 'sale' }>['request']> = {}): TerminalRequest => ({ op: 'sale', request: { id: id('sale'), lines, ...extra } });
const coffee = [{ product: 'COFFEE', qty: 1_000 }];

describe('shifts in a running engine', () => {
  it('a till that requires a shift sells only in one; the shift survives a restart; the Z-report counts what it sold', async () => {
    const harness = await start();
    expect(await harness.call('MSK-01-POS2', sale(coffee))).toMatchObject({ result: 'declined', reason: 'SHIFT_CLOSED' });
    expect(await harness.call('MSK-01-POS2', { op: 'shift.open', request: { id: id('open'), cashier: 'Анна' } })).toMatchObject({ result: 'approved', shiftId: 'MSK-01-POS2/1' });
    const first = await harness.call('MSK-01-POS2', sale(coffee));
    expect(first).toMatchObject({ result: 'approved', amount: 19_900 });
    const restarted = await harness.restart();
    open.push(restarted);
    expect(await restarted.call('MSK-01-POS2', sale(coffee, { payments: [{ method: 'bank_card', amount: 19_900 }] }))).toMatchObject({ result: 'approved' });
    expect(await restarted.call('MSK-01-POS2', { op: 'topup', request: { id: id('top'), card: demoCards.loyalty, amount: 50_000, method: 'cash' } })).toMatchObject({ result: 'approved' });
    // A return taken at this till of a receipt it sold before the restart.
    expect(await restarted.call('MSK-01-POS2', { op: 'refund', request: { id: id('ref'), txId: String(first['txId']), amount: 900 } })).toMatchObject({ result: 'approved', amount: 900 });
    const closed = await restarted.call('MSK-01-POS2', { op: 'shift.close', request: { id: id('close') } });
    expect(closed).toMatchObject({
      result: 'approved',
      shiftId: 'MSK-01-POS2/1',
      totals: {
        sales: { count: 2, amount: 39_800 },
        refunds: { count: 1, amount: 900 },
        topups: { count: 1, amount: 50_000 },
        byMethod: [
          { method: 'cash', sales: 19_900, refunds: 900, topups: 50_000, net: 69_000 },
          { method: 'bank_card', sales: 19_900, refunds: 0, topups: 0, net: 19_900 },
        ],
      },
    });
    expect(await restarted.call('MSK-01-POS2', sale(coffee))).toMatchObject({ reason: 'SHIFT_CLOSED' });
    expect(await restarted.call('MSK-01-POS2', { op: 'shift.open', request: { id: id('open') } })).toMatchObject({ shiftId: 'MSK-01-POS2/2' });
  });

  it('closing waits for the shift’s operations in flight: the Z-report equals the approved receipts of that shift', async () => {
    const harness = await start();
    await harness.call('MSK-02-POS2', { op: 'shift.open', request: { id: id('open') } });
    // Receipts without a card are decided by the till itself; the last ones use fleet cards whose
    // actors are not running yet, so their decisions come after the close has been asked.
    const replies = Array.from({ length: 40 }, (_, index) => harness.call('MSK-02-POS2', sale(coffee, index >= 30 ? { card: demoFleetCard(index) } : index % 2 === 0 ? { card: demoCards.loyalty, payments: [{ method: 'cash', amount: 17_910 }] } : {})));
    const close = harness.call('MSK-02-POS2', { op: 'shift.close', request: { id: id('close') } });
    const late = harness.call('MSK-02-POS2', sale(coffee));
    const answers = await Promise.all(replies);
    const closed = await close;
    expect(answers.every((reply) => reply.result === 'approved')).toBe(true);
    const sold = answers.reduce((sum, reply) => sum + Number(reply['amount']), 0);
    expect(closed).toMatchObject({ result: 'approved', totals: { sales: { count: 40, amount: sold } } });
    // Asked after the close: it no longer joins that shift, and the till needs one.
    expect(await late).toMatchObject({ reason: 'SHIFT_CLOSED' });
  });

  it('a receipt sold without a card is returned at another site, counted in that till’s shift', async () => {
    const harness = await start();
    await harness.call('MSK-01-POS2', { op: 'shift.open', request: { id: id('open') } });
    await harness.call('TVR-01-POS2', { op: 'shift.open', request: { id: id('open') } });
    const sold = await harness.call('MSK-01-POS2', sale([{ product: 'HOTDOG', qty: 2_000 }, { product: 'WATER', qty: 1_000 }]));
    expect(sold).toMatchObject({ result: 'approved', amount: 2 * 15_900 + 8_900, messages: ['Акция: к хот-догу кофе за полцены'] });
    const returned = await harness.call('TVR-01-POS2', { op: 'refund', request: { id: id('ref'), txId: String(sold['txId']), lines: [{ product: 'HOTDOG', qty: 1_000 }] } });
    expect(returned).toMatchObject({ result: 'approved', amount: 15_900, payments: [{ method: 'cash', amount: 15_900 }] });
    const tver = await harness.call('TVR-01-POS2', { op: 'shift.close', request: { id: id('close') } });
    expect(tver).toMatchObject({ totals: { sales: { count: 0 }, refunds: { count: 1, amount: 15_900 } } });
    const moscow = await harness.call('MSK-01-POS2', { op: 'shift.close', request: { id: id('close') } });
    expect(moscow).toMatchObject({ totals: { sales: { count: 1, amount: 40_700 }, refunds: { count: 0 } } });
    const events = harness.events.map((event) => event.event);
    expect(events.filter((event) => event.type === 'refunded')).toMatchObject([{ terminal: 'TVR-01-POS2', site: 'TVR-01', amount: 15_900 }]);
  });

  it('a sale is decided once: repeats get the first reply, another body is DUPLICATE_ID_MISMATCH', async () => {
    const harness = await start();
    const request = sale(coffee, { card: demoCards.loyalty });
    const replies = await Promise.all([1, 2, 3].map(() => harness.call('MSK-01-POS1', request)));
    expect(new Set(replies.map((reply) => JSON.stringify(reply))).size).toBe(1);
    const again = await harness.call('MSK-01-POS1', request);
    expect(again).toEqual(replies[0]);
    expect(harness.events.filter((event) => event.event.type === 'sale')).toHaveLength(1);
    expect(await harness.call('MSK-01-POS1', { op: 'sale', request: { ...request.request, lines: [{ product: 'COFFEE', qty: 2_000 }] } })).toMatchObject({ reason: 'DUPLICATE_ID_MISMATCH' });
  });
});

describe('price lists pushed to the tills', () => {
  it('on an import that changes prices, each affected site’s list once; nothing for an import that changes nothing', async () => {
    const harness = await start();
    const pushed: SitePriceList[] = [];
    harness.engine.prices.onPriceList((list) => pushed.push(list));
    const document: NetworkDocument = demoNetwork();
    document.prices = (document.prices ?? []).map((price) => (price.product === 'DT' && price.site === 'TVR-01' ? { ...price, price: 6_799 } : price));
    await harness.engine.import(document);
    await harness.engine.store.flushed();
    expect(pushed.map((list) => list.site)).toEqual(['TVR-01']);
    expect(pushed[0]?.prices.find((entry) => entry.product === 'DT')).toMatchObject({ listPrice: 6_799 });
    await harness.engine.import(document);
    await harness.engine.store.flushed();
    expect(pushed).toHaveLength(1);
    expect(harness.events.filter((event) => event.event.type === 'prices.changed').map((event) => event.event)).toMatchObject([{ reason: 'import', sites: ['MSK-01', 'MSK-02', 'TVR-01', 'WASH-01'] }, { reason: 'import', sites: ['TVR-01'] }]);
  });

  it('when a scheduled change comes into effect: the new price is pushed, sold and listed', async () => {
    const harness = await start();
    const pushed: SitePriceList[] = [];
    harness.engine.prices.onPriceList((list) => pushed.push(list));
    const before = await harness.call('MSK-01-POS1', { op: 'prices', request: { id: id('p'), products: ['AI95'] } });
    expect(before).toMatchObject({ prices: [{ product: 'AI95', listPrice: 5_999 }], scheduled: [{ product: 'AI95', price: 6_049, from: demoPriceChangeAt }] });
    harness.clock.set(demoPriceChangeAt - 1);
    expect(harness.engine.prices.publishDue()).toBe(0);
    harness.clock.set(demoPriceChangeAt);
    expect(harness.engine.prices.publishDue()).toBe(4);
    await harness.engine.store.flushed();
    expect(pushed.map((list) => [list.site, list.prices.find((entry) => entry.product === 'AI95')?.listPrice])).toEqual([
      ['MSK-01', 6_049],
      ['MSK-02', 6_049],
      ['TVR-01', 5_999],
      ['WASH-01', 6_049],
    ]);
    expect(harness.engine.prices.publishDue()).toBe(0);
    const after = await harness.call('MSK-01-POS1', sale([{ product: 'AI95', qty: 10_000 }]));
    expect(after).toMatchObject({ lines: [{ listPrice: 6_049, price: 6_049, amount: 60_490 }] });
    expect(await harness.call('MSK-01-POS1', { op: 'prices', request: { id: id('p'), products: ['AI95'] } })).toMatchObject({ scheduled: [] });
  });
});

describe('site ids', () => {
  it('belong to one network of an engine (they name the cfg.<siteId> subjects)', async () => {
    const harness = await start();
    const other: NetworkDocument = { network: { id: 'other', name: 'Other', currency: 'RUB', timezone: 'Europe/Moscow' }, sites: [{ id: 'MSK-01', name: 'Clash', kind: 'shop', terminals: [] }] };
    await expect(harness.engine.import(other)).rejects.toThrow('site "MSK-01" already belongs to another network');
  });
});
