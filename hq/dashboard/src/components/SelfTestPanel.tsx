/** The kiosk's latest self-test (issue 10): ready / not ready, when and why it ran, each check. */
import type { SelfTestView } from '../../../../contracts/hq-api.ts';
import { fullTime, shortTime } from '../format/time.ts';
import { useI18n } from '../i18n/I18n.tsx';
import type { MessageKey } from '../i18n/zh.ts';
import '../remote-hands.css';

export function SelfTestPanel({ selfTest }: { selfTest: SelfTestView | null | undefined }) {
  const { t } = useI18n();
  if (!selfTest) return <div className="empty small">{t('selfTest.none')}</div>;
  const label = (key: string, fallback: string) => {
    const k = key as MessageKey;
    const text = t(k);
    return text === undefined || text === k ? fallback : text;
  };
  const failed = selfTest.checks.filter((c) => !c.ok);
  return (
    <div className="self-test" data-self-test={selfTest.ready ? 'ready' : 'not-ready'}>
      <div className="self-test-head">
        <span className={`badge ${selfTest.ready ? 'cmd-succeeded' : 'cmd-failed'}`}>{t(selfTest.ready ? 'selfTest.ready' : 'selfTest.notReady')}</span>
        <span className="self-test-when" title={fullTime(selfTest.at)}>
          {t('selfTest.at', { trigger: label(`selfTest.trigger.${selfTest.trigger}`, selfTest.trigger), time: shortTime(selfTest.at) })}
        </span>
      </div>
      <ul className="self-test-checks">
        {[...failed, ...selfTest.checks.filter((c) => c.ok)].map((c) => (
          <li key={c.name} data-check={c.name} data-ok={c.ok}>
            <span className={`dot ${c.ok ? 'dot-green' : 'dot-red'}`} aria-hidden />
            <span className="self-test-name">{label(`selfTest.check.${c.name}`, c.name)}</span>
            <span className="self-test-detail" title={c.detail}>
              {c.detail}
            </span>
          </li>
        ))}
      </ul>
    </div>
  );
}
