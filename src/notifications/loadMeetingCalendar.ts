/**
 * A meeting as calendars see it, folded straight from its stream (not through the
 * command runtime's cache, which the meeting commands own), optionally only up to a
 * store position: the meeting right after a given change.
 */
import { meetingStreamName, type MeetingEvent } from '../domain/scheduling/events.js';
import { evolveMeetingCalendar, initialMeetingCalendar, type MeetingCalendar } from '../domain/scheduling/meetingCalendar.js';
import type { EventStore } from '../eventstore/eventStore.js';

const PAGE = 1000;

/** `changedAt`: when the newest folded event was recorded (an ICS's DTSTAMP). */
export async function loadMeetingCalendar(store: EventStore, meetingId: string, upToPosition?: bigint): Promise<{ meeting: MeetingCalendar; changedAt: Date }> {
  let meeting = initialMeetingCalendar();
  let changedAt = new Date(0);
  for (let from = 0n; ; ) {
    const page = await store.readStream(meetingStreamName(meetingId), { fromRevision: from, maxCount: PAGE });
    const folded = upToPosition === undefined ? page : page.filter((event) => event.position <= upToPosition);
    for (const event of folded) {
      meeting = evolveMeetingCalendar(meeting, { type: event.type, data: event.data } as MeetingEvent);
      changedAt = event.recordedAt;
    }
    if (page.length < PAGE || folded.length < page.length) return { meeting, changedAt };
    from = page.at(-1)!.revision + 1n;
  }
}
