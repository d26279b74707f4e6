import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProvidentFundSimulator } from '../provident-fund/simulator.ts';
import { backendErrorOf, closedPortUrl, postJson } from '../test-helpers.ts';
import { HttpHis } from './http.ts';
import { HisSimulator, insuranceVoucherFor } from './simulator.ts';
import type { RegisterRequest } from './types.ts';

let sim: HisSimulator;
let his: HttpHis;
/** waits 300 ms: for the faults that hold the answer */
let quick: HttpHis;
let today: string;
let seq = 0;
const patient = { idNumber: '110101199003071233', name: '张测试' };
const key = () => `attempt-${Date.now()}-${++seq}`;

beforeEach(async () => {
  sim = new HisSimulator();
  const { url } = await sim.start();
  his = new HttpHis({ url, timeoutMs: 5_000 });
  quick = new HttpHis({ url, timeoutMs: 300 });
  today = sim.today();
});
afterEach(async () => {
  await sim.close();
});

async function firstFreeSlot(doctorId = 'NK02') {
  const slot = (await his.slots({ doctorId, date: today })).find((s) => s.remaining > 0);
  if (!slot) throw new Error(`no free slot for ${doctorId}`);
  return slot;
}
const registration = (slotId: string, over: Partial<RegisterRequest> = {}): RegisterRequest => ({ idempotencyKey: key(), patient, slotId, paymentOrderNo: `ZZ${++seq}`, ...over });

describe('listing', () => {
  it('departments, doctors and today’s slots in Asia/Shanghai, fees in fen', async () => {
    const deps = await his.departments();
    expect(deps.map((d) => d.name)).toEqual(expect.arrayContaining(['内科', '外科', '儿科', '眼科']));
    const doctors = await his.doctors({ departmentId: 'NK', date: today });
    expect(doctors.length).toBeGreaterThanOrEqual(2);
    const slots = await his.slots({ doctorId: doctors[0]!.id, date: today });
    expect(slots.length).toBeGreaterThan(0);
    for (const s of slots) {
      expect(s.date).toBe(today);
      expect(Number.isInteger(s.feeFen) && s.feeFen > 0).toBe(true);
    }
    expect(today).toBe(new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date()));
  });

  it('a fully booked (约满) slot shows remaining 0', async () => {
    const slots = await his.slots({ doctorId: 'YK01', date: today });
    expect(slots.filter((s) => s.remaining === 0).length).toBeGreaterThan(0);
  });

  it('an unknown doctor or a malformed date is a rejection', async () => {
    expect(await backendErrorOf(his.slots({ doctorId: 'XX99', date: today }))).toMatchObject({ kind: 'rejected', code: 'DOCTOR_NOT_FOUND' });
    expect(await backendErrorOf(his.slots({ doctorId: 'NK01', date: 'today' }))).toMatchObject({ kind: 'rejected', code: 'PARAM_ERROR' });
  });
});

