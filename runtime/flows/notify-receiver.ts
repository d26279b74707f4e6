/**
 * Where the payment gateway POSTs its asynchronous notifications (WeChat-Pay-v3-like: repeated
 * until answered 2xx, the same id possibly more than once). A notification is never trusted on
 * its own: it only makes the session waiting for that order query the gateway now. Duplicates
 * are therefore harmless; they are answered 200 like the first.
 */
import { createServer, type Server } from 'node:http';
import { parsePaymentNotification } from '../../backends/payment/http.ts';
import type { PaymentNotification } from '../../backends/payment/types.ts';
import type { FlowLog } from './log.ts';

export interface NotifyReceiver {
  url: string;
  port: number;
  /** notifications received (duplicates included) */
  readonly received: number;
  close(): Promise<void>;
}

export async function startNotifyReceiver(opts: { port?: number; host?: string; path?: string; onNotification: (n: PaymentNotification) => void; log?: FlowLog }): Promise<NotifyReceiver> {
  const path = opts.path ?? '/pay/notify';
  let received = 0;
  const server: Server = createServer((req, res) => {
    if (req.method !== 'POST' || req.url !== path) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 'NOT_FOUND', message: `POST ${path} only` }));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= 64 * 1024) chunks.push(c);
    });
    req.on('end', () => {
      let n: PaymentNotification;
      try {
        n = parsePaymentNotification(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch (e) {
        opts.log?.warn(`payment notification refused: ${(e as Error).message}`);
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 'FAIL', message: 'not a payment notification' }));
        return;
      }
      received++;
      try {
        opts.onNotification(n);
      } catch (e) {
        opts.log?.warn(`payment notification ${n.id} for ${n.outTradeNo} could not be handed to its session: ${(e as Error).message}`);
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 'SUCCESS' }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    port,
    get received() {
      return received;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
