/**
 * The renderer's end of the bridge (contracts/bridge.ts): one WebSocket to the agent, every frame
 * parsed with the contract's schemas. Keeps only what the view needs: the last good screen, the
 * agent's clock offset, whether we are connected, and the last `rejected` words for a toast.
 */
import { AgentMessageSchema, BRIDGE_PATH, parseFrame, type RendererMessage, type ScreenMessage, type UiEvent, type Words } from '../../contracts/bridge.ts';
import { markerBootId } from '../../contracts/screen-marker.ts';

export interface BridgeState {
  /** the last good screen (kept while disconnected and when a frame could not be read) */
  screen: ScreenMessage | null;
  /** agent clock − local clock, measured when the screen arrived */
  offset: number;
  connected: boolean;
  /** disconnected for longer than {@link CONNECTING_OVERLAY_AFTER_MS} (or never connected) */
  showConnecting: boolean;
  /** frames that were not valid agent messages */
  badFrames: number;
  /** the last refused event's words; `key` changes with each one */
  rejected: { key: number; code: string; words: Words } | null;
}

/** what the client needs of a WebSocket (the browser's, or a fake in tests) */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

export interface BridgeOptions {
  createSocket?: (url: string) => SocketLike;
  now?: () => number;
  random?: () => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
  log?: (message: string) => void;
}

export const BACKOFF_FIRST_MS = 250;
export const BACKOFF_MAX_MS = 5000;
export const CONNECTING_OVERLAY_AFTER_MS = 1500;
export const DOUBLE_TAP_MS = 400;
const OPEN = 1;

