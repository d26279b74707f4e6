/**
 * 求助 on the kiosk (runtime/kiosk/help.ts), with a journal-like link and fake timers on a pinned
 * clock: one request at a time, "sent" only once HQ has it, the hotline when HQ cannot be told (or no
 * HQ is configured), an answer shown only for the request still open, and everything ending by itself.
 * The whole path through a real HQ is tests/integration/hq-help-nearby.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { NOON_SHANGHAI } from '../../tests/pinned-clock.ts';
import { HELP_ANSWER_SHOW_MS, HELP_OPEN_MS, HELP_SEND_TIMEOUT_MS, HelpDesk, type HelpLink, type HelpPayload } from './help.ts';

const WHERE = { screen: 'pf.identifying', step: 'identifying', service: 'providentFundStatement' } as const;

let sent: HelpPayload[];
let delivered: Set<string>;
let polls: number[];
let changes: number;
let link: HelpLink;

beforeEach(() => {
  vi.useFakeTimers({ now: NOON_SHANGHAI, toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  sent = [];
  delivered = new Set();
  polls = [];
  changes = 0;
  link = {
    send: (p) => (sent.push(p), `event-${sent.length}`),
    delivered: (id) => delivered.has(id),
    pollUntil: (until) => void polls.push(until),
  };
});
afterEach(() => vi.useRealTimers());

const desk = (l: HelpLink | null = link) => new HelpDesk({ now: Date.now, ...(l ? { link: l } : {}), changed: () => void changes++ });

describe('a help request', () => {
  it('is sent once, says "sent" when HQ has it, and a second press only shows it again', () => {
    const d = desk();
    d.press(WHERE);
    expect(sent).toEqual([{ requestId: expect.any(String), ...WHERE }]);
    expect(d.view).toEqual({ requestId: sent[0]!.requestId, state: 'sending', shown: true, answer: null, until: NOON_SHANGHAI + HELP_OPEN_MS });
    expect(polls).toEqual([NOON_SHANGHAI + HELP_OPEN_MS]);
    delivered.add('event-1');
    vi.advanceTimersByTime(300);
    expect(d.view?.state).toBe('sent');

    d.close();
    expect(d.view).toMatchObject({ state: 'sent', shown: false });
    d.press({ ...WHERE, screen: 'pf.choosingPeriod' });
    expect(d.view).toMatchObject({ state: 'sent', shown: true });
    expect(sent).toHaveLength(1);
  });

  it('an answer for the open request is shown, then ends by itself; its fast polling stops', () => {
    const d = desk();
    d.press(WHERE);
    const { requestId } = sent[0]!;
    expect(d.answer('5d7f3d1e-0000-4000-8000-000000000000', '答')).toEqual({ status: 'failed', detail: `not shown: the kiosk's open request is ${requestId}` });
    expect(d.answer(requestId, '工作人员马上到')).toEqual({ status: 'succeeded', detail: 'shown on the kiosk screen' });
    expect(d.view).toMatchObject({ state: 'answered', shown: true, answer: '工作人员马上到', until: NOON_SHANGHAI + HELP_ANSWER_SHOW_MS });
    expect(polls.at(-1)).toBe(0);
    vi.advanceTimersByTime(HELP_ANSWER_SHOW_MS);
    expect(d.view).toBeNull();
    expect(d.answer(requestId, '还在吗')).toEqual({ status: 'failed', detail: 'not shown: no help request is open on the kiosk (it was closed or timed out)' });
  });

  it('closing an answer ends the request: the next press is a new one', () => {
    const d = desk();
    d.press(WHERE);
    d.answer(sent[0]!.requestId, '好的');
    d.close();
    expect(d.view).toBeNull();
    d.press(WHERE);
    expect(sent).toHaveLength(2);
  });

  it('HQ not told in time: the hotline (the event stays journaled); delivered later: sent after all', () => {
    const d = desk();
    d.press(WHERE);
    vi.advanceTimersByTime(HELP_SEND_TIMEOUT_MS + 300);
    expect(d.view?.state).toBe('unreachable');
    delivered.add('event-1');
    vi.advanceTimersByTime(2_100);
    expect(d.view?.state).toBe('sent');
  });

  it('unanswered, it ends after the open window', () => {
    const d = desk();
    d.press(WHERE);
    const before = changes;
    vi.advanceTimersByTime(HELP_OPEN_MS);
    expect(d.view).toBeNull();
    expect(changes).toBeGreaterThan(before);
    expect(polls.at(-1)).toBe(0);
  });

  it('a kiosk that reports to no HQ gives the hotline at once and sends nothing', () => {
    const d = desk(null);
    d.press(WHERE);
    expect(d.view).toMatchObject({ state: 'no-link', shown: true });
    expect(d.answer(d.view!.requestId, '好的').status).toBe('failed');
    d.close();
    expect(d.view).toBeNull();
  });
});
