/** RemoveAvailabilityOverride for the caller: the date follows the weekly hours again. */
import type { RequestMeta } from '../meta.js';
import { runOnAvailability, type AvailabilityDeps, type AvailabilityResult } from './availabilityStream.js';

export const removeAvailabilityOverride = (deps: AvailabilityDeps, date: string, meta: RequestMeta): Promise<AvailabilityResult> =>
  runOnAvailability(deps, { type: 'RemoveAvailabilityOverride', data: { userId: meta.actor.userId, date } }, meta);
