// The HTTP API's routes on uWebSockets.js. A route is data — method, path, the zod schemas of its
// query, body and answer, the permission it needs — and one async handler; the router does what every
// route needs the same way: it copies the request out of uWS before the first await (uWS requests are
// valid only synchronously), caps and parses the body, validates query and body (400 with the
// issues' paths, never the values), finds the principal (authenticators plug in: sessions, API keys),
// checks CSRF for cookie-authenticated writes, honours `Idempotency-Key` on POST (idempotency.ts),
// refuses with stable codes, maps thrown errors to 500 without details, and writes streamed answers
// with backpressure. The OpenAPI document is made from
// the same route list (openapi.ts), so documentation and behaviour cannot drift.

import type { HttpRequest, HttpResponse, TemplatedApp } from 'uWebSockets.js';
import type { Action, Principal } from '../../../engine/index.js';
import { assertNever, constants, z } from '../../../engine/index.js';
import { apiErrorCodes } from './error-codes.js';
import type { ApiErrorCode } from './error-codes.js';

export const httpMethods = ['get', 'post', 'put', 'patch', 'delete'] as const;
export type HttpMethod = (typeof httpMethods)[number];

export { apiErrorCodes };
export type { ApiErrorCode };

const statusOfCode: Record<ApiErrorCode, string> = {
  BAD_REQUEST: '400 Bad Request',
  UNAUTHENTICATED: '401 Unauthorized',
  FORBIDDEN: '403 Forbidden',
  CSRF_FAILED: '403 Forbidden',
  NOT_FOUND: '404 Not Found',
  CONFLICT: '409 Conflict',
  IDEMPOTENCY_KEY_REUSED: '422 Unprocessable Entity',
  PAYLOAD_TOO_LARGE: '413 Payload Too Large',
  RATE_LIMITED: '429 Too Many Requests',
  INVALID_CREDENTIALS: '401 Unauthorized',
  CODE_INVALID: '422 Unprocessable Entity',
  SIGN_IN_EXPIRED: '401 Unauthorized',
  LOCKED: '429 Too Many Requests',
  EMAIL_TAKEN: '409 Conflict',
  LAST_OWNER: '409 Conflict',
  PASSWORD_WRONG: '422 Unprocessable Entity',
  UNAVAILABLE: '503 Service Unavailable',
  INTERNAL: '500 Internal Server Error',
};

export const apiErrorSchema = z
  .object({
    error: z.object({
      code: z.enum(apiErrorCodes),
      message: z.string(),
      /** Where a request failed validation: paths into the query or body, never the values. */
      issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    }),
  })
  .meta({ id: 'Error' });
export type ApiErrorBody = z.infer<typeof apiErrorSchema>;

/** Thrown by handlers (or returned through `apiError`) to answer with a stable code. */
export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly issues?: readonly { path: string; message: string }[],
    readonly headers?: Readonly<Record<string, string>>,
  ) {
    super(message);
  }
}

/** Issues of a refused body as the API names them (`body.<field>`); undefined when there are none. */
export function bodyIssues(issues: readonly { path: string; message: string }[] | undefined): { path: string; message: string }[] | undefined {
  return issues?.map((issue) => ({ path: issue.path === '' ? 'body' : `body.${issue.path}`, message: issue.message }));
}

/** What a handler sees: the request, copied out of uWS, validated. */
export interface ApiRequest<Query, Body> {
  method: HttpMethod;
  /** The path as requested (without the query string). */
  url: string;
  params: Readonly<Record<string, string>>;
  query: Query;
  body: Body;
  /** Lower-case header names. */
  headers: Readonly<Record<string, string>>;
  remote: string;
  /** Set when the route names an action (the router has authenticated the caller). */
  principal: Principal | undefined;
}

/** A JSON answer, or a streamed one (exports). */
export type ApiReply<Response> =
  | { status?: number; body: Response; headers?: Readonly<Record<string, string>> }
  | { status?: number; headers: Readonly<Record<string, string>>; stream: (sink: ResponseSink) => Promise<void> };

/** Writes a streamed answer's chunks; `write` resolves when the socket can take more. */
export interface ResponseSink {
  write(chunk: Uint8Array | string): Promise<void>;
  /** True once the client went away (stop producing). */
  readonly aborted: boolean;
}

