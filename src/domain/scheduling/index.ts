export * from './events.js';
export * from './availability.js';
export * from './group.js';
