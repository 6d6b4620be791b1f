// The engine's configuration of alert delivery: the webhook signing secrets and the SMTP server.
// Secrets come from the environment only (never the network document, the command line or a log);
// which webhook URL and which e-mail recipients a network uses is the network document's business
// (`alerts.webhook`, `alerts.email`).
//
//   TESSERA_WEBHOOK_SECRET             the signing secret of every network's webhook
//   TESSERA_WEBHOOK_SECRET_<NETWORK>   one network's own (its id upper-cased, '-' as '_')
//   TESSERA_SMTP_*                     the engine's SMTP server (engine/smtp.ts)

import type { SmtpConfig, SmtpOverrides } from '../smtp.js';
import { smtpConfigFromEnvironment } from '../smtp.js';

export type { SmtpConfig, SmtpTlsMode } from '../smtp.js';
export { smtpTlsModes } from '../smtp.js';

export interface DeliveryConfig {
  /** The signing secret of a network's webhook (undefined: its deliveries fail, reported). */
  webhookSecret(networkId: string): string | undefined;
  smtp: SmtpConfig | undefined;
}

export function noDelivery(): DeliveryConfig {
  return { webhookSecret: () => undefined, smtp: undefined };
}

/** The name of a network's own secret variable. */
export function webhookSecretVariable(networkId: string): string {
  return `TESSERA_WEBHOOK_SECRET_${networkId.toUpperCase().replace(/-/g, '_')}`;
}

/** Reads the delivery configuration from an environment; a problem is thrown with the variable's name (never its value). */
export function deliveryConfigFromEnvironment(environment: Readonly<Record<string, string | undefined>>, overrides: SmtpOverrides = {}): DeliveryConfig {
  const value = (name: string): string | undefined => {
    const text = environment[name];
    return text === undefined || text === '' ? undefined : text;
  };
  const shared = value('TESSERA_WEBHOOK_SECRET');
  const smtp = smtpConfigFromEnvironment(environment, overrides);
  return { webhookSecret: (networkId) => value(webhookSecretVariable(networkId)) ?? shared, smtp };
}
