// The permission matrix: which role may do which action, and over what — as data, in one place.
// `authorize` reads it and nothing else; docs/security.md's table is written from it
// (`npm run docs:security`), a test checks the committed table matches, and the matrix tests are
// generated from that table. Deny by default: a role absent from an action's grants may not do it.
//
// A grant says how far a role reaches for that action:
//   network — anything in its own network;
//   sites   — only what belongs to one of its sites (operators and attendants);
//   own     — only what belongs to the counterparty or client record it is bound to (clients); anything
//             else is answered NOT_FOUND, as if it did not exist;
//   self    — only its own user (its password, authenticator, sessions).
// Another network's data is NOT_FOUND for everyone.

import { assertNever } from '../assert.js';
import type { OwnerRef, Principal, Role } from './principal.js';
import { roles, sameOwner } from './principal.js';

export const grantKinds = ['network', 'sites', 'own', 'self'] as const;
export type GrantKind = (typeof grantKinds)[number];

interface ActionDefinition {
  readonly description: string;
  readonly grants: Readonly<Partial<Record<Role, GrantKind>>>;
}

export const permissionMatrix = {
  'dashboard.read': {
    description: 'the live feed of decisions, alerts and the open wash sessions board',
    grants: { owner: 'network', admin: 'network', accountant: 'network', operator: 'sites', attendant: 'sites' },
  },
  'alerts.manage': {
    description: 'acknowledge and resolve alerts (the alerts of its own sites, for an operator)',
    grants: { owner: 'network', admin: 'network', operator: 'sites' },
  },
  'transactions.read': {
    description: 'authorisations, transactions, receipts, refunds, top-ups, declines; search',
    grants: { owner: 'network', admin: 'network', accountant: 'network', operator: 'sites', attendant: 'sites', client: 'own' },
  },
  'sessions.read': {
    description: 'wash sessions, their history and comments',
    grants: { owner: 'network', admin: 'network', accountant: 'network', operator: 'sites', attendant: 'sites', client: 'own' },
  },
  'sessions.operate': {
    description: 'start and stop wash sessions, comment on them',
    grants: { owner: 'network', admin: 'network', operator: 'sites', attendant: 'sites' },
  },
  'shifts.operate': {
    description: 'open and close a cash shift at a till',
    grants: { owner: 'network', admin: 'network', operator: 'sites', attendant: 'sites' },
  },
  'balances.read': {
    description: "an account's balance, credit limit, holds and bonus points",
    grants: { owner: 'network', admin: 'network', accountant: 'network', operator: 'network', attendant: 'network', client: 'own' },
  },
  'balances.topup': {
    description: "add money to an account at a site's till",
    grants: { owner: 'network', admin: 'network', operator: 'sites', attendant: 'sites' },
  },
  'clients.read': {
    description: 'club and loyalty clients, guests by plate; search',
    grants: { owner: 'network', admin: 'network', accountant: 'network', operator: 'network', attendant: 'network', client: 'own' },
  },
  'clients.write': {
    description: 'register a client or a guest by plate, edit a client',
    grants: { owner: 'network', admin: 'network', operator: 'network', attendant: 'network' },
  },
  'clients.delete': {
    description: "delete a client's record",
    grants: { owner: 'network', admin: 'network' },
  },
  'counterparties.read': {
    description: 'corporate counterparties, their contracts and accounts',
    grants: { owner: 'network', admin: 'network', accountant: 'network', operator: 'network', client: 'own' },
  },
  'counterparties.write': {
    description: 'create and edit counterparties, segments, credit limits',
    grants: { owner: 'network', admin: 'network' },
  },
  'cards.read': {
    description: 'cards (masked numbers), their limits and restrictions',
    grants: { owner: 'network', admin: 'network', accountant: 'network', operator: 'network', client: 'own' },
  },
  'cards.block': {
    description: 'block a card (a lost or misused card, at once)',
    grants: { owner: 'network', admin: 'network', operator: 'network', client: 'own' },
  },
  'cards.write': {
    description: 'issue cards, unblock, set limits, restrictions and PINs',
    grants: { owner: 'network', admin: 'network' },
  },
  'prices.read': {
    description: 'list prices and scheduled changes',
    grants: { owner: 'network', admin: 'network', accountant: 'network', operator: 'sites', attendant: 'sites' },
  },
  'prices.write': {
    description: 'set and schedule prices',
    grants: { owner: 'network', admin: 'network' },
  },
  'network.configure': {
    description: 'sites, terminals, products, discounts, bonus program, tariffs, prompts; network import',
    grants: { owner: 'network', admin: 'network' },
  },
  'reports.read': {
    description: 'ready reports: sales, fuel, sessions, revenue, Z-reports',
    grants: { owner: 'network', admin: 'network', accountant: 'network', operator: 'sites', client: 'own' },
  },
  'reports.export': {
    description: 'exports (Excel, CSV) of reports and transactions',
    grants: { owner: 'network', admin: 'network', accountant: 'network', client: 'own' },
  },
  'settlements.manage': {
    description: 'settlements with counterparties, account corrections',
    grants: { owner: 'network', admin: 'network', accountant: 'network' },
  },
  'users.read': {
    description: 'the users of the network and their roles',
    grants: { owner: 'network', admin: 'network' },
  },
  'users.manage': {
    description: 'create, edit, disable and enable users other than owners; reset their passwords',
    grants: { owner: 'network', admin: 'network' },
  },
  'users.delete': {
    description: 'delete a user',
    grants: { owner: 'network' },
  },
  'owners.manage': {
    description: 'make an owner, or change, disable or delete one',
    grants: { owner: 'network' },
  },
  'apikeys.manage': {
    description: 'create and revoke API keys',
    grants: { owner: 'network', admin: 'network' },
  },
  'terminals.credentials': {
    description: "issue and revoke terminals' NATS credentials",
    grants: { owner: 'network', admin: 'network' },
  },
  'audit.read': {
    description: 'the audit log',
    grants: { owner: 'network', admin: 'network', accountant: 'network' },
  },
  'audit.export': {
    description: 'export the audit log',
    grants: { owner: 'network', admin: 'network', accountant: 'network' },
  },
  'profile.manage': {
    description: 'change its own password, enrol an authenticator, see and end its own sessions',
    grants: { owner: 'self', admin: 'self', accountant: 'self', operator: 'self', attendant: 'self', client: 'self' },
  },
} as const satisfies Record<string, ActionDefinition>;

