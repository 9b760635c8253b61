/**
 * Events of the scheduling context (docs/scheduling.md §2). Names are fixed by the
 * contract; payloads record every derived value (normalised intervals, expanded group
 * members, chosen times) so that replay never recomputes anything. Instants are ISO-8601
 * UTC strings; wall-clock times are 'HH:mm' (24:00 may end an interval); local dates are
 * 'YYYY-MM-DD' in the owner's zone. When an event happened is the store's `recordedAt`.
 */
import type { DomainEvent } from '../shared/messages.js';
import type { WallClockInterval, WeeklyInterval } from '../shared/time.js';

export const AVAILABILITY_STREAM_CATEGORY = 'availability';
export const GROUP_STREAM_CATEGORY = 'group';
export const MEETING_STREAM_CATEGORY = 'meeting';
export const availabilityStreamName = (userId: string) => `${AVAILABILITY_STREAM_CATEGORY}-${userId}`;
export const groupStreamName = (groupId: string) => `${GROUP_STREAM_CATEGORY}-${groupId}`;
export const meetingStreamName = (meetingId: string) => `${MEETING_STREAM_CATEGORY}-${meetingId}`;

// ---- availability-<userId> ----

/** `intervals` are normalised: sorted by day then start, overlapping or touching ones merged. */
export type WeeklyAvailabilitySet = DomainEvent<'WeeklyAvailabilitySet', { userId: string; timezone: string; intervals: WeeklyInterval[] }>;
/** Replaces the weekly hours of one local date; [] = unavailable all day. */
export type AvailabilityOverrideSet = DomainEvent<'AvailabilityOverrideSet', { userId: string; date: string; intervals: WallClockInterval[] }>;
export type AvailabilityOverrideRemoved = DomainEvent<'AvailabilityOverrideRemoved', { userId: string; date: string }>;

export type AvailabilityEvent = WeeklyAvailabilitySet | AvailabilityOverrideSet | AvailabilityOverrideRemoved;
export const availabilityEventTypes = [
  'WeeklyAvailabilitySet',
  'AvailabilityOverrideSet',
  'AvailabilityOverrideRemoved',
] as const satisfies readonly AvailabilityEvent['type'][];

// ---- group-<id> ----

export type GroupRole = 'owner' | 'admin' | 'member';
/** The roles a member can be given; ownership moves only by transfer. */
export type GroupMemberRole = Exclude<GroupRole, 'owner'>;

/** `createdAt` (the decision time) is when the owner joined: the decider's state carries it for the members' `joinedAt`. */
export type GroupCreated = DomainEvent<'GroupCreated', { groupId: string; name: string; description: string; color: string | null; ownerId: string; createdAt: string }>;
/** Only the fields that changed, with their new values. */
export type GroupDetailsChanged = DomainEvent<'GroupDetailsChanged', { groupId: string; name?: string; description?: string; color?: string | null }>;
/** `joinedAt`: the decision time (see GroupCreated.createdAt). */
export type GroupMemberAdded = DomainEvent<'GroupMemberAdded', { groupId: string; userId: string; role: GroupMemberRole; by: string; joinedAt: string }>;
export type GroupMemberRoleChanged = DomainEvent<'GroupMemberRoleChanged', { groupId: string; userId: string; role: GroupMemberRole; by: string }>;
/** `by` = the member themself when they left. */
export type GroupMemberRemoved = DomainEvent<'GroupMemberRemoved', { groupId: string; userId: string; by: string }>;
/** The previous owner stays a member with the role `admin`. */
export type GroupOwnershipTransferred = DomainEvent<'GroupOwnershipTransferred', { groupId: string; from: string; to: string }>;

export type GroupEvent = GroupCreated | GroupDetailsChanged | GroupMemberAdded | GroupMemberRoleChanged | GroupMemberRemoved | GroupOwnershipTransferred;
export const groupEventTypes = [
  'GroupCreated',
  'GroupDetailsChanged',
  'GroupMemberAdded',
  'GroupMemberRoleChanged',
  'GroupMemberRemoved',
  'GroupOwnershipTransferred',
] as const satisfies readonly GroupEvent['type'][];

// ---- meeting-<id> ----

