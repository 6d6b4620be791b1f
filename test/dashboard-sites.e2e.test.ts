// Sites and terminals in real Chromium over a real nats-server: a pump that sends a request shows as
// heard from (live, from the terminals stream); blocking a terminal on the page makes its next request
// TERMINAL_BLOCKED, unblocking lets it through again; an accountant sees the list without the buttons.
// With SCREENSHOTS=1 it writes sites.png.

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { demoCards, demoPins } from '../engine/index.js';
import { call, uniqueId } from './support/wire.js';
import { dashboardForSuite, screenshotsDirectory, signInPage } from './support/dashboard.js';

const screenshots = screenshotsDirectory();

describe('sites and terminals in the dashboard', () => {
  const dashboard = dashboardForSuite({ nats: true });
  const authorize = async (terminal: string): Promise<Record<string, unknown>> => {
    const nc = dashboard().nc;
    if (nc === undefined) throw new Error('no NATS');
    return (await call(nc, terminal, 'authorize', { id: uniqueId('sites'), card: demoCards.fleet, pin: demoPins.fleet ?? '', product: 'AI95', volume: 5_000 })).body;
  };

  it('shows a terminal heard from live, and blocking it on the page declines its next request', async () => {
    const { page, context } = await signInPage(dashboard(), 'owner');
    await page.getByTestId('menu-sites').click();
    await page.getByTestId('sites-table').waitFor();
    await page.locator('[data-testid="stream-status"][data-state="live"]').last().waitFor({ timeout: 10_000 });
    const row = page.getByTestId('sites-table').locator('tr.ant-table-row').filter({ hasText: 'MSK-01' }).first();
    await row.locator('.ant-table-row-expand-icon').click();
    await page.getByTestId('terminal-MSK-01-P2').waitFor();
    const before = await page.getByTestId('terminals-online').innerText();
    expect(await authorize('MSK-01-P1')).toMatchObject({ result: 'approved' });
    await expect.poll(() => page.getByTestId('terminals-online').innerText(), { timeout: 10_000 }).not.toBe(before);
    const heard = page.locator('tr.ant-table-row').filter({ has: page.getByTestId('terminal-MSK-01-P1') }).last();
    expect(await heard.innerText()).not.toContain('нет сигнала');
    await page.screenshot({ path: join(screenshots, 'sites.png') });

    await page.getByTestId('block-MSK-01-P2').click();
    await page.locator('.ant-popconfirm .ant-btn-primary, .ant-popover .ant-btn-primary').first().click();
    await page.getByTestId('unblock-MSK-01-P2').waitFor();
    expect(await authorize('MSK-01-P2')).toMatchObject({ result: 'declined', reason: 'TERMINAL_BLOCKED' });
    await page.getByTestId('unblock-MSK-01-P2').click();
    await page.getByTestId('block-MSK-01-P2').waitFor();
    expect(await authorize('MSK-01-P2')).toMatchObject({ result: 'approved' });
    await context.close();
  });

  it('an accountant sees sites and terminals without the block buttons, in English', async () => {
    const { page, context } = await signInPage(dashboard(), 'accountant', { language: 'en' });
    await page.getByTestId('menu-sites').click();
    const row = page.getByTestId('sites-table').locator('tr.ant-table-row').filter({ hasText: 'WASH-01' }).first();
    await row.locator('.ant-table-row-expand-icon').click();
    await page.getByTestId('terminal-WASH-01-K1').waitFor();
    expect(await page.locator('body').innerText()).toContain('Kiosk');
    expect(await page.locator('[data-testid^="block-"]').count()).toBe(0);
    await context.close();
  });
});
