/**
 * What every meeting use case shares: the `meeting-<id>` stream and the typed way to run
 * one command on it. New meeting ids derive from the Idempotency-Key (as ticketing's).
 */
import { meetingDecider, type MeetingCommand, type MeetingState } from '../../domain/scheduling/meeting.js';
import { meetingStreamName, type MeetingEvent } from '../../domain/scheduling/events.js';
import { decisionMeta, runtimeMeta, type RequestMeta, type WithoutMeta } from '../meta.js';
import type { CommandResult, CommandRuntime } from '../runtime.js';
import type { Knex } from 'knex';

export { requestId } from '../ticketing/ticketedEventStream.js';

export interface MeetingDeps {
  commands: CommandRuntime;
  /** The scheduling read models (people, groups) the commands check participants against. */
  knex: Knex;
}

export type MeetingResult = CommandResult<MeetingState, MeetingEvent>;

export type MeetingRequest = WithoutMeta<MeetingCommand>;

export function runOnMeeting(deps: MeetingDeps, meetingId: string, request: MeetingRequest, meta: RequestMeta): Promise<MeetingResult> {
  const command = { ...request, meta: decisionMeta(meta.actor, meta.now) } as MeetingCommand;
  return deps.commands.execute(meetingDecider, meetingStreamName(meetingId), command, runtimeMeta(meta));
}
