import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import type { FaultCode } from '../contracts/faults.ts';
import { loadKioskConfig, parseKioskConfig, type KioskConfig } from '../kiosk-config/schema.ts';
import { hoursNowAt, serviceAvailability, unknownHealth, type KioskHealth } from './availability.ts';

const examples = join(import.meta.dirname, '..', 'kiosk-config', 'examples');
const gov = loadKioskConfig(join(examples, 'gov-24h.json'));
const hospital = loadKioskConfig(join(examples, 'hospital-lobby.json'));
/** the hospital example with registration allowed while the printer is out */
const hospitalSlipOnScreen = (() => {
  const raw = JSON.parse(readFileSync(join(examples, 'hospital-lobby.json'), 'utf8'));
  raw.services.hospitalRegistration.allowWithoutPrinter = true;
  return parseKioskConfig(raw);
})();
/** An instant given as Shanghai wall-clock time (epoch ms). */
const sh = (local: string) => Date.parse(`${local}+08:00`);
/** Wednesday morning: everything in the examples is open. */
const WED_10 = sh('2026-11-25T10:00:00');

type Faults = Partial<Record<'idReader' | 'printer' | 'scanner', FaultCode[]>>;
/** every installed device ok, except the faults given; back offices as given */
function health(faults: Faults = {}, opts: { unknown?: ('idReader' | 'printer' | 'scanner')[]; down?: ('providentFund' | 'his' | 'payment')[]; warnings?: Faults } = {}): KioskHealth {
  const h = unknownHealth();
  for (const d of ['idReader', 'printer', 'scanner'] as const) {
    if (opts.unknown?.includes(d)) continue;
    const f = (faults[d] ?? []).map((code) => ({ code, detail: code }));
    const w = (opts.warnings?.[d] ?? []).map((code) => ({ code, detail: code }));
    h.devices[d] = { state: f.length ? 'fault' : w.length ? 'warning' : 'ok', faults: f, warnings: w };
  }
  for (const b of opts.down ?? []) h.backends[b] = { state: 'down', detail: 'ECONNREFUSED' };
  return h;
}

describe('serviceAvailability: the provident-fund statement', () => {
  it('is available with both ways to identify when every device is well', () => {
    const a = serviceAvailability(gov, health(), WED_10).providentFundStatement!;
    expect(a).toEqual({ available: true, reasons: [], limits: [], methods: ['idCard', 'eSocialSecurityQr'], printing: true });
  });

  it('is not available while the printer is out of paper, and says so in both languages', () => {
    const a = serviceAvailability(gov, health({ printer: ['PRINTER_PAPER_OUT'] }), WED_10).providentFundStatement!;
    expect(a.available).toBe(false);
    expect(a.reasons).toEqual([{ code: 'DEVICE_FAULT', device: 'printer', faultCode: 'PRINTER_PAPER_OUT', zh: '打印机缺纸', en: 'printer out of paper' }]);
    expect(a.methods).toEqual([]);
  });

  it('paper nearly used up is a warning, not a reason to turn people away', () => {
    expect(serviceAvailability(gov, health({}, { warnings: { printer: ['PRINTER_PAPER_NEAR_END'] } }), WED_10).providentFundStatement!.available).toBe(true);
  });

  it('keeps going with the QR code when the ID card reader is down, and says what is lost', () => {
    const a = serviceAvailability(gov, health({ idReader: ['IDREADER_SAM_FAULT'] }), WED_10).providentFundStatement!;
    expect(a.available).toBe(true);
    expect(a.methods).toEqual(['eSocialSecurityQr']);
    expect(a.limits).toEqual([{ code: 'DEVICE_FAULT', device: 'idReader', faultCode: 'IDREADER_SAM_FAULT', method: 'idCard', zh: '身份证阅读器安全模块故障', en: 'ID card reader security module fault' }]);
  });

  it('is not available when no way to identify is left', () => {
    const a = serviceAvailability(gov, health({ idReader: ['DEVICE_LINK_DOWN'], scanner: ['SCANNER_NO_RESPONSE'] }), WED_10).providentFundStatement!;
    expect(a.available).toBe(false);
    expect(a.reasons.map((r) => r.zh)).toEqual(['身份证阅读器连接断开', '扫码器无响应']);
    expect(a.reasons.map((r) => r.en)).toEqual(['ID card reader disconnected', 'QR scanner not responding']);
  });

  it('does not take people while a device has not reported yet', () => {
    const a = serviceAvailability(gov, health({}, { unknown: ['printer'] }), WED_10).providentFundStatement!;
    expect(a.reasons).toEqual([{ code: 'DEVICE_CHECKING', device: 'printer', zh: '正在检查打印机', en: 'checking the printer' }]);
  });

  it('is not available while the provident-fund centre is known to be down (unknown counts as up)', () => {
    expect(serviceAvailability(gov, health({}, { down: ['providentFund'] }), WED_10).providentFundStatement!.reasons).toEqual([
      { code: 'BACKEND_DOWN', backend: 'providentFund', zh: '公积金中心系统暂时无法连接', en: 'the provident-fund centre cannot be reached' },
    ]);
  });

  it('names a device that is not installed', () => {
    const noScanner = { ...gov, devices: { idReader: gov.devices.idReader, printer: gov.devices.printer } };
    const a = serviceAvailability(noScanner, health({ idReader: ['IDREADER_NO_RESPONSE'] }), WED_10).providentFundStatement!;
    expect(a.reasons.map((r) => r.code)).toEqual(['DEVICE_FAULT', 'DEVICE_MISSING']);
    expect(a.reasons[1]).toMatchObject({ device: 'scanner', method: 'eSocialSecurityQr', zh: '未安装扫码器' });
  });
});

