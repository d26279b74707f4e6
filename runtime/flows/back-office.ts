/**
 * The three back-office clients the flows and recovery use, built from the kiosk config (or given
 * directly: tests and the soak hand in clients pointed at the simulators).
 */
import { readFileSync } from 'node:fs';
import type { KioskConfig } from '../../kiosk-config/schema.ts';
import type { His } from '../../backends/his/types.ts';
import type { PaymentGateway } from '../../backends/payment/types.ts';
import type { ProvidentFundCentre } from '../../backends/provident-fund/types.ts';
import { HttpHis } from '../../backends/his/http.ts';
import { HttpPaymentGateway } from '../../backends/payment/http.ts';
import { HttpProvidentFundCentre } from '../../backends/provident-fund/http.ts';

export interface BackOfficeClients {
  providentFund?: ProvidentFundCentre;
  his?: His;
  payment?: PaymentGateway;
}

/**
 * The secret behind a config `credentialsRef`: `env:NAME` (an environment variable) or
 * `file:/absolute/path` (the file's text, trimmed). Throws saying which reference is missing.
 */
export function resolveCredential(ref: string, where: string, env: NodeJS.ProcessEnv = process.env): string {
  if (ref.startsWith('env:')) {
    const name = ref.slice(4);
    const v = env[name];
    if (!v) throw new Error(`${where}: environment variable ${name} (from "${ref}") is not set; set it in the agent's environment`);
    return v;
  }
  if (ref.startsWith('file:')) {
    const path = ref.slice(5);
    try {
      const v = readFileSync(path, 'utf8').trim();
      if (!v) throw new Error('the file is empty');
      return v;
    } catch (e) {
      throw new Error(`${where}: cannot read the secret file ${path} (from "${ref}"): ${(e as Error).message}`, { cause: e });
    }
  }
  throw new Error(`${where}: "${ref}" is not a credentials reference (env:NAME or file:/path)`);
}

/** Clients for every back office the config names, with their timeouts and credentials. */
export function backOfficeFromConfig(config: KioskConfig, opts: { notifyUrl?: string; env?: NodeJS.ProcessEnv } = {}): BackOfficeClients {
  const b = config.backends;
  const env = opts.env ?? process.env;
  const clients: BackOfficeClients = {};
  if (b.providentFund) {
    const pf = b.providentFund;
    clients.providentFund = new HttpProvidentFundCentre({
      url: pf.url,
      timeoutMs: pf.timeoutMs,
      ...(pf.credentialsRef ? { credential: resolveCredential(pf.credentialsRef, 'backends.providentFund.credentialsRef', env) } : {}),
    });
  }
  if (b.his) {
    const his = b.his;
    clients.his = new HttpHis({ url: his.url, timeoutMs: his.timeoutMs, ...(his.credentialsRef ? { credential: resolveCredential(his.credentialsRef, 'backends.his.credentialsRef', env) } : {}) });
  }
  if (b.payment) {
    const p = b.payment;
    clients.payment = new HttpPaymentGateway({
      url: p.url,
      timeoutMs: p.timeoutMs,
      merchantId: p.merchantId,
      credential: resolveCredential(p.credentialsRef, 'backends.payment.credentialsRef', env),
      ...(opts.notifyUrl ? { notifyUrl: opts.notifyUrl } : {}),
    });
  }
  return clients;
}

/** Clients for the loopback simulators (backends/simulators.ts `startBackOffice` urls). */
export function backOfficeForSimulators(
  urls: { providentFund?: string; his?: string; payment?: string },
  opts: { merchantId: string; timeoutMs?: number; notifyUrl?: string },
): BackOfficeClients {
  const timeoutMs = opts.timeoutMs ?? 2_000;
  return {
    ...(urls.providentFund ? { providentFund: new HttpProvidentFundCentre({ url: urls.providentFund, timeoutMs }) } : {}),
    ...(urls.his ? { his: new HttpHis({ url: urls.his, timeoutMs }) } : {}),
    ...(urls.payment
      ? { payment: new HttpPaymentGateway({ url: urls.payment, timeoutMs, merchantId: opts.merchantId, credential: 'zizhu-sim', ...(opts.notifyUrl ? { notifyUrl: opts.notifyUrl } : {}) }) }
      : {}),
  };
}
