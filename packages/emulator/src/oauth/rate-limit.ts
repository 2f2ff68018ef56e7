/**
 * A sliding-window log: remembers when each allowed event happened and allows a
 * new one only while fewer than `limit` happened in the last `windowMs`. Exact
 * (no bucket edges), and cheap at SoundCloud's limits (tens per window).
 */
export class SlidingWindowLimiter {
  private readonly events = new Map<string, number[]>();

  /** Milliseconds until `key` may act again under (limit, windowMs), or 0 when it may now. */
  waitMs(key: string, limit: number, windowMs: number, now: number): number {
    const recent = this.recent(key, windowMs, now);
    if (recent.length < limit) return 0;
    if (limit === 0) return windowMs;
    // The oldest event still inside the window has to age out first.
    const oldestBlocking = recent[recent.length - limit] ?? now;
    return Math.max(1, oldestBlocking + windowMs - now);
  }

  record(key: string, now: number): void {
    const list = this.events.get(key);
    if (list) list.push(now);
    else this.events.set(key, [now]);
  }

  clear(): void {
    this.events.clear();
  }

  private recent(key: string, windowMs: number, now: number): number[] {
    const list = this.events.get(key);
    if (!list) return [];
    const firstInside = list.findIndex((t) => t > now - windowMs);
    if (firstInside === -1) {
      this.events.delete(key);
      return [];
    }
    if (firstInside > 0) list.splice(0, firstInside);
    return list;
  }
}
