/** The identity context: users, their e-mail claims, sessions and API keys (DESIGN §2). */
import { ResourceAccess } from '../api/access.js';
import { identityStreamModels } from '../cli/streamModels.js';
import { usersProjection } from '../projections/users.js';
import type { BoundedContext } from '../contexts.js';

export const identityContext: BoundedContext<undefined> = {
  name: 'identity',
  streams: identityStreamModels,
  projections: () => [usersProjection()],
  // Its services (passwords, tokens, credentials) are the API's authentication: ApiParts.identity.
  services: () => undefined,
  // Only `user:me` (the live protocol refuses other users' feeds as channels).
  channels: ({ roleLoaders }) => [{ kind: 'user', authorize: new ResourceAccess(roleLoaders).channelAccess }],
  routes: (parts) => parts.identity.routes,
};
