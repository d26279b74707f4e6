import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadKioskConfig, parseKioskConfig, parseKioskConfigText, type ConfigIssue, type KioskConfigInput } from './schema.ts';

const examples = join(import.meta.dirname, 'examples');
const readExample = (name: string) => JSON.parse(readFileSync(join(examples, name), 'utf8')) as KioskConfigInput & Record<string, unknown>;

/** The smallest valid config: a 24/7 payment-only kiosk showing native QR codes. */
function minimal(): Record<string, unknown> {
  return {
    id: 'test-kiosk-01',
    site: 'test-site',
    district: '测试区',
    name: '测试自助机',
    location: '一楼大厅',
    services: { payment: { methods: ['nativeQr'] } },
    promisedHours: { weekly: '24/7' },
    hq: { url: 'https://hq.example.cn', credentialsRef: 'env:HQ_TOKEN' },
    backends: { payment: { url: 'https://pay.example.cn', credentialsRef: 'env:PAY_KEY', merchantId: '1900000109' } },
  };
}

/** Every issue of an invalid config (fails the test if it is valid). */
function issuesOf(value: unknown): ConfigIssue[] {
  try {
    parseKioskConfig(value, 'test.json');
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).issues;
  }
  throw new Error('expected the config to be rejected');
}
const lines = (issues: ConfigIssue[]) => issues.map((i) => `${i.path}: ${i.message}`);

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests poke at arbitrary config shapes, valid or not
type Draft = Record<string, any>;
function withPatch(patch: (c: Draft) => void): Record<string, unknown> {
  const c = minimal() as Draft;
  patch(c);
  return c;
}

describe('example configs', () => {
  it('gov-24h validates: provident-fund printing, 24/7, serial reader and printer, HID scanner', () => {
    const c = loadKioskConfig(join(examples, 'gov-24h.json'));
    expect(Object.keys(c.services)).toEqual(['providentFundStatement']);
    expect(c.promisedHours).toMatchObject({ weekly: '24/7', timezone: 'Asia/Shanghai' });
    expect(c.devices.idReader?.transport).toMatchObject({ type: 'serial', baudRate: 115200 });
    expect(c.devices.printer?.transport.type).toBe('serial');
    expect(c.devices.scanner?.transport).toEqual({ type: 'hid', vendorId: 0x0c2e, productId: 0x0b61 });
    expect(c.devices.scanner?.mode).toBe('hid-pos');
  });

  it('hospital-lobby validates: registration + payment, 07:00–20:00 weekdays, weekend and holiday hours, Custom presenter', () => {
    const c = loadKioskConfig(join(examples, 'hospital-lobby.json'));
    expect(c.services.hospitalRegistration?.allowWithoutPrinter).toBe(false);
    expect(c.services.payment?.methods).toEqual(['nativeQr', 'paymentCode']);
    expect(c.devices.printer?.profile).toBe('custom-vkp80');
    // defaults filled: the ID reader's serial speed is the GA 467 standard
    expect(c.devices.idReader?.transport).toMatchObject({ type: 'serial', baudRate: 115200 });
    const weekly = c.promisedHours.weekly;
    if (weekly === '24/7') throw new Error('expected a weekly schedule');
    expect(weekly.mon).toEqual([{ open: '07:00', close: '20:00', openMinute: 420, closeMinute: 1200 }]);
    expect(weekly.sat.map((r) => `${r.open}-${r.close}`)).toEqual(['07:30-12:00', '13:30-17:30']);
    expect(c.promisedHours.exceptions).toEqual([
      { date: '2026-01-01', ranges: [{ open: '08:00', close: '12:00', openMinute: 480, closeMinute: 720 }], reason: '元旦 假日门诊' },
      { date: '2026-02-17', ranges: [], reason: '春节 (正月初一) 停诊' },
    ]);
  });

  it('fills sensible defaults', () => {
    const c = parseKioskConfig(minimal());
    expect(c.ui).toEqual({
      defaultLanguage: 'zh-CN',
      elderlyModeAllowed: true,
      idle: { timeoutSeconds: 60, warningSeconds: 15, elderlyTimeoutSeconds: 120 },
      hotline: '12345',
      nearbyKiosks: [],
    });
    expect(c.promisedHours.timezone).toBe('Asia/Shanghai');
    expect(c.promisedHours.exceptions).toEqual([]);
    expect(c.hq?.heartbeatSeconds).toBe(30);
    expect(c.services.payment?.orderDeadlineSeconds).toBe(180);
    expect(c.agent.logLevel).toBe('info');
  });

  it('keeps Chromium sandboxed unless shell.allowNoSandbox says true; a misspelt key names the path', () => {
    expect(parseKioskConfig(minimal()).shell).toEqual({ allowNoSandbox: false });
    expect(parseKioskConfig(withPatch((c) => (c.shell = { allowNoSandbox: true }))).shell.allowNoSandbox).toBe(true);
    expect(lines(issuesOf(withPatch((c) => (c.shell = { allowNoSandBox: true }))))).toEqual(['shell.allowNoSandBox: unknown key (did you mean "allowNoSandbox"?)']);
    expect(lines(issuesOf(withPatch((c) => (c.shell = { allowNoSandbox: 'yes' }))))).toEqual([expect.stringMatching(/^shell\.allowNoSandbox: expected true or false/)]);
  });
});

