import { defineConfig } from '@playwright/test';

/**
 * End-to-end tests in Debian's Chromium (never `playwright install`). One worker: the tests share
 * the machine's two cores with socat PTYs and the agent. Screenshots go under test-results/.
 */
export default defineConfig({
  testDir: 'tests/e2e',
  testMatch: '**/*.spec.ts',
  // the renderer is built (if stale) before any test shows it
  globalSetup: './tests/build-renderer.ts',
  outputDir: 'test-results/playwright',
  workers: 1,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: process.env.CI ? [['line']] : [['list']],
  use: {
    browserName: 'chromium',
    launchOptions: {
      executablePath: process.env.ZIZHU_CHROMIUM ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    },
    viewport: { width: 1080, height: 1920 },
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
  },
});
