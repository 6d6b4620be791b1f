// Alerts in real Chromium over a real nats-server: five declines of the blocked card at MSK-01 (sent
// as a pump would) raise an alert that appears on the open alerts screen and on the header's bell
// without a reload; the owner acknowledges it, an administrator's page open beside it sees that live;
// the owner resolves it with a note and it leaves the unresolved list for the resolved one. An operator
// of another site never sees it; an accountant sees it without the buttons. With SCREENSHOTS=1 it
// writes alerts.png.

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { demoCards } from '../engine/index.js';
import { call, uniqueId } from './support/wire.js';
import { dashboardForSuite, screenshotsDirectory, signInPage } from './support/dashboard.js';

const screenshots = screenshotsDirectory();

describe('alerts in the dashboard', () => {
  const dashboard = dashboardForSuite({ nats: true });

  it('an alert raised over NATS shows live; acknowledged and resolved on the page, seen by another viewer', async () => {
    const owner = await signInPage(dashboard(), 'owner');
    const admin = await signInPage(dashboard(), 'admin', { language: 'en' });
    const page = owner.page;
    await page.getByTestId('menu-alerts').click();
    await page.locator('[data-testid="stream-status"][data-state="live"]').last().waitFor({ timeout: 10_000 });
    await page.getByTestId('alerts-unresolved').waitFor();
    expect(await page.getByTestId('alerts-unresolved').getAttribute('data-count')).toBe('0');
    await admin.page.getByTestId('menu-alerts').click();
    await admin.page.locator('[data-testid="stream-status"][data-state="live"]').last().waitFor({ timeout: 10_000 });

    const nc = dashboard().nc;
    if (nc === undefined) throw new Error('no NATS');
    for (let attempt = 0; attempt < 5; attempt++) {
      const reply = await call(nc, 'MSK-01-P1', 'authorize', { id: uniqueId('alerts-e2e'), card: demoCards.blocked, product: 'AI95', volume: 10_000 });
      expect(reply.body).toMatchObject({ result: 'declined', reason: 'CARD_BLOCKED' });
    }

    // Live: no reload, the row and the bell follow the stream.
    const row = page.locator('tr.alert-1');
    await row.waitFor({ timeout: 10_000 });
    expect(await row.innerText()).toContain('Повторные отказы');
    expect(await row.innerText()).toContain('700500******0041');
    expect(await row.innerText()).toContain('MSK-01');
    expect(await page.locator('body').innerText()).not.toContain(demoCards.blocked);
    await expect.poll(() => page.getByTestId('alerts-bell').getAttribute('data-count'), { timeout: 10_000 }).toBe('1');
    await row.locator('.ant-table-row-expand-icon').click();
    expect(await page.getByTestId('alert-values-1').innerText()).toContain('отказов: 5');
    expect(await page.getByTestId('alert-values-1').innerText()).toContain('причины: Карта заблокирована');
    await page.screenshot({ path: join(screenshots, 'alerts.png') });

    await page.getByTestId('acknowledge-1').click();
    await expect.poll(() => page.getByTestId('alert-status-1').getAttribute('data-status'), { timeout: 10_000 }).toBe('acknowledged');
    expect(await row.innerText()).toContain(owner.email);
    // The administrator's page hears of it on its own socket.
    await expect.poll(() => admin.page.getByTestId('alert-status-1').getAttribute('data-status'), { timeout: 10_000 }).toBe('acknowledged');
    expect(await admin.page.locator('tr.alert-1').innerText()).toContain('Being handled');

    await page.getByTestId('resolve-1').click();
    await page.getByTestId('resolve-note').fill('Карта заблокирована по заявке клиента, водитель предупреждён');
    await page.locator('.ant-modal .ant-btn-primary').click();
    await expect.poll(() => page.locator('tr.alert-1').count(), { timeout: 10_000 }).toBe(0);
    await expect.poll(() => page.getByTestId('alerts-unresolved').getAttribute('data-count'), { timeout: 10_000 }).toBe('0');
    await expect.poll(() => admin.page.locator('tr.alert-1').count(), { timeout: 10_000 }).toBe(0);
    await page.getByTestId('alerts-status').getByText('Закрыто').click();
    await page.locator('tr.alert-1').waitFor();
    expect(await page.getByTestId('alert-status-1').getAttribute('data-status')).toBe('resolved');
    // The row opened earlier stays open under the same number (the table keeps its expanded rows).
    if ((await page.locator('tr.ant-table-expanded-row').count()) === 0) await page.locator('tr.alert-1 .ant-table-row-expand-icon').click();
    await expect.poll(() => page.locator('tr.ant-table-expanded-row').innerText(), { timeout: 5_000 }).toContain('водитель предупреждён');
    await owner.context.close();
    await admin.context.close();
  });

  it('an operator of another site does not see the alert; an accountant sees it without the buttons', async () => {
    const other = await signInPage(dashboard(), 'operator', { sites: ['MSK-02'] });
    await other.page.getByTestId('menu-alerts').click();
    await other.page.getByTestId('alerts-status').getByText('Все').click();
    await other.page.getByTestId('alerts-unresolved').waitFor();
    await other.page.locator('.ant-table-placeholder').waitFor();
    expect(await other.page.locator('tr.alert-1').count()).toBe(0);
    await other.context.close();

    const accountant = await signInPage(dashboard(), 'accountant', { language: 'en' });
    await accountant.page.getByTestId('menu-alerts').click();
    await accountant.page.getByTestId('alerts-status').getByText('All').click();
    await accountant.page.locator('tr.alert-1').waitFor();
    expect(await accountant.page.locator('tr.alert-1').innerText()).toContain('Repeated declines');
    expect(await accountant.page.locator('[data-testid^="acknowledge-"], [data-testid^="resolve-"]').count()).toBe(0);
    await accountant.context.close();
  });
});
