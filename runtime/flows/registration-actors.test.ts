import { afterEach, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBackOffice, type BackOffice } from '../../backends/simulators.ts';
import { eventually } from '../../backends/test-helpers.ts';
import { pinnedNow } from '../../tests/pinned-clock.ts';
import { openJournal, type Journal } from '../journal/journal.ts';
import type { HostedSession } from '../sessions/session-host.ts';
import { backOfficeForSimulators } from './back-office.ts';
import { registrationFacts } from './registration-actors.ts';
import { createFlowRuntime, type FlowRuntime } from './runtime.ts';

const CARD = { name: '张测试', idNumber: '110101199003071233', idNumberValid: true };

let dir: string | undefined;
let journal: Journal | undefined;
let bo: BackOffice | undefined;
let flows: FlowRuntime | undefined;

afterEach(async () => {
  flows?.close();
  if (journal?.isOpen) journal.close();
  await bo?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
  flows = journal = bo = dir = undefined;
});

/** The flow runtime and the simulated hospital on one clock, pinned at `at`. */
async function kioskAt(at: string) {
  const now = pinnedNow(Date.parse(at));
  dir = await mkdtemp(join(tmpdir(), 'zizhu-reg-actors-'));
  journal = openJournal({ path: join(dir, 'journal.sqlite'), now });
  bo = await startBackOffice({ now });
  const backends = backOfficeForSimulators(bo.urls, { merchantId: bo.merchantId, timeoutMs: 1_000 });
  flows = createFlowRuntime({ journal, backends, kiosk: { id: 'test-kiosk-01', name: '测试机' }, clock: { now }, retryPauseMs: () => 10 });
  return { flows, bo };
}

const step = (s: HostedSession) => JSON.stringify(s.actor.getSnapshot().value);
const slotsOf = (s: HostedSession) => (s.actor.getSnapshot().context as { slots: { id: string; time: string }[] }).slots;

async function toSlots(s: HostedSession) {
  s.actor.send({ type: 'CARD_READ', card: CARD });
  await eventually('departments', () => step(s).includes('choosingDepartment'));
  s.actor.send({ type: 'DEPARTMENT_CHOSEN', departmentId: 'NK' });
  await eventually('doctors', () => step(s).includes('choosingDoctor'));
  s.actor.send({ type: 'DOCTOR_CHOSEN', doctorId: 'NK02' });
  await eventually('slots', () => step(s).includes('choosingSlot'));
}

describe('registration over the HIS simulator, at pinned instants in Asia/Shanghai', () => {
  it.each([
    ['07:00 (23:00 UTC the day before)', '2026-06-10T07:00:00+08:00', ['08:00-09:00', '09:00-10:00', '10:00-11:00', '13:30-14:30', '14:30-15:30', '15:30-16:30']],
    ['12:00', '2026-06-10T12:00:00+08:00', ['13:30-14:30', '14:30-15:30', '15:30-16:30']],
    ['21:48', '2026-06-10T21:48:00+08:00', []],
  ])('at %s only slots whose time is not over are offered', async (_label, at, times) => {
    const { flows } = await kioskAt(at);
    const s = flows.startSession('hospitalRegistration');
    await toSlots(s);
    expect(slotsOf(s).map((x) => x.time)).toEqual(times);
    s.actor.send({ type: 'CANCEL' });
    expect(await s.ended).toBe('cancelled');
  });

  it('at 08:40 the 08:00–09:00 slot is still offered, and it is locked before the order exists', async () => {
    const { flows, bo } = await kioskAt('2026-06-10T08:40:00+08:00');
    const s = flows.startSession('hospitalRegistration', { payment: { methods: ['nativeQr'] } });
    await toSlots(s);
    const early = slotsOf(s)[0]!;
    expect(early.time).toBe('08:00-09:00');
    s.actor.send({ type: 'SLOT_CHOSEN', slotId: early.id });
    await eventually('fee', () => step(s).includes('confirmingFee'));
    s.actor.send({ type: 'CONFIRM' });
    await eventually('paying', () => step(s).includes('paying'));
    expect(bo.his.ledger().locks).toEqual([expect.objectContaining({ slotId: early.id, status: 'held' })]);
    // what recovery would read from the journaled snapshot: the key of a place that may be held
    const facts = registrationFacts(s.actor.getPersistedSnapshot());
    expect(facts.heldSlotLock).toBe(`${s.id}-R1`);
    // the patient walks away from the QR: the order is closed and the place goes back
    s.actor.send({ type: 'CANCEL' });
    expect(await s.ended).toBe('cancelled');
    expect(bo.his.ledger().locks).toEqual([expect.objectContaining({ slotId: early.id, status: 'released' })]);
    expect(bo.his.slotsOf('NK02')[0]).toMatchObject({ id: early.id, remaining: 20 });
  });
});
