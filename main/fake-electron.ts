/**
 * Test doubles for the few Electron objects the shell uses — only where no real Electron can run
 * (this machine has no binary). EventEmitter-based like the real ones; each records what was done
 * to it. Cast to Electron's types at the call site (`as unknown as WebContents`).
 */
import { EventEmitter } from 'node:events';
import type { BrowserWindowConstructorOptions, ForkOptions, HandlerDetails, WindowOpenHandlerResponse } from 'electron';

/** Electron's Event: preventDefault() and, for navigation events, the url. */
export class FakeEvent {
  defaultPrevented = false;
  constructor(readonly url = '') {}
  preventDefault(): void {
    this.defaultPrevented = true;
  }
}

export class FakeImage {
  constructor(
    private readonly png: Buffer,
    /** the size it claims (a NativeImage's getSize()) */
    readonly size = { width: 1080, height: 1920 },
  ) {}
  /** what resize() was asked for */
  readonly resizes: { width?: number; height?: number; quality?: string }[] = [];
  isEmpty(): boolean {
    return this.png.length === 0;
  }
  toPNG(): Buffer {
    return this.png;
  }
  getSize(): { width: number; height: number } {
    return this.size;
  }
  /** the same PNG bytes, claiming the new size (the test checks `resizes`) */
  resize(o: { width?: number; height?: number; quality?: string }): FakeImage {
    this.resizes.push(o);
    return new FakeImage(this.png, { width: o.width ?? this.size.width, height: o.height ?? this.size.height });
  }
}

export class FakeWebContents extends EventEmitter {
  readonly loaded: string[] = [];
  windowOpenHandler: ((details: HandlerDetails) => WindowOpenHandlerResponse) | undefined;
  crashed = false;
  forcedCrashes = 0;
  devToolsClosed = 0;
  /** what capturePage() answers; replace per test */
  capture: () => Promise<FakeImage> = async () => new FakeImage(Buffer.from('89504e470d0a1a0a', 'hex'));
  /** the rectangle of each capturePage() (undefined: the whole page) */
  readonly captureRects: ({ x: number; y: number; width: number; height: number } | undefined)[] = [];

  async loadURL(url: string): Promise<void> {
    this.loaded.push(url);
  }
  setWindowOpenHandler(handler: (details: HandlerDetails) => WindowOpenHandlerResponse): void {
    this.windowOpenHandler = handler;
  }
  isCrashed(): boolean {
    return this.crashed;
  }
  forcefullyCrashRenderer(): void {
    this.forcedCrashes++;
  }
  closeDevTools(): void {
    this.devToolsClosed++;
  }
  async capturePage(rect?: { x: number; y: number; width: number; height: number }): Promise<FakeImage> {
    this.captureRects.push(rect);
    return this.capture();
  }
  /** a window.open from the page: what the handler decided */
  open(url: string): WindowOpenHandlerResponse | undefined {
    return this.windowOpenHandler?.({ url, frameName: '', features: '', disposition: 'new-window', referrer: { url: '', policy: 'default' } } as HandlerDetails);
  }
}

