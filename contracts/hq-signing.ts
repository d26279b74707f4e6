/**
 * The ingest signature, shared by the kiosk link, HQ and the fleet simulator:
 * hex HMAC-SHA256(secret, "POST\n/api/v1/ingest\n" + timestamp + "\n" + nonce + "\n" + hex sha256(body)).
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { HQ_INGEST_PATH, IngestHeaders } from './hq.ts';

export function ingestSignature(secret: string, timestampMs: number | string, nonce: string, body: string | Buffer, path = HQ_INGEST_PATH): string {
  const bodyHash = createHash('sha256').update(body).digest('hex');
  return createHmac('sha256', secret).update(`POST\n${path}\n${timestampMs}\n${nonce}\n${bodyHash}`).digest('hex');
}

/** Constant-time comparison of two hex signatures. */
export function signaturesMatch(expectedHex: string, givenHex: string): boolean {
  if (!/^[0-9a-f]{64}$/i.test(givenHex)) return false;
  const a = Buffer.from(expectedHex, 'hex');
  const b = Buffer.from(givenHex.toLowerCase(), 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The four headers of a signed ingest request for `body`. */
export function signedIngestHeaders(kioskId: string, secret: string, body: string, nowMs: number): Record<string, string> {
  const nonce = randomBytes(16).toString('hex');
  return {
    'content-type': 'application/json',
    [IngestHeaders.kiosk]: kioskId,
    [IngestHeaders.timestamp]: String(nowMs),
    [IngestHeaders.nonce]: nonce,
    [IngestHeaders.signature]: ingestSignature(secret, nowMs, nonce, body),
  };
}

/** The headers of a signed upload (a screenshot) of `body` to `path`: the same signature as ingest, over that path. */
export function signedUploadHeaders(kioskId: string, secret: string, path: string, body: Buffer, nowMs: number, contentType: string): Record<string, string> {
  const nonce = randomBytes(16).toString('hex');
  return {
    'content-type': contentType,
    [IngestHeaders.kiosk]: kioskId,
    [IngestHeaders.timestamp]: String(nowMs),
    [IngestHeaders.nonce]: nonce,
    [IngestHeaders.signature]: ingestSignature(secret, nowMs, nonce, body, path),
  };
}
