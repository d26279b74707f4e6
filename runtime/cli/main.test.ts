import { describe, expect, it } from 'vitest';
import { main } from './main.ts';
import { captureIo, Exit } from './io.ts';

describe('zizhu CLI dispatch', () => {
  it('prints usage and exits 2 without a command', async () => {
    const io = captureIo();
    expect(await main([], io)).toBe(Exit.BAD_INPUT);
    expect(io.stdout.join('\n')).toContain('zizhu doctor');
  });

  it('prints usage and exits 0 for help', async () => {
    const io = captureIo();
    expect(await main(['help'], io)).toBe(Exit.OK);
    expect(io.stdout.join('\n')).toContain('zizhu decode idcard');
  });

  it('names an unknown command and exits 2', async () => {
    const io = captureIo();
    expect(await main(['frobnicate'], io)).toBe(Exit.BAD_INPUT);
    expect(io.stderr).toEqual(['zizhu: unknown command "frobnicate" (zizhu help lists the commands)']);
  });
});
