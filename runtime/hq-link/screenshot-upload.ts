/**
 * A `screenshot` command's picture goes to HQ on its own request — it is too large for an ingest
 * batch: `POST {hq.url}/api/v1/kiosk/screenshots/<commandId>` with the image as the body, signed
 * like ingest over that path (contracts/hq-signing.ts). Tried three times (1 s, 3 s apart) on a
 * network error or 5xx; any other refusal is final and becomes the command's failure.
 */
import { SCREENSHOT_MAX_BYTES, screenshotUploadPath } from '../../contracts/hq.ts';
import { signedUploadHeaders } from '../../contracts/hq-signing.ts';
import type { SafeCapture, ScreenshotUpload } from './remote-hands.ts';

export interface ScreenshotUploadOptions {
  url: string;
  kioskId: string;
  secret: string;
  /** the timestamp to sign with (the kiosk's clock, corrected by a known skew) */
  signAt: () => number;
  fetch: typeof fetch;
  timeoutMs?: number;
  /** pauses before the 2nd and 3rd try (default 1 s, 3 s) */
  retryPausesMs?: readonly number[];
}

const errorOf = async (res: Response) => {
  const text = await res.text().catch(() => '');
  try {
    const e = (JSON.parse(text) as { error?: unknown }).error;
    if (typeof e === 'string') return e;
  } catch {
    // not JSON
  }
  return text.slice(0, 200) || res.statusText;
};

export function screenshotUploader(o: ScreenshotUploadOptions): ScreenshotUpload {
  const pauses = o.retryPausesMs ?? [1_000, 3_000];
  return async (commandId: string, capture: SafeCapture) => {
    if (capture.image.length > SCREENSHOT_MAX_BYTES)
      throw new Error(`the picture is ${(capture.image.length / 1024 / 1024).toFixed(1)} MiB, more than the ${SCREENSHOT_MAX_BYTES / 1024 / 1024} MiB HQ takes`);
    const path = screenshotUploadPath(commandId);
    let last = '';
    for (let attempt = 0; attempt <= pauses.length; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, pauses[attempt - 1]));
      const headers = signedUploadHeaders(o.kioskId, o.secret, path, capture.image, o.signAt(), capture.contentType);
      let res: Response;
      try {
        res = await o.fetch(`${o.url.replace(/\/+$/, '')}${path}`, { method: 'POST', headers, body: new Uint8Array(capture.image), signal: AbortSignal.timeout(o.timeoutMs ?? 30_000) });
      } catch (e) {
        last = `cannot reach HQ: ${(e as Error).message}`;
        continue;
      }
      if (res.ok) return void (await res.body?.cancel());
      last = `HQ refused the upload (${res.status}): ${await errorOf(res)}`;
      if (res.status < 500) break;
    }
    throw new Error(last);
  };
}
