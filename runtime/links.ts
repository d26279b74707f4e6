import type { Transport } from '../kiosk-config/schema.ts';
import type { ByteLink } from '../drivers/transport/link.ts';
import { SerialLink } from '../drivers/transport/serial.ts';
import { TcpLink } from '../drivers/transport/tcp.ts';
import { HidLink, type HidDeviceObject, type HidTarget } from '../drivers/transport/hid.ts';

export interface LinkFactoryOptions {
  /** Reject the first open at once instead of retrying (the doctor wants an answer, the agent wants to wait). */
  failFast?: boolean;
  /** Where a HID device object comes from; node-hid unless a test or the simulator supplies one. */
  openHidDevice?: (target: HidTarget) => Promise<HidDeviceObject>;
}

/** The one place a configured transport becomes a ByteLink. */
export function linkForTransport(t: Transport, opts: LinkFactoryOptions = {}): ByteLink {
  const common = { ...(t.reopen ? { reopen: t.reopen } : {}), ...(opts.failFast ? { failFast: true } : {}) };
  switch (t.type) {
    case 'serial':
      return new SerialLink({ path: t.path, baudRate: t.baudRate, ...common });
    case 'tcp':
      return new TcpLink({ host: t.host, port: t.port, ...common });
    case 'hid':
      return new HidLink({
        vendorId: t.vendorId,
        productId: t.productId,
        ...common,
        ...(opts.openHidDevice ? { openDevice: opts.openHidDevice } : {}),
      });
  }
}
