import { HisSimulator, type HisSimOptions } from './his/simulator.ts';
import { PaymentSimulator, SIM_MERCHANT_ID, type PaymentSimOptions } from './payment/simulator.ts';
import { ProvidentFundSimulator, type ProvidentFundSimOptions } from './provident-fund/simulator.ts';

export { HisSimulator, PaymentSimulator, ProvidentFundSimulator, SIM_MERCHANT_ID };
/** the phone codes of the sample people: 医保电子凭证 (HIS) and 电子社保卡 (provident-fund centre) */
export { insuranceVoucherFor, socialSecurityCodeFor, SIM_PERSONS } from './sim-persons.ts';

export interface BackOfficeOptions {
  /** where the payment simulator POSTs notifications (the agent's notify receiver) */
  notifyUrl?: string;
  host?: string;
  /** seeds every simulator's fault probabilities */
  seed?: number;
  now?: () => number;
  providentFund?: ProvidentFundSimOptions;
  his?: HisSimOptions;
  payment?: PaymentSimOptions;
}

export interface BackOffice {
  providentFund: ProvidentFundSimulator;
  his: HisSimulator;
  payment: PaymentSimulator;
  urls: { providentFund: string; his: string; payment: string };
  /** the merchant id the payment simulator accepts (any non-empty bearer token unless options.payment.credential is set) */
  merchantId: string;
  close(): Promise<void>;
}

/**
 * The three back-office simulators on loopback, each on its own free port. If one fails to
 * start, those already started are closed again.
 */
export async function startBackOffice(opts: BackOfficeOptions = {}): Promise<BackOffice> {
  const common = { ...(opts.seed !== undefined ? { seed: opts.seed } : {}), ...(opts.now ? { now: opts.now } : {}) };
  const providentFund = new ProvidentFundSimulator({ ...common, ...opts.providentFund });
  const his = new HisSimulator({ ...common, ...opts.his });
  const payment = new PaymentSimulator({ ...common, ...(opts.notifyUrl ? { notifyUrl: opts.notifyUrl } : {}), ...opts.payment });
  const started: { close(): Promise<void> }[] = [];
  const at = opts.host ? { host: opts.host } : {};
  try {
    const pf = await providentFund.start(at);
    started.push(providentFund);
    const h = await his.start(at);
    started.push(his);
    const p = await payment.start(at);
    started.push(payment);
    return {
      providentFund,
      his,
      payment,
      urls: { providentFund: pf.url, his: h.url, payment: p.url },
      merchantId: opts.payment?.merchantId ?? SIM_MERCHANT_ID,
      close: async () => {
        await Promise.all([providentFund.close(), his.close(), payment.close()]);
      },
    };
  } catch (e) {
    await Promise.allSettled(started.map((s) => s.close()));
    throw e;
  }
}
