/** `tessera serve [--roles …]`: the server itself (main.ts), with PROCESS_ROLES overridden by --roles. */
import { InvalidArgumentError } from 'commander';
import type { ProcessRole } from '../config.js';
import type { CliEnv } from './context.js';

const ROLES: readonly ProcessRole[] = ['api', 'projector', 'worker'];

export function parseRoles(value: string): ProcessRole[] {
  const roles = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = roles.filter((r) => !(ROLES as readonly string[]).includes(r));
  if (roles.length === 0 || unknown.length > 0) {
    throw new InvalidArgumentError(`roles are a comma-separated list of ${ROLES.join(', ')}${unknown.length ? ` (unknown: ${unknown.join(', ')})` : ''}.`);
  }
  return [...new Set(roles)] as ProcessRole[];
}

/** Resolves once the server runs; main.ts owns shutdown (SIGINT/SIGTERM) and its exit code from then on. */
export async function serve(env: CliEnv, opts: { roles?: ProcessRole[] }): Promise<void> {
  // Loaded only here: the other commands do not pay for the HTTP stack.
  const { main } = await import('../main.js');
  await main(opts.roles ? { ...env, PROCESS_ROLES: opts.roles.join(',') } : env);
}
