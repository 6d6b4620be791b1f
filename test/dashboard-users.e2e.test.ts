// Users, the audit log and the profile in real Chromium: an owner adds an operator with a site through
// the form (refused before sending without a site), the new user can sign in, the audit log shows who
// created it, disabling it ends its sessions; in the profile a wrong current password is refused in
// words and the right one changes it. With SCREENSHOTS=1 it writes users.png and audit.png.

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dashboardForSuite, screenshotsDirectory, signInPage, signInThroughForm } from './support/dashboard.js';

const screenshots = screenshotsDirectory();

describe('users, audit and profile in the dashboard', () => {
  const dashboard = dashboardForSuite();

  it('an owner adds an operator of a site, who then signs in; the audit log shows it; disabling ends its session', async () => {
    const harness = dashboard();
    const { page, context } = await signInPage(harness, 'owner', { name: 'Ольга Владимирова' });
    await page.getByTestId('menu-users').click();
    await page.getByTestId('user-add').click();
    await page.getByTestId('user-email').fill('sergey@sever.test');
    await page.getByTestId('user-name').fill('Сергей Орлов');
    await page.getByTestId('user-password').fill('sergey passphrase 1');
    await page.getByTestId('user-save').click();
    // An operator needs a site: the form says so and nothing is sent.
    await page.locator('.ant-form-item-explain-error').filter({ hasText: 'Выберите хотя бы один объект' }).waitFor();
    expect(harness.server.security.users.list('sever').some((user) => user.email === 'sergey@sever.test')).toBe(false);
    await page.getByTestId('user-sites').click();
    await page.locator('.ant-select-item-option').filter({ hasText: 'MSK-01' }).first().click();
    await page.keyboard.press('Escape');
    await page.getByTestId('user-save').click();
    await page.getByTestId('users-table').getByText('sergey@sever.test').waitFor();
    const created = harness.server.security.users.list('sever').find((user) => user.email === 'sergey@sever.test');
    expect(created).toMatchObject({ role: 'operator', sites: ['MSK-01'], name: 'Сергей Орлов', status: 'active' });
    await page.screenshot({ path: join(screenshots, 'users.png') });

    // The new operator signs in through the page and sees its role.
    const other = await harness.browser.newContext({ viewport: { width: 1440, height: 900 } });
    const operatorPage = await other.newPage();
    await operatorPage.goto(`${harness.base}/`);
    await signInThroughForm(harness, operatorPage, 'sergey@sever.test', 'sergey passphrase 1');
    expect(await operatorPage.getByTestId('who').innerText()).toContain('Оператор');

    // The audit log: the creation, by whom.
    await page.getByTestId('menu-audit').click();
    await page.getByTestId('audit-kind').click();
    await page.locator('.ant-select-item-option').filter({ hasText: 'user.created' }).first().click();
    const row = page.getByTestId('audit-table').locator('tr.ant-table-row').filter({ hasText: created?.id ?? '?' });
    await row.first().waitFor();
    expect(await row.first().innerText()).toContain('Владелец');
    await page.screenshot({ path: join(screenshots, 'audit.png') });

    // Disabling the operator ends its session: its page returns to sign-in.
    await page.getByTestId('menu-users').click();
    await page.getByTestId('user-disable-sergey@sever.test').click();
    await page.locator('.ant-popconfirm .ant-btn-primary, .ant-popover .ant-btn-primary').first().click();
    await expect.poll(() => harness.server.security.users.list('sever').find((user) => user.email === 'sergey@sever.test')?.status).toBe('disabled');
    await operatorPage.getByTestId('sign-in').waitFor({ timeout: 10_000 });
    await other.close();
    await context.close();
  });

  it('the profile refuses a wrong current password in words and changes it with the right one', async () => {
    const harness = dashboard();
    const signed = await signInPage(harness, 'accountant', { language: 'en' });
    const { page } = signed;
    await page.goto(`${harness.base}/profile`);
    await page.getByTestId('current-password').fill('not my password');
    await page.getByTestId('new-password').fill('a brand new passphrase');
    await page.getByTestId('repeat-password').fill('a different one');
    await page.getByTestId('change-password').click();
    await page.locator('.ant-form-item-explain-error').filter({ hasText: 'The passwords differ' }).waitFor();
    await page.getByTestId('repeat-password').fill('a brand new passphrase');
    await page.getByTestId('change-password').click();
    await expect.poll(() => page.getByTestId('password-error').innerText()).toContain('Wrong current password');
    await page.getByTestId('current-password').fill(signed.password);
    await page.getByTestId('change-password').click();
    await page.locator('.ant-message').filter({ hasText: 'Password changed' }).waitFor();
    // The new password signs in; the old one no longer does.
    const fresh = await harness.browser.newContext();
    const again = await fresh.newPage();
    await again.goto(`${harness.base}/`);
    await signInThroughForm(harness, again, signed.email, 'a brand new passphrase');
    await fresh.close();
    await signed.context.close();
  });
});
