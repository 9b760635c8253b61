/**
 * E-mail delivery (issue 13 item 1; DESIGN §7, docs/DESIGN.md "E-mail"):
 * - the dispatcher, a polling loop over the notifications read model: every new row of
 *   rm_notifications.notifications (one truth of who is told what) becomes one
 *   `send-email` job per (notification, recipient), with a deterministic job id. Its
 *   cursor (position, id) advances in the transaction that read the rows, after the
 *   enqueues: at-least-once, de-duplicated by job id and by the sent log.
 * - the `send-email` handler: settings → sent log → render → SMTP → sent log. A 5xx or a
 *   bad address fails at once (DomainError → the failed-jobs view); 4xx and connection
 *   faults are retried with backoff.
 * Other parts send through the same job: enqueue `send-email` with a MailNotification of
 * their own (an id that is stable per message and recipient) — see `enqueueMail`.
 */
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { DomainError } from '../domain/shared/errors.js';
import { NOTIFICATIONS } from '../projections/notifications/queries.js';
import { getEventRow } from '../projections/ticketing/queries.js';
import { findUserById, type UserRow } from '../projections/users.js';
import { jobId, type ContextJobs, type JobQueue } from './jobs.js';
import type { LinkTokens } from './mail/linkTokens.js';
import { mailsKind, settingsOf } from './mail/settings.js';
import { recordSent, wasSent } from './mail/sentLog.js';
import { isMailKind, type MailContent, type MailKind, type MailTemplates } from './mail/templates.js';
import type { MailAttachment, MailTransport, OutgoingMail } from './mail/transport.js';

/** What one mail is about: an in-app notification row, or a message of its own (verify-email, reminders). */
export interface MailNotification {
  /** Stable per message and recipient: the Message-ID and the sent log derive from it. */
  id: string;
  userId: string;
  kind: string;
  /** The context it comes from; its subject is that context's aggregate (ticketing: the event). */
  source: string;
  subjectId: string;
  data: Record<string, unknown>;
}

declare module './jobs.js' {
  interface JobTypes {
    'send-email': { notification: MailNotification };
  }
}

/** Mails one cannot switch off (and that carry no List-Unsubscribe): the ones the recipient asked for. */
const ALWAYS_MAILED = new Set<string>(['verify-email']);

/** Notifications first seen by the dispatcher when older than this are not mailed (a late start, a new SMTP_URL). */
export const MAIL_MAX_AGE_MS = 24 * 3600_000;

export const sendEmailJobId = (notification: Pick<MailNotification, 'id' | 'userId'>) => jobId('send-email', notification.id, notification.userId);

export const enqueueMail = (jobs: JobQueue, notification: MailNotification, runAt?: Date) =>
  jobs.enqueue('send-email', { notification }, { jobId: sendEmailJobId(notification), ...(runAt ? { runAt } : {}) });

export interface Recipient {
  userId: string;
  email: string;
  name: string;
  timeZone: string;
}

/** Adds files to a mail (the calendar part: ICS invitations); return [] when it has none for this one. */
export type AttachmentProvider = (notification: MailNotification, recipient: Recipient) => Promise<MailAttachment[]>;

export interface EmailDeps {
  knex: Knex;
  jobs: JobQueue;
  transport: MailTransport;
  templates: MailTemplates;
  links: LinkTokens;
  /** PUBLIC_URL, no trailing slash. */
  publicUrl: string;
  /** MAIL_FROM: its domain ends every Message-ID. */
  from: string;
  dispatchIntervalMs: number;
  attachments?: readonly AttachmentProvider[];
  logger?: Logger;
  now: () => Date;
}

export function emailJobs(deps: EmailDeps): ContextJobs {
  return {
    handlers: { 'send-email': ({ notification }) => sendMail(deps, notification) },
    periodic: [],
    loops: [{ name: 'email-dispatch', everyMs: deps.dispatchIntervalMs, run: async () => void (await dispatchNotifications(deps)) }],
  };
}

/** `<notification id>@<MAIL_FROM's domain>`: the same message keeps its id on every attempt. */
export function messageIdOf(notificationId: string, from: string): string {
  const domain = /@([A-Za-z0-9.-]+)/.exec(from)?.[1] ?? 'tessera.local';
  return `${notificationId}@${domain}`;
}

