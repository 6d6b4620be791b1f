// The HTTP API (`/api/v1`): the route lists of each area, mounted on the uWS app with the
// authenticators and the OpenAPI document at `/api/v1/openapi.json`.

import type { TemplatedApp } from 'uWebSockets.js';
import { z } from '../../../engine/index.js';
import { openApiDocument } from './openapi.js';
import type { OpenApiInfo } from './openapi.js';
import type { Route, RouterOptions } from './router.js';
import { mountRoutes, route } from './router.js';

export { ApiError, apiErrorCodes, apiErrorSchema, httpMethods, idempotencyKeyOf, mountRoutes, readBody, route } from './router.js';
export type { ApiErrorCode, ApiReply, ApiRequest, Authenticator, HttpMethod, IdempotencyClaim, IdempotencyStore, KeptAnswer, RawRequest, ResponseSink, Route, RouterOptions } from './router.js';
export { openApiDocument } from './openapi.js';
export { contentDisposition, cursorRows, exportColumnTypes, exportFormats, exportReply, exportRowsMax } from './export.js';
export type { ExportColumn, ExportColumnType, ExportFormat } from './export.js';
export { apiKeyPrincipalOf, bearerAuthenticator, csrfCheck, requestIsTls, sessionAuthenticator, sessionTokenOf } from './authenticators.js';
export type { TlsOptions } from './authenticators.js';
export { LmdbIdempotencyStore } from './idempotency.js';
export type { LmdbIdempotencyOptions } from './idempotency.js';
export type { OpenApiInfo } from './openapi.js';

export const apiInfo: OpenApiInfo = {
  title: 'Tessera HTTP API',
  version: '1.0.0',
  description: 'Search, reports, exports and management of a Tessera network. Terminals use NATS (docs/protocol.md); people and programs use this API.',
};

/** Mounts every route and the document describing them. */
export function mountApi(app: TemplatedApp, routes: readonly Route[], options: RouterOptions): { document: Record<string, unknown> } {
  const documentRoute = route({
    method: 'get',
    path: '/api/v1/openapi.json',
    summary: 'This document (OpenAPI 3.1)',
    tag: 'system',
    action: 'public',
    response: z.record(z.string(), z.unknown()),
    handle: () => Promise.resolve({ body: document }),
  });
  const all = [documentRoute, ...routes];
  const document = openApiDocument(all, apiInfo);
  mountRoutes(app, all, options);
  return { document };
}
