/** The control API's `noise {bytes, seed}`: exactly the seeded bytes on the device's line, over a real PTY; bad bodies answered 400. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialLink } from '../drivers/transport/serial.ts';
import { collectBytes } from '../drivers/transport/testing.ts';
import { startKioskHardware, type RunningKioskHardware } from './kiosk-hardware.ts';
import { noiseBytes } from './line-noise.ts';
import { randomBytes, seededRandom } from './seeded-random.ts';

describe('POST /devices/:device/noise', () => {
  let dir: string;
  let hw: RunningKioskHardware;
  const post = (device: string, body: unknown) => fetch(`${hw.control.url}/devices/${device}/noise`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'zizhu-sim-noise-'));
    hw = await startKioskHardware({ dir });
  });
  afterAll(async () => {
    await hw?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes randomBytes(seededRandom(seed), bytes) onto the line toward the kiosk: the same bytes for the same seed', async () => {
    const kiosk = new SerialLink({ path: hw.describe().ports.scanner, baudRate: 9600 });
    await kiosk.open();
    const got = collectBytes(kiosk);
    try {
      const res = await post('scanner', { bytes: 3000, seed: 77 });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { result: unknown }).result).toEqual({ bytes: 3000, seed: 77 });
      const bytes = await got.until(3000);
      expect(bytes).toEqual(noiseBytes(3000, 77));
      expect(noiseBytes(3000, 77)).toEqual(randomBytes(seededRandom(77), 3000));
      expect(noiseBytes(3000, 78)).not.toEqual(noiseBytes(3000, 77));
    } finally {
      got.stop();
      await kiosk.close();
    }
  });

  it('a bad body is a 400 that says what is expected; an unknown device a 404', async () => {
    for (const body of [{}, { bytes: 0 }, { bytes: 2_000_000 }, { bytes: 10, seed: -1 }, { bytes: 10, extra: true }]) {
      const res = await post('printer', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(((await res.json()) as { error: string }).error).toMatch(/^printer noise: .*\(expected \{"bytes": 1\.\.1048576, "seed"\?: 1\.\.4294967295\}\)$/);
    }
    expect((await post('modem', { bytes: 10 })).status).toBe(404);
  });
});
