// Composition root: builds the engine, the bus (NATS or in-process), the terminal gateway, the
// HTTP gateway and the read model (when asked), loads the demo network when asked, and drains on
// SIGTERM/SIGINT.

import { join } from 'node:path';
import { pino } from 'pino';
import type { Logger } from 'pino';
import { Engine } from '../engine.js';
import { constants, subjectPrefixDefault } from '../constants.js';
import type { Bus, HttpGateway } from '../../gateways/index.js';
import {
  allowedOriginsOf,
  apiKeyPrincipalOf,
  bearerAuthenticator,
  closeEndedSessions,
  connectNatsBus,
  createMetrics,
  csrfCheck,
  InProcessBus,
  LmdbIdempotencyStore,
  loopbackViewers,
  principalViewers,
  sessionAuthenticator,
  sessionPrincipal,
  startHttpGateway,
  TerminalGateway,
  withLoopbackViewers,
} from '../../gateways/index.js';
import type { Clock } from '../clock.js';
import { demoNetwork } from '../demo/demo-network.js';
import { demoPeople } from '../demo/demo-people.js';
import type { ReadModel } from '../read-model/index.js';
import { startReadModel } from '../read-model/index.js';
import type { AlertOptions, SmtpConfig } from '../alerts/index.js';
import { deliveryConfigFromEnvironment } from '../alerts/index.js';
import type { CodeMailer, PasswordHasher, Security } from '../security/index.js';
import { openSecurity, outboxMailer, smtpMailer } from '../security/index.js';

export interface ServeOptions {
  dataDir: string;
  natsUrl?: string | undefined;
  /** The engine's NATS nkey seed (`<data>/nats-engine.nk`), for a server configured by `tessera nats-config`. */
  natsNkeySeed?: string | undefined;
  httpPort: number;
  httpHost?: string;
  demo: boolean;
  /**
   * With `demo`: also the demo's users, one per role (engine/demo/demo-people.ts), and — without an SMTP
   * server — sign-in letters as files in `<data>/outbox`. `tessera serve --demo` asks for them.
   */
  demoPeople?: boolean;
  prefix?: string;
  logger?: Logger;
  /**
   * The PostgreSQL read model: `databaseUrl` names a server; without one, embedded PGlite under
   * `<dataDir>/pg`. Absent: no read model (the CLI always asks for one unless `--no-read-model`).
   */
  readModel?: { databaseUrl?: string | undefined };
  /**
   * Alert delivery: the SMTP server's settings given on the command line (they override
   * `TESSERA_SMTP_*`); secrets — webhook signing keys, the SMTP password — come from the environment only.
   */
  alerts?: { smtp?: Partial<Omit<SmtpConfig, 'user' | 'password'>>; environment?: Readonly<Record<string, string | undefined>> };
  /**
   * People's side of HTTP. `publicUrl` (TESSERA_PUBLIC_URL): the address people open; `https:` there
   * makes the session cookie Secure whatever a request says. `allowedOrigins` (TESSERA_ALLOWED_ORIGINS):
   * pages elsewhere that may open `/ws`, besides the server's own host. `devOpenStreams`: development
   * only — `/ws?network=ID` from this machine without signing in.
   */
  http?: { publicUrl?: string | undefined; allowedOrigins?: readonly string[] | undefined; devOpenStreams?: boolean | undefined };
  /** The engine's clock (a simulated one in tests); default the system clock. */
  clock?: Clock;
  /** The password hasher (tests may pass a cheaper one); default Argon2id with the cost in constants. */
  passwordHasher?: PasswordHasher;
}

export interface RunningServer {
  engine: Engine;
  bus: Bus;
  gateway: TerminalGateway;
  http: HttpGateway;
  readModel: ReadModel | undefined;
  security: Security;
  /** Drains and stops; resolves when everything is flushed and closed. */
  stop(): Promise<void>;
}

