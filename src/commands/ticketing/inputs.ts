/**
 * zod schemas for ticketing command input (HTTP bodies). Strict: unknown fields are rejected.
 * Instants, zones and currencies use the shared boundary rules (src/api/schemas.ts, a leaf
 * module over zod and the domain), so ticketing accepts exactly what the decider does.
 */
import { z } from 'zod';
import { currency, instant, timeZone } from '../../api/schemas.js';

const isoDateTime = instant();
const minorUnits = z.number().int().min(0).max(1_000_000_000);

const pricing = z
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

const waitlist = z
  .object({
    enabled: z.boolean(),
    mode: z.enum(['auto', 'offer']).optional(),
    offerMinutes: z.number().int().min(1).max(10_080).optional(),
  })
  .strict();

export const createEventInput = z
  .object({
    title: z.string().trim().min(1).max(200),
    description: z.string().max(10_000).optional(),
    venue: z.string().max(500).optional(),
    startsAt: isoDateTime,
    endsAt: isoDateTime,
    timezone: timeZone(),
    capacity: z.number().int().min(1).max(10_000_000),
    maxPerReservation: z.number().int().min(1).max(1000).optional(),
    holdMinutes: z.number().int().min(0).max(10_080).optional(),
    pricing: pricing.optional(),
    waitlist: waitlist.optional(),
    publish: z.boolean().optional(),
  })
  .strict();

export const changeEventInput = z
  .object({
    title: z.string().trim().min(1).max(200).optional(),
    description: z.string().max(10_000).optional(),
    venue: z.string().max(500).optional(),
    startsAt: isoDateTime.optional(),
    endsAt: isoDateTime.optional(),
    timezone: timeZone().optional(),
    capacity: z.number().int().min(1).max(10_000_000).optional(),
    maxPerReservation: z.number().int().min(1).max(1000).optional(),
    holdMinutes: z.number().int().min(0).max(10_080).optional(),
    pricing: pricing.optional(),
    waitlist: waitlist.partial().optional(),
  })
  .strict();

export const cancelInput = z.object({ reason: z.string().max(1000).optional() }).strict();
export const quantityInput = z.object({ quantity: z.number().int().min(1).max(1000) }).strict();
export const collaboratorInput = z.object({ userId: z.uuid(), role: z.enum(['co-organizer', 'viewer']) }).strict();

export type CreateEventInput = z.output<typeof createEventInput>;
export type ChangeEventInput = z.output<typeof changeEventInput>;
