// An in-process SMTP server for tests: accepts every message on 127.0.0.1 (plain, no AUTH, no
// STARTTLS) and keeps it, decoded, so a test can read the sign-in code a user was sent.

import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface CaughtMail {
  to: string[];
  /** The headers and the decoded text body. */
  headers: string;
  text: string;
}

export interface SmtpSink {
  port: number;
  mails: CaughtMail[];
  /** The engine's `TESSERA_SMTP_*` settings that send to this sink (`serve({ alerts: { environment } })`). */
  environment: Readonly<Record<string, string>>;
  /** Resolves with the `count`-th mail (1-based) once it has arrived. */
  nth(count: number): Promise<CaughtMail>;
  close(): Promise<void>;
}

export async function startSmtpSink(): Promise<SmtpSink> {
  const mails: CaughtMail[] = [];
  const waiters: (() => void)[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const split = raw.indexOf('\r\n\r\n');
        const headers = raw.slice(0, split);
        const body = raw.slice(split + 4);
        const encoding = /^content-transfer-encoding:\s*(\S+)/im.exec(headers)?.[1]?.toLowerCase();
        const text = encoding === 'base64' ? Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8') : encoding === 'quoted-printable' ? decodeQuotedPrintable(body) : body;
        mails.push({ to: session.envelope.rcptTo.map((address) => address.address), headers, text });
        for (const wake of waiters.splice(0)) wake();
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    mails,
    environment: { TESSERA_SMTP_HOST: '127.0.0.1', TESSERA_SMTP_PORT: String(port), TESSERA_SMTP_TLS: 'none', TESSERA_SMTP_FROM: 'tessera@sever.test' },
    async nth(count) {
      while (mails.length < count) await new Promise<void>((resolve) => waiters.push(resolve));
      const mail = mails[count - 1];
      if (mail === undefined) throw new Error('no such mail');
      return mail;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function decodeQuotedPrintable(text: string): string {
  const joined = text.replace(/=\r?\n/g, '');
  const bytes: number[] = [];
  for (let index = 0; index < joined.length; index++) {
    const char = joined[index] ?? '';
    const hex = joined.slice(index + 1, index + 3);
    if (char === '=' && /^[0-9A-F]{2}$/i.test(hex)) {
      bytes.push(parseInt(hex, 16));
      index += 2;
    } else bytes.push(...Buffer.from(char, 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

/** The 6-digit sign-in code of a mail. */
export function codeOf(mail: CaughtMail): string {
  const match = /sign-in code: (\d{6})/.exec(mail.text);
  if (!match?.[1]) throw new Error(`no code in the mail: ${mail.text}`);
  return match[1];
}
