import { describe, it } from 'vitest';
import { deciderSpec } from '../../../test/support/deciderSpec.js';
import { reminderDecider, type ReminderSent, type SendReminder } from './reminder.js';

const given = deciderSpec(reminderDecider);
const occurrence = { kind: 'event-reminder' as const, subjectId: 'e-1', title: 'Concert', start: '2026-10-26T19:00:00Z', end: '2026-10-26T21:00:00Z' };
const send = (now: string, recipients = ['u-1', 'u-2', 'u-1']): SendReminder => ({
  type: 'SendReminder',
  data: { ...occurrence, recipients },
  meta: { now, actorId: 'system' },
});
const sent: ReminderSent = { type: 'ReminderSent', data: { ...occurrence, recipients: ['u-1', 'u-2'] } };

describe('reminder decider', () => {
  it('sends once to each recipient', () => {
    given([]).when(send('2026-10-25T19:00:00Z')).then([sent]);
  });

  it('never a second time', () => {
    given([sent]).when(send('2026-10-25T19:05:00Z', ['u-3'])).then([]);
  });

  it('never once the occurrence has started', () => {
    given([]).when(send('2026-10-26T19:00:00Z')).then([]);
  });

  it('not with nobody to remind (a later attempt may still find someone)', () => {
    given([]).when(send('2026-10-25T19:00:00Z', [])).then([]);
  });
});
