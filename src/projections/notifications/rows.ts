/** Row shapes of the notifications read model (schema rm_notifications), as pg returns them. */

/** Which context a notification comes from; its subject is that context's aggregate (ticketing: the event; scheduling: the meeting; identity: the user). */
export type NotificationSource = 'ticketing' | 'scheduling' | 'identity';

export interface NotificationRow {
  id: string;
  user_id: string;
  source: NotificationSource;
  subject_id: string;
  kind: string;
  /** What the kind's text (and, later, its e-mail template) needs. */
  data: unknown;
  created_at: Date;
  /** bigint as text: the store position of the event that caused it. */
  position: string;
}
