/**
 * What the renderer does for the agent's watchdog to prove the screen (issue 11):
 *
 * - `ScreenMarker`: the strip of cells (contracts/screen-marker.ts) in the top-left corner that
 *   encodes this boot and the seq of the screen message shown. It is rendered with the screen, in the
 *   same React commit, so every frame that shows a screen shows its seq. Above everything of ours,
 *   never touchable, hidden from assistive technology; 184 × 4 px, a thin status strip.
 * - `useRendererHeartbeat`: a `heartbeat` every second carrying how many animation frames the page
 *   has run (one is asked for each second). A busy-looping page sends no heartbeat; a page whose
 *   frames stopped (stalled compositor) sends the same count.
 */
import { useEffect, useMemo, type CSSProperties } from 'react';
import { MARKER_CELL_PX, MARKER_DARK, MARKER_LIGHT, MARKER_RECT, markerCells } from '../../contracts/screen-marker.ts';

export const HEARTBEAT_EVERY_MS = 1000;

const STRIP: CSSProperties = {
  position: 'fixed',
  left: MARKER_RECT.x,
  top: MARKER_RECT.y,
  width: MARKER_RECT.width,
  height: MARKER_RECT.height,
  display: 'flex',
  background: MARKER_LIGHT,
  zIndex: 2147483647,
  pointerEvents: 'none',
};
const DARK_CELL: CSSProperties = { width: MARKER_CELL_PX, height: MARKER_CELL_PX, background: MARKER_DARK, flex: 'none' };
const LIGHT_CELL: CSSProperties = { ...DARK_CELL, background: MARKER_LIGHT };

export function ScreenMarker({ bootId, seq }: { bootId: number; seq: number }) {
  const cells = useMemo(() => markerCells(bootId, seq), [bootId, seq]);
  return (
    <div className="screen-marker" aria-hidden="true" data-marker-seq={seq} style={STRIP}>
      {cells.map((dark, i) => (
        <span key={i} style={dark ? DARK_CELL : LIGHT_CELL} />
      ))}
    </div>
  );
}

/** Sends `heartbeat` every second while mounted (nothing is sent while disconnected). */
export function useRendererHeartbeat(client: { heartbeat(frames: number): void }): void {
  useEffect(() => {
    let frames = 0;
    let asked: number | null = null;
    const beat = () => {
      client.heartbeat(frames);
      // one animation frame asked for at a time: a stalled one is not asked for again
      if (asked === null)
        asked = requestAnimationFrame(() => {
          asked = null;
          frames++;
        });
    };
    beat();
    const timer = setInterval(beat, HEARTBEAT_EVERY_MS);
    return () => {
      clearInterval(timer);
      if (asked !== null) cancelAnimationFrame(asked);
    };
  }, [client]);
}
