/**
 * The generic webhook: `POST <URL>` with the message itself as JSON (contracts/hq-notify.ts
 * NotifyMessage) and the ingest's signing scheme: `x-zizhu-timestamp`, `x-zizhu-nonce` and, with a
 * secret, `x-zizhu-signature` = contracts/hq-signing.ts `ingestSignature(secret, timestamp, nonce,
 * body, <the URL's path>)`. Any 2xx is delivered; 408, 425, 429 and 5xx are retried; any other
 * answer is a refusal.
 */
import { randomBytes } from 'node:crypto';
import { IngestHeaders } from '../../../../contracts/hq.ts';
import { ingestSignature } from '../../../../contracts/hq-signing.ts';
import { httpStatusAnswer, jsonRequest, type RobotCodec } from './robot.ts';

export const webhookCodec: RobotCodec = {
  encode(msg, ctx) {
    const nonce = ctx.nonce ?? randomBytes(16).toString('hex');
    const timestamp = String(ctx.nowMs);
    const req = jsonRequest(ctx.url, msg, { [IngestHeaders.timestamp]: timestamp, [IngestHeaders.nonce]: nonce });
    if (ctx.secret !== null) req.headers[IngestHeaders.signature] = ingestSignature(ctx.secret, timestamp, nonce, req.body, new URL(ctx.url).pathname);
    return req;
  },
  answer: (status, body) => httpStatusAnswer(status, body) ?? { ok: true },
};
