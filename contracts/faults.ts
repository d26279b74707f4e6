/**
 * Fault codes: every way a kiosk can be unusable or at risk, as reported to HQ.
 * A fault is a present, blocking condition; a warning is a condition that will become
 * a fault if nobody acts (paper near end).
 */
export const FaultCode = {
  // receipt printer
  PRINTER_PAPER_OUT: 'PRINTER_PAPER_OUT',
  PRINTER_PAPER_NEAR_END: 'PRINTER_PAPER_NEAR_END',
  PRINTER_COVER_OPEN: 'PRINTER_COVER_OPEN',
  PRINTER_CUTTER_ERROR: 'PRINTER_CUTTER_ERROR',
  PRINTER_OFFLINE: 'PRINTER_OFFLINE',
  PRINTER_UNRECOVERABLE_ERROR: 'PRINTER_UNRECOVERABLE_ERROR',
  PRINTER_PAPER_JAM: 'PRINTER_PAPER_JAM',
  PRINTER_NO_RESPONSE: 'PRINTER_NO_RESPONSE',
  PRINT_NOT_DELIVERED: 'PRINT_NOT_DELIVERED',
  /** the printer's status is clean but jobs in a row were accepted and none came out (a device fault, unlike one PRINT_NOT_DELIVERED) */
  PRINTER_NOT_DELIVERING: 'PRINTER_NOT_DELIVERING',
  PRINT_NOT_TAKEN: 'PRINT_NOT_TAKEN',
  // ID card reader
  IDREADER_SAM_FAULT: 'IDREADER_SAM_FAULT',
  IDREADER_NO_RESPONSE: 'IDREADER_NO_RESPONSE',
  IDREADER_PROTOCOL_ERROR: 'IDREADER_PROTOCOL_ERROR',
  IDREADER_READ_FAILED: 'IDREADER_READ_FAILED',
  // QR scanner
  SCANNER_NO_RESPONSE: 'SCANNER_NO_RESPONSE',
  // a device line that carries noise: bytes that decode to no consistent status (a bad cable, interference);
  // the driver raises nothing from noise itself and marks the line instead, when the noise persists
  PRINTER_LINE_NOISE: 'PRINTER_LINE_NOISE',
  IDREADER_LINE_NOISE: 'IDREADER_LINE_NOISE',
  SCANNER_LINE_NOISE: 'SCANNER_LINE_NOISE',
  // any device link (serial port gone, USB unplugged, TCP refused)
  DEVICE_LINK_DOWN: 'DEVICE_LINK_DOWN',
  // screen and process
  SCREEN_BLACK: 'SCREEN_BLACK',
  RENDERER_CRASHED: 'RENDERER_CRASHED',
  /** the screen's own marker shows an older screen than the renderer painted: the glass is frozen */
  SCREEN_FROZEN: 'SCREEN_FROZEN',
  /** the frame has content but no marker of this boot: something covers the page (or another page is shown) */
  SCREEN_COVERED: 'SCREEN_COVERED',
  /** the renderer's animation-frame counter stopped (a busy loop, a hung page) */
  RENDERER_HUNG: 'RENDERER_HUNG',
  /** the shell's GPU process is gone */
  GPU_CRASHED: 'GPU_CRASHED',
  /** the display connector says nothing is plugged in (/sys/class/drm/<card>-<connector>/status) */
  DISPLAY_DISCONNECTED: 'DISPLAY_DISCONNECTED',
  /** sessions started by card or code got no tap at all, several in a row: the touch panel may be dead */
  TOUCH_UNRESPONSIVE: 'TOUCH_UNRESPONSIVE',
  AGENT_UNCLEAN_SHUTDOWN: 'AGENT_UNCLEAN_SHUTDOWN',
  /** the disk holding the journal is nearly full (raised before SQLite fails to write) */
  DISK_LOW: 'DISK_LOW',
  // promised hours
  OUT_OF_HOURS_UNAVAILABLE: 'OUT_OF_HOURS_UNAVAILABLE',
  /** raised by HQ: unavailable inside promised hours for longer than the threshold (default 15 min), whatever the cause */
  PROMISED_HOURS_BROKEN: 'PROMISED_HOURS_BROKEN',
  /** raised by HQ: promises hours outside office time, served nobody then for N nights in a row while serving by day */
  AFTER_HOURS_UNUSED: 'AFTER_HOURS_UNUSED',
  /** the self-test at the start of a promised window (or asked by HQ) found the kiosk not ready */
  SELF_TEST_FAILED: 'SELF_TEST_FAILED',
  // people at the kiosk
  /** a person pressed 求助 (help) on the kiosk: an operator answers or marks it handled */
  HELP_REQUESTED: 'HELP_REQUESTED',
  // the link to HQ
  /** raised by HQ: no heartbeat for 3 of the kiosk's own intervals */
  KIOSK_OFFLINE: 'KIOSK_OFFLINE',
  /** the kiosk's clock is more than 60 s off HQ's */
  CLOCK_SKEW: 'CLOCK_SKEW',
} as const;
export type FaultCode = (typeof FaultCode)[keyof typeof FaultCode];

