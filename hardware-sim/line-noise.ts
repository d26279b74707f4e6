/**
 * Line noise on a simulated device's line (issue 11): the control API's
 * `POST /devices/:device/noise {"bytes": 65536, "seed": 7}` writes that many seeded random bytes
 * (`randomBytes(seededRandom(seed), bytes)`, the fuzz tests' source) onto the device's line toward
 * the kiosk, all at once — as a probe writing straight to the serial port does, between and inside
 * whatever the device itself sends. The same seed gives the same bytes on every machine.
 */
import { z } from 'zod';
import type { ByteLink } from '../drivers/transport/link.ts';
import { SimControlError } from './control-error.ts';
import { randomBytes, seededRandom } from './seeded-random.ts';

export const NOISE_MAX_BYTES = 1 << 20;

const noiseRequest = z
  .object({
    bytes: z.number().int().min(1).max(NOISE_MAX_BYTES),
    seed: z.number().int().min(1).max(0xffff_ffff).default(1),
  })
  .strict();

/** The bytes a noise request writes (tests use it to know exactly what went on the line). */
export function noiseBytes(bytes: number, seed: number): Uint8Array {
  return randomBytes(seededRandom(seed), bytes);
}

/** Writes the noise `body` asks for onto `link`; a bad body or a missing line is a SimControlError (HTTP 400). */
export async function writeNoise(device: string, link: ByteLink | undefined, body: unknown): Promise<{ bytes: number; seed: number }> {
  const parsed = noiseRequest.safeParse(body ?? {});
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new SimControlError(`${device} noise: ${i.path.length ? `${i.path.join('.')}: ` : ''}${i.message} (expected {"bytes": 1..${NOISE_MAX_BYTES}, "seed"?: 1..4294967295})`);
  }
  if (!link || link.health.state !== 'up') throw new SimControlError(`${device} noise: its line is not connected (${link ? link.health.state : 'no kiosk attached'})`);
  const { bytes, seed } = parsed.data;
  await link.write(noiseBytes(bytes, seed));
  return { bytes, seed };
}
