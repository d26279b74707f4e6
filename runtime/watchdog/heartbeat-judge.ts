/**
 * RENDERER_HUNG from the renderer's heartbeat (issue 11; renderer/src/screen-proof.tsx sends it every
 * second with its animation-frame count):
 *
 * - connected, and no heartbeat for `hungAfterMs` (none since it connected, or the last one too old):
 *   the page's thread is stuck (a busy loop) while its socket is up → hung;
 * - heartbeats come but the frame count has not moved for `hungAfterMs`: the page runs, its frames
 *   do not (a stalled compositor) → hung;
 * - a heartbeat whose count moved within `hungAfterMs` → `ok` (clears it);
 * - no renderer connected, or one that has just connected and not yet beaten → `unknown` (neither).
 *
 * A new connection (a reloaded page) starts afresh: its count starts again at 0. Pure.
 */
export type HeartbeatVerdict = { state: 'ok' } | { state: 'unknown' } | { state: 'hung'; detail: string };

export class HeartbeatJudge {
  private connectedAt: number | null = null;
  private frames: number | null = null;
  private lastBeatAt: number | null = null;
  private movedAt: number | null = null;

  constructor(private readonly hungAfterMs = 3_000) {}

  /** A renderer connected (its heartbeats start now). */
  connected(at: number): void {
    this.connectedAt = at;
    this.frames = this.lastBeatAt = this.movedAt = null;
  }

  beat(frames: number, at: number): void {
    if (this.connectedAt === null) this.connectedAt = at; // a watchdog started after the page connected
    if (this.frames === null || frames !== this.frames) this.movedAt = at;
    this.frames = frames;
    this.lastBeatAt = at;
  }

  /** Judge now; `connected`: a renderer holds the bridge's seat. */
  judge(now: number, connected: boolean): HeartbeatVerdict {
    if (!connected || this.connectedAt === null) return { state: 'unknown' }; // no renderer: the black-screen check's business
    const s = (ms: number) => `${Math.round(ms / 100) / 10} s`;
    if (this.lastBeatAt === null) {
      const waited = now - this.connectedAt;
      return waited > this.hungAfterMs ? { state: 'hung', detail: `the renderer connected ${s(waited)} ago and has sent no heartbeat (its page does not run)` } : { state: 'unknown' };
    }
    const silent = now - this.lastBeatAt;
    if (silent > this.hungAfterMs) return { state: 'hung', detail: `no heartbeat from the renderer for ${s(silent)} while it is connected (its page is stuck, e.g. a busy loop)` };
    const still = now - this.movedAt!;
    if (still > this.hungAfterMs) return { state: 'hung', detail: `the renderer's animation frames stopped at ${this.frames} ${s(still)} ago while its page still runs (rendering is stalled)` };
    return { state: 'ok' };
  }
}
