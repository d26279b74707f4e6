/**
 * The frame a screen alarm came with (issue 11): the kiosk's watchdog sends a small PNG of the glass
 * as the evidence of SCREEN_BLACK / SCREEN_COVERED / SCREEN_FROZEN — only when no one's data can be
 * on it; otherwise the evidence says why there is none. HQ keeps it in the stored `fault.raised`
 * event; this finds the one of the alarm's latest raise and hands out its PNG, or that reason.
 */
import type { HqDb } from '../db/open.ts';

/** the codes whose alarms may carry a frame */
export const FRAME_CODES: ReadonlySet<string> = new Set(['SCREEN_BLACK', 'SCREEN_COVERED', 'SCREEN_FROZEN']);

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const NONE = 'the kiosk sent no frame with this alarm';

export async function alarmFrame(db: HqDb, alarm: { kiosk_id: string; code: string; last_raised_at: string }): Promise<{ png: Buffer } | { reason: string }> {
  const rows = await db
    .selectFrom('events')
    .select('payload')
    .where('kiosk_id', '=', alarm.kiosk_id)
    .where('type', '=', 'fault.raised')
    .where('at', '=', alarm.last_raised_at)
    .orderBy('seq', 'desc')
    .limit(20)
    .execute();
  for (const row of rows) {
    let p: { code?: unknown; evidence?: { frame?: { base64?: unknown } | null; frameWithheld?: unknown } };
    try {
      p = JSON.parse(row.payload) as typeof p;
    } catch {
      continue;
    }
    if (p.code !== alarm.code) continue;
    const base64 = p.evidence?.frame?.base64;
    if (typeof base64 === 'string') {
      const png = Buffer.from(base64, 'base64');
      // only a PNG leaves as an image (the kiosk is trusted to be a kiosk, not to send only pictures)
      if (png.subarray(0, 8).equals(PNG_SIGNATURE)) return { png };
      return { reason: 'the frame the kiosk sent is not a PNG' };
    }
    return { reason: typeof p.evidence?.frameWithheld === 'string' ? p.evidence.frameWithheld.slice(0, 300) : NONE };
  }
  return { reason: NONE };
}
