/**
 * Stream checks of `tessera verify` for `availability-<userId>` (docs/scheduling.md §5),
 * at every revision: the event is one the decider knows and names the same user as the
 * stream's first event; weekly hours and every override are normalised (sorted, merged,
 * start < end, HH:mm, within the limits) in a valid, canonically spelled IANA zone; no
 * override exists before weekly hours; a removal names an override that exists.
 */
import { availabilityEventTypes, availabilityViolations, evolveAvailability, initialAvailabilityState, type AvailabilityEvent } from '../domain/scheduling/index.js';
import { RevisionChecker, type CheckedEvent } from './verifyStreams.js';

const KNOWN = new Set<string>(availabilityEventTypes);

export class AvailabilityChecker extends RevisionChecker {
  private state = initialAvailabilityState();
  private userId: string | undefined;

  protected apply(checked: CheckedEvent, problems: string[]): void {
    if (!KNOWN.has(checked.type)) {
      problems.push(`${checked.type} is not an event of the availability decider`);
      return;
    }
    const event = { type: checked.type, data: checked.data ?? {} } as AvailabilityEvent;
    this.userId ??= event.data.userId;
    if (event.data.userId !== this.userId) problems.push(`${event.type} names user ${event.data.userId}, the stream belongs to ${this.userId}`);
    if (event.type === 'AvailabilityOverrideRemoved' && this.state.overrides[event.data.date] === undefined) {
      problems.push(`AvailabilityOverrideRemoved for ${event.data.date}, which has no override`);
    }
    try {
      this.state = evolveAvailability(this.state, event);
      problems.push(...availabilityViolations(this.state));
    } catch (error) {
      // Data of another shape than the event type's (a hand edit, a bad import).
      problems.push(`the decider cannot fold ${event.type}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
