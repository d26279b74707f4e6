/** The pure parts: URL rules and masks, how each robot's answer is read, the send log's windows. */
import { describe, expect, it } from 'vitest';
import { channelUrlProblem } from '../../../contracts/hq-notify.ts';
import { maskUrl } from './channels.ts';
import { CODECS } from './codecs/index.ts';
import { ROBOT_LIMITS, SendLog } from './rate-limit.ts';

describe('channel URLs', () => {
  it.each([
    ['wecom', 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693axxx6-7aoc-4bc4-97a0-0ec2sifa5aaa', 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a****5aaa'],
    ['dingtalk', 'https://oapi.dingtalk.com/robot/send?access_token=e9a8118c8a3dc685fab41df25b9dc865fd74', 'https://oapi.dingtalk.com/robot/send?access_token=e9a8****fd74'],
    ['feishu', 'https://open.feishu.cn/open-apis/bot/v2/hook/2f6c2f8e-1b7a-4a7f-9b0e-5d2f3c4b5a69', 'https://open.feishu.cn/open-apis/bot/v2/hook/2f6c****5a69'],
    ['webhook', 'https://ops:pw@alerts.example.gov.cn/hooks/T0123ABCDEFG/B0123456789?token=abcdefghijkl', 'https://alerts.example.gov.cn/hooks/T012****DEFG/B012****6789?token=abcd****ijkl'],
  ] as const)('%s: the settings page address is accepted and shown masked', (type, url, masked) => {
    expect(channelUrlProblem(type, url)).toBeNull();
    expect(maskUrl(type, url)).toBe(masked);
  });

  it('another robot\'s address, plain http or a missing token is refused; a loopback receiver is fine for every type', () => {
    expect(channelUrlProblem('wecom', 'https://oapi.dingtalk.com/robot/send?access_token=e9a8118c8a3dc685')).toMatch(/a wecom robot's address looks like/);
    expect(channelUrlProblem('dingtalk', 'http://oapi.dingtalk.com/robot/send?access_token=e9a8118c8a3dc685')).toMatch(/looks like https:/);
    expect(channelUrlProblem('feishu', 'https://open.feishu.cn/open-apis/bot/v2/hook/x')).toMatch(/the feishu robot's token in the URL is missing or malformed/);
    expect(channelUrlProblem('webhook', 'not a url')).toMatch(/is not a URL/);
    for (const type of ['wecom', 'dingtalk', 'feishu', 'webhook'] as const) for (const host of ['127.0.0.1:8080', 'localhost', '[::1]:9']) expect(channelUrlProblem(type, `http://${host}/anything`)).toBeNull();
    expect(channelUrlProblem('wecom', 'http://10.0.0.5/cgi-bin/webhook/send?key=abcdefgh')).not.toBeNull();
  });
});

describe('robot answers', () => {
  it.each([
    ['wecom', 200, '{"errcode":0,"errmsg":"ok"}', { ok: true }],
    ['wecom', 200, '{"errcode":45009,"errmsg":"api freq out of limit"}', { ok: false, permanent: false, retryAfterMs: 60_000 }],
    ['wecom', 200, '{"errcode":93000,"errmsg":"invalid webhook url"}', { ok: false, permanent: true }],
    ['wecom', 200, '{"errcode":-1,"errmsg":"system busy"}', { ok: false, permanent: false }],
    ['dingtalk', 200, '{"errcode":130101,"errmsg":"send too fast, exceed 20 times per minute"}', { ok: false, permanent: false, retryAfterMs: 600_000 }],
    ['dingtalk', 200, '{"errcode":310000,"errmsg":"keywords not in content"}', { ok: false, permanent: true }],
    ['feishu', 200, '{"code":0,"msg":"success","data":{}}', { ok: true }],
    ['feishu', 200, '{"StatusCode":0,"StatusMessage":"success"}', { ok: true }],
    ['feishu', 200, '{"code":19021,"msg":"sign match fail or timestamp is not within one hour from current time"}', { ok: false, permanent: true }],
    ['feishu', 200, '{"code":11232,"msg":"frequency limited psm"}', { ok: false, permanent: false, retryAfterMs: 60_000 }],
    ['feishu', 429, '', { ok: false, permanent: false, retryAfterMs: 60_000 }],
    ['wecom', 502, '<html>bad gateway</html>', { ok: false, permanent: false }],
    ['wecom', 200, '<html>captive portal</html>', { ok: false, permanent: false }],
    ['webhook', 404, 'not found', { ok: false, permanent: true }],
    ['webhook', 302, '', { ok: false, permanent: true }],
    ['webhook', 204, '', { ok: true }],
  ] as const)('%s HTTP %i %s', (type, status, body, expected) => {
    expect(CODECS[type].answer(status, body)).toMatchObject(expected);
  });
});

describe('send log', () => {
  it('Feishu: at most 5 in any 1.2 s and 100 in any 61 s; WeCom: 20 in any 61 s', () => {
    const feishu = new SendLog(ROBOT_LIMITS.feishu);
    const sent: number[] = [];
    for (let t = 0; sent.length < 150; t += 50) {
      if (feishu.nextFreeAt(t) > t) continue;
      feishu.record(t);
      sent.push(t);
    }
    for (const t of sent) {
      expect(sent.filter((x) => x >= t && x < t + 1_200).length).toBeLessThanOrEqual(5);
      expect(sent.filter((x) => x >= t && x < t + 61_000).length).toBeLessThanOrEqual(100);
    }
    const wecom = new SendLog(ROBOT_LIMITS.wecom);
    for (let i = 0; i < 20; i++) wecom.record(i * 1000);
    expect(wecom.nextFreeAt(20_000)).toBe(61_000);
    expect(new SendLog(ROBOT_LIMITS.webhook).nextFreeAt(5)).toBe(5);
  });
});
