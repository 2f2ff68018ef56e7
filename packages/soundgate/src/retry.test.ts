import { describe, expect, it } from "vitest";
import { DEFAULT_RETRY_POLICY, parseRetryAfter, retryDelay } from "./retry.js";

describe("retry policy", () => {
  it("honours Retry-After within the bound and gives up beyond it", () => {
    expect(retryDelay(1, 2, DEFAULT_RETRY_POLICY)).toBe(2000);
    expect(retryDelay(1, 120, DEFAULT_RETRY_POLICY)).toBeUndefined();
    expect(retryDelay(3, 0, DEFAULT_RETRY_POLICY)).toBeUndefined();
  });

  it("backs off exponentially with jitter when no Retry-After is given", () => {
    for (let i = 0; i < 50; i++) {
      const first = retryDelay(1, undefined, DEFAULT_RETRY_POLICY) ?? -1;
      const second = retryDelay(2, undefined, DEFAULT_RETRY_POLICY) ?? -1;
      expect(first).toBeGreaterThanOrEqual(125);
      expect(first).toBeLessThanOrEqual(250);
      expect(second).toBeGreaterThanOrEqual(250);
      expect(second).toBeLessThanOrEqual(500);
    }
  });

  it("parses both forms of Retry-After", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfter("30", now)).toBe(30);
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:01:00 GMT", now)).toBe(60);
    expect(parseRetryAfter("Wed, 31 Dec 2025 00:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});
