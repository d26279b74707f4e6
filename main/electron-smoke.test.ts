/**
 * The shell as it really runs: main/build.mjs bundles it, then (where an Electron binary exists)
 * Playwright's `_electron` launches it with a stand-in agent (fixtures/smoke-agent.mjs) and we
 * check the kiosk window appears and shows the page the agent asked for.
 *
 * No binary here (node_modules/electron holds types and the JS stub only): the launch test skips
 * and says so. On a machine with internet: `npm run electron:fetch`, then run this file.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { _electron } from 'playwright-core';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');

/** Where the Electron binary is (or would be), and whether it is there. */
function electronBinary(): { path: string; present: boolean } {
  try {
    const path = createRequire(import.meta.url)('electron') as string;
    return { path, present: typeof path === 'string' && existsSync(path) };
  } catch {
    return { path: join(root, 'node_modules/electron/dist/electron'), present: false };
  }
}

const electron = electronBinary();
if (!electron.present) {
  console.log(`electron smoke: skipped — no Electron binary at ${electron.path} (npm run electron:fetch on a machine with internet)`);
}

function buildMain(outfile: string): void {
  execFileSync(process.execPath, [join(root, 'main/build.mjs'), '--outfile', outfile], { cwd: root, stdio: 'pipe' });
}

describe('Electron shell', () => {
  it('main/build.mjs bundles main.ts into one CommonJS file with electron left external', () => {
    const dir = mkdtempSync(join(tmpdir(), 'zizhu-main-build-'));
    try {
      const outfile = join(dir, 'main.cjs');
      buildMain(outfile);
      const code = readFileSync(outfile, 'utf8');
      expect(code).toMatch(/require\("electron"\)/);
      // our modules and zod are inside: the only requires left are electron and Node built-ins
      const required = [...code.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]!);
      expect(required.filter((r) => r !== 'electron' && !r.startsWith('node:'))).toEqual([]);
      expect(code).toContain('系统正在恢复');
      expect(code).toContain('zizhu-agent');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(!electron.present)('launches the kiosk window and shows what the agent loads', async () => {
    buildMain(join(root, 'dist/main/main.cjs'));
    const userData = mkdtempSync(join(tmpdir(), 'zizhu-electron-smoke-'));
    const app = await _electron.launch({
      executablePath: electron.path,
      args: [join(root, 'dist/main/main.cjs'), '--no-sandbox', '--disable-gpu', `--user-data-dir=${userData}`],
      env: {
        ...process.env,
        ZIZHU_AGENT_ENTRY: join(root, 'main/fixtures/smoke-agent.mjs'),
        ZIZHU_AGENT_ARGS: '[]',
      } as Record<string, string>,
      timeout: 30_000,
    });
    try {
      const page = await app.firstWindow();
      await expect.poll(() => page.title(), { timeout: 15_000 }).toBe('zizhu smoke');
      const png = await page.screenshot();
      expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    } finally {
      await app.close();
      rmSync(userData, { recursive: true, force: true });
    }
  }, 60_000);
});
