/**
 * Identity as a notification source (issue 13 item 2): a welcome on registration and a
 * notice when the password changes. The subject is the user.
 */
import type { UserEvent } from '../../domain/identity/index.js';
import type { NotificationSourceHandler } from './notificationsProjection.js';

export const identitySource: NotificationSourceHandler = {
  source: 'identity',
  eventTypes: ['UserRegistered', 'PasswordChanged'] satisfies Array<UserEvent['type']>,
  apply: async (on) => {
    const event = { type: on.event.type, data: on.event.data } as UserEvent;
    const userId = on.event.streamName.slice(on.event.streamName.indexOf('-') + 1);
    if (event.type === 'UserRegistered') await on.notify(userId, 'welcome', userId, { name: event.data.name });
    else if (event.type === 'PasswordChanged') await on.notify(userId, 'password-changed', userId, { changedAt: event.data.changedAt });
  },
};
