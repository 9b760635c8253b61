/**
 * Where a user's own history ends, for reads of the users read model that must see the
 * user's latest write (login, /v1/me right after registering). Waiting for the store's
 * head instead would make every login wait for whatever other streams just wrote.
 */
import type { UserEmailEvent } from '../../domain/identity/index.js';
import type { EventStore } from '../../eventstore/eventStore.js';
import { userEmailStream, userStream } from './streams.js';

const newestEvent = async (store: EventStore, stream: string) => (await store.readStream(stream, { direction: 'backwards', maxCount: 1 }))[0];

/** Position of the newest event of the user's stream; undefined when the stream is empty. */
export async function ownPosition(store: EventStore, userId: string): Promise<bigint | undefined> {
  return (await newestEvent(store, userStream(userId)))?.position;
}

/** The user holding the address's current claim (its guard stream's newest event), if any. */
export async function claimantOf(store: EventStore, email: string): Promise<string | undefined> {
  const newest = (await newestEvent(store, userEmailStream(email))) as UserEmailEvent | undefined;
  return newest?.type === 'UserEmailClaimed' ? newest.data.userId : undefined;
}