export interface Route<Q extends z.ZodType = z.ZodType, B extends z.ZodType = z.ZodType, R extends z.ZodType = z.ZodType> {
  method: HttpMethod;
  /** uWS pattern, e.g. `/api/v1/networks/:network/cards/:card`. */
  path: string;
  summary: string;
  tag: string;
  /**
   * The permission the route needs (`authorize`/`queryScope` with the principal is the handler's
   * part, as only it knows the target); `public` needs no principal (health, sign-in, the document).
   */
  action: Action | 'public';
  query?: Q;
  body?: B;
  response: R;
  /** Content type of a streamed answer (documented instead of the JSON schema), e.g. text/csv. */
  produces?: readonly string[];
  /** Answers that are not errors besides 200 (e.g. 201, 202). */
  status?: number;
  /** Path parameters that are integers: the router refuses anything else (400), the document types them (default: a string). */
  pathParameters?: Readonly<Record<string, { type: 'integer'; minimum?: number; description?: string }>>;
  /** Error answers of this route's own (e.g. 409 when the target is already in that state), for the document. */
  errors?: Readonly<Partial<Record<'404' | '409', string>>>;
  /** The body may be left out (it is read as `{}`); the document says it is optional. */
  bodyOptional?: boolean;
  bodyBytesMax?: number;
  handle(request: ApiRequest<z.infer<Q>, z.infer<B>>): Promise<ApiReply<z.infer<R>>>;
}

/** Declares a route with its types inferred from its schemas. */
export function route<Q extends z.ZodType = z.ZodUndefined, B extends z.ZodType = z.ZodUndefined, R extends z.ZodType = z.ZodType>(definition: Route<Q, B, R>): Route {
  return definition;
}

/** The request as authenticators see it (before validation). */
export interface RawRequest {
  method: HttpMethod;
  url: string;
  headers: Readonly<Record<string, string>>;
  remote: string;
}

/** Finds who is asking (a session cookie, an API key); undefined when this kind of credential is absent or not valid. */
export type Authenticator = (request: RawRequest) => Principal | undefined | Promise<Principal | undefined>;

/** An answer as written: the status line, the headers that matter, the JSON body's text. */
export interface KeptAnswer {
  status: string;
  headers: Readonly<Record<string, string>>;
  body: string;
}

/** What the router does with a request that carries a key. */
export type IdempotencyClaim =
  | { kind: 'run'; complete(answer: KeptAnswer): Promise<void>; release(): void }
  | { kind: 'replay'; answer: KeptAnswer }
  | { kind: 'reused' }
  | { kind: 'running' }
  | { kind: 'busy' };

/** `RouterOptions.idempotency`: claims keys, keeps answers (idempotency.ts keeps them in LMDB). */
export interface IdempotencyStore {
  /** The request's fingerprint (keyed: a body may hold a password or a PIN). */
  fingerprint(parts: readonly (string | Uint8Array)[]): string;
  claim(scope: string, key: string, fingerprint: string): IdempotencyClaim;
}

