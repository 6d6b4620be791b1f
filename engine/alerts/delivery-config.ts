// The engine's configuration of alert delivery: the webhook signing secrets and the SMTP server.
// Secrets come from the environment only (never the network document, the command line or a log);
// which webhook URL and which e-mail recipients a network uses is the network document's business
// (`alerts.webhook`, `alerts.email`).
//
//   TESSERA_WEBHOOK_SECRET             the signing secret of every network's webhook
//   TESSERA_WEBHOOK_SECRET_<NETWORK>   one network's own (its id upper-cased, '-' as '_')
//   TESSERA_SMTP_HOST, _PORT           the SMTP server (port default 587)
//   TESSERA_SMTP_TLS                   starttls (default: STARTTLS when offered), required, implicit (TLS from the
//                                      first byte, port 465), none
//   TESSERA_SMTP_USER, _PASSWORD       SMTP authentication (optional)
//   TESSERA_SMTP_FROM                  the sender address (required with a host)

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
export function deliveryConfigFromEnvironment(environment: Readonly<Record<string, string | undefined>>, overrides: Partial<Omit<SmtpConfig, 'user' | 'password'>> = {}): DeliveryConfig {
  const value = (name: string): string | undefined => {
    const text = environment[name];
    return text === undefined || text === '' ? undefined : text;
  };
  const shared = value('TESSERA_WEBHOOK_SECRET');
  const host = overrides.host ?? value('TESSERA_SMTP_HOST');
  let smtp: SmtpConfig | undefined;
  if (host !== undefined) {
    const tlsText = overrides.tls ?? value('TESSERA_SMTP_TLS') ?? 'starttls';
    if (!(smtpTlsModes as readonly string[]).includes(tlsText)) throw new Error(`TESSERA_SMTP_TLS: one of ${smtpTlsModes.join(', ')}`);
    const tls = tlsText as SmtpTlsMode;
    const portText = value('TESSERA_SMTP_PORT');
    const port = overrides.port ?? (portText !== undefined ? Number(portText) : tls === 'implicit' ? 465 : 587);
    if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new Error('TESSERA_SMTP_PORT: a port number');
    const from = overrides.from ?? value('TESSERA_SMTP_FROM');
    if (from === undefined) throw new Error('TESSERA_SMTP_FROM: the sender address is required with TESSERA_SMTP_HOST');
    smtp = { host, port, tls, from };
    const user = value('TESSERA_SMTP_USER');
    const password = value('TESSERA_SMTP_PASSWORD');
    if (user !== undefined) smtp.user = user;
    if (password !== undefined) smtp.password = password;
  }
  return { webhookSecret: (networkId) => value(webhookSecretVariable(networkId)) ?? shared, smtp };
}
