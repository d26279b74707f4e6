/**
 * HQ's `screenshot`: a picture of the kiosk's screen, only of a screen that shows no personal data.
 *
 * The kiosk's own state says which screen is up (`screenPrivacy` of the screen message the agent
 * pushed, mirroring renderer/src/choose.ts): home, out-of-hours, out-of-service, locked, maintenance
 * and starting are safe; a session's steps, the "ended" screen after one, a card left on the reader
 * and a PIN being checked are not. Then:
 *
 * 1. the agent's screen is safe, else refused with the reason ("a customer is being served");
 * 2. the renderer confirmed it painted that screen (its `painted` with that seq or later names a safe
 *    screen — a renderer still showing the previous person's last step is not safe yet);
 * 3. the frame is captured (the shell: CDP `Page.captureScreenshot` or Electron `capturePage`);
 * 4. checked again: if any screen pushed meanwhile was not safe, or the screen is not safe now, the
 *    picture is discarded and the command fails ("a session started while the picture was taken").
 */
import type { ScreenMessage } from '../../contracts/bridge.ts';
import type { PaintedEvent } from '../bridge/server.ts';
import type { SafeCapture } from './remote-hands.ts';
import { ScreenshotRefused } from './remote-hands.ts';

/** renderer screens (renderer/src/choose.ts names) with no personal data on them */
export const SAFE_SCREENS: ReadonlySet<string> = new Set(['home', 'out-of-hours', 'out-of-service', 'locked', 'maintenance', 'starting']);

export type ScreenPrivacy = { safe: true; screen: string } | { safe: false; reason: string };

/** Which screen the agent's message makes the renderer show, and whether it may be pictured. Pure. */
export function screenPrivacy(m: ScreenMessage): ScreenPrivacy {
  if (m.session) return { safe: false, reason: 'a customer is being served (a session is on screen)' };
  if (m.ended) return { safe: false, reason: 'the screen after a customer\'s session is still shown' };
  if (m.takeIdCard) return { safe: false, reason: 'an ID card was left on the reader (the screen asks for it to be taken)' };
  switch (m.kiosk.status) {
    case 'booting':
    case 'selfTest':
      return { safe: true, screen: 'starting' };
    case 'maintenance':
      return { safe: true, screen: 'maintenance' };
    case 'verifyingPin':
      return { safe: false, reason: 'staff are entering their PIN' };
    case 'remoteLocked':
      return { safe: true, screen: 'locked' };
    case 'outOfHours':
      return { safe: true, screen: 'out-of-hours' };
    case 'outOfService':
      return { safe: true, screen: 'out-of-service' };
    default:
      return { safe: true, screen: 'home' };
  }
}

export interface ScreenToPicture {
  /** the screen message the agent pushed last, and each one it pushes (runtime/kiosk/kiosk.ts) */
  kiosk: { screen(): ScreenMessage; on(event: 'screen', fn: (m: ScreenMessage) => void): unknown; off(event: 'screen', fn: (m: ScreenMessage) => void): unknown };
  /** what the renderer said it painted (runtime/bridge/server.ts) */
  bridge: { readonly lastPainted: PaintedEvent | undefined; on(event: 'painted', fn: (p: PaintedEvent) => void): unknown; off(event: 'painted', fn: (p: PaintedEvent) => void): unknown };
  /** the shell's frame capture: a PNG */
  capture(): Promise<Buffer>;
  /** how long the renderer may take to paint the screen checked (default 3 s) */
  paintWaitMs?: number;
}

/** Wait for a `painted` of `seq` or later; its screen name, or null when none came in time. */
function paintedAtLeast(b: ScreenToPicture['bridge'], seq: number, ms: number): Promise<PaintedEvent | null> {
  if (b.lastPainted && b.lastPainted.seq >= seq) return Promise.resolve(b.lastPainted);
  return new Promise((resolve) => {
    const done = (p: PaintedEvent | null) => {
      clearTimeout(timer);
      b.off('painted', on);
      resolve(p);
    };
    const on = (p: PaintedEvent) => {
      if (p.seq >= seq) done(p);
    };
    const timer = setTimeout(() => done(null), ms);
    b.on('painted', on);
  });
}

export async function captureSafeScreen(s: ScreenToPicture): Promise<SafeCapture> {
  const first = s.kiosk.screen();
  const verdict = screenPrivacy(first);
  if (!verdict.safe) throw new ScreenshotRefused(verdict.reason);
  const painted = await paintedAtLeast(s.bridge, first.seq, s.paintWaitMs ?? 3_000);
  if (!painted) throw new ScreenshotRefused('no renderer confirmed it shows the screen (is the screen connected?)');
  if (!SAFE_SCREENS.has(painted.screen)) throw new ScreenshotRefused(`the screen shows "${painted.screen}", which may hold personal data`);

  // anything not safe pushed while the frame is taken spoils it
  let spoiled: string | null = null;
  const watch = (m: ScreenMessage) => {
    const v = screenPrivacy(m);
    if (!v.safe && !spoiled) spoiled = v.reason;
  };
  const watchPaint = (p: PaintedEvent) => {
    if (!SAFE_SCREENS.has(p.screen) && !spoiled) spoiled = `the screen changed to "${p.screen}"`;
  };
  s.kiosk.on('screen', watch);
  s.bridge.on('painted', watchPaint);
  let image: Buffer;
  try {
    image = await s.capture();
  } catch (e) {
    throw new ScreenshotRefused(`the shell could not take the picture: ${(e as Error).message}`);
  } finally {
    s.kiosk.off('screen', watch);
    s.bridge.off('painted', watchPaint);
  }
  // a push queued meanwhile (a tap that started a session) goes out first
  await new Promise((r) => setImmediate(r));
  const now = screenPrivacy(s.kiosk.screen());
  if (!spoiled && !now.safe) spoiled = now.reason;
  if (spoiled) throw new ScreenshotRefused(`${spoiled} while the picture was taken; it was discarded`);
  return { image, contentType: 'image/png', screen: painted.screen };
}
