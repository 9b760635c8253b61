/** Every read model of the application, in one list for the runners, rebuilds and status. */
import { notificationsProjection } from './notifications/notificationsProjection.js';
import type { Projection } from './projection.js';
import { ticketingProjection } from './ticketing/ticketingProjection.js';
import { usersProjection } from './users.js';

export function allProjections(): Projection[] {
  return [ticketingProjection(), usersProjection(), notificationsProjection()];
}
