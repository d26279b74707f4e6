import { describe, expect, it } from 'vitest';
import { FUNNEL_STEPS } from './hq-analytics.ts';
import { failureOf, funnelStepOf, stepsUpTo } from './session-funnel.ts';

describe('the funnel step of a flow state', () => {
  it('maps every state of a path, deepest first, onto its funnel step', () => {
    expect(funnelStepOf('providentFundStatement', 'session.flow.fetchFailed')).toBe('fetching');
    expect(funnelStepOf('providentFundStatement', 'session.flow.takingReceipt')).toBe('printing');
    expect(funnelStepOf('hospitalRegistration', 'session.flow.charging.registering')).toBe('registering');
    expect(funnelStepOf('hospitalRegistration', 'session.flow.loadingDoctors')).toBe('choosingDoctor');
    // a retry screen several steps share has no step of its own; an unknown service has none at all
    expect(funnelStepOf('hospitalRegistration', 'session.flow.unavailable')).toBeNull();
    expect(funnelStepOf('passportRenewal', 'session.flow.identifying')).toBeNull();
  });

  it('a step reached means every step before it was reached', () => {
    expect(stepsUpTo('providentFundStatement', 'preview')).toEqual(FUNNEL_STEPS.providentFundStatement.slice(0, 4));
    expect(stepsUpTo('hospitalRegistration', null)).toEqual([]);
    expect(stepsUpTo('passportRenewal', 'identifying')).toEqual([]);
  });
});

describe('why a session did not complete', () => {
  const cases: [string, { outcome: string; lastStep: string }, Parameters<typeof failureOf>[1], ReturnType<typeof failureOf>][] = [
    ['a printed statement', { outcome: 'completed', lastStep: 'session.flow.takingReceipt' }, {}, null],
    ['no account: the centre’s final answer', { outcome: 'no-account', lastStep: 'session.flow.noAccount' }, {}, null],
    ['the receipt did not come out', { outcome: 'undelivered', lastStep: 'session.flow.undelivered' }, {}, 'device'],
    ['an agent restart mid-session', { outcome: 'recovered', lastStep: 'session.flow.paying' }, {}, 'device'],
    ['gave up after the centre did not answer', { outcome: 'cancelled', lastStep: 'session.flow.fetchFailed' }, {}, 'back-office'],
    ['timed out on the HIS retry screen', { outcome: 'timeout', lastStep: 'session.flow.unavailable' }, {}, 'back-office'],
    ['paid, the HIS did not book, money returned', { outcome: 'not-registered', lastStep: 'session.flow.moneyReturned' }, { refundReason: 'register-failed' }, 'back-office'],
    ['the payment did not go through', { outcome: 'not-registered', lastStep: 'session.flow.paymentNotCompleted' }, {}, 'payment'],
    ['cancelled after a declined payment code', { outcome: 'cancelled', lastStep: 'session.flow.choosingPaymentMethod' }, { paymentFailed: true }, 'payment'],
    ['the reader could not read the card', { outcome: 'timeout', lastStep: 'session.flow.identifying' }, { identifyProblem: 'card-unreadable' }, 'device'],
    ['walked away', { outcome: 'timeout', lastStep: 'session.flow.choosingPeriod' }, {}, 'timeout'],
    ['pressed cancel', { outcome: 'cancelled', lastStep: 'session.flow.preview' }, {}, 'cancelled'],
    ['left when the slot was taken', { outcome: 'not-registered', lastStep: 'session.flow.slotTaken' }, {}, 'cancelled'],
  ];
  for (const [what, end, hints, reason] of cases) it(`${what}: ${String(reason)}`, () => expect(failureOf(end, hints)).toBe(reason));
});
