/**
 * electron-builder is not installed here: check its config and the Linux service files as data.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = resolve(import.meta.dirname, '..');
const read = (path: string) => readFileSync(resolve(root, path), 'utf8');

interface BuilderConfig {
  appId: string;
  productName: string;
  extraMetadata?: { main?: string };
  files: string[];
  asar: boolean;
  asarUnpack: string[];
  electronFuses: Record<string, boolean>;
  linux: { target: string[]; executableName: string; extraResources: { from: string; to: string }[] };
  deb: { afterInstall: string; afterRemove?: string };
  win: { target: string[] };
}

const config = parse(read('electron-builder.yml')) as BuilderConfig;

/** `key=value` lines of a unit or desktop file, per section */
function iniSections(text: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current = new Map<string, string[]>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      current = new Map();
      sections.set(header[1]!, current);
      continue;
    }
    const at = line.indexOf('=');
    if (at < 0) continue;
    const key = line.slice(0, at);
    current.set(key, [...(current.get(key) ?? []), line.slice(at + 1)]);
  }
  return sections;
}

describe('electron-builder.yml', () => {
  it('names the app and starts the bundled shell', () => {
    expect(config.appId).toBe('cn.zizhu.kiosk');
    expect(config.productName).toBe('Zizhu');
    expect(config.extraMetadata?.main).toBe('dist/main/main.cjs');
  });

  it('packs the agent and the shell, never the hardware simulator', () => {
    for (const f of ['dist/main/**', 'bin/**', 'contracts/**', 'kiosk-config/**', 'drivers/**', 'backends/**', 'state-machines/**', 'runtime/**', 'renderer/dist/**', 'package.json', 'node_modules/**']) {
      expect(config.files).toContain(f);
    }
    expect(config.files).toContain('!hardware-sim/**');
    expect(config.files.some((f) => f.startsWith('hardware-sim'))).toBe(false);
  });

  it('unpacks native modules from the asar', () => {
    expect(config.asar).toBe(true);
    for (const p of ['**/*.node', 'node_modules/better-sqlite3/**', 'node_modules/@serialport/bindings-cpp/**', 'node_modules/node-hid/**']) {
      expect(config.asarUnpack).toContain(p);
    }
  });

  it('sets the fuses', () => {
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it('targets AppImage and deb on Linux, nsis on Windows', () => {
    expect(config.linux.target).toEqual(expect.arrayContaining(['AppImage', 'deb']));
    expect(config.win.target).toEqual(['nsis']);
  });

  it('ships the unit and the autostart entry, and the scripts it names exist and are executable', () => {
    const froms = config.linux.extraResources.map((r) => r.from);
    expect(froms).toEqual(expect.arrayContaining(['build/zizhu-kiosk.service', 'build/zizhu-kiosk.desktop']));
    for (const f of [...froms, config.deb.afterInstall, config.deb.afterRemove!]) expect(existsSync(resolve(root, f)), f).toBe(true);
    for (const script of [config.deb.afterInstall, config.deb.afterRemove!]) {
      expect(statSync(resolve(root, script)).mode & 0o111, script).not.toBe(0);
      execFileSync('sh', ['-n', resolve(root, script)]); // syntax check: throws on a shell syntax error
    }
  });
});

describe('systemd unit build/zizhu-kiosk.service', () => {
  const unit = iniSections(read('build/zizhu-kiosk.service'));
  const service = unit.get('Service')!;

  it('restarts the kiosk always, 2 s after it stops', () => {
    expect(service.get('Restart')).toEqual(['always']);
    expect(service.get('RestartSec')).toEqual(['2']);
    expect(unit.get('Unit')!.get('StartLimitIntervalSec')).toEqual(['0']);
  });

  it('runs the packaged executable for the kiosk user in its graphical session, with the config path', () => {
    expect(service.get('ExecStart')).toEqual([`/opt/${config.productName}/${config.linux.executableName}`]);
    expect(unit.get('Unit')!.get('ConditionUser')).toEqual(['zizhu']);
    expect(unit.get('Unit')!.get('After')).toContain('graphical-session.target');
    expect(unit.get('Install')!.get('WantedBy')).toEqual(['graphical-session.target']);
    expect(service.get('Environment')).toContain('ZIZHU_CONFIG=/etc/zizhu/kiosk.json');
  });
});

describe('systemd unit build/zizhu-agent.service (a kiosk with Debian Chromium instead of Electron)', () => {
  const unit = iniSections(read('build/zizhu-agent.service'));
  const service = unit.get('Service')!;

  it('runs the agent with the Chromium shell and the config path, restarted always', () => {
    expect(service.get('ExecStart')).toEqual(['/usr/local/bin/zizhu agent --config /etc/zizhu/kiosk.json --shell chromium']);
    expect(service.get('Restart')).toEqual(['always']);
    expect(unit.get('Install')!.get('WantedBy')).toEqual(['graphical-session.target']);
  });
});

describe('the kiosk runs as its own user, and Chromium keeps its sandbox', () => {
  const units = ['build/zizhu-kiosk.service', 'build/zizhu-agent.service'];

  it('every unit starts only for the kiosk user the post-install script creates, never as root', () => {
    const kioskUser = /^KIOSK_USER=(\S+)$/m.exec(read('build/linux/after-install.sh'))?.[1];
    expect(kioskUser).toBe('zizhu');
    expect(read('build/linux/after-install.sh')).toMatch(/useradd .*"\$KIOSK_USER"/);
    for (const path of units) {
      const unit = iniSections(read(path));
      expect(unit.get('Unit')!.get('ConditionUser'), path).toEqual([kioskUser]);
      expect(unit.get('Service')!.get('User'), path).toBeUndefined(); // user units: the kiosk user's own manager runs them
    }
  });

  it('nothing shipped turns the sandbox off', () => {
    for (const path of [...units, 'build/zizhu-kiosk.desktop', 'build/linux/after-install.sh']) expect(read(path), path).not.toMatch(/^[^#]*--no-sandbox/m);
    for (const example of ['gov-24h', 'hospital-lobby']) {
      const config = JSON.parse(read(`kiosk-config/examples/${example}.json`)) as { shell?: { allowNoSandbox?: boolean } };
      expect(config.shell?.allowNoSandbox, example).not.toBe(true);
    }
  });
});

describe('build/linux/after-install.sh', () => {
  const script = read('build/linux/after-install.sh');
  it('installs and enables the unit it ships', () => {
    expect(script).toMatch(/^UNIT=zizhu-kiosk\.service$/m);
    expect(script).toMatch(/install .*"\$APP_DIR\/resources\/\$UNIT" "\/etc\/systemd\/user\/\$UNIT"/);
    expect(script).toMatch(/systemctl --global enable "\$UNIT"/);
    expect(script).toMatch(/^APP_DIR=\/opt\/Zizhu$/m);
    expect(script).toMatch(/^EXE=zizhu-kiosk$/m);
  });
  it('uses no brace-style variables (electron-builder would take them for its macros)', () => {
    expect(script).not.toMatch(/\$\{/);
    expect(read('build/linux/after-remove.sh')).not.toMatch(/\$\{/);
  });
});

describe('build/zizhu-kiosk.desktop', () => {
  it('is an autostart application entry for the same executable', () => {
    const entry = iniSections(read('build/zizhu-kiosk.desktop')).get('Desktop Entry')!;
    expect(entry.get('Type')).toEqual(['Application']);
    expect(entry.get('Exec')).toEqual(['/opt/Zizhu/zizhu-kiosk']);
    expect(entry.get('X-GNOME-Autostart-enabled')).toEqual(['true']);
  });
});
