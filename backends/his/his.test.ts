import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProvidentFundSimulator } from '../provident-fund/simulator.ts';
import { backendErrorOf, closedPortUrl, postJson } from '../test-helpers.ts';
import { HttpHis } from './http.ts';
import { HisSimulator, insuranceVoucherFor } from './simulator.ts';
import type { LockSlotRequest, Registration } from './types.ts';

/** Wednesday 2026-06-10 07:00 in Asia/Shanghai (Tuesday 23:00 UTC): before the first slot of the day */
const SEVEN_AM = Date.parse('2026-06-10T07:00:00+08:00');
const TODAY = '2026-06-10';

let sim: HisSimulator;
let his: HttpHis;
/** waits 300 ms: for the faults that hold the answer */
let quick: HttpHis;
/** the simulated hospital's clock: pinned, moved by the tests */
let clock = SEVEN_AM;
let seq = 0;
const patient = { idNumber: '110101199003071233', name: '张测试' };
const key = () => `attempt-${++seq}-0000`;

beforeEach(async () => {
  clock = SEVEN_AM;
  sim = new HisSimulator({ now: () => clock });
  const { url } = await sim.start();
  his = new HttpHis({ url, timeoutMs: 5_000 });
  quick = new HttpHis({ url, timeoutMs: 300 });
});
afterEach(async () => {
  await sim.close();
});

async function firstFreeSlot(doctorId = 'NK02') {
  const slot = (await his.slots({ doctorId, date: TODAY })).find((s) => s.remaining > 0);
  if (!slot) throw new Error(`no free slot for ${doctorId}`);
  return slot;
}
const lockOf = (slotId: string, over: Partial<LockSlotRequest> = {}): LockSlotRequest => ({ idempotencyKey: key(), patient, slotId, holdSeconds: 300, ...over });
const remaining = async (slotId: string, doctorId = 'NK02') => (await his.slots({ doctorId, date: TODAY })).find((s) => s.id === slotId)?.remaining;

/** 锁号 → 确认挂号 with a made-up paid order */
async function booked(slotId: string, over: Partial<LockSlotRequest> = {}): Promise<Registration> {
  const req = lockOf(slotId, over);
  const locked = await his.lockSlot(req);
  if (locked.outcome !== 'locked') throw new Error(`expected locked, got ${JSON.stringify(locked)}`);
  const r = await his.confirmRegistration({ idempotencyKey: req.idempotencyKey, paymentOrderNo: `ZZ${++seq}` });
  if (r.outcome !== 'booked') throw new Error(`expected booked, got ${JSON.stringify(r)}`);
  return r.registration;
}

