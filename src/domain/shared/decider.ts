/**
 * A decider (Emmett / EventSourcing.NodeJS style): pure functions, no I/O, no clock.
 * Time and the acting user arrive inside the command.
 */
export interface Decider<State, Command, Event> {
  initialState(): State;
  evolve(state: State, event: Event): State;
  /** Returns the events the command produces, or throws a DomainError. */
  decide(command: Command, state: State): Event[];
}

/** Exhaustiveness guard for discriminated unions. */
export function assertNever(value: never): never {
  throw new Error(`Unexpected value: ${JSON.stringify(value)}`);
}
