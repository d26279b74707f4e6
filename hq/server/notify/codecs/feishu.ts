/**
 * Feishu (飞书) custom bot: `POST <its hook URL>` with
 * `{"timestamp":"T","sign":"S","msg_type":"interactive","card":{…}}` (timestamp and sign only with a
 * 签名校验 secret): `sign = base64(HMAC-SHA256(key = timestampS + "\n" + secret, message = ""))`,
 * the timestamp in seconds within an hour of Feishu's clock. Body ≤ 20 KB. Answer `{code, msg}`
 * (older `{StatusCode, StatusMessage}`). Limit: 100 a minute and 5 a second per bot.
 */
import { createHmac } from 'node:crypto';
import type { NotifyMessage } from '../../../../contracts/hq-notify.ts';
import { messageMarkdown, plain } from './markdown.ts';
import { errcodeAnswer, jsonRequest, type RobotCodec } from './robot.ts';

export const FEISHU_MAX_BYTES = 14_000;

export const feishuSign = (secret: string, timestampS: number): string => createHmac('sha256', `${timestampS}\n${secret}`).update('').digest('base64');

const template = (msg: NotifyMessage): string => (msg.kind === 'test' ? 'blue' : msg.kind === 'resolved' ? 'green' : msg.firing.some((a) => a.severity === 'critical' || a.severity === 'major') ? 'red' : 'orange');

export const feishuCodec: RobotCodec = {
  encode(msg, ctx) {
    const card = {
      config: { wide_screen_mode: true },
      header: { template: template(msg), title: { tag: 'plain_text', content: plain(msg.title, 120) } },
      elements: [
        { tag: 'markdown', content: messageMarkdown(msg, { maxBytes: FEISHU_MAX_BYTES, timeZone: ctx.timeZone, heading: false, quote: '' }) },
        { tag: 'action', actions: [{ tag: 'button', text: { tag: 'plain_text', content: '打开控制台' }, type: 'primary', url: msg.consoleUrl }] },
      ],
    };
    const timestampS = Math.floor(ctx.nowMs / 1000);
    const signed = ctx.secret === null ? {} : { timestamp: String(timestampS), sign: feishuSign(ctx.secret, timestampS) };
    return jsonRequest(ctx.url, { ...signed, msg_type: 'interactive', card });
  },
  answer: (status, body) =>
    errcodeAnswer(status, body, {
      codeFields: ['code', 'StatusCode'],
      msgFields: ['msg', 'StatusMessage'],
      permanent: {
        9499: 'the message was refused as malformed',
        19001: 'the message was refused as invalid',
        19021: 'signature refused (wrong secret, or HQ clock off by over an hour)',
        19022: "HQ's address is not on the bot's IP allow-list",
        19024: "the message lacks the bot's required keyword",
      },
      rateLimited: { 11232: 60_000 },
    }),
};
