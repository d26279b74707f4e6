/**
 * The kiosk's lockdown, after Electron's security checklist
 * (https://www.electronjs.org/docs/latest/tutorial/security). Decisions are pure functions
 * (`isBlockedShortcut`, `isAllowedNavigation`, `cspHeader`), tested alone; the wiring functions take
 * the Electron objects as parameters so tests can pass fakes.
 *
 * Which checklist item lives where:
 * - no Node in the renderer, context isolation, sandbox, no <webview>, no preload: `main/window.ts` (webPreferences)
 * - deny every permission request and check: `lockDownSession`
 * - CSP on every response: `lockDownSession` (`cspHeader()`)
 * - navigation only within the agent's renderer origin (`will-navigate`, `will-redirect`): `lockDownContents`
 * - no new windows (`setWindowOpenHandler` → deny), no `<webview>` attach: `lockDownContents`
 * - escape shortcuts swallowed (`before-input-event`): `lockDownContents`. Alt+Tab, Ctrl+Alt+Del and
 *   Ctrl+Alt+F1..F12 (VT switch) are handled by the OS and never reach the page: lock them down in the
 *   kiosk's window manager / Xorg config (`DontVTSwitch`), not here.
 * - the same for every webContents ever created: `lockDownApp` (`web-contents-created`)
 * - no downloads: `lockDownSession` (`will-download` prevented)
 */
import type { App, Input, Session, WebContents } from 'electron';

// ---------------------------------------------------------------------------------------------
// Pure decisions

/** The parts of Electron's `Input` a shortcut decision needs. */
export type KeyInput = Pick<Input, 'key' | 'control' | 'meta' | 'alt' | 'shift'> & Partial<Pick<Input, 'code' | 'type'>>;

const ALWAYS_BLOCKED_KEYS = new Set(['F5', 'F11', 'F12', 'BrowserBack', 'BrowserForward', 'BrowserRefresh', 'BrowserHome', 'BrowserSearch', 'Help', 'ContextMenu']);
/** Ctrl/Cmd + letter: close (W), quit (Q), reload (R), new window/tab (N/T), print (P), open (O), save (S), view source (U), history (H), find (F), downloads (J), location bar (L), bookmarks (D). */
const CTRL_LETTERS = new Set(['w', 'q', 'r', 'n', 't', 'p', 'o', 's', 'u', 'h', 'f', 'j', 'l', 'd', 'g']);
/** Ctrl+Shift + letter: devtools (I, J, C), reopen tab (T), new incognito window (N), quit (Q), delete data (Delete). */
const CTRL_SHIFT_LETTERS = new Set(['i', 'j', 'c', 't', 'n', 'q', 'w', 'r', 'delete']);
/** zoom: Ctrl+plus/minus/0 on the main row and the keypad */
const ZOOM_KEYS = new Set(['+', '=', '-', '_', '0']);
const ZOOM_CODES = new Set(['Equal', 'Minus', 'Digit0', 'NumpadAdd', 'NumpadSubtract', 'Numpad0']);

/** The letter a key is on, layout-independent where Electron gives a `code` (`KeyI` → `i`). */
function letterOf(input: KeyInput): string {
  const code = input.code ?? '';
  if (/^Key[A-Z]$/.test(code)) return code.slice(3).toLowerCase();
  return input.key.toLowerCase();
}

/**
 * Is this key combination one that would leave, close, reload, zoom or inspect the kiosk page?
 * Plain typing (letters, digits, Enter, Backspace, arrows without Alt) always passes.
 */
export function isBlockedShortcut(input: KeyInput): boolean {
  const key = input.key;
  const ctrl = input.control || input.meta;
  if (ALWAYS_BLOCKED_KEYS.has(key)) return true;
  if (input.alt && key === 'F4') return true;
  if (input.alt && (key === 'ArrowLeft' || key === 'ArrowRight' || key === 'Home')) return true;
  if (!ctrl) return false;
  const letter = letterOf(input);
  if (input.shift && CTRL_SHIFT_LETTERS.has(letter)) return true;
  if (CTRL_LETTERS.has(letter)) return true;
  if (ZOOM_KEYS.has(key) || ZOOM_CODES.has(input.code ?? '')) return true;
  if (key === 'F4' || key === 'Tab' || key === 'PageUp' || key === 'PageDown') return true;
  return false;
}

