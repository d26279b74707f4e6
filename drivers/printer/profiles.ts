/**
 * Printer profiles: what a model can do and how the driver verifies a print on it.
 *
 * - `epson-generic`: any Epson-compatible 80 mm thermal printer (TM-T88V/VI, TM-T20II/III, TM-T82,
 *   most Chinese ESC/POS clones with a GB18030 font). Health comes from ASB (GS a), delivery from the
 *   GS ( H process-ID response, followed by DLE EOT 1–4 after it.
 * - `custom-vkp80`: Custom VKP80-class kiosk printer with a presenter (ticket mouth). Same ESC/POS core,
 *   plus Custom's full status (DLE EOT 20 = `10 04 14`), which reports "ticket in output": after the
 *   completion reply the driver waits for the ticket to appear in the mouth and then to be taken.
 */

export type PrinterProfileName = 'epson-generic' | 'custom-vkp80';
export const PRINTER_PROFILE_NAMES: readonly PrinterProfileName[] = ['epson-generic', 'custom-vkp80'];

/** A status request the driver can send; `dle-eot-n` are Epson real-time status, `custom-full` is Custom's `10 04 14`. */
export type StatusRequest = 'dle-eot-1' | 'dle-eot-2' | 'dle-eot-3' | 'dle-eot-4' | 'custom-full';

export interface PrinterCapabilities {
  /** Automatic Status Back (GS a n): 4-byte messages on every status change */
  asb: boolean;
  /** GS ( H fn 48 process-ID response (`37 22 d1..d4 00`) once the data before it has printed */
  processIdResponse: boolean;
  /** DLE DC4 fn 8 clears receive and print buffers (answers `37 25 00`) */
  bufferClear: boolean;
  /** Custom full status `10 04 14` (6 bytes, `10 0F …`) */
  customFullStatus: boolean;
  /** a presenter / ticket mouth with a "ticket in output" sensor */
  presenter: boolean;
  autocutter: boolean;
  partialCut: boolean;
  /** GS ( k QR model 2 */
  qr: boolean;
  /** FS & / FS . Kanji mode with a GB18030 (GBK 2-byte plane) font */
  gb18030: boolean;
}

export interface PrinterProfile {
  name: PrinterProfileName;
  description: string;
  capabilities: PrinterCapabilities;
  /** font A columns on the roll (80 mm paper, 72 mm print width, 576 dots / 12) */
  columns: number;
  dotsPerLine: number;
  dotsPerMm: number;
  /** ESC t n and the code page name for single bytes outside Kanji mode */
  codePage: { escT: number; name: string };
  /** GS a n: bit 0 drawer, 1 online/offline, 2 errors, 3 roll paper sensor */
  asbMask: number;
  /** what the driver asks before and after a job */
  statusRequests: readonly StatusRequest[];
  /** line feeds between the last printed line and the cutter (head-to-cutter distance) */
  feedBeforeCut: number;
  defaultCut: 'full' | 'partial';
  /** nominal print speed, for completion timeouts (mm/s) */
  speedMmPerSec: number;
  timeouts: {
    /** one status request → reply */
    statusMs: number;
    /** added to the estimated print time before a missing completion reply means "not delivered" */
    completionBaseMs: number;
    /** presenter: completion → ticket seen in the output */
    presentMs: number;
    /** presenter: ticket shown → taken */
    takeMs: number;
  };
  /** presenter: a ticket left in the mouth after `takeMs` → resolve `{taken:false}` or reject PRINT_NOT_TAKEN */
  notTaken: 'resolve' | 'reject';
  /** how often the driver polls status while idle (ms); ASB makes this a heartbeat only */
  healthPollMs: number;
  /** how often the presenter sensor is polled while waiting for the ticket (ms) */
  presenterPollMs: number;
}

const EPSON_REQUESTS: readonly StatusRequest[] = ['dle-eot-1', 'dle-eot-2', 'dle-eot-3', 'dle-eot-4'];

export const PRINTER_PROFILES: Readonly<Record<PrinterProfileName, PrinterProfile>> = Object.freeze({
  'epson-generic': {
    name: 'epson-generic',
    description: 'Epson-compatible 80 mm thermal printer (ASB, GS ( H completion, DLE EOT 1–4)',
    capabilities: {
      asb: true,
      processIdResponse: true,
      bufferClear: true,
      customFullStatus: false,
      presenter: false,
      autocutter: true,
      partialCut: true,
      qr: true,
      gb18030: true,
    },
    columns: 48,
    dotsPerLine: 576,
    dotsPerMm: 8,
    codePage: { escT: 0, name: 'cp437' },
    asbMask: 0x0f,
    statusRequests: EPSON_REQUESTS,
    feedBeforeCut: 4,
    defaultCut: 'partial',
    speedMmPerSec: 150,
    timeouts: { statusMs: 1000, completionBaseMs: 4000, presentMs: 0, takeMs: 0 },
    notTaken: 'resolve',
    healthPollMs: 5000,
    presenterPollMs: 0,
  },
  'custom-vkp80': {
    name: 'custom-vkp80',
    description: 'Custom VKP80-class kiosk printer with presenter (ticket-in-output sensor via 10 04 14)',
    capabilities: {
      asb: true,
      processIdResponse: true,
      // Custom documents no DLE DC4 fn 8; the presenter retracts or ejects instead
      bufferClear: false,
      customFullStatus: true,
      presenter: true,
      autocutter: true,
      partialCut: false,
      qr: true,
      gb18030: true,
    },
    columns: 48,
    dotsPerLine: 576,
    dotsPerMm: 8,
    codePage: { escT: 0, name: 'cp437' },
    asbMask: 0x0f,
    statusRequests: [...EPSON_REQUESTS, 'custom-full'],
    feedBeforeCut: 2,
    defaultCut: 'full',
    speedMmPerSec: 150,
    timeouts: { statusMs: 1000, completionBaseMs: 4000, presentMs: 5000, takeMs: 60_000 },
    notTaken: 'resolve',
    healthPollMs: 2000,
    presenterPollMs: 100,
  },
});

/** A profile by name, with optional overrides (tests shorten timeouts; a site may widen them). */
export function printerProfile(
  name: PrinterProfileName,
  overrides: Partial<Omit<PrinterProfile, 'name' | 'capabilities' | 'timeouts'>> & {
    capabilities?: Partial<PrinterCapabilities>;
    timeouts?: Partial<PrinterProfile['timeouts']>;
  } = {},
): PrinterProfile {
  const base = PRINTER_PROFILES[name];
  if (!base) throw new Error(`unknown printer profile "${String(name)}" (have: ${PRINTER_PROFILE_NAMES.join(', ')})`);
  return {
    ...base,
    ...overrides,
    name: base.name,
    capabilities: { ...base.capabilities, ...overrides.capabilities },
    timeouts: { ...base.timeouts, ...overrides.timeouts },
  };
}
