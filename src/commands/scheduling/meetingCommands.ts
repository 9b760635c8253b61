/**
 * The meeting use cases bound to one command runtime and the scheduling read models, for
 * the routes, jobs and access rules. Each use case is its own module in this folder.
 */
import type { Knex } from 'knex';
import type { AvailabilitySlot, InvitationResponse } from '../../domain/scheduling/events.js';
import type { MeetingRole } from '../../domain/scheduling/meeting.js';
import type { RequestMeta } from '../meta.js';
import type { CommandRuntime } from '../runtime.js';
import { answerInvitation } from './answerInvitation.js';
import { cancelMeeting } from './cancelMeeting.js';
import { inviteParticipants } from './inviteParticipants.js';
import { loadMeeting, meetingMembershipOf, meetingStateAt, type LoadedMeeting } from './loadMeeting.js';
import type { MeetingDeps } from './meetingStream.js';
import type { Invitees } from './participants.js';
import { proposeMeeting, type ProposeMeetingInput } from './proposeMeeting.js';
import { removeParticipant } from './removeParticipant.js';
import { rescheduleMeeting } from './rescheduleMeeting.js';
import { scheduleMeeting } from './scheduleMeeting.js';
import { submitAvailability } from './submitAvailability.js';

export type { MeetingResult } from './meetingStream.js';

export class MeetingCommands {
  private readonly deps: MeetingDeps;

  constructor(runtime: CommandRuntime, knex: Knex) {
    this.deps = { commands: runtime, knex };
  }

  load = (meetingId: string): Promise<LoadedMeeting> => loadMeeting(this.deps, meetingId);
  stateAt = (meetingId: string, revision: bigint): Promise<LoadedMeeting> => meetingStateAt(this.deps, meetingId, revision);
  membershipOf = (meetingId: string, userId: string, opts?: { fresh: boolean }): Promise<{ public: boolean; roles: MeetingRole[] } | undefined> =>
    meetingMembershipOf(this.deps, meetingId, userId, opts);

  propose = (input: ProposeMeetingInput, meta: RequestMeta) => proposeMeeting(this.deps, input, meta);
  invite = (meetingId: string, invitees: Invitees, organizerId: string, meta: RequestMeta) => inviteParticipants(this.deps, meetingId, invitees, organizerId, meta);
  removeParticipant = (meetingId: string, userId: string, meta: RequestMeta) => removeParticipant(this.deps, meetingId, userId, meta);
  submit = (meetingId: string, slots: AvailabilitySlot[], meta: RequestMeta) => submitAvailability(this.deps, meetingId, slots, meta);
  schedule = (meetingId: string, start: string, by: 'organizer' | 'deadline', meta: RequestMeta) => scheduleMeeting(this.deps, meetingId, start, by, meta);
  reschedule = (meetingId: string, start: string, meta: RequestMeta) => rescheduleMeeting(this.deps, meetingId, start, meta);
  answer = (meetingId: string, response: InvitationResponse, meta: RequestMeta) => answerInvitation(this.deps, meetingId, response, meta);
  cancel = (meetingId: string, reason: string | undefined, meta: RequestMeta) => cancelMeeting(this.deps, meetingId, reason, meta);
}
