/** Row shapes of the ticketing read model (their JSON representations: src/api/ticketing/dtoBuilders.ts). */
import type { Pricing, WaitlistSettings } from '../../domain/ticketing/index.js';

export interface EventRow {
  id: string;
  title: string;
  description: string;
  venue: string;
  starts_at: Date;
  ends_at: Date;
  timezone: string;
  status: 'draft' | 'published' | 'cancelled';
  capacity: number;
  held: number;
  confirmed: number;
  offered: number;
  available: number;
  waitlist_length: number;
  pricing: Pricing;
  currency: string;
  max_per_reservation: number;
  hold_minutes: number;
  waitlist: WaitlistSettings;
  organizer_id: string;
  cancel_reason: string | null;
  revision: string;
  created_at: Date;
  updated_at: Date;
}

export interface ReservationRow {
  id: string;
  event_id: string;
  user_id: string;
  quantity: number;
  status: 'held' | 'confirmed' | 'cancelled' | 'expired';
  unit_price: string | number;
  currency: string;
  expires_at: Date | null;
  waitlist_entry_id: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface WaitlistRow {
  entry_id: string;
  event_id: string;
  user_id: string;
  quantity: number;
  status: 'waiting' | 'offered' | 'promoted' | 'left' | 'expired';
  seq: string;
  joined_at: Date;
  offer_id: string | null;
  offer_expires_at: Date | null;
  reservation_id: string | null;
  updated_at: Date;
}
