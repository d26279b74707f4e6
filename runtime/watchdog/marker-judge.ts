/**
 * What the screen's corner proves, check after check (issue 11). Each check the watchdog reads the
 * marker (contracts/screen-marker.ts) from the captured corner and, when there is none, looks at a
 * small whole frame; this judges those readings against what the renderer said it painted:
 *
 * - the marker of this boot, showing the painted screen (or a later one) → `proven`;
 * - the marker of this boot, older than the painted screen, for `frozenAfterMs` → `frozen`
 *   (the renderer painted it, the glass does not show it: a frozen compositor or display, or an old
 *   picture drawn over the page);
 * - no marker, or another boot's, while the frame has content, `coveredAfterChecks` checks in a row
 *   → `covered` (something covers the page, or another page is shown);
 * - no marker and a flat frame → `blank` at once;
 * - anything else is `unsure` (not yet long enough to say).
 *
 * Pure: readings and times in, verdicts out.
 */
import { markerSeqBehind, type MarkerReading } from '../../contracts/screen-marker.ts';

export interface MarkerObservation {
  /** the marker read from the corner */
  reading: MarkerReading;
  /** when there was no marker of this boot: whether the whole (small) frame is one flat colour */
  flat?: { blank: boolean; colour: string };
  /** the last screen the renderer said it painted */
  painted: { seq: number; at: number } | undefined;
  at: number;
}

export type MarkerVerdict =
  | { state: 'proven'; seq: number }
  | { state: 'unsure'; why: string }
  | { state: 'frozen'; detail: string; markerSeq: number; paintedSeq: number }
  | { state: 'covered'; detail: string }
  | { state: 'blank'; detail: string; colour: string };

export interface MarkerJudgeOptions {
  /** this boot's marker id (markerBootId of the bridge token) */
  bootId: number;
  /** default 2000 */
  frozenAfterMs?: number;
  /** default 2 */
  coveredAfterChecks?: number;
}

export class MarkerJudge {
  private staleSince: number | null = null;
  private misses = 0;
  private readonly frozenAfterMs: number;
  private readonly coveredAfterChecks: number;

  constructor(private readonly o: MarkerJudgeOptions) {
    this.frozenAfterMs = o.frozenAfterMs ?? 2_000;
    this.coveredAfterChecks = Math.max(1, o.coveredAfterChecks ?? 2);
  }

  /** the reading is this boot's marker (then no whole frame is needed to judge it) */
  ours(reading: MarkerReading): boolean {
    return reading.found && reading.bootId === this.o.bootId;
  }

  /** Forget what was seen (a reload: the next page starts afresh). */
  reset(): void {
    this.staleSince = null;
    this.misses = 0;
  }

  judge(obs: MarkerObservation): MarkerVerdict {
    const r = obs.reading;
    if (r.found && r.bootId === this.o.bootId) {
      this.misses = 0;
      const behind = obs.painted ? markerSeqBehind(r.seq, obs.painted.seq) : 0;
      if (behind <= 0) {
        this.staleSince = null;
        return { state: 'proven', seq: r.seq };
      }
      this.staleSince ??= obs.at;
      const paintedSeq = obs.painted!.seq;
      const forMs = obs.at - this.staleSince;
      if (forMs < this.frozenAfterMs) return { state: 'unsure', why: `the marker shows screen ${r.seq}, ${behind} behind the painted ${paintedSeq}, for ${forMs} ms` };
      return {
        state: 'frozen',
        markerSeq: r.seq,
        paintedSeq,
        detail: `the screen still shows screen ${r.seq} (its marker) though the renderer painted screen ${paintedSeq} ${Math.round((obs.at - obs.painted!.at) / 1000)} s ago; the glass has not changed for ${Math.round(forMs / 1000)} s`,
      };
    }
    this.staleSince = null;
    if (obs.flat?.blank) {
      this.misses = 0;
      return { state: 'blank', colour: obs.flat.colour, detail: `the screen shows one flat colour (${obs.flat.colour}) and no marker` };
    }
    this.misses++;
    const what = r.found ? `the marker of another boot (id ${r.bootId}; this boot's is ${this.o.bootId}): another page is shown` : `no marker in the corner (${r.why})`;
    if (this.misses < this.coveredAfterChecks) return { state: 'unsure', why: what };
    return { state: 'covered', detail: `something covers the page or another page is shown: ${what}, ${this.misses} checks in a row` };
  }
}
