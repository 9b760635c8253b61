/**
 * SMTP delivery (SMTP_URL: smtp:// or smtps://, credentials in the URL) with nodemailer,
 * and the one rule that tells a permanent failure from a transient one.
 */
import { createTransport } from 'nodemailer';
import { DomainError } from '../../domain/shared/errors.js';

export interface MailAttachment {
  filename: string;
  content: string | Buffer;
  contentType: string;
}

/** One message to one recipient, ready for the wire. */
export interface OutgoingMail {
  to: string;
  subject: string;
  html: string;
  text: string;
  /** Without angle brackets: `<id>@<domain>`. */
  messageId: string;
  headers: Record<string, string>;
  attachments: MailAttachment[];
}

export interface MailTransport {
  /** Resolves on the server's 250; throws a DomainError (`mail-rejected`) when retrying cannot help. */
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

/**
 * A connection pool, so several jobs at once reuse connections. The short timeouts keep a
 * dead server from holding a job for minutes: it fails and is retried with backoff.
 */
export function smtpTransport(smtpUrl: string, from: string, maxConnections = 4): MailTransport {
  const transporter = createTransport({
    url: smtpUrl,
    pool: true,
    maxConnections,
    // one job attempt is one delivery attempt: the job's retries (with backoff) do the rest
    maxRequeues: 0,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  } as Parameters<typeof createTransport>[0]);
  return {
    async send(mail) {
      try {
        await transporter.sendMail({
          from,
          to: mail.to,
          subject: mail.subject,
          html: mail.html,
          text: mail.text,
          messageId: `<${mail.messageId}>`,
          headers: mail.headers,
          attachments: mail.attachments.map((a) => ({ filename: a.filename, content: a.content, contentType: a.contentType })),
        });
      } catch (error) {
        if (isPermanentSmtpFailure(error)) throw new DomainError('invalid', 'mail-rejected', `the mail server refused the message for good: ${(error as Error).message}`);
        throw error;
      }
    },
    close: () => transporter.close(),
  };
}

/**
 * 5xx replies (RFC 5321 §4.2.1: "permanent negative completion") and addresses nodemailer
 * refuses before sending are final; 4xx replies, refused or dropped connections and
 * timeouts are worth another attempt.
 */
export function isPermanentSmtpFailure(error: unknown): boolean {
  const { responseCode, code } = (error ?? {}) as { responseCode?: number; code?: string };
  if (typeof responseCode === 'number') return responseCode >= 500 && responseCode < 600;
  return code === 'EENVELOPE';
}
