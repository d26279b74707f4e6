#!/usr/bin/env node
// Bundles the Electron shell (main/main.ts) into one CommonJS file Electron can run:
//   node main/build.mjs [--outfile dist/main/main.cjs]
// electron stays external (the runtime provides it); zod and our contracts are bundled in.
import { build } from 'esbuild';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const at = process.argv.indexOf('--outfile');
const outfile = at > 0 && process.argv[at + 1] ? resolve(process.argv[at + 1]) : resolve(root, 'dist/main/main.cjs');

try {
  const result = await build({
    entryPoints: [resolve(root, 'main/main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['electron'],
    sourcemap: 'linked',
    legalComments: 'none',
    charset: 'utf8',
    logLevel: 'warning',
    metafile: true,
  });
  const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
  console.log(`main: built ${outfile} (${Math.round(bytes / 1024)} KiB)`);
} catch (err) {
  console.error(`main: build failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
