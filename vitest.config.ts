import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', '**/dist/**'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
    // the renderer is built (if stale) before the tests that show it in Chromium
    globalSetup: ['./tests/build-renderer.ts'],
    reporters: ['default', './tests/summary-reporter.ts'],
  },
});
