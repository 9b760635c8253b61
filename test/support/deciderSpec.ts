/**
 * given / when / then for deciders, shared by every context's tests:
 *   const given = deciderSpec(decider);
 *   given([...events]).when(command).then([...events]) | .thenThrows('sold-out') | .thenState()
 */
import { expect } from 'vitest';
import type { Decider } from '../../src/domain/shared/decider.js';
import { DomainError, type DomainErrorKind } from '../../src/domain/shared/errors.js';

export function deciderSpec<State, Command, Event>(decider: Decider<State, Command, Event>) {
  const fold = (events: Event[]): State => events.reduce(decider.evolve, decider.initialState());
  return function given(events: Event[]) {
    const state = fold(events);
    return {
      state,
      when(command: Command) {
        const run = () => decider.decide(command, state);
        return {
          then(expected: Event[]) {
            expect(run()).toStrictEqual(expected);
          },
          thenThrows(code: string, kind?: DomainErrorKind): DomainError {
            let error: unknown;
            try {
              run();
            } catch (caught) {
              error = caught;
            }
            expect(error, `expected ${code}`).toBeInstanceOf(DomainError);
            expect((error as DomainError).code).toBe(code);
            if (kind !== undefined) expect((error as DomainError).kind).toBe(kind);
            return error as DomainError;
          },
          /** The state after evolving the produced events. */
          thenState(): State {
            return run().reduce(decider.evolve, state);
          },
        };
      },
    };
  };
}
