/**
 * The meeting decider (docs/scheduling.md §2, §3 Meetings, §5): polls with proposed
 * windows and fixed-time meetings, participants, submissions, scheduling, RSVPs and
 * cancellation of one `meeting-<id>` stream. Pure: time and actor arrive in `meta`,
 * groups arrive already expanded (the command layer reads the group read model), ids
 * come from the caller. Every invariant of §5 that concerns a meeting is checked here.
 */
import { assertNever, type Decider } from '../shared/decider.js';
import { conflict, forbidden, invalid, notFound } from '../shared/errors.js';
import type { Command, DecisionMeta } from '../shared/messages.js';
import { closePoll, remindBeforeDeadline } from './deadline.js';
import type {
  AvailabilitySlot,
  InstantWindow,
  InvitationResponse,
  MeetingEvent,
  MeetingParticipant,
  MeetingScheduled,
  ResultsVisibility,
} from './events.js';

// ---- commands ----

export const MEETING_LIMITS = {
  minDurationMinutes: 5,
  maxDurationMinutes: 1440,
  maxWindows: 50,
  maxSlots: 200,
  maxParticipants: 1000,
} as const;

/** The organizer is `meta.actorId`. A poll has `proposedWindows`; a fixed-time meeting has `start` instead. */
export type ProposeMeeting = Command<
  'ProposeMeeting',
  {
    meetingId: string;
    title: string;
    description: string;
    location: string;
    durationMinutes: number;
    timezone: string;
    proposedWindows?: InstantWindow[];
    start?: string;
    participants: MeetingParticipant[];
    groupIds: string[];
    deadline: string | null;
    autoSchedule: boolean;
    resultsVisibility: ResultsVisibility;
  }
>;
/** People already taking part are left as they are. */
export type InviteParticipants = Command<'InviteParticipants', { participants: MeetingParticipant[] }>;
/** By the organizer, or by the participant leaving. */
export type RemoveParticipant = Command<'RemoveParticipant', { userId: string }>;
/** [] withdraws the actor's submission. */
export type SubmitAvailability = Command<'SubmitAvailability', { slots: AvailabilitySlot[] }>;
/** `by: 'deadline'` is the deadline job's (actor `system`). */
export type ScheduleMeeting = Command<'ScheduleMeeting', { start: string; by: 'organizer' | 'deadline' }>;
export type RescheduleMeeting = Command<'RescheduleMeeting', { start: string }>;
export type AnswerInvitation = Command<'AnswerInvitation', { response: InvitationResponse }>;
export type CancelMeeting = Command<'CancelMeeting', { reason: string | null }>;
/** The deadline jobs' (actor `system`; decisions in ./deadline.ts). */
export type RemindBeforeDeadline = Command<'RemindBeforeDeadline', Record<string, never>>;
export type ClosePoll = Command<'ClosePoll', { reason: 'not-auto-scheduled' | 'no-available-time' }>;

export type MeetingCommand =
  | ProposeMeeting
  | InviteParticipants
  | RemoveParticipant
  | SubmitAvailability
  | ScheduleMeeting
  | RescheduleMeeting
  | AnswerInvitation
  | CancelMeeting
  | RemindBeforeDeadline
  | ClosePoll;

// ---- state ----

export type MeetingStatus = 'polling' | 'scheduled' | 'cancelled';
export type ParticipantResponse = InvitationResponse | 'pending';

export interface ParticipantState extends MeetingParticipant {
  /** The current submission ([] when none or withdrawn). */
  slots: readonly AvailabilitySlot[];
  submitted: boolean;
  response: ParticipantResponse;
}

export interface ProposedMeeting {
  status: MeetingStatus;
  meetingId: string;
  title: string;
  description: string;
  location: string;
  organizerId: string;
  durationMinutes: number;
  timezone: string;
  proposedWindows: readonly InstantWindow[];
  groupIds: readonly string[];
  deadline: string | null;
  autoSchedule: boolean;
  resultsVisibility: ResultsVisibility;
  scheduled: { start: string; end: string; by: 'organizer' | 'deadline' } | null;
  cancelReason: string | null;
  /** The deadline jobs' marks: the reminder went out / the poll was closed without scheduling. */
  deadlineReminded: boolean;
  pollClosed: boolean;
  /** In order of invitation. */
  participants: ReadonlyMap<string, ParticipantState>;
}

export type MeetingState = { status: 'none' } | ProposedMeeting;

export const initialMeetingState = (): MeetingState => ({ status: 'none' });

export type MeetingRole = 'organizer' | 'participant';