describe('listing', () => {
  it('departments, doctors and today’s slots in Asia/Shanghai, fees in fen', async () => {
    expect(sim.today()).toBe(TODAY); // 23:00 UTC on the 9th is the 10th in Shanghai
    const today = TODAY;
    const deps = await his.departments();
    expect(deps.map((d) => d.name)).toEqual(expect.arrayContaining(['内科', '外科', '儿科', '眼科']));
    const doctors = await his.doctors({ departmentId: 'NK', date: today });
    expect(doctors.length).toBeGreaterThanOrEqual(2);
    const slots = await his.slots({ doctorId: doctors[0]!.id, date: today });
    expect(slots.length).toBe(6);
    for (const s of slots) {
      expect(s.date).toBe(today);
      expect(Number.isInteger(s.feeFen) && s.feeFen > 0).toBe(true);
    }
  });

  it.each([
    ['07:00', '2026-06-10T07:00:00+08:00', ['08:00-09:00', '09:00-10:00', '10:00-11:00', '13:30-14:30', '14:30-15:30', '15:30-16:30']],
    ['08:40 (08:00–09:00 is still on)', '2026-06-10T08:40:00+08:00', ['08:00-09:00', '09:00-10:00', '10:00-11:00', '13:30-14:30', '14:30-15:30', '15:30-16:30']],
    ['12:00', '2026-06-10T12:00:00+08:00', ['13:30-14:30', '14:30-15:30', '15:30-16:30']],
    ['21:48', '2026-06-10T21:48:00+08:00', []],
  ])('at %s Shanghai, slots whose time is over are not listed', async (_label, at, times) => {
    clock = Date.parse(at);
    expect((await his.slots({ doctorId: 'NK01', date: TODAY })).map((s) => s.time)).toEqual(times);
    // tomorrow's are all there
    expect((await his.slots({ doctorId: 'NK01', date: '2026-06-11' })).length).toBe(6);
  });

  it('a slot listed at 08:40 and locked at 09:00 is over: SLOT_PASSED, nothing held', async () => {
    clock = Date.parse('2026-06-10T08:40:00+08:00');
    const early = (await his.slots({ doctorId: 'NK02', date: TODAY }))[0]!;
    expect(early.time).toBe('08:00-09:00');
    clock = Date.parse('2026-06-10T09:00:00+08:00');
    expect(await his.lockSlot(lockOf(early.id))).toEqual({ outcome: 'conflict', reason: 'slot-passed', slotId: early.id });
    expect(sim.ledger().locks).toEqual([]);
  });

  it('a fully booked (约满) slot shows remaining 0', async () => {
    const slots = await his.slots({ doctorId: 'YK01', date: TODAY });
    expect(slots.filter((s) => s.remaining === 0).length).toBeGreaterThan(0);
  });

  it('an unknown doctor or a malformed date is a rejection', async () => {
    expect(await backendErrorOf(his.slots({ doctorId: 'XX99', date: TODAY }))).toMatchObject({ kind: 'rejected', code: 'DOCTOR_NOT_FOUND' });
    expect(await backendErrorOf(his.slots({ doctorId: 'NK01', date: 'today' }))).toMatchObject({ kind: 'rejected', code: 'PARAM_ERROR' });
  });
});

