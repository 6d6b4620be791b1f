// The HTTP gateway on uWebSockets.js: health (`/livez`, `/readyz`), Prometheus metrics (`/metrics`),
// and network import (`POST /api/v1/import`, JSON; loopback only until API keys arrive with the
// security work). Bodies are capped before they are read whole.

import uWS from 'uWebSockets.js';
import type { TemplatedApp, us_listen_socket } from 'uWebSockets.js';
import type { Engine } from '../../engine/index.js';
import { constants, describeIssues, ImportError, networkDocumentSchema } from '../../engine/index.js';
import type { Metrics } from '../metrics.js';
import type { TerminalGateway } from '../nats/terminal-gateway.js';
import type { StreamOptions, Streams, StreamViewer, UpgradeRequest } from './streams.js';
import { attachStreams } from './streams.js';
import { serveDashboard } from './static.js';
import { mountApi, readBody } from './api/index.js';
import type { Authenticator, RouterOptions } from './api/index.js';
import type { ApiContext } from './api/context.js';
import { apiRoutes } from './api/routes/index.js';
import { badRequestOf } from './api/routes/management.js';

export interface HttpGateway {
  port: number;
  /** The live streams on `/ws`. */
  streams: Streams;
  close(): void;
}

/** The /api/v1 routes and who may call them. */
export interface ApiMount {
  context: ApiContext;
  authenticators: readonly Authenticator[];
  checkCsrf?: RouterOptions['checkCsrf'];
  /** Answers kept for `Idempotency-Key` on POST (`LmdbIdempotencyStore` on the engine's store). */
  idempotency?: RouterOptions['idempotency'];
  log?: RouterOptions['log'];
}