/** The user's role on the meeting, if any. */
export function meetingRoleOf(state: MeetingState, userId: string): MeetingRole | undefined {
  if (state.status === 'none') return undefined;
  if (state.organizerId === userId) return 'organizer';
  return state.participants.has(userId) ? 'participant' : undefined;
}

export function evolveMeeting(state: MeetingState, event: MeetingEvent): MeetingState {
  if (event.type === 'MeetingProposed') {
    const d = event.data;
    return {
      status: 'polling',
      meetingId: d.meetingId,
      title: d.title,
      description: d.description,
      location: d.location,
      organizerId: d.organizerId,
      durationMinutes: d.durationMinutes,
      timezone: d.timezone,
      proposedWindows: d.proposedWindows,
      groupIds: d.groupIds,
      deadline: d.deadline,
      autoSchedule: d.autoSchedule,
      resultsVisibility: d.resultsVisibility,
      scheduled: null,
      cancelReason: null,
      deadlineReminded: false,
      pollClosed: false,
      participants: new Map(d.participants.map((p) => [p.userId, newParticipant(p)])),
    };
  }
  if (state.status === 'none') return state;
  switch (event.type) {
    case 'ParticipantInvited':
      return { ...state, participants: withParticipant(state.participants, newParticipant(event.data)) };
    case 'ParticipantRemoved': {
      const participants = new Map(state.participants);
      participants.delete(event.data.userId);
      return { ...state, participants };
    }
    case 'AvailabilitySubmitted':
      return updateParticipant(state, event.data.participantId, { slots: event.data.slots, submitted: event.data.slots.length > 0 });
    case 'InvitationAnswered':
      return updateParticipant(state, event.data.participantId, { response: event.data.response });
    case 'MeetingScheduled': {
      const { start, end, by, answers } = event.data;
      return { ...state, status: 'scheduled', scheduled: { start, end, by }, participants: mapParticipants(state, (p) => ({ ...p, response: answers[p.userId] ?? 'pending' })) };
    }
    case 'MeetingRescheduled': {
      const by = state.scheduled?.by ?? 'organizer';
      return { ...state, scheduled: { start: event.data.start, end: event.data.end, by }, participants: mapParticipants(state, (p) => ({ ...p, response: 'pending' })) };
    }
    case 'MeetingCancelled':
      return { ...state, status: 'cancelled', cancelReason: event.data.reason };
    case 'MeetingDeadlineReminderSent':
      return { ...state, deadlineReminded: true };
    case 'MeetingPollClosed':
      return { ...state, pollClosed: true };
    default:
      return assertNever(event);
  }
}

const newParticipant = (p: MeetingParticipant): ParticipantState => ({
  userId: p.userId,
  required: p.required,
  viaGroupId: p.viaGroupId,
  slots: [],
  submitted: false,
  response: 'pending',
});

function withParticipant(participants: ReadonlyMap<string, ParticipantState>, participant: ParticipantState): ReadonlyMap<string, ParticipantState> {
  const next = new Map(participants);
  next.set(participant.userId, participant);
  return next;
}

function updateParticipant(state: ProposedMeeting, userId: string, changes: Partial<ParticipantState>): ProposedMeeting {
  const participant = state.participants.get(userId);
  if (!participant) return state;
  return { ...state, participants: withParticipant(state.participants, { ...participant, ...changes }) };
}

function mapParticipants(state: ProposedMeeting, change: (p: ParticipantState) => ParticipantState): ReadonlyMap<string, ParticipantState> {
  return new Map([...state.participants].map(([id, p]) => [id, change(p)]));
}

// ---- decisions ----

export const meetingDecider: Decider<MeetingState, MeetingCommand, MeetingEvent> = {
  initialState: initialMeetingState,
  evolve: evolveMeeting,
  decide: decideMeeting,
};

export function decideMeeting(command: MeetingCommand, state: MeetingState): MeetingEvent[] {
  if (command.type === 'ProposeMeeting') return proposeMeeting(command, state);
  if (state.status === 'none') throw notFound('meeting-not-found', 'No such meeting');
  if (state.status === 'cancelled') throw conflict('meeting-cancelled', 'The meeting is cancelled and accepts no changes');
  switch (command.type) {
    case 'InviteParticipants':
      return inviteParticipants(command, state);
    case 'RemoveParticipant':
      return removeParticipant(command, state);
    case 'SubmitAvailability':
      return submitAvailability(command, state);
    case 'ScheduleMeeting':
      return scheduleMeeting(command, state);
    case 'RescheduleMeeting':
      return rescheduleMeeting(command, state);
    case 'AnswerInvitation':
      return answerInvitation(command, state);
    case 'CancelMeeting':
      requireOrganizer(command.meta, state);
      return [{ type: 'MeetingCancelled', data: { meetingId: state.meetingId, reason: command.data.reason } }];
    case 'RemindBeforeDeadline':
      return remindBeforeDeadline(command, state);
    case 'ClosePoll':
      return closePoll(command, state);
    default:
      return assertNever(command);
  }
}

