/**
 * A meeting's recommendations from the read models (docs/scheduling.md §3): the meeting
 * with its participants and current submissions (one loadMeeting), then the people and
 * their busy time over the windows in two more queries, whatever the number of
 * participants; the ranking itself runs on numbers in the domain.
 */
import type { Knex } from 'knex';
import { recommend, type Recommendation, type RecommendationParticipant } from '../../domain/scheduling/recommendations.js';
import { toMillis } from '../../domain/shared/time.js';
import { busyTimeOf } from './busyTime.js';
import type { LoadedMeetingRecord } from './meetings.js';
import { loadPeople } from './people.js';

export interface RecommendationOptions {
  limit: number;
  stepMinutes: number;
}

/** The engine's input for a loaded meeting; the meeting's own scheduled time is not busy time for it. */
export async function recommendationParticipants(db: Knex | Knex.Transaction, loaded: LoadedMeetingRecord): Promise<RecommendationParticipant[]> {
  const { meeting, participants, submissions } = loaded;
  const windows = meeting.proposedWindows;
  if (windows.length === 0 || participants.length === 0) return [];
  const ids = participants.map((p) => p.userId);
  const from = new Date(Math.min(...windows.map((w) => toMillis(w.start)))).toISOString();
  const to = new Date(Math.max(...windows.map((w) => toMillis(w.end)))).toISOString();
  // Inside a transaction (the live feed) queries share one connection: one after the other.
  // From a pool (REST), at once: they are separate read models with checkpoints of their own.
  const [people, busy] = db.isTransaction
    ? [await loadPeople(db, ids), await busyTimeOf(db, ids, from, to)]
    : await Promise.all([loadPeople(db, ids), busyTimeOf(db, ids, from, to)]);
  const slotsOf = new Map(submissions.map((s) => [s.participantId, s.slots]));
  return participants.map((p) => ({
    userId: p.userId,
    required: p.required,
    slots: slotsOf.get(p.userId)?.map((slot) => ({ start: toMillis(slot.start), end: toMillis(slot.end), preference: slot.preference })) ?? null,
    response: p.response,
    hours: people.get(p.userId)?.hours ?? null,
    busy: (busy.get(p.userId) ?? []).filter((item) => item.sourceId !== meeting.id).map((item) => ({ start: item.start, end: item.end })),
  }));
}

export async function recommendationsOf(db: Knex | Knex.Transaction, loaded: LoadedMeetingRecord, options: RecommendationOptions): Promise<Recommendation[]> {
  return recommend({
    windows: loaded.meeting.proposedWindows.map((w) => ({ start: toMillis(w.start), end: toMillis(w.end) })),
    durationMinutes: loaded.meeting.durationMinutes,
    stepMinutes: options.stepMinutes,
    participants: await recommendationParticipants(db, loaded),
    limit: options.limit,
  });
}
