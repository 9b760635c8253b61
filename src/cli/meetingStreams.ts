/**
 * The meeting stream for `tessera stream state` and `tessera verify`: its fold (the
 * decider's evolve) and its checker, which re-checks docs/scheduling.md §5 at every
 * revision, judging each event against the state before it:
 * - nothing before MeetingProposed, no second proposal, nothing after MeetingCancelled;
 * - a participant appears once, the organizer never;
 * - submissions only by participants, while polling, before the deadline (the decision
 *   time `submittedAt`, else the store's recordedAt), each slot inside one proposed window;
 * - RSVPs only by participants, once scheduled;
 * - a scheduled or rescheduled time lasts durationMinutes and (polls) lies inside one window.
 */
import { insideOneWindow, meetingDecider, type MeetingState, type ProposedMeeting } from '../domain/scheduling/meeting.js';
import { MEETING_STREAM_CATEGORY, meetingEventTypes, type InstantWindow, type MeetingEvent } from '../domain/scheduling/events.js';
import { model, type StreamModel } from './streamModels.js';
import { messageOf, RevisionChecker, type CheckedEvent } from './verifyStreams.js';

export function meetingStreamModels(): StreamModel[] {
  const meetings = model({ category: MEETING_STREAM_CATEGORY, decider: meetingDecider, eventTypes: meetingEventTypes, summary: meetingSummary });
  return [{ ...meetings, check: () => new MeetingChecker() }];
}

function meetingSummary(s: MeetingState): Array<[string, string]> {
  if (s.status === 'none') return [['status', 'none (no MeetingProposed yet)']];
  const participants = [...s.participants.values()];
  return [
    ['title', s.title],
    ['status', s.status],
    ['organizer', s.organizerId],
    ['participants', `${participants.length} (${participants.filter((p) => p.submitted).length} submitted)`],
    ['windows', s.proposedWindows.map((w) => `${w.start}–${w.end}`).join(', ') || '- (fixed time)'],
    ['deadline', s.deadline ?? '-'],
    ['scheduled', s.scheduled ? `${s.scheduled.start}–${s.scheduled.end} (by ${s.scheduled.by})` : '-'],
  ];
}

const known = new Set<string>(meetingEventTypes);

export class MeetingChecker extends RevisionChecker {
  private state: MeetingState = meetingDecider.initialState();

  protected apply(raw: CheckedEvent, problems: string[]): void {
    if (!known.has(raw.type)) {
      problems.push(`${raw.type} is not a meeting event`);
      return;
    }
    const event = { type: raw.type, data: raw.data } as MeetingEvent;
    this.checkIntent(this.state, event, raw.recordedAt, problems);
    try {
      this.state = meetingDecider.evolve(this.state, event);
    } catch (error) {
      problems.push(`the decider cannot fold ${event.type}: ${messageOf(error)}`);
    }
  }

  private checkIntent(s: MeetingState, e: MeetingEvent, recordedAt: Date | undefined, problems: string[]): void {
    if (e.type === 'MeetingProposed') {
      if (s.status !== 'none') problems.push('MeetingProposed for a meeting that already exists');
      const ids = e.data.participants.map((p) => p.userId);
      for (const id of new Set(ids.filter((id, i) => ids.indexOf(id) !== i))) problems.push(`participant ${id} appears more than once`);
      if (ids.includes(e.data.organizerId)) problems.push(`the organizer ${e.data.organizerId} is also a participant`);
      return;
    }
    if (s.status === 'none') {
      problems.push(`${e.type} before MeetingProposed`);
      return;
    }
    if (s.status === 'cancelled') problems.push(`${e.type} after the meeting was cancelled (a cancelled meeting accepts nothing)`);
    const participant = (id: string, what: string) => {
      if (!s.participants.has(id)) problems.push(`${what} by ${id}, who is not a participant`);
    };
    switch (e.type) {
      case 'ParticipantInvited':
        if (e.data.userId === s.organizerId) problems.push(`the organizer ${s.organizerId} is invited as a participant`);
        if (s.participants.has(e.data.userId)) problems.push(`participant ${e.data.userId} is invited a second time`);
        return;
      case 'ParticipantRemoved':
        return participant(e.data.userId, 'ParticipantRemoved');
      case 'AvailabilitySubmitted': {
        participant(e.data.participantId, 'a submission');
        if (s.status !== 'polling') problems.push(`a submission while the meeting is ${s.status}`);
        const at = e.data.submittedAt ?? recordedAt?.toISOString();
        if (s.deadline !== null && at !== undefined && Date.parse(at) >= Date.parse(s.deadline)) problems.push(`a submission at ${at}, after the deadline ${s.deadline}`);
        for (const slot of e.data.slots) {
          if (!(Date.parse(slot.start) < Date.parse(slot.end)) || !insideOneWindow(s.proposedWindows, slot.start, slot.end)) {
            problems.push(`the slot ${slot.start}–${slot.end} is not inside one proposed window`);
          }
        }
        return;
      }
      case 'InvitationAnswered':
        participant(e.data.participantId, 'an RSVP');
        if (s.status !== 'scheduled') problems.push(`an RSVP while the meeting is ${s.status}`);
        return;
      case 'MeetingScheduled':
        if (s.status !== 'polling') problems.push(`MeetingScheduled while the meeting is ${s.status}`);
        return checkTime(s, e.data, problems);
      case 'MeetingRescheduled':
        if (s.status !== 'scheduled') problems.push(`MeetingRescheduled while the meeting is ${s.status}`);
        return checkTime(s, e.data, problems);
      case 'MeetingCancelled':
        return;
      default:
        // events of the deadline jobs carry no rule of §5
        return;
    }
  }
}

function checkTime(s: ProposedMeeting, time: InstantWindow, problems: string[]): void {
  const minutes = (Date.parse(time.end) - Date.parse(time.start)) / 60_000;
  if (minutes !== s.durationMinutes) problems.push(`the scheduled time ${time.start}–${time.end} lasts ${minutes} min, not durationMinutes ${s.durationMinutes}`);
  if (s.proposedWindows.length > 0 && !insideOneWindow(s.proposedWindows, time.start, time.end)) {
    problems.push(`the scheduled time ${time.start}–${time.end} is not inside one proposed window`);
  }
}
