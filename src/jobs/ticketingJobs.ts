/**
 * Ticketing background work (DESIGN §7):
 * - a reactor (a checkpointed subscription consumer, run by the projection runtime)
 *   that turns events into jobs with deterministic ids;
 * - the job handlers, which run idempotent commands;
 * - the sweeper, which re-enqueues overdue work found in the read model, so a lost
 *   job delays work but never loses it.
 */
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { systemMeta } from '../commands/meta.js';
import type { TicketingCommands } from '../commands/ticketing/ticketingCommands.js';
import type { TicketedEventEvent } from '../domain/ticketing/index.js';
import type { Projection } from '../projections/projection.js';
import { overdueWork } from '../projections/ticketing/queries.js';
import { jobId, type ContextJobs, type JobHandlers, type JobQueue } from './jobs.js';

declare module './jobs.js' {
  interface JobTypes {
    'promote-waitlist': { eventId: string };
    'expire-hold': { eventId: string; reservationId: string };
    'expire-offer': { eventId: string; offerId: string };
    /** Re-enqueues overdue holds, offers and promotions found in the read model. */
    sweep: Record<string, never>;
  }
}

const PROMOTION_TRIGGERS = new Set<TicketedEventEvent['type']>([
  'ReservationCancelled',
  'HoldExpired',
  'WaitlistOfferExpired',
  'WaitlistLeft',
  'WaitlistJoined',
  'CapacityChanged',
  'TicketedEventPublished',
  'TicketedEventDetailsChanged',
]);

export const TICKETING_REACTOR = 'ticketingReactor';

/** Enqueues before the reactor's checkpoint commits: at-least-once, de-duplicated by job id. */
export function ticketingReactor(jobs: JobQueue): Projection {
  return {
    name: TICKETING_REACTOR,
    version: 1,
    eventTypes: [...PROMOTION_TRIGGERS, 'SeatsReserved', 'WaitlistOfferMade'],
    setup: async () => undefined,
    transactional: false,
    async apply(recorded) {
      const event = { type: recorded.type, data: recorded.data } as TicketedEventEvent;
      const eventId = recorded.streamName.slice(recorded.streamName.indexOf('-') + 1);
      if (event.type === 'SeatsReserved' && event.data.status === 'held' && event.data.holdExpiresAt) {
        await jobs.enqueue('expire-hold', { eventId, reservationId: event.data.reservationId }, {
          jobId: jobId('expire-hold', event.data.reservationId),
          runAt: new Date(event.data.holdExpiresAt),
        });
      } else if (event.type === 'WaitlistOfferMade') {
        await jobs.enqueue('expire-offer', { eventId, offerId: event.data.offerId }, {
          jobId: jobId('expire-offer', event.data.offerId),
          runAt: new Date(event.data.expiresAt),
        });
      } else if (PROMOTION_TRIGGERS.has(event.type)) {
        if (event.type === 'CapacityChanged' && event.data.to <= event.data.from) return;
        await jobs.enqueue('promote-waitlist', { eventId }, { jobId: jobId('promote', eventId, recorded.position.toString()) });
      }
    },
  };
}

export interface TicketingJobDeps {
  ticketing: TicketingCommands;
  jobs: JobQueue;
  knex: Knex;
  logger?: Logger;
  now?: () => Date;
}

/** Ticketing's jobs for the worker; `sweep` runs on every sweeper tick. */
export function ticketingJobs(deps: TicketingJobDeps): ContextJobs {
  return { handlers: ticketingJobHandlers(deps), periodic: ['sweep'] };
}

function ticketingJobHandlers(deps: TicketingJobDeps): JobHandlers {
  const now = deps.now ?? (() => new Date());
  return {
    'promote-waitlist': async ({ eventId }) => {
      await deps.ticketing.promoteWaitlist(eventId, systemMeta(now(), `job:promote:${eventId}`));
    },
    'expire-hold': async ({ eventId, reservationId }) => {
      const at = now();
      const result = await deps.ticketing.expireHold(eventId, reservationId, systemMeta(at, `job:expire-hold:${reservationId}`));
      const reservation = result.state.reservations.get(reservationId);
      // Ran early (timers are not exact): come back at the expiry.
      if (reservation?.status === 'held' && reservation.holdExpiresAt && new Date(reservation.holdExpiresAt) > at) {
        await deps.jobs.enqueue('expire-hold', { eventId, reservationId }, {
          jobId: jobId('expire-hold', reservationId, 'again', String(at.getTime())),
          runAt: new Date(reservation.holdExpiresAt),
        });
      }
    },
    'expire-offer': async ({ eventId, offerId }) => {
      const at = now();
      const result = await deps.ticketing.expireOffer(eventId, offerId, systemMeta(at, `job:expire-offer:${offerId}`));
      const offer = result.state.offers.get(offerId);
      if (offer?.status === 'open' && new Date(offer.expiresAt) > at) {
        await deps.jobs.enqueue('expire-offer', { eventId, offerId }, {
          jobId: jobId('expire-offer', offerId, 'again', String(at.getTime())),
          runAt: new Date(offer.expiresAt),
        });
      }
    },
    sweep: async () => {
      const at = now();
      const bucket = String(Math.floor(at.getTime() / 60_000));
      const work = await overdueWork(deps.knex, at).catch((error: { code?: string }) => {
        // The read model does not exist until a projector has started once (split roles).
        if (error?.code === '42P01') return { holds: [], offers: [], promotable: [] };
        throw error;
      });
      for (const hold of work.holds) {
        await deps.jobs.enqueue('expire-hold', { eventId: hold.event_id, reservationId: hold.id }, { jobId: jobId('expire-hold', hold.id, 'sweep', bucket) });
      }
      for (const offer of work.offers) {
        await deps.jobs.enqueue('expire-offer', { eventId: offer.event_id, offerId: offer.offer_id }, { jobId: jobId('expire-offer', offer.offer_id, 'sweep', bucket) });
      }
      for (const event of work.promotable) {
        await deps.jobs.enqueue('promote-waitlist', { eventId: event.id }, { jobId: jobId('promote', event.id, 'sweep', bucket) });
      }
      const found = work.holds.length + work.offers.length + work.promotable.length;
      if (found) deps.logger?.info({ holds: work.holds.length, offers: work.offers.length, promotable: work.promotable.length }, 'sweeper re-enqueued overdue work');
    },
  };
}
