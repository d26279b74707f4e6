/** Small coloured labels: kiosk state, alarm severity, alarm status, health dot, command status. */
import type { AlarmStatus, KioskState } from '../../../../contracts/hq-api.ts';
import type { AlarmSeverity } from '../../../../contracts/faults.ts';
import type { Health } from '../format/health.ts';
import { useI18n } from '../i18n/I18n.tsx';

export function StateBadge({ state }: { state: KioskState }) {
  const { t } = useI18n();
  return <span className={`badge state-${state}`}>{t(`state.${state}`)}</span>;
}

export function SeverityBadge({ severity }: { severity: AlarmSeverity }) {
  const { t } = useI18n();
  return <span className={`badge sev-${severity}`}>{t(`severity.${severity}`)}</span>;
}

export function AlarmStatusBadge({ status }: { status: AlarmStatus }) {
  const { t } = useI18n();
  return <span className={`status status-${status}`}>{t(`alarmStatus.${status}`)}</span>;
}

export function HealthDot({ health }: { health: Health }) {
  const { t } = useI18n();
  return <span className={`dot dot-${health}`} role="img" aria-label={t(`health.${health}`)} title={t(`health.${health}`)} />;
}

export type CommandStatus = 'queued' | 'delivered' | 'succeeded' | 'failed' | 'expired';

export function CommandStatusBadge({ status }: { status: CommandStatus }) {
  const { t } = useI18n();
  return <span className={`badge cmd-${status}`}>{t(`command.${status}`)}</span>;
}
