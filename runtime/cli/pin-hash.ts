import { type CliCommand, Exit } from './io.ts';
import { hashStaffPin, PIN_PATTERN } from '../kiosk/staff-pin.ts';

/** `zizhu config pin-hash PIN`: the value for a kiosk config's `staff[].pin` (a salted scrypt hash, never the PIN). */
export const pinHashCommand: CliCommand = async (args, io) => {
  const pin = args[0];
  if (args.length !== 1 || pin === undefined || !PIN_PATTERN.test(pin)) {
    io.err('usage: zizhu config pin-hash PIN   (PIN: 4 to 12 digits; put the printed value in the config as staff[].pin)');
    return Exit.BAD_INPUT;
  }
  io.out(hashStaffPin(pin));
  return Exit.OK;
};