describe('transports and devices', () => {
  it('names the allowed baud rates at the full JSON path', () => {
    const issues = issuesOf(withPatch((c) => (c.devices = { printer: { transport: { type: 'serial', path: '/dev/ttyS1', baudRate: 12345 } } })));
    expect(lines(issues)).toEqual(['devices.printer.transport.baudRate: expected one of 9600, 19200, 38400, 57600, 115200, got 12345']);
  });

  it('accepts USB ids as hex strings or numbers and rejects anything else', () => {
    const ok = parseKioskConfig(withPatch((c) => (c.devices = { scanner: { transport: { type: 'hid', vendorId: '0x0C2E', productId: 2913 } } })));
    expect(ok.devices.scanner?.transport).toEqual({ type: 'hid', vendorId: 0x0c2e, productId: 2913 });
    for (const bad of ['0c2e', '0x', '0x12345', 70000, -1, 1.5, null]) {
      const issues = issuesOf(withPatch((c) => (c.devices = { scanner: { transport: { type: 'hid', vendorId: bad, productId: 1 } } })));
      expect(lines(issues)[0]).toMatch(/^devices\.scanner\.transport\.vendorId: expected a USB id: a number 0–65535 or a hex string like "0x0c2e"/);
    }
  });

  it('accepts a tcp transport and checks its port', () => {
    const ok = parseKioskConfig(withPatch((c) => (c.devices = { printer: { transport: { type: 'tcp', host: '10.0.0.20', port: 9100 } } })));
    expect(ok.devices.printer?.transport).toEqual({ type: 'tcp', host: '10.0.0.20', port: 9100 });
    const issues = issuesOf(withPatch((c) => (c.devices = { printer: { transport: { type: 'tcp', host: '', port: 70000 } } })));
    expect(lines(issues)).toEqual([
      'devices.printer.transport.host: must not be empty',
      'devices.printer.transport.port: must be at most 65535, got 70000',
    ]);
  });

  it('names the transport types when the type is wrong', () => {
    const issues = issuesOf(withPatch((c) => (c.devices = { printer: { transport: { type: 'usb', path: '/dev/usb/lp0' } } })));
    expect(lines(issues)).toEqual(['devices.printer.transport.type: expected one of "serial", "hid", "tcp", got "usb"']);
  });

  it('derives the scanner mode from the transport and rejects a mode the transport cannot carry', () => {
    const serial = parseKioskConfig(withPatch((c) => (c.devices = { scanner: { transport: { type: 'serial', path: '/dev/ttyACM0' } } })));
    expect(serial.devices.scanner).toMatchObject({ mode: 'serial', lineTerminator: 'CR', transport: { baudRate: 9600 } });
    const issues = issuesOf(withPatch((c) => (c.devices = { scanner: { transport: { type: 'serial', path: '/dev/ttyACM0' }, mode: 'hid-pos' } })));
    expect(lines(issues)).toEqual(['devices.scanner.mode: "hid-pos" needs a hid transport, not serial']);
  });
});

