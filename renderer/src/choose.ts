/** Which screen the renderer shows for a pushed screen message (and the little UI-local state). */
import type { ScreenMessage } from '../../contracts/bridge.ts';

export type SystemScreen = 'connecting' | 'starting' | 'maintenance' | 'pin' | 'locked' | 'ended' | 'out-of-hours' | 'out-of-service' | 'home';
/** a system screen, or a flow screen: `pf.<step>` / `reg.<step>` */
export type ScreenName = SystemScreen | `pf.${string}` | `reg.${string}`;

export interface LocalUi {
  /** the staff PIN overlay was opened on this kiosk */
  pinOpen: boolean;
}

/** a PIN notice (the agent's answer to STAFF_PIN) that is still to be shown */
export function pinNoticeActive(msg: ScreenMessage, agentNow: number): boolean {
  return msg.notice !== null && msg.notice.code.startsWith('PIN_') && msg.notice.until > agentNow;
}

export function flowScreenName(msg: ScreenMessage): ScreenName | null {
  const s = msg.session;
  if (!s) return null;
  return s.service === 'providentFundStatement' ? `pf.${s.step}` : `reg.${s.step}`;
}

export function chooseScreen(msg: ScreenMessage | null, showConnecting: boolean, ui: LocalUi): ScreenName {
  if (!msg || showConnecting) return 'connecting';
  const status = msg.kiosk.status;
  if (status === 'booting' || status === 'selfTest') return 'starting';
  if (status === 'maintenance') return 'maintenance';
  if (status === 'verifyingPin') return 'pin';
  const flow = flowScreenName(msg);
  if (flow) return flow;
  if (msg.ended) return 'ended';
  if (ui.pinOpen) return 'pin';
  if (status === 'remoteLocked') return 'locked';
  if (status === 'outOfHours') return 'out-of-hours';
  if (status === 'outOfService') return 'out-of-service';
  return 'home';
}

/** screens that carry the small "Staff" button (and so may open the PIN overlay) */
export const STAFF_ENTRY_SCREENS: readonly ScreenName[] = ['home', 'out-of-hours', 'out-of-service', 'locked'];
