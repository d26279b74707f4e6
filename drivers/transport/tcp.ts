import { connect as netConnect, type Socket } from 'node:net';
import { ReconnectingLink, type Connection, type ConnectionEvents, type LinkOptions } from './reconnecting.ts';

export interface TcpLinkOptions extends LinkOptions {
  host: string;
  port: number;
  /** give up one connect attempt after this long (default 5 s) */
  connectTimeoutMs?: number;
  /** TCP keepalive probe delay so a silently dead peer (cable cut) is noticed (default 5 s; 0 = off) */
  keepAliveMs?: number;
}

/**
 * A TCP connection as a ByteLink (network printers on :9100, serial-over-IP servers,
 * the simulator). EOF, reset, refused or timeout → down → reconnect with backoff.
 */
export class TcpLink extends ReconnectingLink {
  readonly name: string;

  constructor(private readonly opts: TcpLinkOptions) {
    super(opts);
    this.name = `tcp:${opts.host}:${opts.port}`;
  }

  protected hint(error: unknown): string {
    const code = (error as { code?: string } | null)?.code ?? '';
    const where = `${this.opts.host}:${this.opts.port}`;
    if (code === 'ECONNREFUSED') return `nothing listens on ${where}: check the device is powered and its port number`;
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `cannot resolve ${this.opts.host}: check the host name in the kiosk config`;
    if (code === 'ETIMEDOUT' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return `${where} unreachable: check the network cable, IP address and firewall`;
    return `check the device at ${where} and the network between`;
  }

  protected connect(events: ConnectionEvents): Promise<Connection> {
    const where = `${this.opts.host}:${this.opts.port}`;
    return new Promise<Connection>((resolve, reject) => {
      const socket: Socket = netConnect({ host: this.opts.host, port: this.opts.port, noDelay: true });
      let up = false;
      let closing = false;
      const timeout = setTimeout(() => {
        socket.destroy();
        reject(Object.assign(new Error(`connect to ${where} timed out after ${this.opts.connectTimeoutMs ?? 5000} ms`), { code: 'ETIMEDOUT' }));
      }, this.opts.connectTimeoutMs ?? 5000);
      socket.once('connect', () => {
        clearTimeout(timeout);
        up = true;
        const ka = this.opts.keepAliveMs ?? 5000;
        if (ka > 0) socket.setKeepAlive(true, ka);
        resolve({
          write: (bytes) =>
            new Promise<void>((res, rej) => {
              if (socket.destroyed || !socket.writable) return rej(new Error(`${where}: socket is closed`));
              // the callback fires once the data is handed to the kernel (flushed from our buffer)
              socket.write(Uint8Array.from(bytes), (err) => (err ? rej(err) : res()));
            }),
          close: () =>
            new Promise<void>((res) => {
              closing = true;
              if (socket.destroyed) return res();
              socket.once('close', () => res());
              socket.destroy();
            }),
        });
      });
      socket.on('data', (chunk: Buffer) => events.data(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)));
      socket.on('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timeout);
        if (!up) reject(Object.assign(new Error(`${where}: ${err.message}`), { code: err.code }));
        else if (!closing) events.lost(new Error(`${where}: ${err.message}`));
      });
      socket.on('end', () => {
        // the peer closed its side: a device that hangs up is gone
        if (up && !closing) events.lost(new Error(`${where} closed the connection (EOF)`));
        socket.destroy();
      });
      socket.on('close', () => {
        clearTimeout(timeout);
        if (!up) reject(Object.assign(new Error(`${where}: connection closed before it was established`), { code: 'ECONNRESET' }));
        else if (!closing) events.lost(new Error(`${where}: connection closed`));
      });
    });
  }
}
