import WebSocket from 'ws';

/**
 * One WebSocket upgrade attempt against the bridge: 'open' when admitted (closed again at once), else
 * the HTTP status the upgrade was refused with. Any other error rejects.
 */
export function upgradeAttempt(url: string, headers: Record<string, string> = {}): Promise<'open' | number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => {
      ws.close();
      resolve('open');
    });
    ws.once('unexpected-response', (_req, res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('error', (e) => {
      if (!/Unexpected server response/.test(e.message)) reject(e);
    });
  });
}
