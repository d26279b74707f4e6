/**
 * One page of the Chromium shell, attached over the DevTools pipe (`cdp-pipe.ts`): its lockdown and
 * what it reports. The shell (`chromium.ts`) decides what to do about a report.
 *
 * - Navigations (main frame and subframes) to another origin than the renderer's are failed before
 *   they leave (`Fetch`, documents only: ERR_ABORTED, the page stays as it is).
 *   JavaScript dialogs are dismissed.
 * - Reports: the renderer crashed (`Inspector.targetCrashed`), the main frame committed a URL
 *   (`Page.frameNavigated`), a renderer document failed to load (network error or HTTP ≥ 400,
 *   from the `Network` events of main-frame documents of the renderer's origin), the page went away.
 */
import type { FrameRequest } from '../../contracts/shell.ts';
import type { CdpPipe, CdpSession } from './cdp-pipe.ts';

/** What a test or a benchmark may do with the page on screen (in-process only: there is no port). */
export interface ShellPage {
  readonly targetId: string;
  /** the main frame's URL (with its fragment) */
  url(): string;
  /** the value of a JavaScript expression in the page (a promise is awaited); throws what the page threw */
  evaluate(expression: string): Promise<unknown>;
  /** any DevTools command on this page's session */
  send<T = unknown>(method: string, params?: Record<string, unknown>): Promise<T>;
}

export interface PageReports {
  crashed(): void;
  /** the main frame committed `url` */
  navigated(url: string): void;
  /** a renderer document did not load: `detail` names the URL without its query (the token) */
  loadFailed(detail: string): void;
  /** a navigation to another origin was stopped */
  blocked(url: string): void;
  dialogDismissed(type: string): void;
  /** the page's session ended (the page was closed, or the browser is gone) */
  gone(): void;
}

export function originOf(url: string): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

/** A URL for logs and problem details: origin and path only (the renderer URL's query carries the boot token). */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    return u.origin === 'null' ? `${u.protocol}…` : `${u.origin}${u.pathname}`;
  } catch {
    return '(unparsable URL)';
  }
}

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

interface Frame {
  id: string;
  parentId?: string;
  url: string;
  urlFragment?: string;
}

/** A page of the default browser context, attached with a flat session and locked down. */
export class ShownPage implements ShellPage {
  crashed = false;
  private mainFrameId = '';
  private currentUrl = 'about:blank';
  /** requestId → URL of main-frame documents of the renderer origin now loading */
  private readonly documents = new Map<string, string>();

  private constructor(
    readonly targetId: string,
    private readonly session: CdpSession,
    private readonly rendererOrigin: () => string | null,
    private readonly reports: PageReports,
  ) {}

  static async attach(pipe: CdpPipe, targetId: string, rendererOrigin: () => string | null, reports: PageReports): Promise<ShownPage> {
    const { sessionId } = await pipe.send<{ sessionId: string }>('Target.attachToTarget', { targetId, flatten: true });
    const page = new ShownPage(targetId, pipe.session(sessionId), rendererOrigin, reports);
    await page.lockDown();
    return page;
  }

  url(): string {
    return this.currentUrl;
  }

  get closed(): boolean {
    return this.session.detached;
  }

