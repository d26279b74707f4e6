#!/usr/bin/env node
// The `zizhu` command: field diagnostics, simulator and kiosk start-up; `zizhu hq …` for HQ.
import { register } from 'tsx/esm/api';

register();
const argv = process.argv.slice(2);
// `zizhu hq …` is HQ's (hq/cli); everything else the kiosk's (runtime/cli), which never imports hq/
const code =
  argv[0] === 'hq'
    ? await (await import('../hq/cli/main.ts')).hqMain(argv.slice(1))
    : await (await import('../runtime/cli/main.ts')).main(argv);
// A command resolves when its work is done (long-running ones when stopped): exit now rather than
// wait for a device's retry timer or a socket's linger to let the event loop drain.
process.stdout.write('', () => process.exit(code));
