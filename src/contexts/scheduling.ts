/**
 * The scheduling context: weekly availability, groups, busy time, suggestions and
 * meetings (docs/scheduling.md).
 */
import { decideAccess, ResourceAccess } from '../api/access.js';
import type { Principal } from '../api/routes.js';
import { CalendarFeeds } from '../api/scheduling/calendarFeed.js';
import { calendarFeedRoutes } from '../api/scheduling/calendarFeedRoutes.js';
import { meetingRoutes } from '../api/scheduling/meetingRoutes.js';
import { recommendationRoutes } from '../api/scheduling/recommendationRoutes.js';
import { schedulingJobs, schedulingReactor } from '../jobs/schedulingJobs.js';
import { withMeetingFeed } from '../projections/scheduling/meetingFeed.js';
import { availabilityRoutes } from '../api/scheduling/availabilityRoutes.js';
import { availabilityStreamModel } from '../cli/streamModels.js';
import { AvailabilityChecker } from '../cli/verifyAvailability.js';
import { meetingStreamModels } from '../cli/meetingStreams.js';
import { AvailabilityCommands } from '../commands/scheduling/availabilityCommands.js';
import { MeetingCommands } from '../commands/scheduling/meetingCommands.js';
import { freeBusyRoutes } from '../api/scheduling/freeBusyRoutes.js';
import { groupRoutes } from '../api/scheduling/groupRoutes.js';
import { suggestionRoutes } from '../api/scheduling/suggestionRoutes.js';
import { groupStreamModel } from '../cli/groupStreams.js';
import { GroupCommands } from '../commands/scheduling/groupCommands.js';
import { availabilityProjection } from '../projections/scheduling/availabilityProjection.js';
import type { BoundedContext } from '../contexts.js';
import { busyTimeProjection } from '../projections/scheduling/busyTimeProjection.js';
import { groupsProjection } from '../projections/scheduling/groupsProjection.js';
import { meetingsProjection } from '../projections/scheduling/meetingsProjection.js';

export interface SchedulingServices {
  availability: AvailabilityCommands;
  meetings: MeetingCommands;
  groups: GroupCommands;
  calendarFeeds: CalendarFeeds;
}

export const schedulingContext: BoundedContext<SchedulingServices> = {
  name: 'scheduling',
  streams: () => [{ ...availabilityStreamModel(), check: () => new AvailabilityChecker() }, groupStreamModel(), ...meetingStreamModels()],
  projections: () => [availabilityProjection(), groupsProjection(), busyTimeProjection(), withMeetingFeed(meetingsProjection())],
  services: ({ commands, knex, config }) => ({
    availability: new AvailabilityCommands(commands),
    groups: new GroupCommands(commands),
    meetings: new MeetingCommands(commands, knex),
    calendarFeeds: new CalendarFeeds(knex, config.mail.publicUrl),
  }),
  // Meetings are decided on the domain state (as events are): a check right after a write must not see stale roles.
  roleLoaders: ({ meetings, groups }) => ({
    meeting: meetings.membershipOf,
    // Groups are decided on the domain state, like events: a check right after a write must see it.
    group: (groupId, userId, opts) => groups.membershipOf(groupId, userId, opts),
  }),
  reactors: (jobs) => [schedulingReactor(jobs)],
  jobs: ({ jobs, knex, logger, clock }, { meetings }) => schedulingJobs({ meetings, jobs, knex, logger, now: clock }),
  channels: ({ roleLoaders: loaders }) => {
    const resources = new ResourceAccess(loaders);
    // Participants can be removed: granted for re-checking, and each check folds the stream (never a cached role).
    const authorize = async (principal: Principal, channel: string) => {
      const membership = await resources.membership('meeting', channel.slice('meeting:'.length), principal.userId, { fresh: true });
      return decideAccess(principal, membership, ['organizer', 'participant']).allowed ? ('recheck' as const) : false;
    };
    return [{ kind: 'meeting', authorize }];
  },
  routes: ({ knex, store, resources, commands }, { meetings, availability, groups, calendarFeeds }) => [
    ...availabilityRoutes({ availability, commands }),
    ...groupRoutes({ knex, resources, groups }),
    ...freeBusyRoutes({ knex }),
    ...suggestionRoutes({ knex }),
    ...meetingRoutes({ knex, store, resources, meetings }),
    ...recommendationRoutes({ knex, resources }),
    ...calendarFeedRoutes({ feeds: calendarFeeds }),
  ],
};
