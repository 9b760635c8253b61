/**
 * The sent log (migration 010): a (notification, recipient) row written after the SMTP
 * server's 250 and read before every send, so a retried or re-run job sends nothing that
 * is recorded as sent. What it cannot close: a crash between the 250 and this insert
 * sends the mail again, with the same Message-ID (README, "E-mail").
 */
import type { Knex } from 'knex';

export const EMAIL_SENT = 'email_sent';

export async function wasSent(db: Knex, notificationId: string, recipient: string): Promise<boolean> {
  return (await db(EMAIL_SENT).where({ notification_id: notificationId, recipient }).first('message_id')) !== undefined;
}

export async function recordSent(db: Knex, row: { notificationId: string; recipient: string; messageId: string; kind: string; at: Date }): Promise<void> {
  await db(EMAIL_SENT)
    .insert({ notification_id: row.notificationId, recipient: row.recipient, message_id: row.messageId, kind: row.kind, sent_at: row.at })
    .onConflict(['notification_id', 'recipient'])
    .ignore();
}
