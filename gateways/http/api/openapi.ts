// The OpenAPI 3.1 document, made from the route list: paths, parameters, request bodies, answers
// and the error model all come from the routes' zod schemas (z.toJSONSchema, draft 2020-12, which is
// what OpenAPI 3.1 uses), so the document describes exactly what the server validates.

import type { Route } from './router.js';
import { constants, operations, z } from '../../../engine/index.js';
import { apiErrorSchema, parameterNames } from './router.js';

export interface OpenApiInfo {
  title: string;
  version: string;
  description: string;
}

type JsonSchema = Record<string, unknown>;

/**
 * The JSON Schema of a zod schema. Named schemas (`.meta({ id })`) come out of zod as `$defs` of the
 * schema with `#/$defs/<id>` references — which in an OpenAPI document would point at the document's
 * root. They are moved into `components` (`#/components/schemas/<id>`); an input form that differs
 * from the output form of the same id is `<id>Input`.
 */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output', components: Record<string, JsonSchema>): JsonSchema {
  const result = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any', reused: 'inline' }) as JsonSchema;
  delete result['$schema'];
  const definitions = (result['$defs'] ?? {}) as Record<string, JsonSchema>;
  delete result['$defs'];
  // A definition keeps its id unless a different schema holds it already (an input shape of an
  // output schema): then it is `<id>Input`. Compared as they would be stored, with references renamed.
  const names = new Map<string, string>(Object.keys(definitions).map((id) => [id, id]));
  const rename = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(rename);
    if (typeof value !== 'object' || value === null) return value;
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const id = key === '$ref' && typeof item === 'string' && item.startsWith('#/$defs/') ? item.slice('#/$defs/'.length) : undefined;
      copy[key] = id !== undefined ? `#/components/schemas/${names.get(id) ?? id}` : rename(item);
    }
    return copy;
  };
  for (const [id, definition] of Object.entries(definitions)) {
    const existing = components[id];
    if (existing !== undefined && JSON.stringify(existing) !== JSON.stringify(rename(definition))) names.set(id, `${id}Input`);
  }
  for (const [id, definition] of Object.entries(definitions)) components[names.get(id) ?? id] ??= rename(definition) as JsonSchema;
  return rename(result) as JsonSchema;
}

const errorAnswers = {
  '400': 'the request is not valid (`BAD_REQUEST`, with the paths of the issues)',
  '401': 'no valid session or API key (`UNAUTHENTICATED`)',
  '403': 'not allowed for this role or these sites (`FORBIDDEN`), or a write without its CSRF token (`CSRF_FAILED`)',
  '404': 'no such record, or not one this caller may see (`NOT_FOUND`)',
  '413': 'the body is larger than allowed (`PAYLOAD_TOO_LARGE`)',
} as const;

/** What every POST that needs a principal adds: the `Idempotency-Key` header and its two refusals. */
const idempotencyKeyParameter = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description:
    'Makes a retry safe: the first request with a key runs and its answer is kept for 24 hours; the same key with the same request gets that answer again (header `Idempotent-Replay: true`) and runs nothing. The key is the caller’s own (scoped to its user or API key).',
  schema: { type: 'string', minLength: 1, maxLength: constants.apiIdempotencyKeyLengthMax, pattern: '^[\\x20-\\x7E]+$' },
} as const;
const idempotencyAnswers = {
  '409': 'the first request with this `Idempotency-Key` is still running (`CONFLICT`); retry later',
  '422': 'this `Idempotency-Key` was used for another request (`IDEMPOTENCY_KEY_REUSED`)',
} as const;
const replayHeader = { 'Idempotent-Replay': { description: '`true` when this is the answer kept for an `Idempotency-Key`, replayed', schema: { type: 'string', enum: ['true'] } } } as const;

