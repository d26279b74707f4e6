import { afterEach, describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import type { Alarm } from '../../../contracts/hq-api.ts';
import { faultPayload } from '../testing.ts';
import { testHq, type TestHq } from '../test-hq.ts';

let t: TestHq | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const tinyPng = () => {
  const img = new PNG({ width: 4, height: 6 });
  img.data.fill(200);
  return PNG.sync.write(img).toString('base64');
};

describe('a screen alarm\'s frame (issue 11)', () => {
  it('the console gets the PNG the kiosk sent with the alarm, or a 404 saying why there is none; other alarms have no frame', async () => {
    t = await testHq();
    const k = await t.kiosk('SZ-FRAME-01');
    const frame = { contentType: 'image/png', width: 4, height: 6, base64: tinyPng() };
    const raise = (code: 'SCREEN_COVERED' | 'SCREEN_FROZEN' | 'SCREEN_BLACK' | 'PRINTER_PAPER_OUT', evidence?: Record<string, unknown>) =>
      k.event('fault.raised', faultPayload(code, { device: code.startsWith('PRINT') ? 'printer' : 'screen', ...(evidence ? { evidence } : {}) }));
    const ack = await k.send(t.hq.app, [
      raise('SCREEN_COVERED', { screen: 'home', frame }),
      raise('SCREEN_FROZEN', { screen: 'home', frame: null, frameWithheld: 'no frame: a customer is being served (a session is on screen); it may show personal data' }),
      raise('SCREEN_BLACK', { screen: 'home', frame: { ...frame, base64: Buffer.from('<svg onload=alert(1)>').toString('base64') } }),
      raise('PRINTER_PAPER_OUT'),
    ]);
    expect(ack.status).toBe(200);
    const api = await t.as('viewer');
    const alarms = ((await api('GET', '/api/v1/alarms')).json() as { alarms: Alarm[] }).alarms;
    const of = (code: string) => alarms.find((a) => a.code === code)!;
    expect(of('PRINTER_PAPER_OUT').frameUrl).toBeUndefined();

    const shown = await api('GET', of('SCREEN_COVERED').frameUrl!);
    expect(shown.statusCode).toBe(200);
    expect(shown.headers['content-type']).toBe('image/png');
    expect(shown.headers['x-content-type-options']).toBe('nosniff');
    expect(PNG.sync.read(shown.rawPayload).height).toBe(6);

    const withheld = await api('GET', of('SCREEN_FROZEN').frameUrl!);
    expect(withheld.statusCode).toBe(404);
    expect(withheld.json()).toEqual({ error: 'no frame: a customer is being served (a session is on screen); it may show personal data' });
    // what is not a PNG never leaves as an image
    const bad = await api('GET', of('SCREEN_BLACK').frameUrl!);
    expect([bad.statusCode, bad.json()]).toEqual([404, { error: 'the frame the kiosk sent is not a PNG' }]);
    expect((await api('GET', '/api/v1/alarms/nope/frame')).statusCode).toBe(404);
    // signed-in viewers only
    expect((await t.hq.app.inject({ method: 'GET', url: of('SCREEN_COVERED').frameUrl! })).statusCode).toBe(401);
  });
});
