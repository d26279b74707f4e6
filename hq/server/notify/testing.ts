/**
 * A local robot receiver for tests and the bench: one tiny HTTP server on 127.0.0.1 that plays a
 * WeCom, DingTalk and Feishu robot and a generic webhook (by path), records every request with
 * HQ's clock, and answers as the real robot would (or as told: failures, errcodes, silence).
 *
 * `checkRobotRequest` checks a request the way the robot would: the EXACT body shape (strict
 * schemas written here from the robots' documentation, not from HQ's codecs) and the signature,
 * recomputed from the documented formulas with node:crypto alone:
 * - DingTalk: query `timestamp` (ms) and `sign = urlencode(base64(HMAC-SHA256(secret, timestamp + "\n" + secret)))`
 * - Feishu: body `timestamp` (s, text) and `sign = base64(HMAC-SHA256(key = timestamp + "\n" + secret, message = ""))`
 * - webhook: hex HMAC-SHA256(secret, "POST\n" + path + "\n" + timestamp + "\n" + nonce + "\n" + hex sha256(body))
 */
import { createHash, createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { z } from 'zod';
import { NotifyMessageSchema, type ChannelType, type NotifyMessage } from '../../../contracts/hq-notify.ts';

export interface ReceivedRequest {
  type: ChannelType;
  /** path and query as sent */
  rawUrl: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
  /** the receiver's clock when it arrived (HQ's clock in tests) */
  at: number;
}

export interface RobotReply {
  status: number;
  body: string;
}

const OK: Record<ChannelType, RobotReply> = {
  wecom: { status: 200, body: '{"errcode":0,"errmsg":"ok"}' },
  dingtalk: { status: 200, body: '{"errcode":0,"errmsg":"ok"}' },
  feishu: { status: 200, body: '{"code":0,"msg":"success","data":{}}' },
  webhook: { status: 204, body: '' },
};

const PATHS: Record<ChannelType, (token: string) => string> = {
  wecom: (t) => `/wecom/cgi-bin/webhook/send?key=${t}`,
  dingtalk: (t) => `/dingtalk/robot/send?access_token=${t}`,
  feishu: (t) => `/feishu/open-apis/bot/v2/hook/${t}`,
  webhook: (t) => `/webhook/zizhu/${t}`,
};

export class RobotReceiver {
  readonly requests: ReceivedRequest[] = [];
  /** answers for the next requests, in order (then the robot's OK) */
  readonly replies: (RobotReply | 'hang')[] = [];
  #onRequest: (() => void)[] = [];
  readonly #hanging = new Set<ServerResponse>();

  private constructor(
    private readonly server: Server,
    readonly base: string,
    private readonly now: () => number,
  ) {}

  static async start(now: () => number = Date.now): Promise<RobotReceiver> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const addr = server.address();
    if (!addr || typeof addr === 'string') throw new Error('receiver: no port');
    const receiver = new RobotReceiver(server, `http://127.0.0.1:${addr.port}`, now);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => receiver.handle(req, res));
    return receiver;
  }

  /** A channel URL for `type` on this receiver (the robot's own path shape, on loopback). */
  url(type: ChannelType, token = `tok${type}0123456789`): string {
    return `${this.base}${PATHS[type](token)}`;
  }

  of(type: ChannelType): ReceivedRequest[] {
    return this.requests.filter((r) => r.type === type);
  }

  /** resolves at the next request (the bench's stopwatch) */
  nextRequest(): Promise<void> {
    return new Promise((resolve) => this.#onRequest.push(resolve));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const u = new URL(req.url ?? '/', this.base);
      const type = (u.pathname.split('/')[1] ?? 'webhook') as ChannelType;
      this.requests.push({ type, rawUrl: req.url ?? '/', path: u.pathname, query: u.searchParams, headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: this.now() });
      for (const f of this.#onRequest.splice(0)) f();
      const reply = this.replies.shift() ?? OK[type] ?? OK.webhook;
      if (reply === 'hang') {
        this.#hanging.add(res);
        return;
      }
      res.writeHead(reply.status, { 'content-type': 'application/json' });
      res.end(reply.body);
    });
  }

  async close(): Promise<void> {
    for (const res of this.#hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

// ───────────────────────── what each robot accepts (from its documentation) ─────────────────────────

const text = z.string().min(1);
const bytesAtMost = (n: number) => text.refine((s) => Buffer.byteLength(s, 'utf8') <= n, `longer than ${n} bytes`);

export const WecomBody = z.strictObject({ msgtype: z.literal('markdown'), markdown: z.strictObject({ content: bytesAtMost(4096) }) });
export const DingtalkBody = z.strictObject({ msgtype: z.literal('markdown'), markdown: z.strictObject({ title: text, text }) });
const plainText = z.strictObject({ tag: z.literal('plain_text'), content: text });
export const FeishuBody = z
  .strictObject({
    timestamp: z.string().regex(/^\d{10}$/, 'seconds, as text').optional(),
    sign: z.string().optional(),
    msg_type: z.literal('interactive'),
    card: z.strictObject({
      config: z.strictObject({ wide_screen_mode: z.boolean() }),
      header: z.strictObject({ template: z.enum(['blue', 'wathet', 'turquoise', 'green', 'yellow', 'orange', 'red', 'carmine', 'violet', 'purple', 'indigo', 'grey']), title: plainText }),
      elements: z.array(
        z.union([
          z.strictObject({ tag: z.literal('markdown'), content: text }),
          z.strictObject({ tag: z.literal('action'), actions: z.array(z.strictObject({ tag: z.literal('button'), text: plainText, type: z.enum(['default', 'primary', 'danger']), url: z.url() })) }),
        ]),
      ),
    }),
  })
  .refine((b) => Buffer.byteLength(JSON.stringify(b), 'utf8') <= 20 * 1024, 'body over 20 KB');

const hmac = (key: string, message: string) => createHmac('sha256', key).update(message, 'utf8');
const HOUR_MS = 3_600_000;

export interface CheckedRequest {
  /** the text a person reads in the chat */
  text: string;
  /** the webhook's JSON */
  message?: NotifyMessage;
}

/**
 * Checks `r` as its robot would with `secret` (null: the robot has no signing set) at `nowMs`;
 * throws saying what is wrong, else gives the text a person would read.
 */
export function checkRobotRequest(r: ReceivedRequest, secret: string | null, nowMs: number): CheckedRequest {
  if (r.headers['content-type']?.split(';')[0] !== 'application/json') throw new Error(`${r.type}: content-type ${r.headers['content-type']}`);
  const json: unknown = JSON.parse(r.body);
  switch (r.type) {
    case 'wecom': {
      if (!r.query.get('key')) throw new Error('wecom: no key in the URL');
      return { text: WecomBody.parse(json).markdown.content };
    }
    case 'dingtalk': {
      const body = DingtalkBody.parse(json);
      if (!r.query.get('access_token')) throw new Error('dingtalk: no access_token in the URL');
      if (secret !== null) {
        const ts = r.query.get('timestamp') ?? '';
        if (!/^\d{13}$/.test(ts) || Math.abs(Number(ts) - nowMs) > HOUR_MS) throw new Error(`dingtalk: timestamp ${ts} is not ms within an hour`);
        const expected = encodeURIComponent(hmac(secret, `${ts}\n${secret}`).digest('base64'));
        if (!r.rawUrl.includes(`&sign=${expected}`) && !r.rawUrl.includes(`?sign=${expected}`)) throw new Error(`dingtalk: sign in ${r.rawUrl} is not ${expected}`);
      } else if (r.query.has('sign')) throw new Error('dingtalk: signed without a secret');
      return { text: `${body.markdown.title}\n${body.markdown.text}` };
    }
    case 'feishu': {
      const body = FeishuBody.parse(json);
      if (secret !== null) {
        if (!body.timestamp || !body.sign) throw new Error('feishu: timestamp and sign missing');
        if (Math.abs(Number(body.timestamp) * 1000 - nowMs) > HOUR_MS) throw new Error(`feishu: timestamp ${body.timestamp} not within an hour`);
        const expected = hmac(`${body.timestamp}\n${secret}`, '').digest('base64');
        if (body.sign !== expected) throw new Error(`feishu: sign ${body.sign} is not ${expected}`);
      } else if (body.sign !== undefined) throw new Error('feishu: signed without a secret');
      const md = body.card.elements.find((e) => e.tag === 'markdown') as { content: string } | undefined;
      return { text: `${body.card.header.title.content}\n${md?.content ?? ''}` };
    }
    case 'webhook': {
      const message = NotifyMessageSchema.strict().parse(json);
      const ts = String(r.headers['x-zizhu-timestamp'] ?? '');
      const nonce = String(r.headers['x-zizhu-nonce'] ?? '');
      if (!/^\d+$/.test(ts) || !/^[0-9a-f]{32}$/.test(nonce)) throw new Error('webhook: timestamp / nonce headers missing');
      if (secret !== null) {
        const bodyHash = createHash('sha256').update(r.body, 'utf8').digest('hex');
        const expected = hmac(secret, `POST\n${r.path}\n${ts}\n${nonce}\n${bodyHash}`).digest('hex');
        if (r.headers['x-zizhu-signature'] !== expected) throw new Error(`webhook: signature ${r.headers['x-zizhu-signature']} is not ${expected}`);
      } else if (r.headers['x-zizhu-signature'] !== undefined) throw new Error('webhook: signed without a secret');
      return { text: [message.title, ...message.firing.map((a) => `${a.code} ${a.kioskId}`), ...message.resolved.map((a) => `resolved ${a.code} ${a.kioskId}`)].join('\n'), message };
    }
  }
}
