// The OpenAPI 3.1 document, made from the route list: paths, parameters, request bodies, answers
// and the error model all come from the routes' zod schemas (z.toJSONSchema, draft 2020-12, which is
// what OpenAPI 3.1 uses), so the document describes exactly what the server validates.

import { z } from 'zod';
import type { Route } from './router.js';
import { apiErrorSchema, parameterNames } from './router.js';

export interface OpenApiInfo {
  title: string;
  version: string;
  description: string;
}

type JsonSchema = Record<string, unknown>;

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const result = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any', reused: 'inline' }) as JsonSchema;
  delete result['$schema'];
  return result;
}

const errorAnswers = {
  '400': 'the request is not valid (`BAD_REQUEST`, with the paths of the issues)',
  '401': 'no valid session or API key (`UNAUTHENTICATED`)',
  '403': 'not allowed for this role or these sites (`FORBIDDEN`), or a write without its CSRF token (`CSRF_FAILED`)',
  '404': 'no such record, or not one this caller may see (`NOT_FOUND`)',
  '413': 'the body is larger than allowed (`PAYLOAD_TOO_LARGE`)',
} as const;

export function openApiDocument(routes: readonly Route[], info: OpenApiInfo): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const definition of routes) {
    const path = definition.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const parameters: unknown[] = parameterNames(definition.path).map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } }));
    if (definition.query !== undefined) {
      const query = jsonSchema(definition.query, 'input');
      const properties = (query['properties'] ?? {}) as Record<string, JsonSchema>;
      const required = new Set((query['required'] ?? []) as string[]);
      for (const [name, schema] of Object.entries(properties)) {
        parameters.push({ name, in: 'query', required: required.has(name), ...(typeof schema['description'] === 'string' ? { description: schema['description'] } : {}), schema });
      }
    }
    const success = String(definition.status ?? 200);
    const content: Record<string, unknown> = {};
    if (definition.produces !== undefined) for (const type of definition.produces) content[type] = { schema: { type: 'string', format: 'binary' } };
    else content['application/json'] = { schema: jsonSchema(definition.response, 'output') };
    const responses: Record<string, unknown> = { [success]: { description: definition.summary, content } };
    const errorContent = { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } };
    for (const [status, description] of Object.entries(errorAnswers)) {
      if (definition.action === 'public' && (status === '401' || status === '403')) continue;
      if (definition.body === undefined && status === '413') continue;
      responses[status] = { description, content: errorContent };
    }
    paths[path] ??= {};
    paths[path][definition.method] = {
      operationId: operationId(definition),
      summary: definition.summary,
      tags: [definition.tag],
      ...(definition.action === 'public' ? { security: [] } : { 'x-permission': definition.action }),
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(definition.body !== undefined ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(definition.body, 'input') } } } } : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info,
    servers: [{ url: '/' }],
    security: [{ apiKey: [] }, { session: [] }],
    components: {
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: 'an API key from `tessera apikey create`' },
        session: { type: 'apiKey', in: 'cookie', name: 'tessera_session', description: 'a signed-in person; writes also send the X-CSRF-Token header' },
      },
      schemas: { Error: jsonSchema(apiErrorSchema, 'output') },
    },
    paths,
  };
}

function operationId(definition: Route): string {
  const words = definition.path
    .replace(/^\/api\/v1\//, '')
    .split('/')
    .map((part) => (part.startsWith(':') ? `by-${part.slice(1)}` : part));
  return [definition.method, ...words].join('-').replace(/[^A-Za-z0-9]+(.)/g, (_, letter: string) => letter.toUpperCase());
}
