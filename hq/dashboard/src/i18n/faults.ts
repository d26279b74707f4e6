/**
 * What each fault code means, for people, in the console's locale. The names themselves live in
 * contracts/fault-text.ts: HQ's chat messages use the same ones. A code not known there is shown as itself.
 */
export { faultName as faultText } from '../../../../contracts/fault-text.ts';
