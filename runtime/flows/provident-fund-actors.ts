/**
 * The provident-fund statement machine's actors (state-machines/provident-fund.machine.ts).
 * `fetchStatement` is a read at the centre: repeating it (a restored flow) changes nothing there;
 * so is `identifyBySocialSecurityCode` (who a scanned 电子社保卡 QR belongs to).
 * Printing is the shared `printReceipt` actor (print-actors.ts).
 */
import { fromPromise } from 'xstate';
import type { ProvidentFundCentre, ProvidentFundStatement, StatementPeriod } from '../../backends/provident-fund/types.ts';
import { BackendError } from '../../backends/errors.ts';
import type { UndeliveredRecord } from '../../state-machines/provident-fund.machine.ts';
import type { Journal } from '../journal/journal.ts';
import type { FlowLog } from './log.ts';

export interface ProvidentFundActorsOptions {
  journal: Journal;
  centre?: ProvidentFundCentre;
  log?: FlowLog;
}

const notConfigured = () =>
  new BackendError('providentFund', 'unavailable', 'not-done', 'NOT_CONFIGURED', 'no provident-fund centre is configured on this kiosk (backends.providentFund)');

export function providentFundImplementations(o: ProvidentFundActorsOptions) {
  const actors = {
    fetchStatement: fromPromise<ProvidentFundStatement, { idNumber: string; period: StatementPeriod }>(async ({ input, signal }) => {
      if (!o.centre) throw notConfigured();
      return o.centre.statement(input, { signal });
    }),
    // The centre resolves a scanned 电子社保卡 code (through the social-security platform; a read).
    // CODE_INVALID / CODE_EXPIRED send the person back to identifying ("code not recognised").
    identifyBySocialSecurityCode: fromPromise<{ idNumber: string; name: string }, { code: string }>(async ({ input, signal }) => {
      if (!o.centre) throw notConfigured();
      return o.centre.personBySocialSecurityCode({ code: input.code }, { signal });
    }),
  };
  const actions = {
    recordUndelivered: (_args: unknown, params: UndeliveredRecord) => {
      try {
        recordUndelivered(o.journal, params);
      } catch (e) {
        o.log?.warn(`session ${params.sessionId}: the undelivered receipt could not be journaled: ${(e as Error).message}`);
      }
    },
  };
  return { actors, actions };
}

/** A receipt that did not come out, for HQ (no personal data: title, fault, job id). */
export function recordUndelivered(journal: Journal, r: UndeliveredRecord): void {
  journal.outbox.enqueue('print.undelivered', {
    sessionId: r.sessionId,
    service: r.service,
    printJobId: r.printJobId,
    title: r.title,
    fault: r.fault,
    detail: r.detail.slice(0, 500),
  });
}
