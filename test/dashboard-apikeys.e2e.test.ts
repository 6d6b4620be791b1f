// API keys in real Chromium, signed in as an owner through the sign-in page: issuing an operator key
// for a site shows its token once; the token works against the API as that role and reach (GET
// /api/v1/auth/me); revoking it in the list refuses the token from the next request on (401). An
// accountant has no such screen (no menu entry, and the path leads home). With SCREENSHOTS=1 it
// writes docs/screenshots/apikeys.png.

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dashboardForSuite, screenshotsDirectory, signInPage } from './support/dashboard.js';

const screenshots = screenshotsDirectory();

describe('API keys in the dashboard', () => {
  const dashboard = dashboardForSuite();
  const me = (token: string): Promise<Response> => fetch(`${dashboard().base}/api/v1/auth/me`, { headers: { Authorization: `Bearer ${token}` } });

  it('an owner issues an operator key for a site, the token works once shown, and revoking it refuses it', async () => {
    const { page } = await signInPage(dashboard(), 'owner');
    await page.getByTestId('menu-apikeys').click();
    await page.getByTestId('apikeys-table').waitFor({ timeout: 10_000 });

    await page.getByTestId('apikey-add').click();
    await page.getByTestId('apikey-label').fill('Бухгалтерия 1С — выгрузка');
    await page.getByTestId('apikey-role').click();
    await page.locator('.ant-select-dropdown:visible .ant-select-item-option').filter({ hasText: 'Оператор' }).click();
    // An operator key needs a site: refused in the form before anything is sent.
    await page.getByTestId('apikey-issue').click();
    await page.locator('.ant-form-item-explain-error').filter({ hasText: 'объект' }).waitFor({ timeout: 5_000 });
    await page.getByTestId('apikey-sites').click();
    await page.locator('.ant-select-dropdown:visible .ant-select-item-option').filter({ hasText: 'MSK-02' }).first().click();
    await page.keyboard.press('Escape');
    await page.getByTestId('apikey-issue').click();

    const token = (await page.getByTestId('apikey-token').innerText()).trim();
    expect(token).toMatch(/^tsk_k[0-9a-f]{18}_[A-Za-z0-9_-]{43}$/);
    const answer = await me(token);
    expect(answer.status).toBe(200);
    const principal = (await answer.json()) as { kind: string; role: string; sites: string[]; label?: string; id: string };
    expect(principal).toMatchObject({ kind: 'apikey', role: 'operator', sites: ['MSK-02'], label: 'Бухгалтерия 1С — выгрузка' });
    await page.getByTestId('apikey-token-close').click();
    // The token is gone from the page once closed: shown once.
    await page.getByTestId('apikey-token').waitFor({ state: 'hidden', timeout: 5_000 });
    expect(await page.content()).not.toContain(token);

    const row = page.locator('[data-testid="apikeys-table"] tr').filter({ hasText: principal.id });
    await row.waitFor({ timeout: 5_000 });
    expect(await row.innerText()).toContain('действует');
    await page.screenshot({ path: join(screenshots, 'apikeys.png') });
    await page.getByTestId(`apikey-revoke-${principal.id}`).click();
    await page.locator('.ant-popconfirm .ant-btn-dangerous').click();
    await row.filter({ hasText: 'отозван' }).waitFor({ timeout: 5_000 });
    expect((await me(token)).status).toBe(401);
    await page.close();
  });

  it('an accountant has no API keys screen', async () => {
    const { page } = await signInPage(dashboard(), 'accountant');
    expect(await page.getByTestId('menu-audit').count()).toBe(1);
    expect(await page.getByTestId('menu-apikeys').count()).toBe(0);
    await page.goto(`${dashboard().base}/apikeys`);
    await page.getByTestId('sign-out').waitFor({ timeout: 10_000 });
    await expect.poll(() => new URL(page.url()).pathname).not.toBe('/apikeys');
    await page.close();
  });
});
