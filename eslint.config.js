// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';

// ───── The folder import table of docs/architecture.md ("Folders and what they may import") ─────
// Our imports are relative (`../../contracts/x.ts`), so each rule is a regex over the import string:
// `into('runtime')` is any relative path that enters a folder named `runtime/` (no folder of ours
// reuses a top-level folder's name below it). A rule is one `files` block per folder; the last block
// that matches a file wins, so folders come before their subfolders and tests come last.
// Static imports and `export … from` go through no-restricted-imports, literal `import('…')` through
// no-restricted-syntax.
const into = (...dirs) => `^\\.\\.?/(?:.*/)?(?:${dirs.join('|')})/`;
/** kiosk-config files other than the pure schema (schema.ts, hours.ts, json-source.ts) */
const IMPURE_CONFIG = `${into('kiosk-config')}(?!(?:schema|hours|json-source)\\.ts$)`;
const TOP = ['contracts', 'kiosk-config', 'drivers', 'hardware-sim', 'backends', 'state-machines', 'runtime', 'main', 'renderer', 'hq', 'tests', 'bench'];
const KIOSK_SIDE = TOP.filter((d) => !['hq', 'tests', 'bench'].includes(d));
const except = (list, ...keep) => list.filter((d) => !keep.includes(d));
const SRC = (dir) => [`${dir}/**/*.ts`, `${dir}/**/*.tsx`, `${dir}/**/*.mjs`, `${dir}/**/*.js`];
const TESTS = (dir) => [`${dir}/**/*.test.ts`, `${dir}/**/*.test.tsx`, `${dir}/**/testing.ts`, `${dir}/**/testing/**/*.ts`, `${dir}/**/test-helpers.ts`];

/** one block: files in `files` may import what `may` says; `forbid` are regexes (or [regex, 'types ok']) */
function layer(files, may, forbid) {
  const message = `${may} (docs/architecture.md, "Folders and what they may import")`;
  const patterns = forbid.map((f) => (Array.isArray(f) ? { regex: f[0], message, allowTypeImports: true } : { regex: f, message }));
  const dynamic = forbid.map((f) => ({ selector: `ImportExpression[source.value=/${(Array.isArray(f) ? f[0] : f).replaceAll('/', '\\x2F')}/]`, message }));
  return { files, rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns }], 'no-restricted-syntax': ['error', ...dynamic] } };
}
const DRIVERS = ['id-reader', 'printer', 'scanner'];
const HQ_WALL = [into(...except(KIOSK_SIDE, 'contracts', 'kiosk-config')), IMPURE_CONFIG];
const importLayers = [
  layer(SRC('contracts'), 'contracts/ imports nothing of ours', [into(...except(TOP, 'contracts'))]),
  layer(SRC('kiosk-config'), 'kiosk-config/ may import only contracts/', [into(...except(TOP, 'contracts', 'kiosk-config'))]),
  layer(SRC('drivers/transport'), 'drivers/transport/ may import only contracts/', [into(...except(TOP, 'contracts', 'drivers')), into(...DRIVERS)]),
  ...DRIVERS.map((d) =>
    layer(SRC(`drivers/${d}`), `drivers/${d}/ may import only contracts/ and drivers/transport/`, [into(...except(TOP, 'contracts', 'drivers')), into(...except(DRIVERS, d))]),
  ),
  layer(SRC('hardware-sim'), "hardware-sim/ may import only contracts/, drivers/transport/ and the drivers' protocol codecs (not a driver's device.ts/delivery.ts)", [
    into(...except(TOP, 'contracts', 'drivers', 'hardware-sim')),
    `${into('drivers')}[^/]+/(?:device|delivery|testing)\\.ts$`,
  ]),
  layer(SRC('backends'), 'backends/ may import only contracts/', [into(...except(TOP, 'contracts', 'backends'))]),
  layer(SRC('state-machines'), "state-machines/ may import contracts/, the pure kiosk-config schema, and only types (import type) from backends/ and drivers/", [
    into(...except(TOP, 'contracts', 'kiosk-config', 'backends', 'drivers', 'state-machines')),
    IMPURE_CONFIG,
    [into('backends', 'drivers'), 'types ok'],
  ]),
  layer(SRC('runtime'), 'runtime/ may import every kiosk folder above it, never hq/, main/ or renderer/', [into('hq', 'main', 'renderer', 'tests', 'bench')]),
  layer(SRC('main'), 'main/ may import only contracts/', [into(...except(TOP, 'contracts', 'main'))]),
  layer(SRC('renderer'), 'renderer/ may import only contracts/', [into(...except(TOP, 'contracts', 'renderer'))]),
  layer(SRC('hq'), 'hq/ may import only contracts/ and the pure kiosk-config schema', [...HQ_WALL, into('tests', 'bench')]),
  layer(SRC('hq/server'), 'hq/server/ may import only contracts/ and the pure kiosk-config schema', [...HQ_WALL, into('tests', 'bench', 'cli', 'fleet-sim', 'dashboard')]),
  layer(SRC('hq/cli'), 'hq/cli/ may import only contracts/, the pure kiosk-config schema, hq/server/ and hq/fleet-sim/', [...HQ_WALL, into('tests', 'bench', 'dashboard')]),
  layer(SRC('hq/fleet-sim'), 'hq/fleet-sim/ may import only contracts/', [into(...except(TOP, 'contracts')), into('server', 'cli', 'dashboard')]),
  layer(SRC('hq/dashboard'), 'hq/dashboard/ may import only contracts/', [into(...except(TOP, 'contracts')), into('server', 'cli', 'fleet-sim')]),
  // Tests and their helpers may cross layers on their own side of the wall (a driver's test runs the
  // simulator, a machine's test a real journal, tests/ helpers anywhere); kiosk and HQ stay apart.
  layer(KIOSK_SIDE.flatMap(TESTS), 'a kiosk-side test never imports hq/', [into('hq', 'bench')]),
  layer(TESTS('hq'), 'an hq/ test may import hq/, contracts/, the pure kiosk-config schema and tests/ helpers', [...HQ_WALL, into('bench')]),
];

export default tseslint.config(
  { ignores: ['node_modules/**', '**/dist/**', 'test-results/**', 'bench/results.json', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    files: ['renderer/**/*.tsx', 'renderer/**/*.ts', 'hq/dashboard/**/*.tsx', 'hq/dashboard/**/*.ts'],
    plugins: { 'react-hooks': reactHooks },
    rules: { 'react-hooks/rules-of-hooks': 'error', 'react-hooks/exhaustive-deps': 'error' },
  },
  ...importLayers,
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
);
