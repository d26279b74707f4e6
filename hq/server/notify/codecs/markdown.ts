/**
 * The text of a message as chat markdown (zh-CN: the ops groups' language), shared by the robots'
 * codecs: one block per alarm, worst first, cut to the robot's size limit with a line saying how
 * many were left out. Text that came from a kiosk is made plain (no links, no HTML, one line), so
 * a kiosk cannot put a link or a mention into the ops chat. Pure: no clock, no network.
 */
import type { AlarmSeverity } from '../../../../contracts/faults.ts';
import type { NotifiedAlarm, NotifyMessage } from '../../../../contracts/hq-notify.ts';
import { faultLabel, SEVERITY_ZH } from '../message.ts';

export interface MarkdownStyle {
  /** the robot's own way of colouring a word (WeCom `<font color>`), or plain */
  severity?: (s: AlarmSeverity, text: string) => string;
  /** what ends a line (DingTalk needs two spaces before the newline) */
  lineEnd?: string;
  /** the whole text's limit in UTF-8 bytes */
  maxBytes: number;
  /** the time zone times are shown in (IANA, e.g. Asia/Shanghai) */
  timeZone: string;
  /** start with the title as a heading */
  heading?: boolean;
  /** what starts an alarm's detail lines (a markdown quote; Feishu cards have none) */
  quote?: string;
}

/** Kiosk text as one plain line: no markdown link or HTML, at most `max` characters. */
export function plain(s: string | null | undefined, max = 200): string {
  if (!s) return '';
  const one = s.replace(/[\r\n\t]+/g, ' ').replace(/\[/g, '［').replace(/\]/g, '］').replace(/</g, '‹').replace(/>/g, '›').replace(/`/g, "'").trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

const timeFormats = new Map<string, Intl.DateTimeFormat>();

/** `06-10 12:00:03` in `timeZone` */
export function shortTime(isoText: string, timeZone: string): string {
  const ms = Date.parse(isoText);
  if (Number.isNaN(ms)) return plain(isoText, 40);
  let f = timeFormats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
    timeFormats.set(timeZone, f);
  }
  const p = Object.fromEntries(f.formatToParts(ms).map((x) => [x.type, x.value]));
  return `${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
}

/** `45 秒`, `12 分钟`, `3 小时 5 分钟`, `2 天 4 小时` */
export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} 秒`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} 分钟`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 ? `${h} 小时 ${m % 60} 分钟` : `${h} 小时`;
  return h % 24 ? `${Math.floor(h / 24)} 天 ${h % 24} 小时` : `${Math.floor(h / 24)} 天`;
}

const place = (a: NotifiedAlarm): string => [a.district, a.site, a.address].filter(Boolean).map((x) => plain(x, 80)).join(' · ') || '—';

function firingBlock(a: NotifiedAlarm, msg: NotifyMessage, st: MarkdownStyle): string[] {
  const sev = `[${SEVERITY_ZH[a.severity]}]`;
  const q = st.quote ?? '> ';
  const lines = [`**${st.severity ? st.severity(a.severity, sev) : sev} ${faultLabel(a.code)}** · 自助机 ${plain(a.kioskId, 64)}`];
  if (a.detail) lines.push(`${q}${plain(a.detail)}`);
  lines.push(`${q}地点：${place(a)}`);
  const since = `${q}开始：${shortTime(a.since, st.timeZone)}，已持续 ${duration(Date.parse(msg.at) - Date.parse(a.since))}`;
  lines.push(a.count > 1 ? `${since} · 共 ${a.count} 次` : since);
  lines.push(`${q}[查看自助机 ${plain(a.kioskId, 64)}](${a.url})`);
  return lines;
}

function resolvedBlock(a: NotifiedAlarm, st: MarkdownStyle): string[] {
  const at = a.resolvedAt ? `${shortTime(a.resolvedAt, st.timeZone)} 恢复，持续 ${duration(Date.parse(a.resolvedAt) - Date.parse(a.since))}` : '已恢复';
  return [`**[已恢复] ${faultLabel(a.code)}** · 自助机 ${plain(a.kioskId, 64)} — ${at}${a.clearedBy ? `（${plain(a.clearedBy, 64)} 手动清除）` : ''}`];
}

const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

/** The message as markdown, within `maxBytes`. */
export function messageMarkdown(msg: NotifyMessage, st: MarkdownStyle): string {
  const end = st.lineEnd ?? '\n';
  const join = (lines: string[]) => lines.join(end);
  const head: string[] = st.heading === false ? [] : [`## ${plain(msg.title, 120)}`];
  const footer = [`[打开告警列表](${msg.consoleUrl}) · ${shortTime(msg.at, st.timeZone)}`];
  if (msg.kind === 'test') {
    return join([...head, `这是一条测试消息：通知渠道「${plain(msg.channel.name, 80)}」已连通，告警会发到这里。`, '', ...footer]);
  }
  const blocks = [...msg.firing.map((a) => firingBlock(a, msg, st)), ...msg.resolved.map((a) => resolvedBlock(a, st))];
  const out = [...head];
  let used = bytes(join([...out, ...footer])) + 64; // room for the "left out" line
  let shown = 0;
  for (const b of blocks) {
    const size = bytes(join(['', ...b]));
    if (used + size > st.maxBytes) break;
    out.push(...(out.length > 0 ? [''] : []), ...b);
    used += size;
    shown++;
  }
  if (shown < blocks.length) out.push('', `…另有 ${blocks.length - shown} 条未列出，见控制台`);
  return join([...out, '', ...footer]);
}
