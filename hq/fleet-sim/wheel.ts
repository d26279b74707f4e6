/**
 * One timer for the whole fleet: a hashed timing wheel of `slots` buckets `tickMs` wide, driven by a
 * single setInterval. An entry is a kiosk's index and fires once (the driver schedules it again when
 * it is done with it); an entry further away than one turn simply waits for a later turn.
 */
export class TimerWheel {
  private readonly slots: number[][];
  private spare: number[] = [];
  private readonly due: Float64Array;
  private timer: NodeJS.Timeout | null = null;
  private lastTick: number;

  constructor(
    capacity: number,
    private readonly onDue: (index: number) => void,
    private readonly tickMs = 20,
    slotCount = 2048,
    private readonly clock: () => number = () => performance.now(),
  ) {
    this.slots = Array.from({ length: slotCount }, () => []);
    this.due = new Float64Array(capacity).fill(-1);
    this.lastTick = Math.floor(this.clock() / tickMs);
  }

  /** `index` fires at the first tick at or after `atMs` (on the wheel's clock); one pending entry per index */
  schedule(index: number, atMs: number): void {
    if (this.due[index]! >= 0) throw new Error(`timer ${index} is already scheduled`);
    this.due[index] = atMs;
    const tick = Math.max(this.lastTick + 1, Math.ceil(atMs / this.tickMs));
    this.slots[tick % this.slots.length]!.push(index);
  }

  isScheduled(index: number): boolean {
    return this.due[index]! >= 0;
  }

  now(): number {
    return this.clock();
  }

  start(): void {
    if (!this.timer) this.timer = setInterval(() => this.advance(), this.tickMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** fire everything due up to now (the interval calls this; tests may too) */
  advance(): void {
    const now = this.clock();
    const target = Math.floor(now / this.tickMs);
    // a stalled event loop catches up, but never walks the wheel more than once round
    const from = Math.max(this.lastTick + 1, target - this.slots.length + 1);
    for (let tick = from; tick <= target; tick++) {
      const k = tick % this.slots.length;
      const entries = this.slots[k]!;
      if (entries.length === 0) continue;
      this.slots[k] = this.spare;
      this.lastTick = tick; // entries scheduled from onDue land in a later tick
      for (let j = 0; j < entries.length; j++) {
        const index = entries[j]!;
        if (this.due[index]! > now) {
          this.slots[k]!.push(index); // a later turn of the wheel
          continue;
        }
        this.due[index] = -1;
        this.onDue(index);
      }
      entries.length = 0;
      this.spare = entries;
    }
    this.lastTick = target;
  }
}
