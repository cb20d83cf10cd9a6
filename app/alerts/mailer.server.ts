import nodemailer, { type Transporter } from "nodemailer";
import { env } from "~/env.server";

/** SMTP time limits: a hung server must not hold the email job for long. */
const CONNECTION_TIMEOUT_MS = 10_000;
const SOCKET_TIMEOUT_MS = 30_000;

/** An SMTP transport with the sender address of alert emails. */
export interface Mailer {
  transport: Transporter;
  from: string;
  /** Host name used in Message-ID headers. */
  messageIdHost: string;
}

/** Builds a mailer for an SMTP URL such as smtp://user:pass@host:587. */
export function createMailer(smtpUrl: string, from?: string): Mailer {
  const appHost = new URL(env().SHOPIFY_APP_URL).hostname;
  const transport = nodemailer.createTransport({
    url: smtpUrl,
    connectionTimeout: CONNECTION_TIMEOUT_MS,
    greetingTimeout: CONNECTION_TIMEOUT_MS,
    socketTimeout: SOCKET_TIMEOUT_MS,
  } as Parameters<typeof nodemailer.createTransport>[0]);
  return {
    transport,
    from: from ?? `Storelens alerts <alerts@${appHost}>`,
    messageIdHost: appHost,
  };
}

let cached: Mailer | null | undefined;

/** Returns the mailer for SMTP_URL and SMTP_FROM, or null without SMTP_URL. */
export function appMailer(): Mailer | null {
  if (cached === undefined) {
    const { SMTP_URL, SMTP_FROM } = env();
    cached = SMTP_URL ? createMailer(SMTP_URL, SMTP_FROM) : null;
  }
  return cached;
}
