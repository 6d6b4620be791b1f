// Reports in real Chromium: fuel sold through the engine shows in the sales report (by product) with
// its totals and a chart; the Excel button downloads the same report, and the workbook — opened with
// exceljs — holds exactly the rows on screen, and the CSV the same in minor units. Settlements and
// English words; an attendant has no reports at all (no menu entry). With SCREENSHOTS=1 it writes
// docs/screenshots/reports.png.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import type { Reply, TerminalRequest } from '../engine/index.js';
import { demoCards, demoPins } from '../engine/index.js';
import { dashboardForSuite, screenshotsDirectory, signInPage } from './support/dashboard.js';

const screenshots = screenshotsDirectory();

describe('reports in the dashboard', () => {
  const dashboard = dashboardForSuite();
  let counter = 0;
  const submit = (terminal: string, request: TerminalRequest): Promise<Reply> => new Promise((resolve) => dashboard().server.engine.submit(terminal, request, resolve));
  /** Fuel through a pump: authorise, then complete for the volume (ml). Answers the amount charged. */
  const fuel = async (terminal: string, card: string, pin: string | undefined, product: string, volume: number): Promise<number> => {
    const authorized = await submit(terminal, { op: 'authorize', request: { id: `rep-a-${++counter}`, card, ...(pin !== undefined ? { pin } : {}), product, volume } });
    expect(authorized).toMatchObject({ result: 'approved' });
    const completed = await submit(terminal, { op: 'complete', request: { id: `rep-c-${++counter}`, authId: String((authorized as { authId?: string }).authId), volume } });
    expect(completed).toMatchObject({ result: 'approved' });
    return Number((completed as { amount?: number }).amount);
  };

  it('shows sold fuel by product with totals and a chart, and the Excel download holds the same rows', async () => {
    const harness = dashboard();
    const ai95 = (await fuel('MSK-01-P1', demoCards.fleet, demoPins.fleet, 'AI95', 20_000)) + (await fuel('MSK-01-P2', demoCards.fleet, demoPins.fleet, 'AI95', 10_000));
    // Diesel on the fleet card: the demo's diesel card works 06:00–22:00 Moscow time only, and this
    // server runs on the wall clock (the test must pass at any hour).
    const diesel = await fuel('MSK-02-P1', demoCards.fleet, demoPins.fleet, 'DT', 30_000);
    const { page, context } = await signInPage(harness, 'accountant');
    await page.getByTestId('menu-reports').click();
    // The read model projects asynchronously: refresh until both products are in.
    const table = page.getByTestId('report-table');
    await expect
      .poll(async () => {
        await page.getByTestId('report-refresh').click();
        await page.waitForTimeout(300);
        return (await table.locator('tbody tr.ant-table-row').count()) >= 2;
      }, { timeout: 15_000 })
      .toBe(true);
    const rows = await table.locator('tbody tr.ant-table-row').allInnerTexts();
    const money = (kopecks: number): string => new Intl.NumberFormat('ru-RU', { style: 'currency', currency: 'RUB', minimumFractionDigits: 2 }).format(kopecks / 100);
    expect(rows.find((row) => row.startsWith('AI95'))).toContain(money(ai95));
    expect(rows.find((row) => row.startsWith('DT'))).toContain(money(diesel));
    expect(await page.getByTestId('total-amount').innerText()).toBe(money(ai95 + diesel));
    await page.getByTestId('report-chart').locator('canvas').first().waitFor();
    await page.screenshot({ path: join(screenshots, 'reports.png') });

    // Excel: the download is the report on screen.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('report-export-xlsx').click()]);
    expect(download.suggestedFilename()).toMatch(/^sales-sever-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.xlsx$/);
    const path = await download.path();
    const workbook = new ExcelJS.Workbook();
    const bytes = readFileSync(path);
    await workbook.xlsx.load(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    const sheet = workbook.worksheets[0];
    if (sheet === undefined) throw new Error('no worksheet');
    const cells: unknown[][] = [];
    sheet.eachRow((row) => cells.push((row.values as unknown[]).slice(1)));
    expect(cells[0]).toEqual(['Product', 'Lines sold', 'Lines returned', 'Quantity (ml, 1/1000 pcs, min)', 'Amount', 'Discount']);
    const byProduct = new Map(cells.slice(1).map((row) => [row[0], row]));
    expect(byProduct.size).toBe(2);
    expect(byProduct.get('AI95')?.slice(1, 5)).toEqual([2, 0, 30_000, ai95 / 100]);
    expect(byProduct.get('DT')?.slice(1, 5)).toEqual([1, 0, 30_000, diesel / 100]);

    // CSV too, in minor units.
    const [csv] = await Promise.all([page.waitForEvent('download'), page.getByTestId('report-export-csv').click()]);
    const text = readFileSync(await csv.path(), 'utf8');
    // A UTF-8 byte-order mark first, so Excel reads the Cyrillic right.
    expect(text.split(/\r?\n/)[0]).toBe('\ufeffProduct,Lines sold,Lines returned,"Quantity (ml, 1/1000 pcs, min)",Amount,Discount');
    expect(text).toContain(`AI95,2,0,30000,${ai95},`);
    await context.close();
  });

  it('switches report and language (settlements name the counterparties), and shows an attendant no reports', async () => {
    const harness = dashboard();
    const { page, context } = await signInPage(harness, 'owner', { language: 'en' });
    await page.getByTestId('menu-reports').click();
    await page.getByTestId('report-tab-payment-methods').click();
    await page.getByTestId('report-table').locator('tbody tr.ant-table-row').first().waitFor({ timeout: 15_000 });
    expect(await page.locator('body').innerText()).toContain('Payment methods');
    await page.getByTestId('report-tab-settlements').click();
    await expect.poll(async () => (await page.getByTestId('report-table').innerText()).includes('Closing balance')).toBe(true);
    expect(await page.getByTestId('report-table').innerText()).toContain('ООО «Логистик-Трейд»');
    await context.close();

    const attendant = await signInPage(harness, 'attendant', { sites: ['WASH-01'] });
    expect(await attendant.page.getByTestId('menu-reports').count()).toBe(0);
    await attendant.page.goto(`${harness.base}/reports`);
    await attendant.page.getByTestId('sign-out').waitFor();
    expect(attendant.page.url()).not.toContain('/reports');
    await attendant.context.close();
  });
});
