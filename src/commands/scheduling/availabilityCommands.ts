/** The availability use cases bound to one command runtime (the scheduling context's service). */
import type { WallClockInterval } from '../../domain/shared/time.js';
import type { RequestMeta } from '../meta.js';
import type { CommandRuntime } from '../runtime.js';
import type { AvailabilityDeps } from './availabilityStream.js';
import { loadAvailability } from './loadAvailability.js';
import { removeAvailabilityOverride } from './removeAvailabilityOverride.js';
import { setAvailabilityOverride } from './setAvailabilityOverride.js';
import { setWeeklyAvailability, type WeeklyAvailabilityInput } from './setWeeklyAvailability.js';

export type { AvailabilityResult } from './availabilityStream.js';

export class AvailabilityCommands {
  private readonly deps: AvailabilityDeps;

  constructor(runtime: CommandRuntime) {
    this.deps = { commands: runtime };
  }

  load = (userId: string) => loadAvailability(this.deps, userId);
  setWeekly = (input: WeeklyAvailabilityInput, meta: RequestMeta) => setWeeklyAvailability(this.deps, input, meta);
  setOverride = (date: string, intervals: WallClockInterval[], meta: RequestMeta) => setAvailabilityOverride(this.deps, date, intervals, meta);
  removeOverride = (date: string, meta: RequestMeta) => removeAvailabilityOverride(this.deps, date, meta);
}
