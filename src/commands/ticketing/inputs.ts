/**
 * zod pieces shared by the ticketing command inputs (HTTP bodies). Strict: unknown fields
 * are rejected. Instants, zones and currencies use the shared boundary rules
 * (src/api/schemas.ts, a leaf module over zod and the domain), so ticketing accepts
 * exactly what the decider does.
 */
import { z } from 'zod';
import { currency, instant, timeZone } from '../../api/schemas.js';

export const isoDateTime = instant();
export { timeZone };
const minorUnits = z.number().int().min(0).max(1_000_000_000);

export const pricing = z
  .object({
    currency: currency(),
    basePrice: minorUnits,
    demandTiers: z
      .array(z.object({ minSoldRatio: z.number().min(0).max(1), multiplier: z.number().positive().max(100) }).strict())
      .max(20)
      .optional(),
    earlyBird: z.object({ until: isoDateTime, multiplier: z.number().positive().max(1) }).strict().optional(),
  })
  .strict();

export const waitlist = z
  .object({
    enabled: z.boolean(),
    mode: z.enum(['auto', 'offer']).optional(),
    offerMinutes: z.number().int().min(1).max(10_080).optional(),
  })
  .strict();

/** Seats to reserve or to wait for. */
export const quantityInput = z.object({ quantity: z.number().int().min(1).max(1000) }).strict();
