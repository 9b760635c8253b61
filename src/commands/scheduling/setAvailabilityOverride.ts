/** SetAvailabilityOverride for the caller: one local date's hours instead of the weekly ones. */
import type { WallClockInterval } from '../../domain/shared/time.js';
import type { RequestMeta } from '../meta.js';
import { runOnAvailability, type AvailabilityDeps, type AvailabilityResult } from './availabilityStream.js';

export const setAvailabilityOverride = (deps: AvailabilityDeps, date: string, intervals: WallClockInterval[], meta: RequestMeta): Promise<AvailabilityResult> =>
  runOnAvailability(deps, { type: 'SetAvailabilityOverride', data: { userId: meta.actor.userId, date, intervals } }, meta);
