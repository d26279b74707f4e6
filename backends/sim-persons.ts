import { createHash } from 'node:crypto';
import { SimInputError, SimReject } from './sim-server.ts';

/**
 * The invented people the back-office simulators know, and the QR codes their phones would show.
 *
 * They are the holders of the simulated ID reader's sample cards (hardware-sim/id-reader/identities.ts
 * SAMPLE_IDENTITIES, keyed by the same `identityId`), repeated here because back offices import
 * nothing of the hardware simulator; a test keeps the two lists equal.
 *
 * Codes are derived deterministically from the person (the same person always gets the same code),
 * so tests, the e2e suite and the simulated scanner can produce a code the simulators resolve:
 *
 * - medical-insurance e-voucher (医保电子凭证) QR, the NHSA layout the scanner classifier knows
 *   (drivers/scanner/classify.ts → `medical-insurance-voucher`): 28 digits =
 *   "424" + 17-digit unique number + 2 random digits + 2-digit province code + "0000".
 * - electronic social-security card (电子社保卡) QR: its real content is not public, so the simulated
 *   centre issues its own opaque token, `ESSC` + 2-digit region + 24 hex digits (30 characters). It
 *   holds letters, so the classifier reads it as plain `text` — never a payment code (all digits) nor
 *   a voucher — and the runtime hands it to a provident-fund session as E_SOCIAL_SECURITY_SCANNED.
 *
 * Each person has a current code and an `expired` one (an old screen, a screenshot): the simulators
 * refuse the latter with VOUCHER_EXPIRED / CODE_EXPIRED.
 */

export interface SimPerson {
  /** the simulated ID reader's identity handle (`zizhu sim id-reader card-on {"identity":"…"}`) */
  identityId: string;
  name: string;
  idNumber: string;
  /** 2-digit province code where the person is insured (医保统筹区 / 社保卡发卡地) */
  region: string;
}

export const SIM_PERSONS: readonly SimPerson[] = [
  { identityId: 'resident', name: '张测试', idNumber: '110101199003071233', region: '11' },
  { identityId: 'resident-longterm', name: '李长期测试', idNumber: '110108195801010028', region: '11' },
  { identityId: 'foreigner', name: '泰斯特', idNumber: 'CAN110090010101', region: '11' },
  { identityId: 'foreigner-2023', name: '爱丽丝测试', idNumber: '931840198504120015', region: '11' },
  { identityId: 'permit', name: '陈测试', idNumber: '810000199506150041', region: '44' },
];

export type SimCodeVariant = 'current' | 'expired';

function person(identityId: string): SimPerson {
  const p = SIM_PERSONS.find((x) => x.identityId === identityId);
  if (!p) throw new RangeError(`no simulated person "${identityId}" (known: ${SIM_PERSONS.map((x) => x.identityId).join(', ')})`);
  return p;
}

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

/** `n` decimal digits derived from `seed` */
function digits(seed: string, n: number): string {
  return (BigInt(`0x${sha256(seed)}`) % 10n ** BigInt(n)).toString().padStart(n, '0');
}

/** The 28-digit 医保电子凭证 QR content for a simulated person (the HIS simulator resolves it). */
export function insuranceVoucherFor(identityId: string, variant: SimCodeVariant = 'current'): string {
  const p = person(identityId);
  return `424${digits(`zizhu-sim voucher ${variant} ${p.idNumber}`, 17)}${digits(`zizhu-sim voucher-r ${variant} ${p.idNumber}`, 2)}${p.region}0000`;
}

/** The 电子社保卡 QR content for a simulated person (the provident-fund simulator resolves it). */
export function socialSecurityCodeFor(identityId: string, variant: SimCodeVariant = 'current'): string {
  const p = person(identityId);
  return `ESSC${p.region}${sha256(`zizhu-sim essc ${variant} ${p.idNumber}`).slice(0, 24).toUpperCase()}`;
}

/** The simulated e-SSC token layout (the centre's own check before looking a code up). */
export const SIM_SOCIAL_SECURITY_CODE = /^ESSC\d{2}[0-9A-F]{24}$/;
/** The NHSA e-voucher layout (as drivers/scanner/classify.ts recognises it). */
export const INSURANCE_VOUCHER_CODE = /^424\d{25}$/;

/** The refusals of one kind of identification code, as its back office words them. */
export interface SimCodeRefusals {
  invalid: { code: string; message: string };
  expired: { code: string; message: string };
  /** what to say when a control request names a code nobody issued */
  unknown: string;
}

/**
 * Every code of one kind a simulator knows (each sample person's current and expired one), the
 * lookups it answered, and the expiry a test can force. Shared by the HIS (医保电子凭证) and the
 * provident-fund centre (电子社保卡).
 */
export class SimCodeBook {
  private table = new Map<string, { person: SimPerson; expired: boolean }>();
  private counts = { resolved: 0, invalid: 0, expired: 0 };

  constructor(
    private readonly codeFor: (identityId: string, variant: SimCodeVariant) => string,
    private readonly layout: RegExp,
    private readonly refusals: SimCodeRefusals,
  ) {
    this.reset();
  }

  /** The person the code belongs to; throws SimReject (400) with the invalid / expired refusal. */
  resolve(code: string): SimPerson {
    const known = this.layout.test(code) ? this.table.get(code) : undefined;
    if (!known) {
      this.counts.invalid++;
      throw new SimReject(400, this.refusals.invalid.code, this.refusals.invalid.message);
    }
    if (known.expired) {
      this.counts.expired++;
      throw new SimReject(400, this.refusals.expired.code, this.refusals.expired.message);
    }
    this.counts.resolved++;
    return known.person;
  }

  /** A current code expires (its next lookup is refused as expired). */
  expire(code: string): SimPerson {
    const known = this.table.get(code);
    if (!known) throw new SimInputError(this.refusals.unknown);
    known.expired = true;
    return known.person;
  }

  /** Each sample person's codes and whether the current one has expired (the control listing). */
  listing(): { identityId: string; code: string; expiredCode: string; expired: boolean }[] {
    return SIM_PERSONS.map((p) => {
      const code = this.codeFor(p.identityId, 'current');
      return { identityId: p.identityId, code, expiredCode: this.codeFor(p.identityId, 'expired'), expired: this.table.get(code)?.expired ?? false };
    });
  }

  lookups(): { resolved: number; invalid: number; expired: number } {
    return { ...this.counts };
  }

  reset(): void {
    this.table.clear();
    for (const p of SIM_PERSONS) {
      this.table.set(this.codeFor(p.identityId, 'current'), { person: p, expired: false });
      this.table.set(this.codeFor(p.identityId, 'expired'), { person: p, expired: true });
    }
    this.counts = { resolved: 0, invalid: 0, expired: 0 };
  }
}
