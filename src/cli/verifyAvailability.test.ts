import { describe, expect, it } from 'vitest';
import { AvailabilityChecker } from './verifyAvailability.js';

describe('AvailabilityChecker', () => {
  it('reports events whose data has another shape instead of failing', () => {
    const checker = new AvailabilityChecker();
    expect(checker.check({ revision: 0n, type: 'WeeklyAvailabilitySet', data: { userId: 'u', timezone: 'UTC', intervals: [] } })).toEqual([]);
    expect(checker.check({ revision: 1n, type: 'WeeklyAvailabilitySet', data: { userId: 'u', timezone: 'UTC' } })).toEqual([expect.stringMatching(/^weekly intervals: /)]);
    expect(checker.check({ revision: 2n, type: 'AvailabilityOverrideSet', data: null })).not.toEqual([]);
    expect(checker.check({ revision: 4n, type: 'Surprise', data: {} })).toEqual([
      'revision 4 where revision 3 was expected (revisions are contiguous from 0)',
      'Surprise is not an event of the availability decider',
    ]);
    expect(checker.check({ revision: 5n, type: 'AvailabilityOverrideSet', data: { userId: 'v', date: '2026-01-01', intervals: [] } })).toContain(
      'AvailabilityOverrideSet names user v, the stream belongs to u',
    );
  });
});
