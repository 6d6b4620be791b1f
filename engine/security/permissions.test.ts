// The permission matrix, tested from the documented table: docs/security.md's table is parsed and
// every cell becomes cases (allowed, another site, another client, another network, no target), so
// the matrix, its documentation and these tests cannot drift apart.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Action, Scope } from './permissions.js';
import { actions, authorize, grantLabels, noGrantLabel, permissionMatrixMarkdown, queryScope } from './permissions.js';
import type { Principal, Role } from './principal.js';
import { roles, siteScopedRoles } from './principal.js';
import { documentedMatrix as parseDocumentedMatrix, matrixEndMarker, matrixStartMarker, withMatrix } from './write-security-docs.js';
import { apiKeyPrincipal } from './security.js';

const page = readFileSync(new URL('../../docs/security.md', import.meta.url), 'utf8');
const section = page.slice(page.indexOf(matrixStartMarker) + matrixStartMarker.length, page.indexOf(matrixEndMarker)).trim();

/** The documented table: action → role → cell text. */
function documentedMatrix(): Map<Action, Map<Role, string>> {
  return parseDocumentedMatrix(page);
}

const network = 'sever';
const ownSite = 'MSK-01';
const otherSite = 'TVR-01';
const ownRecord = { kind: 'counterparty', id: 'kuznetsov' } as const;
const otherRecord = { kind: 'counterparty', id: 'transline' } as const;

function personOf(role: Role): Principal {
  return {
    kind: 'user',
    id: `u-${role}`,
    network,
    role,
    sites: siteScopedRoles.has(role) ? [ownSite] : 'all',
    ...(role === 'client' ? { owner: ownRecord } : {}),
    sessionId: `s-${role}`,
  };
}

function keyOf(role: Role): Principal {
  return apiKeyPrincipal({ id: `k-${role}`, network, role, sites: siteScopedRoles.has(role) ? [ownSite] : undefined, owner: role === 'client' ? ownRecord : undefined });
}

type Expected = 'allowed' | 'FORBIDDEN' | 'NOT_FOUND';
interface Case {
  name: string;
  scope: Scope;
  expected: Expected;
}

/** The cases one cell of the table stands for, for a principal. */
function casesOf(cell: string, principal: Principal): Case[] {
  const self = principal.id;
  const anywhere: Scope[] = [{ network }, { network, site: ownSite }, { network, owner: ownRecord }, { network, user: self }];
  const cases: Case[] = [{ name: 'another network, even its own ids', scope: { network: 'other-net', site: ownSite, owner: ownRecord, user: self }, expected: 'NOT_FOUND' }];
  switch (cell) {
    case noGrantLabel:
      for (const scope of anywhere) cases.push({ name: `no grant: ${JSON.stringify(scope)}`, scope, expected: 'FORBIDDEN' });
      break;
    case grantLabels.network:
      for (const scope of [...anywhere, { network, site: otherSite }, { network, owner: otherRecord }]) cases.push({ name: `network: ${JSON.stringify(scope)}`, scope, expected: 'allowed' });
      break;
    case grantLabels.sites:
      cases.push({ name: 'its own site', scope: { network, site: ownSite }, expected: 'allowed' });
      cases.push({ name: 'its own site, with an owner', scope: { network, site: ownSite, owner: otherRecord }, expected: 'allowed' });
      cases.push({ name: 'another site', scope: { network, site: otherSite }, expected: 'FORBIDDEN' });
      cases.push({ name: 'no site named', scope: { network }, expected: 'FORBIDDEN' });
      break;
    case grantLabels.own:
      cases.push({ name: 'its own record', scope: { network, owner: ownRecord }, expected: 'allowed' });
      cases.push({ name: 'its own record at any site', scope: { network, owner: ownRecord, site: otherSite }, expected: 'allowed' });
      cases.push({ name: "another client's data", scope: { network, owner: otherRecord }, expected: 'NOT_FOUND' });
      cases.push({ name: 'the same id of another kind', scope: { network, owner: { kind: 'client', id: ownRecord.id } }, expected: 'NOT_FOUND' });
      cases.push({ name: 'no owner named', scope: { network, site: ownSite }, expected: 'NOT_FOUND' });
      break;
    case grantLabels.self:
      cases.push({ name: 'itself', scope: { network, user: self }, expected: principal.kind === 'user' ? 'allowed' : 'FORBIDDEN' });
      cases.push({ name: 'another user', scope: { network, user: 'u-someone-else' }, expected: 'FORBIDDEN' });
      cases.push({ name: 'no user named', scope: { network }, expected: 'FORBIDDEN' });
      break;
    default:
      throw new Error(`unknown cell ${cell}`);
  }
  return cases;
}

