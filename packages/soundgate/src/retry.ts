import { SoundgateError } from "./errors.js";

/** Bounds on automatic retries. Nothing is retried past `maxRetries` or `maxDelayMs`. */
export interface RetryPolicy {
  /** Retries after the first attempt. Default 2. */
  maxRetries: number;
  /** Longest single wait; a Retry-After beyond it is not waited out but reported. Default 10 s. */
  maxDelayMs: number;
  /** First backoff when the server gave no Retry-After; doubles each time. Default 250 ms. */
  baseDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({
  maxRetries: 2,
  maxDelayMs: 10_000,
  baseDelayMs: 250,
});

export function resolveRetryPolicy(overrides: Partial<RetryPolicy> | undefined): RetryPolicy {
  return { ...DEFAULT_RETRY_POLICY, ...overrides };
}

/**
 * How long to wait before retry number `retry` (1-based), or undefined when we must
 * give up: out of retries, or the server asked for longer than we are willing to wait.
 */
export function retryDelay(
  retry: number,
  retryAfterS: number | undefined,
  policy: RetryPolicy,
): number | undefined {
  if (retry > policy.maxRetries) return undefined;
  if (retryAfterS !== undefined) {
    const ms = retryAfterS * 1000;
    return ms <= policy.maxDelayMs ? ms : undefined;
  }
  // Equal jitter: half the backoff is fixed, half random. The random half keeps a crowd of
  // clients from retrying in lockstep; the fixed half keeps a retry from coming back at once.
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}

/** Retry-After is either delay-seconds or an HTTP-date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - now) / 1000));
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortError(signal));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal as AbortSignal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

function abortError(signal: AbortSignal): SoundgateError {
  return new SoundgateError("aborted", "The request was aborted", { cause: signal.reason });
}
