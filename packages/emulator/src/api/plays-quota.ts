import { json } from "../http.js";
import { formatScDate } from "./representations.js";

/**
 * SoundCloud's plays quota: each app may request playable streams 15,000 times per
 * 24 hours. The window is fixed, not sliding: it starts at the first request after
 * the previous window ended, and every request inside it counts.
 */
export class PlaysQuota {
  private readonly windows = new Map<string, { start: number; count: number }>();

  /** Counts one play for `clientId`, or returns when its window resets if none is left. */
  take(
    clientId: string,
    limit: number,
    windowMs: number,
    now: number,
  ): { ok: true } | { ok: false; resetAt: number } {
    let window = this.windows.get(clientId);
    if (!window || now >= window.start + windowMs) {
      window = { start: now, count: 0 };
      this.windows.set(clientId, window);
    }
    if (window.count >= limit) return { ok: false, resetAt: window.start + windowMs };
    window.count += 1;
    return { ok: true };
  }

  clear(): void {
    this.windows.clear();
  }
}

/** The 429 SoundCloud documents for the plays group (its rate-limit body, not the Error shape). */
export function playsQuotaExceeded(limit: number, windowS: number, resetAt: number): Response {
  return json(
    {
      errors: [
        {
          meta: {
            rate_limit: {
              group: "plays",
              max_nr_of_requests: limit,
              time_window: isoDuration(windowS),
            },
            remaining_requests: 0,
            reset_time: formatScDate(resetAt),
          },
        },
      ],
    },
    429,
  );
}

/** Seconds as an ISO 8601 duration, in the largest whole unit (86400 → `PT24H`). */
export function isoDuration(seconds: number): string {
  if (seconds % 3600 === 0) return `PT${seconds / 3600}H`;
  if (seconds % 60 === 0) return `PT${seconds / 60}M`;
  return `PT${seconds}S`;
}
