/**
 * 求助 (issue 10): a person asks for help on any screen. The kiosk journals `help.requested` (where
 * they were — screen, step, service — never who) for HQ, which raises HELP_REQUESTED; the screen says
 * "已通知工作人员，请稍候" once HQ has it, or gives the hotline when HQ cannot be told. While the request
 * is open the link asks HQ every few seconds, so an operator's answer (`help.answer`) shows within
 * seconds; it is shown until the person closes it or it times out.
 *
 * One request at a time: a press while one is open only shows it again (no second event). A request
 * nobody answered ends by itself after HELP_OPEN_MS; an answer that comes after that, or for another
 * request, is not shown (the command fails, saying why).
 */
import { randomUUID } from 'node:crypto';
import type { HelpView } from '../../contracts/bridge.ts';
import type { HqEventPayload } from '../../contracts/hq.ts';
import type { Now } from '../../state-machines/deadlines.ts';

/** an unanswered request stays open this long */
export const HELP_OPEN_MS = 5 * 60_000;
/** HQ not told within this: the screen gives the hotline (the event still goes when the link can) */
export const HELP_SEND_TIMEOUT_MS = 15_000;
/** an answer is shown this long unless closed */
export const HELP_ANSWER_SHOW_MS = 90_000;
const DELIVERY_CHECK_MS = 250;

export type HelpPayload = HqEventPayload<'help.requested'>;

/** What the help desk needs of the HQ link (absent: the kiosk reports to no HQ). */
export interface HelpLink {
  /** journal the request for HQ (the link sends at once); returns the outbox event's id */
  send(payload: HelpPayload): string;
  /** that event has reached HQ */
  delivered(eventId: string): boolean;
  /** ask HQ for commands often until `until` (agent clock; 0 stops) */
  pollUntil(until: number): void;
}

export interface HelpDeskOptions {
  now: Now;
  link?: HelpLink;
  /** the view changed: push a screen */
  changed: () => void;
  log?: { info(message: string): void; warn(message: string): void };
}

interface OpenRequest {
  view: HelpView;
  eventId: string | null;
  sentAt: number;
}

export class HelpDesk {
  private open: OpenRequest | null = null;
  private timer: NodeJS.Timeout | undefined;
  private checker: NodeJS.Timeout | undefined;

  constructor(private readonly o: HelpDeskOptions) {}

  /** The help overlay as the screen shows it (null: no request open). */
  get view(): HelpView | null {
    return this.open ? { ...this.open.view } : null;
  }

  /** The person pressed 求助 on `where.screen`. */
  press(where: Omit<HelpPayload, 'requestId'>): void {
    if (this.open) {
      if (!this.open.view.shown) {
        this.open.view.shown = true;
        this.o.changed();
      }
      return;
    }
    const now = this.o.now();
    const requestId = randomUUID();
    const link = this.o.link;
    if (!link) {
      this.o.log?.warn(`help asked on screen ${where.screen}, but this kiosk reports to no HQ: the screen gives the hotline`);
      this.begin({ requestId, state: 'no-link', shown: true, answer: null, until: now + HELP_SEND_TIMEOUT_MS }, null, now);
      return;
    }
    let eventId: string;
    try {
      eventId = link.send({ requestId, ...where });
    } catch (e) {
      this.o.log?.warn(`help request could not be journaled: ${(e as Error).message}`);
      this.begin({ requestId, state: 'unreachable', shown: true, answer: null, until: now + HELP_SEND_TIMEOUT_MS }, null, now);
      return;
    }
    this.o.log?.info(`help asked on screen ${where.screen} (step ${where.step}); request ${requestId}`);
    this.begin({ requestId, state: 'sending', shown: true, answer: null, until: now + HELP_OPEN_MS }, eventId, now);
    link.pollUntil(now + HELP_OPEN_MS);
    this.checkDelivery();
  }

  /** The person closed the overlay: an answer (or a failure to reach HQ) is done; a request waiting for HQ stays open. */
  close(): void {
    if (!this.open) return;
    if (this.open.view.state === 'sending' || this.open.view.state === 'sent') this.open.view.shown = false;
    else this.end();
    this.o.changed();
  }

  /** HQ's `help.answer`: shown when it answers the open request. */
  answer(requestId: string, text: string): { status: 'succeeded' | 'failed'; detail: string } {
    const o = this.open;
    if (!o || o.view.requestId !== requestId || o.view.state === 'no-link') {
      const why = o ? `the kiosk's open request is ${o.view.requestId}` : 'no help request is open on the kiosk (it was closed or timed out)';
      return { status: 'failed', detail: `not shown: ${why}` };
    }
    const now = this.o.now();
    o.view = { ...o.view, state: 'answered', shown: true, answer: text, until: now + HELP_ANSWER_SHOW_MS };
    this.o.link?.pollUntil(0);
    this.arm(HELP_ANSWER_SHOW_MS);
    this.o.changed();
    return { status: 'succeeded', detail: 'shown on the kiosk screen' };
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.checker) clearTimeout(this.checker);
    this.timer = this.checker = undefined;
  }

  private begin(view: HelpView, eventId: string | null, now: number): void {
    this.open = { view, eventId, sentAt: now };
    this.arm(view.until - now);
    this.o.changed();
  }

  private end(): void {
    if (this.open?.view.state === 'sending' || this.open?.view.state === 'sent' || this.open?.view.state === 'unreachable') this.o.link?.pollUntil(0);
    this.open = null;
    this.stop();
  }

  /** ends the request (or the answer's display) when its time is up */
  private arm(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.end();
      this.o.changed();
    }, Math.max(0, ms));
    this.timer.unref();
  }

  /** sending → sent once HQ has it; unreachable when it takes too long (and sent if it still gets there) */
  private checkDelivery(): void {
    const o = this.open;
    if (!o || o.eventId === null || (o.view.state !== 'sending' && o.view.state !== 'unreachable')) return;
    let delivered = false;
    try {
      delivered = this.o.link!.delivered(o.eventId);
    } catch {
      // pruned or unreadable: not known to be delivered
    }
    if (delivered) {
      o.view.state = 'sent';
      this.o.changed();
      return;
    }
    if (o.view.state === 'sending' && this.o.now() - o.sentAt >= HELP_SEND_TIMEOUT_MS) {
      this.o.log?.warn(`help request ${o.view.requestId} has not reached HQ within ${HELP_SEND_TIMEOUT_MS / 1000} s: the screen gives the hotline`);
      o.view.state = 'unreachable';
      this.o.changed();
    }
    this.checker = setTimeout(() => this.checkDelivery(), o.view.state === 'sending' ? DELIVERY_CHECK_MS : 2_000);
    this.checker.unref();
  }
}
