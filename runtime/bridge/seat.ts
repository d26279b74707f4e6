/**
 * The screen's one seat on the bridge: at most one renderer connected at a time. The page the shell
 * loaded takes it at boot (only the shell was given the token); while it is taken every other
 * upgrade is refused, so nobody else can tap, acknowledge paints or guess staff PINs.
 *
 * In development (`zizhu start --headless`) a person's own browser may take the screen's place
 * through the separate takeover URL: the page holding the seat is closed (4409), the log says so,
 * and every screen the taking browser gets carries a notice saying so. When it leaves, the seat is
 * free and the kiosk's own page (reconnecting with backoff) takes it back.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import type { ScreenMessage } from '../../contracts/bridge.ts';

/** `screen`: the boot token's page (the shell's); `takeover`: a browser on the development takeover URL */
export type SeatKind = 'screen' | 'takeover';

export const sameToken = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/** The notice a taken-over screen shows (until the next day: it lasts as long as the takeover). */
export function takeoverNotice(at: number): NonNullable<ScreenMessage['notice']> {
  return {
    kind: 'info',
    code: 'SCREEN_TAKEN_OVER',
    words: { zh: '开发模式：本浏览器已接管自助机画面，关闭本页即交还', en: 'Development: this browser has taken over the kiosk screen; close it to give the screen back' },
    until: at + 24 * 3_600_000,
  };
}

interface Holder {
  /** the upgrade request that took the seat */
  raw: IncomingMessage;
  kind: SeatKind;
  /** null while the upgrade is under way */
  socket: WebSocket | null;
}

export class ScreenSeat {
  private holder: Holder | null = null;

  constructor(private readonly log?: { info(m: string): void; warn(m: string): void }) {}

  get taken(): boolean {
    return this.holder !== null;
  }
  get kind(): SeatKind | null {
    return this.holder?.kind ?? null;
  }
  /** the connected renderer's socket */
  get socket(): WebSocket | null {
    return this.holder?.socket ?? null;
  }

  /** Take the seat for an admitted upgrade request (before the upgrade); a takeover closes the one holding it. */
  reserve(raw: IncomingMessage, kind: SeatKind): void {
    const previous = this.holder;
    if (previous) {
      const who = previous.kind === 'screen' ? "the kiosk's own page" : 'the browser that had taken it over';
      this.log?.warn(`bridge: the screen was TAKEN OVER by a browser on the development takeover URL; ${who} waits until that browser closes`);
      previous.socket?.close(4409, 'the screen was taken over');
    }
    const holder: Holder = { raw, kind, socket: null };
    this.holder = holder;
    // the upgrade may never complete (the client went away): the seat is free again
    raw.socket.once('close', () => {
      if (this.holder === holder && holder.socket === null) this.holder = null;
    });
  }

  /** The upgrade of `raw` completed; false when its seat was taken over meanwhile. */
  connect(raw: IncomingMessage, socket: WebSocket): boolean {
    if (this.holder?.raw !== raw) return false;
    this.holder.socket = socket;
    return true;
  }

  /** `socket` closed; true when it held the seat (now free). */
  release(socket: WebSocket): boolean {
    if (this.holder === null || this.holder.socket !== socket) return false;
    if (this.holder.kind === 'takeover') this.log?.info('bridge: the browser that had taken the screen over left; the seat is free for the kiosk page');
    this.holder = null;
    return true;
  }
}
