/**
 * Ticketing commands are typed end to end (issue 10, item 3): a command's data is checked
 * against its type where the use case builds it. The real assertions are the
 * @ts-expect-error lines: `npm run typecheck` fails if either mistake compiles again.
 */
import { expect, it } from 'vitest';
import type { TicketedEventRequest } from '../../src/commands/ticketing/index.js';

it("rejects a ticketing command whose data is not its type's", () => {
  const requests: TicketedEventRequest[] = [
    { type: 'ReserveSeats', data: { reservationId: 'r', userId: 'u', quantity: 1 } },
    // @ts-expect-error ReserveSeats needs the user it reserves for
    { type: 'ReserveSeats', data: { reservationId: 'r', quantity: 1 } },
    // @ts-expect-error this data belongs to another command
    { type: 'ConfirmReservation', data: { entryId: 'e' } },
  ];
  expect(requests.map((r) => r.type)).toEqual(['ReserveSeats', 'ReserveSeats', 'ConfirmReservation']);
});