const ms = Date.parse;
const endOf = (start: string, durationMinutes: number) => new Date(ms(start) + durationMinutes * 60_000).toISOString();

function proposeMeeting({ data, meta }: ProposeMeeting, state: MeetingState): MeetingEvent[] {
  if (state.status !== 'none') throw conflict('meeting-exists', 'This meeting was already proposed');
  const { durationMinutes } = data;
  if (!Number.isInteger(durationMinutes) || durationMinutes < MEETING_LIMITS.minDurationMinutes || durationMinutes > MEETING_LIMITS.maxDurationMinutes) {
    throw invalid('invalid-duration', `durationMinutes must be a whole number from ${MEETING_LIMITS.minDurationMinutes} to ${MEETING_LIMITS.maxDurationMinutes}`);
  }
  const fixed = data.start !== undefined;
  if (fixed === (data.proposedWindows !== undefined)) throw invalid('poll-or-fixed-time', 'Give either proposedWindows (a poll) or start (a fixed-time meeting), not both');
  const windows = data.proposedWindows ?? [];
  if (!fixed) checkWindows(windows, durationMinutes);
  checkParticipants(data.participants, meta.actorId);
  if (fixed && (data.deadline !== null || data.autoSchedule)) throw invalid('not-a-poll', 'deadline and autoSchedule belong to polls; a fixed-time meeting is scheduled at once');
  if (data.deadline !== null && ms(data.deadline) <= ms(meta.now)) throw invalid('deadline-in-past', 'The deadline must lie in the future');

  const proposed: MeetingEvent = {
    type: 'MeetingProposed',
    data: {
      meetingId: data.meetingId,
      title: data.title,
      description: data.description,
      location: data.location,
      organizerId: meta.actorId,
      durationMinutes,
      timezone: data.timezone,
      proposedWindows: [...windows].sort((a, b) => ms(a.start) - ms(b.start)),
      participants: data.participants,
      groupIds: data.groupIds,
      deadline: data.deadline,
      autoSchedule: data.autoSchedule,
      resultsVisibility: data.resultsVisibility,
    },
  };
  if (!fixed) return [proposed];
  const start = data.start!;
  return [proposed, { type: 'MeetingScheduled', data: { meetingId: data.meetingId, start, end: endOf(start, durationMinutes), by: 'organizer', answers: {} } }];
}

function checkWindows(windows: readonly InstantWindow[], durationMinutes: number): void {
  if (windows.length < 1 || windows.length > MEETING_LIMITS.maxWindows) throw invalid('invalid-windows', `A poll needs 1 to ${MEETING_LIMITS.maxWindows} proposed windows`);
  for (const window of windows) {
    if (ms(window.end) - ms(window.start) < durationMinutes * 60_000) {
      throw invalid('window-shorter-than-duration', `The window ${window.start}–${window.end} is shorter than the meeting (${durationMinutes} min)`);
    }
  }
}

function checkParticipants(participants: readonly MeetingParticipant[], organizerId: string): void {
  const seen = new Set<string>();
  for (const { userId } of participants) {
    if (userId === organizerId) throw invalid('organizer-not-participant', 'The organizer is never a participant');
    if (seen.has(userId)) throw invalid('duplicate-participant', `${userId} is listed twice`);
    seen.add(userId);
  }
}

export function requireOrganizer(meta: DecisionMeta, state: ProposedMeeting): void {
  if (meta.actorId !== state.organizerId && !meta.actorIsAdmin) throw forbidden('not-organizer', 'Only the organizer may do this');
}

function requireParticipant(meta: DecisionMeta, state: ProposedMeeting): ParticipantState {
  const participant = state.participants.get(meta.actorId);
  if (!participant) throw forbidden('not-a-participant', 'Only participants may do this');
  return participant;
}

function inviteParticipants({ data, meta }: InviteParticipants, state: ProposedMeeting): MeetingEvent[] {
  requireOrganizer(meta, state);
  checkParticipants(data.participants, state.organizerId);
  const newcomers = data.participants.filter((p) => !state.participants.has(p.userId));
  if (state.participants.size + newcomers.length > MEETING_LIMITS.maxParticipants) {
    throw invalid('too-many-participants', `A meeting has at most ${MEETING_LIMITS.maxParticipants} participants`);
  }
  return newcomers.map((p) => ({ type: 'ParticipantInvited', data: { meetingId: state.meetingId, userId: p.userId, required: p.required, viaGroupId: p.viaGroupId } }));
}

