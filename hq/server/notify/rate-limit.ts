/**
 * A robot's rate limit as HQ keeps it: at most `limit` requests in ANY window of `windowMs` (a
 * sliding log of send times). A token bucket refilled at 20/min would let a full bucket's burst and
 * the refill both land inside one minute — up to 40 — which is exactly what WeCom and DingTalk
 * punish; the log cannot. Excess waits (the outbox row stays pending), nothing is dropped. Feishu's
 * two limits (100 a minute, 5 a second) are two logs.
 */
import type { ChannelType } from '../../../contracts/hq-notify.ts';

export interface WindowLimit {
  limit: number;
  windowMs: number;
}

/** a second more than the robot's own window: sends HQ spaced by exactly a minute may arrive closer together */
const MARGIN_MS = 1_000;

export const ROBOT_LIMITS: Record<ChannelType, WindowLimit[]> = {
  wecom: [{ limit: 20, windowMs: 60_000 + MARGIN_MS }],
  dingtalk: [{ limit: 20, windowMs: 60_000 + MARGIN_MS }],
  feishu: [
    { limit: 100, windowMs: 60_000 + MARGIN_MS },
    { limit: 5, windowMs: 1_000 + MARGIN_MS / 5 },
  ],
  webhook: [],
};

export class SendLog {
  readonly #sent: number[] = [];
  readonly #longest: number;

  constructor(readonly limits: readonly WindowLimit[]) {
    this.#longest = Math.max(0, ...limits.map((l) => l.windowMs));
  }

  /** The earliest moment (≥ now) a request may go. */
  nextFreeAt(now: number): number {
    this.#prune(now);
    let at = now;
    for (const l of this.limits) {
      const inWindow = this.#sent.filter((t) => t > now - l.windowMs);
      if (inWindow.length >= l.limit) at = Math.max(at, inWindow[inWindow.length - l.limit]! + l.windowMs);
    }
    return at;
  }

  record(at: number): void {
    this.#sent.push(at);
    this.#sent.sort((a, b) => a - b);
  }

  #prune(now: number): void {
    while (this.#sent.length > 0 && this.#sent[0]! <= now - this.#longest) this.#sent.shift();
  }
}