export type Action = keyof typeof permissionMatrix;
export const actions = Object.keys(permissionMatrix) as Action[];

export function isAction(value: string): value is Action {
  return Object.hasOwn(permissionMatrix, value);
}

export function grantOf(role: Role, action: Action): GrantKind | undefined {
  const grants: Readonly<Partial<Record<Role, GrantKind>>> = permissionMatrix[action].grants;
  return grants[role];
}

/** What an action is about. `network` is always named; the rest as the target has them. */
export interface Scope {
  network: string;
  /** The site the target belongs to (a transaction's, a terminal's, a till's). */
  site?: string | undefined;
  /** The counterparty or client the target belongs to (an account, a card, a transaction). */
  owner?: OwnerRef | undefined;
  /** The user the target is (profile actions). */
  user?: string | undefined;
}

export const refusalCodes = ['FORBIDDEN', 'NOT_FOUND'] as const;
export type RefusalCode = (typeof refusalCodes)[number];

export type Authorization = { allowed: true } | { allowed: false; code: RefusalCode };

const allowed: Authorization = { allowed: true };
const forbidden: { allowed: false; code: RefusalCode } = { allowed: false, code: 'FORBIDDEN' };
const notFound: { allowed: false; code: RefusalCode } = { allowed: false, code: 'NOT_FOUND' };

/** Whether `principal` may do `action` on the target described by `scope`. Pure. */
export function authorize(principal: Principal, action: Action, scope: Scope): Authorization {
  if (scope.network !== principal.network) return notFound;
  const grant = grantOf(principal.role, action);
  if (grant === undefined) return forbidden;
  switch (grant) {
    case 'network':
      return allowed;
    case 'sites':
      if (principal.sites === 'all') return allowed;
      return scope.site !== undefined && principal.sites.includes(scope.site) ? allowed : forbidden;
    case 'own':
      return sameOwner(principal.owner, scope.owner) ? allowed : notFound;
    case 'self':
      return principal.kind === 'user' && scope.user === principal.id ? allowed : forbidden;
    default:
      return assertNever(grant);
  }
}

/** The filter a list must apply for a principal: which sites, and whose data. */
export type QueryScope =
  | { allowed: true; sites: readonly string[] | 'all'; owner?: OwnerRef | undefined; user?: string | undefined }
  | { allowed: false; code: RefusalCode };

/**
 * For lists and searches (no single target): what `principal` may see of `action` in `network`.
 * The HTTP layer adds the sites and owner to the query; an empty result is then the honest answer.
 */
export function queryScope(principal: Principal, action: Action, network: string): QueryScope {
  if (network !== principal.network) return notFound;
  const grant = grantOf(principal.role, action);
  if (grant === undefined) return forbidden;
  switch (grant) {
    case 'network':
      return { allowed: true, sites: 'all' };
    case 'sites':
      return { allowed: true, sites: principal.sites };
    case 'own':
      return principal.owner === undefined ? notFound : { allowed: true, sites: 'all', owner: principal.owner };
    case 'self':
      return principal.kind === 'user' ? { allowed: true, sites: 'all', user: principal.id } : forbidden;
    default:
      return assertNever(grant);
  }
}

/** How a grant reads in the documented table. */
export const grantLabels: Record<GrantKind, string> = { network: 'network', sites: 'own sites', own: 'own data', self: 'self' };
export const noGrantLabel = '—';

/** The matrix as the markdown table of docs/security.md (written by `npm run docs:security`). */
export function permissionMatrixMarkdown(): string {
  const header = `| action | what | ${roles.join(' | ')} |`;
  const rule = `|---|---|${roles.map(() => '---').join('|')}|`;
  const rows = actions.map((action) => {
    const cells = roles.map((role) => {
      const grant = grantOf(role, action);
      return grant === undefined ? noGrantLabel : grantLabels[grant];
    });
    return `| \`${action}\` | ${permissionMatrix[action].description} | ${cells.join(' | ')} |`;
  });
  return [header, rule, ...rows].join('\n');
}