  send<T = unknown>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    return this.session.send<T>(method, params);
  }

  async evaluate(expression: string): Promise<unknown> {
    const r = await this.session.send<{ result: { value?: unknown }; exceptionDetails?: { text: string; exception?: { description?: string } } }>('Runtime.evaluate', {
      expression,
      returnByValue: true,
      awaitPromise: true,
    });
    if (r.exceptionDetails) throw new Error(r.exceptionDetails.exception?.description ?? r.exceptionDetails.text);
    return r.result.value;
  }

  /** Navigate to `url` (a reload when only the fragment is the same); resolves when the navigation committed. */
  async navigate(url: string, timeoutMs: number): Promise<void> {
    const sameDocument = new URL(url).hash !== '' && this.currentUrl === url;
    const go = sameDocument ? this.session.send<{ errorText?: string }>('Page.reload') : this.session.send<{ errorText?: string }>('Page.navigate', { url });
    let result: { errorText?: string };
    try {
      result = await withTimeout(go, timeoutMs, 'navigation');
    } catch (e) {
      if (/timed out/.test((e as Error).message)) throw new Error(`the navigation did not commit within ${timeoutMs} ms`);
      throw e;
    }
    if (result.errorText) throw new Error(result.errorText);
  }

  /** The page as PNG; with a request, only its clip (CSS px; default the viewport) at its scale (issue 11). */
  async captureFrame(request?: FrameRequest): Promise<Buffer> {
    let params: Record<string, unknown> = { format: 'png' };
    if (request && (request.clip || request.scale !== undefined)) {
      let clip = request.clip;
      if (!clip) {
        const m = await this.session.send<{ cssVisualViewport: { clientWidth: number; clientHeight: number } }>('Page.getLayoutMetrics');
        clip = { x: 0, y: 0, width: m.cssVisualViewport.clientWidth, height: m.cssVisualViewport.clientHeight };
      }
      params = { format: 'png', clip: { ...clip, scale: request.scale ?? 1 }, captureBeyondViewport: false, optimizeForSpeed: true };
    }
    const shot = await this.session.send<{ data: string }>('Page.captureScreenshot', params);
    return Buffer.from(shot.data, 'base64');
  }

  private async lockDown(): Promise<void> {
    const s = this.session;
    s.on('Inspector.targetCrashed', () => {
      this.crashed = true;
      this.reports.crashed();
    });
    s.on('detached', () => this.reports.gone());
    s.on('Page.javascriptDialogOpening', (p: { type: string }) => {
      this.reports.dialogDismissed(p.type);
      void s.send('Page.handleJavaScriptDialog', { accept: false }).catch(() => {});
    });
    s.on('Page.frameNavigated', (p: { frame: Frame }) => {
      if (p.frame.parentId !== undefined) return;
      this.currentUrl = p.frame.url + (p.frame.urlFragment ?? '');
      this.reports.navigated(this.currentUrl);
    });
    s.on('Fetch.requestPaused', (p: { requestId: string; request: { url: string } }) => {
      const origin = this.rendererOrigin();
      if (origin !== null && originOf(p.request.url) !== origin) {
        this.reports.blocked(p.request.url);
        void s.send('Fetch.failRequest', { requestId: p.requestId, errorReason: 'Aborted' }).catch(() => {});
      } else {
        void s.send('Fetch.continueRequest', { requestId: p.requestId }).catch(() => {});
      }
    });
    s.on('Network.requestWillBeSent', (p: { requestId: string; frameId?: string; type?: string; request: { url: string } }) => {
      if (p.type !== 'Document' || p.frameId !== this.mainFrameId || originOf(p.request.url) !== this.rendererOrigin()) return;
      if (this.documents.size > 50) this.documents.clear(); // redirects and navigations that never finished
      this.documents.set(p.requestId, p.request.url);
    });
    s.on('Network.responseReceived', (p: { requestId: string; response: { status: number } }) => {
      const url = this.documents.get(p.requestId);
      if (url !== undefined && p.response.status >= 400) this.reports.loadFailed(`${safeUrl(url)}: HTTP ${p.response.status}`);
    });
    s.on('Network.loadingFinished', (p: { requestId: string }) => this.documents.delete(p.requestId));
    s.on('Network.loadingFailed', (p: { requestId: string; errorText: string }) => {
      const url = this.documents.get(p.requestId);
      this.documents.delete(p.requestId);
      // ERR_ABORTED: superseded by another navigation, or stopped by us
      if (url !== undefined && p.errorText !== 'net::ERR_ABORTED') this.reports.loadFailed(`${safeUrl(url)}: ${p.errorText}`);
    });
    const tree = await s.send<{ frameTree: { frame: Frame } }>('Page.getFrameTree');
    this.mainFrameId = tree.frameTree.frame.id;
    this.currentUrl = tree.frameTree.frame.url;
    await Promise.all([
      s.send('Page.enable'),
      s.send('Inspector.enable'),
      s.send('Network.enable'),
      s.send('Fetch.enable', { patterns: [{ urlPattern: '*', resourceType: 'Document', requestStage: 'Request' }] }),
    ]);
  }
}