/** The key of the header: 1–255 printable ASCII characters, bare or as a structured-field string (`"…"`); undefined when absent. */
export function idempotencyKeyOf(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  let value = header.trim();
  const quoted = /^"((?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\["\\])*)"$/.exec(value);
  if (quoted?.[1] !== undefined) value = quoted[1].replace(/\\(["\\])/g, '$1');
  if (value.length < 1 || value.length > constants.apiIdempotencyKeyLengthMax || !/^[\x20-\x7e]+$/.test(value)) {
    const message = `1 to ${constants.apiIdempotencyKeyLengthMax} printable ASCII characters`;
    throw new ApiError('BAD_REQUEST', `the Idempotency-Key header is not valid: ${message}`, [{ path: 'header.idempotency-key', message }]);
  }
  return value;
}

/** Headers never kept with an answer (a replay must not hand out a credential). */
const headersNotKept = new Set(['set-cookie']);

export function keptHeaders(headers: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) if (!headersNotKept.has(name.toLowerCase())) result[name] = value;
  return result;
}

export interface RouterOptions {
  authenticators: readonly Authenticator[];
  /**
   * Keeps answers for `Idempotency-Key` on every POST that needs a principal (the key is the
   * principal's); without it the header is ignored. Public POSTs (sign-in) ignore it: nobody to scope
   * it to, and their answers are one-time credentials.
   */
  idempotency?: IdempotencyStore | undefined;
  /** Whether a cookie-authenticated write carries the right CSRF token; principals of kind `apikey` are not asked. */
  checkCsrf?: (principal: Principal, request: RawRequest) => boolean;
  log?: (level: 'warn' | 'error', message: string, fields: Record<string, unknown>) => void;
}

interface ResponseState {
  aborted: boolean;
  /** The status line of a streamed answer is out: an error can only cut the connection. */
  started: boolean;
  onAbort: (() => void) | undefined;
}

type Handler = (res: HttpResponse, req: HttpRequest) => void;

const registrars: Record<HttpMethod, (app: TemplatedApp, path: string, handler: Handler) => void> = {
  get: (app, path, handler) => app.get(path, handler),
  post: (app, path, handler) => app.post(path, handler),
  put: (app, path, handler) => app.put(path, handler),
  patch: (app, path, handler) => app.patch(path, handler),
  delete: (app, path, handler) => app.del(path, handler),
};

const methodsWithBody: ReadonlySet<HttpMethod> = new Set(['post', 'put', 'patch']);

/** Mounts `routes` on `app`. */
export function mountRoutes(app: TemplatedApp, routes: readonly Route[], options: RouterOptions): void {
  for (const definition of routes) {
    const names = parameterNames(definition.path);
    const register = registrars[definition.method];
    register(app, definition.path, (res, req) => {
      const raw = copyRequest(definition.method, res, req);
      // Raw here (uWS's request is gone after this callback); decoded in `handle`, where a malformed one is a 400.
      const params = names.map((name, index) => [name, req.getParameter(index) ?? ''] as const);
      const queryString = req.getQuery() ?? '';
      const state: ResponseState = { aborted: false, started: false, onAbort: undefined };
      res.onAborted(() => {
        state.aborted = true;
        state.onAbort?.();
      });
      const cap = definition.bodyBytesMax ?? constants.apiBodyBytesMax;
      if (!methodsWithBody.has(definition.method)) {
        void handle(definition, options, res, state, raw, params, queryString, undefined);
        return;
      }
      if (Number(raw.headers['content-length'] ?? '0') > cap) {
        answerError(res, state, new ApiError('PAYLOAD_TOO_LARGE', `the body may have at most ${cap} bytes`));
        return;
      }
      readBody(res, cap, (body) => {
        if (body === undefined) answerError(res, state, new ApiError('PAYLOAD_TOO_LARGE', `the body may have at most ${cap} bytes`));
        else void handle(definition, options, res, state, raw, params, queryString, body);
      });
    });
  }
}

async function handle(definition: Route, options: RouterOptions, res: HttpResponse, state: ResponseState, raw: RawRequest, rawParams: readonly (readonly [string, string])[], queryString: string, body: Buffer | undefined): Promise<void> {
  let claim: Extract<IdempotencyClaim, { kind: 'run' }> | undefined;
  try {
    let principal: Principal | undefined;
    if (definition.action !== 'public') {
      for (const authenticate of options.authenticators) {
        principal = await authenticate(raw);
        if (principal !== undefined) break;
      }
      if (principal === undefined) throw new ApiError('UNAUTHENTICATED', 'sign in, or send an API key (Authorization: Bearer …)');
      if (principal.kind === 'user' && definition.method !== 'get' && options.checkCsrf !== undefined && !options.checkCsrf(principal, raw)) {
        throw new ApiError('CSRF_FAILED', 'the X-CSRF-Token header is missing or does not match the session');
      }
    }
    const idempotency = definition.method === 'post' && principal !== undefined ? options.idempotency : undefined;
    const idempotencyKey = idempotency !== undefined ? idempotencyKeyOf(raw.headers['idempotency-key']) : undefined;
    const params = decodeParameters(rawParams);
    checkPathParameters(definition.pathParameters, params);
    const rawQuery = queryObject(queryString);
    refuseUnknownParameters(definition.query, rawQuery);
    const query = validate(definition.query, rawQuery, 'query');
    const parsedBody = definition.body === undefined ? undefined : validate(definition.body, parseJson(body), 'body');
    const request: ApiRequest<unknown, unknown> = { method: raw.method, url: raw.url, params, query, body: parsedBody, headers: raw.headers, remote: raw.remote, principal };
    if (idempotency !== undefined && idempotencyKey !== undefined && principal !== undefined) {
      // Checked after validation: a request refused as not valid did nothing and takes no key.
      const fingerprint = idempotency.fingerprint([raw.method, raw.url, queryString, body ?? new Uint8Array(0)]);
      const claimed = idempotency.claim(`${principal.network}/${principal.kind}/${principal.id}`, idempotencyKey, fingerprint);
      switch (claimed.kind) {
        case 'replay':
          writeAnswer(res, state, { ...claimed.answer, headers: { ...claimed.answer.headers, 'Idempotent-Replay': 'true' } });
          return;
        case 'reused':
          throw new ApiError('IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was used for another request');
        case 'running':
          throw new ApiError('CONFLICT', 'the first request with this Idempotency-Key is still running; retry later');
        case 'busy':
          throw new ApiError('UNAVAILABLE', 'too many requests with an Idempotency-Key are running; retry later');
        case 'run':
          claim = claimed;
          break;
        default:
          return assertNever(claimed);
      }
    }
    let reply: ApiReply<unknown>;
    try {
      reply = await definition.handle(request);
    } catch (error) {
      // The handler's refusals are its answers (kept for a retry); a failure (5xx) or a rate limit may pass: the retry runs.
      if (claim !== undefined && error instanceof ApiError && keptRefusal(error.code)) await claim.complete(errorAnswer(error));
      throw error;
    }
    if ('stream' in reply) {
      // A streamed answer (an export) is not kept: its retry runs again.
      claim?.release();
      await stream(res, state, reply);
      return;
    }
    const answer: KeptAnswer = { status: statusLine(reply.status ?? definition.status ?? 200), headers: reply.headers ?? {}, body: JSON.stringify(reply.body) };
    if (claim !== undefined) await claim.complete({ ...answer, headers: keptHeaders(answer.headers) });
    writeAnswer(res, state, answer);
  } catch (error) {
    claim?.release();
    if (!(error instanceof ApiError)) options.log?.('error', 'api: a request failed', { path: definition.path, method: definition.method, error: error instanceof Error ? error.message : String(error) });
    // Once a streamed answer's status line is out, no error answer can follow: the connection is cut.
    if (state.started) {
      if (!state.aborted) res.cork(() => res.close());
      return;
    }
    answerError(res, state, error instanceof ApiError ? error : new ApiError('INTERNAL', 'the request failed; it has been logged'));
  }
}

/** Refusals a handler answers with that a retry with the same key gets again (not 5xx, not a rate limit). */
function keptRefusal(code: ApiErrorCode): boolean {
  return statusOfCode[code].startsWith('4') && code !== 'RATE_LIMITED';
}

function validate(schema: z.ZodType | undefined, value: unknown, where: 'query' | 'body'): unknown {
  if (schema === undefined) return undefined;
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.slice(0, 20).map((issue) => ({ path: [where, ...issue.path.map(String)].join('.'), message: issue.message }));
  throw new ApiError('BAD_REQUEST', `the ${where} is not valid: ${issues.map((issue) => issue.path).join(', ')}`, issues);
}

function parseJson(body: Buffer | undefined): unknown {
  if (body === undefined || body.byteLength === 0) return {};
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    throw new ApiError('BAD_REQUEST', 'the body is not valid JSON');
  }
}

