/**
 * What the shell does with each (already validated) message from the agent.
 */
import type { AgentToShell, ShellToAgent } from '../contracts/shell.ts';
import type { KioskWindow } from './window.ts';

export type ShownWindow = Pick<KioskWindow, 'load' | 'reload' | 'captureFrame'>;

export interface AgentMessageRouterDeps {
  window: ShownWindow;
  /** quit the app (the supervisor has already stopped restarting the agent) */
  quit(reason: string): void;
  /** relaunch the whole app: the agent stopped for HQ's restart-app (the supervisor has stopped restarting it) */
  relaunch(reason: string): void;
}

export function agentMessageRouter(deps: AgentMessageRouterDeps): (message: AgentToShell) => Promise<ShellToAgent | void> {
  return async (message) => {
    switch (message.type) {
      case 'load':
        deps.window.load(message.url);
        return;
      case 'reload':
        deps.window.reload(`asked by the agent: ${message.reason}`);
        return;
      case 'capture-frame':
        try {
          const { requestId: _id, type: _type, ...request } = message;
          const png = await deps.window.captureFrame(request);
          return { type: 'frame', requestId: message.requestId, png: png.toString('base64') };
        } catch (err) {
          return { type: 'frame', requestId: message.requestId, error: ((err as Error).message || 'capture failed').slice(0, 500) };
        }
      case 'quit':
        deps.quit(message.reason);
        return;
      case 'relaunch':
        deps.relaunch(message.reason);
        return;
    }
  };
}
