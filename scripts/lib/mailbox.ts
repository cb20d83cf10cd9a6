import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { simpleParser, type ParsedMail } from "mailparser";
import { SMTPServer } from "smtp-server";

// A local SMTP server that keeps what it receives, for the demo and the
// tests: messages are parsed in memory and, with `dir`, written there as
// .eml files. It listens on 127.0.0.1 only and takes mail without login or
// TLS, so it must never face a network.

export interface ReceivedMail {
  envelopeFrom: string;
  envelopeTo: string[];
  parsed: ParsedMail;
  raw: string;
}

/** Reply mode of the server: accept mail, or reject it with a temporary error. */
export type MailboxMode = "accept" | "temporary-failure";

export interface Mailbox {
  port: number;
  /** smtp:// URL for SMTP_URL. */
  url: string;
  messages: ReceivedMail[];
  setMode(mode: MailboxMode): void;
  /** Stops listening, as an SMTP outage would; `start` listens again. */
  stop(): Promise<void>;
  start(): Promise<void>;
}

function smtpError(message: string, responseCode: number): Error {
  return Object.assign(new Error(message), { responseCode });
}

/**
 * Starts the mailbox. Recipients in `rejectRecipients` get a permanent 550
 * at RCPT TO; in "temporary-failure" mode every message gets 451 after its
 * data, so the sender must retry later.
 */
export async function startMailbox(
  options: { port?: number; dir?: string; rejectRecipients?: string[] } = {},
): Promise<Mailbox> {
  const messages: ReceivedMail[] = [];
  const rejected = new Set(
    (options.rejectRecipients ?? []).map((a) => a.toLowerCase()),
  );
  let mode: MailboxMode = "accept";
  if (options.dir) await mkdir(options.dir, { recursive: true });

  const createServer = () =>
    new SMTPServer({
      authOptional: true,
      disabledCommands: ["STARTTLS", "AUTH"],
      logger: false,
      size: 5 * 1024 * 1024,
      onRcptTo(address, _session, callback) {
        if (rejected.has(address.address.toLowerCase())) {
          callback(smtpError(`${address.address}: mailbox unavailable`, 550));
          return;
        }
        callback();
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on("data", (chunk: Buffer) => chunks.push(chunk));
        stream.on("end", () => {
          if (mode === "temporary-failure") {
            callback(smtpError("Service busy, try again later", 451));
            return;
          }
          const raw = Buffer.concat(chunks);
          simpleParser(raw)
            .then(async (parsed) => {
              const mail: ReceivedMail = {
                envelopeFrom:
                  session.envelope.mailFrom === false
                    ? ""
                    : session.envelope.mailFrom.address,
                envelopeTo: session.envelope.rcptTo.map((to) => to.address),
                parsed,
                raw: raw.toString("utf8"),
              };
              if (options.dir) {
                const name = `${new Date().toISOString().replaceAll(":", "-")}-${messages.length + 1}.eml`;
                await writeFile(path.join(options.dir, name), raw);
              }
              messages.push(mail);
              callback();
            })
            .catch((error: Error) => callback(error));
        });
      },
    });

  let server = createServer();
  let port = options.port ?? 0;
  const start = () =>
    new Promise<void>((resolve, reject) => {
      server = createServer();
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        const address = server.server.address();
        if (address && typeof address === "object") port = address.port;
        resolve();
      });
    });
  const stop = () => new Promise<void>((resolve) => server.close(resolve));
  await start();

  return {
    get port() {
      return port;
    },
    get url() {
      return `smtp://127.0.0.1:${port}`;
    },
    messages,
    setMode(next) {
      mode = next;
    },
    stop,
    start,
  };
}
