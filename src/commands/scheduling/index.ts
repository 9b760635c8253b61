export * from './addGroupMember.js';
export * from './changeGroupDetails.js';
export * from './changeGroupMemberRole.js';
export * from './createGroup.js';
export * from './groupCommands.js';
export * from './groupStream.js';
export * from './removeGroupMember.js';
export * from './transferGroupOwnership.js';
