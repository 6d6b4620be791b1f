// Signing in to the dashboard in real Chromium, as a person does: the page asks for network, e-mail
// and password, then for the e-mailed code; wrong passwords and codes are refused in words and change
// nothing; the menu shows only what the role may open; signing out (or the session ending on the
// server) brings the sign-in page back, and the live socket closes with it. With SCREENSHOTS=1 it
// writes docs/screenshots/sign-in.png.

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dashboardForSuite, screenshotsDirectory, signInPage, signInThroughForm } from './support/dashboard.js';
import { mailsTo, nthCodeTo } from './support/sign-in.js';

const screenshots = screenshotsDirectory();

describe('signing in to the dashboard', () => {
  const dashboard = dashboardForSuite();

  it('refuses a wrong password and a wrong code in words, then signs in with the e-mailed code', async () => {
    const harness = dashboard();
    const email = 'marina@sever.test';
    const password = 'marina passphrase 2026';
    const created = await harness.server.security.users.create({ network: 'sever', email, role: 'admin', password, name: 'Марина Ковалёва' }, { kind: 'system', id: 'e2e' });
    expect(created.ok).toBe(true);
    const context = await harness.browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${harness.base}/transactions`);
    await page.getByTestId('sign-in').waitFor();
    // The form checks before anything is sent.
    await page.getByTestId('sign-in-email').fill('not an address');
    await page.getByTestId('sign-in-submit').click();
    await page.locator('.ant-form-item-explain-error').filter({ hasText: 'Введите адрес эл. почты' }).waitFor();
    await page.screenshot({ path: join(screenshots, 'sign-in.png') });
    // A wrong password: the server's refusal, in words; no letter is sent.
    await page.getByTestId('sign-in-email').fill(email);
    await page.getByTestId('sign-in-password').fill('not the password');
    await page.getByTestId('sign-in-submit').click();
    await expect.poll(() => page.getByTestId('sign-in-error').innerText()).toContain('Неверная эл. почта или пароль');
    expect(mailsTo(harness.sink, email)).toHaveLength(0);
    // The right password: a letter with a code; a wrong code is refused, the right one signs in.
    await page.getByTestId('sign-in-password').fill(password);
    await page.getByTestId('sign-in-submit').click();
    const code = await nthCodeTo(harness.sink, email, 1);
    await page.getByTestId('sign-in-code').waitFor();
    expect(await page.locator('body').innerText()).toContain(email);
    await page.getByTestId('sign-in-code').fill(code === '000000' ? '111111' : '000000');
    await page.getByTestId('sign-in-confirm').click();
    await expect.poll(() => page.getByTestId('sign-in-error').innerText()).toContain('Неверный код');
    await page.getByTestId('sign-in-code').fill(code);
    await page.getByTestId('sign-in-confirm').click();
    await page.getByTestId('sign-out').waitFor();
    expect(await page.getByTestId('who').innerText()).toContain('Марина Ковалёва');
    // The code never shows on the page, and the session token is not readable by the page's scripts.
    expect(await page.locator('body').innerText()).not.toContain(code);
    expect(await page.evaluate('document.cookie')).not.toContain('tessera_session');
    // A reload keeps the session (the cookie) and the CSRF token (sessionStorage).
    await page.reload();
    await page.getByTestId('sign-out').waitFor();
    await context.close();
  });

  it('shows each role only the screens it may open', async () => {
    const harness = dashboard();
    const menuOf = async (role: Parameters<typeof signInPage>[1], extra: Parameters<typeof signInPage>[2] = {}): Promise<string[]> => {
      const { page, context } = await signInPage(harness, role, extra);
      const links = page.locator('[data-testid^="menu-"]');
      const keys: string[] = [];
      for (let index = 0; index < (await links.count()); index++) keys.push(((await links.nth(index).getAttribute('data-testid')) ?? '').replace(/^menu-/, ''));
      await context.close();
      return keys;
    };
    const owner = await menuOf('owner');
    expect(owner).toEqual(expect.arrayContaining(['dashboard', 'feed', 'transactions', 'cards', 'prices', 'reports', 'users', 'audit', 'attendant', 'profile']));
    expect(owner).not.toContain('cabinet');
    const accountant = await menuOf('accountant');
    expect(accountant).toEqual(expect.arrayContaining(['dashboard', 'transactions', 'reports']));
    expect(accountant).not.toContain('attendant');
    expect(accountant).not.toContain('users');
    const client = await menuOf('client', { owner: { kind: 'client', id: 'ivanova' } });
    expect(client.sort()).toEqual(['cabinet', 'profile']);
  });

  it('signing out, or the session ending on the server, brings the sign-in page back', async () => {
    const harness = dashboard();
    const { page, context } = await signInPage(harness, 'owner', { language: 'en' });
    expect(await page.getByTestId('sign-out').innerText()).toContain('Sign out');
    await page.getByTestId('sign-out').click();
    await page.getByTestId('sign-in').waitFor();
    expect(await page.locator('body').innerText()).toContain('You signed out');
    const after = await page.request.get(`${harness.base}/api/v1/auth/me`);
    expect(after.status()).toBe(401);
    await context.close();

    // Disabled by an administrator: the server closes the overview's live socket (4001), and the page
    // says the session ended.
    const second = await signInPage(harness, 'admin', { language: 'en' });
    const user = harness.server.security.users.list('sever').find((entry) => entry.email === second.email);
    if (user === undefined) throw new Error('no such user');
    const disabled = await harness.server.security.users.setStatus('sever', user.id, 'disabled', { kind: 'system', id: 'e2e' });
    expect(disabled.ok).toBe(true);
    await second.page.getByTestId('sign-in').waitFor({ timeout: 10_000 });
    expect(await second.page.locator('body').innerText()).toContain('Your session ended');
    await second.context.close();
  });

  it('the sign-in page signs a person in again after the session ended', async () => {
    const harness = dashboard();
    const { page, context, email, password } = await signInPage(harness, 'operator', { sites: ['MSK-01'] });
    await page.getByTestId('sign-out').click();
    await page.getByTestId('sign-in').waitFor();
    await signInThroughForm(harness, page, email, password);
    expect(await page.getByTestId('who').innerText()).toContain('Оператор');
    await context.close();
  });
});
