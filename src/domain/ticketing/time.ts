/** Ticketing's time helpers are the shared kernel's (one module, one set of rules). */
export { addMinutes, instantProblem, isAtOrAfter, isValidTimeZone, toMillis, toUtcIso } from '../shared/time.js';
