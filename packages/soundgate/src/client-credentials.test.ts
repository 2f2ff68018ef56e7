import { it } from "@soundgate/test-support/fixtures";
import { describe, expect } from "vitest";
import { ApiClient } from "./api-client.js";
import { ClientCredentialsCache } from "./client-credentials.js";
import { MemoryTokenStore } from "./token-store.js";

it.beforeEach(({ emulator }) => emulator.reset());

describe("ClientCredentialsCache", () => {
  it("serves 1,000 concurrent and sequential calls with one token request", async ({
    emulator,
  }) => {
    const cache = new ClientCredentialsCache({ client: emulator.client });
    const concurrent = await Promise.all(Array.from({ length: 500 }, () => cache.getAccessToken()));
    for (let i = 0; i < 500; i++) concurrent.push(await cache.getAccessToken());
    expect(new Set(concurrent).size).toBe(1);
    expect((await emulator.stats()).token_requests.client_credentials).toBe(1);
  });

  it("gets a new token 60 s before expiry, not earlier", async ({ emulator }) => {
    let now = Date.now();
    const cache = new ClientCredentialsCache({ client: { ...emulator.client, now: () => now } });
    const first = await cache.getAccessToken();
    now += 3_599_000 - 61_000;
    expect(await cache.getAccessToken()).toBe(first);
    now += 2_000;
    expect(await cache.getAccessToken()).not.toBe(first);
    expect((await emulator.stats()).token_requests.client_credentials).toBe(2);
  });

  it("drives an API client for public calls", async ({ emulator }) => {
    const cache = new ClientCredentialsCache({ client: emulator.client });
    const api = new ApiClient({ auth: cache, apiBaseUrl: emulator.endpoints.apiBaseUrl });
    await Promise.all(Array.from({ length: 20 }, () => api.get("/tracks", { query: { q: "a" } })));
    expect((await emulator.stats()).token_requests.client_credentials).toBe(1);
  });

  it("does not ask again while SoundCloud's Retry-After is running", async ({ emulator }) => {
    await emulator.configure({
      fail_next: { target: "token", count: 1, status: 429, retry_after: 600 },
    });
    const cache = new ClientCredentialsCache({ client: emulator.client });
    await expect(cache.getAccessToken()).rejects.toMatchObject({
      code: "rate_limited",
      retryAfter: 600,
    });
    const again = await cache.getAccessToken().catch((e: unknown) => e);
    expect(again).toMatchObject({ code: "rate_limited" });
    expect((again as { retryAfter: number }).retryAfter).toBeGreaterThan(590);
    expect((await emulator.stats()).token_requests.client_credentials).toBe(1);
  });

  it("shares a token through a store across instances (a restart spends none)", async ({
    emulator,
  }) => {
    const store = new MemoryTokenStore();
    const a = await new ClientCredentialsCache({ client: emulator.client, store }).getAccessToken();
    const b = await new ClientCredentialsCache({ client: emulator.client, store }).getAccessToken();
    expect(b).toBe(a);
    expect((await emulator.stats()).token_requests.client_credentials).toBe(1);
  });
});
