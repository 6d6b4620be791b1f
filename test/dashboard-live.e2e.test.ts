// The live screens in real Chromium against the engine on a real nats-server: a fuel authorisation
// and completion and a shop sale of two lines, all on the fleet card and sent over NATS as a pump and
// a till send them, are found on /transactions by the card's last four digits once the read model has
// projected them; the receipt opens with its lines and payments, a decline with its reason in words;
// the exports carry the filters; a three-digit card filter is refused by the form and never sent; the
// words switch to English with the language picker; the overview shows today's, this week's and this
// month's sales, the revenue charts and the terminals heard from.
// With SCREENSHOTS=1 it writes transactions.png, receipt.png and overview.png.

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { demoCards, demoPins } from '../engine/index.js';
import { call, uniqueId } from './support/wire.js';
import { dashboardForSuite, screenshotsDirectory, signInPage } from './support/dashboard.js';

const screenshots = screenshotsDirectory();

describe('the live screens in the dashboard', () => {
  const dashboard = dashboardForSuite({ nats: true });

  const natsOf = () => {
    const nc = dashboard().nc;
    if (nc === undefined) throw new Error('no NATS connection');
    return nc;
  };

  /** Applies the filters until the table shows `count` rows (the projection is asynchronous). */
  const rowsAfterApplying = async (page: Page, count: number): Promise<void> => {
    const rows = page.getByTestId('transactions-table').locator('tr.ant-table-row');
    await expect
      .poll(
        async () => {
          await page.getByTestId('filter-apply').click();
          await page.getByTestId('transactions-table').locator('.ant-spin-spinning').waitFor({ state: 'detached' });
          return rows.count();
        },
        { timeout: 15_000 },
      )
      .toBeGreaterThanOrEqual(count);
  };

  it('finds the fleet card’s fuel and receipt by its last four digits, opens the receipt, refuses a three-digit card, shows a decline’s reason and speaks English', async () => {
    const nc = natsOf();
    const authorized = (await call(nc, 'MSK-01-P2', 'authorize', { id: uniqueId('live'), card: demoCards.fleet, pin: demoPins.fleet ?? '', product: 'AI95', volume: 20_000 })).body;
    expect(authorized).toMatchObject({ result: 'approved' });
    const completed = (await call(nc, 'MSK-01-P2', 'complete', { id: uniqueId('live'), authId: authorized['authId'], volume: 20_000 })).body;
    expect(completed).toMatchObject({ result: 'approved' });
    const sale = (await call(nc, 'MSK-01-POS1', 'sale', { id: uniqueId('live'), card: demoCards.fleet, pin: demoPins.fleet ?? '', lines: [{ product: 'COFFEE', qty: 2_000 }, { product: 'WATER', qty: 1_000 }] })).body;
    expect(sale).toMatchObject({ result: 'approved' });
    const saleAmount = Number(sale['amount']);
    const declinedId = uniqueId('live-declined');
    expect((await call(nc, 'MSK-01-P3', 'authorize', { id: declinedId, card: demoCards.blocked, product: 'AI95', volume: 10_000 })).body).toMatchObject({ result: 'declined', reason: 'CARD_BLOCKED' });
    expect(saleAmount).toBeGreaterThan(0);

    const { page, context } = await signInPage(dashboard(), 'owner');
    const asked: string[] = [];
    page.on('request', (request) => {
      if (request.url().includes('/api/v1/transactions')) asked.push(request.url());
    });
    await page.getByTestId('menu-transactions').click();
    await page.getByTestId('transactions-table').waitFor();

    // Three digits are no card: the form says so and nothing is sent.
    await page.getByTestId('filter-card').fill('017');
    await page.getByTestId('filter-apply').click();
    await page.locator('.ant-form-item-explain-error').filter({ hasText: 'последние 4 цифры' }).waitFor();
    expect(asked.filter((url) => url.includes('card='))).toEqual([]);

    await page.getByTestId('filter-card').fill('0017');
    await rowsAfterApplying(page, 2);
    expect(asked.some((url) => url.includes('card=0017'))).toBe(true);
    const rows = page.getByTestId('transactions-table').locator('tr.ant-table-row');
    const texts = await rows.allInnerTexts();
    for (const text of texts) expect(text).toContain('700500******0017');
    expect(texts.some((text) => text.includes('Топливо') && text.includes('AI95'))).toBe(true);
    const receiptRow = rows.filter({ hasText: 'Чек магазина' }).first();
    expect(await receiptRow.innerText()).toContain(String(sale['txId']));
    // The exports carry the same filters.
    expect(await page.getByRole('link', { name: /Excel/ }).getAttribute('href')).toContain('/api/v1/exports/transactions.xlsx?card=0017');
    await page.screenshot({ path: join(screenshots, 'transactions.png') });

    await receiptRow.click();
    const card = page.getByTestId('operation-card');
    await card.getByTestId('receipt-lines').waitFor();
    const lines = await card.getByTestId('receipt-lines').locator('tr.ant-table-row').allInnerTexts();
    expect(lines).toHaveLength(2);
    expect(lines.join('\n')).toContain('COFFEE');
    expect(lines.join('\n')).toContain('WATER');
    const payments = await card.getByTestId('receipt-payments').innerText();
    expect(payments).toContain('Со счёта');
    expect(payments.replace(/\s/g, '')).toContain((saleAmount / 100).toFixed(2).replace('.', ','));
    await page.screenshot({ path: join(screenshots, 'receipt.png') });
    await page.keyboard.press('Escape');
    await card.waitFor({ state: 'hidden' });

    // A decline found by its request id: its card says why in words.
    await page.getByTestId('filter-card').fill('');
    await page.getByTestId('filter-tx').fill(declinedId);
    await rowsAfterApplying(page, 1);
    await rows.first().click();
    expect(await card.getByTestId('decline-reason').innerText()).toContain('Карта заблокирована');
    await page.keyboard.press('Escape');
    await card.waitFor({ state: 'hidden' });

    // The language picker: the same screen in English.
    await page.getByTestId('language').click();
    await page.locator('.ant-select-item-option').filter({ hasText: 'English' }).click();
    await page.getByRole('heading', { name: 'Transactions' }).waitFor();
    expect(await rows.first().innerText()).toContain('Declined');
    expect(await rows.first().innerText()).toContain('Card blocked');
    expect(await page.getByTestId('filter-apply').innerText()).toContain('Search');
    await context.close();
  });

  /** Whether the statistic of a card shows more than nothing (money(0) is "0,00 ₽"). */
  const statistic = async (page: Page, testId: string): Promise<boolean> => (await page.getByTestId(testId).locator('.ant-statistic-content').innerText()).replace(/\D/g, '') !== '000';

  it('the overview shows the period totals, the revenue chart and the terminals heard from', async () => {
    const nc = natsOf();
    const sale = (await call(nc, 'MSK-02-POS1', 'sale', { id: uniqueId('live'), card: demoCards.fleet, pin: demoPins.fleet ?? '', lines: [{ product: 'COFFEE', qty: 1_000 }] })).body;
    expect(sale).toMatchObject({ result: 'approved' });
    // The browser is in Honolulu (13 hours behind Moscow): the periods are still the network's days.
    const { page, context } = await signInPage(dashboard(), 'owner', { timezoneId: 'Pacific/Honolulu' });
    const asked: URL[] = [];
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.pathname === '/api/v1/reports/sales') asked.push(url);
    });
    await page.waitForSelector('[data-testid="stream-status"][data-state="live"]', { timeout: 10_000 });
    const today = page.getByTestId('period-today');
    await today.waitFor();
    // The reports read the projection: the sales of both tests are in today's total once projected.
    await expect
      .poll(
        async () => {
          await page.reload();
          return statistic(page, 'period-today');
        },
        { timeout: 15_000 },
      )
      .toBe(true);
    for (const key of ['period-week', 'period-month']) expect(await statistic(page, key)).toBe(true);
    const moscowDate = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Moscow' }).format(new Date());
    const moscowMidnight = new Date(Date.parse(`${moscowDate}T00:00:00+03:00`)).toISOString();
    const nextMidnight = new Date(Date.parse(moscowMidnight) + 86_400_000).toISOString();
    expect(asked.some((url) => url.searchParams.get('from') === moscowMidnight && url.searchParams.get('to') === nextMidnight)).toBe(true);
    await page.getByTestId('chart-days').locator('canvas').waitFor();
    await page.getByTestId('chart-methods').locator('canvas').waitFor();
    // A terminal speaks, and the overview counts it online.
    await call(nc, 'TVR-01-P1', 'authorize', { id: uniqueId('live'), card: demoCards.blocked, product: 'AI95', volume: 1_000 });
    await expect.poll(() => page.getByTestId('online').innerText(), { timeout: 10_000 }).toMatch(/[1-9]\d* \/ \d+/);
    await page.screenshot({ path: join(screenshots, 'overview.png') });
    await context.close();
  });
});
