import { type CliCommand, type CliIo, Exit, processIo } from './io.ts';

const USAGE = `zizhu — kiosk software for 24-hour self-service machines

usage:
  zizhu start [--headless] [--kiosk gov-24h|hospital-lobby]
                                                 the kiosk with the hardware and back-office simulators and a screen
  zizhu agent --config FILE [--shell chromium|parent-port|none]
                                                 the kiosk agent of a real machine (devices, flows, screen)
  zizhu config pin-hash PIN                      the config value of a staff PIN (staff[].pin)
  zizhu sim [--tcp] [--control-port N]          start the three simulated devices; prints their ports
  zizhu sim <device> <fault|action> [...]        inject a fault into a running simulator (zizhu sim help)
  zizhu doctor [--config FILE]                   open every configured device, self-check, print a table
  zizhu config check FILE                        validate a kiosk config; every error with its JSON path
  zizhu decode idcard [--reveal] HEX             decode one ID-reader reply frame to JSON
  zizhu decode printer-status [--request HEX] HEX  decode a printer status / ASB / completion reply
  zizhu soak payments --iterations N [--seed S] [--json]  N hospital registrations while the agent is
                                                 SIGKILLed and restarted; audits money and bookings
  zizhu hq [--port P] [--host H] [--db sqlite:PATH]  the HQ server: kiosk ingest, alarms, console, /metrics
  zizhu hq enroll --kiosk ID [--db …] [--site S --district D --address A --lat N --lng N] [--rotate]
                                                 enroll a kiosk at HQ; prints its secret once, on the last line
  zizhu hq user add NAME --role viewer|operator|admin [--db …]  an HQ console account (password on stdin)
  zizhu hq help                                  every HQ command

exit codes: 0 ok, 1 a device or check reported a fault, 2 bad input or usage`;

/** Sub-commands are loaded lazily so `zizhu decode …` does not open native modules it does not need. */
const commands: Record<string, () => Promise<CliCommand>> = {
  'config check': async () => (await import('../../kiosk-config/check-command.ts')).configCheckCommand,
  'config pin-hash': async () => (await import('./pin-hash.ts')).pinHashCommand,
  'decode idcard': async () => (await import('./decode-idcard.ts')).decodeIdCardCommand,
  'decode printer-status': async () => (await import('./decode-printer-status.ts')).decodePrinterStatusCommand,
  sim: async () => (await import('./sim.ts')).simCommand,
  doctor: async () => (await import('./doctor.ts')).doctorCommand,
  start: async () => (await import('./start.ts')).startCommand,
  agent: async () => (await import('./agent.ts')).agentCommand,
  soak: async () => (await import('./soak.ts')).soakCommand,
  // internal: the agent process `zizhu soak payments` kills and restarts
  'soak-agent': async () => (await import('./soak-agent.ts')).soakAgentCommand,
};

export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  if (argv.length === 0 || argv[0] === 'help' || argv[0] === '--help' || argv[0] === '-h') {
    io.out(USAGE);
    return argv.length === 0 ? Exit.BAD_INPUT : Exit.OK;
  }
  const two = argv.slice(0, 2).join(' ');
  const key = commands[two] ? two : commands[argv[0]!] ? argv[0]! : undefined;
  if (!key) {
    io.err(`zizhu: unknown command "${argv.slice(0, 2).join(' ')}" (zizhu help lists the commands)`);
    return Exit.BAD_INPUT;
  }
  const rest = argv.slice(key.split(' ').length);
  const command = await commands[key]!();
  try {
    return await command(rest, io);
  } catch (e) {
    // A command should turn bad input into one clear line itself; this is the last net.
    io.err(`zizhu ${key}: ${(e as Error).message}`);
    return Exit.FAULT;
  }
}
