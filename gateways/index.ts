// The gateways' public surface: the bus (NATS or in-process), the terminal gateway, the HTTP
// gateway and the metrics they share.

export type { Bus, BusMessage, BusSubscription } from './bus/bus.js';
export { InProcessBus } from './bus/in-process-bus.js';
export { NatsBus, connectNatsBus } from './bus/nats-bus.js';
export type { NatsBusCredentials } from './bus/nats-bus.js';
export { TerminalGateway } from './nats/terminal-gateway.js';
export type { TerminalGatewayOptions } from './nats/terminal-gateway.js';
export { decodeBody, encodeBody } from './nats/codec.js';
export type { Encoding } from './nats/codec.js';
export { loopbackViewers, startHttpGateway } from './http/server.js';
export type { HttpGateway } from './http/server.js';
export { apiKeyPrincipalOf, bearerAuthenticator, csrfCheck, LmdbIdempotencyStore, requestIsTls, sessionAuthenticator, sessionTokenOf } from './http/api/index.js';
export type { TlsOptions } from './http/api/index.js';
export { allowedOriginsOf, closeEndedSessions, principalViewers, sessionPrincipal, viewerOf, withLoopbackViewers } from './http/viewers.js';
export type { UpgradePrincipal } from './http/viewers.js';
export { feedItem, streamNames } from './http/streams.js';
export type { SocketAuthenticator, StreamName, StreamOptions, Streams, StreamViewer, UpgradeRequest } from './http/streams.js';
export { createMetrics } from './metrics.js';
export type { Metrics, ReadModelGauges } from './metrics.js';
export { apiRoutes } from './http/api/routes/index.js';
export { mountApi } from './http/api/index.js';
export type { ApiContext } from './http/api/context.js';
// A route of the API's router (the bench mounts one beside the API's own as its floor).
export { route } from './http/api/index.js';
export type { Route } from './http/api/index.js';
