import { type CliCommand, Exit } from './io.ts';
import type { StatusRequest } from '../../drivers/printer/profiles.ts';
import { PrinterStreamDemux, type PrinterStatusPart, faultsOf } from '../../drivers/printer/status.ts';

const USAGE = 'usage: zizhu decode printer-status [--request 100401|100402|100403|100404|100414] HEX';

const REQUESTS: Record<string, StatusRequest> = {
  '100401': 'dle-eot-1',
  '100402': 'dle-eot-2',
  '100403': 'dle-eot-3',
  '100404': 'dle-eot-4',
  '100414': 'custom-full',
};

function parseHex(s: string, what: string): Uint8Array | string {
  const clean = s.replace(/[\s:]/g, '').replace(/^0x/i, '');
  if (clean.length === 0) return `${what} is empty`;
  const bad = clean.search(/[^0-9a-fA-F]/);
  if (bad >= 0) return `${what} has a non-hex character ${JSON.stringify(clean[bad])} at digit ${bad}`;
  if (clean.length % 2 !== 0) return `${what} has an odd number of hex digits (${clean.length}); every byte is two digits`;
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/**
 * `zizhu decode printer-status [--request HEX] HEX`: decode what a printer sent — the reply to a
 * DLE EOT n / Custom `10 04 14` request, or (without --request) ASB messages and `37 22` completion
 * replies — to `{"faults":[…],"warnings":[…],"completionId":…}`. Bad input: one line, exit 2.
 */
export const decodePrinterStatusCommand: CliCommand = async (args, io) => {
  let requestHex: string | undefined;
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--request') {
      const v = args[++i];
      if (v === undefined) {
        io.err(`decode printer-status: --request needs a value (${USAGE})`);
        return Exit.BAD_INPUT;
      }
      requestHex = v;
    } else if (a.startsWith('--request=')) requestHex = a.slice('--request='.length);
    else if (a === '--help' || a === '-h') {
      io.out(USAGE);
      return Exit.OK;
    } else if (a.startsWith('--')) {
      io.err(`decode printer-status: unknown option ${a} (${USAGE})`);
      return Exit.BAD_INPUT;
    } else positional.push(a);
  }
  if (positional.length !== 1) {
    io.err(`decode printer-status: expected one HEX argument, got ${positional.length} (${USAGE})`);
    return Exit.BAD_INPUT;
  }
  let request: StatusRequest | undefined;
  if (requestHex !== undefined) {
    const key = requestHex.replace(/[\s:]/g, '').toLowerCase();
    request = REQUESTS[key];
    if (!request) {
      io.err(`decode printer-status: --request ${requestHex} is not a status request; use one of ${Object.keys(REQUESTS).join(', ')}`);
      return Exit.BAD_INPUT;
    }
  }
  const bytes = parseHex(positional[0]!, 'HEX');
  if (typeof bytes === 'string') {
    io.err(`decode printer-status: ${bytes}`);
    return Exit.BAD_INPUT;
  }

  const demux = new PrinterStreamDemux();
  if (request) demux.expect(request);
  const messages = demux.push(bytes);
  const garbage = messages.find((m) => m.kind === 'garbage');
  if (garbage && garbage.kind === 'garbage') {
    io.err(`decode printer-status: byte offset ${garbage.offset}: ${garbage.reason} (0x${hexOf(garbage.bytes)})`);
    return Exit.BAD_INPUT;
  }
  if (demux.pending > 0) {
    io.err(`decode printer-status: truncated: the message starting at byte offset ${demux.offset - demux.pending} needs more bytes than the ${demux.pending} given`);
    return Exit.BAD_INPUT;
  }
  if (request && demux.outstanding.length > 0) {
    io.err(`decode printer-status: no reply to request ${requestHex} in the ${bytes.length} bytes given`);
    return Exit.BAD_INPUT;
  }
  let status: PrinterStatusPart = {};
  let completionId: string | null = null;
  let seen = 0;
  for (const m of messages) {
    if (m.kind === 'realtime-status' || m.kind === 'asb' || m.kind === 'custom-full-status') {
      status = { ...status, ...m.status };
      seen++;
    } else if (m.kind === 'completion') {
      completionId = m.id;
      seen++;
    } else if (m.kind === 'buffer-cleared') seen++;
  }
  if (seen === 0) {
    io.err('decode printer-status: no status, ASB or completion message in the input (a DLE EOT reply needs --request)');
    return Exit.BAD_INPUT;
  }
  const { faults, warnings } = faultsOf(status);
  io.out(JSON.stringify({ faults, warnings, completionId }));
  return Exit.OK;
};

function hexOf(b: Uint8Array): string {
  return Buffer.from(b).toString('hex').toUpperCase();
}
