/** The kiosk screen: draws the agent's last screen message, sends the person's events back. */
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import type { ScreenMessage, UiEvent } from '../../contracts/bridge.ts';
import type { BridgeClient } from './bridge.ts';
import { chooseScreen, flowScreenName, STAFF_ENTRY_SCREENS, type ScreenName } from './choose.ts';
import { FlowScreen } from './screens/flow.tsx';
import { ConnectingScreen, EndedScreen, HomeScreen, LockedScreen, MaintenanceScreen, OutOfHoursScreen, OutOfServiceScreen, PinScreen, StartingScreen } from './screens/system.tsx';
import { KioskContext, makeTranslator, useKiosk, type KioskUi } from './ui.tsx';
import { ScreenMarker, useRendererHeartbeat } from './screen-proof.tsx';

/** the PIN overlay closes by itself when left alone this long */
const PIN_IDLE_MS = 60_000;
const TOAST_MS = 4000;

function Toasts({ rejected, msg }: { rejected: { key: number; words: { zh: string; en: string } } | null; msg: ScreenMessage }) {
  const { w, agentNow } = useKiosk();
  const [hiddenKey, setHiddenKey] = useState<number | null>(null);
  useEffect(() => {
    if (!rejected) return;
    const h = setTimeout(() => setHiddenKey(rejected.key), TOAST_MS);
    return () => clearTimeout(h);
  }, [rejected]);
  const notice = msg.notice && !msg.notice.code.startsWith('PIN_') && msg.notice.until > agentNow() ? msg.notice : null;
  const showRejected = rejected !== null && rejected.key !== hiddenKey;
  if (!showRejected && !notice) return null;
  return (
    <div className="toasts">
      {notice ? (
        <div className={`toast toast-${notice.kind}`} role={notice.kind === 'error' ? 'alert' : 'status'}>
          {w(notice.words)}
        </div>
      ) : null}
      {showRejected ? (
        <div className="toast toast-error" role="alert" data-testid="rejected-toast">
          {w(rejected.words)}
        </div>
      ) : null}
    </div>
  );
}

function Screen({ name }: { name: ScreenName }) {
  switch (name) {
    case 'starting':
      return <StartingScreen />;
    case 'maintenance':
      return <MaintenanceScreen />;
    case 'pin':
      return <PinScreen />;
    case 'locked':
      return <LockedScreen />;
    case 'ended':
      return <EndedScreen />;
    case 'out-of-hours':
      return <OutOfHoursScreen />;
    case 'out-of-service':
      return <OutOfServiceScreen />;
    case 'home':
      return <HomeScreen />;
    default:
      return <FlowScreen name={name} />;
  }
}

export function App({ client }: { client: BridgeClient }) {
  const state = useSyncExternalStore(client.subscribe, client.getState);
  const msg = state.screen;
  useRendererHeartbeat(client);
  const [pinOpen, setPinOpen] = useState(false);
  const offset = state.offset;
  const agentNow = useCallback(() => Date.now() + offset, [offset]);
  const name = chooseScreen(msg, state.showConnecting, { pinOpen });
  const locale = msg?.prefs.locale ?? 'zh-CN';
  const elderly = msg !== null && (msg.prefs.elderly || (msg.session?.elderly ?? false));

  // the agent answered a STAFF_PIN (rejected / locked): keep the PIN screen up to show it
  const pinNotice = msg?.notice && msg.notice.code.startsWith('PIN_') ? msg.notice.until : null;
  useLayoutEffect(() => {
    if (pinNotice !== null && pinNotice > agentNow()) setPinOpen(true);
  }, [pinNotice, agentNow]);

  // a session or maintenance replaces the PIN overlay; left alone, it closes
  const pinGone = pinOpen && msg !== null && (msg.kiosk.status === 'maintenance' || flowScreenName(msg) !== null);
  useEffect(() => {
    if (pinGone) setPinOpen(false);
  }, [pinGone]);
  useEffect(() => {
    if (!pinOpen) return;
    const h = setTimeout(() => setPinOpen(false), PIN_IDLE_MS);
    return () => clearTimeout(h);
  }, [pinOpen, msg]);

  // painted: after this screen is on the glass (next animation frame)
  const nameRef = useRef(name);
  nameRef.current = name;
  useEffect(() => {
    if (!msg) return;
    const h = requestAnimationFrame(() => client.painted(msg.seq, nameRef.current));
    return () => cancelAnimationFrame(h);
  }, [msg, client]);

  useEffect(() => {
    document.documentElement.lang = locale;
    document.documentElement.dataset.elderly = elderly ? 'true' : 'false';
    document.title = locale === 'en' ? 'Self-service' : '自助服务';
  }, [locale, elderly]);

  const send = useCallback((event: UiEvent) => void client.send(event), [client]);
  const ui = useMemo<KioskUi | null>(() => {
    if (!msg) return null;
    const { t, w } = makeTranslator(locale);
    return {
      msg,
      locale,
      elderly,
      t,
      w,
      send,
      agentNow,
      openPin: () => {
        if (STAFF_ENTRY_SCREENS.includes(chooseScreen(msg, false, { pinOpen: false }))) setPinOpen(true);
      },
      closePin: () => setPinOpen(false),
    };
  }, [msg, locale, elderly, send, agentNow]);

  if (name === 'connecting' || !ui || !msg) {
    return (
      <div className="app" data-elderly="false">
        <ConnectingScreen locale={locale} />
      </div>
    );
  }
  return (
    <KioskContext.Provider value={ui}>
      <div className={`app${elderly ? ' elderly' : ''}`} data-elderly={elderly ? 'true' : 'false'}>
        <Screen key={name === 'pin' ? 'pin' : name} name={name} />
        <Toasts rejected={state.rejected} msg={msg} />
      </div>
      {/* issue 11: this screen's seq in the corner, in the same frame as the screen */}
      <ScreenMarker bootId={client.markerId} seq={msg.seq} />
    </KioskContext.Provider>
  );
}
