/**
 * TOUCH_UNRESPONSIVE (suspected): touch panels die quietly — after a monitor power cycle the glass
 * shows the screen and takes no tap. The agent cannot feel the glass; it can see people who clearly
 * came to use the kiosk and never managed a single tap.
 *
 * An *approach* is a person showing the kiosk something without touching it: an ID card laid on the
 * reader or a code held to the scanner. (Sessions start with a tap on a service tile today, so a dead
 * panel shows as exactly this: the card is read, the screen cannot be touched, the person leaves.)
 * An approach gets `approachMs` to see a tap; none at all → it counts as untouched. `inARow`
 * untouched approaches with no tap anywhere in between → raised (a warning: suspected). Any tap on
 * the screen clears it and starts the count again.
 *
 * Only approaches while the kiosk serves count: inside its hours and accepting new sessions (a
 * locked, out-of-service or closed kiosk gives people nothing to tap). Pure: the caller passes
 * the time; `watchTouch` below wires it to the kiosk, the reader and the scanner.
 */
import { FaultCode } from '../../contracts/faults.ts';
import type { ScreenMessage } from '../../contracts/bridge.ts';
import { lifecycleView, type LifecycleContext } from '../../state-machines/lifecycle.machine.ts';
import type { Now } from '../../state-machines/deadlines.ts';
import { FaultLatch, type ReportFault, type WatchLog } from './fault-latch.ts';

export type ApproachBy = 'card' | 'code';

export interface TouchHealthOptions {
  /** untouched approaches in a row that raise (default 3) */
  inARow?: number;
  /** how long an approach waits for a tap (default 60 s) */
  approachMs?: number;
}

export type TouchVerdict = { change: 'raise' | 'clear'; detail: string; untouched: { by: ApproachBy; at: number }[] } | null;

export class TouchHealth {
  readonly inARow: number;
  readonly approachMs: number;
  private open: { by: ApproachBy; at: number } | null = null;
  private untouched: { by: ApproachBy; at: number }[] = [];
  private suspected = false;

  constructor(o: TouchHealthOptions = {}) {
    this.inARow = o.inARow ?? 3;
    this.approachMs = o.approachMs ?? 60_000;
  }

  /** untouched approaches since the last tap */
  get count(): number {
    return this.untouched.length;
  }

  /** when the open approach runs out (null: none open) */
  get dueAt(): number | null {
    return this.open ? this.open.at + this.approachMs : null;
  }

  /** A card laid down or a code scanned at `at`; `serving`: the kiosk is in its hours and takes sessions. */
  approach(by: ApproachBy, at: number, serving: boolean): void {
    if (!serving || this.open) return; // a second card or scan in the same approach is the same person
    this.open = { by, at };
  }

  /** A tap on the screen (any renderer event). */
  tap(): TouchVerdict {
    this.open = null;
    const had = this.untouched.length;
    this.untouched = [];
    if (!this.suspected) return null;
    this.suspected = false;
    return { change: 'clear', detail: `the screen was tapped again (after ${had} untouched approach${had === 1 ? '' : 'es'})`, untouched: [] };
  }

  /** The time is `at`: an open approach whose wait is over counts as untouched (if the kiosk still serves). */
  due(at: number, serving: boolean): TouchVerdict {
    if (!this.open || at < this.open.at + this.approachMs) return null;
    const ended = this.open;
    this.open = null;
    if (!serving) return null;
    this.untouched = [...this.untouched, ended].slice(-this.inARow);
    if (this.suspected || this.untouched.length < this.inARow) return null;
    this.suspected = true;
    const how = this.untouched.map((u) => u.by).join(', ');
    return {
      change: 'raise',
      detail: `${this.inARow} people in a row laid down an ID card or scanned a code (${how}) and none of them tapped the screen within ${Math.round(this.approachMs / 1000)} s: the touch panel may not respond (power-cycle the display, check the touch cable)`,
      untouched: this.untouched,
    };
  }
}

/** What the touch watch needs of the kiosk (runtime/kiosk/kiosk.ts `Kiosk` fits). */
export interface TouchedKiosk {
  lifecycle: { getSnapshot(): { context: LifecycleContext } };
  on(event: 'screen', listener: (s: ScreenMessage) => void): unknown;
  off(event: 'screen', listener: (s: ScreenMessage) => void): unknown;
}

interface Emitter {
  on(event: string, listener: () => void): unknown;
  off(event: string, listener: () => void): unknown;
}

export interface TouchWatchOptions extends TouchHealthOptions {
  kiosk: TouchedKiosk;
  idReader?: Emitter;
  scanner?: Emitter;
  now: Now;
  report: ReportFault;
  log?: WatchLog;
}

/** The kiosk serves now: inside its promised hours and taking new sessions. */
function serving(kiosk: TouchedKiosk): boolean {
  const view = lifecycleView(kiosk.lifecycle.getSnapshot());
  return view.hours.open && view.acceptsNewSessions;
}

/**
 * The touch watch on the running kiosk: approaches from the reader's `card` and the scanner's `scan`,
 * taps from the screens the kiosk pushes in answer to a renderer event (`inReplyTo` set: every event
 * the renderer sends is a person's tap, and its answer carries the event's id).
 */
export function watchTouch(o: TouchWatchOptions): { health: TouchHealth; latch: FaultLatch; stop(): void } {
  const health = new TouchHealth(o);
  const latch = new FaultLatch({ code: FaultCode.TOUCH_UNRESPONSIVE, device: 'screen', severity: 'warning' }, o.report, o.log);
  let timer: NodeJS.Timeout | undefined;
  const apply = (v: TouchVerdict) => {
    if (v?.change === 'raise') latch.raise(v.detail, { untouchedApproaches: v.untouched.map((u) => ({ by: u.by, at: new Date(u.at).toISOString() })), approachMs: health.approachMs });
    else if (v?.change === 'clear') latch.clear(v.detail);
  };
  const arm = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    const dueAt = health.dueAt;
    if (dueAt === null) return;
    timer = setTimeout(() => {
      timer = undefined;
      apply(health.due(o.now(), serving(o.kiosk)));
      arm();
    }, Math.max(0, dueAt - o.now()));
    timer.unref();
  };
  const onScreen = (s: ScreenMessage) => {
    if (s.inReplyTo === null) return;
    // a tap with nothing suspected still proves the panel: this run speaks for it (an alarm an earlier run raised clears)
    apply(health.tap() ?? { change: 'clear', detail: 'the screen was tapped', untouched: [] });
    arm();
  };
  const approach = (by: ApproachBy) => () => {
    health.approach(by, o.now(), serving(o.kiosk));
    arm();
  };
  const onCard = approach('card');
  const onScan = approach('code');
  o.kiosk.on('screen', onScreen);
  o.idReader?.on('card', onCard);
  o.scanner?.on('scan', onScan);
  return {
    health,
    latch,
    stop() {
      if (timer) clearTimeout(timer);
      o.kiosk.off('screen', onScreen);
      o.idReader?.off('card', onCard);
      o.scanner?.off('scan', onScan);
    },
  };
}
