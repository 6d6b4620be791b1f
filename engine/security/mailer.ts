// Sign-in codes by e-mail: SMTP through nodemailer. Settings come from configuration (environment
// variables, see README): host, port, secure (TLS from the first byte, port 465) or STARTTLS, the
// account's user and password, and the sender's address. The code is in the message only: never
// logged, never journalled.

import { createTransport } from 'nodemailer';
import { z } from 'zod';
import { constants } from '../constants.js';

export interface SignInCodeMessage {
  to: string;
  code: string;
  network: string;
  /** When the code stops working (ms since the epoch). */
  expiresAt: number;
}

/** Sends one sign-in code (a port: SMTP in production, a sink or a spy in tests). */
export interface CodeMailer {
  sendSignInCode(message: SignInCodeMessage): Promise<void>;
  close?(): void;
}

const booleanText = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((text) => text === 'true' || text === '1' || text === 'yes');

export const smtpSettingsSchema = z.strictObject({
  host: z.string().min(1).max(constants.smtpSettingLengthMax),
  port: z.int().min(1).max(65_535),
  /** TLS from the start (usually port 465); false: plain, upgraded by STARTTLS when the server offers it. */
  secure: z.boolean(),
  /** Refuse to send without STARTTLS (when `secure` is false). */
  requireTls: z.boolean().default(false),
  user: z.string().min(1).max(constants.smtpSettingLengthMax).optional(),
  pass: z.string().min(1).max(constants.smtpSettingLengthMax).optional(),
  from: z.string().min(3).max(constants.smtpSettingLengthMax),
});
export type SmtpSettings = z.output<typeof smtpSettingsSchema>;

/**
 * SMTP settings from the environment: TESSERA_SMTP_HOST, TESSERA_SMTP_PORT (default 587),
 * TESSERA_SMTP_SECURE (default false), TESSERA_SMTP_REQUIRE_TLS, TESSERA_SMTP_USER, TESSERA_SMTP_PASS,
 * TESSERA_SMTP_FROM. Undefined when no host is set (no e-mailed codes: sign-in is refused).
 */
export function smtpSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): SmtpSettings | undefined {
  const host = env['TESSERA_SMTP_HOST'];
  if (host === undefined || host === '') return undefined;
  const raw = {
    host,
    port: Number(env['TESSERA_SMTP_PORT'] ?? '587'),
    secure: booleanText.parse(env['TESSERA_SMTP_SECURE'] ?? 'false'),
    requireTls: booleanText.parse(env['TESSERA_SMTP_REQUIRE_TLS'] ?? 'false'),
    ...(env['TESSERA_SMTP_USER'] ? { user: env['TESSERA_SMTP_USER'] } : {}),
    ...(env['TESSERA_SMTP_PASS'] ? { pass: env['TESSERA_SMTP_PASS'] } : {}),
    from: env['TESSERA_SMTP_FROM'] ?? `Tessera <no-reply@${host}>`,
  };
  return smtpSettingsSchema.parse(raw);
}

export function smtpMailer(settings: SmtpSettings, options: { tlsRejectUnauthorized?: boolean } = {}): CodeMailer {
  const transport = createTransport({
    host: settings.host,
    port: settings.port,
    secure: settings.secure,
    requireTLS: settings.requireTls,
    ...(settings.user !== undefined ? { auth: { user: settings.user, pass: settings.pass ?? '' } } : {}),
    connectionTimeout: constants.smtpConnectTimeoutMs,
    greetingTimeout: constants.smtpConnectTimeoutMs,
    socketTimeout: constants.smtpSendTimeoutMs,
    tls: { rejectUnauthorized: options.tlsRejectUnauthorized ?? true },
    // nodemailer's own logger stays off: it would print the message, code included.
    logger: false,
    debug: false,
  });
  return {
    async sendSignInCode(message) {
      const minutes = Math.round(constants.signInCodeLifeMs / 60_000);
      await transport.sendMail({
        from: settings.from,
        to: message.to,
        subject: `Код входа в Tessera: ${message.code}`,
        text: [
          `Ваш одноразовый код входа: ${message.code}`,
          `Он действует ${minutes} минут и только для этой попытки входа.`,
          'Если вы не входили в Tessera, не сообщайте код никому и смените пароль.',
          '',
          `Your Tessera sign-in code: ${message.code} (valid for ${minutes} minutes, for this sign-in only).`,
        ].join('\n'),
      });
    },
    close: () => transport.close(),
  };
}
