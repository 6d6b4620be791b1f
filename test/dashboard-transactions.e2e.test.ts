// Transactions in real Chromium: a shop receipt of two lines paid by bank card and from the club
// client's account, and fuel on a fleet card, decided by the engine, are found on /transactions by the
// card's last four digits and by the receipt id (the read model projects them within moments); the
// operation card shows the receipt's lines, discounts and payments; a malformed card filter is refused
// before anything is sent; a declined authorisation shows its reason in words; English works.
// With SCREENSHOTS=1 it writes transactions.png and receipt.png.

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Reply, TerminalRequest } from '../engine/index.js';
import { demoCards, demoPins } from '../engine/index.js';
import { dashboardForSuite, screenshotsDirectory, signInPage } from './support/dashboard.js';

const screenshots = screenshotsDirectory();

describe('transactions in the dashboard', () => {
  const dashboard = dashboardForSuite();
  let counter = 0;
  const submit = (terminal: string, request: TerminalRequest): Promise<Reply> => new Promise((resolve) => dashboard().server.engine.submit(terminal, request, resolve));

  it('finds a receipt by card and by id, opens its lines and payments, and refuses a malformed card filter', async () => {
    const harness = dashboard();
    const sale = await submit('MSK-01-POS1', {
      op: 'sale',
      request: { id: `tx-sale-${++counter}`, card: demoCards.loyalty, lines: [{ product: 'COFFEE', qty: 2000 }, { product: 'HOTDOG', qty: 1000 }], payments: [{ method: 'bank_card', amount: 20_000 }, { method: 'account', amount: 30_130 }] },
    });
    expect(sale).toMatchObject({ result: 'approved', amount: 50_130 });
    const txId = String((sale as { txId?: string }).txId);
    const authorized = await submit('MSK-01-P1', { op: 'authorize', request: { id: `tx-a-${++counter}`, card: demoCards.fleet, pin: demoPins.fleet ?? '', product: 'AI95', volume: 20_000 } });
    await submit('MSK-01-P1', { op: 'complete', request: { id: `tx-c-${++counter}`, authId: String((authorized as { authId?: string }).authId), volume: 20_000 } });
    const declined = await submit('MSK-01-P2', { op: 'authorize', request: { id: `tx-d-${++counter}`, card: demoCards.blocked, product: 'AI95', volume: 10_000 } });
    expect(declined).toMatchObject({ result: 'declined', reason: 'CARD_BLOCKED' });

    const { page, context } = await signInPage(harness, 'admin');
    await page.getByTestId('menu-transactions').click();
    // A card filter that is no card is refused by the form.
    await page.getByTestId('filter-card').fill('12a');
    await page.getByTestId('filter-apply').click();
    await page.locator('.ant-form-item-explain-error').filter({ hasText: 'последние 4 цифры' }).waitFor();
    // By the loyalty card's last four: the receipt (poll: the projection is asynchronous).
    await page.getByTestId('filter-card').fill('0058');
    const rows = page.getByTestId('transactions-table').locator('tr.ant-table-row');
    await expect
      .poll(async () => {
        await page.getByTestId('filter-apply').click();
        await page.waitForTimeout(300);
        return rows.count();
      }, { timeout: 15_000 })
      .toBe(1);
    expect(await rows.first().innerText()).toContain('Чек магазина');
    expect(await rows.first().innerText()).toContain('501,30');
    expect(await rows.first().innerText()).not.toContain(demoCards.loyalty);
    await page.screenshot({ path: join(screenshots, 'transactions.png') });
    await rows.first().click();
    const card = page.locator('.ant-drawer');
    await card.getByTestId('receipt-lines').waitFor();
    const lines = await card.getByTestId('receipt-lines').locator('tr.ant-table-row').allInnerTexts();
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain('COFFEE');
    expect(lines[1]).toContain('HOTDOG');
    const payments = await card.getByTestId('receipt-payments').innerText();
    expect(payments).toContain('Банковская карта');
    expect(payments).toContain('200,00');
    expect(payments).toContain('Со счёта');
    expect(payments).toContain('301,30');
    await page.screenshot({ path: join(screenshots, 'receipt.png') });
    await page.keyboard.press('Escape');

    // By the receipt's id, and the declines with their reason.
    await page.getByTestId('filter-card').fill('');
    await page.getByTestId('filter-tx').fill(txId);
    await page.getByTestId('filter-apply').click();
    await expect.poll(() => rows.count()).toBe(1);
    await page.getByTestId('filter-tx').fill('');
    await page.getByTestId('filter-site').fill('MSK-01');
    await page.getByTestId('filter-kind').click();
    await page.locator('.ant-select-item-option').filter({ hasText: 'Отказ' }).click();
    await page.keyboard.press('Escape');
    await expect
      .poll(async () => {
        await page.getByTestId('filter-apply').click();
        await page.waitForTimeout(300);
        return rows.count();
      }, { timeout: 15_000 })
      .toBe(1);
    expect(await rows.first().innerText()).toContain('Карта заблокирована');
    await context.close();
  });

  it('speaks English when asked', async () => {
    const { page, context } = await signInPage(dashboard(), 'accountant', { language: 'en' });
    await page.getByTestId('menu-transactions').click();
    await page.getByTestId('transactions-table').locator('tr.ant-table-row').first().waitFor({ timeout: 15_000 });
    const text = await page.locator('body').innerText();
    expect(text).toContain('Transactions');
    expect(text).toContain('Shop receipt');
    await context.close();
  });
});
