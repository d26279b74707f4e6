import { createServer, type Socket } from 'node:net';
import type { ByteLink, LinkHealth } from '../drivers/transport/link.ts';
import { DeviceFault, FaultCode } from '../contracts/faults.ts';
import { LinkListeners } from '../drivers/transport/listeners.ts';

/**
 * A TCP listening port for a simulated device: every accepted connection becomes one
 * ByteLink handed to `onLink` (attach a simulator to it). The kiosk reaches the device
 * with a TcpLink to `host:port`.
 */
export interface TcpEndpoint {
  /** the port actually bound (useful with port 0) */
  port: number;
  host: string;
  /** stop listening and drop every connection (their links go 'closed') */
  close(): Promise<void>;
}

export async function listenTcp(opts: { host?: string; port?: number }, onLink: (link: ByteLink) => void): Promise<TcpEndpoint> {
  const host = opts.host ?? '127.0.0.1';
  const links = new Set<AcceptedTcpLink>();
  const server = createServer({ noDelay: true }, (socket) => {
    const link = new AcceptedTcpLink(socket);
    links.add(link);
    link.onHealth((h) => {
      if (h.state !== 'up') links.delete(link);
    });
    try {
      onLink(link);
    } catch {
      void link.close();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(new Error(`cannot listen on ${host}:${opts.port ?? 0}: ${e.message}${e.code === 'EADDRINUSE' ? ' (port in use: pick another or use 0)' : ''}`)),
    );
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : (opts.port ?? 0);
  return {
    port,
    host,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([...links].map((l) => l.close()));
      await closed;
    },
  };
}

/** The device side of one accepted TCP connection. It does not reconnect: the next connection is a new link. */
export class AcceptedTcpLink implements ByteLink {
  readonly name: string;
  private _health: LinkHealth;
  private readonly dataListeners = new LinkListeners<Uint8Array>();
  private readonly healthListeners = new LinkListeners<LinkHealth>();

  constructor(private readonly socket: Socket) {
    this.name = `tcp-peer:${socket.remoteAddress}:${socket.remotePort}`;
    this._health = { state: 'up', since: Date.now(), reopenAttempts: 0 };
    socket.on('data', (chunk: Buffer) => {
      const bytes = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      this.dataListeners.emit(bytes);
    });
    socket.on('error', (e) => this.setState('down', `${this.name}: ${e.message}`));
    socket.on('end', () => socket.destroy());
    socket.on('close', () => {
      if (this._health.state === 'up') this.setState('down', `${this.name} closed the connection`);
    });
  }

  get health(): LinkHealth {
    return this._health;
  }

  async open(): Promise<void> {
    if (this._health.state !== 'up') throw new DeviceFault(FaultCode.DEVICE_LINK_DOWN, `${this.name} is ${this._health.state}`, { link: this.name });
  }

  write(bytes: Uint8Array): Promise<void> {
    if (this._health.state !== 'up' || this.socket.destroyed) {
      return Promise.reject(new DeviceFault(FaultCode.DEVICE_LINK_DOWN, `${this.name} is ${this._health.state}; cannot write ${bytes.length} bytes`, { link: this.name }));
    }
    return new Promise((resolve, reject) =>
      this.socket.write(Uint8Array.from(bytes), (err) =>
        err ? reject(new DeviceFault(FaultCode.DEVICE_LINK_DOWN, `${this.name}: write failed: ${err.message}`, { link: this.name })) : resolve(),
      ),
    );
  }

  async close(): Promise<void> {
    if (this._health.state === 'closed') return;
    this.setState('closed');
    if (this.socket.destroyed) return;
    await new Promise<void>((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.destroy();
    });
  }

  onData(listener: (chunk: Uint8Array) => void): () => void {
    return this.dataListeners.add(listener);
  }

  onHealth(listener: (health: LinkHealth) => void): () => void {
    return this.healthListeners.add(listener);
  }

  private setState(state: LinkHealth['state'], lastError?: string): void {
    if (this._health.state === state) return;
    this._health = { state, since: Date.now(), reopenAttempts: 0, ...(lastError ? { lastError } : {}) };
    this.healthListeners.emit(this._health);
  }
}
