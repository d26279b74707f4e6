/**
 * HQ's screenshot is taken only of a screen with no personal data: the kiosk's screen message says
 * which screen is up, the renderer must have painted it, and anything unsafe pushed or painted while
 * the frame is taken spoils the picture (discarded).
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { ScreenMessage } from '../../contracts/bridge.ts';
import type { PaintedEvent } from '../bridge/server.ts';
import { ScreenshotRefused } from './remote-hands.ts';
import { captureSafeScreen, screenPrivacy } from './screenshot.ts';

const msg = (status: string, over: Partial<Record<'session' | 'ended' | 'takeIdCard', unknown>> = {}, seq = 1) =>
  ({ seq, kiosk: { status }, session: null, ended: null, takeIdCard: false, ...over }) as unknown as ScreenMessage;
const PNG = Buffer.from('89504e470d0a1a0a', 'hex');

class FakeScreen extends EventEmitter {
  last = msg('inService');
  lastPainted: PaintedEvent | undefined = { seq: 1, screen: 'home', at: 0 };
  screen = () => this.last;
  push(m: ScreenMessage) {
    this.last = m;
    this.emit('screen', m);
  }
  paint(seq: number, screen: string) {
    this.lastPainted = { seq, screen, at: 0 };
    this.emit('painted', this.lastPainted);
  }
}

const refusal = (p: Promise<unknown>) => p.then(() => 'taken', (e: unknown) => (e instanceof ScreenshotRefused ? e.message : `other: ${(e as Error).message}`));

describe('screenshots of safe screens only', () => {
  it('which screens may be pictured', () => {
    expect(screenPrivacy(msg('inService'))).toEqual({ safe: true, screen: 'home' });
    expect(screenPrivacy(msg('degraded'))).toEqual({ safe: true, screen: 'home' });
    expect(screenPrivacy(msg('outOfHours'))).toEqual({ safe: true, screen: 'out-of-hours' });
    expect(screenPrivacy(msg('remoteLocked'))).toEqual({ safe: true, screen: 'locked' });
    expect(screenPrivacy(msg('maintenance'))).toEqual({ safe: true, screen: 'maintenance' });
    expect(screenPrivacy(msg('inService', { session: { step: 'preview' } }))).toEqual({ safe: false, reason: 'a customer is being served (a session is on screen)' });
    expect(screenPrivacy(msg('inService', { ended: { outcome: 'completed' } })).safe).toBe(false);
    expect(screenPrivacy(msg('inService', { takeIdCard: true })).safe).toBe(false);
    expect(screenPrivacy(msg('verifyingPin')).safe).toBe(false);
  });

  it('taken when the home screen is up and painted; refused mid-session; discarded when a session starts while it is taken', async () => {
    const s = new FakeScreen();
    const shot = await captureSafeScreen({ kiosk: s, bridge: s, capture: async () => PNG });
    expect(shot).toEqual({ image: PNG, contentType: 'image/png', screen: 'home' });

    s.push(msg('inService', { session: { step: 'identifying' } }, 2));
    expect(await refusal(captureSafeScreen({ kiosk: s, bridge: s, capture: async () => PNG }))).toBe('a customer is being served (a session is on screen)');

    // the agent's screen is home again, but the renderer still shows the last person's step
    s.push(msg('inService', {}, 3));
    s.paint(2, 'pf.receipt');
    expect(await refusal(captureSafeScreen({ kiosk: s, bridge: s, capture: async () => PNG, paintWaitMs: 50 }))).toBe('no renderer confirmed it shows the screen (is the screen connected?)');
    s.paint(3, 'home');

    // a customer taps a tile while the frame is being taken
    const spoiled = captureSafeScreen({
      kiosk: s,
      bridge: s,
      capture: async () => {
        s.push(msg('inService', { session: { step: 'identifying' } }, 4));
        s.paint(4, 'pf.identifying');
        return PNG;
      },
    });
    expect(await refusal(spoiled)).toBe('a customer is being served (a session is on screen) while the picture was taken; it was discarded');
    expect(await refusal(captureSafeScreen({ kiosk: s, bridge: s, capture: async () => Promise.reject(new Error('renderer gone')) }))).toMatch(/^a customer is being served/);
  });
});