describe('register', () => {
  it('books a slot with a queue number and takes one place', async () => {
    const slot = await firstFreeSlot();
    const r = await his.register(registration(slot.id));
    if (r.outcome !== 'booked') throw new Error(`expected booked, got ${r.outcome}`);
    expect(r.replayed).toBe(false);
    expect(r.registration).toMatchObject({ slotId: slot.id, departmentName: '内科', queueNumber: 1, feeFen: slot.feeFen, status: 'booked' });
    expect((await his.slots({ doctorId: slot.doctorId, date: today })).find((s) => s.id === slot.id)?.remaining).toBe(slot.remaining - 1);
    expect(await his.todaysRegistrations({ idNumber: patient.idNumber, date: today })).toEqual([r.registration]);
  });

  it('is idempotent by key: the same key and booking returns the same registration, replayed', async () => {
    const slot = await firstFreeSlot();
    const req = registration(slot.id);
    const a = await his.register(req);
    const b = await his.register(req);
    expect(b).toMatchObject({ outcome: 'booked', replayed: true });
    if (a.outcome !== 'booked' || b.outcome !== 'booked') throw new Error('expected booked');
    expect(b.registration.bookingId).toBe(a.registration.bookingId);
    expect(sim.ledger().bookings).toHaveLength(1);
    expect(sim.ledger().totals.replays).toBe(1);
    expect((await his.slots({ doctorId: slot.doctorId, date: today })).find((s) => s.id === slot.id)?.remaining).toBe(slot.remaining - 1);
  });

  it('the same key for a different slot is a key-reused conflict', async () => {
    const [s1, s2] = (await his.slots({ doctorId: 'NK02', date: today })).filter((s) => s.remaining > 0);
    const req = registration(s1!.id);
    await his.register(req);
    const r = await his.register({ ...req, slotId: s2!.id });
    expect(r).toMatchObject({ outcome: 'conflict', reason: 'key-reused', existing: { slotId: s1!.id } });
    expect(sim.ledger().bookings).toHaveLength(1);
  });

  it('a second booking today is an explicit conflict, never an implicit cancel; allowAdditional books it', async () => {
    const first = await his.register(registration((await firstFreeSlot('NK02')).id));
    const other = await firstFreeSlot('WK02');
    const second = await his.register(registration(other.id));
    expect(second).toMatchObject({ outcome: 'conflict', reason: 'existing-registration' });
    if (second.outcome !== 'conflict' || second.reason !== 'existing-registration' || first.outcome !== 'booked') throw new Error('unexpected');
    expect(second.existing.map((r) => r.bookingId)).toEqual([first.registration.bookingId]);
    const added = await his.register(registration(other.id, { allowAdditional: true }));
    expect(added).toMatchObject({ outcome: 'booked', registration: { departmentName: '外科' } });
    const mine = await his.todaysRegistrations({ idNumber: patient.idNumber, date: today });
    expect(mine.map((r) => r.status)).toEqual(['booked', 'booked']);
    expect(sim.ledger().totals).toMatchObject({ booked: 2, cancelled: 0 });
  });

  it('slot taken meanwhile: listed with places, gone by the time of register', async () => {
    const slot = await firstFreeSlot();
    expect(slot.remaining).toBeGreaterThan(0);
    sim.takeSlot(slot.id);
    expect(await his.register(registration(slot.id))).toEqual({ outcome: 'conflict', reason: 'slot-taken', slotId: slot.id });
  });

  it('slot taken meanwhile, as a fault on register', async () => {
    const slot = await firstFreeSlot();
    sim.injectFault({ route: 'register', mode: 'slot-taken', times: 1 });
    expect(await his.register(registration(slot.id))).toMatchObject({ outcome: 'conflict', reason: 'slot-taken' });
    expect(sim.ledger().bookings).toHaveLength(0);
  });

  it('an unknown slot is a rejection', async () => {
    expect(await backendErrorOf(his.register(registration('NK01-20000101-0800')))).toMatchObject({ kind: 'rejected', outcome: 'not-done', code: 'SLOT_NOT_FOUND' });
  });

  it('registrationByKey: null for an attempt never booked, the registration otherwise', async () => {
    expect(await his.registrationByKey({ idempotencyKey: 'never-booked-key' })).toBeNull();
    const req = registration((await firstFreeSlot()).id);
    await his.register(req);
    expect(await his.registrationByKey({ idempotencyKey: req.idempotencyKey })).toMatchObject({ idempotencyKey: req.idempotencyKey, status: 'booked' });
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
    expect(await backendErrorOf(down.register(registration('NK01-20000101-0800')))).toMatchObject({ kind: 'unavailable', outcome: 'not-done', code: 'ECONNREFUSED' });
  });

  it('unknown result on register (booked, connection dropped) → unavailable, unknown; found by key; retry replays', async () => {
    const req = registration((await firstFreeSlot()).id);
    sim.injectFault({ route: 'register', mode: 'unknown-result', times: 1 });
    expect(await backendErrorOf(his.register(req))).toMatchObject({ kind: 'unavailable', outcome: 'unknown' });
    expect(await his.registrationByKey({ idempotencyKey: req.idempotencyKey })).toMatchObject({ status: 'booked' });
    expect(await his.register(req)).toMatchObject({ outcome: 'booked', replayed: true });
    expect(sim.ledger().bookings).toHaveLength(1);
  });

  it('5xx on register → unavailable, unknown (nothing booked here); 5xx on a listing → not-done', async () => {
    const req = registration((await firstFreeSlot()).id);
    sim.injectFault({ route: 'register', mode: 'error', status: 503, times: 1 });
    sim.injectFault({ route: 'slots', mode: 'error', status: 500, times: 1 });
    expect(await backendErrorOf(his.register(req))).toMatchObject({ kind: 'unavailable', outcome: 'unknown', code: '503' });
    expect(await his.registrationByKey({ idempotencyKey: req.idempotencyKey })).toBeNull();
    expect(await backendErrorOf(his.slots({ doctorId: 'NK01', date: today }))).toMatchObject({ kind: 'unavailable', outcome: 'not-done', code: '500' });
  });

  it('timeout on register → timeout, unknown; on a listing → timeout, not-done', async () => {
    sim.injectFault({ route: 'register', mode: 'timeout', times: 1 });
    sim.injectFault({ route: 'departments', mode: 'timeout', times: 1 });
    expect(await backendErrorOf(quick.register(registration((await firstFreeSlot()).id)))).toMatchObject({ kind: 'timeout', outcome: 'unknown', code: 'TIMEOUT' });
    expect(await backendErrorOf(quick.departments())).toMatchObject({ kind: 'timeout', outcome: 'not-done', code: 'TIMEOUT' });
  });

  it('a malformed register answer → protocol, unknown', async () => {
    const req = registration((await firstFreeSlot()).id);
    sim.injectFault({ route: 'register', mode: 'unknown-result', then: 'garbage', times: 1 });
    expect(await backendErrorOf(his.register(req))).toMatchObject({ kind: 'protocol', outcome: 'unknown' });
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
    ['/__sim/faults', { route: 'register', mode: 'paid-meanwhile' }, /only to route "closeOrder"|does not apply/],
    ['/__sim/faults', { route: 'slots', mode: 'slot-taken' }, /only to route "register"/],
    ['/__sim/faults', { route: 'register', mode: 'error', times: 0 }, /times/],
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
    const day = (n: number) => new Date(Date.parse(`${today}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
    expect(await his.slots({ doctorId: 'NK01', date: day(-1) })).toEqual([]);
    expect((await his.slots({ doctorId: 'NK01', date: day(6) })).length).toBeGreaterThan(0);
    expect(await his.slots({ doctorId: 'NK01', date: day(7) })).toEqual([]);
  });
});
