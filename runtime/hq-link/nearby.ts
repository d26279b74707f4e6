/**
 * The kiosk's question "which kiosks near me are usable now?" (issue 10): one signed
 * `POST {hq.url}/api/v1/kiosk/nearby` (contracts/hq-nearby.ts), signed like ingest over that path.
 * Rejects on anything but a valid answer — the caller then shows its configured list.
 */
import type { FlowServiceName } from '../../contracts/bridge.ts';
import { NEARBY_PATH, NearbyResponseSchema, type NearbyResponse } from '../../contracts/hq-nearby.ts';
import { signedUploadHeaders } from '../../contracts/hq-signing.ts';

export interface NearbyClientOptions {
  url: string;
  kioskId: string;
  secret: string;
  /** the timestamp to sign with (the kiosk's clock, corrected by a known skew) */
  signAt: () => number;
  fetch: typeof fetch;
}

export function nearbyClient(o: NearbyClientOptions): (services: FlowServiceName[], signal: AbortSignal) => Promise<NearbyResponse> {
  return async (services, signal) => {
    const body = JSON.stringify({ services });
    const headers = signedUploadHeaders(o.kioskId, o.secret, NEARBY_PATH, Buffer.from(body), o.signAt(), 'application/json');
    const res = await o.fetch(`${o.url.replace(/\/+$/, '')}${NEARBY_PATH}`, { method: 'POST', headers, body, signal });
    const text = await res.text();
    if (!res.ok) throw new Error(`HQ answered ${res.status}: ${text.slice(0, 200)}`);
    const parsed = NearbyResponseSchema.safeParse(JSON.parse(text));
    if (!parsed.success) throw new Error(`HQ's answer is not a nearby answer (${parsed.error.issues[0]!.path.join('.')}: ${parsed.error.issues[0]!.message})`);
    return parsed.data;
  };
}