describe('serviceAvailability: hospital registration and payment', () => {
  it('registration needs the printer unless the config allows the slip on screen', () => {
    const out = health({ printer: ['PRINTER_COVER_OPEN'] });
    const strict = serviceAvailability(hospital, out, WED_10).hospitalRegistration!;
    expect(strict.available).toBe(false);
    expect(strict.reasons[0]).toMatchObject({ code: 'DEVICE_FAULT', zh: '打印机盖未关好', en: 'printer cover open' });

    const lenient = serviceAvailability(hospitalSlipOnScreen, out, WED_10).hospitalRegistration!;
    expect(lenient.available).toBe(true);
    expect(lenient.printing).toBe(false);
    expect(lenient.limits).toEqual([
      {
        code: 'SLIP_ON_SCREEN_ONLY',
        device: 'printer',
        faultCode: 'PRINTER_COVER_OPEN',
        zh: '挂号凭条仅在屏幕上显示（打印机盖未关好）',
        en: 'the slip is shown on screen only (printer cover open)',
      },
    ]);
    expect(serviceAvailability(hospitalSlipOnScreen, health(), WED_10).hospitalRegistration!.printing).toBe(true);
  });

  it('payment needs the scanner only for the payment code', () => {
    const a = serviceAvailability(hospital, health({ scanner: ['SCANNER_NO_RESPONSE'] }), WED_10);
    expect(a.payment).toMatchObject({ available: true, methods: ['nativeQr'], limits: [{ code: 'DEVICE_FAULT', method: 'paymentCode', zh: '扫码器无响应' }] });
    // registration still works with the ID card, the QR way in is lost
    expect(a.hospitalRegistration).toMatchObject({ available: true, methods: ['idCard'] });
  });

  it('registration is not offered when the fee cannot be paid', () => {
    const a = serviceAvailability(hospital, health({}, { down: ['payment'] }), WED_10);
    expect(a.payment!.available).toBe(false);
    expect(a.hospitalRegistration!.reasons).toEqual([
      { code: 'PAYMENT_UNAVAILABLE', zh: '暂时无法缴费（支付系统暂时无法连接）', en: 'the fee cannot be paid (the payment gateway cannot be reached)' },
    ]);
  });

  it('registration keeps its own shorter hours; payment follows the kiosk', () => {
    const a = serviceAvailability(hospital, health(), sh('2026-11-25T17:30:00'));
    expect(a.payment!.available).toBe(true);
    expect(a.hospitalRegistration!.reasons).toEqual([{ code: 'SERVICE_CLOSED', zh: '不在服务时间，11月26日 07:00 开放', en: 'closed; opens 26 Nov 07:00', opensAt: sh('2026-11-26T07:00:00') }]);
  });

  it('after the kiosk closes every service says when it opens; a holiday gives its reason', () => {
    const night = serviceAvailability(hospital, health(), sh('2026-11-25T20:00:00'));
    expect(night.payment!.reasons).toEqual([{ code: 'KIOSK_CLOSED', zh: '不在服务时间，11月26日 07:00 开放', en: 'closed; opens 26 Nov 07:00', opensAt: sh('2026-11-26T07:00:00') }]);
    const springFestival = serviceAvailability(hospital, health(), sh('2026-02-17T06:30:00')).payment!.reasons[0]!;
    expect(springFestival.zh).toBe('不在服务时间（春节 (正月初一) 停诊），2月18日 07:00 开放');
    expect(springFestival.en).toBe('closed (春节 (正月初一) 停诊); opens 18 Feb 07:00');
    // same local day: only the time
    expect(serviceAvailability(hospital, health(), sh('2026-11-26T06:00:00')).payment!.reasons[0]!.zh).toBe('不在服务时间，07:00 开放');
  });

  it('a lifecycle block comes first and hides nothing else', () => {
    const a = serviceAvailability(gov, health({ printer: ['PRINTER_PAPER_OUT'] }), WED_10, { code: 'REMOTE_LOCK', detail: '安全检查' });
    expect(a.providentFundStatement!.reasons.map((r) => r.zh)).toEqual(['本机已暂停服务：安全检查', '打印机缺纸']);
    expect(serviceAvailability(hospital, health(), WED_10, { code: 'MAINTENANCE' }).hospitalRegistration!.reasons.map((r) => r.code)).toEqual(['MAINTENANCE']);
  });
});

