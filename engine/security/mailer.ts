// Sign-in codes by e-mail, through the engine's one SMTP server (engine/smtp.ts, the same settings
// the alert e-mails use). The code is in the message only: never logged, never journalled.

import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { constants } from '../constants.js';
import type { Clock } from '../clock.js';
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
      await transport.sendMail({ from: config.from, to: message.to, ...codeLetter(message) });
    },
    close: () => transport.close(),
  };
}

/** The letter with a sign-in code, in Russian then English. */
export function codeLetter(message: SignInCodeMessage): { subject: string; text: string } {
  const minutes = Math.round(constants.signInCodeLifeMs / 60_000);
  return {
    subject: `Код входа в Tessera: ${message.code}`,
    text: [
      `Ваш одноразовый код входа: ${message.code}`,
      `Он действует ${minutes} минут и только для этой попытки входа.`,
      'Если вы не входили в Tessera, не сообщайте код никому и смените пароль.',
      '',
      `Your Tessera sign-in code: ${message.code} (valid for ${minutes} minutes, for this sign-in only).`,
    ].join('\n'),
  };
}

/**
 * Letters written as files into `directory` instead of sent (the demo without an SMTP server, and a
 * development machine): one `<time>-<to>.txt` per letter, readable by whoever runs the server only.
 * The code is in the file, as it would be in a mailbox — never in a log line. A letter is written
 * under a dot-name and renamed into place, so a reader of the directory sees it whole or not at all.
 */
export function outboxMailer(directory: string, clock: Clock): CodeMailer {
  return {
    async sendSignInCode(message) {
      await mkdir(directory, { recursive: true, mode: 0o700 });
      const letter = codeLetter(message);
      const name = `${new Date(clock.now()).toISOString().replace(/[:.]/g, '-')}-${message.to.replace(/[^\w@.-]/g, '_')}.txt`;
      const partial = join(directory, `.${name}.partial`);
      await writeFile(partial, `To: ${message.to}\nSubject: ${letter.subject}\n\n${letter.text}\n`, { mode: 0o600 });
      await rename(partial, join(directory, name));
    },
  };
}
