import { createHash } from 'node:crypto';
import { normalizeEmail, userEmailStreamName, userStreamName } from '../../domain/identity/index.js';

/** Hex sha256 of the normalised (trimmed, lowercased) address: the guard stream's id. */
export const emailKey = (email: string): string => createHash('sha256').update(normalizeEmail(email), 'utf8').digest('hex');

export const userStream = (userId: string): string => userStreamName(userId);
export const userEmailStream = (email: string): string => userEmailStreamName(emailKey(email));
