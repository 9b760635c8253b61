/**
 * A reminder of one occurrence (a ticketed event or a meeting at one start time) is its
 * own stream, `reminder-<id>`, whose one event `ReminderSent` records who was reminded.
 * The stream's revision makes "never sent twice" a write conflict rather than a check,
 * and the notifications projection turns the event into each recipient's notification
 * (and so, like every notification, into their e-mail).
 */
import type { Decider } from '../shared/decider.js';
import type { Command, DecisionMeta, DomainEvent } from '../shared/messages.js';

export const REMINDER_STREAM_CATEGORY = 'reminder';
export const reminderStreamName = (reminderId: string) => `${REMINDER_STREAM_CATEGORY}-${reminderId}`;

export type ReminderKind = 'event-reminder' | 'meeting-reminder';

/** What the reminder is about: one occurrence of a ticketed event or a meeting. */
export interface ReminderOccurrence {
  kind: ReminderKind;
  /** The ticketed event's or the meeting's id. */
  subjectId: string;
  title: string;
  start: string;
  end: string;
}

export type ReminderSent = DomainEvent<'ReminderSent', ReminderOccurrence & { recipients: string[] }>;
export type ReminderEvent = ReminderSent;
export const reminderEventTypes = ['ReminderSent'] as const satisfies readonly ReminderEvent['type'][];

export type SendReminder = Command<'SendReminder', ReminderOccurrence & { recipients: string[] }, DecisionMeta>;
export type ReminderCommand = SendReminder;

export interface ReminderState {
  sent: ReminderSent['data'] | null;
}

export const reminderDecider: Decider<ReminderState, ReminderCommand, ReminderEvent> = {
  initialState: () => ({ sent: null }),
  evolve: (_state, event) => ({ sent: event.data }),
  /**
   * Nothing to do (not an error, so a job is not failed for it): already sent, the
   * occurrence has started, or nobody to remind.
   */
  decide(command, state) {
    const occurrence = command.data;
    if (state.sent) return [];
    if (Date.parse(command.meta.now) >= Date.parse(occurrence.start)) return [];
    const recipients = [...new Set(occurrence.recipients)];
    if (recipients.length === 0) return [];
    return [{ type: 'ReminderSent', data: { ...occurrence, recipients } }];
  },
};
