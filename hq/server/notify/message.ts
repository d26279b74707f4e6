/**
 * One message's content, made once when a group is flushed and kept in the outbox as JSON
 * (contracts/hq-notify.ts NotifyMessage): what (code, severity, detail), where (kiosk, site,
 * district, address), since when, how many (alarms in the group, each one's count), and a link to
 * each kiosk in the console. The robots' codecs (codecs/) turn it into their own bodies.
 */
import { faultName } from '../../../contracts/fault-text.ts';
import type { AlarmSeverity } from '../../../contracts/faults.ts';
import { severityRank, type NotifiedAlarm, type NotifyMessage } from '../../../contracts/hq-notify.ts';
import { iso } from '../ids.ts';

/** how the ops chat names a severity (as the console does) */
export const SEVERITY_ZH: Record<AlarmSeverity, string> = { critical: '紧急', major: '严重', minor: '一般', warning: '提示' };

/** how the ops chat names a fault, as the console does and with its code: `打印机缺纸 (PRINTER_PAPER_OUT)`; a code HQ has no name for as itself */
export function faultLabel(code: string): string {
  const name = faultName(code);
  return name === code ? code : `${name} (${code})`;
}

/** The kiosk in the console (hash route of hq/dashboard). */
export const kioskLink = (publicUrl: string, kioskId: string): string => `${publicUrl.replace(/\/+$/, '')}/#/kiosks/${encodeURIComponent(kioskId)}`;
export const alarmsLink = (publicUrl: string): string => `${publicUrl.replace(/\/+$/, '')}/#/alarms`;

/** Worst first, then the oldest. */
export const alarmOrder = (a: NotifiedAlarm, b: NotifiedAlarm): number => severityRank(b.severity) - severityRank(a.severity) || a.since.localeCompare(b.since) || a.kioskId.localeCompare(b.kioskId);

export interface GroupInfo {
  key: string;
  site: string | null;
  district: string | null;
}

/** `江岸区 市民之家`, or the kiosk of a group without a site */
export function groupLabel(g: GroupInfo, alarms: readonly NotifiedAlarm[]): string {
  if (g.site) return g.district ? `${g.district} ${g.site}` : g.site;
  return alarms[0]?.kioskId ?? g.key;
}

export interface MessageInput {
  channel: { id: string; name: string };
  group: GroupInfo;
  firing: NotifiedAlarm[];
  resolved: NotifiedAlarm[];
  /** the group's alarms are all still firing and unchanged: a reminder */
  repeat: boolean;
  at: number;
  publicUrl: string;
}

export function groupMessage(m: MessageInput): NotifyMessage {
  const firing = [...m.firing].sort(alarmOrder);
  const resolved = [...m.resolved].sort(alarmOrder);
  const where = groupLabel(m.group, [...firing, ...resolved]);
  let title: string;
  if (firing.length === 0) title = `【已恢复】${where}：${resolved.length} 条告警已恢复`;
  else {
    const worst = SEVERITY_ZH[firing[0]!.severity];
    const more = resolved.length > 0 ? `，${resolved.length} 条已恢复` : '';
    title = `【${m.repeat ? '仍未恢复' : worst}】${where}：${firing.length} 条告警${more}`;
  }
  return { version: 1, kind: firing.length > 0 ? 'firing' : 'resolved', channel: m.channel, group: m.group, title, firing, resolved, at: iso(m.at), consoleUrl: alarmsLink(m.publicUrl) };
}

/** The message "send test message" sends: proves the URL, the secret and the robot's settings. */
export function testMessage(channel: { id: string; name: string }, at: number, publicUrl: string): NotifyMessage {
  return {
    version: 1,
    kind: 'test',
    channel,
    group: { key: 'test', site: null, district: null },
    title: `【测试】自助 HQ 告警通知：${channel.name}`,
    firing: [],
    resolved: [],
    at: iso(at),
    consoleUrl: alarmsLink(publicUrl),
  };
}
