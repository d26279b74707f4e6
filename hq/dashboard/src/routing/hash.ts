/**
 * Hash routes (no router library): `#/` fleet, `#/kiosks/<id>`, `#/alarms`, `#/audit`, each with
 * its filters as query parameters so a reload or a shared link lands on the same view.
 */
import { useSyncExternalStore } from 'react';

export type PageName = 'fleet' | 'kiosk' | 'alarms' | 'audit' | 'availability' | 'kiosk-day' | 'first-time' | 'channels' | 'silences';

export interface Route {
  page: PageName;
  /** the kiosk id of `#/kiosks/<id>` */
  kioskId: string | null;
  params: URLSearchParams;
  /** the `YYYY-MM-DD` of `#/kiosks/<id>/day/<day>` (issue 10: the availability drill-down) */
  day?: string;
}

export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#/, '');
  const q = raw.indexOf('?');
  const path = (q < 0 ? raw : raw.slice(0, q)).replace(/\/+$/, '');
  const params = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));
  const kioskDay = /^\/kiosks\/([^/]+)\/day\/(\d{4}-\d{2}-\d{2})$/.exec(path);
  if (kioskDay?.[1] && kioskDay[2]) return { page: 'kiosk-day', kioskId: decodeURIComponent(kioskDay[1]), day: kioskDay[2], params };
  const kiosk = /^\/kiosks\/(.+)$/.exec(path);
  if (kiosk?.[1]) return { page: 'kiosk', kioskId: decodeURIComponent(kiosk[1]), params };
  if (path === '/alarms') return { page: 'alarms', kioskId: null, params };
  if (path === '/audit') return { page: 'audit', kioskId: null, params };
  if (path === '/availability') return { page: 'availability', kioskId: null, params };
  if (path === '/first-time') return { page: 'first-time', kioskId: null, params };
  if (path === '/channels') return { page: 'channels', kioskId: null, params };
  if (path === '/silences') return { page: 'silences', kioskId: null, params };
  return { page: 'fleet', kioskId: null, params };
}

export function href(page: PageName, kioskId?: string, params?: Record<string, string>): string {
  const path = page === 'kiosk' ? `/kiosks/${encodeURIComponent(kioskId ?? '')}` : page === 'fleet' ? '/' : `/${page}`;
  const q = new URLSearchParams(Object.entries(params ?? {}).filter(([, v]) => v !== ''));
  const qs = q.toString();
  return `#${path}${qs ? `?${qs}` : ''}`;
}

/** `#/kiosks/<id>/day/<YYYY-MM-DD>`: one kiosk's day timeline */
export const kioskDayHref = (kioskId: string, day: string): string => `#/kiosks/${encodeURIComponent(kioskId)}/day/${day}`;

const subscribe = (onChange: () => void) => {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
};

export function useHash(): string {
  return useSyncExternalStore(subscribe, () => window.location.hash);
}

/** change the current route's filters in place (no new history entry per keystroke) */
export function replaceParams(route: Route, patch: Record<string, string | null>): void {
  const next: Record<string, string> = Object.fromEntries(route.params.entries());
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || v === '') delete next[k];
    else next[k] = v;
  }
  const url = href(route.page, route.kioskId ?? undefined, next);
  window.history.replaceState(null, '', url);
  window.dispatchEvent(new HashChangeEvent('hashchange'));
}
