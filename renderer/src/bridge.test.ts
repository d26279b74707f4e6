import { describe, expect, it } from 'vitest';
import { RendererMessageSchema, type ScreenMessage } from '../../contracts/bridge.ts';
import { markerBootId } from '../../contracts/screen-marker.ts';
import { BridgeClient, bridgeUrl, type SocketLike } from './bridge.ts';

class FakeSocket implements SocketLike {
  readyState = 0;
  sent: string[] = [];
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: unknown) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  constructor(readonly url: string) {}
  send(data: string) {
    this.sent.push(data);
  }
  close() {
    this.readyState = 3;
  }
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  drop() {
    this.readyState = 3;
    this.onclose?.({});
  }
  receive(text: string) {
    this.onmessage?.({ data: text });
  }
}

/** a client on fake sockets and a fake clock with manual timers */
function harness() {
  const sockets: FakeSocket[] = [];
  let now = 1_000_000;
  const timers: { at: number; fn: () => void; id: number }[] = [];
  let nextId = 1;
  const client = new BridgeClient('ws://kiosk/bridge?token=abc', {
    createSocket: (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    },
    now: () => now,
    random: () => 0.5,
    setTimer: (fn, ms) => {
      const id = nextId++;
      timers.push({ at: now + ms, fn, id });
      return id;
    },
    clearTimer: (h) => {
      const i = timers.findIndex((t) => t.id === h);
      if (i >= 0) timers.splice(i, 1);
    },
    log: () => {},
  });
  const advance = (ms: number) => {
    const until = now + ms;
    for (;;) {
      timers.sort((a, b) => a.at - b.at);
      const t = timers[0];
      if (!t || t.at > until) break;
      timers.shift();
      now = t.at;
      t.fn();
    }
    now = until;
  };
  return { client, sockets, advance, last: () => sockets[sockets.length - 1]!, setNow: (n: number) => (now = n), getNow: () => now };
}

const screen = (seq: number, at = 5_000_000): ScreenMessage => ({
  type: 'screen',
  protocol: 1,
  seq,
  at,
  inReplyTo: null,
  kiosk: {
    id: 'k',
    name: 'K',
    hotline: '12345',
    status: 'inService',
    acceptsNewSessions: true,
    services: [],
    hours: { open: true, closesAt: null, opensAt: null, schedule: { zh: '24 小时', en: '24 h' }, timezone: 'Asia/Shanghai' },
    nearbyKiosks: [],
    elderlyModeAllowed: true,
    remoteLock: null,
    pinLockedUntil: null,
    devices: [],
  },
  prefs: { locale: 'zh-CN', elderly: false },
  session: null,
  ended: null,
  maintenance: null,
  notice: null,
});

describe('bridgeUrl', () => {
  it('puts the page token on the bridge path, ws or wss by the page protocol', () => {
    expect(bridgeUrl({ protocol: 'http:', host: '127.0.0.1:7400', search: '?token=a%2Bb' })).toBe('ws://127.0.0.1:7400/bridge?token=a%2Bb');
    expect(bridgeUrl({ protocol: 'https:', host: 'k', search: '?x=1&token=t1' })).toBe('wss://k/bridge?token=t1');
  });
});

