/**
 * Notification settings (issue 13 item 6): in-app notifications are always kept; e-mail
 * can be switched off per kind or altogether. User state, not history (migration 010).
 */
import type { Knex } from 'knex';

export const NOTIFICATION_SETTINGS = 'notification_settings';

export interface NotificationSettings {
  emailEnabled: boolean;
  /** Kinds mailed no more (in-app only). */
  emailOffKinds: string[];
}

export const DEFAULT_SETTINGS: NotificationSettings = { emailEnabled: true, emailOffKinds: [] };

export async function settingsOf(db: Knex, userId: string): Promise<NotificationSettings> {
  const row = await db(NOTIFICATION_SETTINGS).where({ user_id: userId }).first<{ email_enabled: boolean; email_off_kinds: string[] } | undefined>();
  return row ? { emailEnabled: row.email_enabled, emailOffKinds: [...row.email_off_kinds].sort() } : { ...DEFAULT_SETTINGS, emailOffKinds: [] };
}

export interface SettingsChange {
  emailEnabled?: boolean;
  /** Per kind: true mails it, false keeps it in-app only. */
  email?: Record<string, boolean>;
}

/** Applies the change in one statement (concurrent changes of different kinds both hold). */
export async function changeSettings(db: Knex, userId: string, change: SettingsChange, now: Date): Promise<NotificationSettings> {
  const on = Object.entries(change.email ?? {}).filter(([, v]) => v).map(([k]) => k);
  const off = Object.entries(change.email ?? {}).filter(([, v]) => !v).map(([k]) => k);
  // Kind lists travel as JSON: knex would spread a JS array into a list of bindings.
  await db.raw(
    `WITH c AS (SELECT ARRAY(SELECT jsonb_array_elements_text(?::jsonb)) AS off, ARRAY(SELECT jsonb_array_elements_text(?::jsonb)) AS turned_on)
     INSERT INTO ${NOTIFICATION_SETTINGS} AS s (user_id, email_enabled, email_off_kinds, updated_at)
       SELECT ?, ?, ARRAY(SELECT DISTINCT k FROM unnest(c.off) AS k ORDER BY k), ? FROM c
     ON CONFLICT (user_id) DO UPDATE SET
       email_enabled = COALESCE(?::boolean, s.email_enabled),
       email_off_kinds = ARRAY(
         SELECT DISTINCT k FROM unnest(s.email_off_kinds || ARRAY(SELECT unnest(off) FROM c)) AS k
         WHERE k <> ALL (ARRAY(SELECT unnest(turned_on) FROM c)) ORDER BY k),
       updated_at = EXCLUDED.updated_at`,
    [JSON.stringify(off), JSON.stringify(on), userId, change.emailEnabled ?? true, now, change.emailEnabled ?? null],
  );
  return settingsOf(db, userId);
}

export const mailsKind = (settings: NotificationSettings, kind: string): boolean => settings.emailEnabled && !settings.emailOffKinds.includes(kind);
