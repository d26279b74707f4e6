#!/usr/bin/env node
// The `zizhu` command: field diagnostics, simulator and kiosk start-up.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../runtime/cli/main.ts');
const code = await main(process.argv.slice(2));
// A command resolves when its work is done (long-running ones when stopped): exit now rather than
// wait for a device's retry timer or a socket's linger to let the event loop drain.
process.stdout.write('', () => process.exit(code));
