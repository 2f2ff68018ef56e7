const whole = new Intl.NumberFormat("en");
const compact = new Intl.NumberFormat("en", { notation: "compact", maximumFractionDigits: 1 });

export const count = (n: number | undefined) => whole.format(n ?? 0);
export const plays = (n: number | undefined) => `${compact.format(n ?? 0)} plays`;

/** 254513 ms → "4:14"; an hour or more → "1:02:03". */
export function clock(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

/** For screen readers: "59 minutes 12 seconds". */
export function spoken(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const m = Math.floor(total / 60);
  const s = total % 60;
  const parts = [m ? `${m} minute${m === 1 ? "" : "s"}` : "", `${s} second${s === 1 ? "" : "s"}`];
  return parts.filter(Boolean).join(" ");
}

// Times and dates in the reader's own conventions (12 or 24 hours, day or month first).
const hourMinute = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit" });
const dayHourMinute = new Intl.DateTimeFormat(undefined, {
  weekday: "short",
  day: "numeric",
  month: "short",
  hour: "numeric",
  minute: "2-digit",
});
const relativeTime = new Intl.RelativeTimeFormat("en", { numeric: "auto" });

/** "just now", "3 minutes ago", "in 7 days": coarse on purpose, it is read at a glance. */
export function relative(at: number, now = Date.now()): string {
  const diff = at - now;
  const abs = Math.abs(diff);
  if (abs < 45_000) return diff <= 0 ? "just now" : "in under a minute";
  const [unit, size] =
    abs < 45 * 60_000
      ? (["minute", 60_000] as const)
      : abs < 22 * 3_600_000
        ? (["hour", 3_600_000] as const)
        : (["day", 86_400_000] as const);
  return relativeTime.format(Math.round(diff / size), unit);
}

/** The time of day, with the date when it is not today: "2:03 PM", "Mon, Jul 21, 2:03 PM". */
export function moment(at: number, now = Date.now()): string {
  const sameDay = new Date(at).toDateString() === new Date(now).toDateString();
  return (sameDay ? hourMinute : dayHourMinute).format(at);
}
