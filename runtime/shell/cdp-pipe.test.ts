/**
 * The DevTools pipe client against a scripted browser end (two PassThrough streams standing in for
 * Chromium's fds 3 and 4); chromium.test.ts runs it against real Chromium.
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CdpError, CdpPipe } from './cdp-pipe.ts';

function pipePair() {
  const toBrowser = new PassThrough();
  const fromBrowser = new PassThrough();
  const sent: { id: number; method: string; params: unknown; sessionId?: string }[] = [];
  let pending = '';
  toBrowser.on('data', (chunk: Buffer) => {
    pending += chunk.toString('utf8');
    for (let at = pending.indexOf('\0'); at !== -1; at = pending.indexOf('\0')) {
      sent.push(JSON.parse(pending.slice(0, at)));
      pending = pending.slice(at + 1);
    }
  });
  const reply = (m: unknown) => fromBrowser.write(`${JSON.stringify(m)}\0`);
  return { cdp: new CdpPipe(toBrowser, fromBrowser), sent, reply, fromBrowser };
}
const tick = () => new Promise((r) => setImmediate(r));

describe('CdpPipe', () => {
  it('sends NUL-ended JSON commands and matches answers by id, whatever the chunking', async () => {
    const { cdp, sent, fromBrowser } = pipePair();
    const a = cdp.send('Browser.getVersion');
    const b = cdp.send<{ value: number }>('Runtime.evaluate', { expression: '1' });
    await tick();
    expect(sent.map((m) => [m.id, m.method, m.params])).toEqual([
      [1, 'Browser.getVersion', {}],
      [2, 'Runtime.evaluate', { expression: '1' }],
    ]);
    // two answers, out of order, split across three chunks (one in the middle of a UTF-8 character)
    const bytes = Buffer.from(`${JSON.stringify({ id: 2, result: { value: 1 } })}\0${JSON.stringify({ id: 1, result: { product: 'Chrome/156 自助' } })}\0`);
    const cut = bytes.indexOf(Buffer.from('自')) + 1;
    fromBrowser.write(bytes.subarray(0, 5));
    fromBrowser.write(bytes.subarray(5, cut));
    fromBrowser.write(bytes.subarray(cut));
    expect(await b).toEqual({ value: 1 });
    expect(await a).toEqual({ product: 'Chrome/156 自助' });
  });

  it('rejects an error answer with a CdpError naming the method', async () => {
    const { cdp, reply } = pipePair();
    const p = cdp.send('Page.navigate', { url: 'x' });
    reply({ id: 1, error: { code: -32000, message: 'Cannot navigate to invalid URL' } });
    const e = await p.catch((x: unknown) => x);
    expect(e).toBeInstanceOf(CdpError);
    expect(e).toMatchObject({ code: -32000, message: 'Page.navigate: Cannot navigate to invalid URL' });
  });

  it("routes a session's events to it and browser events to the pipe; a detached session's commands are rejected", async () => {
    const { cdp, sent, reply } = pipePair();
    const page = cdp.session('S1');
    const seen: string[] = [];
    page.on('Page.frameNavigated', (p: { frame: { url: string } }) => seen.push(`page ${p.frame.url}`));
    cdp.on('Target.targetCreated', (p: { targetInfo: { type: string } }) => seen.push(`browser ${p.targetInfo.type}`));
    const waiting = page.send('Runtime.evaluate', { expression: 'while(1){}' });
    await tick();
    expect(sent.at(-1)).toMatchObject({ method: 'Runtime.evaluate', sessionId: 'S1' });
    reply({ method: 'Page.frameNavigated', sessionId: 'S1', params: { frame: { url: 'http://127.0.0.1/' } } });
    reply({ method: 'Target.targetCreated', params: { targetInfo: { type: 'page' } } });
    reply({ method: 'Page.frameNavigated', sessionId: 'other', params: { frame: { url: 'elsewhere' } } });
    reply({ method: 'Target.detachedFromTarget', params: { sessionId: 'S1' } });
    await expect(waiting).rejects.toThrow(/Runtime.evaluate: the page's session has ended/);
    expect(seen).toEqual(['page http://127.0.0.1/', 'browser page']);
    expect(page.detached).toBe(true);
    await expect(page.send('Page.enable')).rejects.toThrow(/session has ended/);
  });

  it('when the browser end closes: every waiting command is rejected, `disconnected` once, later sends fail at once', async () => {
    const { cdp, fromBrowser } = pipePair();
    const reasons: string[] = [];
    cdp.on('disconnected', (r: string) => reasons.push(r));
    const waiting = cdp.send('Browser.getVersion');
    fromBrowser.end();
    fromBrowser.destroy();
    await expect(waiting).rejects.toThrow(/Browser.getVersion: the browser closed the DevTools pipe/);
    expect(reasons).toEqual(['the browser closed the DevTools pipe']);
    expect(cdp.connected).toBe(false);
    await expect(cdp.send('Target.getTargets')).rejects.toThrow(/Target.getTargets: the browser closed the DevTools pipe/);
  });

  it('ignores garbage and answers to nobody; drops the connection when one message grows past its bound', async () => {
    const { cdp, fromBrowser, reply } = pipePair();
    fromBrowser.write('not json\0');
    reply({ id: 99, result: {} });
    const p = cdp.send('Browser.getVersion');
    reply({ id: 1, result: { product: 'ok' } });
    expect(await p).toEqual({ product: 'ok' });
    const endless = Buffer.alloc(8 * 1024 * 1024, 0x61); // no NUL: one message that never ends
    for (let i = 0; i < 9 && cdp.connected; i++) fromBrowser.write(endless);
    await tick();
    expect(cdp.connected).toBe(false);
  });
});
