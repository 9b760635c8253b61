/** Reads of one user's availability from its stream (through the runtime's cache): the state a write would be decided on. */
import { availabilityDecider, availabilityStreamName, type AvailabilityState } from '../../domain/scheduling/index.js';
import type { FoldedStream } from '../runtime.js';
import type { AvailabilityDeps } from './availabilityStream.js';

export const loadAvailability = (deps: AvailabilityDeps, userId: string): Promise<FoldedStream<AvailabilityState>> =>
  deps.commands.load(availabilityDecider, availabilityStreamName(userId));
