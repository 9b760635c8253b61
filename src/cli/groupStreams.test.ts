import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { groupDecider, type GroupCommand, type GroupEvent, type GroupState } from '../domain/scheduling/index.js';
import { DomainError } from '../domain/shared/errors.js';
import { GroupChecker } from './groupStreams.js';

const groupId = 'g';
const created: GroupEvent = { type: 'GroupCreated', data: { groupId, name: 'Team', description: '', color: null, ownerId: 'ann', createdAt: '2030-01-01T00:00:00.000Z' } };
const added = (userId: string, role: 'admin' | 'member' = 'member'): GroupEvent => ({
  type: 'GroupMemberAdded',
  data: { groupId, userId, role, by: 'ann', joinedAt: '2030-01-02T00:00:00.000Z' },
});

/** The problems at each revision, as `tessera verify` reports them. */
function check(events: Array<{ type: string; data: unknown }>): string[][] {
  const checker = new GroupChecker();
  return [...events.map((event, index) => checker.check({ revision: BigInt(index), ...event })), checker.finish()];
}

describe('the group stream checker', () => {
  it('a history the decider wrote holds every rule', () => {
    const history: GroupEvent[] = [
      created,
      added('bob'),
      added('cy', 'admin'),
      { type: 'GroupMemberRoleChanged', data: { groupId, userId: 'bob', role: 'admin', by: 'ann' } },
      { type: 'GroupOwnershipTransferred', data: { groupId, from: 'ann', to: 'bob' } },
      { type: 'GroupMemberRemoved', data: { groupId, userId: 'ann', by: 'ann' } },
      { type: 'GroupDetailsChanged', data: { groupId, name: 'Renamed' } },
    ];
    expect(check(history).flat()).toEqual([]);
  });

  it('a role change for someone who is not a member, or to owner, is named at its revision', () => {
    const problems = check([created, { type: 'GroupMemberRoleChanged', data: { groupId, userId: 'zed', role: 'admin', by: 'ann' } }, added('bob'), { type: 'GroupMemberRoleChanged', data: { groupId, userId: 'bob', role: 'owner', by: 'ann' } }]);
    expect(problems[1]).toEqual(['the role of zed changes, who is not a member (a role change only for members)']);
    expect(problems[3]).toEqual([
      'GroupMemberRoleChanged gives bob the role owner (only admin or member; ownership moves by transfer)',
      'the group has 2 owners (ann, bob); exactly one is allowed',
    ]);
  });

  it('a transfer to a non-member leaves an owner who is not a member; removing the owner leaves none', () => {
    const transfer = check([created, { type: 'GroupOwnershipTransferred', data: { groupId, from: 'ann', to: 'zed' } }]);
    expect(transfer[1]).toEqual([
      'ownership is transferred to zed, who is not a member',
      'the group has 0 owners (none); exactly one is allowed',
      'the owner zed is not a member with the role owner',
    ]);
    const removed = check([created, { type: 'GroupMemberRemoved', data: { groupId, userId: 'ann', by: 'ann' } }]);
    expect(removed[1]).toEqual([
      'the owner ann is removed (the owner must transfer first)',
      'the group has 0 owners (none); exactly one is allowed',
      'the owner ann is not a member with the role owner',
    ]);
  });

  it('events before GroupCreated, a second GroupCreated, double adds, gaps in revisions and unknown types are named', () => {
    expect(check([added('bob')])[0]).toEqual(['GroupMemberAdded before GroupCreated']);
    expect(check([created, created])[1]).toEqual(['GroupCreated for a group that already exists']);
    expect(check([created, added('bob'), added('bob')])[2]).toEqual(['bob is added but is already a member (member)']);
    const checker = new GroupChecker();
    checker.check({ revision: 0n, ...created });
    expect(checker.check({ revision: 2n, type: 'GroupRenamed', data: {} })).toEqual([
      'revision 2 where revision 1 was expected (revisions are contiguous from 0)',
      'GroupRenamed is not a group event',
    ]);
  });
});

describe('the group decider against the checker (property)', () => {
  const people = ['ann', 'bob', 'cy', 'dee', 'eve'];
  const person = fc.constantFrom(...people);
  const role = fc.constantFrom('admin' as const, 'member' as const);
  const request = fc.oneof(
    fc.record({ type: fc.constant('ChangeGroupDetails' as const), data: fc.record({ name: fc.constantFrom('A', 'B') }) }),
    fc.record({ type: fc.constant('AddGroupMember' as const), data: fc.record({ userId: person, role }) }),
    fc.record({ type: fc.constant('ChangeGroupMemberRole' as const), data: fc.record({ userId: person, role }) }),
    fc.record({ type: fc.constant('RemoveGroupMember' as const), data: fc.record({ userId: person }) }),
    fc.record({ type: fc.constant('TransferGroupOwnership' as const), data: fc.record({ userId: person }) }),
  );
  const step = fc.record({ request, actor: person, platformAdmin: fc.boolean() });

  it('whatever the decider accepts, from any actor, holds every rule verify checks at every revision', () => {
    let accepted = 0;
    fc.assert(
      fc.property(fc.array(step, { minLength: 10, maxLength: 40 }), (steps) => {
        let state: GroupState = groupDecider.initialState();
        const events: GroupEvent[] = [];
        const decide = (command: GroupCommand) => {
          try {
            for (const event of groupDecider.decide(command, state)) {
              state = groupDecider.evolve(state, event);
              events.push(event);
            }
          } catch (error) {
            if (!(error instanceof DomainError)) throw error;
          }
        };
        decide({ type: 'CreateGroup', data: { groupId, name: 'Team' }, meta: { now: '2030-01-01T00:00:00.000Z', actorId: 'ann' } });
        for (const { request, actor, platformAdmin } of steps) {
          decide({ ...request, meta: { now: '2030-01-02T00:00:00.000Z', actorId: actor, actorIsAdmin: platformAdmin } } as GroupCommand);
        }
        expect(check(events).flat()).toEqual([]);
        accepted += events.length;
      }),
      { numRuns: 300 },
    );
    // the histories are not just the creation: members come, change role, leave and inherit
    expect(accepted).toBeGreaterThan(300 * 3);
  });
});
