// The bench in smoke mode as a test: it must finish, measure something in every scenario, and find
// no correctness violation. No timing thresholds: shared machines are too noisy for them.

import { describe, expect, it } from 'vitest';
import { benchNetwork } from './network.js';
import { networkDocumentSchema } from '../engine/index.js';
import { benchSucceeded, formatReport, runBench } from './run.js';

describe('bench network', () => {
  it('is a valid network document, the same every time', () => {
    const size = { cards: 25, accounts: 4, terminals: 13 };
    const document = benchNetwork(size);
    expect(networkDocumentSchema.safeParse(document).success).toBe(true);
    expect(benchNetwork(size)).toEqual(document);
    expect(document.cards?.[0]?.number).toBe('9000000000000000');
    expect(document.cards?.every((card) => card.number.length === 16)).toBe(true);
    expect(document.sites?.flatMap((site) => site.terminals.map((terminal) => terminal.id))).toHaveLength(13);
    expect(document.cards?.some((card) => card.limits?.some((limit) => limit.period === 'day'))).toBe(true);
  });
});

describe('bench smoke', () => {
  it('runs core and NATS scenarios to completion with no correctness violations', { timeout: 180_000 }, async () => {
    const report = await runBench({ smoke: true, write: false });
    const text = formatReport(report);
    expect(report.failures, text).toEqual([]);
    expect(report.violations, text).toEqual([]);
    expect(benchSucceeded(report)).toBe(true);

    const core = report.core;
    expect(core).toBeDefined();
    expect(core?.scenarios.length).toBeGreaterThan(0);
    for (const scenario of core?.scenarios ?? []) {
      expect(scenario.throughput).toBeGreaterThan(0);
      expect(scenario.replies).toBe(scenario.sent);
      expect(scenario.latency.p99).toBeGreaterThan(0);
    }
    expect(core?.checks.approvals).toBeGreaterThan(0);
    expect(core?.checks.openHolds).toBe(core?.checks.expectedOpenHolds);

    if (report.skipped.length > 0) return; // no nats-server on this machine
    const nats = report.nats;
    expect(nats).toBeDefined();
    for (const system of ['engine', 'echo'] as const) {
      const scenarios = nats?.scenarios.filter((scenario) => scenario.system === system) ?? [];
      expect(scenarios.length).toBeGreaterThan(0);
      for (const scenario of scenarios) {
        expect(scenario.throughput).toBeGreaterThan(0);
        expect(scenario.latency.p99).toBeGreaterThan(0);
      }
    }
    expect(nats?.ratios.closedThroughput.every((entry) => entry.ratio > 0)).toBe(true);
  });
});