export async function serve(options: ServeOptions): Promise<RunningServer> {
  const logger = options.logger ?? pino({ name: 'tessera' });
  const alerts = alertOptions(options, logger);
  const engine = new Engine({ dataDir: options.dataDir, alerts, ...(options.clock !== undefined ? { clock: options.clock } : {}) });
  const bus: Bus = options.natsUrl ? await connectNatsBus(options.natsUrl, undefined, options.natsNkeySeed !== undefined ? { nkeySeed: options.natsNkeySeed } : undefined) : new InProcessBus();
  const readModel = options.readModel ? openReadModel(engine, options.dataDir, options.readModel.databaseUrl, logger) : undefined;
  const metrics = createMetrics(engine, readModel);
  const gateway = new TerminalGateway(bus, engine, { prefix: options.prefix ?? subjectPrefixDefault, metrics });
  if (options.demo) {
    const summary = await engine.import(demoNetwork());
    logger.info({ created: summary.created, updated: summary.updated, unchanged: summary.unchanged }, 'demo network loaded');
  }
  // Sign-in codes go through the same SMTP server as alert e-mails; without one only authenticator
  // users sign in — except in the demo, whose letters are files in <data>/outbox (never log lines).
  const smtp = alerts.delivery.smtp;
  const outbox = join(options.dataDir, 'outbox');
  const mailer: CodeMailer | undefined = smtp !== undefined ? smtpMailer(smtp) : options.demo && options.demoPeople === true ? outboxMailer(outbox, engine.clock) : undefined;
  const security = await openSecurity(engine, {
    dataDir: options.dataDir,
    mailer,
    ...(options.passwordHasher !== undefined ? { hasher: options.passwordHasher } : {}),
    log: (level, message, fields) => logger[level](fields, message),
  });
  security.startSweeper();
  if (options.demo && options.demoPeople === true) await createDemoPeople(security, logger, smtp === undefined ? outbox : undefined);
  // Terminals are served only now: whoever sees the engine answer (a ping) may signal it, and the
  // signal handlers are installed when serve() returns — so nothing slow may follow this point.
  gateway.start();
  // Ready means reachable: the NATS server has the engine's subscriptions before anyone is told so.
  await bus.flush();
  const apiLog = logger.child({ component: 'api' });
  const log = (level: 'warn' | 'error', message: string, fields: Record<string, unknown>): void => apiLog[level](fields, message);
  // Answers kept for `Idempotency-Key` retries: in the engine's LMDB, sealed with the security key.
  const idempotency = new LmdbIdempotencyStore({ store: engine.store, clock: engine.clock, protection: security.atRest, log });
  idempotency.startSweeper();
  const publicUrl = options.http?.publicUrl;
  const tls = { publicUrl };
  // Live streams: a person's session cookie or a program's API key, as for the API.
  const signedIn = principalViewers(security, [sessionPrincipal(security, tls), (request) => apiKeyPrincipalOf(security, request.headers)]);
  const http = await startHttpGateway(
    engine,
    metrics,
    gateway,
    options.httpPort,
    options.httpHost,
    {
      authenticate: options.http?.devOpenStreams === true ? withLoopbackViewers(signedIn, loopbackViewers(engine)) : signedIn,
      allowedOrigins: [...allowedOriginsOf(publicUrl, undefined), ...(options.http?.allowedOrigins ?? [])],
    },
    {
      context: { engine, database: readModel?.database.pool, security, publicUrl },
      // Programs: API keys (`tessera apikey create`); people: the session cookie (writes need the CSRF token).
      authenticators: [bearerAuthenticator(security), sessionAuthenticator(security, tls)],
      checkCsrf: csrfCheck(security),
      idempotency,
      log,
    },
  );
  const stopClosingSockets = closeEndedSessions(security, http);
  if (options.http?.devOpenStreams === true) logger.warn('--dev-open-streams: /ws?network=ID is open from this machine without signing in (development only)');
  logger.info({ bus: bus.kind, nats: options.natsUrl ? withoutUserInfo(options.natsUrl) : null, http: http.port, data: options.dataDir }, 'tessera is ready');

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      // Readiness 503 → no new deliveries, but what the bus already holds is decided → every
      // decision answered and flushed → pending replies sent → connection closed.
      engine.beginDrain();
      await gateway.stop().catch(() => undefined); // a dead connection has nothing left to deliver
      await engine.drain(constants.drainTimeoutMs);
      await bus.drain();
      stopClosingSockets();
      http.close();
      // Every decision is on disk and answered: the projector finishes its batch and stops.
      await readModel?.stop();
      idempotency.stop();
      await security.close();
      mailer?.close?.();
      await engine.close();
    })());
  return { engine, bus, gateway, http, readModel, security, stop };
}

function alertOptions(options: ServeOptions, logger: Logger): AlertOptions & { delivery: ReturnType<typeof deliveryConfigFromEnvironment> } {
  const log = logger.child({ component: 'alerts' });
  const delivery = deliveryConfigFromEnvironment(options.alerts?.environment ?? process.env, stripUndefined(options.alerts?.smtp ?? {}));
  log.info({ smtp: delivery.smtp !== undefined ? `${delivery.smtp.host}:${delivery.smtp.port} (${delivery.smtp.tls})` : null }, 'alert delivery configured');
  return { delivery, log: (level, message, fields) => log[level](fields, message) };
}

/** The demo's users (engine/demo/demo-people.ts), those not there yet. */
async function createDemoPeople(security: Security, logger: Logger, outbox: string | undefined): Promise<void> {
  let created = 0;
  for (const person of demoPeople) {
    if (security.users.byEmail(person.network, person.email) !== undefined) continue;
    const result = await security.users.create(person, { kind: 'system', id: 'demo' });
    if (!result.ok) throw new Error(`cannot create the demo user ${person.email}: ${result.code} ${result.message}`);
    created++;
  }
  logger.info({ users: demoPeople.map((person) => `${person.email} (${person.role})`), created, outbox: outbox ?? null }, 'demo users: sign in at / with the password in the README; codes are e-mailed, or written to the outbox without SMTP');
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as T;
}

/** The read model, or none (logged) when it cannot start: the engine serves either way. */
function openReadModel(engine: Engine, dataDir: string, databaseUrl: string | undefined, logger: Logger): ReadModel | undefined {
  const log = logger.child({ component: 'read-model' });
  try {
    return startReadModel(engine, { dataDir, databaseUrl }, log);
  } catch (error) {
    log.error({ error: error instanceof Error ? error.message : String(error) }, 'the read model cannot start; the engine goes on without it');
    return undefined;
  }
}

/** A URL as it may be logged: without a user name or password in it. */
function withoutUserInfo(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//');
}
