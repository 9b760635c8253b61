/** The live hub: WebSocket `/v1/live` (DESIGN §9). */
export type { ChannelAuthorizer } from '../access.js';
export { DEFAULT_LIVE_OPTIONS, LiveHub, type LiveCredential, type LiveHubDependencies, type LiveHubOptions } from './hub.js';
export { ACCESS_CHANNEL, announceRevocation, type AccessRevocation } from './revocations.js';
export { LIVE_APPLICATION_NAME } from './listener.js';
export { CLOSE, type ErrorCode } from './protocol.js';
