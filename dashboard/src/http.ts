// The dashboard's calls to the HTTP API (/api/v1, docs/api.md). Same origin, so the session cookie
// (HttpOnly) travels by itself; every write of a signed-in person also carries the session's CSRF
// token, kept in sessionStorage (it survives a reload of the tab, never a cookie). A refusal comes back
// as an `ApiProblem` with the API's stable code and the paths of invalid fields, for a message in the
// viewer's words (`problemText`); a 401 tells the session that it is over, so the page signs in again.

import type { ApiErrorCode } from '../../gateways/http/api/error-codes';

export type { ApiErrorCode };

/** Codes of the API and of the browser side: `network` when the server could not be reached. */
export type ProblemCode = ApiErrorCode | 'network';

export class ApiProblem extends Error {
  constructor(
    readonly code: ProblemCode,
    readonly status: number,
    message: string,
    readonly issues: readonly { path: string; message: string }[] = [],
    /** Seconds to wait (Retry-After of LOCKED and RATE_LIMITED). */
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

const csrfKey = 'tessera.csrf';

export function rememberCsrf(token: string | undefined): void {
  if (token === undefined) sessionStorage.removeItem(csrfKey);
  else sessionStorage.setItem(csrfKey, token);
}

type Listener = () => void;
const signedOutListeners = new Set<Listener>();

/** Called when the API answers 401 to a signed-in call: the session ended (timeout, sign-out elsewhere). */
export function onSignedOut(listener: Listener): () => void {
  signedOutListeners.add(listener);
  return () => signedOutListeners.delete(listener);
}

/** The session is over (a 401, or the live socket closed by the server with 4001): tell every listener. */
export function sessionEnded(): void {
  for (const listener of signedOutListeners) listener();
}

/** Query parameters; an array repeats its parameter (`kind=fuel&kind=sale`). */
export type Query = Record<string, string | number | boolean | readonly string[] | undefined | null>;

/** `/api/v1/…?a=1&b=2` without the empty values. */
export function apiPath(path: string, query: Query = {}): string {
  const parameters = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    if (typeof value === 'object') for (const each of value) parameters.append(name, each);
    else parameters.set(name, String(value));
  }
  const search = parameters.toString();
  return `/api/v1${path}${search === '' ? '' : `?${search}`}`;
}

interface Options {
  query?: Query;
  body?: unknown;
  /** Sign-in calls: a 401 there is a refusal, not the end of a session. */
  anonymous?: boolean;
  /** POST retries with the same key answer the first result (Idempotency-Key). */
  idempotencyKey?: string;
}

async function request<T>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, options: Options = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  const csrf = sessionStorage.getItem(csrfKey);
  if (method !== 'GET' && csrf !== null) headers['X-CSRF-Token'] = csrf;
  if (options.idempotencyKey !== undefined) headers['Idempotency-Key'] = options.idempotencyKey;
  let response: Response;
  try {
    response = await fetch(apiPath(path, options.query), { method, headers, credentials: 'same-origin', ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}) });
  } catch {
    throw new ApiProblem('network', 0, 'no connection');
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (response.ok) return body as T;
  const error = (body as { error?: { code?: ApiErrorCode; message?: string; issues?: { path: string; message: string }[] } } | undefined)?.error;
  const retryAfter = Number(response.headers.get('Retry-After') ?? Number.NaN);
  const problem = new ApiProblem(error?.code ?? 'INTERNAL', response.status, error?.message ?? response.statusText, error?.issues ?? [], Number.isFinite(retryAfter) ? retryAfter : undefined);
  if (response.status === 401 && options.anonymous !== true) sessionEnded();
  throw problem;
}

export const api = {
  get: <T>(path: string, query?: Query): Promise<T> => request<T>('GET', path, query !== undefined ? { query } : {}),
  post: <T>(path: string, body?: unknown, options: Omit<Options, 'body'> = {}): Promise<T> => request<T>('POST', path, { ...options, body: body ?? {} }),
  put: <T>(path: string, body: unknown): Promise<T> => request<T>('PUT', path, { body }),
  patch: <T>(path: string, body: unknown): Promise<T> => request<T>('PATCH', path, { body }),
  delete: <T>(path: string): Promise<T> => request<T>('DELETE', path),
};

/** A link that downloads an export with the session cookie (a plain GET: no CSRF token needed). */
export function exportUrl(path: string, query: Query = {}): string {
  return apiPath(path, query);
}

/** A fresh key for one user action, so a retried click does not do it twice. */
export function actionKey(): string {
  return typeof crypto.randomUUID === 'function' ? crypto.randomUUID() : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}
