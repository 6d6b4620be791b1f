#!/usr/bin/env node
// The `tessera` command: serve, import, simulate, readmodel rebuild, schema, user create, apikey, nats-config.

import { Command, InvalidArgumentError } from 'commander';
import { pino } from 'pino';
import { constants, subjectPrefixDefault } from '../constants.js';
import { serve } from './serve.js';
import { importFile } from './import-command.js';
import { simulate } from './simulate.js';
import { rebuildCommand } from './readmodel-command.js';
import { apiKeyCreateCommand, apiKeyListCommand, apiKeyRevokeCommand, natsConfigCommand, userCreateCommand } from './security-commands.js';
import type { ApiKeyCreateOptions, NatsConfigOptions, UserCreateOptions } from './security-commands.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { demoCards, demoPins } from '../demo/demo-network.js';
import { allowedOriginsOf } from '../../gateways/index.js';
import type { SmtpConfig, SmtpTlsMode } from '../alerts/index.js';

const program = new Command();
program.name('tessera').description('Real-time transaction processing for fuel, retail and car-wash networks');

const port = (value: string): number => {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65_535) throw new InvalidArgumentError('a port number');
  return parsed;
};

program
  .command('serve')
  .description('start the engine')
  .option('--data <dir>', 'data directory (TESSERA_DATA)', process.env['TESSERA_DATA'] ?? './data')
  .option('--nats <url>', 'NATS server URL (NATS_URL); without it, an in-process bus', process.env['NATS_URL'])
  .option('--nats-nkey <file>', "the engine's NATS nkey seed file (NATS_NKEY_FILE), for a server configured by `tessera nats-config`", process.env['NATS_NKEY_FILE'])
  .option('--http <port>', 'HTTP port (TESSERA_HTTP_PORT)', port, Number(process.env['TESSERA_HTTP_PORT'] ?? constants.httpPortDefault))
  .option('--http-host <address>', 'address the HTTP server listens on (TESSERA_HTTP_HOST; default every interface, 127.0.0.1 for this machine only)', process.env['TESSERA_HTTP_HOST'])
  .option('--database <url>', 'PostgreSQL for the read model (DATABASE_URL); without it, embedded PGlite in <data>/pg', process.env['DATABASE_URL'])
  .option('--no-read-model', 'run without the PostgreSQL read model')
  .option('--demo', 'load the demo network', false)
  .option('--simulate <rate>', 'send demo traffic at this many flows per second (with --demo)', Number)
  .option('--smtp-host <host>', 'SMTP server for alert e-mails (TESSERA_SMTP_HOST)')
  .option('--smtp-port <port>', 'its port (TESSERA_SMTP_PORT; default 587, 465 with --smtp-tls implicit)', port)
  .option('--smtp-tls <mode>', 'starttls (when offered), required, implicit or none (TESSERA_SMTP_TLS)')
  .option('--smtp-from <address>', 'sender of alert e-mails (TESSERA_SMTP_FROM); the password only in TESSERA_SMTP_PASSWORD')
  .option('--public-url <url>', 'the address people open (TESSERA_PUBLIC_URL); https: makes the session cookie Secure', process.env['TESSERA_PUBLIC_URL'])
  .option('--allowed-origins <origins>', 'other origins whose pages may open /ws, comma-separated (TESSERA_ALLOWED_ORIGINS)', process.env['TESSERA_ALLOWED_ORIGINS'])
  .option('--dev-open-streams', 'development only: /ws?network=ID from this machine without signing in', false)
  .action(async (options: { data: string; nats?: string; natsNkey?: string; http: number; httpHost?: string; database?: string; readModel: boolean; demo: boolean; simulate?: number; smtpHost?: string; smtpPort?: number; smtpTls?: string; smtpFrom?: string; publicUrl?: string; allowedOrigins?: string; devOpenStreams: boolean }) => {
    const logger = pino({ name: 'tessera' });
    const server = await serve({
      dataDir: options.data,
      natsUrl: options.nats,
      ...(options.natsNkey !== undefined ? { natsNkeySeed: readFileSync(options.natsNkey, 'utf8').trim() } : {}),
      httpPort: options.http,
      ...(options.httpHost !== undefined ? { httpHost: options.httpHost } : {}),
      demo: options.demo,
      demoPeople: options.demo,
      logger,
      ...(options.readModel ? { readModel: { databaseUrl: options.database } } : {}),
      alerts: { smtp: { host: options.smtpHost, port: options.smtpPort, tls: options.smtpTls as SmtpTlsMode | undefined, from: options.smtpFrom } as Partial<SmtpConfig> },
      http: { publicUrl: options.publicUrl, allowedOrigins: allowedOriginsOf(undefined, options.allowedOrigins), devOpenStreams: options.devOpenStreams },
    });
    if (options.demo) {
      const base = `http://127.0.0.1:${server.http.port}`;
      process.stdout.write(
        [
          '',
          'Demo network "sever" is loaded. Send a first authorisation (AI-95, up to 40 l, PIN 1234):',
          `  curl -s ${base}/api/v1/term/MSK-01-P1/authorize -H 'Content-Type: application/json' \\`,
          `       -d '{"id":"first-1","card":"${demoCards.fleet}","pin":"${demoPins.fleet ?? ''}","product":"AI95","volume":40000}'`,
          options.nats ? `Over NATS: subject tessera.v1.term.MSK-01-P1.authorize (msgpack, or JSON with header Content-Type: application/json).` : 'Over NATS: start with --nats nats://127.0.0.1:4222 and request tessera.v1.term.MSK-01-P1.authorize.',
          `Metrics: ${base}/metrics   Readiness: ${base}/readyz   Traffic: tessera serve --demo --simulate 20`,
          `Dashboard: ${base}/ — sign in as owner@sever.demo (the demo password is in the README, "The dashboard");`,
          options.smtpHost !== undefined || process.env['TESSERA_SMTP_HOST'] !== undefined ? '  the one-time code is e-mailed.' : `  the one-time code is written to ${join(options.data, 'outbox')}/ (no SMTP server configured).`,
          '',
        ].join('\n'),
      );
    }
    const simulation = options.simulate ? simulate({ bus: server.bus, rate: options.simulate, logger }) : undefined;
    const shutdown = (signal: string): void => {
      logger.info({ signal }, 'draining');
      simulation?.stop();
      server.stop().then(
        () => {
          logger.info('stopped');
          process.exit(0);
        },
        (error: unknown) => {
          logger.error({ error: String(error) }, 'stop failed');
          process.exit(1);
        },
      );
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
  });

program
  .command('import')
  .description('load a network document into a running engine (over NATS, or HTTP on this machine)')
  .argument('<file>', 'network document (JSON)')
  .option('--nats <url>', 'NATS server URL (NATS_URL)', process.env['NATS_URL'])
  .option('--nats-nkey <file>', "the engine's NATS nkey seed file (NATS_NKEY_FILE), for a server configured by `tessera nats-config`", process.env['NATS_NKEY_FILE'])
  .option('--http <port>', 'HTTP port of a local engine when no NATS URL is given', port, Number(process.env['TESSERA_HTTP_PORT'] ?? constants.httpPortDefault))
  .action(async (file: string, options: { nats?: string; natsNkey?: string; http: number }) => {
    const ok = await importFile(file, { ...options, ...(options.natsNkey !== undefined ? { natsNkeySeed: readFileSync(options.natsNkey, 'utf8').trim() } : {}) });
    process.exit(ok ? 0 : 1);
  });

program
  .command('simulate')
  .description('send realistic demo traffic (authorise, complete, reverse, inquire) to an engine over NATS')
  .option('--nats <url>', 'NATS server URL', process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222')
  .option('--rate <n>', 'flows per second', Number, 20)
  .option('--duration <s>', 'seconds to run (0: until interrupted)', Number, 0)
  .action(async (options: { nats: string; rate: number; duration: number }) => {
    const { connectNatsBus } = await import('../../gateways/index.js');
    const bus = await connectNatsBus(options.nats, 'tessera-simulator');
    const logger = pino({ name: 'tessera-simulate' });
    const simulation = simulate({ bus, rate: options.rate, logger });
    const finish = (): void => {
      simulation.stop();
      void bus.drain().then(() => process.exit(0));
    };
    if (options.duration > 0) setTimeout(finish, options.duration * 1000);
    process.once('SIGINT', finish);
    process.once('SIGTERM', finish);
  });

const readModel = program.command('readmodel').description('the PostgreSQL read model');
readModel
  .command('rebuild')
  .description('drop the read model and project the whole journal again (embedded: with the engine stopped)')
  .option('--data <dir>', 'data directory (TESSERA_DATA)', process.env['TESSERA_DATA'] ?? './data')
  .option('--database <url>', 'PostgreSQL (DATABASE_URL); without it, the embedded PGlite in <data>/pg', process.env['DATABASE_URL'])
  .action(async (options: { data: string; database?: string }) => {
    const ok = await rebuildCommand(options);
    process.exit(ok ? 0 : 1);
  });

const user = program.command('user').description('people who sign in (docs/security.md)');
user
  .command('create')
  .description('create a user, e.g. the first owner (with the engine stopped; later through the API)')
  .requiredOption('--network <id>', 'network id')
  .requiredOption('--email <address>', 'e-mail: the sign-in name and where codes are sent')
  .requiredOption('--role <role>', 'owner, admin, accountant, operator, attendant or client')
  .option('--password <password>', 'the password (asked for when absent; read from standard input when it is not a terminal)')
  .option('--name <name>', 'full name')
  .option('--sites <ids>', 'sites of an operator or attendant, comma-separated')
  .option('--counterparty <id>', 'the counterparty a client user is bound to')
  .option('--client <id>', 'the club or loyalty client a client user is bound to')
  .option('--data <dir>', 'data directory (TESSERA_DATA)', process.env['TESSERA_DATA'] ?? './data')
  .action(async (options: UserCreateOptions) => {
    process.exit((await userCreateCommand(options)) ? 0 : 1);
  });

const apiKey = program.command('apikey').description('API keys for programs, sent as Authorization: Bearer KEY (docs/api.md)');
apiKey
  .command('create')
  .description('make an API key and print it (shown this once; with the engine stopped, or POST /api/v1/apikeys)')
  .requiredOption('--network <id>', 'network id')
  .requiredOption('--role <role>', 'owner, admin, accountant, operator, attendant or client')
  .option('--sites <ids>', 'sites of an operator or attendant key, comma-separated')
  .option('--counterparty <id>', 'the counterparty a client key is bound to')
  .option('--client <id>', 'the club or loyalty client a client key is bound to')
  .option('--label <text>', 'what the key is for (shown in lists and the audit)')
  .option('--data <dir>', 'data directory (TESSERA_DATA)', process.env['TESSERA_DATA'] ?? './data')
  .action(async (options: ApiKeyCreateOptions) => {
    process.exit((await apiKeyCreateCommand(options)) ? 0 : 1);
  });
apiKey
  .command('revoke')
  .description('revoke an API key (with the engine stopped, or DELETE /api/v1/apikeys/ID)')
  .requiredOption('--network <id>', 'network id')
  .requiredOption('--id <key>', 'the key id (k…, as listed)')
  .option('--data <dir>', 'data directory (TESSERA_DATA)', process.env['TESSERA_DATA'] ?? './data')
  .action(async (options: { data: string; network: string; id: string }) => {
    process.exit((await apiKeyRevokeCommand(options)) ? 0 : 1);
  });
apiKey
  .command('list')
  .description("list a network's API keys (id, role, reach, label, created, revoked)")
  .requiredOption('--network <id>', 'network id')
  .option('--data <dir>', 'data directory (TESSERA_DATA)', process.env['TESSERA_DATA'] ?? './data')
  .action(async (options: { data: string; network: string }) => {
    process.exit((await apiKeyListCommand(options)) ? 0 : 1);
  });

const collect = (value: string, previous: string[] = []): string[] => [...previous, ...value.split(',').map((item) => item.trim()).filter((item) => item.length > 0)];
program
  .command('nats-config')
  .description("write the nats-server authorization: the engine's user and one nkey user per terminal or site gateway")
  .requiredOption('--network <id>', 'network id (repeat for every network the server carries)', collect)
  .option('--data <dir>', 'data directory (TESSERA_DATA)', process.env['TESSERA_DATA'] ?? './data')
  .option('--out <file>', 'write the configuration here (include it from nats-server.conf); default: standard output')
  .option('--credentials-dir <dir>', 'write each new seed to <dir>/terminal-<id>.nk (mode 0600) instead of printing it')
  .option('--no-issue-missing', 'do not issue credentials for terminals that never had any')
  .option('--site-gateway <site>', 'issue a site gateway credential for a site (repeatable, comma-separated)', collect)
  .option('--revoke <terminal>', "revoke a terminal's credential (repeatable, comma-separated)", collect)
  .option('--revoke-site <site>', "revoke a site gateway's credential", collect)
  .option('--reissue <terminal>', 'issue a new credential for a terminal (the old one stops working)', collect)
  .option('--prefix <prefix>', 'subject prefix', subjectPrefixDefault)
  .option('--reload <pid>', 'then reload that nats-server (SIGHUP, as nats-server --signal reload=<pid>)', Number)
  .option('--pid-file <file>', "then reload the nats-server whose pid file this is (nats-server -P)")
  .action(async (options: NatsConfigOptions) => {
    process.exit((await natsConfigCommand(options)) ? 0 : 1);
  });

program
  .command('schema')
  .description('print the JSON Schema of the network document')
  .action(async () => {
    const { networkJsonSchema } = await import('../network/schema.js');
    process.stdout.write(JSON.stringify(networkJsonSchema(), null, 2) + '\n');
  });

await program.parseAsync();
