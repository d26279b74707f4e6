/**
 * Which kiosks are near the asking one and usable right now for the services asked: enrolled with
 * coordinates, enabled, heard from within three of their heartbeat intervals and not offline, inside
 * their promised hours (`hours_open`), in service or degraded, and each asked service usable as its
 * latest heartbeat said (`services`; a kiosk that never said — an older agent — counts only when wholly
 * in service). Nearest first by great-circle distance (haversine), within the radius, at most `limit`.
 * A bounding box on the indexed lat/lng narrows the rows read; the distance decides.
 */
import type { KioskStatusName } from '../../../contracts/bridge.ts';
import { kioskStateOf } from '../../../contracts/hq-api.ts';
import { NEARBY_MAX_KIOSKS, NEARBY_RADIUS_METERS, type NearbyKioskLive, type NearbyResponse } from '../../../contracts/hq-nearby.ts';
import { OFFLINE_AFTER_INTERVALS } from '../../../contracts/hq.ts';
import type { HqDb } from '../db/open.ts';

const EARTH_RADIUS_M = 6_371_008.8;
const M_PER_DEG_LAT = 111_320;
const rad = (deg: number) => (deg * Math.PI) / 180;

/** Great-circle distance in metres between two points (degrees). */
export function haversineMeters(lat1: number, lng1: number, lat2: number, lng2: number): number {
  const dLat = rad(lat2 - lat1);
  const dLng = rad(lng2 - lng1);
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(rad(lat1)) * Math.cos(rad(lat2)) * Math.sin(dLng / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(a)));
}

type ServiceName = NearbyKioskLive['services'][number];
const USABLE_STATES = new Set<KioskStatusName>(['inService', 'degraded']);

/** The asked services this kiosk can do now, from its heartbeat's `services` (null: it never said). */
function usableServices(services: string | null, lifecycle: KioskStatusName, asked: readonly ServiceName[]): ServiceName[] {
  if (services === null) return lifecycle === 'inService' ? [...asked] : [];
  let said: Partial<Record<ServiceName, { usable?: unknown }>>;
  try {
    said = JSON.parse(services) as typeof said;
  } catch {
    return [];
  }
  return asked.filter((s) => said[s]?.usable === true);
}

export interface NearbyQuery {
  kioskId: string;
  services: readonly ServiceName[];
  /** HQ's clock */
  now: number;
  radiusMeters?: number;
  limit?: number;
}

export async function nearbyKiosks(db: HqDb, q: NearbyQuery): Promise<NearbyResponse> {
  const radiusMeters = q.radiusMeters ?? NEARBY_RADIUS_METERS;
  const limit = q.limit ?? NEARBY_MAX_KIOSKS;
  const me = await db.selectFrom('kiosks').select(['lat', 'lng']).where('id', '=', q.kioskId).executeTakeFirst();
  if (!me || me.lat === null || me.lng === null) return { at: q.now, located: false, radiusMeters, kiosks: [] };
  const dLat = radiusMeters / M_PER_DEG_LAT;
  const dLng = radiusMeters / (M_PER_DEG_LAT * Math.max(0.01, Math.cos(rad(me.lat))));
  const rows = await db
    .selectFrom('kiosks')
    .select(['id', 'site', 'address', 'lat', 'lng', 'lifecycle', 'services', 'hours_next_change', 'heartbeat_seconds', 'last_seen_at'])
    .where('lat', '>=', me.lat - dLat)
    .where('lat', '<=', me.lat + dLat)
    .where('lng', '>=', me.lng - dLng)
    .where('lng', '<=', me.lng + dLng)
    .where('id', '!=', q.kioskId)
    .where('enabled', '=', 1)
    .where('offline', '=', 0)
    .where('hours_open', '=', 1)
    .where('lifecycle', 'in', [...USABLE_STATES])
    .execute();
  const near: NearbyKioskLive[] = [];
  for (const k of rows) {
    const heardWithin = OFFLINE_AFTER_INTERVALS * (k.heartbeat_seconds ?? 30) * 1000;
    if (k.last_seen_at === null || q.now - k.last_seen_at > heardWithin) continue;
    const distanceMeters = Math.round(haversineMeters(me.lat, me.lng, k.lat!, k.lng!));
    if (distanceMeters > radiusMeters) continue;
    const lifecycle = k.lifecycle as KioskStatusName;
    const services = usableServices(k.services, lifecycle, q.services);
    if (services.length === 0) continue;
    const name = k.site ?? k.address;
    if (!name) continue; // nobody could find it
    near.push({
      kioskId: k.id,
      name,
      address: k.site ? k.address : null,
      distanceMeters,
      services,
      state: kioskStateOf(lifecycle) === 'degraded' ? 'degraded' : 'in-service',
      closesAt: k.hours_next_change,
    });
  }
  near.sort((a, b) => a.distanceMeters - b.distanceMeters || (a.kioskId < b.kioskId ? -1 : 1));
  return { at: q.now, located: true, radiusMeters, kiosks: near.slice(0, limit) };
}
