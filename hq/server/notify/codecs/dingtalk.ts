/**
 * DingTalk (钉钉) custom robot: `POST <its URL, access_token inside>&timestamp=T&sign=S` with
 * `{"msgtype":"markdown","markdown":{"title":…,"text":…}}`. With a 加签 secret:
 * `sign = urlencode(base64(HMAC-SHA256(key = secret, message = timestampMs + "\n" + secret)))`, the
 * timestamp within an hour of DingTalk's clock. Answer `{errcode, errmsg}`. Limit: 20 a minute per
 * robot (more and it refuses everything for 10 minutes).
 */
import { createHmac } from 'node:crypto';
import { messageMarkdown, plain } from './markdown.ts';
import { errcodeAnswer, jsonRequest, type RobotCodec } from './robot.ts';

export const DINGTALK_MAX_BYTES = 18_000;

/** base64(HMAC-SHA256(secret, `${timestampMs}\n${secret}`)) — URL-encoded where it is put in the query */
export const dingtalkSign = (secret: string, timestampMs: number): string => createHmac('sha256', secret).update(`${timestampMs}\n${secret}`, 'utf8').digest('base64');

export const dingtalkCodec: RobotCodec = {
  encode(msg, ctx) {
    const url = new URL(ctx.url);
    if (ctx.secret !== null) {
      url.searchParams.set('timestamp', String(ctx.nowMs));
      url.searchParams.set('sign', dingtalkSign(ctx.secret, ctx.nowMs)); // URLSearchParams percent-encodes it (+ / =)
    }
    const text = messageMarkdown(msg, { maxBytes: DINGTALK_MAX_BYTES, timeZone: ctx.timeZone, lineEnd: '  \n' });
    return jsonRequest(url.toString(), { msgtype: 'markdown', markdown: { title: plain(msg.title, 60), text } });
  },
  answer: (status, body) =>
    errcodeAnswer(status, body, {
      codeFields: ['errcode'],
      msgFields: ['errmsg'],
      permanent: {
        300001: 'the access_token is wrong',
        300005: 'the access_token is wrong',
        310000: "refused by the robot's security settings (signature, keyword or IP allow-list)",
        400101: 'the access_token is wrong',
        400102: 'the robot is disabled',
      },
      rateLimited: { 130101: 10 * 60_000 },
    }),
};