function removeParticipant({ data, meta }: RemoveParticipant, state: ProposedMeeting): MeetingEvent[] {
  if (meta.actorId !== data.userId) requireOrganizer(meta, state);
  if (!state.participants.has(data.userId)) throw notFound('participant-not-found', `${data.userId} is not a participant`);
  return [{ type: 'ParticipantRemoved', data: { meetingId: state.meetingId, userId: data.userId } }];
}

function submitAvailability({ data, meta }: SubmitAvailability, state: ProposedMeeting): MeetingEvent[] {
  const participant = requireParticipant(meta, state);
  if (state.status !== 'polling') throw conflict('meeting-not-polling', 'Availability is collected only while the meeting is polling');
  if (state.deadline !== null && ms(meta.now) >= ms(state.deadline)) throw conflict('deadline-passed', `The poll closed at ${state.deadline}`);
  if (data.slots.length > MEETING_LIMITS.maxSlots) throw invalid('too-many-slots', `At most ${MEETING_LIMITS.maxSlots} slots`);
  for (const slot of data.slots) {
    if (ms(slot.start) >= ms(slot.end)) throw invalid('invalid-slot', `The slot ${slot.start}–${slot.end} must start before it ends`);
    if (!insideOneWindow(state.proposedWindows, slot.start, slot.end)) {
      throw invalid('outside-proposed-windows', `The slot ${slot.start}–${slot.end} lies outside the proposed windows`);
    }
  }
  const slots = [...data.slots].sort((a, b) => ms(a.start) - ms(b.start) || ms(a.end) - ms(b.end));
  return [{ type: 'AvailabilitySubmitted', data: { meetingId: state.meetingId, participantId: participant.userId, slots } }];
}

export function insideOneWindow(windows: readonly InstantWindow[], start: string, end: string): boolean {
  return windows.some((w) => ms(w.start) <= ms(start) && ms(end) <= ms(w.end));
}

function scheduleMeeting({ data, meta }: ScheduleMeeting, state: ProposedMeeting): MeetingEvent[] {
  requireOrganizer(meta, state);
  if (state.status !== 'polling') throw conflict('meeting-not-polling', 'The meeting is already scheduled; reschedule it instead');
  const end = checkedEnd(state, data.start);
  const event: MeetingScheduled = { type: 'MeetingScheduled', data: { meetingId: state.meetingId, start: data.start, end, by: data.by, answers: answersFromSubmissions(state, data.start, end) } };
  return [event];
}

function rescheduleMeeting({ data, meta }: RescheduleMeeting, state: ProposedMeeting): MeetingEvent[] {
  requireOrganizer(meta, state);
  if (state.status !== 'scheduled' || !state.scheduled) throw conflict('meeting-not-scheduled', 'Only a scheduled meeting can be rescheduled');
  const end = checkedEnd(state, data.start);
  if (ms(state.scheduled.start) === ms(data.start)) return [];
  return [{ type: 'MeetingRescheduled', data: { meetingId: state.meetingId, start: data.start, end } }];
}

/** The end of a meeting starting at `start`; a poll's must leave the whole duration inside one proposed window. */
function checkedEnd(state: ProposedMeeting, start: string): string {
  const end = endOf(start, state.durationMinutes);
  if (state.proposedWindows.length > 0 && !insideOneWindow(state.proposedWindows, start, end)) {
    throw invalid('outside-proposed-windows', `${start}–${end} does not fit inside one proposed window`);
  }
  return end;
}

/** yes → accepted, if-need-be → tentative, when one submitted slot covers the whole meeting; everyone else stays pending. */
export function answersFromSubmissions(state: ProposedMeeting, start: string, end: string): Record<string, InvitationResponse> {
  const answers: Record<string, InvitationResponse> = {};
  for (const participant of state.participants.values()) {
    const covering = participant.slots.filter((slot) => ms(slot.start) <= ms(start) && ms(end) <= ms(slot.end));
    if (covering.some((slot) => slot.preference === 'yes')) answers[participant.userId] = 'accepted';
    else if (covering.length > 0) answers[participant.userId] = 'tentative';
  }
  return answers;
}

function answerInvitation({ data, meta }: AnswerInvitation, state: ProposedMeeting): MeetingEvent[] {
  const participant = requireParticipant(meta, state);
  if (state.status !== 'scheduled') throw conflict('meeting-not-scheduled', 'Invitations are answered once the meeting is scheduled');
  if (participant.response === data.response) return [];
  return [{ type: 'InvitationAnswered', data: { meetingId: state.meetingId, participantId: participant.userId, response: data.response } }];
}
