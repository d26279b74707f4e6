/**
 * HQ's `help.answer` (issue 10): an operator's answer to the kiosk's open 求助, shown on the screen
 * (runtime/kiosk/help.ts). The command runner (commands.ts) only dispatches here.
 */
import type { z } from 'zod';
import type { HqCommands } from '../../contracts/hq.ts';

export type HelpAnswerArgs = z.output<(typeof HqCommands)['help.answer']>;
/** the kiosk's help desk: shows the answer when it is for the open request */
export type HelpAnswerHandler = (a: HelpAnswerArgs) => { status: 'succeeded' | 'failed'; detail: string };

export function carryOutHelpAnswer(args: Record<string, unknown>, handler: HelpAnswerHandler | undefined): { status: 'succeeded' | 'failed'; detail: string } {
  if (!handler) return { status: 'failed', detail: 'this agent has no screen to show the answer on' };
  return handler(args as HelpAnswerArgs);
}
