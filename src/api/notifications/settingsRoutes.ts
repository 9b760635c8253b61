/**
 * Notification settings and one-click unsubscribe (issue 13 item 6). In-app notifications
 * are always kept; e-mail is on by default, per kind and altogether. The unsubscribe link
 * in every optional mail carries a signed token (src/jobs/mail/linkTokens.ts): RFC 8058
 * mail clients POST to it (body `List-Unsubscribe=One-Click`, which needs no parsing);
 * a GET only says what the POST would do, so link scanners switch nothing off.
 */
import type { Knex } from 'knex';
import { z } from 'zod';
import type { LinkTokens } from '../../jobs/mail/linkTokens.js';
import { changeSettings, settingsOf, type NotificationSettings } from '../../jobs/mail/settings.js';
import { MAIL_KINDS, type MailKind } from '../../jobs/mail/templates.js';
import { HttpError } from '../problem.js';
import { access, route, type RouteDefinition } from '../routes.js';
import { notificationSettingsSchema, unsubscribeSchema } from './dtos.js';

/** The kinds a user can switch off (verify-email is only ever sent on request). */
export const OPTIONAL_MAIL_KINDS = MAIL_KINDS.filter((kind) => kind !== 'verify-email') as Exclude<MailKind, 'verify-email'>[];

const kindSchema = z.enum(OPTIONAL_MAIL_KINDS as [Exclude<MailKind, 'verify-email'>, ...Exclude<MailKind, 'verify-email'>[]]);

const settingsChange = z
  .object({
    emailEnabled: z.boolean().optional(),
    emailKinds: z.partialRecord(kindSchema, z.boolean().meta({ description: 'true mails this kind; false keeps it in-app only.', example: false })).optional(),
  })
  .strict();

const tokenQuery = z.object({ token: z.string().min(1).max(2000) });

export function settingsDto(settings: NotificationSettings): z.input<typeof notificationSettingsSchema> {
  return { emailEnabled: settings.emailEnabled, emailKinds: Object.fromEntries(OPTIONAL_MAIL_KINDS.map((kind) => [kind, !settings.emailOffKinds.includes(kind)])) };
}

export function notificationSettingsRoutes(deps: { knex: Knex; links: LinkTokens }): RouteDefinition[] {
  const { knex, links } = deps;
  const unsubscribeToken = (token: string, now: Date) => {
    const payload = links.verify('unsubscribe', token, now);
    const kind = kindSchema.safeParse(payload?.kind);
    if (!payload || !kind.success) throw new HttpError(400, 'invalid-link-token', 'This unsubscribe link is not valid');
    return { userId: payload.userId, kind: kind.data };
  };
  return [
    route({
      method: 'get',
      path: '/v1/me/notification-settings',
      summary: 'What the caller is told by e-mail (per kind, and altogether)',
      tags: ['notifications'],
      response: notificationSettingsSchema,
      access: access.user,
      readsProjections: [],
      handler: async (ctx) => ({ body: settingsDto(await settingsOf(knex, ctx.principal!.userId)) }),
    }),
    route({
      method: 'patch',
      path: '/v1/me/notification-settings',
      summary: 'Switch e-mail on or off, per kind or altogether (in-app notifications stay)',
      tags: ['notifications'],
      response: notificationSettingsSchema,
      access: access.user,
      body: settingsChange,
      handler: async (ctx) => ({ body: settingsDto(await changeSettings(knex, ctx.principal!.userId, { emailEnabled: ctx.body.emailEnabled, email: ctx.body.emailKinds }, ctx.now)) }),
    }),
    route({
      method: 'get',
      path: '/v1/unsubscribe',
      summary: 'What a one-click unsubscribe link would switch off (changes nothing)',
      tags: ['notifications'],
      response: unsubscribeSchema,
      problems: ['invalid-link-token'],
      access: access.public,
      readsProjections: [],
      query: tokenQuery,
      handler: async (ctx) => {
        const { userId, kind } = unsubscribeToken(ctx.query.token, ctx.now);
        const settings = await settingsOf(knex, userId);
        return { body: { kind, unsubscribed: !settings.emailEnabled || settings.emailOffKinds.includes(kind) } };
      },
    }),
    route({
      method: 'post',
      path: '/v1/unsubscribe',
      summary: 'One-click unsubscribe (RFC 8058): stop mailing this kind, without logging in',
      tags: ['notifications'],
      response: unsubscribeSchema,
      problems: ['invalid-link-token'],
      access: access.public,
      query: tokenQuery,
      // the same link POSTed twice does the same thing; nothing to replay
      idempotentReplay: false,
      handler: async (ctx) => {
        const { userId, kind } = unsubscribeToken(ctx.query.token, ctx.now);
        await changeSettings(knex, userId, { email: { [kind]: false } }, ctx.now);
        return { body: { kind, unsubscribed: true } };
      },
    }),
  ];
}
