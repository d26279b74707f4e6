import { EventEmitter } from 'node:events';
import type { App, Session, WebContents } from 'electron';
import { describe, expect, it } from 'vitest';
import { FakeEvent, FakeSession, FakeWebContents, memoryLog } from './fake-electron.ts';
import { cspHeader, isAllowedNavigation, isBlockedShortcut, lockDownApp, lockDownContents, lockDownSession, withCsp, type KeyInput } from './security.ts';

const key = (k: string, mods: Partial<KeyInput> = {}): KeyInput => ({ key: k, control: false, meta: false, alt: false, shift: false, ...mods });

describe('isBlockedShortcut', () => {
  it.each([
    ['Alt+F4', key('F4', { alt: true })],
    ['Ctrl+W', key('w', { control: true })],
    ['Cmd+W', key('w', { meta: true })],
    ['Ctrl+R', key('r', { control: true })],
    ['Ctrl+Shift+R', key('R', { control: true, shift: true })],
    ['F5', key('F5')],
    ['Ctrl+Shift+I', key('I', { control: true, shift: true })],
    ['Ctrl+Shift+J', key('J', { control: true, shift: true })],
    ['Ctrl+Shift+C', key('C', { control: true, shift: true })],
    ['Ctrl+Shift+I on another layout (code KeyI)', key('ш', { control: true, shift: true, code: 'KeyI' })],
    ['F11', key('F11')],
    ['F12', key('F12')],
    ['Ctrl+N', key('n', { control: true })],
    ['Ctrl+T', key('t', { control: true })],
    ['Ctrl+P', key('p', { control: true })],
    ['Ctrl+plus', key('+', { control: true, shift: true })],
    ['Ctrl+=', key('=', { control: true })],
    ['Ctrl+minus', key('-', { control: true })],
    ['Ctrl+0', key('0', { control: true })],
    ['Ctrl+keypad plus', key('+', { control: true, code: 'NumpadAdd' })],
    ['Alt+Left', key('ArrowLeft', { alt: true })],
    ['Alt+Right', key('ArrowRight', { alt: true })],
    ['Ctrl+Q', key('q', { control: true })],
    ['Ctrl+U (view source)', key('u', { control: true })],
    ['browser back key', key('BrowserBack')],
  ])('blocks %s', (_name, input) => {
    expect(isBlockedShortcut(input)).toBe(true);
  });

  it.each([
    ['a', key('a')],
    ['Shift+A', key('A', { shift: true })],
    ['0', key('0')],
    ['Enter', key('Enter')],
    ['Backspace', key('Backspace')],
    ['ArrowLeft', key('ArrowLeft')],
    ['Ctrl+C (copy)', key('c', { control: true })],
    ['Ctrl+V (paste)', key('v', { control: true })],
    ['Ctrl+A (select all)', key('a', { control: true })],
    ['Alt alone', key('Alt', { alt: true })],
    ['F4 alone', key('F4')],
    ['Shift+I', key('I', { shift: true })],
  ])('lets %s through', (_name, input) => {
    expect(isBlockedShortcut(input)).toBe(false);
  });
});

describe('isAllowedNavigation', () => {
  const renderer = 'http://127.0.0.1:48123/?token=abc';
  it('allows the renderer origin, any path', () => {
    expect(isAllowedNavigation('http://127.0.0.1:48123/', renderer)).toBe(true);
    expect(isAllowedNavigation('http://127.0.0.1:48123/flows/print?x=1#y', renderer)).toBe(true);
  });
  it.each([
    ['another port', 'http://127.0.0.1:48124/'],
    ['another host', 'http://127.0.0.2:48123/'],
    ['localhost (another origin string)', 'http://localhost:48123/'],
    ['https', 'https://127.0.0.1:48123/'],
    ['the internet', 'https://example.com/'],
    ['file', 'file:///etc/passwd'],
    ['data', 'data:text/html,<h1>hi</h1>'],
    ['javascript', 'javascript:alert(1)'],
    ['garbage', 'not a url'],
  ])('blocks %s', (_name, url) => {
    expect(isAllowedNavigation(url, renderer)).toBe(false);
  });
  it('blocks everything while no renderer URL is known', () => {
    expect(isAllowedNavigation('http://127.0.0.1:48123/', undefined)).toBe(false);
  });
});

describe('cspHeader', () => {
  it('has each directive of the brief', () => {
    const directives = new Map(cspHeader().split(';').map((d) => {
      const [name, ...values] = d.trim().split(/\s+/);
      return [name, values.join(' ')] as const;
    }));
    expect(Object.fromEntries(directives)).toEqual({
      'default-src': "'self'",
      'connect-src': "'self' ws://127.0.0.1:*",
      'img-src': "'self' data:",
      'style-src': "'self' 'unsafe-inline'",
      'script-src': "'self'",
      'object-src': "'none'",
      'frame-ancestors': "'none'",
    });
  });
  it('replaces a CSP the server sent, whatever its case, and keeps other headers', () => {
    const out = withCsp({ 'content-security-policy': ["default-src *"], 'Content-Type': ['text/html'] });
    expect(out['Content-Type']).toEqual(['text/html']);
    expect(out['Content-Security-Policy']).toEqual([cspHeader()]);
    expect(Object.keys(out).filter((k) => k.toLowerCase() === 'content-security-policy')).toHaveLength(1);
  });
});

