/**
 * The notifications context: what each user is told, fed by the other contexts' events
 * (ticketing's, identity's, and its own reminders). Its one stream category is
 * `reminder-<id>`: a reminder sent is an event, so it is told once and rebuilt like any
 * notification. Its `user:me` feed is authorised by identity's channel rule. Every
 * notification is also mailed when SMTP_URL is set (src/jobs/emailJobs.ts), as the
 * recipient's notification settings allow.
 */
import { notificationRoutes } from '../api/notifications/notificationRoutes.js';
import { notificationSettingsRoutes } from '../api/notifications/settingsRoutes.js';
import { notificationsStreamModels } from '../cli/streamModels.js';
import { TicketingCommands } from '../commands/ticketing/ticketingCommands.js';
import { emailJobs, type AttachmentProvider } from '../jobs/emailJobs.js';
import { combineJobs, type ContextJobs } from '../jobs/jobs.js';
import { calendarAttachments } from '../jobs/mail/calendarAttachments.js';
import type { LinkTokens } from '../jobs/mail/linkTokens.js';
import { MailTemplates } from '../jobs/mail/templates.js';
import { reminderJobs, remindersReactor } from '../jobs/reminderJobs.js';
import { notificationsProjection } from '../projections/notifications/notificationsProjection.js';
import type { BoundedContext, PlatformParts } from '../contexts.js';

export interface NotificationServices {
  templates: MailTemplates;
  links: LinkTokens;
  /** Files added to mails (the calendar part adds its ICS here). */
  attachments: AttachmentProvider[];
}

function mailJobs({ config, knex, jobs, logger, clock, mail }: PlatformParts, services: NotificationServices): ContextJobs {
  if (!mail.transport) {
    // other parts enqueue mails too (verify-email, reminders): without SMTP they are dropped, not kept
    return { handlers: { 'send-email': async ({ notification }) => void logger.debug({ kind: notification.kind, id: notification.id }, 'SMTP_URL is not set: mail not sent') }, periodic: [] };
  }
  return emailJobs({
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
  });
}

export const notificationsContext: BoundedContext<NotificationServices> = {
  name: 'notifications',
  streams: () => notificationsStreamModels(),
  projections: () => [notificationsProjection()],
  services: ({ mail, config, knex, store, commands }) => ({
    templates: new MailTemplates(),
    links: mail.links,
    attachments: [calendarAttachments({ knex, store, ticketing: new TicketingCommands(commands), publicUrl: config.mail.publicUrl })],
  }),
  reactors: (jobs) => [remindersReactor(jobs)],
  jobs: (platform, services) => {
    const { commands, store, jobs, knex, logger, clock } = platform;
    return combineJobs(mailJobs(platform, services), reminderJobs({ ticketing: new TicketingCommands(commands), commands, store, jobs, knex, logger, now: clock }));
  },
  routes: (parts, services) => [...notificationRoutes(parts), ...notificationSettingsRoutes({ knex: parts.knex, links: services.links })],
};
