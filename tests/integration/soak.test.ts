import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const BIN = resolve(import.meta.dirname, '../../bin/zizhu.mjs');

function soak(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [BIN, 'soak', 'payments', ...args], { env: { ...process.env, ...env }, timeout: 170_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      done({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

// The soak is the proof that money and bookings survive SIGKILL at any moment: the agent runs as a
// child process, is killed at seeded points and restarted, and the ledgers and journal are audited.
describe('zizhu soak payments', () => {
  it('50 hospital registrations with the agent killed and restarted: no double charge, no lost registration, every order final', async () => {
    const r = await soak(['--iterations', '50', '--seed', '7', '--json']);
    expect(r.stdout.trim(), r.stderr).toBe('{"iterations":50,"doubleCharges":0,"lostPaidRegistrations":0,"nonFinalOrders":0,"unrefundedOrphans":0,"strandedLocks":0,"journalIntegrity":"ok"}');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/\b1[0-9] kills \(SIGKILL\)/);
  }, 180_000);

  it('catches a kiosk that says it refunded but never did (ZIZHU_SOAK_BREAK=skip-refund)', async () => {
    // a failing soak keeps its files for inspection: keep them where this test can remove them
    const dir = await mkdtemp(join(tmpdir(), 'zizhu-soak-broken-'));
    const r = await soak(['--iterations', '15', '--seed', '7', '--json', '--kills', '2', '--keep', dir], { ZIZHU_SOAK_BREAK: 'skip-refund' });
    await rm(dir, { recursive: true, force: true });
    const counts = JSON.parse(r.stdout.trim()) as Record<string, number | string>;
    expect(counts.unrefundedOrphans, r.stderr).toBeGreaterThan(0);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('unrefundedOrphans:');
  }, 180_000);

  it('catches a kiosk that leaves the places it held locked (ZIZHU_SOAK_BREAK=skip-release)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'zizhu-soak-broken-'));
    const r = await soak(['--iterations', '15', '--seed', '7', '--json', '--kills', '2', '--keep', dir], { ZIZHU_SOAK_BREAK: 'skip-release' });
    await rm(dir, { recursive: true, force: true });
    const counts = JSON.parse(r.stdout.trim()) as Record<string, number | string>;
    expect(counts.strandedLocks, r.stderr).toBeGreaterThan(0);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('strandedLocks:');
  }, 180_000);
});