export function openApiDocument(routes: readonly Route[], info: OpenApiInfo): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {};
  const schemas: Record<string, JsonSchema> = {};
  // The error model first: every answer's 4xx refers to it.
  jsonSchema(apiErrorSchema, 'output', schemas);
  for (const definition of routes) {
    const path = definition.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const parameters: unknown[] = parameterNames(definition.path).map((name) => {
      const declared = definition.pathParameters?.[name];
      if (declared === undefined) return { name, in: 'path', required: true, schema: { type: 'string' } };
      const { description, ...schema } = declared;
      return { name, in: 'path', required: true, ...(description !== undefined ? { description } : {}), schema };
    });
    if (definition.query !== undefined) {
      const query = jsonSchema(definition.query, 'input', schemas);
      const properties = (query['properties'] ?? {}) as Record<string, JsonSchema>;
      const required = new Set((query['required'] ?? []) as string[]);
      for (const [name, schema] of Object.entries(properties)) {
        parameters.push({ name, in: 'query', required: required.has(name), ...(typeof schema['description'] === 'string' ? { description: schema['description'] } : {}), schema });
      }
    }
    const idempotent = definition.method === 'post' && definition.action !== 'public';
    if (idempotent) parameters.push(idempotencyKeyParameter);
    const success = String(definition.status ?? 200);
    const content: Record<string, unknown> = {};
    if (definition.produces !== undefined) for (const type of definition.produces) content[type] = { schema: { type: 'string', format: 'binary' } };
    else content['application/json'] = { schema: jsonSchema(definition.response, 'output', schemas) };
    const responses: Record<string, unknown> = { [success]: { description: definition.summary, ...(idempotent ? { headers: replayHeader } : {}), content } };
    const errorContent = { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } };
    for (const [status, description] of Object.entries(errorAnswers)) {
      if (definition.action === 'public' && (status === '401' || status === '403')) continue;
      if (definition.body === undefined && status === '413') continue;
      responses[status] = { description, content: errorContent };
    }
    if (idempotent) for (const [status, description] of Object.entries(idempotencyAnswers)) responses[status] = { description, content: errorContent };
    // A route's own refusals replace the generic words; a 409 of its own adds to the Idempotency-Key's.
    for (const [status, description] of Object.entries(definition.errors ?? {})) {
      const idempotencyConflict = status === '409' && idempotent ? `; or ${idempotencyAnswers['409']}` : '';
      responses[status] = { description: `${description}${idempotencyConflict}`, content: errorContent };
    }
    paths[path] ??= {};
    paths[path][definition.method] = {
      operationId: operationId(definition),
      summary: definition.summary,
      tags: [definition.tag],
      ...(definition.action === 'public' ? { security: [] } : { 'x-permission': definition.action }),
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(definition.body !== undefined ? { requestBody: { required: definition.bodyOptional !== true, content: { 'application/json': { schema: jsonSchema(definition.body, 'input', schemas) } } } } : {}),
      responses,
    };
  }
  addMachineLocalPaths(paths, schemas);
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
      schemas,
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

/**
 * The two routes outside the router (gateways/http/server.ts), answered to this machine only: the
 * terminal protocol over HTTP (its bodies and replies are docs/protocol.md's, per operation) and the
 * whole-document import (docs/network.schema.json). Elsewhere: 403 `FORBIDDEN`.
 */
function addMachineLocalPaths(paths: Record<string, Record<string, unknown>>, schemas: Record<string, JsonSchema>): void {
  const errorContent = { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } };
  const forbidden = { description: 'not from this machine (`FORBIDDEN`)', content: errorContent };
  schemas['TerminalReply'] = {
    type: 'object',
    description: 'The protocol reply (docs/protocol.md, "Every request and reply"), for every result: `error` replies too are answered with 200.',
    required: ['id', 'result', 'reason'],
    properties: {
      id: { type: 'string' },
      result: { type: 'string', enum: ['approved', 'declined', 'error'] },
      reason: { type: 'string', description: '`OK` when approved; a stable decline or error code otherwise' },
      message: { type: 'string' },
    },
    additionalProperties: true,
  };
  paths['/api/v1/term/{terminal}/{op}'] = {
    post: {
      operationId: 'postTermByTerminalByOp',
      summary: 'One terminal request over HTTP (JSON), as over NATS: for trying the protocol and for terminals without NATS',
      tags: ['terminal protocol'],
      security: [],
      'x-machine-local': true,
      parameters: [
        { name: 'terminal', in: 'path', required: true, schema: { type: 'string' } },
        { name: 'op', in: 'path', required: true, schema: { type: 'string', enum: [...operations] } },
      ],
      requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', description: "The operation's request body (docs/protocol.md, \"Operations\"): `id` and the operation's fields; unknown fields are refused.", required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 64 } }, additionalProperties: true } } } },
      responses: { '200': { description: 'the reply', content: { 'application/json': { schema: { $ref: '#/components/schemas/TerminalReply' } } } }, '403': forbidden, '413': { description: errorAnswers['413'], content: errorContent } },
    },
  };
  paths['/api/v1/import'] = {
    post: {
      operationId: 'postImport',
      summary: 'Imports a whole network document (as `tessera import` sends); API keys use POST /api/v1/network/import',
      tags: ['network'],
      security: [],
      'x-machine-local': true,
      requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', description: 'a network document: docs/network.schema.json', required: ['network'] } } } },
      responses: {
        '200': { description: 'what the import changed (created, updated, unchanged counts)', content: { 'application/json': { schema: { type: 'object', additionalProperties: true } } } },
        '400': { description: errorAnswers['400'], content: errorContent },
        '403': forbidden,
        '413': { description: errorAnswers['413'], content: errorContent },
      },
    },
  };
}
