/**
 * Response bodies of the meeting routes (docs/scheduling.md §3 Meetings): each shape is
 * defined once here; the route table documents it and type-checks its handler's body.
 */
import { z } from 'zod';
import { EXAMPLE, field, instantField, pageOf, positionField, revisionField } from '../dtoFields.js';

const MEETING_ID = '3d2c1b0a-9f8e-4d7c-8b6a-5f4e3d2c1b0a';
const GROUP_ID = '7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d';
const window = { start: '2026-12-07T09:00:00.000Z', end: '2026-12-07T12:00:00.000Z' };

export const instantWindowSchema = z
  .object({ start: instantField('Start'), end: instantField('End') })
  .meta({ id: 'InstantWindow', description: 'A span of time between two instants.' });

const slotSchema = z
  .object({
    start: instantField('Start of the slot'),
    end: instantField('End of the slot'),
    preference: field(z.enum(['yes', 'if-need-be']), '`yes`, or `if-need-be` (can come if nothing better is found).', 'yes'),
  })
  .meta({ id: 'AvailabilitySlot', description: 'A span a participant can make, inside one proposed window.' });

const participantSchema = z
  .object({
    userId: field(z.string(), 'The participant’s user id.', EXAMPLE.userId),
    name: field(z.string(), 'Their name ("" while the scheduling context does not know them yet).', 'Ada Lovelace'),
    required: field(z.boolean(), 'Whether the meeting needs them (recommendations rank times every required participant can make first).', true),
    viaGroupId: field(z.string().nullable(), 'The group they were invited through, or null when invited by name.', GROUP_ID),
    submitted: field(z.boolean(), 'Whether they have a current availability submission.', true),
    response: field(z.enum(['pending', 'accepted', 'declined', 'tentative']), 'Their answer to the scheduled time (`pending` until they answer or while polling).', 'pending'),
  })
  .meta({ id: 'MeetingParticipant', description: 'Someone invited to the meeting (never the organizer).' });

const meetingFields = {
  id: field(z.uuid(), 'The meeting id.', MEETING_ID),
  title: field(z.string(), 'Title.', 'Q1 Planning'),
  description: field(z.string(), 'Description (may be empty).', 'Goals and staffing for Q1.'),
  location: field(z.string(), 'Location (may be empty).', 'Room 4.2'),
  organizerId: field(z.string(), 'The organizer’s user id (always busy at the scheduled time; never a participant).', EXAMPLE.userId),
  durationMinutes: field(z.number().int(), 'Length of the meeting in minutes.', 60),
  timezone: field(z.string(), 'IANA zone the meeting is planned in (for display).', 'Europe/Berlin'),
  status: field(z.enum(['polling', 'scheduled', 'cancelled']), '`polling` (collecting availability), `scheduled` or `cancelled`.', 'polling'),
  proposedWindows: field(z.array(instantWindowSchema), 'The windows the time is chosen from, sorted ([] for a fixed-time meeting).', [window]),
  deadline: field(z.iso.datetime({ offset: true }).nullable(), 'When the poll closes (ISO-8601, UTC), or null.', '2026-12-05T17:00:00.000Z'),
  autoSchedule: field(z.boolean(), 'Whether the top recommendation is scheduled at the deadline.', false),
  resultsVisibility: field(z.enum(['participants', 'organizer']), 'Who sees everyone’s submissions: `participants` (and the organizer) or the `organizer` only.', 'participants'),
  participants: field(z.array(participantSchema), 'The participants, in order of invitation.', []),
  groupIds: field(z.array(z.string()), 'The groups invited (expanded to their members when invited).', [GROUP_ID]),
  scheduled: field(
    z.object({ start: instantField('Start'), end: instantField('End') }).nullable(),
    'The chosen time, or null while polling (a cancelled meeting keeps its last time).',
    null,
  ),
  revision: revisionField,
  position: positionField.optional(),
};

export const meetingSchema = z.object(meetingFields).meta({ id: 'Meeting', description: 'A meeting: a poll over proposed windows, or a fixed-time meeting.' });

export const availabilityCheckSchema = z
  .object({
    userId: field(z.string(), 'The invitee.', EXAMPLE.userId),
    status: field(
      z.enum(['free', 'busy', 'outside-hours', 'unknown']),
      '`busy`: something overlaps (see conflicts); `outside-hours`: their weekly hours do not cover the time; `unknown`: they have set no hours; else `free`.',
      'busy',
    ),
    conflicts: field(
      z.array(z.object({ start: instantField('Start'), end: instantField('End'), kind: field(z.enum(['meeting', 'ticketed-event']), 'What they are busy with.', 'meeting') })),
      'What overlaps the time.',
      [{ ...window, kind: 'meeting' }],
    ),
  })
  .meta({ id: 'AvailabilityCheck', description: 'Whether one invitee can make a fixed-time meeting.' });

export const proposedMeetingSchema = z
  .object({
    ...meetingFields,
    availabilityCheck: field(z.array(availabilityCheckSchema), 'Fixed-time meetings only: each invitee’s availability at that time.', []).optional(),
  })
  .meta({ id: 'ProposedMeeting', description: 'The meeting just proposed; a fixed-time one also says who can make it.' });

export const meetingPageSchema = pageOf(meetingSchema, 'meetings');

export const submissionSchema = z
  .object({
    participantId: field(z.string(), 'Whose submission it is.', EXAMPLE.userId),
    slots: field(z.array(slotSchema), 'Their current slots, sorted ([] = none or withdrawn).', [{ ...window, preference: 'yes' }]),
    position: positionField,
  })
  .meta({ id: 'AvailabilitySubmission', description: 'A participant’s submission, as recorded.' });

export const meetingAvailabilitySchema = z
  .object({
    items: field(
      z.array(
        z.object({
          participantId: field(z.string(), 'The participant.', EXAMPLE.userId),
          slots: field(z.array(slotSchema), 'Their current slots ([] when they have not submitted).', []),
        }),
      ),
      'Every participant’s current slots, in order of invitation.',
      [],
    ),
    revision: revisionField,
  })
  .meta({ id: 'MeetingAvailability', description: 'The current submissions of a meeting.' });