export interface InstantWindow {
  start: string;
  end: string;
}
export interface MeetingParticipant {
  userId: string;
  required: boolean;
  /** The group the participant came in through (kept for reference), or null. */
  viaGroupId: string | null;
}
export type SlotPreference = 'yes' | 'if-need-be';
export interface AvailabilitySlot extends InstantWindow {
  preference: SlotPreference;
}
export type InvitationResponse = 'accepted' | 'declined' | 'tentative';
export type ResultsVisibility = 'participants' | 'organizer';

export type MeetingProposed = DomainEvent<
  'MeetingProposed',
  {
    meetingId: string;
    title: string;
    description: string;
    location: string;
    organizerId: string;
    durationMinutes: number;
    timezone: string;
    /** [] for a fixed-time meeting (a MeetingScheduled follows in the same append). */
    proposedWindows: InstantWindow[];
    /** Groups expanded at proposal time; a person once; never the organizer. */
    participants: MeetingParticipant[];
    groupIds: string[];
    deadline: string | null;
    autoSchedule: boolean;
    resultsVisibility: ResultsVisibility;
    /** Minutes before the start that the meeting reminder goes out; absent = DEFAULT_MEETING_REMINDER_MINUTES. */
    reminderMinutes?: number;
  }
>;
/** The meeting reminder's lead time when MeetingProposed names none. */
export const DEFAULT_MEETING_REMINDER_MINUTES = 60;
export type ParticipantInvited = DomainEvent<'ParticipantInvited', { meetingId: string; userId: string; required: boolean; viaGroupId: string | null }>;
export type ParticipantRemoved = DomainEvent<'ParticipantRemoved', { meetingId: string; userId: string }>;
/**
 * Replaces that participant's previous submission; [] withdraws it. `submittedAt` (added
 * to the contract): the decision time, which `tessera verify` checks against the deadline
 * (the store's recordedAt comes a moment later); always set by the decider.
 */
export type AvailabilitySubmitted = DomainEvent<'AvailabilitySubmitted', { meetingId: string; participantId: string; slots: AvailabilitySlot[]; submittedAt?: string }>;
export type InvitationAnswered = DomainEvent<'InvitationAnswered', { meetingId: string; participantId: string; response: InvitationResponse }>;
/** `answers`: the pre-filled responses (yes → accepted, if-need-be → tentative; others are pending). */
export type MeetingScheduled = DomainEvent<
  'MeetingScheduled',
  { meetingId: string; start: string; end: string; by: 'organizer' | 'deadline'; answers: Record<string, InvitationResponse> }
>;
/** Every answer goes back to pending. */
export type MeetingRescheduled = DomainEvent<'MeetingRescheduled', { meetingId: string; start: string; end: string }>;
export type MeetingCancelled = DomainEvent<'MeetingCancelled', { meetingId: string; reason: string | null }>;
/**
 * Added to the contract (docs/scheduling.md §6.3): the deadline job reminded the
 * participants who had not submitted 24 h before the deadline. Recorded so that the
 * reminder is sent once and the notifications are projected from the history.
 */
export type MeetingDeadlineReminderSent = DomainEvent<'MeetingDeadlineReminderSent', { meetingId: string; participantIds: string[]; deadline: string }>;
/**
 * Added to the contract (docs/scheduling.md §6.3): the deadline passed and the poll was
 * not scheduled by it — `autoSchedule` off, or no candidate anyone can make. The organizer
 * is told; they may still schedule. (A deadline blocks submissions by time alone.)
 */
export type MeetingPollClosed = DomainEvent<'MeetingPollClosed', { meetingId: string; deadline: string; reason: 'not-auto-scheduled' | 'no-available-time' }>;

export type MeetingEvent =
  | MeetingProposed
  | ParticipantInvited
  | ParticipantRemoved
  | AvailabilitySubmitted
  | InvitationAnswered
  | MeetingScheduled
  | MeetingRescheduled
  | MeetingCancelled
  | MeetingDeadlineReminderSent
  | MeetingPollClosed;
export const meetingEventTypes = [
  'MeetingProposed',
  'ParticipantInvited',
  'ParticipantRemoved',
  'AvailabilitySubmitted',
  'InvitationAnswered',
  'MeetingScheduled',
  'MeetingRescheduled',
  'MeetingCancelled',
  'MeetingDeadlineReminderSent',
  'MeetingPollClosed',
] as const satisfies readonly MeetingEvent['type'][];

export type SchedulingEvent = AvailabilityEvent | GroupEvent | MeetingEvent;
