export * from './events.js';
export * from './group.js';
