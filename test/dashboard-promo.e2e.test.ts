// The discount rules and bonus programme screens in real Chromium against a running engine (demo
// network `sever`, read model on PostgreSQL), each page signed in through the sign-in page
// (test/support/dashboard.ts): an owner sees the demo's rules, creates one through the drawer and sees
// it listed (and held by the engine), then deletes it after a confirmation; a negative percent is
// refused before anything is sent; the bonus page shows the demo's programme; an accountant sees both
// read-only. With SCREENSHOTS=1 it writes docs/screenshots/discounts.png.

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { dashboardForSuite, screenshotsDirectory, signInPage } from './support/dashboard.js';

describe('the discount and bonus screens in Chromium', () => {
  const harness = dashboardForSuite();
  const screenshots = screenshotsDirectory();

  const openDiscounts = async (page: Page): Promise<void> => {
    await page.getByTestId('menu-discounts').click();
    await page.locator('[data-testid="discount-row"][data-id="night-dt"]').waitFor({ timeout: 10_000 });
  };
  /** The text of a row with the number formatting's narrow and no-break spaces as plain spaces. */
  const rowText = async (page: Page, id: string): Promise<string> => (await page.locator(`[data-testid="discount-row"][data-id="${id}"]`).innerText()).replace(/[\u00a0\u202f]/g, ' ');
  const input = (page: Page, testId: string) => page.getByTestId(testId).locator('xpath=self::input | .//input');

  it('an owner sees the demo’s rules, creates one through the form and sees it listed, then deletes it', async () => {
    const { page } = await signInPage(harness(), 'owner');
    await openDiscounts(page);
    const night = await rowText(page, 'night-dt');
    expect(night).toContain('Ночной дизель');
    expect(night).toContain('23:00-06:00');
    expect(night).toContain('−1,00 ₽ за ед.');
    const volume = await rowText(page, 'fleet-volume-1000');
    expect(volume).toContain('−2,5 %');
    expect(volume).toContain('от 1 000 л');
    expect(volume).toContain('за месяц');
    expect(await rowText(page, 'club-cafe')).toContain('Только члены клуба');
    expect(await rowText(page, 'transline-dt-contract')).toContain('по 66,00 ₽ за ед.');
    expect(await page.getByTestId('discount-row').count()).toBe(6);

    await page.getByTestId('discount-new').click();
    await input(page, 'discount-id').fill('spring-ai95');
    await input(page, 'discount-name').fill('Весна: −3 % на АИ-95');
    await input(page, 'discount-value-input').fill('3');
    await page.getByTestId('discount-products').click();
    await page.keyboard.type('AI95');
    await page.locator('.ant-select-dropdown:visible .ant-select-item-option').filter({ hasText: 'AI95' }).first().click();
    await page.keyboard.press('Escape');
    await page.getByTestId('discount-save').click();
    await page.locator('.ant-message').filter({ hasText: 'Правило сохранено' }).waitFor({ timeout: 10_000 });
    expect(harness().server.engine.catalogOf('sever')?.discounts?.find((rule) => rule.id === 'spring-ai95')).toEqual({ id: 'spring-ai95', name: 'Весна: −3 % на АИ-95', percent: 300, products: ['AI95'] });
    const mine = page.locator('[data-testid="discount-row"][data-id="spring-ai95"]');
    await mine.waitFor({ timeout: 10_000 });
    expect(await rowText(page, 'spring-ai95')).toContain('−3 %');
    expect(await mine.innerText()).toContain('AI95');
    await page.locator('.ant-message-notice').first().waitFor({ state: 'detached', timeout: 10_000 });
    await page.screenshot({ path: join(screenshots, 'discounts.png'), fullPage: true });

    await mine.getByTestId('discount-remove').click();
    await page.locator('.ant-popconfirm .ant-btn-primary').click();
    await mine.waitFor({ state: 'detached', timeout: 10_000 });
    expect(harness().server.engine.catalogOf('sever')?.discounts?.some((rule) => rule.id === 'spring-ai95')).toBe(false);
    await page.close();
  });

  it('a negative percent is refused in the form before anything is sent', async () => {
    const { page } = await signInPage(harness(), 'owner');
    await openDiscounts(page);
    const writes: string[] = [];
    page.on('request', (request) => {
      if (request.method() !== 'GET' && request.url().includes('/api/v1/discounts')) writes.push(request.url());
    });
    await page.getByTestId('discount-new').click();
    await input(page, 'discount-id').fill('negative');
    await input(page, 'discount-name').fill('Наоборот');
    await input(page, 'discount-value-input').fill('-5');
    await page.getByTestId('discount-save').click();
    await page.locator('.ant-form-item-explain-error').filter({ hasText: 'Процент от 0,01 до 100' }).waitFor({ timeout: 5_000 });
    expect(writes).toEqual([]);
    expect(harness().server.engine.catalogOf('sever')?.discounts?.some((rule) => rule.id === 'negative')).toBe(false);
    await page.close();
  });

  it('the bonus page shows the demo’s programme', async () => {
    const { page } = await signInPage(harness(), 'owner');
    await page.getByTestId('menu-bonus').click();
    await page.getByTestId('bonus-program').waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('bonus-rate').innerText()).toBe('1 %');
    expect(await page.getByTestId('bonus-redeem').innerText()).toBe('разрешена');
    const program = await page.getByTestId('bonus-program').innerText();
    for (const group of ['fuel', 'cafe', 'drinks', 'goods']) expect(program).toContain(group);
    expect(await page.getByTestId('bonus-rates').innerText()).toContain('5 %');
    const tiers = (await page.getByTestId('bonus-tiers').innerText()).replace(/[\u00a0\u202f]/g, ' ');
    expect(tiers).toContain('от 15 000,00 ₽');
    expect(tiers).toContain('1,5 %');
    expect(program).toContain('за месяц');
    await page.getByTestId('bonus-edit').waitFor();
    await page.close();
  });

  it('an accountant sees both read-only', async () => {
    const { page } = await signInPage(harness(), 'accountant');
    await openDiscounts(page);
    await page.getByTestId('read-only').waitFor();
    expect(await page.getByTestId('discount-new').count()).toBe(0);
    expect(await page.getByTestId('discount-edit').count()).toBe(0);
    expect(await page.getByTestId('discount-remove').count()).toBe(0);
    await page.getByTestId('menu-bonus').click();
    await page.getByTestId('bonus-program').waitFor({ timeout: 10_000 });
    await page.getByTestId('read-only').waitFor();
    expect(await page.getByTestId('bonus-edit').count()).toBe(0);
    await page.close();
  });
});
