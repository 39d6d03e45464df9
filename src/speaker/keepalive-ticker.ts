/**
 * KEEPALIVE timers of every session of a speaker, fired together on a grid of CLOCK_MONOTONIC (which
 * every process of the machine shares). Why: each wakeup of a speaker costs 0.1-0.3 ms of CPU here
 * (a VM; BIRD pays it too), and a 100-node mesh with 3 s keepalives has every speaker send 33 KEEPALIVEs
 * a second, each from its own timer. On a 200 ms grid a speaker sends them in at most 5 wakeups a second,
 * and because every bgplab speaker uses the same grid, its peers' KEEPALIVEs arrive in bursts too.
 *
 * The FSM still picks a jittered interval for each session (RFC 4271 §10); the ticker fires it at the
 * last grid point not after that deadline, so never late and at most one grid step early. Delays under
 * minAlignedMs are not moved: RFC 4271 §4.4 forbids KEEPALIVEs more often than one per second, and a
 * 3 s keepalive jittered into (2.25 s, 3 s] moved 200 ms earlier stays far from that.
 */

export const KEEPALIVE_GRID_MS = 200;
export const KEEPALIVE_MIN_ALIGNED_MS = 2000;

/**
 * The delay to use instead of `delayMs` so that the timer fires on the grid: the last multiple of
 * `gridMs` of the monotonic clock not after `nowMono + delayMs` (pure; nowMono in ms).
 */
export function alignedDelay(nowMono: number, delayMs: number, gridMs: number, minAlignedMs: number): number {
  if (!(gridMs > 0) || !(delayMs >= minAlignedMs)) return delayMs;
  const at = Math.floor((nowMono + delayMs) / gridMs) * gridMs;
  return at - nowMono;
}

/** One scheduled expiry; `cancel` is idempotent. */
export class TickHandle {
  cancelled = false;
  constructor(
    private readonly slot: Slot,
    readonly fire: () => void,
  ) {}

  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.slot.handles.delete(this);
    if (this.slot.handles.size === 0) this.slot.ticker.dropSlot(this.slot);
  }
}

interface Slot {
  readonly ticker: KeepaliveTicker;
  readonly at: number;
  readonly handles: Set<TickHandle>;
  timer: NodeJS.Timeout | undefined;
}

export class KeepaliveTicker {
  /** Fire time (ms of CLOCK_MONOTONIC, rounded) -> the expiries sharing it, behind one Node timer. */
  private readonly slots = new Map<number, Slot>();
  /** CLOCK_MONOTONIC minus performance.now(): both tick together, the first is machine-wide. */
  private readonly offset = Number(process.hrtime.bigint() / 1_000_000n) - performance.now();

  constructor(
    readonly gridMs = KEEPALIVE_GRID_MS,
    readonly minAlignedMs = KEEPALIVE_MIN_ALIGNED_MS,
  ) {}

  /** Number of distinct fire times waiting (tests). */
  get pendingSlots(): number {
    return this.slots.size;
  }

  /** Run `fire` after about `delayMs` (aligned as above), in the same callback as every expiry sharing its grid point. */
  schedule(delayMs: number, fire: () => void): TickHandle {
    const now = performance.now() + this.offset;
    const delay = Math.max(0, alignedDelay(now, delayMs, this.gridMs, this.minAlignedMs));
    const at = Math.round(now + delay);
    let slot = this.slots.get(at);
    if (!slot) {
      const s: Slot = { ticker: this, at, handles: new Set(), timer: undefined };
      s.timer = setTimeout(() => this.run(s), delay);
      this.slots.set(at, s);
      slot = s;
    }
    const h = new TickHandle(slot, fire);
    slot.handles.add(h);
    return h;
  }

  /** Stop every timer (speaker shutdown). */
  clear(): void {
    for (const s of this.slots.values()) clearTimeout(s.timer);
    this.slots.clear();
  }

  /** @internal the last handle of a slot was cancelled */
  dropSlot(slot: Slot): void {
    if (this.slots.get(slot.at) !== slot) return;
    clearTimeout(slot.timer);
    this.slots.delete(slot.at);
  }

  private run(slot: Slot): void {
    if (this.slots.get(slot.at) === slot) this.slots.delete(slot.at);
    // A copy: a callback may schedule (a later slot) or cancel (a handle of this one).
    const handles = [...slot.handles];
    slot.handles.clear();
    for (const h of handles) {
      if (h.cancelled) continue;
      h.cancelled = true; // fired: a later cancel() is a no-op
      h.fire();
    }
  }
}