describe('lockDownContents (fake webContents)', () => {
  function locked(rendererUrl: string | undefined = 'http://127.0.0.1:5000/?token=t', allowDevTools = false) {
    const contents = new FakeWebContents();
    const log = memoryLog();
    lockDownContents(contents as unknown as WebContents, { rendererUrl: () => rendererUrl, allowDevTools, log });
    return { contents, log };
  }

  it('prevents navigation and redirects to another origin, not within the renderer origin', () => {
    const { contents, log } = locked();
    const away = new FakeEvent('https://example.com/phish');
    contents.emit('will-navigate', away, away.url);
    expect(away.defaultPrevented).toBe(true);
    const within = new FakeEvent('http://127.0.0.1:5000/next');
    contents.emit('will-navigate', within, within.url);
    expect(within.defaultPrevented).toBe(false);
    const redirect = new FakeEvent('http://127.0.0.1:6000/');
    contents.emit('will-redirect', redirect, redirect.url);
    expect(redirect.defaultPrevented).toBe(true);
    expect(log.lines.some((l) => l.includes('https://example.com/phish'))).toBe(true);
  });

  it('denies window.open', () => {
    const { contents } = locked();
    expect(contents.open('http://127.0.0.1:5000/popup')).toEqual({ action: 'deny' });
  });

  it('prevents <webview> attach', () => {
    const { contents } = locked();
    const event = new FakeEvent();
    contents.emit('will-attach-webview', event, {}, { src: 'https://example.com' });
    expect(event.defaultPrevented).toBe(true);
  });

  it('swallows Ctrl+Shift+I but lets plain keys through', () => {
    const { contents } = locked();
    const devtools = new FakeEvent();
    contents.emit('before-input-event', devtools, { type: 'keyDown', key: 'I', code: 'KeyI', control: true, shift: true, alt: false, meta: false });
    expect(devtools.defaultPrevented).toBe(true);
    const typing = new FakeEvent();
    contents.emit('before-input-event', typing, { type: 'keyDown', key: 'a', code: 'KeyA', control: false, shift: false, alt: false, meta: false });
    expect(typing.defaultPrevented).toBe(false);
  });

  it('closes devtools in production, leaves them in development', () => {
    const prod = locked(undefined, false);
    prod.contents.emit('devtools-opened');
    expect(prod.contents.devToolsClosed).toBe(1);
    const dev = locked(undefined, true);
    dev.contents.emit('devtools-opened');
    expect(dev.contents.devToolsClosed).toBe(0);
  });

  it('wires a webContents once however often it is locked down', () => {
    const contents = new FakeWebContents();
    const opts = { rendererUrl: () => undefined, allowDevTools: false, log: memoryLog() };
    lockDownContents(contents as unknown as WebContents, opts);
    lockDownContents(contents as unknown as WebContents, opts);
    expect(contents.listenerCount('will-navigate')).toBe(1);
  });
});

describe('lockDownSession (fake session)', () => {
  it('denies every permission request and check', async () => {
    const session = new FakeSession();
    lockDownSession(session as unknown as Session, memoryLog());
    await expect(session.requestPermission('media')).resolves.toBe(false);
    await expect(session.requestPermission('geolocation')).resolves.toBe(false);
    expect(session.permissionCheckHandler?.(null, 'notifications', 'http://127.0.0.1:5000', {})).toBe(false);
    expect(session.devicePermissionHandler?.({})).toBe(false);
  });

  it('puts the CSP on every response', () => {
    const session = new FakeSession();
    lockDownSession(session as unknown as Session, memoryLog());
    let answered: Record<string, string[]> | undefined;
    session.headersListener?.({ responseHeaders: { 'Content-Type': ['text/html'] } }, (r) => (answered = r.responseHeaders));
    expect(answered?.['Content-Security-Policy']).toEqual([cspHeader()]);
  });

  it('prevents downloads', () => {
    const session = new FakeSession();
    lockDownSession(session as unknown as Session, memoryLog());
    const event = new FakeEvent();
    session.emit('will-download', event, { getURL: () => 'http://127.0.0.1:5000/file.exe' });
    expect(event.defaultPrevented).toBe(true);
  });
});

describe('lockDownApp', () => {
  it('locks down every webContents the app creates', () => {
    const app = new EventEmitter();
    lockDownApp(app as unknown as App, { rendererUrl: () => 'http://127.0.0.1:5000/', allowDevTools: false, log: memoryLog() });
    const contents = new FakeWebContents();
    app.emit('web-contents-created', new FakeEvent(), contents);
    const away = new FakeEvent('https://example.com/');
    contents.emit('will-navigate', away, away.url);
    expect(away.defaultPrevented).toBe(true);
    expect(contents.open('https://example.com/')).toEqual({ action: 'deny' });
  });
});
