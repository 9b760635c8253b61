/**
 * A stream's history page, the one shape of every audit trail (`/v1/events/:id/history`,
 * `/v1/meetings/:id/history`): each event with its revision, position, data, time, actor
 * and correlation, in revision order.
 */
import { z } from 'zod';
import type { EventStore } from '../eventstore/eventStore.js';
import { positionHeader, schemas } from './routes.js';

export const historyQuery = z.object({ fromRevision: schemas.revision.optional(), limit: z.coerce.number().int().min(1).max(100).default(50) });

export async function streamHistory(store: EventStore, stream: string, query: z.output<typeof historyQuery>) {
  const events = await store.readStream(stream, { fromRevision: query.fromRevision ?? 0n, maxCount: query.limit + 1 });
  const page = events.slice(0, query.limit);
  const items = page.map((e) => ({
    revision: e.revision.toString(),
    position: e.position.toString(),
    type: e.type,
    data: e.data as Record<string, unknown>, // domain event data is always an object
    recordedAt: e.recordedAt.toISOString(),
    actorId: e.metadata.actorId ?? null,
    correlationId: e.metadata.correlationId ?? null,
    causationId: e.metadata.causationId ?? null,
  }));
  const next = events[query.limit];
  // answered from the stream: X-Position is the newest event on this page
  return { body: { items, nextFromRevision: next ? next.revision.toString() : null }, headers: positionHeader(page.at(-1)?.position) };
}