describe('锁号 → 确认挂号 / 解锁', () => {
  it('a lock holds one place before payment; confirm books it with a queue number; the place stays taken', async () => {
    const slot = await firstFreeSlot();
    const req = lockOf(slot.id);
    const locked = await his.lockSlot(req);
    expect(locked).toEqual({ outcome: 'locked', replayed: false, lock: { idempotencyKey: req.idempotencyKey, slotId: slot.id, feeFen: slot.feeFen, expiresAt: '2026-06-10T07:05:00+08:00' } });
    expect(await remaining(slot.id)).toBe(slot.remaining - 1);
    expect(await his.todaysRegistrations({ idNumber: patient.idNumber, date: TODAY })).toEqual([]);
    const r = await his.confirmRegistration({ idempotencyKey: req.idempotencyKey, paymentOrderNo: 'ZZ0001' });
    if (r.outcome !== 'booked') throw new Error(`expected booked, got ${r.outcome}`);
    expect(r).toMatchObject({ replayed: false, registration: { slotId: slot.id, departmentName: '内科', queueNumber: 1, feeFen: slot.feeFen, paymentOrderNo: 'ZZ0001', status: 'booked' } });
    expect(await remaining(slot.id)).toBe(slot.remaining - 1);
    expect(await his.todaysRegistrations({ idNumber: patient.idNumber, date: TODAY })).toEqual([r.registration]);
    expect(sim.ledger().totals.locks).toEqual({ held: 0, confirmed: 1, released: 0, expired: 0 });
  });

  it('is idempotent by key: the same lock request and the same confirm replay, one place, one booking', async () => {
    const slot = await firstFreeSlot();
    const req = lockOf(slot.id);
    await his.lockSlot(req);
    expect(await his.lockSlot(req)).toMatchObject({ outcome: 'locked', replayed: true });
    const a = await his.confirmRegistration({ idempotencyKey: req.idempotencyKey, paymentOrderNo: 'ZZ0002' });
    const b = await his.confirmRegistration({ idempotencyKey: req.idempotencyKey, paymentOrderNo: 'ZZ0002' });
    expect(b).toMatchObject({ outcome: 'booked', replayed: true });
    if (a.outcome !== 'booked' || b.outcome !== 'booked') throw new Error('expected booked');
    expect(b.registration.bookingId).toBe(a.registration.bookingId);
    expect(sim.ledger().bookings).toHaveLength(1);
    expect(sim.ledger().totals.replays).toBe(2);
    expect(await remaining(slot.id)).toBe(slot.remaining - 1);
    // the same key paid by another order is not ours to book again
    expect(await his.confirmRegistration({ idempotencyKey: req.idempotencyKey, paymentOrderNo: 'ZZ9999' })).toMatchObject({ outcome: 'conflict', reason: 'key-reused', existing: { paymentOrderNo: 'ZZ0002' } });
  });

  it('the same key for another slot, or after its lock ended, is key-reused: a new attempt needs a new key', async () => {
    const [s1, s2] = (await his.slots({ doctorId: 'NK02', date: TODAY })).filter((s) => s.remaining > 0);
    const req = lockOf(s1!.id);
    await his.lockSlot(req);
    expect(await his.lockSlot({ ...req, slotId: s2!.id })).toEqual({ outcome: 'conflict', reason: 'key-reused' });
    await his.releaseSlot({ idempotencyKey: req.idempotencyKey });
    expect(await his.lockSlot(req)).toEqual({ outcome: 'conflict', reason: 'key-reused' });
    // released before its lock arrived (the request was still on the wire): it never takes a place
    expect(await his.releaseSlot({ idempotencyKey: 'late-lock-0001' })).toEqual({ outcome: 'not-held' });
    expect(await his.lockSlot(lockOf(s2!.id, { idempotencyKey: 'late-lock-0001' }))).toEqual({ outcome: 'conflict', reason: 'key-reused' });
    expect(await remaining(s2!.id)).toBe(s2!.remaining);
  });

  it('release gives the place back and is idempotent; a confirmed key is never released (no implicit cancel)', async () => {
    const slot = await firstFreeSlot();
    const req = lockOf(slot.id);
    await his.lockSlot(req);
    expect(await his.releaseSlot({ idempotencyKey: req.idempotencyKey })).toEqual({ outcome: 'released' });
    expect(await his.releaseSlot({ idempotencyKey: req.idempotencyKey })).toEqual({ outcome: 'not-held' });
    expect(await remaining(slot.id)).toBe(slot.remaining);
    expect(await his.confirmRegistration({ idempotencyKey: req.idempotencyKey, paymentOrderNo: 'ZZ0003' })).toEqual({ outcome: 'not-held', reason: 'released' });
    expect(await his.confirmRegistration({ idempotencyKey: 'never-locked-01', paymentOrderNo: 'ZZ0004' })).toEqual({ outcome: 'not-held', reason: 'unknown-key' });

    const kept = await booked(slot.id);
    expect(await his.releaseSlot({ idempotencyKey: kept.idempotencyKey })).toEqual({ outcome: 'booked' });
    expect(await his.todaysRegistrations({ idNumber: patient.idNumber, date: TODAY })).toEqual([kept]);
  });

  it('a hold expires by itself (capped at maxHoldSeconds): the place comes back and confirm says not held', async () => {
    const slot = await firstFreeSlot();
    const req = lockOf(slot.id, { holdSeconds: 86_400 });
    const locked = await his.lockSlot(req);
    expect(locked).toMatchObject({ lock: { expiresAt: '2026-06-10T07:15:00+08:00' } }); // 900 s at most
    clock += 900_000;
    expect(await remaining(slot.id)).toBe(slot.remaining);
    expect(await his.confirmRegistration({ idempotencyKey: req.idempotencyKey, paymentOrderNo: 'ZZ0005' })).toEqual({ outcome: 'not-held', reason: 'expired' });
    expect(sim.ledger().totals.locks).toMatchObject({ expired: 1, held: 0 });
  });

  it('hold-expired on confirm (the patient paid too slowly): not held, nothing booked, the place back; the ledger says the kiosk asked', async () => {
    const slot = await firstFreeSlot();
    const req = lockOf(slot.id);
    await his.lockSlot(req);
    sim.injectFault({ route: 'confirmRegistration', mode: 'hold-expired', times: 1 });
    expect(await his.confirmRegistration({ idempotencyKey: req.idempotencyKey, paymentOrderNo: 'ZZ0006' })).toEqual({ outcome: 'not-held', reason: 'expired' });
    expect(await remaining(slot.id)).toBe(slot.remaining);
    expect(sim.ledger().locks).toMatchObject([{ idempotencyKey: req.idempotencyKey, status: 'expired', confirmRefused: true }]);
    expect(sim.ledger().bookings).toEqual([]);
  });

  it('another department the same day is no conflict: both registrations stay valid', async () => {
    const first = await booked((await firstFreeSlot('NK02')).id);
    const second = await booked((await firstFreeSlot('WK02')).id);
    expect(second.departmentName).toBe('外科');
    const mine = await his.todaysRegistrations({ idNumber: patient.idNumber, date: TODAY });
    expect(mine.map((r) => [r.bookingId, r.status])).toEqual([
      [first.bookingId, 'booked'],
      [second.bookingId, 'booked'],
    ]);
  });

  it('the same department the same day is an explicit conflict before any money moves; allowSameDepartment locks it', async () => {
    const first = await booked((await firstFreeSlot('NK02')).id);
    const other = (await his.slots({ doctorId: 'NK01', date: TODAY })).find((s) => s.remaining > 0)!;
    const refused = await his.lockSlot(lockOf(other.id));
    expect(refused).toEqual({ outcome: 'conflict', reason: 'same-department', existing: [first] });
    expect(await remaining(other.id, 'NK01')).toBe(other.remaining);
    expect(await his.lockSlot(lockOf(other.id, { allowSameDepartment: true }))).toMatchObject({ outcome: 'locked' });
    expect(sim.ledger().totals).toMatchObject({ booked: 1, cancelled: 0, conflicts: { sameDepartment: 1 } });
  });

  it('slot taken meanwhile (or as a fault on lockSlot): told at the lock, nothing held', async () => {
    const slot = await firstFreeSlot();
    sim.takeSlot(slot.id);
    expect(await his.lockSlot(lockOf(slot.id))).toEqual({ outcome: 'conflict', reason: 'slot-taken', slotId: slot.id });
    const next = await firstFreeSlot();
    sim.injectFault({ route: 'lockSlot', mode: 'slot-taken', times: 1 });
    expect(await his.lockSlot(lockOf(next.id))).toMatchObject({ outcome: 'conflict', reason: 'slot-taken' });
    expect(sim.ledger().locks).toEqual([]);
  });

  it('an unknown slot is a rejection', async () => {
    expect(await backendErrorOf(his.lockSlot(lockOf('NK01-20000101-0800')))).toMatchObject({ kind: 'rejected', outcome: 'not-done', code: 'SLOT_NOT_FOUND' });
  });

  it('registrationByKey: null for an attempt never booked (locked only), the registration otherwise', async () => {
    const req = lockOf((await firstFreeSlot()).id);
    await his.lockSlot(req);
    expect(await his.registrationByKey({ idempotencyKey: req.idempotencyKey })).toBeNull();
    await his.confirmRegistration({ idempotencyKey: req.idempotencyKey, paymentOrderNo: 'ZZ0006' });
    expect(await his.registrationByKey({ idempotencyKey: req.idempotencyKey })).toMatchObject({ idempotencyKey: req.idempotencyKey, status: 'booked' });
  });

  it('staff book at the desk (control route): shown among today’s registrations', async () => {
    const slot = await firstFreeSlot('WK02');
    const r = await postJson(`${sim.url}/__sim/desk-booking`, { idNumber: patient.idNumber, name: patient.name, slotId: slot.id });
    expect(r).toMatchObject({ status: 200, body: { registration: { departmentName: '外科', status: 'booked' } } });
    expect(await his.todaysRegistrations({ idNumber: patient.idNumber, date: TODAY })).toHaveLength(1);
  });

  it('a 404 that is not the HIS saying "none" is a protocol error, never "not booked"', async () => {
    const elsewhere = new ProvidentFundSimulator();
    const { url } = await elsewhere.start();
    try {
      const wrong = new HttpHis({ url, timeoutMs: 5_000 });
      expect(await backendErrorOf(wrong.registrationByKey({ idempotencyKey: 'some-key-123' }))).toMatchObject({ kind: 'protocol' });
    } finally {
      await elsewhere.close();
    }
  });
});

