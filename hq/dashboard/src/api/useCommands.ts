/**
 * Commands this page issued, followed until they end: `GET /api/v1/commands/:id` every second while
 * queued or delivered. Merged with the kiosk's recent commands from the server, the further-along
 * status wins (a poll of one may be fresher than the other).
 */
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { CommandView } from '../../../../contracts/hq-api.ts';
import { getCommand, sendCommand } from './endpoints.ts';
import { isAbort } from './http.ts';
import type { HqCommandType } from '../../../../contracts/hq.ts';

const FOLLOW_MS = 1000;
const RANK: Record<CommandView['status'], number> = { queued: 0, delivered: 1, succeeded: 2, failed: 2, expired: 2 };
export const isFinished = (c: Pick<CommandView, 'status'>): boolean => RANK[c.status] === 2;

export interface Commands {
  /** tracked first (newest first), then the server's other recent commands */
  list: CommandView[];
  /** rejects with HQ's refusal (a 400 names the field) */
  send: (type: HqCommandType, more?: { args?: Record<string, unknown>; reason?: string }) => Promise<void>;
  sending: HqCommandType | null;
}

export function useCommands(kioskId: string, fromServer: CommandView[]): Commands {
  const [tracked, setTracked] = useState<CommandView[]>([]);
  const [sending, setSending] = useState<HqCommandType | null>(null);
  const pendingKey = tracked
    .filter((c) => !isFinished(c))
    .map((c) => c.id)
    .join(',');

  useEffect(() => {
    if (!pendingKey) return;
    const ids = pendingKey.split(',');
    const ctrl = new AbortController();
    const timer = setInterval(() => {
      if (document.visibilityState === 'hidden') return;
      for (const id of ids) {
        getCommand(id, ctrl.signal).then(
          (view) => setTracked((list) => list.map((c) => (c.id === view.id && RANK[view.status] >= RANK[c.status] ? { ...c, ...view } : c))),
          (e: unknown) => {
            if (!isAbort(e)) console.warn('command poll', id, e);
          },
        );
      }
    }, FOLLOW_MS);
    return () => {
      clearInterval(timer);
      ctrl.abort();
    };
  }, [pendingKey]);

  const send = useCallback(
    async (type: HqCommandType, more: { args?: Record<string, unknown>; reason?: string } = {}) => {
      setSending(type);
      try {
        const issued = await sendCommand(kioskId, type, more);
        setTracked((list) => [{ id: issued.id, kioskId, type, status: issued.status, result: null }, ...list]);
      } finally {
        setSending(null);
      }
    },
    [kioskId],
  );

  const list = useMemo(() => {
    const server = new Map(fromServer.map((c) => [c.id, c]));
    const mine = tracked.map((c) => {
      const s = server.get(c.id);
      return s && RANK[s.status] > RANK[c.status] ? { ...c, ...s } : { ...s, ...c, result: c.result ?? s?.result ?? null };
    });
    const mineIds = new Set(tracked.map((c) => c.id));
    const rest = fromServer.filter((c) => !mineIds.has(c.id)).sort((a, b) => Date.parse(b.issuedAt ?? '') - Date.parse(a.issuedAt ?? '') || 0);
    return [...mine, ...rest];
  }, [tracked, fromServer]);

  return { list, send, sending };
}
