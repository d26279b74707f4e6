/**
 * The simulator's control panel: one page on the control API's root that shows every device's
 * state and injects faults with a tap. Plain HTML + fetch, no build step, so it works before the
 * renderer exists and on a technician's laptop.
 */
interface PanelAction {
  action: string;
  label: string;
  body?: unknown;
}

const ACTIONS: Record<string, PanelAction[]> = {
  idReader: [
    { action: 'card-on', label: '放卡 resident', body: { identity: 'resident' } },
    { action: 'card-on', label: '放卡 长期', body: { identity: 'resident-longterm' } },
    { action: 'card-on', label: '放卡 foreigner', body: { identity: 'foreigner' } },
    { action: 'card-on', label: '放卡 permit', body: { identity: 'permit' } },
    { action: 'card-off', label: '取卡 card off' },
    { action: 'sam-fault', label: 'SAM fault', body: { on: true } },
    { action: 'read-failure', label: 'read failure ×1', body: { count: 1 } },
    { action: 'corrupt-checksum', label: 'corrupt checksum ×1', body: { count: 1 } },
    { action: 'no-reply', label: 'no reply ×3', body: { count: 3 } },
    { action: 'clear-faults', label: 'clear faults' },
    { action: 'noise', label: 'line noise 4 KiB', body: { bytes: 4096, seed: 1 } },
    { action: 'unplug', label: 'unplug' },
    { action: 'replug', label: 'replug' },
  ],
  printer: [
    { action: 'paper-out', label: 'paper out' },
    { action: 'paper-out', label: 'paper out after 30 mm', body: { afterMm: 30 } },
    { action: 'near-end', label: 'near end', body: { on: true } },
    { action: 'load-paper', label: 'load paper' },
    { action: 'cover-open', label: 'cover open' },
    { action: 'cover-close', label: 'cover close' },
    { action: 'cutter-jam', label: 'cutter jam' },
    { action: 'cutter-clear', label: 'cutter clear' },
    { action: 'offline', label: 'offline' },
    { action: 'online', label: 'online' },
    { action: 'prints-nothing', label: 'prints nothing', body: { mode: 'stalled' } },
    { action: 'prints-nothing', label: 'prints nothing: off', body: { mode: 'off' } },
    { action: 'take-ticket', label: 'take ticket' },
    { action: 'reset', label: 'reset all' },
    { action: 'noise', label: 'line noise 64 KiB', body: { bytes: 65536, seed: 1 } },
    { action: 'unplug', label: 'unplug' },
    { action: 'replug', label: 'replug' },
  ],
  scanner: [
    { action: 'scan', label: '微信付款码', body: { text: '134567890123456789' } },
    { action: 'scan', label: '支付宝付款码', body: { text: '284567890123456789' } },
    { action: 'noise', label: 'line noise 1 KiB', body: { bytes: 1024, seed: 1 } },
    { action: 'disconnect', label: 'disconnect' },
    { action: 'reconnect', label: 'reconnect' },
  ],
};

const TITLES: Record<string, string> = { idReader: '身份证阅读器 ID card reader', printer: '凭条打印机 Receipt printer', scanner: '扫码器 QR scanner' };

export function controlPanelHtml(): string {
  const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const sections = Object.entries(ACTIONS)
    .map(
      ([device, actions]) => `
  <section aria-labelledby="h-${device}">
    <h2 id="h-${device}">${esc(TITLES[device] ?? device)}</h2>
    <div class="actions">${actions
      .map((a) => `<button type="button" data-device="${device}" data-action="${esc(a.action)}" data-body="${esc(JSON.stringify(a.body ?? {}))}">${esc(a.label)}</button>`)
      .join('')}</div>
    ${device === 'scanner' ? `<form id="scan-form"><label>code <input id="scan-text" value="HELLO-ZIZHU" aria-label="code to scan"></label><button type="submit">scan</button></form>` : ''}
    <pre id="state-${device}" aria-live="polite">…</pre>
  </section>`,
    )
    .join('');
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>Zizhu hardware simulator</title>
<style>
  body { font: 15px/1.4 system-ui, "Noto Sans CJK SC", sans-serif; margin: 1rem; background: #f6f7f9; color: #111; }
  h1 { font-size: 1.3rem; } h2 { font-size: 1.05rem; margin: .2rem 0 .5rem; }
  main { display: grid; grid-template-columns: repeat(auto-fit, minmax(340px, 1fr)); gap: 1rem; }
  section { background: #fff; border: 1px solid #d0d4da; border-radius: 8px; padding: .8rem; }
  .actions { display: flex; flex-wrap: wrap; gap: .4rem; margin-bottom: .5rem; }
  button { min-height: 40px; padding: .3rem .7rem; border: 1px solid #345; border-radius: 6px; background: #eef3f8; cursor: pointer; }
  pre { background: #11161c; color: #d6e2ee; padding: .5rem; max-height: 18rem; overflow: auto; font-size: 12px; }
  .wide { grid-column: span 2; }
  iframe { width: 100%; height: 40rem; border: 1px solid #d0d4da; background: #fff; }
  #msg { min-height: 1.4em; color: #a00; }
</style></head>
<body>
<h1>Zizhu hardware simulator — control panel</h1>
<p id="msg" role="status"></p>
<main>${sections}
  <section class="wide" aria-labelledby="h-receipt"><h2 id="h-receipt">最近一张凭条 Last receipt</h2><iframe id="receipt" title="last receipt" src="/devices/printer/receipts/latest.html"></iframe></section>
</main>
<script>
  const msg = document.getElementById('msg');
  async function act(device, action, body) {
    const r = await fetch('/devices/' + device + '/' + action, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const j = await r.json();
    msg.textContent = r.ok ? device + ' ' + action + ': ok' : device + ' ' + action + ': ' + j.error;
    refresh();
  }
  document.addEventListener('click', (e) => {
    const b = e.target.closest('button[data-action]');
    if (b) act(b.dataset.device, b.dataset.action, JSON.parse(b.dataset.body));
  });
  document.getElementById('scan-form').addEventListener('submit', (e) => {
    e.preventDefault();
    act('scanner', 'scan', { text: document.getElementById('scan-text').value });
  });
  let lastReceipts = -1;
  async function refresh() {
    try {
      const s = await (await fetch('/devices')).json();
      for (const [k, v] of Object.entries(s)) {
        const el = document.getElementById('state-' + k);
        if (el) el.textContent = JSON.stringify(v, null, 2);
      }
      if (s.printer && s.printer.receiptsPrinted !== lastReceipts) {
        lastReceipts = s.printer.receiptsPrinted;
        document.getElementById('receipt').src = '/devices/printer/receipts/latest.html?' + lastReceipts;
      }
    } catch (err) { msg.textContent = 'simulator not reachable: ' + err; }
  }
  refresh();
  setInterval(refresh, 1000);
</script>
</body></html>`;
}