describe('faults map to BackendError kind and outcome', () => {
  it('connection refused → unavailable, not-done', async () => {
    const down = new HttpHis({ url: await closedPortUrl(), timeoutMs: 5_000 });
    expect(await backendErrorOf(down.lockSlot(lockOf('NK01-20000101-0800')))).toMatchObject({ kind: 'unavailable', outcome: 'not-done', code: 'ECONNREFUSED' });
  });

  it('unknown result on lock and confirm (done, connection dropped) → unavailable, unknown; the retry replays', async () => {
    const req = lockOf((await firstFreeSlot()).id);
    sim.injectFault({ route: 'lockSlot', mode: 'unknown-result', times: 1 });
    expect(await backendErrorOf(his.lockSlot(req))).toMatchObject({ kind: 'unavailable', outcome: 'unknown' });
    expect(await his.lockSlot(req)).toMatchObject({ outcome: 'locked', replayed: true });
    sim.injectFault({ route: 'confirmRegistration', mode: 'unknown-result', times: 1 });
    const paid = { idempotencyKey: req.idempotencyKey, paymentOrderNo: 'ZZ0007' };
    expect(await backendErrorOf(his.confirmRegistration(paid))).toMatchObject({ kind: 'unavailable', outcome: 'unknown' });
    expect(await his.registrationByKey({ idempotencyKey: req.idempotencyKey })).toMatchObject({ status: 'booked' });
    expect(await his.confirmRegistration(paid)).toMatchObject({ outcome: 'booked', replayed: true });
    expect(sim.ledger().bookings).toHaveLength(1);
  });

  it('5xx on a write → unavailable, unknown (nothing done here); 5xx on a listing → not-done', async () => {
    const req = lockOf((await firstFreeSlot()).id);
    sim.injectFault({ route: 'lockSlot', mode: 'error', status: 503, times: 1 });
    sim.injectFault({ route: 'slots', mode: 'error', status: 500, times: 1 });
    expect(await backendErrorOf(his.lockSlot(req))).toMatchObject({ kind: 'unavailable', outcome: 'unknown', code: '503' });
    expect(sim.ledger().locks).toEqual([]);
    expect(await backendErrorOf(his.slots({ doctorId: 'NK01', date: TODAY }))).toMatchObject({ kind: 'unavailable', outcome: 'not-done', code: '500' });
  });

  it('timeout on a write → timeout, unknown; on a listing → timeout, not-done', async () => {
    sim.injectFault({ route: 'releaseSlot', mode: 'timeout', times: 1 });
    sim.injectFault({ route: 'departments', mode: 'timeout', times: 1 });
    expect(await backendErrorOf(quick.releaseSlot({ idempotencyKey: 'some-key-0001' }))).toMatchObject({ kind: 'timeout', outcome: 'unknown', code: 'TIMEOUT' });
    expect(await backendErrorOf(quick.departments())).toMatchObject({ kind: 'timeout', outcome: 'not-done', code: 'TIMEOUT' });
  });

  it('a malformed confirm answer → protocol, unknown', async () => {
    const req = lockOf((await firstFreeSlot()).id);
    await his.lockSlot(req);
    sim.injectFault({ route: 'confirmRegistration', mode: 'unknown-result', then: 'garbage', times: 1 });
    expect(await backendErrorOf(his.confirmRegistration({ idempotencyKey: req.idempotencyKey, paymentOrderNo: 'ZZ0008' }))).toMatchObject({ kind: 'protocol', outcome: 'unknown' });
  });
});

