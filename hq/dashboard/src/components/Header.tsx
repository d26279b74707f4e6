/** The dark bar on every signed-in page: where you are, who you are, language, sign out. */
import type { PageName } from '../routing/hash.ts';
import { href } from '../routing/hash.ts';
import { useI18n } from '../i18n/I18n.tsx';
import { useSession } from '../session/Session.tsx';

const NAV: { page: PageName; key: 'nav.fleet' | 'nav.alarms' | 'nav.audit' | 'nav.availability' | 'nav.firstTime' | 'nav.channels' | 'nav.silences' }[] = [
  { page: 'fleet', key: 'nav.fleet' },
  { page: 'alarms', key: 'nav.alarms' },
  { page: 'availability', key: 'nav.availability' },
  { page: 'first-time', key: 'nav.firstTime' },
  { page: 'channels', key: 'nav.channels' },
  { page: 'silences', key: 'nav.silences' },
  { page: 'audit', key: 'nav.audit' },
];

export function Header({ page }: { page: PageName }) {
  const { t, locale, setLocale } = useI18n();
  const { user, logout } = useSession();
  const current = page === 'kiosk' ? 'fleet' : page === 'kiosk-day' ? 'availability' : page;
  return (
    <header className="header">
      <a className="brand" href={href('fleet')}>
        <span className="brand-mark" aria-hidden="true">
          自
        </span>
        <span className="brand-name">{t('app.title')}</span>
      </a>
      <nav className="nav">
        {NAV.map((n) => (
          <a key={n.page} href={href(n.page)} data-nav={n.page} className={current === n.page ? 'active' : undefined} aria-current={current === n.page ? 'page' : undefined}>
            {t(n.key)}
          </a>
        ))}
      </nav>
      <div className="header-right">
        <span className="user" data-user-role={user.role}>
          <span className="user-name">{user.name}</span>
          <span className="role">{t(`role.${user.role}`)}</span>
        </span>
        <button type="button" className="header-button" data-action="language" lang={locale === 'en' ? 'zh-CN' : 'en'} onClick={() => setLocale(locale === 'en' ? 'zh-CN' : 'en')}>
          {t('header.language')}
        </button>
        <button type="button" className="header-button" data-action="logout" onClick={logout}>
          {t('header.logout')}
        </button>
      </div>
    </header>
  );
}