describe('BridgeClient', () => {
  it('keeps the last good screen when a frame cannot be read, and counts it', () => {
    const h = harness();
    h.client.start();
    h.last().open();
    h.last().receive(JSON.stringify(screen(1)));
    expect(h.client.getState().screen?.seq).toBe(1);
    h.last().receive('{not json');
    h.last().receive(JSON.stringify({ ...screen(2), kiosk: { status: 'weird' } }));
    expect(h.client.getState().screen?.seq).toBe(1);
    expect(h.client.getState().badFrames).toBe(2);
    h.last().receive(JSON.stringify(screen(3)));
    expect(h.client.getState().screen?.seq).toBe(3);
  });

  it('measures the agent clock offset when a screen arrives', () => {
    const h = harness();
    h.client.start();
    h.last().open();
    h.last().receive(JSON.stringify(screen(1, h.getNow() + 7_000)));
    expect(h.client.getState().offset).toBe(7_000);
  });

  it('sends events with fresh ids and drops a double tap of the same action within 400 ms', () => {
    const h = harness();
    h.client.start();
    expect(h.client.send({ type: 'TOUCH' })).toBeNull(); // not connected yet
    h.last().open();
    const a = h.client.send({ type: 'DEPARTMENT_CHOSEN', departmentId: 'd-01' });
    h.advance(100);
    const b = h.client.send({ type: 'DEPARTMENT_CHOSEN', departmentId: 'd-01' });
    const c = h.client.send({ type: 'DEPARTMENT_CHOSEN', departmentId: 'd-02' });
    h.advance(400);
    const d = h.client.send({ type: 'DEPARTMENT_CHOSEN', departmentId: 'd-01' });
    expect(a).not.toBeNull();
    expect(b).toBeNull();
    expect(c).not.toBeNull();
    expect(d).not.toBeNull();
    expect(new Set([a, c, d]).size).toBe(3);
    const sent = h.last().sent.map((s) => RendererMessageSchema.parse(JSON.parse(s)));
    expect(sent.map((m) => (m.type === 'event' ? m.event : null))).toEqual([
      { type: 'DEPARTMENT_CHOSEN', departmentId: 'd-01' },
      { type: 'DEPARTMENT_CHOSEN', departmentId: 'd-02' },
      { type: 'DEPARTMENT_CHOSEN', departmentId: 'd-01' },
    ]);
  });

  it('reconnects with backoff doubling from 250 ms to 5 s, reset by a successful open', () => {
    const h = harness();
    h.client.start();
    expect(h.sockets).toHaveLength(1);
    const delays: number[] = [];
    for (let i = 0; i < 7; i++) {
      delays.push(h.client.nextBackoffMs);
      h.last().drop();
      const before = h.sockets.length;
      h.advance(delays[i]! - 1);
      expect(h.sockets.length).toBe(before);
      h.advance(1);
      expect(h.sockets.length).toBe(before + 1);
    }
    expect(delays).toEqual([250, 500, 1000, 2000, 4000, 5000, 5000]);
    h.last().open();
    expect(h.client.nextBackoffMs).toBe(250);
  });

  it('shows the connecting screen only after 1.5 s away, keeping the last screen until then', () => {
    const h = harness();
    h.client.start();
    expect(h.client.getState().showConnecting).toBe(true); // nothing to show yet
    h.last().open();
    h.last().receive(JSON.stringify(screen(1)));
    expect(h.client.getState().showConnecting).toBe(false);
    h.last().drop();
    h.advance(1400);
    expect(h.client.getState()).toMatchObject({ connected: false, showConnecting: false });
    h.advance(200);
    expect(h.client.getState().showConnecting).toBe(true);
    expect(h.client.getState().screen?.seq).toBe(1);
    h.advance(5000);
    h.last().open();
    h.last().receive(JSON.stringify(screen(2)));
    expect(h.client.getState()).toMatchObject({ connected: true, showConnecting: false });
  });

  it('acknowledges painted screens and keeps rejected words for a toast', () => {
    const h = harness();
    h.client.start();
    h.last().open();
    h.client.painted(4, 'pf.preview');
    expect(JSON.parse(h.last().sent[0]!)).toEqual({ type: 'painted', seq: 4, screen: 'pf.preview' });
    h.last().receive(JSON.stringify({ type: 'rejected', id: 'e1', code: 'EVENT_NOT_ALLOWED', words: { zh: '现在不能这样做', en: 'Not now' } }));
    expect(h.client.getState().rejected).toMatchObject({ key: 1, code: 'EVENT_NOT_ALLOWED', words: { zh: '现在不能这样做' } });
  });

  it('sends the heartbeat (issue 11) only while connected; its marker id is the boot token\'s, as the agent computes it', () => {
    const h = harness();
    h.client.start();
    h.client.heartbeat(1);
    h.last().open();
    h.client.heartbeat(7);
    expect(h.last().sent.map((m) => RendererMessageSchema.parse(JSON.parse(m)))).toEqual([{ type: 'heartbeat', frames: 7 }]);
    expect(h.client.markerId).toBe(markerBootId('abc'));
    expect(new BridgeClient('not a url').markerId).toBe(markerBootId(''));
  });
});
