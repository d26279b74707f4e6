/**
 * Polls `probe` (awaited when it is async) until it gives a value (anything but undefined, null or false) and returns it; after
 * `timeoutMs` it throws, naming `what` it waited for. The integration tests' one way to wait for
 * something a real process, port or browser does by itself.
 */
export async function until<T>(what: string, probe: () => T | undefined | null | false | Promise<T | undefined | null | false>, timeoutMs = 20_000, everyMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== null && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
