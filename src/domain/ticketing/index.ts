export * from './events.js';
export * from './commands.js';
export * from './state.js';
export * from './decider.js';
export * from './pricing.js';
export * from './waitlist.js';
export { PersistentMap } from './persistentMap.js';
