/**
 * `zizhu hq …`: HQ's commands, reached from bin/zizhu.mjs (the kiosk's CLI in runtime/ never imports
 * hq/). Each sub-command is loaded lazily and returns its exit code: 0 ok, 1 a fault, 2 bad input
 * (one line saying what, never a stack trace).
 */

/** Where a command writes (runtime/cli/io.ts's CliIo has the same shape). */
export interface HqCliIo {
  out(line: string): void;
  err(line: string): void;
}

export const processIo: HqCliIo = {
  out: (line) => process.stdout.write(line.endsWith('\n') ? line : `${line}\n`),
  err: (line) => process.stderr.write(line.endsWith('\n') ? line : `${line}\n`),
};

export const Exit = { OK: 0, FAULT: 1, BAD_INPUT: 2 } as const;

export const HQ_USAGE = `zizhu hq — the HQ server (ingest, alarms, console, metrics)

usage:
  zizhu hq [--port P] [--host H] [--db sqlite:PATH] [--public-url URL]
                        serve the API, the console and /metrics (default 127.0.0.1:8470;
                        db $XDG_STATE_HOME/zizhu/hq/hq.sqlite, ~/.local/state/…, or /var/lib/zizhu/hq/ for root)
  zizhu hq enroll --kiosk ID [--db …] [--site S] [--district D] [--address A] [--lat N] [--lng N] [--rotate]
                        enroll a kiosk; its secret is printed once, alone on the last line
  zizhu hq user add NAME --role viewer|operator|admin [--db …]
                        an operator account; the password is read from stdin
  zizhu hq fleet-sim --hq URL --kiosks N [--interval S] [--faults RATE]
                        drive N simulated kiosks against an HQ
  zizhu hq channel add --type wecom|dingtalk|feishu|webhook --url URL [--secret S] [--district D] [--site S]
                        [--min-severity warning|minor|major|critical] [--group-wait SECONDS] [--group-interval SECONDS]
                        [--repeat SECONDS] [--name N] [--code CODE]… [--db …]
                        alarms to an ops group chat (URL: the whole address the robot's settings page gives;
                        http://127.0.0.1… is accepted for any type: a local receiver)
  zizhu hq channel list|remove ID [--db …]
  zizhu hq silence add [--kiosk K] [--site S] [--code C] (--duration 2h|--until TIME) --comment TEXT | list | remove ID
  zizhu hq maintenance add (--kiosk K|--site S|--district D) [--from TIME] (--until TIME|--duration 2h) --reason TEXT | list | remove ID

the secrets' key: $ZIZHU_HQ_KEY (64 hex digits), else the file <db>.key (made 0600 on first enroll)`;

type Command = (args: string[], io: HqCliIo) => Promise<number>;

const commands: Record<string, () => Promise<Command>> = {
  enroll: async () => (await import('./enroll.ts')).enrollCommand,
  'user add': async () => (await import('./user-add.ts')).userAddCommand,
  'fleet-sim': async () => (await import('./fleet-sim.ts')).fleetSimCommand,
  channel: async () => (await import('./channel.ts')).channelCommand,
  silence: async () => (await import('./silence.ts')).silenceCommand,
  maintenance: async () => (await import('./maintenance.ts')).maintenanceCommand,
};

export async function hqMain(argv: string[], io: HqCliIo = processIo): Promise<number> {
  const first = argv[0];
  if (first === 'help' || first === '--help' || first === '-h') {
    io.out(HQ_USAGE);
    return Exit.OK;
  }
  let key: string;
  let rest: string[];
  if (first === undefined || first.startsWith('-')) {
    const { serveCommand } = await import('./serve.ts');
    return runCommand('hq', () => serveCommand(argv, io), io);
  }
  const two = argv.slice(0, 2).join(' ');
  if (commands[two]) [key, rest] = [two, argv.slice(2)];
  else if (commands[first]) [key, rest] = [first, argv.slice(1)];
  else {
    io.err(`zizhu hq: unknown command "${argv.slice(0, 2).join(' ')}" (zizhu hq help lists them)`);
    return Exit.BAD_INPUT;
  }
  const command = await commands[key]!();
  return runCommand(`hq ${key}`, () => command(rest, io), io);
}

async function runCommand(name: string, run: () => Promise<number>, io: HqCliIo): Promise<number> {
  try {
    return await run();
  } catch (e) {
    // a command turns bad input into one clear line itself; this is the last net
    io.err(`zizhu ${name}: ${(e as Error).message}`);
    return Exit.FAULT;
  }
}
