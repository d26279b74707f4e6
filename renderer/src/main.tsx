import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { BridgeClient, bridgeUrl } from './bridge.ts';
import './styles.css';

const client = new BridgeClient(bridgeUrl(window.location));
client.start();
createRoot(document.getElementById('root')!).render(<App client={client} />);
