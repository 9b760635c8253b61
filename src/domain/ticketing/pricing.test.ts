import { describe, expect, it } from 'vitest';
import type { Pricing } from './events.js';
import { currentPrice, quotePrice } from './pricing.js';
import { initialTicketedEventState } from './state.js';

const NOW = '2030-05-01T12:00:00.000Z';
const pricing = (extra: Partial<Pricing> = {}): Pricing => ({
  currency: 'EUR',
  basePrice: 1000,
  demandTiers: [],
  ...extra,
});

describe('quotePrice', () => {
  it('charges the base price without tiers or early bird', () => {
    expect(quotePrice(pricing(), 3, 10, NOW)).toEqual({
      unitPrice: 1000,
      currency: 'EUR',
      basePrice: 1000,
      soldRatio: 0.3,
      demandMultiplier: 1,
      earlyBirdMultiplier: 1,
    });
  });

  it('applies the highest tier whose minSoldRatio ≤ sold ratio, whatever the tier order', () => {
    const tiers = pricing({
      demandTiers: [
        { minSoldRatio: 0.8, multiplier: 2 },
        { minSoldRatio: 0, multiplier: 0.9 },
        { minSoldRatio: 0.5, multiplier: 1.5 },
      ],
    });
    expect(quotePrice(tiers, 0, 10, NOW).unitPrice).toBe(900);
    expect(quotePrice(tiers, 4, 10, NOW).unitPrice).toBe(900);
    expect(quotePrice(tiers, 5, 10, NOW).unitPrice).toBe(1500); // boundary: ratio = minSoldRatio applies
    expect(quotePrice(tiers, 8, 10, NOW).unitPrice).toBe(2000);
  });

  it('applies the early bird strictly before `until`', () => {
    const early = pricing({ earlyBird: { until: '2030-05-01T12:00:00.000Z', multiplier: 0.8 } });
    expect(quotePrice(early, 0, 10, '2030-05-01T11:59:59.999Z').unitPrice).toBe(800);
    expect(quotePrice(early, 0, 10, NOW).unitPrice).toBe(1000);
  });

  it('multiplies demand and early bird', () => {
    const both = pricing({
      demandTiers: [{ minSoldRatio: 0.5, multiplier: 1.5 }],
      earlyBird: { until: '2030-06-01T00:00:00.000Z', multiplier: 0.8 },
    });
    expect(quotePrice(both, 6, 10, NOW).unitPrice).toBe(1200);
  });

  it('rounds half up to integer minor units, immune to binary floating noise', () => {
    const priceWith = (basePrice: number, multiplier: number) =>
      quotePrice(pricing({ basePrice, demandTiers: [{ minSoldRatio: 0, multiplier }] }), 0, 10, NOW).unitPrice;
    expect(priceWith(1000, 1.15)).toBe(1150); // 1149.9999999999998 in binary floating point
    expect(priceWith(1005, 0.5)).toBe(503); // 502.5 rounds half up
    expect(priceWith(999, 1 / 3)).toBe(333);
    expect(priceWith(1001, 1 / 3)).toBe(334); // 333.67
  });

  it('treats a zero capacity as sold out for the tier', () => {
    expect(quotePrice(pricing({ demandTiers: [{ minSoldRatio: 1, multiplier: 3 }] }), 0, 0, NOW).unitPrice).toBe(3000);
  });
});

describe('currentPrice', () => {
  it('quotes the next reservation from the held and confirmed seats', () => {
    const initial = initialTicketedEventState();
    const state = {
      ...initial,
      capacity: 10,
      held: 2,
      confirmed: 3,
      offered: 4, // offers do not count as sold
      details: { ...initial.details, pricing: pricing({ demandTiers: [{ minSoldRatio: 0.5, multiplier: 1.25 }] }) },
    };
    expect(currentPrice(state, NOW)).toMatchObject({ unitPrice: 1250, soldRatio: 0.5, currency: 'EUR' });
  });
});
