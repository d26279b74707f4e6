import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKioskHardware, type RunningKioskHardware } from '../../hardware-sim/kiosk-hardware.ts';
import { startBackOffice, type BackOffice } from '../../backends/simulators.ts';
import type { RunningAgent } from '../../runtime/agent.ts';
import type { HostedSession } from '../../runtime/sessions/session-host.ts';
import { SAMPLE_IDENTITIES } from '../../hardware-sim/id-reader/identities.ts';
import { refundNoFor } from '../../state-machines/payment.machine.ts';
import { NOON_SHANGHAI, pinnedNow } from '../pinned-clock.ts';
import { until } from '../until.ts';
import { startSimAgent } from '../sim-agent.ts';


const step = (s: HostedSession) => JSON.stringify(s.actor.getSnapshot().value);
const at = (s: HostedSession, name: string) => until(`step ${name} (now ${step(s)})`, () => step(s).includes(`"${name}"`) || step(s) === `"${name}"`);
const ctx = <T>(s: HostedSession) => s.actor.getSnapshot().context as T;
const post = (url: string, body: unknown = {}) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const resident = SAMPLE_IDENTITIES.find((i) => i.id === 'resident')!.card;

describe('service flows end to end: agent + simulated devices over PTYs + back-office simulators', () => {
  // the kiosk and the hospital share one clock, pinned at Wednesday noon in Shanghai (slots, "today")
  const now = pinnedNow(NOON_SHANGHAI);
  let dir: string;
  let hw: RunningKioskHardware;
  let bo: BackOffice;
  let agent: RunningAgent;

  const start = (example: 'gov-24h' | 'hospital-lobby') => startSimAgent({ hw, bo, dir, now, example });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'zizhu-flows-e2e-'));
    hw = await startKioskHardware({ dir: join(dir, 'sim') });
    bo = await startBackOffice({ now, payment: { refundProcessingMs: 10 } });
  });
  afterEach(async () => {
    await agent?.stop();
  });
  afterAll(async () => {
    await hw?.close();
    await bo?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('provident fund: card on the reader → statement fetched → printed, delivery confirmed by the printer → ended', async () => {
    agent = await start('gov-24h');
    const s = agent.flows!.startSession('providentFundStatement');
    await post(`${hw.control.url}/devices/idReader/card-on`, { identity: 'resident' });
    await at(s, 'choosingPeriod');
    await post(`${hw.control.url}/devices/idReader/card-off`);
    s.actor.send({ type: 'PERIOD_CHOSEN' });
    await at(s, 'preview');
    expect(ctx<{ statement: { holderName: string } }>(s).statement.holderName).toBe(resident.name);
    s.actor.send({ type: 'PRINT' });
    await at(s, 'takingReceipt');
    s.actor.send({ type: 'TAKEN' });
    expect(await s.ended).toBe('completed');

    const printed = hw.printer.lastReceipt();
    expect(printed?.outcome).not.toBe('lost');
    const text = hw.printer.receiptText(printed).replace(/[ \t]+/g, '');
    expect(text).toContain('住房公积金缴存明细');
    expect(text).toContain('1101**********1233');
    const jobs = agent.journal.printJobs.forSession(s.id);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ status: 'delivered', kind: 'provident-fund-statement' });
    expect(jobs[0]!.completionId).toBeTruthy();
    // the session forgot the person when it ended, and the journal never had the number unmasked in an event
    const events = JSON.stringify(agent.journal.sessions.events(s.id).map((e) => e.event));
    expect(events).not.toContain(resident.idNumber);
    await agent.stop();
  });

  it('hospital: card → today’s registrations first → department, doctor, slot → place locked → pay by QR → confirmed → slip printed with the queue number and where to go', async () => {
    agent = await start('hospital-lobby');
    // the patient registered for 外科 at the desk this morning: it is shown before anything else
    bo.his.bookAtDesk({ idNumber: resident.idNumber, name: resident.name }, bo.his.slotsOf('WK02')[0]!.id);

    const s = agent.flows!.startSession('hospitalRegistration');
    await post(`${hw.control.url}/devices/idReader/card-on`, { identity: 'resident' });
    await at(s, 'existingRegistrations');
    await post(`${hw.control.url}/devices/idReader/card-off`);
    expect(ctx<{ todays: { departmentName: string }[] }>(s).todays.map((r) => r.departmentName)).toEqual(['外科']);
    s.actor.send({ type: 'CONTINUE' });
    await at(s, 'choosingDepartment');
    s.actor.send({ type: 'DEPARTMENT_CHOSEN', departmentId: 'NK' });
    await at(s, 'choosingDoctor');
    s.actor.send({ type: 'DOCTOR_CHOSEN', doctorId: 'NK02' });
    await at(s, 'choosingSlot');
    const slot = ctx<{ slots: { id: string; remaining: number; feeFen: number }[] }>(s).slots.find((x) => x.remaining > 0)!;
    s.actor.send({ type: 'SLOT_CHOSEN', slotId: slot.id });
    await at(s, 'confirmingFee');
    s.actor.send({ type: 'CONFIRM' });
    await at(s, 'choosingPaymentMethod');
    expect(bo.his.ledger().locks).toEqual([]);
    s.actor.send({ type: 'PAYMENT_METHOD_CHOSEN', method: 'nativeQr' });
    const payment = () => (s.actor.getSnapshot().children as Record<string, { getSnapshot(): { context: { codeUrl: string | null; outTradeNo: string } } }>).payment;
    const codeUrl = await until('QR code', () => payment()?.getSnapshot().context.codeUrl);
    expect(codeUrl).toMatch(/^weixin:\/\//);
    // the place is held before the patient can pay
    expect(bo.his.ledger().locks).toEqual([expect.objectContaining({ slotId: slot.id, status: 'held' })]);
    const no = payment()!.getSnapshot().context.outTradeNo;
    // the patient scans and pays; the gateway's notification makes the kiosk query at once
    await post(`${bo.urls.payment}/__sim/pay`, { outTradeNo: no });
    // 外科 in the morning, 内科 now: another department is no conflict, both stay valid
    await at(s, 'takingSlip');
    s.actor.send({ type: 'TAKEN' });
    expect(await s.ended).toBe('registered');

    const booking = bo.his.ledger().bookings.find((b) => b.paymentOrderNo === no)!;
    expect(booking).toMatchObject({ slotId: slot.id, status: 'booked' });
    expect(bo.his.ledger().bookings.filter((b) => b.idNumber === resident.idNumber && b.status === 'booked')).toHaveLength(2);
    const text = hw.printer.receiptText().replace(/[ \t]+/g, '');
    expect(text).toContain('挂号凭条');
    expect(text).toContain(`就诊序号${booking.queueNumber}`);
    expect(text).toContain(booking.bookingId);
    expect(text).toContain('就诊地点门诊楼二层A区');
    expect(bo.his.ledger().locks).toEqual([expect.objectContaining({ slotId: slot.id, status: 'confirmed' })]);
    expect(agent.journal.payments.get(no)).toMatchObject({ state: 'used', amountFen: slot.feeFen });
    expect(bo.payment.order(no)).toMatchObject({ charges: 1, refundedFen: 0 });
    expect(agent.notifyReceiver!.received).toBe(0); // the simulator was given no notify URL: the kiosk queried by itself
    await agent.stop();
  });

  it('a paid session interrupted by a restart is recovered: the money goes back with the stable refund number and HQ hears of it', async () => {
    agent = await start('hospital-lobby');
    const s = agent.flows!.startSession('hospitalRegistration', { payment: { methods: ['paymentCode'] } });
    s.actor.send({ type: 'CARD_READ', card: { name: '李测试', idNumber: '110101198001010013', idNumberValid: true } });
    await at(s, 'choosingDepartment');
    s.actor.send({ type: 'DEPARTMENT_CHOSEN', departmentId: 'EK' });
    await at(s, 'choosingDoctor');
    s.actor.send({ type: 'DOCTOR_CHOSEN', doctorId: 'EK02' });
    await at(s, 'choosingSlot');
    s.actor.send({ type: 'SLOT_CHOSEN', slotId: ctx<{ slots: { id: string }[] }>(s).slots[1]!.id });
    await at(s, 'confirmingFee');
    // the HIS will not answer the confirm: the session waits in registering when the kiosk stops
    bo.his.injectFault({ route: 'confirmRegistration', mode: 'timeout' });
    s.actor.send({ type: 'CONFIRM' });
    await at(s, 'paying');
    // the patient's 付款码, read by the scanner over its PTY
    await post(`${hw.control.url}/devices/scanner/scan`, { text: '134567890123456780' });
    await at(s, 'registering');
    // the confirm is at the HIS, which holds it without booking; the place stays locked
    await until('the confirm at the HIS', () => (bo.his.activeFaults()[0]?.hits ?? 0) > 0);
    const lockOf = () => bo.his.ledger().locks.find((l) => l.idempotencyKey === `${s.id}-R1`);
    expect(lockOf()).toMatchObject({ status: 'held' });
    const no = agent.journal.payments.forSession(s.id)[0]!.merchantOrderNo;
    expect(bo.payment.order(no)?.charges).toBe(1);
    await agent.stop();
    bo.his.clearFaults();

    agent = await start('hospital-lobby');
    expect(agent.recoveryReport).toMatchObject({ sessionsRecovered: 1 });
    await agent.recovery!.whenSettled();
    expect(agent.journal.sessions.get(s.id).outcome).toBe('recovered');
    expect(agent.journal.payments.get(no)).toMatchObject({ state: 'refunded', refundNo: refundNoFor(no) });
    expect(bo.payment.order(no)).toMatchObject({ charges: 1, refundedFen: bo.payment.order(no)!.amountFen });
    // not booked, and the place given back
    expect(bo.his.ledger().bookings.filter((b) => b.paymentOrderNo === no)).toEqual([]);
    expect(lockOf()).toMatchObject({ status: 'released' });
    const kinds = agent.journal.outbox.claim({ limit: 50 }).map((e) => e.kind);
    expect(kinds).toEqual(expect.arrayContaining(['session.ended', 'payment.reconciled']));
    await agent.stop();
  });
});
