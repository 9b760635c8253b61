/**
 * `tessera users grant-admin|revoke-admin <email>`: the operator's way to give or take
 * the global admin role, whoever registered first. The change is a RoleGranted /
 * RoleRevoked event on the user's stream like one made through the API, with the
 * operator (`operator:<os user>`) as its actor, so the audit trail says who did it.
 */
import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import { changeRole, emailSchema, userEmailStream, type ChangeRoleInput } from '../commands/identity/index.js';
import { CommandRuntime } from '../commands/runtime.js';
import { userEmailDecider } from '../domain/identity/index.js';
import type { CliContext } from './context.js';
import { CliError, usageError } from './output.js';

/** Who runs the CLI, as the actor of the events it writes. */
export function operatorActor(env: Record<string, string | undefined>): string {
  let name: string | undefined;
  try {
    name = userInfo().username;
  } catch {
    // no passwd entry (some containers): fall back to the environment
  }
  return `operator:${name || env.USER || env.LOGNAME || 'unknown'}`;
}

export async function usersChangeAdmin(
  ctx: CliContext,
  action: ChangeRoleInput['action'],
  rawEmail: string,
  opts: { reason?: string; json?: boolean },
): Promise<void> {
  const parsed = emailSchema.safeParse(rawEmail);
  if (!parsed.success) throw usageError(`not a valid e-mail address: ${JSON.stringify(rawEmail)} (${parsed.error.issues[0]?.message ?? 'invalid'})`);
  const email = parsed.data;
  if (opts.reason !== undefined && opts.reason.length > 500) throw usageError('--reason must be at most 500 characters');

  const commands = new CommandRuntime(await ctx.store());
  // The uniqueness guard is the authority on which account owns an address (no read-model lag).
  const { state: claim } = await commands.load(userEmailDecider, userEmailStream(email));
  if (claim.status !== 'claimed') throw new CliError(`no account with the e-mail address ${email}`);

  const actorId = operatorActor(ctx.env);
  let result;
  try {
    result = await changeRole(
      { commands },
      claim.userId,
      { role: 'admin', action, ...(opts.reason !== undefined ? { reason: opts.reason } : {}) },
      { actorId, actorIsAdmin: true, correlationId: randomUUID(), now: new Date() },
    );
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'user-not-found') throw new CliError(`no account with the e-mail address ${email}`);
    throw error;
  }
  const changed = result.position !== undefined;
  if (opts.json) {
    await ctx.out.json({ userId: result.user.id, email, roles: result.user.roles, changed, revision: result.revision.toString(), actor: actorId });
    return;
  }
  const verb = action === 'grant' ? 'granted admin to' : 'revoked admin from';
  const unchanged = action === 'grant' ? 'already has admin' : 'does not have admin';
  await ctx.out.line(changed ? `${verb} ${email} (user ${result.user.id}) as ${actorId}` : `${email} (user ${result.user.id}) ${unchanged}; nothing changed`);
  if (changed) ctx.out.note('open sessions keep their current roles until their access token is refreshed');
}
