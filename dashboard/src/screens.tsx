// The dashboard's screens as data: path, menu group, the permission a viewer needs to see it, and who
// it is for (staff, the client in its cabinet, or anyone). The shell builds the menu and the routes
// from this list; a screen's code is loaded when it is first opened (charts and tables stay out of the
// sign-in page's bundle).

import { lazy } from 'react';
import type { ComponentType, LazyExoticComponent } from 'react';
import type { Action, Role } from './session';
import { roleMay } from './session';

export const menuGroups = ['monitoring', 'parties', 'catalog', 'analytics', 'administration', 'wash', 'cabinet'] as const;
export type MenuGroup = (typeof menuGroups)[number];

export interface ScreenProps {
  /** The viewer's network. */
  network: string;
}

export interface Screen {
  path: string;
  /** `menu.<key>` names it. */
  key: string;
  group: MenuGroup;
  action: Action;
  /** staff: every role but client; client: only a client; all: anyone with the action. */
  audience: 'staff' | 'client' | 'all';
  component: LazyExoticComponent<ComponentType<ScreenProps>>;
}

const page = <K extends string>(load: () => Promise<Record<K, ComponentType<ScreenProps>>>, name: K): LazyExoticComponent<ComponentType<ScreenProps>> => lazy(() => load().then((module) => ({ default: module[name] })));

export const screens: readonly Screen[] = [
  { path: '/overview', key: 'dashboard', group: 'monitoring', action: 'dashboard.read', audience: 'staff', component: page(() => import('./pages/Overview'), 'Overview') },
  { path: '/feed', key: 'feed', group: 'monitoring', action: 'dashboard.read', audience: 'staff', component: page(() => import('./pages/Feed'), 'Feed') },
  { path: '/alerts', key: 'alerts', group: 'monitoring', action: 'dashboard.read', audience: 'staff', component: page(() => import('./pages/Alerts'), 'Alerts') },
  { path: '/transactions', key: 'transactions', group: 'monitoring', action: 'transactions.read', audience: 'staff', component: page(() => import('./pages/Transactions'), 'Transactions') },
  { path: '/counterparties', key: 'counterparties', group: 'parties', action: 'counterparties.read', audience: 'staff', component: page(() => import('./pages/Counterparties'), 'Counterparties') },
  { path: '/cards', key: 'cards', group: 'parties', action: 'cards.read', audience: 'staff', component: page(() => import('./pages/Cards'), 'Cards') },
  { path: '/clients', key: 'clients', group: 'parties', action: 'clients.read', audience: 'staff', component: page(() => import('./pages/Clients'), 'Clients') },
  { path: '/sites', key: 'sites', group: 'catalog', action: 'dashboard.read', audience: 'staff', component: page(() => import('./pages/Sites'), 'Sites') },
  { path: '/prices', key: 'prices', group: 'catalog', action: 'prices.read', audience: 'staff', component: page(() => import('./pages/Prices'), 'Prices') },
  { path: '/discounts', key: 'discounts', group: 'catalog', action: 'prices.read', audience: 'staff', component: page(() => import('./pages/Discounts'), 'Discounts') },
  { path: '/bonus', key: 'bonus', group: 'catalog', action: 'prices.read', audience: 'staff', component: page(() => import('./pages/Bonus'), 'Bonus') },
  { path: '/tariffs', key: 'tariffs', group: 'catalog', action: 'prices.read', audience: 'staff', component: page(() => import('./pages/Tariffs'), 'Tariffs') },
  { path: '/reports', key: 'reports', group: 'analytics', action: 'reports.read', audience: 'staff', component: page(() => import('./pages/Reports'), 'Reports') },
  { path: '/users', key: 'users', group: 'administration', action: 'users.read', audience: 'staff', component: page(() => import('./pages/Users'), 'Users') },
  { path: '/apikeys', key: 'apikeys', group: 'administration', action: 'apikeys.manage', audience: 'staff', component: page(() => import('./pages/ApiKeys'), 'ApiKeys') },
  { path: '/audit', key: 'audit', group: 'administration', action: 'audit.read', audience: 'staff', component: page(() => import('./pages/Audit'), 'Audit') },
  { path: '/attendant', key: 'attendant', group: 'wash', action: 'sessions.operate', audience: 'staff', component: page(() => import('./pages/Attendant'), 'Attendant') },
  { path: '/cabinet', key: 'cabinet', group: 'cabinet', action: 'transactions.read', audience: 'client', component: page(() => import('./pages/ClientCabinet'), 'ClientCabinet') },
  { path: '/profile', key: 'profile', group: 'administration', action: 'profile.manage', audience: 'all', component: page(() => import('./pages/Profile'), 'Profile') },
];

/** The screens this role may open, in menu order. */
export function screensFor(role: Role): Screen[] {
  return screens.filter((screen) => roleMay(role, screen.action) && (screen.audience === 'all' || (screen.audience === 'client') === (role === 'client')));
}

/** Where a role lands after sign-in: an attendant at the car wash, a client in the cabinet, the rest on the overview. */
export function homeOf(role: Role): string {
  if (role === 'client') return '/cabinet';
  if (role === 'attendant') return '/attendant';
  return screensFor(role)[0]?.path ?? '/profile';
}

/** Every screen's path, for links from one screen to another. */
export function pathOf(key: string): string {
  return screens.find((screen) => screen.key === key)?.path ?? '/';
}
