// The engine's one SMTP server, for everything it e-mails: alerts (engine/alerts/email.ts) and
// sign-in codes (engine/security/mailer.ts). One set of settings, read from the environment (the
// password never from the command line or a log), and one way to turn them into a nodemailer
// transport, so the two senders cannot disagree about TLS.
//
//   TESSERA_SMTP_HOST, _PORT      the server (port default 587, 465 with `implicit`)
//   TESSERA_SMTP_TLS              starttls (default: STARTTLS when offered), required, implicit (TLS from
//                                 the first byte), none
//   TESSERA_SMTP_USER, _PASSWORD  authentication (optional)
//   TESSERA_SMTP_FROM             the sender address (required with a host)

import nodemailer from 'nodemailer';
import type { Transporter } from 'nodemailer';
import { constants } from './constants.js';

export const smtpTlsModes = ['starttls', 'required', 'implicit', 'none'] as const;
export type SmtpTlsMode = (typeof smtpTlsModes)[number];

export interface SmtpConfig {
  host: string;
  port: number;
  tls: SmtpTlsMode;
  from: string;
  user?: string;
  password?: string;
  /** Accept a server certificate no authority signed (a test server). Default false. */
  allowUnverifiedCertificate?: boolean;
}

/** What the command line may set (never the login). */
export type SmtpOverrides = Partial<Omit<SmtpConfig, 'user' | 'password'>>;

/** The SMTP server from an environment, undefined without a host; a problem is thrown with the variable's name (never its value). */
export function smtpConfigFromEnvironment(environment: Readonly<Record<string, string | undefined>>, overrides: SmtpOverrides = {}): SmtpConfig | undefined {
  const value = (name: string): string | undefined => {
    const text = environment[name];
    return text === undefined || text === '' ? undefined : text;
  };
  const host = overrides.host ?? value('TESSERA_SMTP_HOST');
  if (host === undefined) return undefined;
  if (host.length > constants.smtpSettingLengthMax) throw new Error('TESSERA_SMTP_HOST: too long');
  const tlsText = overrides.tls ?? value('TESSERA_SMTP_TLS') ?? 'starttls';
  if (!(smtpTlsModes as readonly string[]).includes(tlsText)) throw new Error(`TESSERA_SMTP_TLS: one of ${smtpTlsModes.join(', ')}`);
  const tls = tlsText as SmtpTlsMode;
  const portText = value('TESSERA_SMTP_PORT');
  const port = overrides.port ?? (portText !== undefined ? Number(portText) : tls === 'implicit' ? 465 : 587);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new Error('TESSERA_SMTP_PORT: a port number');
  const from = overrides.from ?? value('TESSERA_SMTP_FROM');
  if (from === undefined) throw new Error('TESSERA_SMTP_FROM: the sender address is required with TESSERA_SMTP_HOST');
  const config: SmtpConfig = { host, port, tls, from };
  const user = value('TESSERA_SMTP_USER');
  const password = value('TESSERA_SMTP_PASSWORD');
  for (const [name, text] of [['TESSERA_SMTP_FROM', from], ['TESSERA_SMTP_USER', user], ['TESSERA_SMTP_PASSWORD', password]] as const) {
    if (text !== undefined && text.length > constants.smtpSettingLengthMax) throw new Error(`${name}: too long`);
  }
  if (user !== undefined) config.user = user;
  if (password !== undefined) config.password = password;
  return config;
}

/** A nodemailer transport for the server, with the caller's time bound on connecting and sending. */
export function smtpTransport(config: SmtpConfig, timeoutMs: number): Transporter {
  return nodemailer.createTransport({
    host: config.host,
    port: config.port,
    secure: config.tls === 'implicit',
    requireTLS: config.tls === 'required',
    ignoreTLS: config.tls === 'none',
    ...(config.user !== undefined ? { auth: { user: config.user, pass: config.password ?? '' } } : {}),
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    ...(config.allowUnverifiedCertificate === true ? { tls: { rejectUnauthorized: false } } : {}),
    // nodemailer's own logger stays off: it would print the messages, sign-in codes included.
    logger: false,
    debug: false,
  });
}
