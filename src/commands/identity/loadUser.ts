/** The authoritative state of one account (folded through the runtime's cache). */
import { userDecider, type ActiveUser } from '../../domain/identity/index.js';
import type { CommandRuntime } from '../runtime.js';
import { userStream } from './streams.js';

export async function loadUser(commands: CommandRuntime, userId: string): Promise<{ user: ActiveUser; revision: bigint } | undefined> {
  const { state, revision } = await commands.load(userDecider, userStream(userId));
  return state.status === 'active' && revision !== undefined ? { user: state, revision } : undefined;
}
