import { it } from "@soundgate/test-support/fixtures";
import { describe, expect } from "vitest";
import { openStore } from "./open.js";
import type { GatewayStore } from "./store.js";

// The GCRA bucket both dialects keep in rate_limits (http/rate-limit.ts decides when).
async function checkBucket(store: GatewayStore): Promise<void> {
  const t = 1_700_000_000_000;
  // 3 per minute: a burst of 3, then one every 20 s.
  const waits = [];
  for (const i of [0, 1, 2, 3]) waits.push(await store.takeRateLimit("k", t + i, 20_000, 3));
  expect(waits.slice(0, 3)).toEqual([0, 0, 0]);
  expect(waits[3]).toBe(20_000 - 3);
  expect(await store.takeRateLimit("other", t + 3, 20_000, 3)).toBe(0);
  expect(await store.takeRateLimit("k", t + 20_002, 20_000, 3)).toBe(0);
  expect(await store.takeRateLimit("k", t + 20_003, 20_000, 3)).toBeGreaterThan(0);
  // Concurrent takes of one key: exactly the burst passes.
  const many = await Promise.all(
    Array.from({ length: 30 }, () => store.takeRateLimit("busy", t, 20_000, 3)),
  );
  expect(many.filter((w) => w === 0)).toHaveLength(3);
  // Full buckets carry no information and are cleaned up with other expired rows.
  expect(await store.deleteExpired(t + 10 * 60_000)).toBe(3);
}

describe("rate limit buckets", () => {
  it("on SQLite", async () => {
    const store = await openStore("sqlite::memory:");
    try {
      await checkBucket(store);
    } finally {
      await store.close();
    }
  });

  it("on Postgres", async ({ postgres }) => {
    const store = await openStore(postgres.url);
    try {
      await checkBucket(store);
    } finally {
      await store.close();
    }
  });
});
