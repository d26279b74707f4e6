import { describe, expect, it } from 'vitest';
import { isAbsolute } from 'node:path';
import { agentDataDir, defaultDataDir, defaultLogDir } from './agent-dirs.ts';

describe('the agent’s default data and log directories', () => {
  it('follow XDG_STATE_HOME, else ~/.local/state for a user and /var/lib, /var/log for root', () => {
    expect(defaultDataDir({ env: { XDG_STATE_HOME: '/srv/state' }, uid: 1000 })).toBe('/srv/state/zizhu/data');
    expect(defaultLogDir({ env: { XDG_STATE_HOME: '/srv/state' }, uid: 1000 })).toBe('/srv/state/zizhu/log');
    expect(defaultDataDir({ env: {}, uid: 1000, home: '/home/kiosk' })).toBe('/home/kiosk/.local/state/zizhu/data');
    expect(defaultLogDir({ env: {}, uid: 1000, home: '/home/kiosk' })).toBe('/home/kiosk/.local/state/zizhu/log');
    expect(defaultDataDir({ env: {}, uid: 0 })).toBe('/var/lib/zizhu');
    expect(defaultLogDir({ env: {}, uid: 0 })).toBe('/var/log/zizhu');
  });

  it('are never relative to the current directory (a relative XDG_STATE_HOME is ignored, as the XDG spec says)', () => {
    expect(defaultDataDir({ env: { XDG_STATE_HOME: 'var' }, uid: 1000, home: '/home/kiosk' })).toBe('/home/kiosk/.local/state/zizhu/data');
    expect(isAbsolute(defaultDataDir())).toBe(true);
    expect(isAbsolute(defaultLogDir())).toBe(true);
    expect(isAbsolute(agentDataDir('var/data'))).toBe(true);
    expect(agentDataDir(undefined, { env: { XDG_STATE_HOME: '/s' }, uid: 5 })).toBe('/s/zizhu/data');
  });
});
