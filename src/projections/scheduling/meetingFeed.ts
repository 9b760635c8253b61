/**
 * The live `meeting:<id>` channel (docs/scheduling.md §4, §6.2): after every batch of the
 * meetings read model, each meeting the batch changed is published once, as
 * `{type: 'meeting', meeting, top}` — the meeting as GET /v1/meetings/:id shows it and its
 * first 3 recommendations as GET …/recommendations?limit=3 ranks them — in the batch's
 * transaction, so an update appears exactly when the read model it reflects commits.
 * `eventPosition` is the meeting's newest event. With `resultsVisibility: organizer`,
 * `top` is [] (the channel's updates are the same for every subscriber).
 */
import type { Knex } from 'knex';
import { meetingDto, namesOf } from '../../api/scheduling/meetingDtoBuilders.js';
import { recommendationDto } from '../../api/scheduling/recommendationDtos.js';
import { projectionSchema, type Projection, type ProjectionContext } from '../projection.js';
import { loadMeeting } from './meetings.js';
import { recommendationsOf } from './recommendationInputs.js';

export const LIVE_TOP = 3;
export const LIVE_STEP_MINUTES = 15;

const TOUCHED = 'meetingFeed:touched';
const touchedIn = (ctx: ProjectionContext): Set<string> => {
  let touched = ctx.batch.get(TOUCHED) as Set<string> | undefined;
  if (!touched) ctx.batch.set(TOUCHED, (touched = new Set()));
  return touched;
};

/** The meeting's live update from the read model as it stands in `db`, or undefined when it does not know the meeting. */
export async function meetingUpdate(db: Knex | Knex.Transaction, meetingId: string) {
  const loaded = await loadMeeting(db, meetingId);
  if (!loaded) return undefined;
  const { meeting, participants } = loaded;
  const names = await namesOf(db as Knex, participants.map((p) => p.userId));
  const top = meeting.resultsVisibility === 'organizer' ? [] : await recommendationsOf(db, loaded, { limit: LIVE_TOP, stepMinutes: LIVE_STEP_MINUTES });
  return {
    payload: { type: 'meeting' as const, meeting: meetingDto(meeting, participants, meeting.revision, names), top: top.map(recommendationDto) },
    eventPosition: meeting.position,
  };
}

/** The meetings projection, publishing each meeting its batch changed (never during a rebuild or a verify replay). */
export function withMeetingFeed(meetings: Projection): Projection {
  const liveSchema = projectionSchema(meetings.name);
  return {
    ...meetings,
    apply: async (event, ctx) => {
      await meetings.apply(event, ctx);
      touchedIn(ctx).add((event.data as { meetingId: string }).meetingId);
    },
    afterBatch: async (ctx) => {
      await meetings.afterBatch?.(ctx);
      if (ctx.schema !== liveSchema) return;
      for (const meetingId of touchedIn(ctx)) {
        const update = await meetingUpdate(ctx.trx, meetingId);
        if (update) ctx.publish(`meeting:${meetingId}`, update.payload, { eventPosition: update.eventPosition });
      }
    },
  };
}
