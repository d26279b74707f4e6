/**
 * `zizhu hq enroll --kiosk ID [--db …] [--site S --district D --address A --lat N --lng N] [--rotate]`:
 * one line about the kiosk, then its secret alone on the last line (shown this once; HQ keeps it
 * only sealed). `--rotate` gives an enrolled kiosk a new secret (and enrolls one that is not).
 */
import { parseArgs } from 'node:util';
import { defaultHqDbUrl } from '../server/db/default-path.ts';
import { openHqDb } from '../server/db/open.ts';
import { HqDbUrlError } from '../server/db/sqlite.ts';
import { BadKioskInputError, enrollKiosk, KioskExistsError } from '../server/kiosks/enroll.ts';
import { SecretKeyError } from '../server/kiosks/secret-box.ts';
import { Exit, type HqCliIo } from './main.ts';

const USAGE = 'usage: zizhu hq enroll --kiosk ID [--db sqlite:PATH] [--site S] [--district D] [--address A] [--lat N] [--lng N] [--rotate]';

export async function enrollCommand(args: string[], io: HqCliIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const text = { type: 'string' } as const;
  let values: { kiosk?: string; db?: string; site?: string; district?: string; address?: string; lat?: string; lng?: string; rotate?: boolean };
  try {
    ({ values } = parseArgs({ args, options: { kiosk: text, db: text, site: text, district: text, address: text, lat: text, lng: text, rotate: { type: 'boolean' } }, strict: true, allowPositionals: false }));
  } catch (e) {
    io.err(`zizhu hq enroll: ${(e as Error).message} (${USAGE})`);
    return Exit.BAD_INPUT;
  }
  if (!values.kiosk) {
    io.err(`zizhu hq enroll: --kiosk ID is required (${USAGE})`);
    return Exit.BAD_INPUT;
  }
  const coord = (name: 'lat' | 'lng'): number | undefined | string => {
    const v = values[name];
    if (v === undefined) return undefined;
    const n = Number(v);
    return v.trim() !== '' && Number.isFinite(n) ? n : `--${name} must be a number, not "${v}"`;
  };
  const lat = coord('lat');
  const lng = coord('lng');
  for (const c of [lat, lng]) {
    if (typeof c === 'string') {
      io.err(`zizhu hq enroll: ${c}`);
      return Exit.BAD_INPUT;
    }
  }
  const dbUrl = values.db ?? defaultHqDbUrl(env);
  let db;
  try {
    db = await openHqDb(dbUrl);
  } catch (e) {
    io.err(`zizhu hq enroll: ${e instanceof HqDbUrlError ? '--db: ' : ''}${(e as Error).message}`);
    return e instanceof HqDbUrlError ? Exit.BAD_INPUT : Exit.FAULT;
  }
  try {
    const existed = (await db.selectFrom('kiosks').select('id').where('id', '=', values.kiosk).executeTakeFirst()) !== undefined;
    const secret = await enrollKiosk(db, {
      id: values.kiosk,
      site: values.site,
      district: values.district,
      address: values.address,
      lat: lat as number | undefined,
      lng: lng as number | undefined,
      rotate: values.rotate ?? false,
    });
    const place = [values.site, values.district, values.address].filter(Boolean).join(', ');
    io.out(
      existed
        ? `kiosk ${values.kiosk}: new secret (the old one no longer works); give it to the kiosk, it is not shown again:`
        : `kiosk ${values.kiosk} enrolled${place ? ` (${place})` : ''}; its secret, not shown again:`,
    );
    io.out(secret);
    return Exit.OK;
  } catch (e) {
    if (e instanceof KioskExistsError) io.err(`zizhu hq enroll: kiosk ${values.kiosk} is already enrolled: add --rotate to give it a new secret`);
    else if (e instanceof BadKioskInputError) io.err(`zizhu hq enroll: ${e.message}`);
    else {
      io.err(`zizhu hq enroll: ${(e as Error).message}`);
      return e instanceof SecretKeyError ? Exit.BAD_INPUT : Exit.FAULT;
    }
    return Exit.BAD_INPUT;
  } finally {
    await db.destroy();
  }
}