describe('control routes', () => {
  it('takes a slot over HTTP', async () => {
    const slot = await firstFreeSlot();
    expect(await postJson(`${sim.url}/__sim/take-slot`, { slotId: slot.id })).toMatchObject({ status: 200, body: { slot: { remaining: 0 } } });
  });

  it.each([
    ['/__sim/take-slot', {}, /slotId/],
    ['/__sim/take-slot', { slotId: 'nope' }, /no slot "nope"/],
    ['/__sim/faults', { route: 'lockSlot', mode: 'paid-meanwhile' }, /only to route "closeOrder"|does not apply/],
    ['/__sim/faults', { route: 'slots', mode: 'slot-taken' }, /only to route "lockSlot"/],
    ['/__sim/faults', { route: 'lockSlot', mode: 'error', times: 0 }, /times/],
    ['/__sim/desk-booking', { idNumber: '110101199003071233', name: '张测试', slotId: 'NK01-20260610-0800', extra: 1 }, /extra|Unrecognized/i],
  ])('POST %s %j → 400 saying what is wrong', async (path, body, message) => {
    const r = await postJson(`${sim.url}${path}`, body);
    expect(r.status).toBe(400);
    expect(String(r.body.error)).toMatch(message);
  });
});

describe('medical-insurance e-voucher (医保电子凭证)', () => {
  it('resolves each sample person’s current voucher to that patient', async () => {
    expect(await his.patientByInsuranceVoucher({ code: insuranceVoucherFor('resident') })).toEqual(patient);
    expect(await his.patientByInsuranceVoucher({ code: insuranceVoucherFor('permit') })).toEqual({ idNumber: '810000199506150041', name: '陈测试' });
    expect(sim.state()).toMatchObject({ voucherLookups: { resolved: 2, invalid: 0, expired: 0 } });
  });

  it.each([
    ['a well-formed voucher the platform does not know', `424${'0'.repeat(19)}110000`],
    ['a payment code', '134567890123456780'],
    ['free text', 'hello'],
  ])('%s → rejected VOUCHER_INVALID, not done', async (_what, code) => {
    const err = await backendErrorOf(his.patientByInsuranceVoucher({ code }));
    expect(err).toMatchObject({ backend: 'his', kind: 'rejected', outcome: 'not-done', code: 'VOUCHER_INVALID' });
    expect(err.message).not.toContain(code);
  });

  it('an expired voucher → rejected VOUCHER_EXPIRED; a current one can expire meanwhile (over the control route too)', async () => {
    expect(await backendErrorOf(his.patientByInsuranceVoucher({ code: insuranceVoucherFor('resident', 'expired') }))).toMatchObject({ kind: 'rejected', code: 'VOUCHER_EXPIRED' });
    const code = insuranceVoucherFor('resident-longterm');
    expect(await his.patientByInsuranceVoucher({ code })).toMatchObject({ name: '李长期测试' });
    expect(await postJson(`${sim.url}/__sim/expire-voucher`, { code })).toMatchObject({ status: 200, body: { identityId: 'resident-longterm' } });
    expect(await backendErrorOf(his.patientByInsuranceVoucher({ code }))).toMatchObject({ kind: 'rejected', code: 'VOUCHER_EXPIRED' });
    sim.reset();
    expect(await his.patientByInsuranceVoucher({ code })).toMatchObject({ name: '李长期测试' });
  });

  it('lists the known vouchers for tests and the e2e suite', async () => {
    const list = (await (await fetch(`${sim.url}/__sim/vouchers`)).json()) as { vouchers: { identityId: string; voucher: string }[] };
    expect(list.vouchers.find((v) => v.identityId === 'foreigner')?.voucher).toBe(insuranceVoucherFor('foreigner'));
  });

  it('is a read: a timeout or a 5xx is not-done, and the next call works', async () => {
    sim.injectFault({ route: 'patientByInsuranceVoucher', mode: 'timeout', times: 1 });
    sim.injectFault({ route: 'patientByInsuranceVoucher', mode: 'error', status: 502, times: 1 });
    expect(await backendErrorOf(quick.patientByInsuranceVoucher({ code: insuranceVoucherFor('resident') }))).toMatchObject({ kind: 'timeout', outcome: 'not-done' });
    expect(await backendErrorOf(quick.patientByInsuranceVoucher({ code: insuranceVoucherFor('resident') }))).toMatchObject({ kind: 'unavailable', outcome: 'not-done', code: '502' });
    expect(await his.patientByInsuranceVoucher({ code: insuranceVoucherFor('resident') })).toEqual(patient);
  });
});

describe('booking window', () => {
  it('lists no slots for yesterday, and a week ahead at most', async () => {
    const day = (n: number) => new Date(Date.parse(`${TODAY}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
    expect(await his.slots({ doctorId: 'NK01', date: day(-1) })).toEqual([]);
    expect((await his.slots({ doctorId: 'NK01', date: day(6) })).length).toBeGreaterThan(0);
    expect(await his.slots({ doctorId: 'NK01', date: day(7) })).toEqual([]);
  });
});
