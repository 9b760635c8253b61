import { describe, expect, it } from 'vitest';
import { DomainError } from '../shared/errors.js';
import type { UserEmailEvent } from './events.js';
import { userEmailDecider, type UserEmailCommand } from './userEmail.js';

const NOW = '2030-05-01T12:00:00.000Z';
const meta = { now: NOW, actorId: 'system' };
const fold = (events: UserEmailEvent[]) => events.reduce(userEmailDecider.evolve, userEmailDecider.initialState());
const decide = (events: UserEmailEvent[], command: UserEmailCommand) => userEmailDecider.decide(command, fold(events));
const codeOf = (run: () => unknown): string | undefined => {
  try {
    run();
    return undefined;
  } catch (error) {
    return error instanceof DomainError ? error.code : 'not-a-domain-error';
  }
};

const claim = (userId: string): UserEmailCommand => ({ type: 'ClaimEmail', data: { userId, email: 'Bob@Example.com' }, meta });
const claimed = (userId: string): UserEmailEvent => ({ type: 'UserEmailClaimed', data: { userId, email: 'bob@example.com', claimedAt: NOW } });

describe('userEmail guard decider', () => {
  it('a free address is claimed with the normalised email', () => {
    expect(decide([], claim('u1'))).toStrictEqual([claimed('u1')]);
  });

  it('a claimed address refuses other users but lets the claimant retry', () => {
    expect(codeOf(() => decide([claimed('u1')], claim('u2')))).toBe('email-taken');
    expect(decide([claimed('u1')], claim('u1'))).toStrictEqual([]);
  });

  it('only the claimant releases; a released address can be claimed again', () => {
    const release = (userId: string): UserEmailCommand => ({ type: 'ReleaseEmail', data: { userId, reason: 'abandoned' }, meta });
    expect(codeOf(() => decide([claimed('u1')], release('u2')))).toBe('email-claimed-by-another');
    const released: UserEmailEvent = { type: 'UserEmailReleased', data: { userId: 'u1', reason: 'abandoned', releasedAt: NOW } };
    expect(decide([claimed('u1')], release('u1'))).toStrictEqual([released]);
    expect(decide([claimed('u1'), released], release('u1'))).toStrictEqual([]);
    expect(decide([claimed('u1'), released], claim('u2'))).toStrictEqual([claimed('u2')]);
  });
});
