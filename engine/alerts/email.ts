// E-mail delivery through the engine's SMTP server (nodemailer): one plain-text message per alert to
// the network's recipients (`alerts.email.to`). The subject names severity, network, rule and what
// happened; the body lists the subject and the trigger. Only masked card numbers ever appear (the
// alert holds no other). An SMTP 5xx is a permanent failure; 4xx and connection problems are retried.

import type { Transporter } from 'nodemailer';
import { constants } from '../constants.js';
import type { AlertPayload, DeliveryAttempt, SendResult } from './deliveries.js';
import type { SmtpConfig } from '../smtp.js';
import { smtpTransport } from '../smtp.js';

export interface EmailSender {
  send(attempt: DeliveryAttempt): Promise<SendResult>;
  close(): void;
}

export function emailSender(smtp: SmtpConfig | undefined): EmailSender {
  const transport: Transporter | undefined = smtp === undefined ? undefined : smtpTransport(smtp, constants.alertDeliveryTimeoutMs);
  return {
    async send({ alert, settings }) {
      const to = settings?.email?.to;
      if (to === undefined || to.length === 0) return { ok: false, permanent: true, error: 'the network has no e-mail recipients (alerts.email.to)' };
      if (transport === undefined || smtp === undefined) return { ok: false, permanent: true, error: 'no SMTP server is configured (TESSERA_SMTP_HOST)' };
      try {
        await transport.sendMail({ from: smtp.from, to: [...to], subject: emailSubject(alert), text: emailText(alert), headers: { 'X-Tessera-Alert': alert.id } });
        return { ok: true };
      } catch (error) {
        const code = (error as { responseCode?: unknown }).responseCode;
        if (typeof code === 'number') return { ok: false, permanent: code >= 500, error: `SMTP ${code}` };
        const name = (error as { code?: unknown }).code;
        return { ok: false, permanent: false, error: typeof name === 'string' ? name : 'SMTP error' };
      }
    },
    close() {
      transport?.close();
    },
  };
}

export function emailSubject(alert: AlertPayload): string {
  const text = `[Tessera ${alert.severity}] ${alert.network}: ${alert.rule} — ${alert.message}`;
  return text.length > 200 ? `${text.slice(0, 199)}…` : text;
}

export function emailText(alert: AlertPayload): string {
  const lines = [
    alert.message,
    '',
    `Alert:    ${alert.id} (${alert.severity})`,
    `Rule:     ${alert.rule}`,
    `Network:  ${alert.network}`,
    `Raised:   ${new Date(alert.raisedAt).toISOString()}`,
    `Subject:  ${Object.entries(alert.subject)
      .map(([name, value]) => `${name}=${String(value)}`)
      .join(', ')}`,
    `Trigger:  ${Object.entries(alert.trigger.values)
      .map(([name, value]) => `${name}=${String(value)}`)
      .join(', ')}`,
  ];
  if (alert.trigger.positions.length > 0) lines.push(`Journal positions: ${alert.trigger.positions.join(', ')}`);
  if (alert.trigger.refs.length > 0) lines.push(`Operations: ${alert.trigger.refs.join(', ')}`);
  lines.push('', 'Acknowledge and resolve the alert in Tessera.');
  return lines.join('\n');
}
