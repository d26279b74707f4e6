import type { ByteLink, LinkHealth, LinkState } from './link.ts';
import { concatBytes } from './bytes.ts';

/** Test support: resolves when `link` reports `state` (immediately if it already is). */
export function untilState(link: ByteLink, state: LinkState, timeoutMs = 10_000): Promise<LinkHealth> {
  if (link.health.state === state) return Promise.resolve(link.health);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`${link.name} did not become ${state} within ${timeoutMs} ms (now ${JSON.stringify(link.health)})`));
    }, timeoutMs);
    const off = link.onHealth((h) => {
      if (h.state !== state) return;
      clearTimeout(timer);
      off();
      resolve(h);
    });
  });
}

/** Test support: collects every byte a link receives; `until(n)` resolves once n bytes have arrived. */
export function collectBytes(link: ByteLink): { bytes(): Uint8Array; until(n: number, timeoutMs?: number): Promise<Uint8Array>; stop(): void } {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const waiters: { n: number; resolve: (b: Uint8Array) => void }[] = [];
  const bytes = () => concatBytes(chunks);
  const stop = link.onData((c) => {
    chunks.push(Uint8Array.from(c));
    total += c.length;
    for (const w of [...waiters]) {
      if (total >= w.n) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(bytes());
      }
    }
  });
  return {
    bytes,
    stop,
    until: (n, timeoutMs = 10_000) =>
      total >= n
        ? Promise.resolve(bytes())
        : new Promise((resolve, reject) => {
            const w = { n, resolve: (b: Uint8Array) => (clearTimeout(timer), resolve(b)) };
            const timer = setTimeout(() => {
              waiters.splice(waiters.indexOf(w), 1);
              reject(new Error(`${link.name}: got ${total} of ${n} bytes within ${timeoutMs} ms`));
            }, timeoutMs);
            waiters.push(w);
          }),
  };
}
