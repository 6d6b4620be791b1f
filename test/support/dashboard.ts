// The dashboard's end-to-end harness: a real server (`serve()` with the demo network, the read model on
// the PostgreSQL server when one answers — else embedded PGlite —, sign-in codes caught by an SMTP
// sink, optionally a real nats-server for terminals), the dashboard built once, and real Chromium.
// `signInPage` makes a user of a role and signs it in through the sign-in page itself — e-mail,
// password, the e-mailed code typed into the form — so every e2e test starts the way a person does.

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { connect } from 'nats';
import type { NatsConnection } from 'nats';
import { pino } from 'pino';
import { serve } from '../../engine/cli/index.js';
import type { RunningServer } from '../../engine/cli/index.js';
import type { NewUser, Role } from '../../engine/index.js';
import type { PostgresForTests, SmtpSink } from '../../engine/testing/index.js';
import { embeddedPostgresForTests, serverPostgresForTests, startSmtpSink } from '../../engine/testing/index.js';
import { ensureDashboardBuilt, launchChromium } from './browser.js';
import { natsForTests } from './nats.js';
import type { NatsServerHandle } from './nats.js';
import { mailsTo, nthCodeTo } from './sign-in.js';

export const repositoryRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Where screenshots go: docs/screenshots with SCREENSHOTS=1 (they are committed), else a temporary directory. */
export function screenshotsDirectory(): string {
  const directory = process.env['SCREENSHOTS'] === '1' ? join(repositoryRoot, 'docs', 'screenshots') : mkdtempSync(join(tmpdir(), 'tessera-shots-'));
  mkdirSync(directory, { recursive: true });
  return directory;
}

/**
 * A harness for the enclosing `describe`: started in its beforeAll, closed in its afterAll. Call the
 * answer inside tests to get it.
 */
export function dashboardForSuite(options: { nats?: boolean } = {}): () => DashboardHarness {
  let harness: DashboardHarness | undefined;
  beforeAll(async () => {
    harness = await startDashboard(options);
  }, 180_000);
  afterAll(async () => {
    await harness?.close();
  });
  return () => {
    if (harness === undefined) throw new Error('the dashboard harness is not started (use it inside a test)');
    return harness;
  };
}

export interface DashboardHarness {
  server: RunningServer;
  sink: SmtpSink;
  browser: Browser;
  /** http://127.0.0.1:<port> */
  base: string;
  /** A terminal's NATS connection (with `nats: true`). */
  nc: NatsConnection | undefined;
  database: PostgresForTests;
  close(): Promise<void>;
}

/** Starts everything a dashboard e2e test needs; `close()` in afterAll. */
export async function startDashboard(options: { nats?: boolean } = {}): Promise<DashboardHarness> {
  await ensureDashboardBuilt(repositoryRoot);
  const sink = await startSmtpSink();
  const database = (await serverPostgresForTests()) ?? (await embeddedPostgresForTests());
  let nats: NatsServerHandle | undefined;
  if (options.nats === true) nats = await natsForTests();
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-dashboard-e2e-'));
  const server = await serve({
    dataDir,
    httpPort: 0,
    httpHost: '127.0.0.1',
    demo: true,
    ...(nats !== undefined ? { natsUrl: nats.url } : {}),
    readModel: { databaseUrl: database.url },
    logger: pino({ level: 'silent' }),
    alerts: { environment: sink.environment },
  });
  const nc = nats !== undefined ? await connect({ servers: nats.url, name: 'tessera-dashboard-e2e' }) : undefined;
  const browser = await launchChromium();
  return {
    server,
    sink,
    browser,
    base: `http://127.0.0.1:${server.http.port}`,
    nc,
    database,
    close: async () => {
      await browser.close();
      await nc?.close();
      await server.stop();
      await nats?.stop();
      await sink.close();
      await database.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

let people = 0;

export interface SignedInPage {
  page: Page;
  context: BrowserContext;
  email: string;
  password: string;
}

/**
 * A new user of `role` in network `sever` (operators and attendants need `sites`, clients an `owner`),
 * signed in through the page: the form, then the code from the e-mail. `viewport` defaults to a
 * desktop; pass a phone's for the attendant's screen; `timezoneId` puts the browser in another zone
 * than the network's. Answers once the shell shows the user.
 */
export async function signInPage(
  harness: DashboardHarness,
  role: Role,
  extra: Partial<Pick<NewUser, 'sites' | 'owner' | 'name'>> & { viewport?: { width: number; height: number }; language?: 'ru' | 'en'; timezoneId?: string } = {},
): Promise<SignedInPage> {
  people++;
  const email = `${role}-${people}-${process.pid}@sever.test`;
  const password = `a passphrase for ${role} ${people}`;
  const created = await harness.server.security.users.create(
    { network: 'sever', email, role, password, ...(extra.sites !== undefined ? { sites: extra.sites } : {}), ...(extra.owner !== undefined ? { owner: extra.owner } : {}), ...(extra.name !== undefined ? { name: extra.name } : {}) },
    { kind: 'system', id: 'e2e' },
  );
  if (!created.ok) throw new Error(`cannot create the ${role}: ${created.code} ${created.message}`);
  const context = await harness.browser.newContext({ viewport: extra.viewport ?? { width: 1440, height: 900 }, acceptDownloads: true, ...(extra.timezoneId !== undefined ? { timezoneId: extra.timezoneId } : {}) });
  if (extra.language !== undefined) {
    // Runs in the page, before its scripts: the language as if the person had picked it earlier.
    await context.addInitScript(`localStorage.setItem('tessera.language', ${JSON.stringify(extra.language)})`);
  }
  const page = await context.newPage();
  await page.goto(`${harness.base}/`);
  await signInThroughForm(harness, page, email, password);
  return { page, context, email, password };
}

/** Fills the sign-in page (network `sever`) and the code step; resolves when the shell is up. */
export async function signInThroughForm(harness: DashboardHarness, page: Page, email: string, password: string): Promise<void> {
  const before = mailsTo(harness.sink, email).length;
  await page.getByTestId('sign-in-network').fill('sever');
  await page.getByTestId('sign-in-email').fill(email);
  await page.getByTestId('sign-in-password').fill(password);
  await page.getByTestId('sign-in-submit').click();
  const code = await nthCodeTo(harness.sink, email, before + 1);
  await page.getByTestId('sign-in-code').fill(code);
  await page.getByTestId('sign-in-confirm').click();
  await page.getByTestId('sign-out').waitFor({ timeout: 10_000 });
}
