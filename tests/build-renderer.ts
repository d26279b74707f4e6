/**
 * Test set-up: the renderer must be built (renderer/dist) for the tests that show it in Chromium.
 * Builds it when it is missing or older than its sources (renderer/, contracts/bridge.ts).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

function newest(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(st.mtimeMs, ...readdirSync(path).filter((f) => f !== 'dist' && f !== 'node_modules').map((f) => newest(join(path, f))));
}

export async function ensureRendererBuilt(): Promise<void> {
  const index = join(root, 'renderer', 'dist', 'index.html');
  const sources = Math.max(newest(join(root, 'renderer')), newest(join(root, 'contracts', 'bridge.ts')));
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return;
  const { build } = await import('vite');
  await build({ configFile: join(root, 'renderer', 'vite.config.ts'), logLevel: 'warn' });
}

export default ensureRendererBuilt;
