// The catalog screens in real Chromium against a running engine (demo network `sever`, read model on
// PostgreSQL), each page signed in through the sign-in page (test/support/dashboard.ts): an owner
// schedules a price change at a local date and time and sees it listed next to the demo's own; changes
// a price now and the next sale at that site is priced with it; a negative price is refused before
// anything is sent; an accountant sees the prices read-only. With SCREENSHOTS=1 it writes the
// screenshots of docs/screenshots/.

import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { Reply, TerminalRequest } from '../engine/index.js';
import { demoNetwork } from '../engine/index.js';
import { uniqueId } from './support/wire.js';
import { repositoryRoot, signInPage, startDashboard } from './support/dashboard.js';
import type { DashboardHarness } from './support/dashboard.js';

const screenshots = process.env['SCREENSHOTS'] === '1' ? join(repositoryRoot, 'docs', 'screenshots') : mkdtempSync(join(tmpdir(), 'tessera-shots-'));

describe('the catalog screens in Chromium', () => {
  let harness: DashboardHarness;
  const submit = (terminal: string, request: TerminalRequest): Promise<Reply> => new Promise((resolve) => harness.server.engine.submit(terminal, request, resolve));

  beforeAll(async () => {
    harness = await startDashboard();
    mkdirSync(screenshots, { recursive: true });
  }, 180_000);

  afterAll(async () => {
    await harness?.close();
  });

  /** Picks an option of an antd Select (with search) by the text of the option. */
  const choose = async (page: Page, testId: string, text: string): Promise<void> => {
    await page.getByTestId(testId).click();
    await page.keyboard.type(text);
    await page.locator('.ant-select-dropdown:visible .ant-select-item-option').filter({ hasText: text }).first().click();
  };

  const openPrices = async (page: Page): Promise<void> => {
    await page.getByTestId('menu-prices').click();
    await page.locator('[data-testid="price-cell"][data-product="AI95"][data-site="*"]').waitFor({ timeout: 10_000 });
  };

  it('an owner schedules a price change at a local date and time and sees it listed with the demo’s own', async () => {
    const { page } = await signInPage(harness, 'owner');
    await openPrices(page);
    await choose(page, 'price-product', 'АИ-92');
    await choose(page, 'price-site', 'MSK-01');
    await page.getByTestId('price-value').locator('xpath=self::input | .//input').fill('57.99');
    await page.getByTestId('price-when').getByText('С даты и времени').click();
    await page.getByTestId('price-at').fill('2027-03-01T10:00');
    await page.getByTestId('price-submit').click();
    await page.locator('.ant-message').filter({ hasText: 'Изменение цены запланировано' }).waitFor({ timeout: 10_000 });
    // 10:00 in Moscow is 07:00 UTC: the engine holds the step from that instant.
    const at = Date.UTC(2027, 2, 1, 7, 0);
    expect(harness.server.engine.catalogOf('sever')?.prices).toContainEqual({ product: 'AI92', site: 'MSK-01', price: 5_799, from: at });
    await page.getByTestId('tab-scheduled').click();
    const mine = page.locator('[data-testid="scheduled-row"]').filter({ hasText: 'АИ-92' }).filter({ hasText: 'MSK-01' });
    await mine.waitFor({ timeout: 10_000 });
    expect(await mine.innerText()).toContain('01.03.2027, 10:00:00');
    expect(await mine.innerText()).toContain('57,99');
    // The demo network's own: AI-95 up on 1 January 2027 at midnight in Moscow.
    const demoChange = demoNetwork().prices?.find((step) => step.product === 'AI95' && step.site === undefined && step.from !== undefined);
    expect(demoChange).toEqual({ product: 'AI95', price: 6_049, from: Date.UTC(2026, 11, 31, 21, 0) });
    const demo = page.locator('[data-testid="scheduled-row"]').filter({ hasText: 'АИ-95' }).filter({ hasText: 'Вся сеть' });
    expect(await demo.innerText()).toContain('01.01.2027, 00:00:00');
    expect(await demo.innerText()).toContain('60,49');
    await page.getByTestId('tab-products').click();
    await page.getByTestId('products-table').getByText('Лампа H7 12 В', { exact: true }).waitFor();
    await page.getByTestId('tab-scheduled').click();
    await page.locator('.ant-message-notice').first().waitFor({ state: 'detached', timeout: 10_000 });
    await page.screenshot({ path: join(screenshots, 'prices.png'), fullPage: true });
    await page.close();
  });

  it('a price changed now prices the next sale at that site', async () => {
    const { page } = await signInPage(harness, 'owner');
    await openPrices(page);
    await choose(page, 'price-product', 'Вода питьевая');
    await choose(page, 'price-site', 'MSK-02');
    await page.getByTestId('price-value').locator('xpath=self::input | .//input').fill('95.5');
    await page.getByTestId('price-submit').click();
    await page.locator('.ant-message').filter({ hasText: 'Цена изменена' }).waitFor({ timeout: 10_000 });
    const sold = await submit('MSK-02-POS1', { op: 'sale', request: { id: uniqueId('water'), lines: [{ product: 'WATER', qty: 1_000 }] } });
    expect(sold).toMatchObject({ result: 'approved', amount: 9_550 });
    // Elsewhere the network's price stays.
    const other = await submit('MSK-01-POS1', { op: 'sale', request: { id: uniqueId('water'), lines: [{ product: 'WATER', qty: 1_000 }] } });
    expect(other).toMatchObject({ result: 'approved', amount: 8_900 });
    await expect.poll(() => page.locator('[data-testid="price-cell"][data-product="WATER"][data-site="MSK-02"]').innerText(), { timeout: 10_000 }).toContain('95,50');
    await page.close();
  });

  it('a negative price is refused before anything is sent', async () => {
    const { page } = await signInPage(harness, 'owner');
    await openPrices(page);
    const writes: string[] = [];
    page.on('request', (request) => {
      if (request.method() !== 'GET' && request.url().includes('/api/v1/prices')) writes.push(request.url());
    });
    await choose(page, 'price-product', 'АИ-98');
    await page.getByTestId('price-value').locator('xpath=self::input | .//input').fill('-5');
    await page.getByTestId('price-submit').click();
    await page.locator('.ant-form-item-explain-error').filter({ hasText: 'Сумма в рублях' }).waitFor({ timeout: 5_000 });
    // A date in the past is refused too.
    await page.getByTestId('price-value').locator('xpath=self::input | .//input').fill('70');
    await page.getByTestId('price-when').getByText('С даты и времени').click();
    await page.getByTestId('price-at').fill('2020-01-01T10:00');
    await page.getByTestId('price-submit').click();
    await page.locator('.ant-form-item-explain-error').filter({ hasText: 'в будущем' }).waitFor({ timeout: 5_000 });
    expect(writes).toEqual([]);
    expect(harness.server.engine.catalogOf('sever')?.prices?.filter((step) => step.product === 'AI98')).toEqual([{ product: 'AI98', price: 7_349 }]);
    await page.close();
  });

  it('an accountant sees the prices read-only', async () => {
    const { page } = await signInPage(harness, 'accountant');
    await openPrices(page);
    await page.getByTestId('read-only').waitFor();
    expect(await page.getByTestId('price-form').count()).toBe(0);
    await page.getByTestId('tab-scheduled').click();
    await page.locator('[data-testid="scheduled-row"]').first().waitFor();
    expect(await page.getByTestId('scheduled-remove').count()).toBe(0);
    await page.close();
  });

  it('an owner edits a wash tariff’s price per minute and sees it after a reload, its other fields kept', async () => {
    const { page } = await signInPage(harness, 'owner');
    await page.getByTestId('menu-tariffs').click();
    const row = page.locator('[data-testid="tariff-row"][data-code="WASH-PRO"]');
    await row.waitFor({ timeout: 10_000 });
    expect(await row.innerText()).toContain('WASH-01');
    await row.getByTestId('tariff-edit').click();
    const perMinute = page.getByTestId('tariff-per-minute-input').locator('xpath=self::input | .//input');
    expect(await perMinute.inputValue()).toBe('60.00');
    await perMinute.fill('-1');
    await page.getByTestId('tariff-save').click();
    await page.locator('.ant-form-item-explain-error').filter({ hasText: 'Сумма в рублях' }).waitFor({ timeout: 5_000 });
    await perMinute.fill('65.5');
    await page.getByTestId('tariff-save').click();
    await page.locator('.ant-message').filter({ hasText: 'Тариф сохранён' }).waitFor({ timeout: 10_000 });
    expect(harness.server.engine.catalogOf('sever')?.tariffs?.find((tariff) => tariff.code === 'WASH-PRO')).toEqual({
      code: 'WASH-PRO',
      name: 'Мойка с мастером',
      perMinute: 6_550,
      perMinuteMember: 5_000,
      minimumMinutes: 10,
      maximumMinutes: 90,
      sites: ['WASH-01'],
    });
    await expect.poll(() => row.getByTestId('tariff-per-minute').innerText(), { timeout: 10_000 }).toContain('65,50');
    await page.reload();
    await page.locator('[data-testid="tariff-row"][data-code="WASH-PRO"]').getByTestId('tariff-per-minute').filter({ hasText: '65,50' }).waitFor({ timeout: 10_000 });
    await page.locator('.ant-message-notice').first().waitFor({ state: 'detached', timeout: 10_000 });
    await page.screenshot({ path: join(screenshots, 'tariffs.png'), fullPage: true });
    await page.close();
  });
});