describe('strictness: typos never pass silently', () => {
  it('reports unknown keys at any depth, with the nearest known key', () => {
    const issues = issuesOf(
      withPatch((c) => {
        c.devices = { printer: { transport: { type: 'serial', path: '/dev/ttyS1', baudrate: 38400 }, profle: 'epson-generic' } };
        c.ui = { hotLine: '12345' };
        c.colour = 'red';
      }),
    );
    expect(lines(issues)).toEqual([
      'devices.printer.transport.baudrate: unknown key (did you mean "baudRate"?)',
      'devices.printer.profle: unknown key (did you mean "profile"?)',
      'ui.hotLine: unknown key (did you mean "hotline"?)',
      expect.stringMatching(/^colour: unknown key \(allowed here: id, site, district, name, location, services/),
    ]);
  });

  it('reports every problem at once, structural and cross-section, each with its path', () => {
    const issues = issuesOf({
      id: 'Bad ID!',
      site: '',
      district: '测试区',
      location: '一楼',
      services: { providentFundStatement: { identifyBy: ['idCard', 'fingerprint'] }, hospitalRegistration: {} },
      devices: { idReader: { transport: { type: 'serial', path: '/dev/ttyS0', baudRate: 1234 }, pollIntervalMs: 10 } },
      promisedHours: { weekly: '24/7', timezone: 'Asia/Shangai' },
      hq: { url: 'http://hq.example.cn', credentialsRef: 'hunter2' },
      backends: { his: { url: 'ftp://his' } },
      ui: { defaultLanguage: 'fr', idle: { timeoutSeconds: 30, warningSeconds: 30 } },
    });
    expect(lines(issues)).toEqual([
      'id: expected 3–64 lower-case letters, digits and dashes, e.g. "sz-futian-gov-0001", got "Bad ID!"',
      'site: must not be empty',
      'name: required (a string)',
      'services.providentFundStatement.identifyBy[1]: expected one of "idCard", "eSocialSecurityQr", got "fingerprint"',
      'devices.idReader.transport.baudRate: expected one of 9600, 19200, 38400, 57600, 115200, got 1234',
      'devices.idReader.pollIntervalMs: must be at least 50, got 10',
      'promisedHours.timezone: expected an IANA time zone such as "Asia/Shanghai", got "Asia/Shangai"',
      'hq.url: must be an https:// URL (http:// only to localhost/127.0.0.1), got "http://hq.example.cn"',
      'hq.credentialsRef: expected a reference to a secret — "env:NAME" (upper-case variable) or "file:/absolute/path" — never the secret itself',
      'backends.his.url: expected an http:// or https:// URL, got "ftp://his"',
      'ui.defaultLanguage: expected one of "zh-CN", "en", got "fr"',
      'devices.printer: required by services.providentFundStatement (it prints the statement)',
      'backends.providentFund: required by services.providentFundStatement',
      'devices.printer: required by services.hospitalRegistration (it prints the slip); or set services.hospitalRegistration.allowWithoutPrinter',
      'services.payment: required by services.hospitalRegistration (the fee is paid at the kiosk)',
      'devices.scanner: required by services.hospitalRegistration.identifyBy "medicalInsuranceQr"',
      'ui.idle.warningSeconds: must be shorter than ui.idle.timeoutSeconds (30)',
    ]);
  });

  it('lets registration run without a printer only when the config says so', () => {
    const reg = (allowWithoutPrinter?: boolean) =>
      withPatch((c) => {
        c.services = { hospitalRegistration: { identifyBy: ['idCard'], ...(allowWithoutPrinter === undefined ? {} : { allowWithoutPrinter }) }, payment: { methods: ['nativeQr'] } };
        c.devices = { idReader: { transport: { type: 'serial', path: '/dev/ttyS0' } } };
        c.backends.his = { url: 'http://his.hospital.local:8080' };
      });
    expect(lines(issuesOf(reg()))).toEqual([expect.stringMatching(/^devices\.printer: required by services\.hospitalRegistration/)]);
    expect(parseKioskConfig(reg(true)).services.hospitalRegistration?.allowWithoutPrinter).toBe(true);
  });

  it('accepts plain http to loopback for HQ (simulators) and rejects an empty services object', () => {
    expect(parseKioskConfig(withPatch((c) => (c.hq.url = 'http://127.0.0.1:8710'))).hq?.url).toBe('http://127.0.0.1:8710');
    expect(lines(issuesOf(withPatch((c) => (c.services = {}))))).toEqual([
      'services: no service configured; add providentFundStatement, hospitalRegistration and/or payment',
    ]);
  });
});

describe('promised hours', () => {
  const hours = (promisedHours: unknown) => withPatch((c) => (c.promisedHours = promisedHours));
  const week = (day: unknown) => ({ mon: day, tue: day, wed: day, thu: day, fri: day, sat: [], sun: [] });

  it('parses a weekly schedule with several ranges a day', () => {
    const c = parseKioskConfig(hours({ weekly: week(['07:00-12:00', '13:00-24:00']), timezone: 'Europe/Berlin' }));
    expect(c.promisedHours.timezone).toBe('Europe/Berlin');
    if (c.promisedHours.weekly === '24/7') throw new Error('expected weekly');
    expect(c.promisedHours.weekly.fri.map((r) => [r.openMinute, r.closeMinute])).toEqual([
      [420, 720],
      [780, 1440],
    ]);
    expect(c.promisedHours.weekly.sun).toEqual([]);
  });

  it('rejects malformed, backwards, midnight-crossing and overlapping ranges with the range path', () => {
    const issues = issuesOf(
      hours({ weekly: { mon: ['7:00-20:00'], tue: ['20:00-07:00'], wed: ['22:00-02:00'], thu: ['08:00-12:00', '11:00-13:00'], fri: ['25:00-26:00'], sat: [], sun: [] } }),
    );
    expect(lines(issues)).toEqual([
      'promisedHours.weekly.mon[0]: expected a time range "HH:MM-HH:MM" such as "07:00-20:00" (close may be "24:00"), got "7:00-20:00"',
      'promisedHours.weekly.tue[0]: closes (07:00) before it opens (20:00); a range that crosses midnight is two ranges: "20:00-24:00" on one day and "00:00-07:00" on the next',
      'promisedHours.weekly.wed[0]: closes (02:00) before it opens (22:00); a range that crosses midnight is two ranges: "22:00-24:00" on one day and "00:00-02:00" on the next',
      'promisedHours.weekly.thu[1]: overlaps 08:00-12:00; merge the two ranges',
      'promisedHours.weekly.fri[0]: expected a time range "HH:MM-HH:MM" such as "07:00-20:00" (close may be "24:00"), got "25:00-26:00"',
    ]);
  });

  it('requires all seven days and names a misspelt one', () => {
    const { sun: _sun, ...noSunday } = week([]);
    const issues = issuesOf(hours({ weekly: { ...noSunday, sunday: [] } }));
    expect(lines(issues)).toEqual(['promisedHours.weekly.sun: required (a list)', 'promisedHours.weekly.sunday: unknown key (did you mean "sun"?)']);
  });

  it('checks exception dates: real dates, once each, ranges or closed', () => {
    const issues = issuesOf(
      hours({
        weekly: '24/7',
        exceptions: [
          { date: '2026-02-30', closed: true },
          { date: '2026-10-01', closed: true },
          { date: '2026-10-01', ranges: ['09:00-12:00'] },
          { date: '2026-10-02', ranges: ['09:00-12:00'], closed: true },
          { date: '2026-10-03' },
        ],
      }),
    );
    expect(lines(issues)).toEqual([
      'promisedHours.exceptions[0].date: expected a calendar date "YYYY-MM-DD", got "2026-02-30"',
      'promisedHours.exceptions[3]: give either "ranges" (open on that date) or "closed": true',
      'promisedHours.exceptions[4]: give either "ranges" (open on that date) or "closed": true',
      'promisedHours.exceptions[2].date: 2026-10-01 is already listed at [1]; one entry per date',
    ]);
    const dup = issuesOf(hours({ weekly: '24/7', exceptions: [{ date: '2026-10-01', closed: true }, { date: '2026-10-01', ranges: ['09:00-12:00'] }] }));
    expect(lines(dup)).toEqual(['promisedHours.exceptions[1].date: 2026-10-01 is already listed at [0]; one entry per date']);
  });

  it('rejects a weekly value that is neither "24/7" nor a schedule', () => {
    expect(lines(issuesOf(hours({ weekly: '24x7' })))).toEqual([
      'promisedHours.weekly: expected "24/7" or an object with mon…sun, each a list of ranges ([] = closed), got "24x7"',
    ]);
  });
});

describe('config text and files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zizhu-config-'));

  it('gives the line and column of a JSON syntax error', () => {
    const text = '{\n  "id": "x",\n  "site": "s"\n  "district": "d"\n}\n';
    try {
      parseKioskConfigText(text, 'broken.json');
      throw new Error('expected a ConfigError');
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const err = e as ConfigError;
      expect(err.kind).toBe('json');
      expect(err.issues).toEqual([{ path: '', message: 'invalid JSON: expected "," or "}" after the value of "site", found "\\""', line: 4, column: 3 }]);
    }
  });

  it('gives schema errors the line of the offending value, and reports duplicate keys', () => {
    const text = JSON.stringify(withPatch((c) => (c.hq.heartbeatSeconds = 0)), null, 2).replace('"district": "测试区",', '"district": "测试区",\n  "district": "别的区",');
    const err = (() => {
      try {
        parseKioskConfigText(text, 'dup.json');
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('expected a ConfigError');
    })();
    const lineOf = (needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;
    expect(err.issues).toEqual([
      { path: 'district', message: `duplicate key (first at line ${lineOf('测试区')}); JSON would keep only the last one`, line: lineOf('别的区'), column: 3 },
      { path: 'hq.heartbeatSeconds', message: 'must be at least 1, got 0', line: lineOf('"heartbeatSeconds"'), column: 25 },
    ]);
    expect(err.message).toContain(`hq.heartbeatSeconds: must be at least 1, got 0 (line ${lineOf('"heartbeatSeconds"')}, column 25)`);
  });

  it('throws a ConfigError for a missing file and for a directory', () => {
    expect(() => loadKioskConfig(join(dir, 'nope.json'))).toThrow(/nope\.json: cannot read the config: no such file; check the path/);
    expect(() => loadKioskConfig(dir)).toThrow(/is a directory/);
  });

  it('loads a file with a byte-order mark', () => {
    const file = join(dir, 'bom.json');
    writeFileSync(file, `\ufeff${JSON.stringify(minimal())}`);
    expect(loadKioskConfig(file).id).toBe('test-kiosk-01');
  });

  it('keeps example files free of secrets: only references', () => {
    for (const name of ['gov-24h.json', 'hospital-lobby.json']) {
      const text = readFileSync(join(examples, name), 'utf8');
      for (const m of text.matchAll(/"credentialsRef":\s*"([^"]*)"/g)) expect(m[1]).toMatch(/^(env:|file:\/)/);
      expect(readExample(name).id).toMatch(/^[a-z0-9-]+$/);
    }
  });
});

