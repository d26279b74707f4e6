import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureIo, Exit } from './io.ts';
import { loadConfigFor, parseKioskArgs, processOptionsOf } from './kiosk-options.ts';

describe('the options zizhu agent and zizhu start share', () => {
  it('parses the shared flags and the command’s own, and turns them into process options', () => {
    const io = captureIo();
    const r = parseKioskArgs('start', 'usage', ['--headless', '--data-dir', '/tmp/d', '--bridge-port', '0', '--kiosk', 'hospital-lobby'], io, { kiosk: { type: 'string' } });
    if (r.exit !== undefined) throw new Error('refused');
    expect(r.values.kiosk).toBe('hospital-lobby');
    expect(r.values.headless).toBe(true);
    expect(processOptionsOf(r.values)).toEqual({ dataDir: '/tmp/d', bridgePort: 0, moveAsideCorruptJournal: false });
  });

  it('says in one line what is wrong: a bad port, an unknown flag; help prints the usage and exits 0', () => {
    const io = captureIo();
    expect(parseKioskArgs('agent', 'USAGE', ['--bridge-port', '70000'], io, {})).toEqual({ exit: Exit.BAD_INPUT });
    expect(io.stderr.at(-1)).toBe('zizhu agent: --bridge-port must be a port number (0 for any free one), got "70000"');
    expect(parseKioskArgs('agent', 'USAGE', ['--frobnicate'], io, {})).toEqual({ exit: Exit.BAD_INPUT });
    expect(io.stderr.at(-1)).toContain("Unknown option '--frobnicate'");
    expect(parseKioskArgs('agent', 'USAGE', ['-h'], io, {})).toEqual({ exit: Exit.OK });
    expect(io.stdout).toEqual(['USAGE']);
  });

  it('a config that does not validate is refused with the command to see why', () => {
    const dir = mkdtempSync(join(tmpdir(), 'zizhu-opts-'));
    const file = join(dir, 'kiosk.json');
    writeFileSync(file, '{"id": "X"}');
    const io = captureIo();
    expect(loadConfigFor('agent', file, io)).toBeUndefined();
    expect(io.stderr).toEqual([`zizhu agent: ${file} is not a valid kiosk config (zizhu config check ${file} lists every problem)`]);
    expect(loadConfigFor('agent', join(process.cwd(), 'kiosk-config/examples/gov-24h.json'), io)?.id).toBe('sz-futian-gov-0001');
  });
});
