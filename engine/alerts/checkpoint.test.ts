// The evaluator's checkpoint is written with the alerts that need it, not with every batch: a batch
// that raises nothing leaves the checkpoint (and the watch state) to a later write, within
// `alertCheckpointIntervalMs`. A crash in between loses only that deferral: a runner started on the
// same store evaluates the same events again from the older checkpoint and the watch state written
// with it, raises nothing for them, and raises the next alert exactly as the uninterrupted runner does.

import { afterEach, describe, expect, it, vi } from 'vitest';
import { demoCards, demoNetwork, demoPins } from '../demo/demo-network.js';
import type { TerminalRequest } from '../protocol/requests.js';
import type { Harness } from '../testing/engine-harness.js';
import { openHarness } from '../testing/engine-harness.js';
import type { AlertDraft } from './alert.js';
import { AlertRunner } from './runner.js';

const open: Harness[] = [];
afterEach(async () => {
  for (const harness of open.splice(0)) await harness.close().catch(() => undefined);
});

let counter = 0;
const authorize = (): TerminalRequest => ({ op: 'authorize', request: { id: `cp-${++counter}`, card: demoCards.fleet, pin: demoPins.fleet, product: 'AI95', volume: 10_000 } });
const checkpointOf = (harness: Harness): number | undefined => harness.engine.store.getReference<number>('alert-checkpoint', 'feed');

describe('the alert checkpoint', () => {
  it('is deferred by batches that raise nothing, and a runner restarted from the older checkpoint raises the same alerts once', async () => {
    const harness = openHarness({ alerts: {} });
    open.push(harness);
    await harness.engine.import({ ...demoNetwork(), alerts: { rules: { velocity: { authorizations: 2, minutes: 10 } } } });
    await harness.engine.alerts.idle();
    const before = checkpointOf(harness);
    const evaluatedBefore = harness.engine.alerts.stats().evaluated;

    // Two authorisations of one card: within the rule's count, so nothing is raised.
    for (let index = 0; index < 2; index++) expect(await harness.call('MSK-01-P1', authorize())).toMatchObject({ result: 'approved' });
    const head = harness.engine.store.lastPosition;
    await vi.waitFor(() => expect(harness.engine.alerts.stats().evaluated).toBeGreaterThanOrEqual(evaluatedBefore + 2));
    await harness.engine.store.flushed();
    expect(checkpointOf(harness)).toBe(before);

    // "After a crash": a second runner on the same store, starting from the checkpoint on disk.
    const raised: AlertDraft[] = [];
    const restarted = new AlertRunner({ store: harness.engine.store, clock: harness.clock, catalogs: harness.engine.catalogs, raise: (drafts) => raised.push(...drafts), dedup: [], checkpointIntervalMs: 60_000 });
    const stopFollowing = harness.engine.store.onCommitted((event) => restarted.committed(event));
    try {
      expect(restarted.checkpoint).toBe(before);
      await restarted.idle();
      expect(restarted.checkpoint).toBe(head);
      expect(raised).toEqual([]);
      // The third authorisation within ten minutes: both runners raise the velocity alert, once.
      expect(await harness.call('MSK-01-P1', authorize())).toMatchObject({ result: 'approved' });
      await restarted.idle();
      await harness.engine.alerts.idle();
      expect(raised.map((draft) => draft.rule)).toEqual(['velocity']);
      expect(harness.engine.alerts.list().map((alert) => alert.rule)).toEqual(['velocity']);
    } finally {
      stopFollowing();
      restarted.close();
    }
  });

  it('is written within the interval when nothing asks for it', async () => {
    const harness = openHarness({ alerts: {} });
    open.push(harness);
    await harness.engine.import({ ...demoNetwork(), alerts: { rules: { velocity: { authorizations: 5, minutes: 10 } } } });
    await harness.engine.alerts.idle();
    const before = checkpointOf(harness);
    expect(await harness.call('MSK-01-P1', authorize())).toMatchObject({ result: 'approved' });
    const head = harness.engine.store.lastPosition;
    // The interval is real time (a timer), not the engine's simulated clock.
    await vi.waitFor(
      async () => {
        await harness.engine.store.flushed();
        expect(checkpointOf(harness)).toBe(head);
      },
      { timeout: 5_000, interval: 100 },
    );
    expect(head).toBeGreaterThan(before ?? 0);
  });
});
