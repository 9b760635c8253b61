/**
 * What every availability use case shares: the `availability-<userId>` stream and the
 * typed way to run one command on it. The user is always the caller (`/v1/me/…`).
 */
import {
  availabilityDecider,
  availabilityStreamName,
  type AvailabilityCommand,
  type AvailabilityEvent,
  type AvailabilityState,
} from '../../domain/scheduling/index.js';
import { decisionMeta, runtimeMeta, type RequestMeta, type WithoutMeta } from '../meta.js';
import type { CommandResult, CommandRuntime } from '../runtime.js';

export interface AvailabilityDeps {
  commands: CommandRuntime;
}

export type AvailabilityResult = CommandResult<AvailabilityState, AvailabilityEvent>;

export function runOnAvailability(deps: AvailabilityDeps, request: WithoutMeta<AvailabilityCommand>, meta: RequestMeta): Promise<AvailabilityResult> {
  const command = { ...request, meta: decisionMeta(meta.actor, meta.now) } as AvailabilityCommand;
  return deps.commands.execute(availabilityDecider, availabilityStreamName(request.data.userId), command, runtimeMeta(meta));
}
