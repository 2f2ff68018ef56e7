import { authorizeCode, type TestEmulator } from "@soundgate/test-support/emulator";
import { it } from "@soundgate/test-support/fixtures";
import { describe, expect } from "vitest";
import { ApiClient } from "./api-client.js";
import { isSoundgateError, SoundgateError } from "./errors.js";
import { exchangeCode } from "./grants.js";
import { TokenManager } from "./token-manager.js";
import type { TokenSet } from "./token-set.js";
import { MemoryTokenStore, type StoredTokens, type TokenStore } from "./token-store.js";

it.beforeEach(({ emulator }) => emulator.reset());

async function connect(emulator: TestEmulator): Promise<TokenSet> {
  const { code, verifier } = await authorizeCode(emulator);
  return exchangeCode(emulator.client, { code, codeVerifier: verifier });
}

/** A store that records every write, to check the order of persistence. */
class RecordingStore extends MemoryTokenStore {
  writes: StoredTokens[] = [];
  override async set(key: string, tokens: StoredTokens): Promise<void> {
    // A slow durable write: nobody may see the new access token before it completes.
    await new Promise((resolve) => setTimeout(resolve, 20));
    await super.set(key, tokens);
    this.writes.push(tokens);
  }
}

describe("TokenManager", () => {
  it("returns the stored access token while it is fresh, without refreshing", async ({
    emulator,
  }) => {
    const manager = new TokenManager({ client: emulator.client });
    const tokens = await connect(emulator);
    await manager.save("u1", tokens);
    expect(await manager.getAccessToken("u1")).toBe(tokens.accessToken);
    expect((await emulator.stats()).token_requests.refresh_token).toBe(0);
  });

  it("refreshes within 60 s of expiry", async ({ emulator }) => {
    const tokens = await connect(emulator);
    let now = Date.now();
    const manager = new TokenManager({ client: { ...emulator.client, now: () => now } });
    await manager.save("u1", tokens);
    now = tokens.expiresAt - 59_000;
    const fresh = await manager.getAccessToken("u1");
    expect(fresh).not.toBe(tokens.accessToken);
    expect((await emulator.stats()).token_requests.refresh_token).toBe(1);
  });

  it("refreshes a short-lived token at half its lifetime, not on every call", async ({
    emulator,
  }) => {
    await emulator.configure({ access_token_ttl_s: 8 });
    try {
      const tokens = await connect(emulator);
      let now = tokens.issuedAt as number;
      const manager = new TokenManager({ client: { ...emulator.client, now: () => now } });
      await manager.save("u1", tokens);
      // With a fixed 60 s window an 8 s token would be due at once, on every call.
      for (const elapsed of [0, 1_000, 3_000, 3_900]) {
        now = (tokens.issuedAt as number) + elapsed;
        expect(await manager.getAccessToken("u1")).toBe(tokens.accessToken);
      }
      expect((await emulator.stats()).token_requests.refresh_token).toBe(0);
      now = (tokens.issuedAt as number) + 4_000;
      expect(await manager.getAccessToken("u1")).not.toBe(tokens.accessToken);
      expect((await emulator.stats()).token_requests.refresh_token).toBe(1);
    } finally {
      await emulator.configure({ access_token_ttl_s: 3599 });
    }
  });

  it("turns 100 concurrent calls on an expired token into exactly one refresh", async ({
    emulator,
  }) => {
    const store = new RecordingStore();
    const outcomes: string[] = [];
    const manager = new TokenManager({
      client: emulator.client,
      store,
      onRefresh: (outcome) => outcomes.push(outcome),
    });
    const tokens = await connect(emulator);
    await manager.save("u1", { ...tokens, expiresAt: Date.now() - 1_000 });
    store.writes = [];

    const results = await Promise.allSettled(
      Array.from({ length: 100 }, () => manager.getAccessToken("u1")),
    );
    const values = results.map((r) => (r.status === "fulfilled" ? r.value : r.reason));
    expect(results.every((r) => r.status === "fulfilled")).toBe(true);
    expect(new Set(values).size).toBe(1);
    expect(values[0]).not.toBe(tokens.accessToken);

    const stats = await emulator.stats();
    expect(stats.token_requests.refresh_token).toBe(1);
    expect(stats.refresh_reuse).toBe(0);
    // The rotated refresh token was durably stored, once, before anyone got the access token.
    expect(store.writes).toHaveLength(1);
    expect(store.writes[0]?.accessToken).toBe(values[0]);
    expect(store.writes[0]?.refreshToken).not.toBe(tokens.refreshToken);
    // Told how each caller was served: one refreshed, the rest joined it.
    expect(outcomes.filter((o) => o === "upstream")).toHaveLength(1);
    expect(outcomes.filter((o) => o === "shared")).toHaveLength(99);

    // And the new access token works.
    const api = new ApiClient({
      auth: manager.provider("u1"),
      apiBaseUrl: emulator.endpoints.apiBaseUrl,
    });
    expect((await api.me()).username).toBeTruthy();
  });

  it("keeps separate grants apart: one refresh per key", async ({ emulator }) => {
    const manager = new TokenManager({ client: emulator.client });
    const a = await connect(emulator);
    const b = await connect(emulator);
    await manager.save("a", { ...a, expiresAt: 0 });
    await manager.save("b", { ...b, expiresAt: 0 });
    const [ta, tb] = await Promise.all([manager.getAccessToken("a"), manager.getAccessToken("b")]);
    expect(ta).not.toBe(tb);
    expect((await emulator.stats()).token_requests.refresh_token).toBe(2);
  });

  it("turns a dead refresh token into reauth_required and stops calling SoundCloud", async ({
    emulator,
  }) => {
    const manager = new TokenManager({ client: emulator.client });
    const tokens = await connect(emulator);
    // Spend the refresh token behind the manager's back (another app instance, say).
    const other = new TokenManager({ client: emulator.client });
    await other.save("x", tokens);
    await other.refresh("x");
    await emulator.configure({ revoke_on_refresh_reuse: false });

    await manager.save("u1", { ...tokens, expiresAt: 0 });
    const error = await manager.getAccessToken("u1").catch((e: unknown) => e);
    expect(isSoundgateError(error, "reauth_required")).toBe(true);
    expect((await manager.store.get("u1"))?.reauthRequired).toBe(true);
    const before = (await emulator.stats()).token_requests.refresh_token;
    await expect(manager.getAccessToken("u1")).rejects.toMatchObject({ code: "reauth_required" });
    expect((await emulator.stats()).token_requests.refresh_token).toBe(before);
  });

  it("after invalid_grant, adopts the tokens another process stored meanwhile", async ({
    emulator,
  }) => {
    await emulator.configure({ revoke_on_refresh_reuse: false });
    const tokens = await connect(emulator);
    const shared = new MemoryTokenStore();
    await shared.set("u1", { ...tokens, expiresAt: 0 });
    // Process B wins the race and stores the rotated set.
    const winner = await new TokenManager({ client: emulator.client, store: shared }).refresh("u1");
    // Process A read the row just before B wrote it: its first two reads are stale.
    let staleReads = 2;
    const lagging: TokenStore = {
      get: async (key) => (staleReads-- > 0 ? { ...tokens, expiresAt: 0 } : shared.get(key)),
      set: (key, value) => shared.set(key, value),
      delete: (key) => shared.delete(key),
    };
    const outcomes: string[] = [];
    const manager = new TokenManager({
      client: emulator.client,
      store: lagging,
      onRefresh: (outcome) => outcomes.push(outcome),
    });
    expect(await manager.getAccessToken("u1")).toBe(winner.accessToken);
    // It called SoundCloud, but what it answered with is the other process's refresh.
    expect(outcomes).toEqual(["shared"]);
    expect((await shared.get("u1"))?.reauthRequired).toBe(false);
  });

  it("handles a 401 from the API by refreshing once and retrying", async ({ emulator }) => {
    const manager = new TokenManager({ client: emulator.client });
    const tokens = await connect(emulator);
    await manager.save("u1", tokens);
    await fetch(`${emulator.url}/_emulator/tokens/expire`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ access_token: tokens.accessToken }),
    });
    const api = new ApiClient({
      auth: manager.provider("u1"),
      apiBaseUrl: emulator.endpoints.apiBaseUrl,
    });
    const results = await Promise.all(Array.from({ length: 10 }, () => api.me()));
    expect(results.every((me) => me.username)).toBe(true);
    expect((await emulator.stats()).token_requests.refresh_token).toBe(1);
  });

  it("adopts the stored row when a versioned store refuses a stale write (a new login meanwhile)", async ({
    emulator,
  }) => {
    const tokens = await connect(emulator);
    const relogin = await connect(emulator);
    const rows = new Map<string, StoredTokens & { version: number }>();
    rows.set("u1", { ...tokens, expiresAt: 0, version: 1 });
    let reloggedIn = false;
    const versioned: TokenStore = {
      get: async (key) => {
        const row = rows.get(key);
        return row && { ...row };
      },
      set: async (key, value) => {
        // The user logs in again while our refresh is on its way: that write lands first.
        if (!reloggedIn) {
          reloggedIn = true;
          rows.set(key, { ...relogin, version: 2 });
        }
        const row = rows.get(key);
        if (row && row.version !== value.version) {
          throw new SoundgateError("conflict", "row changed");
        }
        rows.set(key, { ...value, version: (row?.version ?? 0) + 1 });
      },
      delete: async (key) => {
        rows.delete(key);
      },
    };
    const manager = new TokenManager({ client: emulator.client, store: versioned });
    expect(await manager.getAccessToken("u1")).toBe(relogin.accessToken);
    expect(rows.get("u1")?.accessToken).toBe(relogin.accessToken);
    expect((await emulator.stats()).token_requests.refresh_token).toBe(1);
  });

  it("says reauth_required for a key it has never seen", async ({ emulator }) => {
    const manager = new TokenManager({ client: emulator.client });
    await expect(manager.getAccessToken("nobody")).rejects.toMatchObject({
      code: "reauth_required",
    });
  });
});
