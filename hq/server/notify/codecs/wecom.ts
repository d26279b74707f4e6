/**
 * WeCom (企业微信) group robot: `POST <its URL, key inside>` with
 * `{"msgtype":"markdown","markdown":{"content":…}}` (content ≤ 4096 bytes); answer `{errcode, errmsg}`.
 * No signature: the key in the URL is the credential. Limit: 20 messages a minute per robot.
 */
import type { AlarmSeverity } from '../../../../contracts/faults.ts';
import { messageMarkdown } from './markdown.ts';
import { errcodeAnswer, jsonRequest, type RobotCodec } from './robot.ts';

export const WECOM_MAX_BYTES = 4096;

/** WeCom markdown's three colours: warning (orange-red), comment (grey), info (green) */
const COLOUR: Record<AlarmSeverity, string> = { critical: 'warning', major: 'warning', minor: 'comment', warning: 'comment' };

export const wecomCodec: RobotCodec = {
  encode(msg, ctx) {
    const content = messageMarkdown(msg, { maxBytes: WECOM_MAX_BYTES, timeZone: ctx.timeZone, severity: (s, text) => `<font color="${COLOUR[s]}">${text}</font>` });
    return jsonRequest(ctx.url, { msgtype: 'markdown', markdown: { content } });
  },
  answer: (status, body) =>
    errcodeAnswer(status, body, {
      codeFields: ['errcode'],
      msgFields: ['errmsg'],
      permanent: { 93000: 'the webhook key is wrong or the robot was removed', 93004: 'the robot was disabled', 93008: 'the robot is not in the group any more', 40008: 'message type refused', 40058: 'message refused as invalid', 44004: 'empty message' },
      rateLimited: { 45009: 60_000 },
    }),
};