export class FakeBrowserWindow extends EventEmitter {
  static readonly created: FakeBrowserWindow[] = [];
  readonly webContents = new FakeWebContents();
  shown = false;
  menuRemoved = false;
  destroyed = false;
  constructor(readonly options: BrowserWindowConstructorOptions) {
    super();
    FakeBrowserWindow.created.push(this);
  }
  show(): void {
    this.shown = true;
  }
  removeMenu(): void {
    this.menuRemoved = true;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  destroy(): void {
    this.destroyed = true;
    this.emit('closed');
  }
}

type PermissionRequestHandler = (contents: unknown, permission: string, callback: (granted: boolean) => void, details: unknown) => void;
type HeadersListener = (details: { responseHeaders?: Record<string, string[]> }, callback: (response: { responseHeaders?: Record<string, string[]> }) => void) => void;

export class FakeSession extends EventEmitter {
  permissionRequestHandler: PermissionRequestHandler | undefined;
  permissionCheckHandler: ((...args: unknown[]) => boolean) | undefined;
  devicePermissionHandler: ((...args: unknown[]) => boolean) | undefined;
  headersListener: HeadersListener | undefined;
  readonly webRequest = {
    onHeadersReceived: (listener: HeadersListener): void => {
      this.headersListener = listener;
    },
  };
  setPermissionRequestHandler(handler: PermissionRequestHandler): void {
    this.permissionRequestHandler = handler;
  }
  setPermissionCheckHandler(handler: (...args: unknown[]) => boolean): void {
    this.permissionCheckHandler = handler;
  }
  setDevicePermissionHandler(handler: (...args: unknown[]) => boolean): void {
    this.devicePermissionHandler = handler;
  }
  /** ask for a permission the way a page would; resolves with the decision */
  requestPermission(permission: string): Promise<boolean> {
    return new Promise((resolve) => this.permissionRequestHandler?.({}, permission, resolve, {}));
  }
}

export class FakeUtilityProcess extends EventEmitter {
  readonly posted: unknown[] = [];
  killed = false;
  constructor(
    readonly modulePath: string,
    readonly args: string[],
    readonly options: ForkOptions,
    readonly pid: number,
  ) {
    super();
  }
  postMessage(message: unknown): void {
    this.posted.push(message);
  }
  kill(): boolean {
    this.killed = true;
    return true;
  }
  /** the process came up */
  spawn(): void {
    this.emit('spawn');
  }
  /** the process ended */
  exit(code: number): void {
    this.emit('exit', code);
  }
  /** the agent sends a message over its parentPort */
  send(message: unknown): void {
    this.emit('message', message);
  }
}

/** A utilityProcess.fork that records each child it makes. */
export function fakeFork(): { fork: (modulePath: string, args: string[], options: ForkOptions) => FakeUtilityProcess; children: FakeUtilityProcess[] } {
  const children: FakeUtilityProcess[] = [];
  return {
    children,
    fork: (modulePath, args, options) => {
      const child = new FakeUtilityProcess(modulePath, args, options, 1000 + children.length);
      children.push(child);
      return child;
    },
  };
}

/** A log that keeps its lines, for asserting that something was logged (and dropped). */
export function memoryLog(): { lines: string[]; info(m: string): void; warn(m: string): void; error(m: string): void } {
  const lines: string[] = [];
  return {
    lines,
    info: (m) => lines.push(`info ${m}`),
    warn: (m) => lines.push(`warn ${m}`),
    error: (m) => lines.push(`error ${m}`),
  };
}

export class FakeApp extends EventEmitter {
  isPackaged = false;
  quits = 0;
  exitCode: number | undefined;
  readonly switches: string[][] = [];
  readonly commandLine = { appendSwitch: (...args: string[]): void => void this.switches.push(args) };
  requestSingleInstanceLock(): boolean {
    return true;
  }
  whenReady(): Promise<void> {
    return Promise.resolve();
  }
  quit(): void {
    this.quits++;
  }
  relaunches = 0;
  relaunch(): void {
    this.relaunches++;
  }
  exit(code = 0): void {
    this.exitCode = code;
  }
}

/** A stand-in for the `electron` module as main/main.ts uses it (for `vi.mock('electron', …)`). */
export function fakeElectronModule() {
  const forked = fakeFork();
  const fake = {
    app: new FakeApp(),
    BrowserWindow: FakeBrowserWindow,
    session: { defaultSession: new FakeSession() },
    applicationMenu: undefined as unknown,
    Menu: {
      setApplicationMenu: (menu: unknown): void => {
        fake.applicationMenu = menu;
      },
    },
    blockers: [] as string[],
    powerSaveBlocker: {
      start: (type: string): number => fake.blockers.push(type),
    },
    screen: { getPrimaryDisplay: () => ({ bounds: { x: 0, y: 0, width: 1080, height: 1920 } }) },
    children: forked.children,
    utilityProcess: { fork: forked.fork },
  };
  lastFakeElectron = fake;
  return fake;
}

export let lastFakeElectron: ReturnType<typeof fakeElectronModule> | undefined;
