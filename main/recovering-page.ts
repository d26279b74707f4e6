/**
 * What the kiosk shows while no agent URL is loaded (start-up, agent restarting, renderer URL not
 * answering): a calm, light page — never black, since a black screen is the failure we hunt. A data:
 * URL with no script, so it works without the agent, the network or the file system.
 */
export const RECOVERING_BACKGROUND = '#F4F1EA';

export function recoveringPageHtml(): string {
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Zizhu — 系统正在恢复</title>
<style>
  html, body { margin: 0; height: 100%; background: ${RECOVERING_BACKGROUND}; color: #2F3A40;
    font-family: "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif;
    cursor: none; user-select: none; }
  main { height: 100%; display: flex; flex-direction: column; align-items: center; justify-content: center; gap: 28px; text-align: center; }
  .dots { display: flex; gap: 18px; }
  .dots span { width: 22px; height: 22px; border-radius: 50%; background: #5B8A72; opacity: .25; animation: pulse 1.8s ease-in-out infinite; }
  .dots span:nth-child(2) { animation-delay: .3s; }
  .dots span:nth-child(3) { animation-delay: .6s; }
  @keyframes pulse { 50% { opacity: 1; } }
  main { padding: 0 24px; box-sizing: border-box; }
  h1 { margin: 0; font-size: min(56px, 7vw); font-weight: 500; letter-spacing: 4px; }
  p { margin: 0; font-size: min(30px, 4.5vw); color: #5C676D; }
</style>
</head>
<body>
<main role="status" aria-live="polite">
  <div class="dots" aria-hidden="true"><span></span><span></span><span></span></div>
  <h1>系统正在恢复，请稍候</h1>
  <p>Recovering, please wait</p>
</main>
</body>
</html>`;
}

export function recoveringPageUrl(): string {
  return `data:text/html;charset=utf-8,${encodeURIComponent(recoveringPageHtml())}`;
}
