// The client's cabinet in real Chromium: a club client (Иванова) signs in and sees her balance as the
// demo opens it (1 500,00 ₽); a wash session started and stopped for her plate through the engine shows
// as a charge in her operations and lowers her balance (the read model projects asynchronously: the
// test refreshes until it is there); her export holds her own operations only, and from her page the
// API answers 404 for another client. A counterparty's user sees its cards masked, never the numbers.
// With SCREENSHOTS=1 it writes docs/screenshots/cabinet.png.

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Reply, TerminalRequest } from '../engine/index.js';
import { demoCards, normalizePlate } from '../engine/index.js';
import { dashboardForSuite, screenshotsDirectory, signInPage } from './support/dashboard.js';

const screenshots = screenshotsDirectory();
const rub = (kopecks: number): string => new Intl.NumberFormat('ru-RU', { style: 'currency', currency: 'RUB', minimumFractionDigits: 2 }).format(kopecks / 100);

describe('the client cabinet in the dashboard', () => {
  const harness = dashboardForSuite();
  const submit = (terminal: string, request: TerminalRequest): Promise<Reply> => new Promise((resolve) => harness().server.engine.submit(terminal, request, resolve));

  it('a club client sees her balance, a wash charge in her operations and nothing of another client', async () => {
    const { page, context } = await signInPage(harness(), 'client', { owner: { kind: 'client', id: 'ivanova' }, name: 'Мария Иванова' });
    // A client lands in the cabinet.
    await page.waitForURL((url) => url.pathname === '/cabinet');
    const balance = page.getByTestId('balance-balance');
    await balance.getByText(rub(150_000)).waitFor();
    expect(await page.getByTestId('cabinet-name').innerText()).toBe('Иванова Мария');
    expect(await page.getByTestId('cabinet-plate').allInnerTexts()).toEqual([normalizePlate('А123ВС77')]); // kept as the engine normalises it

    // A wash session for her plate, started and stopped at the kiosk.
    const started = await submit('WASH-01-K1', { op: 'session.start', request: { id: 'cab-start-1', client: { plate: 'А123ВС77' }, tariff: 'WASH-STD' } });
    expect(started).toMatchObject({ result: 'approved' });
    const sessionId = String((started as { sessionId?: string }).sessionId);
    const stopped = await submit('WASH-01-K1', { op: 'session.stop', request: { id: 'cab-stop-1', sessionId } });
    expect(stopped).toMatchObject({ result: 'approved' });
    const amount = Number((stopped as { amount?: number }).amount);
    expect(amount).toBeGreaterThan(0);

    // The charge appears in her operations (refreshing until the read model has it) and the balance drops.
    const table = page.getByTestId('operations-table');
    const charge = table.locator('tr.ant-table-row').filter({ hasText: sessionId });
    await expect
      .poll(async () => {
        await page.getByTestId('cabinet-refresh').click();
        await page.waitForTimeout(300);
        return await charge.count();
      }, { timeout: 15_000 })
      .toBe(1);
    const row = await charge.innerText();
    expect(row).toContain('Мойка');
    expect(row).toContain(rub(-amount));
    expect(row).toContain(rub(150_000 - amount));
    await balance.getByText(rub(150_000 - amount)).waitFor();
    expect(await page.getByTestId('pricing-history').innerText()).toContain('WASH-STD');
    // The discounts in force are the ones that can price her purchases: the club's, not the taxi group's.
    const discounts = await page.getByTestId('pricing-discounts').innerText();
    expect(discounts).toContain('Клуб: −10 % в кафе');
    expect(discounts).toContain('для членов клуба');
    expect(discounts).not.toContain('Такси');
    // Wash time in minutes, as the engine charged it (not thousandths of a unit).
    const minutes = Number((stopped as { minutes?: number }).minutes);
    expect(await page.getByTestId('pricing-history').locator('tr').filter({ hasText: 'WASH-STD' }).innerText()).toContain(`${minutes} мин`);

    // Her own scope only: another client is 404 from her page, and her export has her session only.
    const other = await page.evaluate(async () => (await fetch('/api/v1/clients/petrov', { credentials: 'same-origin' })).status);
    expect(other).toBe(404);
    const othersOperations = await page.evaluate(async () => (await fetch('/api/v1/clients/petrov/operations', { credentials: 'same-origin' })).status);
    expect(othersOperations).toBe(404);
    const exportHref = await page.getByTestId('operations-csv').getAttribute('href');
    expect(exportHref).toContain('/api/v1/exports/transactions.csv');
    const csv = await page.evaluate(async (href) => (await fetch(String(href), { credentials: 'same-origin' })).text(), exportHref);
    expect(csv).toContain(sessionId);
    const petrovCsv = await page.evaluate(async () => (await fetch('/api/v1/exports/transactions.csv?client=petrov', { credentials: 'same-origin' })).text());
    expect(petrovCsv.trim().split('\n')).toHaveLength(1);

    await page.screenshot({ path: join(screenshots, 'cabinet.png'), fullPage: true });
    await context.close();
  });

  it('a counterparty sees its cards masked, in English too', async () => {
    const { page, context } = await signInPage(harness(), 'client', { owner: { kind: 'counterparty', id: 'logistic-trade' }, language: 'en' });
    const cards = page.getByTestId('cabinet-cards');
    await cards.locator('tr.ant-table-row').first().waitFor();
    const text = await cards.innerText();
    expect(text).toContain(demoCards.fleet.slice(-4));
    expect(text).toContain(demoCards.diesel.slice(-4));
    for (const number of Object.values(demoCards)) expect(text).not.toContain(number);
    expect(text).toContain('Active');
    await page.getByTestId('balance-credit').waitFor();
    expect(await page.getByText('Account operations').count()).toBe(1);
    // Another counterparty's record does not exist for it.
    expect(await page.evaluate(async () => (await fetch('/api/v1/counterparties/kuznetsov', { credentials: 'same-origin' })).status)).toBe(404);
    await context.close();
  });
});