export async function sendMail(deps: EmailDeps, notification: MailNotification): Promise<void> {
  if (!isMailKind(notification.kind)) throw new DomainError('invalid', 'mail-template-missing', `no mail template for the kind ${notification.kind}`);
  const user = await findUserById(deps.knex, notification.userId);
  // The users read model lags behind (or the id is not a user's): retried with backoff.
  if (!user) throw new Error(`recipient ${notification.userId} is not in the users read model (yet)`);
  const optional = !ALWAYS_MAILED.has(notification.kind);
  if (optional && !mailsKind(await settingsOf(deps.knex, user.id), notification.kind)) return;
  if (await wasSent(deps.knex, notification.id, user.email)) return;

  const recipient: Recipient = { userId: user.id, email: user.email, name: user.name, timeZone: user.timezone };
  const content = await contentOf(deps, notification, user, optional);
  const rendered = deps.templates.render(content);
  const messageId = messageIdOf(notification.id, deps.from);
  const headers: Record<string, string> = { 'X-Tessera-Kind': notification.kind };
  if (content.links.unsubscribe) {
    // RFC 8058: one POST to this URL switches the kind off, no login, no page to click through.
    headers['List-Unsubscribe'] = `<${content.links.unsubscribe}>`;
    headers['List-Unsubscribe-Post'] = 'List-Unsubscribe=One-Click';
  }
  const attachments = (await Promise.all((deps.attachments ?? []).map((provide) => provide(notification, recipient)))).flat();
  const mail: OutgoingMail = { to: user.email, ...rendered, messageId, headers, attachments };
  await deps.transport.send(mail);
  await recordSent(deps.knex, { notificationId: notification.id, recipient: user.email, messageId, kind: notification.kind, at: deps.now() });
}

async function contentOf(deps: EmailDeps, n: MailNotification, user: UserRow, optional: boolean): Promise<MailContent> {
  const kind = n.kind as MailKind;
  const data = { ...n.data };
  let action: string | undefined;
  if (n.source === 'ticketing') {
    const event = await getEventRow(deps.knex, n.subjectId);
    if (!event) throw new Error(`event ${n.subjectId} is not in the ticketing read model (yet)`);
    data.event = { id: event.id, title: event.title, venue: event.venue, startsAt: event.starts_at.toISOString(), endsAt: event.ends_at.toISOString(), timezone: event.timezone };
    action = `${deps.publicUrl}/v1/events/${event.id}`;
  } else if (n.source === 'scheduling') {
    action = `${deps.publicUrl}/v1/meetings/${String(data.meetingId ?? n.subjectId)}`;
  } else if (typeof data.link === 'string') {
    action = data.link;
  }
  const unsubscribe = optional ? `${deps.publicUrl}/v1/unsubscribe?token=${deps.links.sign('unsubscribe', { userId: user.id, kind })}` : undefined;
  return {
    kind,
    recipient: { name: user.name, timeZone: user.timezone },
    data,
    links: { app: deps.publicUrl, settings: `${deps.publicUrl}/v1/me/notification-settings`, ...(unsubscribe ? { unsubscribe } : {}), ...(action ? { action } : {}) },
  };
}

const DISPATCH_LOCK = 0x7e55e4a1; // pg advisory lock key: one dispatcher pass at a time across workers
const NIL_UUID = '00000000-0000-0000-0000-000000000000';

interface NotificationRowForMail {
  id: string;
  user_id: string;
  kind: string;
  source: string;
  subject_id: string;
  data: Record<string, unknown>;
  created_at: Date;
  position: string;
}

/** One pass: the next rows after the cursor become jobs; returns how many rows it read. */
export async function dispatchNotifications(deps: Pick<EmailDeps, 'knex' | 'jobs' | 'now'>, batchSize = 500): Promise<number> {
  try {
    return await deps.knex.transaction(async (trx) => {
      const { rows: lock } = await trx.raw<{ rows: Array<{ ok: boolean }> }>('SELECT pg_try_advisory_xact_lock(?) AS ok', [DISPATCH_LOCK]);
      if (!lock[0]?.ok) return 0;
      const cursor = (await trx('email_dispatch').where({ name: 'notifications' }).first<{ position: string; notification_id: string } | undefined>()) ?? { position: '0', notification_id: NIL_UUID };
      const rows = await trx(NOTIFICATIONS)
        .whereRaw('(position, id) > (?::bigint, ?::uuid)', [cursor.position, cursor.notification_id])
        .orderBy([{ column: 'position' }, { column: 'id' }])
        .limit(batchSize)
        .select<NotificationRowForMail[]>('id', 'user_id', 'kind', 'source', 'subject_id', 'data', 'created_at', 'position');
      if (rows.length === 0) return 0;
      const oldest = deps.now().getTime() - MAIL_MAX_AGE_MS;
      for (const row of rows) {
        if (row.created_at.getTime() < oldest) continue;
        await enqueueMail(deps.jobs, { id: row.id, userId: row.user_id, kind: row.kind, source: row.source, subjectId: row.subject_id, data: row.data ?? {} });
      }
      const last = rows[rows.length - 1]!;
      await trx('email_dispatch')
        .insert({ name: 'notifications', position: last.position, notification_id: last.id, updated_at: deps.now() })
        .onConflict('name')
        .merge();
      return rows.length;
    });
  } catch (error) {
    // The notifications read model does not exist until a projector has started once.
    if ((error as { code?: string }).code === '42P01') return 0;
    throw error;
  }
}
