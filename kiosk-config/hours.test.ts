import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { hoursAt, rangesOn, serviceSchedule, type Schedule } from './hours.ts';
import { loadKioskConfig, parseKioskConfig } from './schema.ts';

const gov = loadKioskConfig(join(import.meta.dirname, 'examples', 'gov-24h.json'));
const hospital = loadKioskConfig(join(import.meta.dirname, 'examples', 'hospital-lobby.json'));
/** An instant given as Shanghai wall-clock time. */
const sh = (local: string) => new Date(`${local}+08:00`);
const iso = (d: Date | null) => d && d.toISOString();

describe('promised hours answers', () => {
  it('24/7 is open with no closing time, except around a listed exception', () => {
    expect(hoursAt(gov.promisedHours, sh('2026-11-25T03:00:00'))).toEqual({ open: true, closesAt: null, opensAt: null });
    // the maintenance night 2026-03-15 02:00–06:00
    expect(hoursAt(gov.promisedHours, sh('2026-03-14T22:00:00'))).toEqual({ open: true, closesAt: sh('2026-03-15T02:00:00'), opensAt: null });
    expect(hoursAt(gov.promisedHours, sh('2026-03-15T03:00:00'))).toEqual({
      open: false,
      closesAt: null,
      opensAt: sh('2026-03-15T06:00:00'),
      exceptionReason: '机房停电检修 02:00-06:00',
    });
  });

  it('a weekly schedule: closing time, next opening, weekend split day', () => {
    const h = hospital.promisedHours;
    expect(hoursAt(h, sh('2026-11-25T19:59:00'))).toEqual({ open: true, closesAt: sh('2026-11-25T20:00:00'), opensAt: null }); // Wed
    expect(hoursAt(h, sh('2026-11-25T20:00:00'))).toEqual({ open: false, closesAt: null, opensAt: sh('2026-11-26T07:00:00') });
    expect(iso(hoursAt(h, sh('2026-11-28T12:30:00')).opensAt)).toBe(iso(sh('2026-11-28T13:30:00'))); // Sat lunch break
    expect(iso(hoursAt(h, sh('2026-11-29T12:00:00')).opensAt)).toBe(iso(sh('2026-11-30T07:00:00'))); // Sun afternoon → Mon
  });

  it('holidays: closed all day with the reason, or their own hours', () => {
    const h = hospital.promisedHours;
    expect(hoursAt(h, sh('2026-02-17T10:00:00'))).toEqual({ open: false, closesAt: null, opensAt: sh('2026-02-18T07:00:00'), exceptionReason: '春节 (正月初一) 停诊' });
    expect(hoursAt(h, sh('2026-01-01T13:00:00'))).toMatchObject({ open: false, opensAt: sh('2026-01-02T07:00:00'), exceptionReason: '元旦 假日门诊' });
    expect(rangesOn(h, '2026-01-01').ranges.map((r) => `${r.open}-${r.close}`)).toEqual(['08:00-12:00']);
  });

  it('a service with shorter hours than the machine', () => {
    const registration = serviceSchedule(hospital, 'hospitalRegistration');
    expect(hoursAt(hospital.promisedHours, sh('2026-11-25T17:30:00')).open).toBe(true);
    expect(hoursAt(registration, sh('2026-11-25T17:30:00'))).toEqual({ open: false, closesAt: null, opensAt: sh('2026-11-26T07:00:00') });
    expect(serviceSchedule(hospital, 'payment')).toBe(hospital.promisedHours);
  });

  it('follows an open interval across midnight and uses the schedule zone, DST included', () => {
    const base = parseKioskConfig({
      id: 'night-kiosk',
      site: 's',
      district: 'd',
      name: 'n',
      location: 'l',
      services: { payment: { methods: ['nativeQr'] } },
      promisedHours: {
        timezone: 'Europe/Berlin',
        weekly: { mon: ['07:00-24:00'], tue: ['00:00-02:00', '07:00-20:00'], wed: [], thu: [], fri: [], sat: [], sun: ['07:00-20:00'] },
      },
      hq: { url: 'https://hq.example.cn', credentialsRef: 'env:HQ' },
      backends: { payment: { url: 'https://pay.example.cn', credentialsRef: 'env:PAY', merchantId: 'm' } },
    });
    const s: Schedule = base.promisedHours;
    // Monday 2026-11-23 23:00 Berlin (UTC+1) → open until Tuesday 02:00 Berlin
    expect(hoursAt(s, new Date('2026-11-23T22:00:00Z'))).toEqual({ open: true, closesAt: new Date('2026-11-24T01:00:00Z'), opensAt: null });
    // Sunday 2026-03-29, the DST switch: 06:00 CEST is 04:00Z; opening at 07:00 CEST is 05:00Z
    expect(hoursAt(s, new Date('2026-03-29T04:00:00Z'))).toEqual({ open: false, closesAt: null, opensAt: new Date('2026-03-29T05:00:00Z') });
  });
});
