import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { main } from '../runtime/cli/main.ts';
import { captureIo, Exit } from '../runtime/cli/io.ts';

const root = resolve(import.meta.dirname, '..');
const example = (name: string) => join(root, 'kiosk-config', 'examples', name);
const dir = mkdtempSync(join(tmpdir(), 'zizhu-config-check-'));

/** gov-24h with five mistakes a technician might make. */
function brokenConfigFile(): string {
  const c = JSON.parse(readFileSync(example('gov-24h.json'), 'utf8'));
  c.devices.printer.transport.baudRate = 12345;
  c.devices.idReader.transport.baudrate = 115200;
  c.devices.scanner.transport.vendorId = 'honeywell';
  c.promisedHours.timezone = 'China/Beijing';
  delete c.backends.providentFund;
  const file = join(dir, 'broken.json');
  writeFileSync(file, JSON.stringify(c, null, 2));
  return file;
}

const BROKEN_LINES = [
  /^devices\.idReader\.transport\.baudrate: unknown key \(did you mean "baudRate"\?\) \(line \d+, column \d+\)$/,
  /^devices\.printer\.transport\.baudRate: expected one of 9600, 19200, 38400, 57600, 115200, got 12345 \(line \d+, column \d+\)$/,
  /^devices\.scanner\.transport\.vendorId: expected a USB id: a number 0–65535 or a hex string like "0x0c2e", got "honeywell" \(line \d+, column \d+\)$/,
  /^promisedHours\.timezone: expected an IANA time zone such as "Asia\/Shanghai", got "China\/Beijing" \(line \d+, column \d+\)$/,
  /^backends\.providentFund: required by services\.providentFundStatement \(line \d+, column \d+\)$/,
  /broken\.json: 5 problems; fix them and run zizhu config check again$/,
];

describe('zizhu config check (in process)', () => {
  it('prints a one-line summary and exits 0 for each example', async () => {
    for (const [name, expected] of [
      ['gov-24h.json', /^ok: sz-futian-gov-0001 ".+" \(futian-gov-service-center, 福田区\) — services: providentFundStatement; devices: idReader serial:.+@115200, printer serial:\/dev\/ttyS1@38400 \(epson-generic\), scanner hid:0c2e:0b61 \(hid-pos\); promised hours: 24\/7 Asia\/Shanghai, 1 exception date$/],
      ['hospital-lobby.json', /^ok: sz-renmin-hosp-lobby-03 .+ services: hospitalRegistration, payment; .+\(custom-vkp80\).+promised hours: weekly schedule Asia\/Shanghai, 2 exception dates$/],
    ] as const) {
      const io = captureIo();
      expect(await main(['config', 'check', example(name)], io)).toBe(Exit.OK);
      expect(io.stdout).toHaveLength(1);
      expect(io.stdout[0]).toMatch(expected);
      expect(io.stderr).toEqual([]);
    }
  });

  it('prints every error with its JSON path, one per line, and exits 2', async () => {
    const io = captureIo();
    expect(await main(['config', 'check', brokenConfigFile()], io)).toBe(Exit.BAD_INPUT);
    expect(io.stdout).toEqual([]);
    expect(io.stderr).toHaveLength(BROKEN_LINES.length);
    io.stderr.forEach((line, i) => expect(line).toMatch(BROKEN_LINES[i]!));
  });

  it('says where the JSON is broken and exits 2', async () => {
    const file = join(dir, 'syntax.json');
    writeFileSync(file, '{\n  "id": "k-01",\n  "site": "s",,\n}\n');
    const io = captureIo();
    expect(await main(['config', 'check', file], io)).toBe(Exit.BAD_INPUT);
    expect(io.stderr).toEqual([`${file}:3:15: invalid JSON: expected a property name in double quotes, found ","`]);
  });

  it('says the file is missing and exits 2; usage errors exit 2 too', async () => {
    const io = captureIo();
    expect(await main(['config', 'check', join(dir, 'absent.json')], io)).toBe(Exit.BAD_INPUT);
    expect(io.stderr).toEqual([`${join(dir, 'absent.json')}: cannot read the config: no such file; check the path`]);
    const none = captureIo();
    expect(await main(['config', 'check'], none)).toBe(Exit.BAD_INPUT);
    expect(none.stderr.join('\n')).toMatch(/no FILE given\nusage: zizhu config check FILE/);
    const two = captureIo();
    expect(await main(['config', 'check', 'a.json', 'b.json'], two)).toBe(Exit.BAD_INPUT);
    expect(two.stderr[0]).toMatch(/expected exactly one FILE, got: a\.json b\.json/);
  });
});

describe('zizhu config check (as a subprocess)', () => {
  const run = async (args: string[]) => {
    try {
      const r = await promisify(execFile)(process.execPath, [join(root, 'bin', 'zizhu.mjs'), ...args], { cwd: root });
      return { code: 0, stdout: r.stdout, stderr: r.stderr };
    } catch (e) {
      const err = e as { code: number; stdout: string; stderr: string };
      return { code: err.code, stdout: err.stdout, stderr: err.stderr };
    }
  };

  it('exits 0 with the summary on stdout for a valid config', async () => {
    const r = await run(['config', 'check', 'kiosk-config/examples/hospital-lobby.json']);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(/^ok: sz-renmin-hosp-lobby-03 .*\n$/);
  });

  it('exits 2 with every error on stderr, no stack trace', async () => {
    const r = await run(['config', 'check', brokenConfigFile()]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(BROKEN_LINES.length);
    lines.forEach((line, i) => expect(line).toMatch(BROKEN_LINES[i]!));
    expect(r.stderr).not.toMatch(/\bat .+:\d+:\d+\)/);
  });
});
