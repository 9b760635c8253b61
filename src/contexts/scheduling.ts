/**
 * The scheduling context: weekly availability, groups, busy time, suggestions and
 * meetings (docs/scheduling.md).
 */
import { CalendarFeeds } from '../api/scheduling/calendarFeed.js';
import { calendarFeedRoutes } from '../api/scheduling/calendarFeedRoutes.js';
import { meetingRoutes } from '../api/scheduling/meetingRoutes.js';
import { AvailabilityCommands } from '../commands/scheduling/availabilityCommands.js';
import { MeetingCommands } from '../commands/scheduling/meetingCommands.js';
import { availabilityProjection } from '../projections/scheduling/availabilityProjection.js';
import type { BoundedContext } from '../contexts.js';
import { busyTimeProjection } from '../projections/scheduling/busyTimeProjection.js';
import { groupsProjection } from '../projections/scheduling/groupsProjection.js';
import { meetingsProjection } from '../projections/scheduling/meetingsProjection.js';

export interface SchedulingServices {
  availability: AvailabilityCommands;
  meetings: MeetingCommands;
  calendarFeeds: CalendarFeeds;
}

export const schedulingContext: BoundedContext<SchedulingServices> = {
  name: 'scheduling',
  streams: () => [],
  projections: () => [availabilityProjection(), groupsProjection(), busyTimeProjection(), meetingsProjection()],
  services: ({ commands, knex, config }) => ({
    availability: new AvailabilityCommands(commands),
    meetings: new MeetingCommands(commands, knex),
    calendarFeeds: new CalendarFeeds(knex, config.mail.publicUrl),
  }),
  // Meetings are decided on the domain state (as events are): a check right after a write must not see stale roles.
  roleLoaders: ({ meetings }) => ({ meeting: meetings.membershipOf }),
  routes: ({ knex, store, resources }, { meetings, calendarFeeds }) => [...meetingRoutes({ knex, store, resources, meetings }), ...calendarFeedRoutes({ feeds: calendarFeeds })],
};
