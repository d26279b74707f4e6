#!/usr/bin/env node
// The `zizhu` command: field diagnostics, simulator and kiosk start-up.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../runtime/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
