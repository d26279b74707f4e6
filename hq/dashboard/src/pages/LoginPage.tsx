/** Sign in: `POST /api/v1/login`; the server sets the session cookie and answers the CSRF token. */
import { useState, type FormEvent } from 'react';
import type { LoginResponse } from '../../../../contracts/hq-api.ts';
import { login } from '../api/endpoints.ts';
import { ApiError } from '../api/http.ts';
import { useI18n } from '../i18n/I18n.tsx';

export function LoginPage({ onSignedIn, problem }: { onSignedIn: (r: LoginResponse) => void; problem: string | null }) {
  const { t, locale, setLocale } = useI18n();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (busy || !username || !password) return;
    setBusy(true);
    setError(null);
    login(username, password).then(onSignedIn, (err: unknown) => {
      setBusy(false);
      setPassword('');
      if (err instanceof ApiError && err.status === 401) setError(t('login.failed'));
      else if (err instanceof ApiError && err.status === 429) setError(t('login.tooMany'));
      else setError(t('login.error', { msg: err instanceof Error ? err.message : String(err) }));
    });
  };

  const shown = error ?? (problem ? t('login.error', { msg: problem }) : null);
  return (
    <div className="login" data-page="login">
      <form className="login-card" onSubmit={submit} noValidate>
        <div className="login-brand">
          <span className="brand-mark" aria-hidden="true">
            自
          </span>
          <div>
            <div className="login-title">{t('app.title')}</div>
            <div className="login-sub">{t('app.subtitle')}</div>
          </div>
        </div>
        <label className="field">
          <span>{t('login.username')}</span>
          <input name="username" data-field="username" autoComplete="username" autoFocus value={username} onChange={(e) => setUsername(e.target.value)} />
        </label>
        <label className="field">
          <span>{t('login.password')}</span>
          <input name="password" data-field="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} />
        </label>
        <div className="login-error" role="alert" data-login-error={shown ? 'true' : undefined}>
          {shown}
        </div>
        <button type="submit" className="button primary wide" data-action="login" disabled={busy || !username || !password}>
          {busy ? t('login.busy') : t('login.submit')}
        </button>
        <button type="button" className="link-button" data-action="language" onClick={() => setLocale(locale === 'en' ? 'zh-CN' : 'en')}>
          {t('header.language')}
        </button>
      </form>
    </div>
  );
}
