// Sign-in codes by e-mail, through the engine's one SMTP server (engine/smtp.ts, the same settings
// the alert e-mails use). The code is in the message only: never logged, never journalled.

import { constants } from '../constants.js';
import type { SmtpConfig } from '../smtp.js';
import { smtpTransport } from '../smtp.js';

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

/** Sign-in codes through the engine's SMTP server (engine/smtp.ts: `smtpConfigFromEnvironment`). */
export function smtpMailer(config: SmtpConfig): CodeMailer {
  const transport = smtpTransport(config, constants.smtpSendTimeoutMs);
  return {
    async sendSignInCode(message) {
      const minutes = Math.round(constants.signInCodeLifeMs / 60_000);
      await transport.sendMail({
        from: config.from,
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
