/**
 * "附近可用的自助机" from HQ (issue 10): a kiosk that must send a person elsewhere asks HQ which
 * kiosks near it (by the coordinates HQ enrolled them with) are open and usable right now for the
 * services in question — `POST /api/v1/kiosk/nearby`, signed like ingest (contracts/hq-signing.ts,
 * over this path). HQ answers nearest first; the kiosk falls back to its configured list (filtered
 * by hours) when HQ does not answer in time or cannot place it.
 */
import { z } from 'zod';
import { ServiceNameSchema } from './hq.ts';

export const NEARBY_PATH = '/api/v1/kiosk/nearby';
/** kiosks further than this are not offered (a person walks or takes a short ride) */
export const NEARBY_RADIUS_METERS = 5_000;
/** at most this many, nearest first */
export const NEARBY_MAX_KIOSKS = 8;
export const NEARBY_MAX_BODY_BYTES = 4_096;

export const NearbyRequestSchema = z.object({
  /** the services the person came for (any one of them will do): the flow's, or all the kiosk offers */
  services: z.array(ServiceNameSchema).min(1).max(8),
});
export type NearbyRequest = z.infer<typeof NearbyRequestSchema>;

export const NearbyKioskLiveSchema = z.object({
  kioskId: z.string(),
  /** where it is, in words a person finds it by: its site, then its address */
  name: z.string(),
  address: z.string().nullable(),
  distanceMeters: z.number().int().nonnegative(),
  /** which of the asked services it can do now */
  services: z.array(ServiceNameSchema),
  /** its live state at HQ: in service, or degraded (another service of it is down) */
  state: z.enum(['in-service', 'degraded']),
  /** when its promised hours end (the kiosk's word; null: not within its horizon, e.g. 24 h) */
  closesAt: z.iso.datetime({ offset: true }).nullable(),
});
export type NearbyKioskLive = z.infer<typeof NearbyKioskLiveSchema>;

export const NearbyResponseSchema = z.object({
  /** HQ's clock when it answered (epoch ms) */
  at: z.number().int().nonnegative(),
  /** false: HQ has no coordinates for the asking kiosk, so it cannot say what is near (the kiosk uses its own list) */
  located: z.boolean(),
  radiusMeters: z.number().int().positive(),
  kiosks: z.array(NearbyKioskLiveSchema).max(NEARBY_MAX_KIOSKS),
});
export type NearbyResponse = z.infer<typeof NearbyResponseSchema>;