function decodeParameters(raw: readonly (readonly [string, string])[]): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [name, value] of raw) {
    try {
      params[name] = decodeURIComponent(value);
    } catch {
      throw new ApiError('BAD_REQUEST', `the path parameter ${name} is not valid percent-encoding`, [{ path: `path.${name}`, message: 'not valid percent-encoding' }]);
    }
  }
  return params;
}

/** Path parameters the route declares as integers are whole numbers (from `minimum`), else 400. */
function checkPathParameters(declared: Route['pathParameters'], params: Readonly<Record<string, string>>): void {
  for (const [name, parameter] of Object.entries(declared ?? {})) {
    const text = params[name] ?? '';
    const value = /^(0|[1-9][0-9]{0,15})$/.test(text) ? Number(text) : Number.NaN;
    if (Number.isSafeInteger(value) && value >= (parameter.minimum ?? 0)) continue;
    throw new ApiError('BAD_REQUEST', `the path parameter ${name} is not valid`, [{ path: `path.${name}`, message: `a whole number${parameter.minimum !== undefined ? ` from ${parameter.minimum}` : ''}` }]);
  }
}

/**
 * A query parameter the route does not define is refused (a misspelt filter would otherwise be
 * ignored and answer everything). The issue names the parameters the route takes, never the unknown
 * one (a name may be anything a caller typed).
 */
