// One example call for each operation of the HTTP API, for the conformance test
// (test/api-conformance.test.ts): the path parameters, query and body that make it answer with its
// documented success on a server running the demo network with a few decisions made. A new route
// without an example here fails that test, which names it. Calls go with the test's owner API key,
// or `as: 'user'` with a signed-in owner's cookie and CSRF token (profile and sign-out endpoints are
// a person's own).

import { generateSync } from 'otplib';
import { constants, demoCards, demoNetwork } from '../../engine/index.js';
import type { SmtpSink } from '../../engine/testing/index.js';
import { call, mailsTo, nthCodeTo } from './sign-in.js';

export interface ExampleFacts {
  fuelTxId: string;
  receiptTxId: string;
  sessionId: string;
  /** The demo fleet card's number (only for the lookup body) and its identity. */
  cardNumber: string;
  card: { hash: string; masked: string };
  /** A period around now that reports accept. */
  from: string;
  to: string;
}

export interface ExampleCall {
  path?: Record<string, string>;
  query?: Record<string, string>;
  body?: unknown;
  /** Who calls: the owner's API key (default) or the signed-in owner (cookie + CSRF token). */
  as?: 'key' | 'user';
}

export interface ExampleContext {
  /** GET with the test's key, answering the parsed JSON. */
  fetchJson(url: string): Promise<unknown>;
  /** Where sign-in codes arrive, and the server's port (sign-in steps go through raw HTTP). */
  sink: SmtpSink;
  port: number;
  /** The test's person (network, e-mail and current password). */
  person: { network: string; email: string; password: string };
  /** Another person, for the first sign-in step alone. */
  otherPerson: { network: string; email: string; password: string };
  /** Remembers what a profile call changed (a new password, an authenticator's secret). */
  remember: { secret?: string };
}

export type Example = ExampleCall | ((context: ExampleContext) => Promise<ExampleCall>);

const newUserEmail = 'conformance.accountant@sever.test';

async function idOf(context: ExampleContext, url: string, listKey: string, match: (item: Record<string, unknown>) => boolean): Promise<string> {
  const answer = (await context.fetchJson(url)) as Record<string, unknown>;
  const items = (answer[listKey] ?? []) as Record<string, unknown>[];
  // Gone (an earlier call of the permission-matrix test deleted it): an id that names nothing, so the call answers 404.
  const id = items.find(match)?.['id'];
  return typeof id === 'string' ? id : 'no-such-record';
}

/** The first sign-in step of the context's person: the attempt token and the code e-mailed for it. */
async function signInAttempt(context: ExampleContext): Promise<{ attemptToken: string; code: string }> {
  const before = mailsTo(context.sink, context.person.email).length;
  const step = await call(context.port, 'post', '/api/v1/auth/sign-in', { body: context.person, from: '127.0.0.250' });
  const { attemptToken } = step.json as { attemptToken: string };
  return { attemptToken, code: await nthCodeTo(context.sink, context.person.email, before + 1) };
}

export interface OpenApiOperation {
  operationId: string;
  'x-permission'?: string;
  parameters?: { name: string; in: 'path' | 'query'; required: boolean }[];
  requestBody?: unknown;
  responses: Record<string, { content?: Record<string, { schema: Record<string, unknown> }> }>;
}

export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: { schemas: Record<string, Record<string, unknown>> };
}

/** Every operation of the document, in the order the tests call them: deletions late (they remove what others look at), signing out last. */
export function openApiOperations(document: OpenApiDocument): { method: string; path: string; operation: OpenApiOperation }[] {
  const rank = (method: string, path: string): number => (path.endsWith('/auth/logout') ? 2 : method === 'delete' ? 1 : 0);
  return Object.entries(document.paths)
    .flatMap(([path, methods]) => Object.entries(methods).map(([method, operation]) => ({ method, path, operation })))
    .sort((a, b) => rank(a.method, a.path) - rank(b.method, b.path));
}

let idempotencyKeys = 0;