/** ws(s)://host/bridge?token=… for the page's own location */
export function bridgeUrl(loc: { protocol: string; host: string; search: string }): string {
  const token = new URLSearchParams(loc.search).get('token') ?? '';
  const scheme = loc.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${loc.host}${BRIDGE_PATH}?token=${encodeURIComponent(token)}`;
}

export class BridgeClient {
  private state: BridgeState = { screen: null, offset: 0, connected: false, showConnecting: false, badFrames: 0, rejected: null };
  private readonly listeners = new Set<() => void>();
  private socket: SocketLike | null = null;
  private backoff = BACKOFF_FIRST_MS;
  private reconnectTimer: unknown = null;
  private overlayTimer: unknown = null;
  private stopped = true;
  private counter = 0;
  private rejectedCount = 0;
  private readonly lastSent = new Map<string, number>();
  private readonly createSocket: (url: string) => SocketLike;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  private readonly clearTimer: (handle: unknown) => void;
  private readonly log: (message: string) => void;

  constructor(
    private readonly url: string,
    options: BridgeOptions = {},
  ) {
    this.createSocket = options.createSocket ?? ((u) => new WebSocket(u) as unknown as SocketLike);
    this.now = options.now ?? (() => Date.now());
    this.random = options.random ?? Math.random;
    this.setTimer = options.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = options.clearTimer ?? ((h) => clearTimeout(h as ReturnType<typeof setTimeout>));
    this.log = options.log ?? ((m) => console.warn(m));
  }

  getState = (): BridgeState => this.state;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect();
    // never connected yet: the connecting screen shows at once (there is nothing else to show)
    this.update({ showConnecting: this.state.screen === null });
  }

  stop(): void {
    this.stopped = true;
    if (this.reconnectTimer !== null) this.clearTimer(this.reconnectTimer);
    if (this.overlayTimer !== null) this.clearTimer(this.overlayTimer);
    this.reconnectTimer = this.overlayTimer = null;
    const s = this.socket;
    this.socket = null;
    if (s) {
      s.onclose = s.onerror = s.onmessage = s.onopen = null;
      s.close();
    }
  }

  /** the delay before the next reconnect attempt */
  get nextBackoffMs(): number {
    return this.backoff;
  }

  /**
   * Send a person's action. The same action within {@link DOUBLE_TAP_MS} is sent once (a double
   * tap). Returns the event id, or null when not sent (debounced, or not connected).
   */
  send(event: UiEvent): string | null {
    const key = JSON.stringify(event);
    const now = this.now();
    const last = this.lastSent.get(key);
    if (last !== undefined && now - last < DOUBLE_TAP_MS) return null;
    if (!this.socket || this.socket.readyState !== OPEN) return null;
    this.lastSent.set(key, now);
    if (this.lastSent.size > 64) for (const [k, t] of this.lastSent) if (now - t >= DOUBLE_TAP_MS) this.lastSent.delete(k);
    this.counter += 1;
    const id = `e${this.counter}-${Math.floor(this.random() * 0xffffffff).toString(36)}`;
    this.write({ type: 'event', id, event });
    return id;
  }

  /** acknowledge a painted screen (the watchdog's proof that the screen is not black) */
  painted(seq: number, screen: string): void {
    this.write({ type: 'painted', seq, screen: screen.slice(0, 80) });
  }

  /** the page still runs: `frames` animation frames so far (issue 11; screen-proof.tsx) */
  heartbeat(frames: number): void {
    this.write({ type: 'heartbeat', frames });
  }

  /** this boot's screen-marker id: from the boot token in the bridge URL (contracts/screen-marker.ts) */
  get markerId(): number {
    let token = '';
    try {
      token = new URL(this.url).searchParams.get('token') ?? '';
    } catch {
      // not a URL: no token, id of ''
    }
    return markerBootId(token);
  }

  private write(message: RendererMessage): void {
    if (this.socket && this.socket.readyState === OPEN) this.socket.send(JSON.stringify(message));
  }

  private update(patch: Partial<BridgeState>): void {
    this.state = { ...this.state, ...patch };
    for (const l of this.listeners) l();
  }

  private connect(): void {
    this.reconnectTimer = null;
    if (this.stopped) return;
    let socket: SocketLike;
    try {
      socket = this.createSocket(this.url);
    } catch (err) {
      this.log(`bridge: cannot open ${this.url}: ${String(err)}`);
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      if (this.socket !== socket) return;
      this.backoff = BACKOFF_FIRST_MS;
      if (this.overlayTimer !== null) this.clearTimer(this.overlayTimer);
      this.overlayTimer = null;
      this.update({ connected: true, showConnecting: this.state.screen === null });
    };
    socket.onmessage = (ev) => {
      if (this.socket !== socket) return;
      this.receive(typeof ev.data === 'string' ? ev.data : String(ev.data));
    };
    socket.onerror = () => {
      // onclose follows; nothing else to do
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.disconnected();
    };
  }

  private disconnected(): void {
    const wasConnected = this.state.connected;
    this.update({ connected: false });
    if (wasConnected && this.overlayTimer === null) {
      this.overlayTimer = this.setTimer(() => {
        this.overlayTimer = null;
        if (!this.state.connected) this.update({ showConnecting: true });
      }, CONNECTING_OVERLAY_AFTER_MS);
    }
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.reconnectTimer !== null) return;
    const delay = this.backoff;
    this.backoff = Math.min(this.backoff * 2, BACKOFF_MAX_MS);
    this.reconnectTimer = this.setTimer(() => this.connect(), delay);
  }

  private receive(text: string): void {
    const parsed = parseFrame(AgentMessageSchema, text);
    if (!parsed.ok) {
      this.log(`bridge: unreadable frame (${parsed.error}); keeping the last screen`);
      this.update({ badFrames: this.state.badFrames + 1 });
      return;
    }
    const msg = parsed.value;
    if (msg.type === 'screen') {
      // an older push arriving late never replaces a newer one (seq restarts only with a new boot)
      const prev = this.state.screen;
      if (prev && msg.seq < prev.seq && msg.at <= prev.at) return;
      this.update({ screen: msg, offset: msg.at - this.now(), showConnecting: false });
    } else {
      this.rejectedCount += 1;
      this.update({ rejected: { key: this.rejectedCount, code: msg.code, words: msg.words } });
    }
  }
}
