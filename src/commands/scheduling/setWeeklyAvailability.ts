/** SetWeeklyAvailability for the caller: replaces their weekly hours and their zone. */
import type { WeeklyInterval } from '../../domain/shared/time.js';
import type { RequestMeta } from '../meta.js';
import { runOnAvailability, type AvailabilityDeps, type AvailabilityResult } from './availabilityStream.js';

export interface WeeklyAvailabilityInput {
  timezone: string;
  intervals: WeeklyInterval[];
}

export const setWeeklyAvailability = (deps: AvailabilityDeps, input: WeeklyAvailabilityInput, meta: RequestMeta): Promise<AvailabilityResult> =>
  runOnAvailability(deps, { type: 'SetWeeklyAvailability', data: { userId: meta.actor.userId, ...input } }, meta);
