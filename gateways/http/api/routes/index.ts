// Every route of /api/v1, by area. Each area exports `xxxRoutes(context): Route[]`; the list here is
// what the server mounts and what the OpenAPI document describes.

import type { ApiContext } from '../context.js';
import type { Route } from '../router.js';
import { alertRoutes } from './alerts.js';
import { apiKeyRoutes } from './api-keys.js';
import { authRoutes } from './auth.js';
import { cardRoutes } from './cards.js';
import { networkRoutes } from './network.js';
import { partyRoutes } from './parties.js';
import { reportRoutes } from './reports.js';
import { transactionRoutes } from './transactions.js';
import { userRoutes } from './users.js';
import { washRoutes } from './wash.js';

export function apiRoutes(context: ApiContext): Route[] {
  return [
    ...authRoutes(context),
    ...userRoutes(context),
    ...apiKeyRoutes(context),
    ...reportRoutes(context),
    ...transactionRoutes(context),
    ...networkRoutes(context),
    ...cardRoutes(context),
    ...partyRoutes(context),
    ...washRoutes(context),
    ...alertRoutes(context),
  ];
}
