import { authorizeCode, type TestEmulator } from "@soundgate/test-support/emulator";
import { it } from "@soundgate/test-support/fixtures";
import { describe, expect } from "vitest";
import { isSoundgateError } from "./errors.js";
import { exchangeCode } from "./grants.js";
import { type GraceStore, type LockFn, MemoryGraceStore, RotationGuard } from "./rotation-guard.js";

it.beforeEach(({ emulator }) => emulator.reset());

async function refreshTokenOfNewGrant(emulator: TestEmulator): Promise<string> {
  const { code, verifier } = await authorizeCode(emulator);
  const tokens = await exchangeCode(emulator.client, { code, codeVerifier: verifier });
  return tokens.refreshToken as string;
}

/** One holder per key at a time, like an advisory lock shared by "instances" in this test. */
function sharedLock(): { lock: LockFn; keys: string[] } {
  const tails = new Map<string, Promise<unknown>>();
  const keys: string[] = [];
  const lock: LockFn = async (key, work) => {
    keys.push(key);
    const previous = tails.get(key) ?? Promise.resolve();
    const mine = previous.then(work, work);
    tails.set(
      key,
      mine.catch(() => {}),
    );
    return mine;
  };
  return { lock, keys };
}

describe("RotationGuard", () => {
  it("50 concurrent refreshes of one token make one upstream refresh and get one set", async ({
    emulator,
  }) => {
    const token = await refreshTokenOfNewGrant(emulator);
    const guard = new RotationGuard({ client: emulator.client });
    const sets = await Promise.all(Array.from({ length: 50 }, () => guard.refresh(token)));
    expect(new Set(sets.map((set) => set.accessToken)).size).toBe(1);
    expect(sets[0]?.refreshToken).not.toBe(token);
    const stats = await emulator.stats();
    expect(stats.token_requests.refresh_token).toBe(1);
    expect(stats.token_errors.invalid_grant).toBe(0);
  });

  it("a repeat within the grace gets the same set without spending the token again", async ({
    emulator,
  }) => {
    const token = await refreshTokenOfNewGrant(emulator);
    const guard = new RotationGuard({ client: emulator.client });
    const first = await guard.refresh(token);
    const again = await guard.refresh(token);
    expect(again).toEqual(first);
    expect((await emulator.stats()).token_requests.refresh_token).toBe(1);
    // The new set works: its refresh token rotates once more.
    const next = await guard.refresh(first.refreshToken as string);
    expect(next.accessToken).not.toBe(first.accessToken);
  });

  it("two instances sharing a store and a lock refresh once", async ({ emulator }) => {
    const token = await refreshTokenOfNewGrant(emulator);
    const store = new MemoryGraceStore();
    const { lock, keys } = sharedLock();
    const a = new RotationGuard({ client: emulator.client, store, lock });
    const b = new RotationGuard({ client: emulator.client, store, lock });
    const sets = await Promise.all(
      Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? a : b).refresh(token)),
    );
    expect(new Set(sets.map((set) => set.refreshToken)).size).toBe(1);
    expect((await emulator.stats()).token_requests.refresh_token).toBe(1);
    // The lock key names a hash, never the token.
    expect(keys.every((key) => !key.includes(token))).toBe(true);
  });

  it("stores only a hash id and a sealed value; neither reveals a token", async ({ emulator }) => {
    const token = await refreshTokenOfNewGrant(emulator);
    const seen: Array<[string, string]> = [];
    const store: GraceStore = {
      get: async () => undefined,
      put: async (id, sealed) => {
        seen.push([id, sealed]);
      },
    };
    const set = await new RotationGuard({ client: emulator.client, store }).refresh(token);
    expect(seen).toHaveLength(1);
    const [id, sealed] = seen[0] as [string, string];
    for (const secret of [token, set.accessToken, set.refreshToken as string]) {
      expect(id).not.toContain(secret);
      expect(sealed).not.toContain(secret);
    }
  });

  it("an altered grace entry counts as none (and the spent token is refused upstream)", async ({
    emulator,
  }) => {
    const token = await refreshTokenOfNewGrant(emulator);
    const store = new MemoryGraceStore();
    await new RotationGuard({ client: emulator.client, store }).refresh(token);
    const tampered: GraceStore = {
      get: async (id) => `${(await store.get(id))?.slice(0, -4)}AAAA`,
      put: (id, sealed, expiresAt) => store.put(id, sealed, expiresAt),
    };
    const error = await new RotationGuard({ client: emulator.client, store: tampered })
      .refresh(token)
      .catch((e: unknown) => e);
    expect(isSoundgateError(error, "invalid_grant")).toBe(true);
  });

  it("after the grace a spent token is refused: invalid_grant", async ({ emulator }) => {
    let now = Date.now();
    const client = { ...emulator.client, now: () => now };
    const token = await refreshTokenOfNewGrant(emulator);
    const guard = new RotationGuard({ client, graceMs: 30_000 });
    await guard.refresh(token);
    now += 31_000;
    const error = await guard.refresh(token).catch((e: unknown) => e);
    expect(isSoundgateError(error, "invalid_grant")).toBe(true);
  });
});
