/** Reads of one meeting's authoritative (folded) state, through the runtime's cache. */
import { meetingDecider, meetingRoleOf, type MeetingRole, type ProposedMeeting } from '../../domain/scheduling/meeting.js';
import { meetingStreamName } from '../../domain/scheduling/events.js';
import { notFound } from '../../domain/shared/errors.js';
import type { MeetingDeps } from './meetingStream.js';

export interface LoadedMeeting {
  state: ProposedMeeting;
  revision: bigint;
  position: bigint | undefined;
}

export async function loadMeeting(deps: MeetingDeps, meetingId: string): Promise<LoadedMeeting> {
  const { state, revision, position } = await deps.commands.load(meetingDecider, meetingStreamName(meetingId));
  if (revision === undefined || state.status === 'none') throw notFound('meeting-not-found', 'No such meeting');
  return { state, revision, position };
}

/** The meeting folded up to and including `revision` (time travel). */
export async function meetingStateAt(deps: MeetingDeps, meetingId: string, revision: bigint): Promise<LoadedMeeting> {
  const folded = await deps.commands.stateAt(meetingDecider, meetingStreamName(meetingId), revision);
  if (folded.revision === undefined || folded.state.status === 'none') throw notFound('meeting-not-found', 'No such meeting');
  return { state: folded.state, revision: folded.revision, position: folded.position };
}

/**
 * Does the meeting exist and the user's role on it (never public). Unless `fresh`, a state
 * verified within the last second answers without a read; the access rule re-asks fresh
 * before it denies, and the decider re-checks roles on every command.
 */
export async function meetingMembershipOf(
  deps: MeetingDeps,
  meetingId: string,
  userId: string,
  opts: { fresh: boolean } = { fresh: true },
): Promise<{ public: boolean; roles: MeetingRole[] } | undefined> {
  const stream = meetingStreamName(meetingId);
  const { state, revision } = opts.fresh ? await deps.commands.load(meetingDecider, stream) : await deps.commands.loadRecent(meetingDecider, stream, 1000);
  if (revision === undefined || state.status === 'none') return undefined;
  const role = meetingRoleOf(state, userId);
  return { public: false, roles: role ? [role] : [] };
}