/** The URL, headers and body of an example's call, with an API key or as a signed-in person (`as: 'user'`). */
export async function exampleRequest(
  context: ExampleContext,
  path: string,
  example: Example,
  credentials: { key: string; user?: { writeHeaders: Record<string, string> } },
): Promise<{ url: string; headers: Record<string, string>; body?: string }> {
  const resolved = typeof example === 'function' ? await example(context) : example;
  const url = path.replace(/\{([^}]+)\}/g, (_match, parameter: string) => encodeURIComponent(resolved.path?.[parameter] ?? `missing-${parameter}`)) + (resolved.query ? `?${new URLSearchParams(resolved.query).toString()}` : '');
  const who = resolved.as === 'user' && credentials.user !== undefined ? credentials.user.writeHeaders : { authorization: `Bearer ${credentials.key}` };
  if (resolved.body === undefined) return { url, headers: who };
  return { url, headers: { ...who, 'content-type': 'application/json', 'idempotency-key': `example-${++idempotencyKeys}` }, body: JSON.stringify(resolved.body) };
}

export function conformanceExamples(facts: ExampleFacts): Record<string, Example> {
  const period = { from: facts.from, to: facts.to };
  return {
    'GET /api/v1/openapi.json': {},

    // ---- machine-local: the terminal protocol over HTTP, the whole-document import ----
    'POST /api/v1/term/{terminal}/{op}': { path: { terminal: 'MSK-01-P1', op: 'inquire' }, body: { id: 'conformance-term-1', card: demoCards.loyalty } },
    // Only the network's own record: no catalog section, so nothing the other examples made is replaced.
    'POST /api/v1/import': { body: { network: demoNetwork().network } },

    // ---- the car wash, as a signed-in attendant or a program with the grant ----
    'GET /api/v1/alerts': { query: { status: 'all', limit: '10' } },
    'GET /api/v1/alerts/{number}': { path: { number: '1' } },
    'POST /api/v1/alerts/{number}/acknowledge': { path: { number: '1' }, body: {} },
    'POST /api/v1/alerts/{number}/resolve': { path: { number: '1' }, body: { note: 'проверено' } },
    'POST /api/v1/wash/terminals/{terminal}/sessions': { path: { terminal: 'WASH-01-K1' }, body: { id: 'conformance-board-1' } },
    'POST /api/v1/wash/terminals/{terminal}/session.start': { path: { terminal: 'WASH-01-K1' }, body: { id: 'conformance-wash-1', client: { plate: 'А123ВС77' }, tariff: 'WASH-STD' } },
    'POST /api/v1/wash/terminals/{terminal}/session.stop': { path: { terminal: 'WASH-01-K1' }, body: { id: 'conformance-wash-2', client: { plate: 'А123ВС77' }, comment: 'проверка' } },
    'POST /api/v1/wash/terminals/{terminal}/topup': { path: { terminal: 'WASH-01-K1' }, body: { id: 'conformance-topup-1', client: { plate: 'А123ВС77' }, amount: 10_000, method: 'cash' } },

    // ---- sign-in, users, profile, audit ----
    // Another person than the code step's, so that its e-mailed code cannot be taken for that one's.
    'POST /api/v1/auth/sign-in': (context) => Promise.resolve({ body: context.otherPerson }),
    'POST /api/v1/auth/code': async (context) => ({ body: await signInAttempt(context) }),
    'GET /api/v1/auth/me': { as: 'user' },
    'POST /api/v1/auth/logout': { as: 'user' },
    'GET /api/v1/users': {},
    'POST /api/v1/users': { body: { email: newUserEmail, name: 'Бухгалтер Проверка', role: 'accountant', password: 'a long enough passphrase' } },
    'PATCH /api/v1/users/{id}': async (context) => ({ path: { id: await idOf(context, '/api/v1/users', 'users', (user) => user['email'] === newUserEmail) }, body: { name: 'Бухгалтер Проверенный' } }),
    'POST /api/v1/users/{id}/password-reset': async (context) => ({ path: { id: await idOf(context, '/api/v1/users', 'users', (user) => user['email'] === newUserEmail) }, body: { password: 'another long passphrase' } }),
    'DELETE /api/v1/users/{id}': async (context) => ({ path: { id: await idOf(context, '/api/v1/users', 'users', (user) => user['email'] === newUserEmail) } }),
    'POST /api/v1/profile/password': (context) => {
      const next = `${context.person.password} (changed)`;
      const call = { as: 'user' as const, body: { currentPassword: context.person.password, newPassword: next } };
      context.person.password = next;
      return Promise.resolve(call);
    },
    'POST /api/v1/profile/authenticator': { as: 'user' },
    'POST /api/v1/profile/authenticator/confirm': (context) => {
      // Without an enrolment started (a caller refused that step), any code: the answer is the refusal.
      const secret = context.remember.secret;
      return Promise.resolve({ as: 'user', body: { code: secret === undefined ? '000000' : generateSync({ secret, period: constants.totpStepSeconds, digits: constants.signInCodeDigits }) } });
    },
    'POST /api/v1/profile/authenticator/remove': (context) => Promise.resolve({ as: 'user', body: { password: context.person.password } }),
    'GET /api/v1/audit': { query: { limit: '20' } },
    'GET /api/v1/exports/audit.csv': {},
    'GET /api/v1/exports/audit.xlsx': {},

    // ---- API keys ----
    'POST /api/v1/apikeys': { body: { role: 'accountant', label: 'conformance accountant' } },
    'GET /api/v1/apikeys': {},
    'DELETE /api/v1/apikeys/{id}': async (context) => ({ path: { id: await idOf(context, '/api/v1/apikeys', 'keys', (key) => key['label'] === 'conformance accountant') } }),

    // ---- the feed ----
    'GET /api/v1/transactions': { query: { site: 'MSK-01', limit: '10' } },
    'GET /api/v1/transactions/{id}': { path: { id: facts.receiptTxId } },
    'GET /api/v1/exports/transactions.xlsx': { query: { site: 'MSK-01' } },
    'GET /api/v1/exports/transactions.csv': { query: { site: 'MSK-01' } },

    // ---- balances, histories, reports ----
    'GET /api/v1/counterparties/{id}/balance': { path: { id: 'logistic-trade' } },
    'GET /api/v1/counterparties/{id}/operations': { path: { id: 'logistic-trade' } },
    'GET /api/v1/counterparties/{id}/pricing-conditions': { path: { id: 'logistic-trade' }, query: period },
    'GET /api/v1/clients/{id}/balance': { path: { id: 'ivanova' }, query: { at: facts.to } },
    'GET /api/v1/clients/{id}/operations': { path: { id: 'ivanova' } },
    'GET /api/v1/clients/{id}/pricing-conditions': { path: { id: 'ivanova' }, query: period },
    'GET /api/v1/balances': {},
    'GET /api/v1/reports/sales': { query: { ...period, group: 'site,product,day' } },
    'GET /api/v1/reports/payment-methods': { query: period },
    'GET /api/v1/reports/settlements': { query: period },
    'GET /api/v1/reports/wash-sessions': { query: period },
    'GET /api/v1/reports/topups': { query: period },
    // ---- network management (deletions run last and remove what the calls before them made) ----
    'GET /api/v1/network': {},
    'GET /api/v1/sites': {},
    'GET /api/v1/sites/{id}': { path: { id: 'MSK-01' } },
    'PUT /api/v1/sites/{id}': { path: { id: 'CONF-01' }, body: { name: 'Проверка', kind: 'shop', terminals: [{ id: 'CONF-01-POS1', kind: 'pos' }] } },
    'PATCH /api/v1/sites/{id}': { path: { id: 'MSK-02' }, body: { openingHours: '00:00-23:59' } },
    'DELETE /api/v1/sites/{id}': { path: { id: 'CONF-01' } },
    'GET /api/v1/terminals': { query: { site: 'MSK-01' } },
    'PUT /api/v1/terminals/{id}': { path: { id: 'CONF-T1' }, body: { site: 'MSK-02', kind: 'pos' } },
    'PATCH /api/v1/terminals/{id}': { path: { id: 'MSK-02-POS1' }, body: { requiresShift: false } },
    'DELETE /api/v1/terminals/{id}': { path: { id: 'CONF-T1' } },
    'GET /api/v1/products': { query: { limit: '5' } },
    'PUT /api/v1/products/{id}': { path: { id: 'CONF-TEA' }, body: { name: 'Чай', group: 'cafe', unit: 'pcs' } },
    'PATCH /api/v1/products/{id}': { path: { id: 'CONF-TEA' }, body: { name: 'Чай чёрный' } },
    'DELETE /api/v1/products/{id}': { path: { id: 'CONF-TEA' } },
    'GET /api/v1/prices': { query: { product: 'AI95' } },
    'PUT /api/v1/prices': { body: { product: 'AI92', site: 'MSK-02', price: 5_479 } },
    'DELETE /api/v1/prices': { query: { product: 'AI92', site: 'MSK-02' } },
    'GET /api/v1/discounts': {},
    'PUT /api/v1/discounts/{id}': { path: { id: 'conf-rule' }, body: { name: 'Проверка: −1 %', percent: 100, products: ['fuel'] } },
    'DELETE /api/v1/discounts/{id}': { path: { id: 'conf-rule' } },
    'GET /api/v1/tariffs': {},
    'PUT /api/v1/tariffs/{id}': { path: { id: 'CONF-WASH' }, body: { name: 'Проверка', perMinute: 1_000 } },
    'DELETE /api/v1/tariffs/{id}': { path: { id: 'CONF-WASH' } },
    'GET /api/v1/bonus': {},
    'PUT /api/v1/bonus': { body: { rate: 100, products: ['fuel', 'cafe', 'drinks', 'goods'], redeem: true, rates: [{ products: ['cafe'], rate: 500 }], tiers: [{ spend: 1_500_000, rate: 150 }], tierPeriod: 'month' } },
    'DELETE /api/v1/bonus': {},
    'POST /api/v1/network/import': { body: { network: { id: 'sever', name: 'АЗС «Северный Путь»', currency: 'RUB', timezone: 'Europe/Moscow' } } },
    'GET /api/v1/counterparties': {},
    'GET /api/v1/counterparties/{id}': { path: { id: 'logistic-trade' } },
    'PUT /api/v1/counterparties/{id}': { path: { id: 'conf-cp' }, body: { name: 'ООО «Проверка»', segment: 'fleet-small', balance: 0 } },
    'PATCH /api/v1/counterparties/{id}': { path: { id: 'kuznetsov' }, body: { creditLimit: 0 } },
    'GET /api/v1/clients': { query: { name: 'Иван' } },
    'GET /api/v1/clients/{id}': { path: { id: 'ivanova' } },
    'PUT /api/v1/clients/{id}': { path: { id: 'conf-client' }, body: { name: 'Проверка Клиент', member: false } },
    'PATCH /api/v1/clients/{id}': { path: { id: 'petrov' }, body: { member: false } },
    'GET /api/v1/cards': { query: { counterparty: 'logistic-trade' } },
    'GET /api/v1/cards/{id}': { path: { id: facts.card.hash } },
    'POST /api/v1/cards/lookup': { body: { number: facts.cardNumber } },
    'POST /api/v1/cards': { body: { number: '7005888800001111', counterparty: 'kuznetsov' } },
    'POST /api/v1/cards/{id}/block': { path: { id: facts.card.hash } },
    'POST /api/v1/cards/{id}/unblock': { path: { id: facts.card.hash } },
    'PUT /api/v1/cards/{id}/limits': { path: { id: facts.card.hash }, body: { limits: [{ period: 'day', volume: 200_000, products: ['fuel'] }, { period: 'month', amount: 3_000_000 }] } },
    'PUT /api/v1/cards/{id}/restrictions': { path: { id: facts.card.hash }, body: {} },
    'PATCH /api/v1/cards/{id}': { path: { id: facts.card.hash }, body: { tankLitres: 80 } },
    ...Object.fromEntries(
      (['sales', 'payment-methods', 'settlements', 'wash-sessions', 'topups'] as const).flatMap((report) =>
        (['xlsx', 'csv'] as const).map((format) => [`GET /api/v1/exports/reports/${report}.${format}`, { query: report === 'sales' ? { ...period, group: 'site,product' } : period }]),
      ),
    ),
  };
}