describe('nearby machines (ui.nearbyKiosks)', () => {
  const nearby = (list: unknown[]) => withPatch((c) => (c.ui = { nearbyKiosks: list }));
  const daily = (open: string, close: string) => ({ open, close, openMinute: Number(open.slice(0, 2)) * 60 + Number(open.slice(3)), closeMinute: Number(close.slice(0, 2)) * 60 + Number(close.slice(3)) });

  it('carry their hours (like a service\'s) and distance', () => {
    const c = parseKioskConfig(
      nearby([{ name: '大厅自助机', location: '一楼', distanceMeters: 80, hours: { weekly: { mon: ['09:00-18:00'], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [] } } }]),
    );
    expect(c.ui.nearbyKiosks).toEqual([
      { name: '大厅自助机', location: '一楼', distanceMeters: 80, hours: { weekly: { mon: [daily('09:00', '18:00')], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [] }, exceptions: [] } },
    ]);
  });

  it('older configs stay valid where "hoursText" says hours: "24小时" is 24/7, one range is every day', () => {
    const c = parseKioskConfig(
      nearby([
        { name: 'A', location: 'a', hoursText: '24小时' },
        { name: 'B', location: 'b', hoursText: '07:00–20:00', distanceMeters: 40 },
      ]),
    );
    const [a, b] = c.ui.nearbyKiosks;
    expect(a).toEqual({ name: 'A', location: 'a', hours: { weekly: '24/7', exceptions: [] } });
    expect(b?.hours.weekly).not.toBe('24/7');
    expect(Object.values(b!.hours.weekly as Record<string, unknown>)).toEqual(Array(7).fill([daily('07:00', '20:00')]));
  });

  it('a machine whose hours cannot be known is an error naming its path and what to write', () => {
    const issues = issuesOf(nearby([{ name: 'A', location: 'a', hoursText: '24小时' }, { name: 'B', location: 'b', hoursText: '工作日白天' }, { name: 'C', location: 'c' }]));
    expect(lines(issues)).toEqual([
      'ui.nearbyKiosks[1].hours: required: "hoursText" "工作日白天" is not hours the kiosk can read; e.g. {"weekly": "24/7"} or {"weekly": {"mon": ["09:00-18:00"], …, "sat": [], "sun": []}}; only machines open now are listed',
      'ui.nearbyKiosks[2].hours: required: when is this machine open? e.g. {"weekly": "24/7"} or {"weekly": {"mon": ["09:00-18:00"], …, "sat": [], "sun": []}}; only machines open now are listed',
    ]);
  });

  it('a bad range or key inside the hours is reported at its own path', () => {
    const issues = issuesOf(nearby([{ name: 'A', location: 'a', hours: { weekly: { mon: ['18:00-09:00'], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [] } }, distanceMeter: 5 }]));
    expect(lines(issues)).toEqual([
      'ui.nearbyKiosks[0].hours.weekly.mon[0]: closes (09:00) before it opens (18:00); a range that crosses midnight is two ranges: "18:00-24:00" on one day and "00:00-09:00" on the next',
      'ui.nearbyKiosks[0].distanceMeter: unknown key (did you mean "distanceMeters"?)',
    ]);
  });
});
