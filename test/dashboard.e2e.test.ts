// The dashboard in real Chromium against a running engine on a real nats-server, each page signed in
// through the sign-in page with an e-mailed code (test/support/dashboard.ts): an authorisation
// a pump sends over NATS appears in the live feed within a second or so; today's figures move; the
// attendant starts a wash session by plate, sees it on the board with its timer and cost, stops it
// with a comment; a top-up by plate; the screen reconnects after the engine's socket drops. With
// SCREENSHOTS=1 it writes the screenshots of docs/screenshots/.

import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { NatsConnection } from 'nats';
import { demoCards, demoPins } from '../engine/index.js';
import { call, uniqueId } from './support/wire.js';
import { repositoryRoot, signInPage, startDashboard } from './support/dashboard.js';
import type { DashboardHarness } from './support/dashboard.js';

const screenshots = process.env['SCREENSHOTS'] === '1' ? join(repositoryRoot, 'docs', 'screenshots') : mkdtempSync(join(tmpdir(), 'tessera-shots-'));

describe('the dashboard in Chromium', () => {
  let harness: DashboardHarness;
  let nc: NatsConnection;

  beforeAll(async () => {
    harness = await startDashboard({ nats: true });
    if (harness.nc === undefined) throw new Error('no NATS connection');
    nc = harness.nc;
    mkdirSync(screenshots, { recursive: true });
  }, 180_000);

  afterAll(async () => {
    await harness?.close();
  });

  const live = async (page: Page): Promise<void> => {
    await page.waitForSelector('[data-testid="stream-status"][data-state="live"]', { timeout: 10_000 });
  };

  it('an authorisation sent over NATS appears in the live feed, and today’s figures count it', async () => {
    const { page } = await signInPage(harness, 'owner');
    await live(page);
    const before = await page.locator('[data-testid="kpi-fuel"]').innerText();
    const authorized = (await call(nc, 'MSK-01-P2', 'authorize', { id: uniqueId('e2e'), card: demoCards.fleet, pin: demoPins.fleet ?? '', product: 'AI95', volume: 20_000 })).body;
    expect(authorized).toMatchObject({ result: 'approved' });
    await call(nc, 'MSK-01-P2', 'complete', { id: uniqueId('e2e'), authId: authorized['authId'], volume: 20_000 });
    const row = page.locator('[data-testid="feed-row"][data-type="completed"]').filter({ hasText: 'MSK-01-P2' }).first();
    await row.waitFor({ timeout: 5_000 });
    expect(await row.innerText()).toContain('700500******0017');
    await expect.poll(() => page.locator('[data-testid="kpi-fuel"]').innerText(), { timeout: 5_000 }).not.toBe(before);
    // Nothing the server sends is markup: a product name with HTML shows as text.
    expect(await page.locator('script:not([src])').count()).toBe(0);
    await page.screenshot({ path: join(screenshots, 'overview.png') });
    // The completion's row opens the fuel transaction's card once the read model has it.
    await expect.poll(async () => {
      await row.click();
      const card = page.locator('[data-testid="operation-card"]');
      await card.waitFor({ timeout: 5_000 });
      const text = await card.innerText();
      if (!text.includes('700500******0017')) await page.keyboard.press('Escape');
      return text;
    }, { timeout: 15_000 }).toContain('700500******0017');
    await page.close();
  });

  it('the feed stays a bounded, virtualised list under a burst', async () => {
    const { page } = await signInPage(harness, 'owner');
    await page.getByTestId('menu-feed').click();
    await live(page);
    await Promise.all(Array.from({ length: 300 }, () => call(nc, 'MSK-01-P3', 'authorize', { id: uniqueId('b'), card: demoCards.blocked, product: 'AI95', volume: 1_000 })));
    await expect.poll(async () => page.locator('[data-testid="feed-row"]').count(), { timeout: 5_000 }).toBeGreaterThan(5);
    // Only the rows in view are in the page.
    expect(await page.locator('[data-testid="feed-row"]').count()).toBeLessThan(100);
    await page.screenshot({ path: join(screenshots, 'feed.png') });
    await page.close();
  });

  it('the attendant starts a wash by plate, sees the timer and cost, stops it with a comment, and tops up', async () => {
    const { page } = await signInPage(harness, 'attendant', { sites: ['WASH-01'], viewport: { width: 412, height: 915 } });
    await live(page);
    await page.locator('[data-testid="client-value"]').fill('в456ор 99');
    await page.locator('[data-testid="tariff"]').click();
    await page.locator('.ant-select-item-option').filter({ hasText: 'Мойка самообслуживания' }).click();
    await page.locator('[data-testid="start"]').click();
    const row = page.locator('[data-testid="board-row"]').filter({ hasText: 'B456OP99' });
    await row.waitFor({ timeout: 5_000 });
    expect(await row.locator('[data-testid="cost"]').innerText()).toContain('120,00'); // the 4-minute minimum at 30 ₽
    await page.locator('.ant-message-notice').first().waitFor({ state: 'detached', timeout: 10_000 });
    await page.screenshot({ path: join(screenshots, 'attendant.png'), fullPage: true });
    await row.locator('[data-testid="stop"]').click();
    await page.locator('[data-testid="stop-comment"]').fill('всё чисто');
    await page.locator('[data-testid="confirm-stop"]').click();
    await row.waitFor({ state: 'detached', timeout: 5_000 });
    await page.locator('.ant-message').filter({ hasText: 'Мойка завершена' }).waitFor({ timeout: 5_000 });
    // A plate that is not a plate is refused before anything is sent.
    await page.locator('[data-testid="topup-plate"]').fill('№№');
    await page.locator('[data-testid="topup-submit"]').click();
    await page.locator('.ant-form-item-explain-error').filter({ hasText: 'Госномер' }).waitFor({ timeout: 5_000 });
    await page.locator('[data-testid="topup-plate"]').fill('В456ОР99');
    await page.locator('[data-testid="topup-amount"]').locator('xpath=self::input | .//input').fill('500');
    await page.locator('[data-testid="topup-submit"]').click();
    await page.locator('.ant-message').filter({ hasText: 'Баланс пополнен' }).waitFor({ timeout: 5_000 });
    await page.close();
  });

  it('an attendant acts for the wash as itself: another site’s wash is not there for it, and its actions are audited', async () => {
    const elsewhere = await signInPage(harness, 'attendant', { sites: ['MSK-01'], viewport: { width: 412, height: 915 } });
    await elsewhere.page.locator('.ant-alert-error').filter({ hasText: 'Не найдено' }).waitFor({ timeout: 10_000 });
    await elsewhere.context.close();
    // The earlier test's start and stop are in the audit log with the attendant who did them.
    const entries = harness.server.security.audit.query('sever', { action: 'sessions.operate' }).entries;
    expect(entries.length).toBeGreaterThanOrEqual(2);
    expect(entries.every((entry) => entry.actor.kind === 'user' && 'role' in entry.actor && entry.actor.role === 'attendant' && entry.target?.id === 'WASH-01-K1')).toBe(true);
  });

  it('reconnects after its socket drops and catches up on what it missed', async () => {
    const { page } = await signInPage(harness, 'owner');
    await page.getByTestId('menu-feed').click();
    await live(page);
    expect(harness.server.http.streams.endViewers(() => true)).toBeGreaterThan(0);
    const missed = (await call(nc, 'TVR-01-P1', 'authorize', { id: uniqueId('m'), card: demoCards.blocked, product: 'AI95', volume: 1_000 })).body;
    expect(missed).toMatchObject({ reason: 'CARD_BLOCKED' });
    await live(page);
    await page.locator('[data-testid="feed-row"][data-type="declined"]').filter({ hasText: 'TVR-01-P1' }).first().waitFor({ timeout: 10_000 });
    await page.close();
  });
});
