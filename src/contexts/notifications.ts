/**
 * The notifications context: what each user is told, fed by the other contexts' events
 * (ticketing's, and its own reminders). Its one stream category is `reminder-<id>`: a
 * reminder sent is an event, so it is told once and rebuilt like any notification. Its
 * `user:me` feed is authorised by identity's channel rule.
 */
import { notificationRoutes } from '../api/notifications/notificationRoutes.js';
import { notificationsStreamModels } from '../cli/streamModels.js';
import { TicketingCommands } from '../commands/ticketing/ticketingCommands.js';
import { reminderJobs, remindersReactor } from '../jobs/reminderJobs.js';
import { notificationsProjection } from '../projections/notifications/notificationsProjection.js';
import type { BoundedContext } from '../contexts.js';

export const notificationsContext: BoundedContext<undefined> = {
  name: 'notifications',
  streams: () => notificationsStreamModels(),
  projections: () => [notificationsProjection()],
  services: () => undefined,
  reactors: (jobs) => [remindersReactor(jobs)],
  jobs: ({ commands, store, jobs, knex, logger, clock }) => reminderJobs({ ticketing: new TicketingCommands(commands), commands, store, jobs, knex, logger, now: clock }),
  routes: (parts) => notificationRoutes(parts),
};
