/**
 * Poll one GET every few seconds while the tab is visible; hidden tabs stop asking and catch up the
 * moment they are shown again. The last good answer stays on screen while the next one loads (no
 * flicker, no layout jump); a failure keeps it too and says so.
 */
import { useCallback, useEffect, useState } from 'react';
import type { z } from 'zod';
import { getJson, isAbort } from './http.ts';

export const POLL_MS = 2500;

const hidden = (): boolean => document.visibilityState === 'hidden';

export interface Poll<T> {
  data: T | null;
  /** `data` is the answer for the path asked now (not the previous one) */
  current: boolean;
  error: Error | null;
  /** when the last good answer arrived (epoch ms) */
  updatedAt: number | null;
  refresh: () => void;
}

interface State<T> {
  path: string | null;
  data: T | null;
  error: Error | null;
  updatedAt: number | null;
}

export function usePoll<T>(path: string | null, schema: z.ZodType<T>, intervalMs = POLL_MS): Poll<T> {
  const [state, setState] = useState<State<T>>({ path: null, data: null, error: null, updatedAt: null });
  const [nonce, setNonce] = useState(0);

  useEffect(() => {
    if (path === null) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let inFlight: AbortController | null = null;

    const tick = async (): Promise<void> => {
      clearTimeout(timer);
      if (hidden()) return;
      inFlight?.abort();
      const ctrl = new AbortController();
      inFlight = ctrl;
      try {
        const data = await getJson(path, schema, ctrl.signal);
        if (stopped || ctrl.signal.aborted) return;
        setState({ path, data, error: null, updatedAt: Date.now() });
      } catch (e) {
        if (stopped || isAbort(e) || ctrl.signal.aborted) return;
        setState((s) => ({ ...s, error: e instanceof Error ? e : new Error(String(e)) }));
      }
      if (!stopped && !hidden()) timer = setTimeout(() => void tick(), intervalMs);
    };
    const onVisibility = (): void => {
      if (!hidden()) void tick();
      else {
        clearTimeout(timer);
        inFlight?.abort();
      }
    };

    void tick();
    document.addEventListener('visibilitychange', onVisibility);
    return () => {
      stopped = true;
      clearTimeout(timer);
      inFlight?.abort();
      document.removeEventListener('visibilitychange', onVisibility);
    };
  }, [path, schema, intervalMs, nonce]);

  const refresh = useCallback(() => setNonce((n) => n + 1), []);
  return { data: state.data, current: state.path === path, error: state.error, updatedAt: state.updatedAt, refresh };
}