describe('hoursNowAt', () => {
  it('finds the next instant anything opens or closes, across services', () => {
    expect(hoursNowAt(hospital, WED_10).nextBoundary).toBe(sh('2026-11-25T17:00:00')); // registration closes
    expect(hoursNowAt(hospital, sh('2026-11-25T17:00:00')).nextBoundary).toBe(sh('2026-11-25T20:00:00')); // kiosk closes
    expect(hoursNowAt(hospital, sh('2026-11-25T20:00:00')).nextBoundary).toBe(sh('2026-11-26T07:00:00'));
  });

  it('a 24/7 kiosk has no boundary except around its listed exception', () => {
    expect(hoursNowAt(gov, WED_10)).toMatchObject({ promised: { open: true, closesAt: null }, nextBoundary: null });
    expect(hoursNowAt(gov, sh('2026-03-14T23:00:00')).nextBoundary).toBe(sh('2026-03-15T02:00:00'));
    expect(hoursNowAt(gov, sh('2026-03-15T02:00:00'))).toMatchObject({ promised: { open: false, exceptionReason: '机房停电检修 02:00-06:00' }, nextBoundary: sh('2026-03-15T06:00:00') });
  });

  it('a service is open only while the kiosk is: the New Year holiday shortens registration too', () => {
    // registration's own hours say 07:00–17:00 on a Thursday, the kiosk only 08:00–12:00 on 2026-01-01
    const h = hoursNowAt(hospital, sh('2026-01-01T13:00:00'));
    expect(h.promised.open).toBe(false);
    expect(h.services.hospitalRegistration).toMatchObject({ open: false, exceptionReason: '元旦 假日门诊' });
  });
});

// the config type is what the renderer and HQ hold; make sure a full KioskConfig is accepted as is
const _typecheck: (c: KioskConfig) => unknown = (c) => serviceAvailability(c, unknownHealth(), 0);
void _typecheck;
