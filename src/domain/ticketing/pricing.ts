import type { Pricing } from './events.js';
import type { TicketedEventState } from './state.js';
import { toMillis } from '../shared/time.js';

export interface PriceQuote {
  /** Integer minor units per seat. */
  unitPrice: number;
  currency: string;
  basePrice: number;
  /** (held + confirmed) / capacity before the reservation being priced. */
  soldRatio: number;
  demandMultiplier: number;
  earlyBirdMultiplier: number;
}

/**
 * unit price = basePrice × demand multiplier × early-bird multiplier, rounded half up
 * (Math.round) to integer minor units.
 *
 * - demand multiplier: the tier with the highest minSoldRatio ≤ soldRatio (1 if none);
 *   soldRatio counts held + confirmed seats before this reservation (offers excluded).
 * - early-bird multiplier: applies while now < earlyBird.until.
 *
 * The product is first snapped to 1e-6 minor units so binary floating noise
 * (1000 × 1.15 = 1149.9999999999998) cannot flip the rounding.
 */
export function quotePrice(pricing: Pricing, soldSeats: number, capacity: number, now: string): PriceQuote {
  const soldRatio = capacity > 0 ? soldSeats / capacity : 1;
  let demandMultiplier = 1;
  let bestTierRatio = -Infinity;
  for (const tier of pricing.demandTiers) {
    if (tier.minSoldRatio <= soldRatio && tier.minSoldRatio > bestTierRatio) {
      bestTierRatio = tier.minSoldRatio;
      demandMultiplier = tier.multiplier;
    }
  }
  const earlyBird = pricing.earlyBird;
  const isEarly = earlyBird !== undefined && toMillis(now) < toMillis(earlyBird.until);
  const earlyBirdMultiplier = isEarly ? earlyBird.multiplier : 1;
  const exact = pricing.basePrice * demandMultiplier * earlyBirdMultiplier;
  const unitPrice = Math.round(Math.round(exact * 1e6) / 1e6);
  return {
    unitPrice,
    currency: pricing.currency,
    basePrice: pricing.basePrice,
    soldRatio,
    demandMultiplier,
    earlyBirdMultiplier,
  };
}

/** The price the next reservation would pay at `now` (for read models and quotes). */
export const currentPrice = (state: TicketedEventState, now: string): PriceQuote =>
  quotePrice(state.details.pricing, state.held + state.confirmed, state.capacity, now);
