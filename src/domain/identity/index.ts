export * from './events.js';
export * from './profile.js';
export * from './user.js';
export * from './userEmail.js';