function refuseUnknownParameters(schema: z.ZodType | undefined, query: Readonly<Record<string, unknown>>): void {
  const names = Object.keys(query);
  if (names.length === 0) return;
  if (schema !== undefined && !(schema instanceof z.ZodObject)) return;
  const known = new Set(schema instanceof z.ZodObject ? Object.keys(schema.shape) : []);
  if (names.every((name) => known.has(name))) return;
  const message = known.size === 0 ? 'this route takes no query parameters' : `unknown query parameter: this route takes ${[...known].join(', ')}`;
  throw new ApiError('BAD_REQUEST', 'the query is not valid: an unknown parameter', [{ path: 'query', message }]);
}

/** The query string as an object; a name given more than once becomes an array. */
function queryObject(queryString: string): Record<string, string | string[]> {
  const result: Record<string, string | string[]> = {};
  for (const [name, value] of new URLSearchParams(queryString)) {
    const existing = result[name];
    if (existing === undefined) result[name] = value;
    else result[name] = Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return result;
}

export function parameterNames(path: string): string[] {
  return path
    .split('/')
    .filter((part) => part.startsWith(':'))
    .map((part) => part.slice(1));
}

function copyRequest(method: HttpMethod, res: HttpResponse, req: HttpRequest): RawRequest {
  const headers: Record<string, string> = {};
  req.forEach((name, value) => (headers[name] = value));
  return { method, url: req.getUrl(), headers, remote: Buffer.from(res.getRemoteAddressAsText()).toString() };
}

function statusLine(status: number): string {
  return statusLines[status] ?? `${status} Status`;
}

const statusLines: Readonly<Record<number, string>> = { 200: '200 OK', 201: '201 Created', 202: '202 Accepted', 204: '204 No Content' };

function writeAnswer(res: HttpResponse, state: ResponseState, answer: KeptAnswer): void {
  if (state.aborted) return;
  res.cork(() => {
    res.writeStatus(answer.status).writeHeader('Content-Type', 'application/json; charset=utf-8').writeHeader('Cache-Control', 'no-store');
    for (const [name, value] of Object.entries(answer.headers)) res.writeHeader(name, value);
    res.end(answer.body);
  });
}

function errorBody(error: ApiError): ApiErrorBody {
  return { error: { code: error.code, message: error.message, ...(error.issues !== undefined ? { issues: [...error.issues] } : {}) } };
}

function errorAnswer(error: ApiError): KeptAnswer {
  return { status: statusOfCode[error.code], headers: error.headers ?? {}, body: JSON.stringify(errorBody(error)) };
}

function answerError(res: HttpResponse, state: ResponseState, error: ApiError): void {
  writeAnswer(res, state, errorAnswer(error));
}

async function stream(res: HttpResponse, state: ResponseState, reply: { status?: number; headers: Readonly<Record<string, string>>; stream: (sink: ResponseSink) => Promise<void> }): Promise<void> {
  if (state.aborted) return;
  let writable: (() => void) | undefined;
  res.onWritable(() => {
    const resume = writable;
    writable = undefined;
    resume?.();
    return true;
  });
  res.cork(() => {
    res.writeStatus(statusLine(reply.status ?? 200)).writeHeader('Cache-Control', 'no-store');
    for (const [name, value] of Object.entries(reply.headers)) res.writeHeader(name, value);
  });
  state.started = true;
  const sink: ResponseSink = {
    get aborted() {
      return state.aborted;
    },
    write: (chunk) => {
      if (state.aborted) return Promise.resolve();
      let ok = true;
      res.cork(() => (ok = res.write(chunk)));
      if (ok) return Promise.resolve();
      return new Promise<void>((resolve) => {
        writable = resolve;
        // An aborted response never becomes writable again.
        state.onAbort = resolve;
      });
    },
  };
  await reply.stream(sink);
  if (!state.aborted) res.cork(() => res.end());
}

/** Reads a body of at most `maxBytes` (undefined when larger). */
export function readBody(res: HttpResponse, maxBytes: number, done: (body: Buffer | undefined) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let finished = false;
  res.onData((chunk, isLast) => {
    if (finished) return;
    size += chunk.byteLength;
    if (size > maxBytes) {
      finished = true;
      done(undefined);
      return;
    }
    chunks.push(Buffer.from(chunk.slice(0)));
    if (isLast) {
      finished = true;
      done(Buffer.concat(chunks));
    }
  });
}