export const ALL_FAULT_CODES = Object.values(FaultCode) as FaultCode[];

/** How urgent an alarm is at HQ (ThingsBoard's scale, most urgent first). */
export const ALARM_SEVERITIES = ['critical', 'major', 'minor', 'warning'] as const;
export type AlarmSeverity = (typeof ALARM_SEVERITIES)[number];

/**
 * The one table of how severe each fault is as an HQ alarm. critical: the kiosk cannot serve
 * anyone (or may be taking money wrongly); major: a service is down or a person was turned away;
 * minor: degraded, someone must act soon; warning: will become a fault if nobody acts.
 */
export const FAULT_SEVERITY: Record<FaultCode, AlarmSeverity> = {
  PRINTER_PAPER_OUT: 'major',
  PRINTER_PAPER_NEAR_END: 'warning',
  PRINTER_COVER_OPEN: 'major',
  PRINTER_CUTTER_ERROR: 'major',
  PRINTER_OFFLINE: 'major',
  PRINTER_UNRECOVERABLE_ERROR: 'major',
  PRINTER_PAPER_JAM: 'major',
  PRINTER_NO_RESPONSE: 'major',
  PRINT_NOT_DELIVERED: 'minor',
  PRINTER_NOT_DELIVERING: 'major',
  PRINT_NOT_TAKEN: 'warning',
  IDREADER_SAM_FAULT: 'major',
  IDREADER_NO_RESPONSE: 'major',
  IDREADER_PROTOCOL_ERROR: 'minor',
  IDREADER_READ_FAILED: 'minor',
  SCANNER_NO_RESPONSE: 'major',
  PRINTER_LINE_NOISE: 'minor',
  IDREADER_LINE_NOISE: 'minor',
  SCANNER_LINE_NOISE: 'minor',
  DEVICE_LINK_DOWN: 'major',
  SCREEN_BLACK: 'critical',
  RENDERER_CRASHED: 'critical',
  SCREEN_FROZEN: 'critical',
  SCREEN_COVERED: 'critical',
  RENDERER_HUNG: 'critical',
  GPU_CRASHED: 'critical',
  DISPLAY_DISCONNECTED: 'critical',
  TOUCH_UNRESPONSIVE: 'major',
  DISK_LOW: 'major',
  AGENT_UNCLEAN_SHUTDOWN: 'minor',
  OUT_OF_HOURS_UNAVAILABLE: 'major',
  PROMISED_HOURS_BROKEN: 'major',
  AFTER_HOURS_UNUSED: 'major',
  SELF_TEST_FAILED: 'major',
  HELP_REQUESTED: 'major',
  KIOSK_OFFLINE: 'critical',
  CLOCK_SKEW: 'minor',
};

export const severityOf = (code: FaultCode): AlarmSeverity => FAULT_SEVERITY[code];

export type DeviceKind = 'idReader' | 'printer' | 'scanner';

/**
 * An error a driver raises that maps to a fault code. `detail` says what happened in
 * words a technician can act on; `context` carries machine-readable facts (port, byte offset…).
 */
export class DeviceFault extends Error {
  override readonly name = 'DeviceFault';
  constructor(
    readonly code: FaultCode,
    readonly detail: string,
    readonly context: Record<string, unknown> = {},
  ) {
    super(`${code}: ${detail}`);
  }
}

export function isDeviceFault(e: unknown): e is DeviceFault {
  return e instanceof DeviceFault;
}
