/**
 * A kiosk's `self-test.result` (issue 10) at HQ: the latest one is kept on the kiosk's row (shown on
 * its page: ready / not ready with the failed checks), and SELF_TEST_FAILED is raised while it is not
 * ready — "HQ knows before the first citizen does" — and cleared by the next ready one. A result older
 * than the one kept (by the kiosk's clock: a backlog arriving late) changes nothing.
 */
import { FAULT_SEVERITY, FaultCode } from '../../../contracts/faults.ts';
import type { SelfTestView } from '../../../contracts/hq-api.ts';
import type { HqEventPayload } from '../../../contracts/hq.ts';
import { clearAlarmFromKiosk, raiseAlarm } from '../alarms/store.ts';
import type { HqDb } from '../db/open.ts';
import type { KiosksTable } from '../db/tables.ts';
import { iso } from '../ids.ts';

type Result = HqEventPayload<'self-test.result'>;

/** What failed, in one line for the alarm. */
export function selfTestFailure(r: Result): string {
  const failed = r.checks.filter((c) => !c.ok);
  const what = failed.map((c) => `${c.name}: ${c.detail}`).join('; ');
  return `self-test (${r.trigger}) not ready${what ? `: ${what}` : ''}`.slice(0, 500);
}

/** Inside the ingest transaction. */
export async function applySelfTestResult(trx: HqDb, e: { kioskId: string; at: string; payload: Result; receivedAt: number; flapWindowMs: number }): Promise<void> {
  const atMs = Date.parse(e.at);
  const k = await trx.selectFrom('kiosks').select('self_test_at').where('id', '=', e.kioskId).executeTakeFirst();
  if (k?.self_test_at && Date.parse(k.self_test_at) > atMs) return;
  await trx
    .updateTable('kiosks')
    .set({ self_test_ready: e.payload.ready ? 1 : 0, self_test_trigger: e.payload.trigger, self_test_checks: JSON.stringify(e.payload.checks), self_test_at: e.at, self_test_received_at: e.receivedAt })
    .where('id', '=', e.kioskId)
    .execute();
  if (e.payload.ready) await clearAlarmFromKiosk(trx, { kioskId: e.kioskId, code: FaultCode.SELF_TEST_FAILED, at: e.at, atMs, receivedAt: e.receivedAt });
  else
    await raiseAlarm(trx, {
      kioskId: e.kioskId,
      code: FaultCode.SELF_TEST_FAILED,
      severity: FAULT_SEVERITY.SELF_TEST_FAILED,
      device: 'kiosk',
      detail: selfTestFailure(e.payload),
      at: e.at,
      atMs,
      receivedAt: e.receivedAt,
      flapWindowMs: e.flapWindowMs,
    });
}

/** The kiosk page's view of the latest self-test (null: none reported). */
export function selfTestView(k: Pick<KiosksTable, 'self_test_ready' | 'self_test_trigger' | 'self_test_checks' | 'self_test_at' | 'self_test_received_at'>): SelfTestView | null {
  if (k.self_test_ready === null || k.self_test_at === null) return null;
  let checks: SelfTestView['checks'] = [];
  try {
    checks = JSON.parse(k.self_test_checks ?? '[]') as SelfTestView['checks'];
  } catch {
    // a damaged row shows no checks; ready still says what HQ knows
  }
  return { trigger: k.self_test_trigger ?? '', ready: k.self_test_ready === 1, checks, at: k.self_test_at, receivedAt: iso(k.self_test_received_at ?? 0) };
}
