/**
 * The notifications context: what each user is told, fed by the other contexts' events
 * (today ticketing's); no streams of its own. Its `user:me` feed is authorised by
 * identity's channel rule.
 */
import { notificationRoutes } from '../api/notifications/notificationRoutes.js';
import { notificationsProjection } from '../projections/notifications/notificationsProjection.js';
import type { BoundedContext } from '../contexts.js';

export const notificationsContext: BoundedContext<undefined> = {
  name: 'notifications',
  streams: () => [],
  projections: () => [notificationsProjection()],
  services: () => undefined,
  routes: (parts) => notificationRoutes(parts),
};