function originOf(url: string): string | undefined {
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
    return u.origin;
  } catch {
    return undefined;
  }
}

/**
 * May the kiosk page go to `url`? Only to the same origin (scheme, host, port) as the renderer URL
 * the agent gave; never anywhere while no renderer URL is known; never to file:, data:, javascript:.
 */
export function isAllowedNavigation(url: string, rendererUrl: string | undefined): boolean {
  if (rendererUrl === undefined) return false;
  const target = originOf(url);
  const renderer = originOf(rendererUrl);
  return target !== undefined && renderer !== undefined && target === renderer;
}

/** The Content-Security-Policy put on every response the kiosk session receives. */
export function cspHeader(): string {
  return [
    "default-src 'self'",
    "connect-src 'self' ws://127.0.0.1:*",
    "img-src 'self' data:",
    "style-src 'self' 'unsafe-inline'",
    "script-src 'self'",
    "object-src 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** `responseHeaders` with any CSP the server sent replaced by ours (header names are case-insensitive). */
export function withCsp(headers: Record<string, string[] | string> | undefined): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (name.toLowerCase() === 'content-security-policy') continue;
    out[name] = Array.isArray(value) ? value : [value];
  }
  out['Content-Security-Policy'] = [cspHeader()];
  return out;
}

// ---------------------------------------------------------------------------------------------
// Wiring

export interface LockdownLog {
  warn(message: string): void;
}

export interface ContentsLockdownOptions {
  /** the renderer URL the agent asked for, or undefined while none is loaded */
  rendererUrl(): string | undefined;
  /** false in production: devtools are closed as soon as they open */
  allowDevTools: boolean;
  log: LockdownLog;
}

const lockedContents = new WeakSet<object>();

/** Navigation, redirects, new windows, webviews, shortcuts and devtools of one webContents. Idempotent. */
export function lockDownContents(contents: WebContents, opts: ContentsLockdownOptions): void {
  if (lockedContents.has(contents)) return;
  lockedContents.add(contents);

  contents.on('will-navigate', (event) => {
    if (isAllowedNavigation(event.url, opts.rendererUrl())) return;
    event.preventDefault();
    opts.log.warn(`navigation blocked: ${event.url} is not the renderer's origin`);
  });
  contents.on('will-redirect', (event) => {
    if (isAllowedNavigation(event.url, opts.rendererUrl())) return;
    event.preventDefault();
    opts.log.warn(`redirect blocked: ${event.url} is not the renderer's origin`);
  });
  contents.setWindowOpenHandler((details) => {
    opts.log.warn(`window.open denied: ${details.url}`);
    return { action: 'deny' };
  });
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
    opts.log.warn('<webview> attach prevented');
  });
  contents.on('before-input-event', (event, input) => {
    if (isBlockedShortcut(input)) event.preventDefault();
  });
  if (!opts.allowDevTools) {
    contents.on('devtools-opened', () => {
      contents.closeDevTools();
      opts.log.warn('devtools closed: not allowed in production');
    });
  }
}

/** Permissions, CSP and downloads of a session. */
export function lockDownSession(session: Session, log: LockdownLog): void {
  session.setPermissionRequestHandler((_contents, permission, callback) => {
    log.warn(`permission request denied: ${permission}`);
    callback(false);
  });
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: withCsp(details.responseHeaders) });
  });
  session.on('will-download', (event, item) => {
    event.preventDefault();
    log.warn(`download prevented: ${item.getURL()}`);
  });
}

/** The same lockdown on every webContents the app ever creates (window, devtools, anything else). */
export function lockDownApp(app: App, opts: ContentsLockdownOptions): void {
  app.on('web-contents-created', (_event, contents) => lockDownContents(contents, opts));
}
