/**
 * The console: signed out → the login page; signed in → header + the page the hash names. The
 * session is the server's (cookie); the console keeps only the CSRF token it was given and the role
 * to grey out what a viewer may not do. Any 401 lands back on the login page.
 */
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { LoginResponse } from '../../../contracts/hq-api.ts';
import { logout as apiLogout, me } from './api/endpoints.ts';
import { ApiError, onUnauthorized, setCsrfToken } from './api/http.ts';
import { Header } from './components/Header.tsx';
import { useI18n } from './i18n/I18n.tsx';
import { AlarmsPage } from './pages/AlarmsPage.tsx';
import { AuditPage } from './pages/AuditPage.tsx';
import { AvailabilityPage } from './pages/AvailabilityPage.tsx';
import { ChannelsPage } from './pages/ChannelsPage.tsx';
import { FirstTimePage } from './pages/FirstTimePage.tsx';
import { FleetPage } from './pages/FleetPage.tsx';
import { KioskDayPage } from './pages/KioskDayPage.tsx';
import { KioskPage } from './pages/KioskPage.tsx';
import { LoginPage } from './pages/LoginPage.tsx';
import { SilencesPage } from './pages/SilencesPage.tsx';
import { parseHash, useHash } from './routing/hash.ts';
import { SessionContext, type Session } from './session/Session.tsx';

type Auth = { status: 'checking' } | { status: 'out'; problem: string | null } | { status: 'in'; user: LoginResponse['user'] };

export function App() {
  const { t } = useI18n();
  const [auth, setAuth] = useState<Auth>({ status: 'checking' });
  const route = parseHash(useHash());

  useEffect(() => {
    document.title = t('app.title');
  }, [t]);

  useEffect(() => {
    onUnauthorized(() => {
      setCsrfToken(null);
      setAuth({ status: 'out', problem: null });
    });
    let cancelled = false;
    me().then(
      (r) => {
        if (cancelled) return;
        setCsrfToken(r.csrfToken);
        setAuth({ status: 'in', user: r.user });
      },
      (e: unknown) => {
        if (cancelled) return;
        const problem = e instanceof ApiError && e.status === 401 ? null : e instanceof Error ? e.message : String(e);
        setAuth({ status: 'out', problem });
      },
    );
    return () => {
      cancelled = true;
    };
  }, []);

  const signedIn = useCallback((r: LoginResponse) => {
    setCsrfToken(r.csrfToken);
    setAuth({ status: 'in', user: r.user });
  }, []);

  const logout = useCallback(() => {
    apiLogout()
      .catch(() => {
        // the session ends here whatever the server said
      })
      .finally(() => {
        setCsrfToken(null);
        setAuth({ status: 'out', problem: null });
      });
  }, []);

  const session = useMemo<Session | null>(() => (auth.status === 'in' ? { user: auth.user, logout } : null), [auth, logout]);

  if (auth.status === 'checking') return <div className="boot" aria-busy="true" />;
  if (auth.status === 'out' || !session) return <LoginPage onSignedIn={signedIn} problem={auth.status === 'out' ? auth.problem : null} />;

  return (
    <SessionContext.Provider value={session}>
      <div className="shell">
        <Header page={route.page} />
        <main className="main">
          {route.page === 'kiosk' && route.kioskId ? (
            <KioskPage key={route.kioskId} kioskId={route.kioskId} />
          ) : route.page === 'alarms' ? (
            <AlarmsPage route={route} />
          ) : route.page === 'audit' ? (
            <AuditPage />
          ) : route.page === 'channels' ? (
            <ChannelsPage />
          ) : route.page === 'silences' ? (
            <SilencesPage />
          ) : route.page === 'kiosk-day' && route.kioskId && route.day ? (
            <KioskDayPage key={`${route.kioskId}/${route.day}`} kioskId={route.kioskId} day={route.day} />
          ) : route.page === 'availability' ? (
            <AvailabilityPage route={route} />
          ) : route.page === 'first-time' ? (
            <FirstTimePage route={route} />
          ) : (
            <FleetPage route={route} />
          )}
        </main>
      </div>
    </SessionContext.Provider>
  );
}
