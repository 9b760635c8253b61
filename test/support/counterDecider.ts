/** A tiny decider for runtime tests: a counter with a capacity, like seats without the rest. */
import { conflict } from '../../src/domain/shared/errors.js';
import type { Decider } from '../../src/domain/shared/decider.js';

export type CounterEvent = { type: 'Taken'; data: { by: string; amount: number } };
export type CounterCommand = { type: 'Take'; by: string; amount: number };
export interface CounterState { taken: number; takers: string[] }

export const counterDecider = (capacity: number): Decider<CounterState, CounterCommand, CounterEvent> => ({
  initialState: () => ({ taken: 0, takers: [] }),
  evolve: (state, event) => ({ taken: state.taken + event.data.amount, takers: [...state.takers, event.data.by] }),
  decide: (command, state) => {
    if (state.taken + command.amount > capacity) throw conflict('sold-out', 'no room left');
    return [{ type: 'Taken', data: { by: command.by, amount: command.amount } }];
  },
});
