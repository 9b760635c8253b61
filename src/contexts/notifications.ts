/**
 * The notifications context: what each user is told, fed by the other contexts' events
 * (ticketing's, identity's); no streams of its own. Its `user:me` feed is authorised by
 * identity's channel rule. Every notification is also mailed when SMTP_URL is set
 * (src/jobs/emailJobs.ts), as the recipient's notification settings allow.
 */
import { notificationRoutes } from '../api/notifications/notificationRoutes.js';
import { notificationSettingsRoutes } from '../api/notifications/settingsRoutes.js';
import { emailJobs, type AttachmentProvider } from '../jobs/emailJobs.js';
import type { LinkTokens } from '../jobs/mail/linkTokens.js';
import { MailTemplates } from '../jobs/mail/templates.js';
import { notificationsProjection } from '../projections/notifications/notificationsProjection.js';
import type { BoundedContext } from '../contexts.js';

export interface NotificationServices {
  templates: MailTemplates;
  links: LinkTokens;
  /** Files added to mails (the calendar part adds its ICS here). */
  attachments: AttachmentProvider[];
}

export const notificationsContext: BoundedContext<NotificationServices> = {
  name: 'notifications',
  streams: () => [],
  projections: () => [notificationsProjection()],
  services: ({ mail }) => ({ templates: new MailTemplates(), links: mail.links, attachments: [] }),
  jobs: ({ config, knex, jobs, logger, clock, mail }, services) =>
    mail.transport
      ? emailJobs({
          knex,
          jobs,
          transport: mail.transport,
          templates: services.templates,
          links: services.links,
          publicUrl: config.mail.publicUrl,
          from: config.mail.from,
          dispatchIntervalMs: config.mail.dispatchIntervalMs,
          attachments: services.attachments,
          logger,
          now: clock,
        })
      : // other parts enqueue mails too (verify-email, reminders): without SMTP they are dropped, not kept
        { handlers: { 'send-email': async ({ notification }) => void logger.debug({ kind: notification.kind, id: notification.id }, 'SMTP_URL is not set: mail not sent') }, periodic: [] },
  routes: (parts, services) => [...notificationRoutes(parts), ...notificationSettingsRoutes({ knex: parts.knex, links: services.links })],
};
