/**
 * The notifications read model (schema rm_notifications, DESIGN §6): one row per
 * (source event, recipient), fed by every context that tells users something: ticketing
 * (ticketingSource.ts), scheduling (schedulingSource.ts), identity (identitySource.ts) and
 * reminders (remindersSource.ts). Each row is also mailed (src/jobs/emailJobs.ts reads new
 * rows). Publishes each new notification on `user:<id>`.
 *
 * A source keeps its own copy of what it needs to find recipients (who holds which
 * reservation, who waits) in tables of this schema: it never reads another read model,
 * so it can run, rebuild and be verified on its own.
 */
import type { Knex } from 'knex';
import { v5 as uuidv5 } from 'uuid';
import { notificationDto } from '../../api/notifications/dtos.js';
import type { RecordedEvent } from '../../eventstore/eventStore.js';
import type { Projection, ProjectionContext } from '../projection.js';
import type { NotificationSource } from './rows.js';
import { remindersSource } from './remindersSource.js';
import { schedulingSource, setupSchedulingSource } from './schedulingSource.js';
import { setupTicketingSource, ticketingSource } from './ticketingSource.js';
import { identitySource } from './identitySource.js';

export const NOTIFICATIONS_PROJECTION = 'notifications';

/**
 * Ids derive from (event position, recipient, kind) under this namespace — exactly as the
 * ticketing read model derived them before notifications had their own context — so a
 * rebuild reproduces them and read marks (migration 008) stay attached.
 */
export const NOTIFICATION_ID_NAMESPACE = '3c1e9a7d-2f4b-4e8a-b6d0-9a5f7c3e1b24';

/** What a source handler may do: tell a user something about the event being applied. */
export interface Notifier {
  ctx: ProjectionContext;
  event: RecordedEvent;
  /** `source` defaults to the handler's; a handler telling about another context's subject (reminders) names that context. */
  notify(userId: string, kind: string, subjectId: string, data: unknown, source?: NotificationSource): Promise<void>;
}

/** One context feeding notifications: the event types it reads and how it applies them. */
export interface NotificationSourceHandler {
  source: NotificationSource;
  eventTypes: readonly string[];
  apply(on: Notifier): Promise<void>;
  /** Writes what the source gathered during the batch (same transaction). */
  afterBatch?(ctx: ProjectionContext): Promise<void>;
}

export const notificationsProjection = (sources: NotificationSourceHandler[] = [ticketingSource, schedulingSource, identitySource, remindersSource]): Projection => {
  // Several sources may read one event type (UserRegistered: identity's welcome, scheduling's names): each gets it, in list order.
  const byType = new Map<string, NotificationSourceHandler[]>();
  for (const source of sources) for (const type of source.eventTypes) byType.set(type, [...(byType.get(type) ?? []), source]);
  return {
    name: NOTIFICATIONS_PROJECTION,
    // 2: identity notifications (welcome, password-changed) and the ticketing kinds of issue 13;
    // the scheduling source (its tables, meeting and user events). 3: both of those together, and reminders.
    version: 3,
    eventTypes: [...byType.keys()],
    setup,
    apply: async (event, ctx) => {
      for (const source of byType.get(event.type) ?? []) await source.apply(notifier(source.source, event, ctx));
    },
    afterBatch: async (ctx) => {
      for (const source of sources) await source.afterBatch?.(ctx);
      await flushNotifications(ctx);
    },
  };
};

async function setup(db: Knex | Knex.Transaction, s: string): Promise<void> {
  await db.raw(`
    CREATE TABLE ${s}.notifications (
      id uuid PRIMARY KEY,
      user_id text NOT NULL,
      source text NOT NULL,
      subject_id text NOT NULL,
      kind text NOT NULL,
      data jsonb NOT NULL,
      created_at timestamptz NOT NULL,
      position bigint NOT NULL
    );
    CREATE INDEX notifications_user_idx ON ${s}.notifications (user_id, created_at DESC, id);
  `);
  await setupTicketingSource(db, s);
  await setupSchedulingSource(db, s);
}

function notifier(handlerSource: NotificationSource, event: RecordedEvent, ctx: ProjectionContext): Notifier {
  return {
    ctx,
    event,
    notify: async (userId, kind, subjectId, data, source = handlerSource) => {
      const row = { id: uuidv5(`${event.position}:${userId}:${kind}`, NOTIFICATION_ID_NAMESPACE), user_id: userId, source, subject_id: subjectId, kind, data, created_at: event.recordedAt };
      pendingNotifications(ctx).push({ ...row, data: JSON.stringify(data), position: event.position.toString() });
      ctx.publish(`user:${userId}`, { type: 'notification', notification: notificationDto(row, false) });
    },
  };
}

/**
 * Notification rows of the batch, written in one statement at its end (a busy batch is
 * mostly reservations, each telling its holder): nothing in the batch reads them back.
 */
function pendingNotifications(ctx: ProjectionContext): Array<Record<string, unknown>> {
  let rows = ctx.batch.get('notifications') as Array<Record<string, unknown>> | undefined;
  if (!rows) ctx.batch.set('notifications', (rows = []));
  return rows;
}

async function flushNotifications(ctx: ProjectionContext): Promise<void> {
  const rows = pendingNotifications(ctx).splice(0);
  for (let i = 0; i < rows.length; i += 1000) {
    await ctx.trx(`${ctx.schema}.notifications`).insert(rows.slice(i, i + 1000)).onConflict('id').ignore();
  }
}