export async function startHttpGateway(
  engine: Engine,
  metrics: Metrics,
  terminals: TerminalGateway,
  port: number,
  host = '0.0.0.0',
  streamOptions: StreamOptions = { authenticate: loopbackViewers(engine) },
  api: ApiMount = { context: { engine, database: undefined, security: undefined }, authenticators: [] },
): Promise<HttpGateway> {
  const app: TemplatedApp = uWS.App();
  const streams = attachStreams(app, engine, streamOptions);
  app.get('/livez', (res) => {
    res.cork(() => res.writeHeader('Content-Type', 'text/plain').end('ok'));
  });
  app.get('/readyz', (res) => {
    const ready = engine.ready;
    res.cork(() => res.writeStatus(ready ? '200 OK' : '503 Service Unavailable').writeHeader('Content-Type', 'text/plain').end(ready ? 'ready' : 'draining'));
  });
  app.get('/metrics', (res) => {
    let aborted = false;
    res.onAborted(() => (aborted = true));
    metrics.registry.metrics().then(
      (text) => {
        if (!aborted) res.cork(() => res.writeHeader('Content-Type', metrics.registry.contentType).end(text));
      },
      () => {
        if (!aborted) res.cork(() => res.writeStatus('500 Internal Server Error').end());
      },
    );
  });
  app.post('/api/v1/import', (res, req) => {
    const remote = Buffer.from(res.getRemoteAddressAsText()).toString();
    const contentLength = Number(req.getHeader('content-length') || '0');
    let aborted = false;
    res.onAborted(() => (aborted = true));
    const answer = (status: string, body: unknown): void => {
      if (!aborted) res.cork(() => res.writeStatus(status).writeHeader('Content-Type', 'application/json').end(JSON.stringify(body)));
    };
    if (!isLoopback(remote)) return answer('403 Forbidden', { error: { code: 'FORBIDDEN', message: 'import over HTTP is allowed from this machine only' } });
    if (contentLength > constants.importDocumentBytesMax) return answer('413 Payload Too Large', { error: { code: 'PAYLOAD_TOO_LARGE', message: 'the document is too large' } });
    readBody(res, constants.importDocumentBytesMax, (body) => {
      if (body === undefined) return answer('413 Payload Too Large', { error: { code: 'PAYLOAD_TOO_LARGE', message: 'the document is too large' } });
      let json: unknown;
      try {
        json = JSON.parse(body.toString('utf8'));
      } catch {
        return answer('400 Bad Request', { error: { code: 'BAD_REQUEST', message: 'the body is not valid JSON', issues: [{ path: 'body', message: 'not valid JSON' }] } });
      }
      const parsed = networkDocumentSchema.safeParse(json);
      if (!parsed.success) {
        const issues = parsed.error.issues.slice(0, constants.importProblemsMax).map((issue) => ({ path: ['body', ...issue.path.map(String)].join('.'), message: issue.message }));
        return answer('400 Bad Request', { error: { code: 'BAD_REQUEST', message: describeIssues(parsed.error), issues } });
      }
      engine.import(parsed.data).then(
        ({ changedKeys: _keys, ...summary }) => answer('200 OK', summary),
        (error: unknown) =>
          error instanceof ImportError
            ? answer('400 Bad Request', { error: { code: 'BAD_REQUEST', message: error.message, issues: badRequestOf(error).issues?.map((issue) => ({ path: issue.path === '(document)' ? 'body' : `body.${issue.path}`, message: issue.message })) } })
            : answer('500 Internal Server Error', { error: { code: 'INTERNAL', message: 'the import failed' } }),
      );
    });
  });
  // The terminal protocol over HTTP (JSON), for trying it with curl and for terminals without NATS.
  app.post('/api/v1/term/:terminal/:op', (res, req) => {
    const terminalId = req.getParameter(0) ?? '';
    const op = req.getParameter(1) ?? '';
    const remote = Buffer.from(res.getRemoteAddressAsText()).toString();
    let aborted = false;
    res.onAborted(() => (aborted = true));
    const answer = (status: string, body: Uint8Array | string): void => {
      if (!aborted) res.cork(() => res.writeStatus(status).writeHeader('Content-Type', 'application/json').end(body));
    };
    if (!isLoopback(remote)) return answer('403 Forbidden', JSON.stringify({ error: { code: 'FORBIDDEN', message: 'terminals use NATS; HTTP is allowed from this machine only' } }));
    readBody(res, constants.requestBytesMax, (body) => {
      if (body === undefined) return answer('413 Payload Too Large', JSON.stringify({ error: { code: 'PAYLOAD_TOO_LARGE', message: `at most ${constants.requestBytesMax} bytes` } }));
      terminals.handle(terminalId, op, body, 'json', (reply) => answer('200 OK', reply));
    });
  });
  // The /api/v1 routes (search, reports, management); the document at /api/v1/openapi.json lists them.
  mountApi(app, apiRoutes(api.context), { authenticators: api.authenticators, ...(api.checkCsrf ? { checkCsrf: api.checkCsrf } : {}), ...(api.idempotency ? { idempotency: api.idempotency } : {}), ...(api.log ? { log: api.log } : {}) });
  serveDashboard(app);
  app.any('/*', (res) => {
    res.cork(() => res.writeStatus('404 Not Found').writeHeader('Content-Type', 'application/json').end(JSON.stringify({ error: { code: 'NOT_FOUND', message: 'no such endpoint' } })));
  });

  const socket = await new Promise<us_listen_socket>((resolve, reject) => {
    app.listen(host, port, (listenSocket) => (listenSocket ? resolve(listenSocket) : reject(new Error(`cannot listen on ${host}:${port}`))));
  });
  return {
    port: uWS.us_socket_local_port(socket),
    streams,
    close: () => {
      streams.close();
      uWS.us_listen_socket_close(socket);
    },
  };
}

/**
 * Until people sign in (the security layer), streams are open from this machine only, for the
 * network named in the query (`/ws?network=ID`).
 */
export function loopbackViewers(engine: Engine): (request: UpgradeRequest) => StreamViewer | undefined {
  return (request) => {
    if (!isLoopback(request.remote)) return undefined;
    const network = new URLSearchParams(request.query).get('network') ?? '';
    return engine.catalogs.network(network) !== undefined ? { id: `loopback:${request.remote}`, network } : undefined;
  };
}

function isLoopback(address: string): boolean {
  return address === '127.0.0.1' || address === '::1' || address.startsWith('127.') || address === '0000:0000:0000:0000:0000:0000:0000:0001' || address.startsWith('0000:0000:0000:0000:0000:ffff:7f');
}
