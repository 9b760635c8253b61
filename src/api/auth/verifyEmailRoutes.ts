/**
 * E-mail verification (issue 13 item 7): the signed-in user asks for a link; it is mailed
 * (signed, valid for a day, bound to the address); whoever holds the token confirms it
 * without logging in. With SMTP configured, ADMIN_EMAILS grants admin only here (on the
 * verified address), not at registration.
 */
import { v5 as uuidv5 } from 'uuid';
import { confirmEmailInput, loadUser, verifyEmail, type IdentityCommandMetadata } from '../../commands/identity/index.js';
import type { CommandRuntime } from '../../commands/runtime.js';
import { normalizeEmail } from '../../domain/identity/index.js';
import { enqueueMail } from '../../jobs/emailJobs.js';
import type { JobQueue } from '../../jobs/jobs.js';
import type { LinkTokens } from '../../jobs/mail/linkTokens.js';
import { HttpError } from '../problem.js';
import { access, route, type RouteDefinition } from '../routes.js';
import { userSchema, verificationSentSchema } from './dtos.js';
import { userJson } from './identityRoutes.js';

export const VERIFY_LINK_HOURS = 24;
const VERIFY_MAIL_NAMESPACE = '5d0c6c1e-8a47-4f4e-9b7a-3f1e2d4c6b8a';

export interface VerifyEmailDeps {
  commands: CommandRuntime;
  jobs: JobQueue;
  links: LinkTokens;
  publicUrl: string;
  smtpConfigured: boolean;
  /** ADMIN_EMAILS, lowercased. */
  adminEmails: readonly string[];
}

export function verifyEmailRoutes(deps: VerifyEmailDeps): RouteDefinition[] {
  return [
    route({
      method: 'post',
      path: '/v1/auth/verify-email',
      summary: 'Mail a link that verifies the caller’s address (valid for 24 h)',
      tags: ['account'],
      successStatus: 202,
      response: verificationSentSchema,
      problems: ['email-not-configured', 'email-already-verified', 'user-not-found'],
      access: access.user,
      idempotentReplay: false,
      handler: async (ctx) => {
        if (!deps.smtpConfigured) throw new HttpError(409, 'email-not-configured', 'This server sends no e-mail, so addresses cannot be verified');
        const loaded = await loadUser(deps.commands, ctx.principal!.userId);
        if (!loaded) throw new HttpError(404, 'user-not-found', 'No such user');
        const { user } = loaded;
        if (user.emailVerifiedAt) throw new HttpError(409, 'email-already-verified', `${user.email} is verified already`);
        const expiresAt = new Date(ctx.now.getTime() + VERIFY_LINK_HOURS * 3600_000);
        const token = deps.links.sign('verify-email', { userId: user.id, email: user.email, expiresAt: expiresAt.getTime() });
        await enqueueMail(deps.jobs, {
          // one mail per request (a new link each time)
          id: uuidv5(`${user.id}:${expiresAt.getTime()}`, VERIFY_MAIL_NAMESPACE),
          userId: user.id,
          kind: 'verify-email',
          source: 'identity',
          subjectId: user.id,
          data: { expiresAt: expiresAt.toISOString(), link: `${deps.publicUrl}/verify-email?token=${token}` },
        });
        return { status: 202, body: { sentTo: user.email, expiresAt: expiresAt.toISOString() } };
      },
    }),
    route({
      method: 'post',
      path: '/v1/auth/verify-email/confirm',
      summary: 'Confirm an address with the token of its mailed link (no login needed)',
      tags: ['account'],
      response: userSchema,
      problems: ['invalid-link-token', 'email-changed', 'user-not-found', 'contention'],
      access: access.public,
      body: confirmEmailInput,
      handler: async (ctx) => {
        const payload = deps.links.verify('verify-email', ctx.body.token, ctx.now);
        if (!payload?.email) throw new HttpError(400, 'invalid-link-token', 'This verification link is not valid or has expired');
        const email = normalizeEmail(payload.email);
        const meta: IdentityCommandMetadata = {
          // the token speaks for its user
          actorId: payload.userId,
          correlationId: ctx.correlationId,
          now: ctx.now,
          ...(ctx.idempotencyKey ? { idempotencyKey: ctx.idempotencyKey, idempotencyKeyIsNew: ctx.idempotencyKeyIsNew } : {}),
        };
        const grantAdmin = deps.smtpConfigured && deps.adminEmails.some((admin) => normalizeEmail(admin) === email);
        const result = await verifyEmail({ commands: deps.commands }, payload.userId, { email, grantAdmin }, meta);
        return { body: userJson(result.user, result.revision), revision: result.revision, ...(result.position !== undefined ? { position: result.position } : {}) };
      },
    }),
  ];
}
