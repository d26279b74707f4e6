import { describe, expect, it } from 'vitest';
import { chooseScreen } from './choose.ts';
import { dayAndTime, kioskTime, money, quickPeriods, secondsLeft } from './format.ts';
import { TEXT } from './i18n.ts';
import type { ScreenMessage } from '../../contracts/bridge.ts';

/** Asia/Shanghai wall time → epoch ms */
const sh = (y: number, mo: number, d: number, h: number, mi: number) => Date.UTC(y, mo - 1, d, h - 8, mi);

describe('money', () => {
  it('formats fen as yuan with two decimals', () => {
    expect(money(1250)).toBe('¥12.50');
    expect(money(5)).toBe('¥0.05');
    expect(money(4_823_650)).toBe('¥48,236.50');
    expect(money(-300)).toBe('-¥3.00');
  });
});

describe('times in Asia/Shanghai', () => {
  it('says today / tomorrow / a date for the next opening', () => {
    const now = sh(2026, 11, 25, 21, 5);
    expect(kioskTime(sh(2026, 11, 26, 8, 30))).toBe('08:30');
    expect(dayAndTime('zh-CN', sh(2026, 11, 26, 8, 30), now)).toBe('明天 08:30');
    expect(dayAndTime('en', sh(2026, 11, 26, 8, 30), now)).toBe('Tomorrow 08:30');
    expect(dayAndTime('zh-CN', sh(2026, 11, 25, 23, 0), now)).toBe('今天 23:00');
    expect(dayAndTime('zh-CN', sh(2026, 11, 28, 8, 30), now)).toBe('11月28日 08:30');
    expect(dayAndTime('en', sh(2027, 2, 1, 9, 0), now)).toBe('1 Feb 2027 09:00');
    // 00:30 Shanghai is still the previous day in UTC: the day must be the kiosk's
    expect(dayAndTime('zh-CN', sh(2026, 11, 26, 0, 30), sh(2026, 11, 25, 23, 50))).toBe('明天 00:30');
  });

  it('counts whole seconds down, never below zero', () => {
    expect(secondsLeft(10_000, 0)).toBe(10);
    expect(secondsLeft(10_000, 9_001)).toBe(1);
    expect(secondsLeft(10_000, 12_000)).toBe(0);
  });
});

describe('quickPeriods', () => {
  it('offers the last 12 months, this year, last year and 36 months within the limit', () => {
    expect(quickPeriods('2026-11-25', 36)).toEqual([
      { id: 'last12', from: '2025-12', to: '2026-11' },
      { id: 'thisYear', from: '2026-01', to: '2026-11' },
      { id: 'lastYear', from: '2025-01', to: '2025-12' },
      { id: 'last36', from: '2023-12', to: '2026-11' },
    ]);
    expect(quickPeriods('2026-01-03', 12).map((p) => p.id)).toEqual(['last12', 'thisYear', 'lastYear']);
    expect(quickPeriods('2026-01-03', 12)[0]).toEqual({ id: 'last12', from: '2025-02', to: '2026-01' });
  });
});

describe('i18n', () => {
  it('has every string in both languages, none empty', () => {
    const zh = Object.keys(TEXT['zh-CN']);
    expect(Object.keys(TEXT.en).sort()).toEqual([...zh].sort());
    for (const k of zh) {
      expect(TEXT['zh-CN'][k as keyof (typeof TEXT)['zh-CN']], k).not.toBe('');
      expect(TEXT.en[k as keyof (typeof TEXT)['en']], k).not.toBe('');
    }
  });
});

describe('chooseScreen', () => {
  const base = {
    type: 'screen',
    protocol: 1,
    seq: 1,
    at: 0,
    inReplyTo: null,
    kiosk: { status: 'inService' },
    prefs: { locale: 'zh-CN', elderly: false },
    session: null,
    ended: null,
    maintenance: null,
    notice: null,
  } as unknown as ScreenMessage;
  const withStatus = (status: string, over: Partial<ScreenMessage> = {}) => ({ ...base, ...over, kiosk: { ...base.kiosk, status } }) as ScreenMessage;
  const closed = { pinOpen: false };
  const session = { service: 'hospitalRegistration', step: 'charging.paying' } as unknown as ScreenMessage['session'];

  it('picks by status, then session, then ended, then the lockouts and home', () => {
    expect(chooseScreen(null, false, closed)).toBe('connecting');
    expect(chooseScreen(base, true, closed)).toBe('connecting');
    expect(chooseScreen(withStatus('selfTest'), false, closed)).toBe('starting');
    expect(chooseScreen(withStatus('maintenance', { session }), false, closed)).toBe('maintenance');
    expect(chooseScreen(withStatus('verifyingPin'), false, closed)).toBe('pin');
    expect(chooseScreen(withStatus('remoteLockPending', { session }), false, closed)).toBe('reg.charging.paying');
    expect(chooseScreen(withStatus('inService', { ended: { service: 'hospitalRegistration', outcome: 'registered', until: 1 } }), false, closed)).toBe('ended');
    expect(chooseScreen(withStatus('outOfHours'), false, { pinOpen: true })).toBe('pin');
    expect(chooseScreen(withStatus('outOfHours'), false, closed)).toBe('out-of-hours');
    expect(chooseScreen(withStatus('outOfService'), false, closed)).toBe('out-of-service');
    expect(chooseScreen(withStatus('remoteLocked'), false, closed)).toBe('locked');
    for (const s of ['inService', 'degraded', 'remoteLockPending']) expect(chooseScreen(withStatus(s), false, closed)).toBe('home');
  });
});
