import { createRoot } from 'react-dom/client';

createRoot(document.getElementById('root')!).render(<main data-screen="connecting">正在连接…</main>);
