/**
 * The provident-fund statement machine's actors (state-machines/provident-fund.machine.ts).
 * `fetchStatement` is a read at the centre: repeating it (a restored flow) changes nothing there.
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
    // No e-social-security-card service is wired yet (its QR content is not public): the person is
    // asked to use the ID card instead (the machine shows "code not recognised").
    identifyBySocialSecurityCode: fromPromise<{ idNumber: string; name: string }, { code: string }>(async () => {
      throw new BackendError('providentFund', 'rejected', 'not-done', 'CODE_NOT_SUPPORTED', 'e-social-security-card codes cannot be resolved on this kiosk yet; please use the ID card');
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
    detail: r.detail,
    at: Date.now(),
  });
}