const matrix = documentedMatrix();
const grid = [...matrix].flatMap(([action, row]) => [...row].map(([role, cell]) => ({ action, role, cell })));

describe('the documented permission matrix', () => {
  it('docs/security.md shows exactly the matrix of engine/security/permissions.ts (npm run docs:security writes it)', () => {
    expect(section).toBe(permissionMatrixMarkdown());
    expect(withMatrix(page)).toBe(page);
  });

  it('lists every action and every role', () => {
    expect([...matrix.keys()]).toEqual(actions);
    for (const row of matrix.values()) expect([...row.keys()]).toEqual([...roles]);
  });

  it.each(grid)('$role × $action ($cell): people and API keys get exactly what the cell says', ({ action, role, cell }) => {
    for (const principal of [personOf(role), keyOf(role)]) {
      for (const { name, scope, expected } of casesOf(cell, principal)) {
        const decision = authorize(principal, action, scope);
        expect(decision.allowed ? 'allowed' : decision.code, `${principal.kind} ${role} ${action}: ${name}`).toBe(expected);
      }
    }
  });

  it.each(grid)('$role × $action ($cell): a list is filtered to what the cell allows', ({ action, role, cell }) => {
    const principal = personOf(role);
    const scope = queryScope(principal, action, network);
    expect(queryScope(principal, action, 'other-net')).toEqual({ allowed: false, code: 'NOT_FOUND' });
    if (cell === noGrantLabel) expect(scope).toEqual({ allowed: false, code: 'FORBIDDEN' });
    else if (cell === grantLabels.network) expect(scope).toEqual({ allowed: true, sites: 'all' });
    else if (cell === grantLabels.sites) expect(scope).toEqual({ allowed: true, sites: [ownSite] });
    else if (cell === grantLabels.own) expect(scope).toEqual({ allowed: true, sites: 'all', owner: ownRecord });
    else expect(scope).toEqual({ allowed: true, sites: 'all', user: principal.id });
  });

  it('deny by default: only the owner deletes users and changes owners; an admin manages everything else configurable', () => {
    const ownerOnly = actions.filter((action) => roles.every((role) => (role === 'owner') === authorize(personOf(role), action, { network }).allowed));
    expect(ownerOnly).toEqual(['users.delete', 'owners.manage']);
    const adminLacks = actions.filter((action) => authorize(personOf('owner'), action, { network }).allowed && !authorize(personOf('admin'), action, { network }).allowed);
    expect(adminLacks).toEqual(['users.delete', 'owners.manage']);
  });

  it('an attendant acts at its own site only; an operator blocks cards; a client sees its own data only', () => {
    const attendant = personOf('attendant');
    expect(authorize(attendant, 'sessions.operate', { network, site: ownSite })).toEqual({ allowed: true });
    expect(authorize(attendant, 'sessions.operate', { network, site: otherSite })).toEqual({ allowed: false, code: 'FORBIDDEN' });
    expect(authorize(attendant, 'balances.topup', { network, site: otherSite, owner: ownRecord })).toEqual({ allowed: false, code: 'FORBIDDEN' });
    expect(authorize(personOf('operator'), 'cards.block', { network, owner: otherRecord })).toEqual({ allowed: true });
    expect(authorize(personOf('operator'), 'prices.write', { network, site: ownSite })).toEqual({ allowed: false, code: 'FORBIDDEN' });
    const client = personOf('client');
    expect(authorize(client, 'transactions.read', { network, owner: ownRecord })).toEqual({ allowed: true });
    expect(authorize(client, 'transactions.read', { network, owner: otherRecord })).toEqual({ allowed: false, code: 'NOT_FOUND' });
    expect(authorize(client, 'prices.write', { network })).toEqual({ allowed: false, code: 'FORBIDDEN' });
  });

  it('an API key of a client is bound to its record, and of an operator to its sites', () => {
    expect(() => apiKeyPrincipal({ id: 'k', network, role: 'client' })).toThrow();
    expect(() => apiKeyPrincipal({ id: 'k', network, role: 'operator' })).toThrow();
    expect(apiKeyPrincipal({ id: 'k', network, role: 'admin', sites: [ownSite] }).sites).toBe('all');
  });
});
