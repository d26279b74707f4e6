/**
 * The folder import table of docs/architecture.md is enforced by eslint.config.js: each case lints a
 * one-line file at a made-up path with the project's real config and says whether the layer rule fires.
 */
import { describe, expect, it } from 'vitest';
import { ESLint } from 'eslint';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const eslint = new ESLint({ cwd: root });
const LAYER_RULES = new Set(['@typescript-eslint/no-restricted-imports', 'no-restricted-syntax']);

/** the layer-rule messages for `code` as if it were the file `filePath` (relative to the repo) */
async function layerErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${code}\nexport const used = x;\n`, { filePath: resolve(root, filePath) });
  const fatal = result!.messages.filter((m) => m.fatal);
  if (fatal.length) throw new Error(`${filePath}: ${fatal[0]!.message}`);
  return result!.messages.filter((m) => m.ruleId && LAYER_RULES.has(m.ruleId)).map((m) => m.message);
}
const staticImport = (from: string) => `import { x } from '${from}';`;
const dynamicImport = (from: string) => `const { x } = await import('${from}');`;

/** [file, import, forbidden?] */
const cases: [string, string, boolean][] = [
  // the HQ wall
  ['hq/server/x.ts', '../../runtime/agent.ts', true],
  ['hq/server/x.ts', '../../drivers/printer/device.ts', true],
  ['hq/server/x.ts', '../../state-machines/lifecycle.machine.ts', true],
  ['hq/server/x.ts', '../../backends/errors.ts', true],
  ['hq/server/x.ts', '../../hardware-sim/kiosk-hardware.ts', true],
  ['hq/server/x.ts', '../../renderer/src/ui.tsx', true],
  ['hq/server/x.ts', '../../main/window.ts', true],
  ['hq/server/x.ts', '../../kiosk-config/check-command.ts', true],
  ['hq/server/x.ts', '../dashboard/src/api/http.ts', true],
  ['hq/server/x.ts', '../../contracts/hq.ts', false],
  ['hq/server/x.ts', '../../kiosk-config/schema.ts', false],
  ['hq/server/store/x.ts', '../../../kiosk-config/hours.ts', false],
  ['hq/server/x.ts', './auth/tables.ts', false],
  ['hq/cli/x.ts', '../server/server.ts', false],
  ['hq/cli/x.ts', '../fleet-sim/fleet.ts', false],
  ['hq/cli/x.ts', '../../runtime/cli/io.ts', true],
  ['hq/fleet-sim/x.ts', '../../contracts/hq-signing.ts', false],
  ['hq/fleet-sim/x.ts', '../server/server.ts', true],
  ['hq/fleet-sim/x.ts', '../../runtime/hq-link/link.ts', true],
  ['hq/fleet-sim/x.ts', '../../kiosk-config/schema.ts', true],
  ['hq/dashboard/src/x.ts', '../../../kiosk-config/schema.ts', true],
  ['hq/dashboard/src/pages/x.tsx', '../../../server/server.ts', true],
  ['hq/dashboard/src/x.ts', '../../../contracts/hq-api.ts', false],
  ['hq/dashboard/src/x.ts', './api/http.ts', false],
  ['runtime/x.ts', '../hq/server/server.ts', true],
  ['runtime/hq-link/x.ts', '../../hq/server/server.ts', true],
  ['runtime/x.ts', '../renderer/src/ui.tsx', true],
  ['runtime/x.ts', '../main/window.ts', true],
  ['runtime/x.ts', '../contracts/hq.ts', false],
  ['runtime/cli/x.ts', '../../hardware-sim/kiosk-hardware.ts', false],
  ['runtime/x.ts', '../state-machines/lifecycle.machine.ts', false],
  // the kiosk side
  ['contracts/x.ts', '../kiosk-config/schema.ts', true],
  ['contracts/x.ts', './faults.ts', false],
  ['kiosk-config/x.ts', '../runtime/cli/io.ts', true],
  ['kiosk-config/x.ts', '../contracts/faults.ts', false],
  ['drivers/transport/x.ts', '../printer/status.ts', true],
  ['drivers/transport/x.ts', '../../hardware-sim/pty.ts', true],
  ['drivers/printer/x.ts', '../transport/link.ts', false],
  ['drivers/printer/x.ts', '../scanner/protocol.ts', true],
  ['drivers/printer/x.ts', '../../drivers/id-reader/card.ts', true],
  ['drivers/printer/x.ts', './status.ts', false],
  ['drivers/scanner/x.ts', '../../state-machines/failures.ts', true],
  ['hardware-sim/printer/x.ts', '../../drivers/printer/status.ts', false],
  ['hardware-sim/x.ts', '../drivers/transport/link.ts', false],
  ['hardware-sim/printer/x.ts', '../../drivers/printer/device.ts', true],
  ['hardware-sim/x.ts', '../runtime/links.ts', true],
  ['backends/his/x.ts', '../../state-machines/payment.machine.ts', true],
  ['backends/his/x.ts', '../types.ts', false],
  ['state-machines/x.ts', '../kiosk-config/hours.ts', false],
  ['state-machines/x.ts', '../backends/his/http.ts', true],
  ['state-machines/x.ts', '../drivers/printer/device.ts', true],
  ['state-machines/x.ts', '../runtime/journal/journal.ts', true],
  ['main/x.ts', '../runtime/agent.ts', true],
  ['main/x.ts', '../contracts/shell.ts', false],
  ['renderer/src/x.tsx', '../../state-machines/availability.ts', true],
  ['renderer/src/x.tsx', '../../contracts/bridge.ts', false],
  // tests: looser on their own side of the wall, never across it
  ['drivers/printer/x.test.ts', '../../hardware-sim/pty.ts', false],
  ['state-machines/x.test.ts', '../runtime/journal/journal.ts', false],
  ['drivers/printer/testing.ts', '../../hardware-sim/printer/simulated-printer.ts', false],
  ['runtime/x.test.ts', '../hq/server/server.ts', true],
  ['hq/fleet-sim/x.test.ts', '../../tests/fuzz/inputs.ts', false],
  ['hq/server/x.test.ts', '../../runtime/agent.ts', true],
  ['tests/x.test.ts', '../hq/server/server.ts', false],
  ['tests/x.test.ts', '../runtime/agent.ts', false],
];

describe('the folder import table is enforced by eslint', () => {
  it.each(cases)('%s importing %s: forbidden %s', async (file, from, forbidden) => {
    const errors = await layerErrors(file, staticImport(from));
    expect(errors.length > 0, errors.join('; ')).toBe(forbidden);
    if (forbidden) expect(errors[0]).toMatch(/may import|imports nothing|never imports/);
  });

  it('checks literal dynamic imports and re-exports too', async () => {
    expect(await layerErrors('runtime/cli/x.ts', dynamicImport('../../hq/cli/main.ts'))).toHaveLength(1);
    expect(await layerErrors('runtime/cli/x.ts', dynamicImport('./start.ts'))).toEqual([]);
    expect(await layerErrors('hq/cli/x.ts', `export { x } from '../../runtime/agent.ts';`)).toHaveLength(1);
  });

  it('lets state-machines/ take types, and only types, from backends/ and drivers/', async () => {
    expect(await layerErrors('state-machines/x.ts', `import type { x } from '../backends/his/types.ts';`)).toEqual([]);
    expect(await layerErrors('state-machines/x.ts', `import type { x } from '../drivers/printer/job.ts';`)).toEqual([]);
    expect(await layerErrors('state-machines/x.ts', `import { x } from '../drivers/printer/job.ts';`)).toHaveLength(1);
  });

  it('leaves package imports alone', async () => {
    expect(await layerErrors('hq/dashboard/src/x.tsx', staticImport('react-dom/server'))).toEqual([]);
    expect(await layerErrors('hq/server/x.ts', staticImport('fastify'))).toEqual([]);
  });
});
