// The permission matrix over every endpoint, generated from the documented matrix (docs/security.md,
// parsed) and the OpenAPI document's `x-permission` of each operation, so the matrix, its
// documentation and the server cannot drift: every role, as a signed-in person and as an API key,
// calls every protected operation with its conformance example. Where the documented cell is `—`
// the answer is 403 FORBIDDEN (and the refusal is in the audit log); where a grant exists the answer
// is never 401 or 403 — the scope then narrows what is seen (another client's record is 404, an
// operator's list holds its sites) — except for the refusals listed below, each for a stated reason.
// `self` grants (a person's own profile) refuse API keys, but for "who am I" and signing out.

import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../engine/index.js';
import { isAction, roles, siteScopedRoles } from '../engine/index.js';
import { documentedMatrix } from '../engine/testing/index.js';
import { conformanceExamples, exampleRequest, openApiOperations } from './support/api-examples.js';
import type { ExampleContext, OpenApiDocument } from './support/api-examples.js';
import type { ApiServer } from './support/api-server.js';
import { startApiServer } from './support/api-server.js';
import { signedInAs } from './support/sign-in.js';
import type { SignedIn } from './support/sign-in.js';

const matrix = documentedMatrix(readFileSync(new URL('../docs/security.md', import.meta.url), 'utf8'));
const noGrant = '—';
const ownSite = 'MSK-01';
const ownRecord = { kind: 'counterparty', id: 'kuznetsov' } as const;

/**
 * Granted by the matrix, refused by the endpoint on purpose (`METHOD path` → roles), each with its reason:
 * - settlements are balances, which belong to no site: an operator limited to sites cannot have a
 *   per-counterparty settlement that reconciles (docs/decisions/0017).
 */
const refusedOnPurpose: Readonly<Record<string, readonly Role[]>> = {
  'GET /api/v1/reports/settlements': ['operator'],
  'GET /api/v1/exports/reports/settlements.xlsx': ['operator'],
  'GET /api/v1/exports/reports/settlements.csv': ['operator'],
};

/**
 * Operations that answer every authenticated caller about itself, API keys included, although their
 * permission is the `self` one: who am I (a program learns its key's role and sites) and signing out
 * (for a key it ends nothing: `{ ended: false }`).
 */
const answeredForEveryCaller: ReadonlySet<string> = new Set(['GET /api/v1/auth/me', 'POST /api/v1/auth/logout']);

interface Caller {
  role: Role;
  kind: 'user' | 'apikey';
  key: string;
  user: SignedIn & { password: string };
  context: ExampleContext;
}

describe('the permission matrix over every endpoint', () => {
  let api: ApiServer;
  let document: OpenApiDocument;
  const callers: Caller[] = [];

  beforeAll(async () => {
    api = await startApiServer('permissions');
    document = (await (await fetch(`${api.base}/api/v1/openapi.json`)).json()) as OpenApiDocument;
    const extra = (role: Role): { sites?: string[]; owner?: typeof ownRecord } => ({ ...(siteScopedRoles.has(role) ? { sites: [ownSite] } : {}), ...(role === 'client' ? { owner: ownRecord } : {}) });
    for (const role of roles) {
      // A person of the role for the user calls; their own profile and sign-out calls are theirs.
      const user = await signedInAs(api.server, api.sink, role, extra(role));
      const other = await signedInAs(api.server, api.sink, role, extra(role));
      const key = await api.apiKey({ network: 'sever', role, label: `matrix ${role}`, ...extra(role) });
      for (const kind of ['user', 'apikey'] as const) {
        callers.push({
          role,
          kind,
          key,
          user,
          context: {
            fetchJson: (url) => fetch(`${api.base}${url}`, { headers: { authorization: `Bearer ${api.ownerKey}` } }).then((reply) => reply.json()),
            person: { network: 'sever', email: user.user.email, password: user.password },
            otherPerson: { network: 'sever', email: other.user.email, password: other.password },
            remember: {},
            sink: api.sink,
            port: api.server.http.port,
          },
        });
      }
    }
  }, 180_000);

  afterAll(async () => {
    await api.stop();
  });

  it('the documented matrix names every permission the endpoints use', () => {
    const used = new Set(openApiOperations(document).flatMap(({ operation }) => (operation['x-permission'] !== undefined ? [operation['x-permission']] : [])));
    expect([...used].filter((action) => !isAction(action) || !matrix.has(action))).toEqual([]);
  });

  it('every role, as a person and as an API key, is refused exactly where the matrix has no grant', async () => {
    const examples = conformanceExamples(api.facts);
    const failures: string[] = [];
    let refusals = 0;
    for (const { method, path, operation } of openApiOperations(document)) {
      const action = operation['x-permission'];
      if (action === undefined || !isAction(action)) continue;
      const name = `${method.toUpperCase()} ${path}`;
      const example = examples[name];
      if (example === undefined) {
        failures.push(`${name}: no example (test/support/api-examples.ts)`);
        continue;
      }
      for (const caller of callers) {
        const cell = matrix.get(action)?.get(caller.role) ?? noGrant;
        const expectRefusal = cell === noGrant || (cell === 'self' && caller.kind === 'apikey' && !answeredForEveryCaller.has(name)) || (refusedOnPurpose[name]?.includes(caller.role) ?? false);
        // API keys send the key even where the example is a person's own call.
        const request = await exampleRequest(caller.context, path, example, { key: caller.key, ...(caller.kind === 'user' ? { user: caller.user } : {}) });
        const headers = caller.kind === 'user' ? { ...withoutAuthorization(request.headers), ...caller.user.writeHeaders } : request.headers;
        const reply = await fetch(`${api.base}${request.url}`, { method: method.toUpperCase(), headers, ...(request.body !== undefined ? { body: request.body } : {}) });
        const text = await reply.text();
        const who = `${caller.role} (${caller.kind}, ${cell})`;
        if (expectRefusal) {
          refusals++;
          if (reply.status !== 403 || !text.includes('"FORBIDDEN"')) failures.push(`${name} as ${who}: expected 403 FORBIDDEN, got ${reply.status} ${text.slice(0, 160)}`);
        } else if (reply.status === 401 || reply.status === 403) failures.push(`${name} as ${who}: granted, but ${reply.status} ${text.slice(0, 160)}`);
        if (path.endsWith('/profile/authenticator') && reply.status === 200) caller.context.remember.secret = (JSON.parse(text) as { secret: string }).secret;
      }
    }
    expect(failures).toEqual([]);
    expect(refusals).toBeGreaterThan(100);
  }, 300_000);

  it('refusals are in the audit log with the action and the caller', async () => {
    const accountant = callers.find((caller) => caller.role === 'accountant' && caller.kind === 'apikey');
    const answer = await fetch(`${api.base}/api/v1/apikeys`, { headers: { authorization: `Bearer ${accountant?.key ?? ''}` } });
    expect(answer.status).toBe(403);
    const audit = (await (await fetch(`${api.base}/api/v1/audit?kind=access.refused&limit=500`, { headers: { authorization: `Bearer ${api.ownerKey}` } })).json()) as { entries: { action?: string; actor: { kind: string; role?: string } }[] };
    expect(audit.entries.some((entry) => entry.action === 'apikeys.manage' && entry.actor.kind === 'apikey' && entry.actor.role === 'accountant')).toBe(true);
  });
});

function withoutAuthorization(headers: Record<string, string>): Record<string, string> {
  const { authorization: _authorization, ...rest } = headers;
  return rest;
}
