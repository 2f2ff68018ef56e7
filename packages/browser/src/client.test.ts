// The SDK in Node against a real gateway and emulator over HTTP. Node has fetch and Web
// Crypto but no localStorage, location or Web Locks: storage is passed in, navigation is
// stubbed, and the cross-tab lock falls back to the storage lease (tested here as such).
// The same flows in a real browser, by clicking, are in apps/demo/e2e.

import { startTestEmulator, type TestEmulator } from "@soundgate/test-support/emulator";
import {
  APP_CALLBACK,
  approveAtEmulator,
  deliverToGateway,
  fetchVia,
  publicUrlOf,
  refreshAt,
  startLogin,
  startTestGateway,
} from "@soundgate/test-support/gateway";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { RunningGateway } from "../../server/src/gateway.js";
import { createSoundgateClient, type SoundgateClientOptions } from "./client.js";
import { SoundgateError } from "./errors.js";
import { lease } from "./lock.js";
import {
  ACCESS_TOKEN,
  EXPIRES_AT,
  FLOW_KEY,
  REFRESH_TOKEN,
  TOKEN_LIFETIME,
  type TokenStorage,
  USER,
} from "./storage.js";

function memoryStorage(): TokenStorage & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return {
    map,
    getItem: (key) => map.get(key) ?? null,
    setItem: (key, value) => void map.set(key, String(value)),
    removeItem: (key) => void map.delete(key),
  };
}

/**
 * A fetch that records the gateway paths it was asked for (and their DPoP headers), and
 * takes the gateway's public URL to where it listens, as a proxy in front of it would.
 */
function recordingFetch(at: RunningGateway) {
  const paths: string[] = [];
  const proofs: Array<{ path: string; dpop: string | null }> = [];
  const via = fetchVia(at);
  const wrapped: typeof fetch = (input, init) => {
    const url = new URL(String(input));
    if (url.pathname.startsWith("/auth/")) {
      const path = url.pathname.replace("/auth/soundcloud", "");
      paths.push(path);
      proofs.push({ path, dpop: new Headers(init?.headers).get("dpop") });
    }
    return via(input, init);
  };
  return {
    paths,
    proofs,
    fetch: wrapped,
    count: (path: string) => paths.filter((p) => p === path).length,
  };
}

/** What a browser profile shares between its tabs: localStorage and the IndexedDB key. */
const browserKey = () =>
  crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign"]);

async function rejection(promise: Promise<unknown>): Promise<SoundgateError> {
  const error = await promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SoundgateError);
  return error as SoundgateError;
}

let emulator: TestEmulator;
let gateway: RunningGateway;
const started: RunningGateway[] = [];

beforeAll(async () => {
  emulator = await startTestEmulator();
});
afterAll(() => emulator.close());
beforeEach(async () => {
  await emulator.reset();
  gateway = await startTestGateway(emulator);
  started.push(gateway);
});
afterEach(async () => {
  vi.unstubAllGlobals();
  await Promise.all(started.splice(0).map((g) => g.close()));
});

/** A tab: its own sessionStorage; localStorage and the DPoP key shared when given. */
function client(
  overrides: Partial<SoundgateClientOptions> & { storage?: ReturnType<typeof memoryStorage> } = {},
  at: RunningGateway = gateway,
) {
  const storage = overrides.storage ?? memoryStorage();
  const flowStorage = memoryStorage();
  const recorder = recordingFetch(at);
  const dpopKey = overrides.dpopKey ?? browserKey();
  const sdk = createSoundgateClient({
    gatewayUrl: publicUrlOf(at),
    apiUrl: emulator.url,
    flowStorage,
    fetch: recorder.fetch,
    ...overrides,
    storage,
    dpopKey,
  });
  return { sdk, storage, flowStorage, recorder, dpopKey };
}

/**
 * A desktop app's login window: approve at SoundCloud, follow back to the gateway, and
 * resolve with the URL the login ended on (what a webview, a loopback listener or an
 * app-scheme handler sees).
 */
const loginWindow = async (url: string, at: RunningGateway = gateway) => {
  const back = await deliverToGateway(at, await approveAtEmulator(emulator, url));
  return back.headers.get("location") ?? "";
};

async function connected(overrides: Parameters<typeof client>[0] = {}) {
  const made = client(overrides);
  await made.sdk.login({ poll: true, open: (url) => loginWindow(url) });
  return made;
}

/** A gateway that releases results to the initiator alone (blind polling, opt-in). */
async function blindGateway(): Promise<RunningGateway> {
  const blind = await startTestGateway(emulator, {
    env: { SOUNDGATE_RESULT_BINDING: "initiator" },
  });
  started.push(blind);
  return blind;
}

/** Stubs page navigation; returns the URLs the SDK navigated to. */
function stubLocation(): string[] {
  const visited: string[] = [];
  vi.stubGlobal("location", { assign: (url: string) => visited.push(url) });
  return visited;
}

describe("login, desktop apps (poll mode)", () => {
  it("finishes from the URL the login window ended on: both halves, one /result, Starlib's keys", async () => {
    const { sdk, storage, recorder } = client();
    let opened = "";
    const before = Date.now();
    const user = await sdk.login({
      poll: true,
      open: (url) => {
        opened = url;
        return loginWindow(url);
      },
    });
    expect(new URL(opened).origin).toBe(emulator.url);
    expect(new URL(opened).searchParams.get("redirect_uri")).toBe(
      "http://gateway.test/auth/soundcloud/redirect",
    );
    expect(user).toMatchObject({ username: "nightjar-audio", urn: "soundcloud:users:1000001" });
    expect(recorder.count("/result")).toBe(1);

    expect(storage.map.get(ACCESS_TOKEN)).toMatch(/^at_/);
    expect(storage.map.get(REFRESH_TOKEN)).toMatch(/^rt_/);
    const expiresAt = Number(storage.map.get(EXPIRES_AT));
    expect(expiresAt).toBeGreaterThanOrEqual(before + 3_590_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 3_600_000);
    expect(JSON.parse(storage.map.get(USER) ?? "")).toEqual(user);
    expect(sdk.getUser()).toEqual(user);
    expect(sdk.getSession()).toMatchObject({ accessToken: storage.map.get(ACCESS_TOKEN) });
  });

  it("refuses to poll blind unless asked: open() must give the final URL", async () => {
    const { sdk, recorder } = client();
    const error = await rejection(sdk.login({ poll: true, open: () => {} }));
    expect(error.code).toBe("result_key_required");
    expect(error.message).toMatch(/poll: "blind"/);
    expect(recorder.count("/result")).toBe(0);
  });

  it('poll: "blind" polls with backoff where the gateway allows it, and is refused where it does not', async () => {
    const blind = await blindGateway();
    const { sdk, recorder } = client({}, blind);
    const user = await sdk.login({
      poll: "blind",
      open: (url) => {
        // The user takes a moment on the consent page: the SDK polls meanwhile.
        setTimeout(() => void loginWindow(url, blind), 900);
      },
    });
    expect(user).toMatchObject({ username: "nightjar-audio" });
    expect(recorder.count("/result")).toBeGreaterThanOrEqual(2);
    expect(recorder.count("/result")).toBeLessThanOrEqual(4);

    // The default gateway releases nothing without the approving browser's key.
    const bound = client();
    let approved: Promise<string> | undefined;
    const refused = await rejection(
      bound.sdk.login({
        poll: "blind",
        open: (url) => {
          approved = loginWindow(url);
        },
      }),
    );
    await approved;
    expect(refused.code).toBe("result_key_required");
    expect(refused.status).toBe(401);
  });

  it("reports Cancel on the consent page as access_denied", async () => {
    const { sdk, recorder } = client();
    const error = await rejection(
      sdk.login({
        poll: true,
        open: async (url) => {
          const state = new URL(url).searchParams.get("state") ?? "";
          const denied = new URL("http://gateway.test/auth/soundcloud/redirect");
          denied.search = new URLSearchParams({ error: "access_denied", state }).toString();
          return (await deliverToGateway(gateway, denied)).headers.get("location");
        },
      }),
    );
    expect(error.code).toBe("access_denied");
    expect(recorder.count("/result")).toBe(0);
    expect(sdk.getSession()).toBeNull();
  });

  it("refuses a final URL from another login (its state is not this one's)", async () => {
    const { sdk } = client();
    const other = await startLogin(gateway);
    const otherUrl = await loginWindow(other.url);
    const error = await rejection(sdk.login({ poll: true, open: () => otherUrl }));
    expect(error.code).toBe("state_mismatch");
    expect(sdk.getSession()).toBeNull();
  });

  it("stops with timeout when nobody finishes the login, and with aborted on abort", async () => {
    const blind = await blindGateway();
    const { sdk } = client({}, blind);
    const timedOut = await rejection(sdk.login({ poll: "blind", open: () => {}, timeoutMs: 700 }));
    expect(timedOut.code).toBe("timeout");

    const controller = new AbortController();
    const aborted = sdk.login({ poll: "blind", open: () => {}, signal: controller.signal });
    setTimeout(() => controller.abort(), 300);
    expect((await rejection(aborted)).code).toBe("aborted");
  });

  it("says network_error when the gateway cannot be reached", async () => {
    const { sdk } = client({ gatewayUrl: "http://127.0.0.1:9" });
    expect((await rejection(sdk.login({ poll: true, open: () => {} }))).code).toBe("network_error");
  });

  it("passes the gateway's refusal on with its code", async () => {
    const { sdk } = client();
    const error = await rejection(
      sdk.login({ poll: true, returnTo: "http://evil.test/", open: () => {} }),
    );
    expect(error.code).toBe("return_to_not_allowed");
    expect(error.status).toBe(400);
  });
});

describe("login through the page (both flows)", () => {
  it("backend-redirect: navigates to SoundCloud, then handleCallback fetches the result", async () => {
    const visited = stubLocation();
    const { sdk, flowStorage, recorder } = client();
    await sdk.login({ returnTo: APP_CALLBACK });
    expect(visited).toHaveLength(1);
    const flow = JSON.parse(flowStorage.map.get(FLOW_KEY) ?? "");
    expect(flow).toEqual({ state: expect.any(String), verifier: expect.any(String) });

    const back = await deliverToGateway(
      gateway,
      await approveAtEmulator(emulator, visited[0] ?? ""),
    );
    const page = back.headers.get("location") ?? "";
    expect(new URL(page).searchParams.get("state")).toBe(flow.state);
    expect(new URL(page).searchParams.get("result_key")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const replaced: string[] = [];
    vi.stubGlobal("history", {
      state: null,
      replaceState: (_: unknown, __: string, url: URL) => replaced.push(String(url)),
    });
    const user = await sdk.handleCallback(`${page}&page=2`);
    // The state and the key leave the address bar; the app's own parameters stay.
    expect(replaced).toEqual([`${APP_CALLBACK}?page=2`]);
    expect(user?.username).toBe("nightjar-audio");
    expect(recorder.count("/result")).toBe(1);
    expect(flowStorage.map.has(FLOW_KEY)).toBe(false);
    expect(sdk.getSession()?.accessToken).toMatch(/^at_/);
  });

  it("direct: SoundCloud sends the code to the page, which posts it to /callback", async () => {
    const direct = await startTestGateway(emulator, {
      env: { SOUNDCLOUD_REDIRECT_URI: APP_CALLBACK },
    });
    started.push(direct);
    const visited = stubLocation();
    const { sdk, recorder } = client({}, direct);
    await sdk.login({ returnTo: APP_CALLBACK });
    const back = await approveAtEmulator(emulator, visited[0] ?? "");
    expect(`${back.origin}${back.pathname}`).toBe(APP_CALLBACK);
    const user = await sdk.handleCallback(back.href);
    expect(user?.username).toBe("nightjar-audio");
    expect(recorder.count("/callback")).toBe(1);
    // Signed, so the tokens are bound to this browser's key from the start.
    expect(recorder.proofs.find((p) => p.path === "/callback")?.dpop).toMatch(/^ey[\w-]+\.ey/);
    const stolen = sdk.getSession()?.refreshToken ?? "";
    expect((await refreshAt(direct, stolen)).status).toBe(401);
  });

  it("works against a gateway in the Starlib profile too (bound logins stay bound there)", async () => {
    const starlib = await startTestGateway(emulator, { env: { SOUNDGATE_COMPAT: "starlib" } });
    started.push(starlib);
    const visited = stubLocation();
    const { sdk, recorder } = client({}, starlib);
    await sdk.login({ returnTo: APP_CALLBACK });
    const page =
      (
        await deliverToGateway(starlib, await approveAtEmulator(emulator, visited[0] ?? ""))
      ).headers.get("location") ?? "";
    expect(new URL(page).searchParams.get("result_key")).toBeTruthy();
    expect((await sdk.handleCallback(page))?.username).toBe("nightjar-audio");
    expect(recorder.count("/result")).toBe(1);
  });

  it("returns null without login parameters, refuses a foreign state, reports a denial", async () => {
    const visited = stubLocation();
    const { sdk } = client();
    expect(await sdk.handleCallback(`${APP_CALLBACK}?page=2`)).toBeNull();
    // No login started in this tab.
    expect((await rejection(sdk.handleCallback(`${APP_CALLBACK}?state=abc`))).code).toBe(
      "state_mismatch",
    );
    await sdk.login({ returnTo: APP_CALLBACK });
    const state = new URL(visited[0] ?? "").searchParams.get("state");
    expect((await rejection(sdk.handleCallback(`${APP_CALLBACK}?state=other`))).code).toBe(
      "state_mismatch",
    );
    // A mismatch consumes the flow: a second try does not work either.
    expect(
      (await rejection(sdk.handleCallback(`${APP_CALLBACK}?state=${state}&code=x`))).code,
    ).toBe("state_mismatch");

    await sdk.login({ returnTo: APP_CALLBACK });
    const second = new URL(visited[1] ?? "").searchParams.get("state");
    const denied = await rejection(
      sdk.handleCallback(`${APP_CALLBACK}?state=${second}&error=access_denied`),
    );
    expect(denied.code).toBe("access_denied");
    expect(denied.message).toBe("The connection was cancelled at SoundCloud");
  });

  it("a callback URL opened in a second tab (no login started there) is refused before any request", async () => {
    const visited = stubLocation();
    const first = client();
    await first.sdk.login({ returnTo: APP_CALLBACK });
    const page =
      (
        await deliverToGateway(gateway, await approveAtEmulator(emulator, visited[0] ?? ""))
      ).headers.get("location") ?? "";
    // The second tab shares localStorage but has its own sessionStorage.
    const second = client({ storage: first.storage, dpopKey: first.dpopKey });
    const error = await rejection(second.sdk.handleCallback(page));
    expect(error.code).toBe("state_mismatch");
    expect(error.message).toMatch(/not started here/);
    expect(second.recorder.count("/result")).toBe(0);
    // The tab that started it still finishes.
    expect((await first.sdk.handleCallback(page))?.username).toBe("nightjar-audio");
  });
});

describe("tokens", () => {
  it("ensureValidToken keeps a fresh token and refreshes one within 60 s of expiry", async () => {
    const { sdk, storage, recorder } = await connected();
    const first = storage.map.get(ACCESS_TOKEN);
    expect(await sdk.ensureValidToken()).toBe(first);
    expect(recorder.count("/refresh")).toBe(0);

    storage.setItem(EXPIRES_AT, String(Date.now() + 59_000));
    const second = await sdk.ensureValidToken();
    expect(second).not.toBe(first);
    expect(storage.map.get(ACCESS_TOKEN)).toBe(second);
    expect(Number(storage.map.get(EXPIRES_AT))).toBeGreaterThan(Date.now() + 3_500_000);
    expect(recorder.count("/refresh")).toBe(1);
    expect((await emulator.stats()).token_requests.refresh_token).toBe(1);
  });

  it("refreshes a short-lived token at half its lifetime, not on every call", async () => {
    // Tokens of 8 s: a fixed 60 s margin would send every call to /refresh.
    await emulator.configure({ access_token_ttl_s: 8 });
    try {
      const { sdk, storage, recorder } = await connected();
      const first = storage.map.get(ACCESS_TOKEN);
      // What the gateway's expires_in said (whole seconds left, so 7 or 8).
      expect(["7000", "8000"]).toContain(storage.map.get(TOKEN_LIFETIME));
      for (let i = 0; i < 3; i++) expect(await sdk.ensureValidToken()).toBe(first);
      expect(recorder.count("/refresh")).toBe(0);
      // Under half the lifetime left: refreshed, once.
      storage.setItem(EXPIRES_AT, String(Date.now() + 3_000));
      const second = await sdk.ensureValidToken();
      expect(second).not.toBe(first);
      expect(await sdk.ensureValidToken()).toBe(second);
      expect(recorder.count("/refresh")).toBe(1);
      // A login stored without the lifetime (Starlib's front end) keeps the plain margin.
      storage.removeItem(TOKEN_LIFETIME);
      expect(await sdk.ensureValidToken()).not.toBe(second);
      expect(recorder.count("/refresh")).toBe(2);
    } finally {
      await emulator.configure({ access_token_ttl_s: 3599 });
    }
  });

  it("many callers in two 'tabs' sharing storage cause one refresh (storage lease)", async () => {
    const a = await connected();
    const b = client({ storage: a.storage, dpopKey: a.dpopKey });
    a.storage.setItem(EXPIRES_AT, String(Date.now() - 1000));
    const tokens = await Promise.all([
      ...Array.from({ length: 5 }, () => a.sdk.ensureValidToken()),
      ...Array.from({ length: 5 }, () => b.sdk.ensureValidToken()),
    ]);
    expect(new Set(tokens).size).toBe(1);
    expect(a.recorder.count("/refresh") + b.recorder.count("/refresh")).toBe(1);
    expect((await emulator.stats()).token_requests.refresh_token).toBe(1);
  });

  it("clears the session and says reauth_required when SoundCloud refuses the refresh token", async () => {
    const { sdk, storage } = await connected();
    const changes = vi.fn();
    sdk.subscribe(changes);
    // Signing out at SoundCloud elsewhere revokes the grant, refresh token included.
    await fetch(`${emulator.url}/sign-out`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ access_token: storage.map.get(ACCESS_TOKEN) }),
    });
    storage.setItem(EXPIRES_AT, "0");
    expect((await rejection(sdk.ensureValidToken())).code).toBe("reauth_required");
    expect(sdk.getSession()).toBeNull();
    expect(storage.map.size).toBe(0);
    expect(changes).toHaveBeenCalled();
    expect((await rejection(sdk.ensureValidToken())).code).toBe("not_connected");
  });

  it("a lease runs one task at a time across holders of one storage", async () => {
    const storage = memoryStorage();
    let running = 0;
    let most = 0;
    const task = async () => {
      running += 1;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, 20));
      running -= 1;
      return running;
    };
    await Promise.all(Array.from({ length: 4 }, () => lease(storage, task)));
    expect(most).toBe(1);
    expect(storage.map.size).toBe(0);
  });
});

describe("DPoP: tokens bound to this browser's key", () => {
  const decode = (part: string) => JSON.parse(Buffer.from(part, "base64url").toString());

  it("signs /result and every /refresh with one key, each proof for its own request", async () => {
    const { sdk, storage, recorder } = await connected();
    storage.setItem(EXPIRES_AT, "0");
    await sdk.ensureValidToken();
    storage.setItem(EXPIRES_AT, "0");
    await sdk.ensureValidToken();
    await sdk.logout();
    const signed = recorder.proofs.filter((p) => p.dpop !== null);
    expect(signed.map((p) => p.path)).toEqual(["/result", "/refresh", "/refresh"]);
    // /authorize and /sign-out hand out no tokens: no proof.
    expect(recorder.proofs.filter((p) => p.dpop === null).map((p) => p.path)).toEqual([
      "/authorize",
      "/sign-out",
    ]);
    const parts = signed.map((p) =>
      (p.dpop ?? "").split(".").map((x, i) => (i < 2 ? decode(x) : x)),
    );
    for (const [i, [header, claims]] of parts.entries()) {
      const path = signed[i]?.path;
      expect(header).toEqual({ typ: "dpop+jwt", alg: "ES256", jwk: parts[0]?.[0].jwk });
      expect(Object.keys(header.jwk).sort()).toEqual(["crv", "kty", "x", "y"]); // no private part
      // The URL as the page addresses the gateway (its public URL), without the query.
      expect(claims).toEqual({
        htm: path === "/result" ? "GET" : "POST",
        htu: `http://gateway.test/auth/soundcloud${path}`,
        iat: expect.any(Number),
        jti: expect.stringMatching(/^[\w-]{22}$/),
      });
      expect(Math.abs(claims.iat - Date.now() / 1000)).toBeLessThan(5);
    }
    expect(new Set(parts.map((p) => p[1].jti)).size).toBe(3);
  });

  it("the same tokens in another browser (another key) refresh nothing, and are cleared there", async () => {
    const victim = await connected();
    // Everything localStorage holds, copied into another browser profile.
    const thief = client();
    for (const [key, value] of victim.storage.map) thief.storage.setItem(key, value);
    thief.storage.setItem(EXPIRES_AT, "0");
    const error = await rejection(thief.sdk.ensureValidToken());
    expect(error).toMatchObject({ code: "invalid_dpop_proof", status: 401 });
    expect(thief.sdk.getSession()).toBeNull();
    // And by hand, without the SDK: nothing either.
    const stolen = victim.storage.map.get(REFRESH_TOKEN) ?? "";
    expect((await refreshAt(gateway, stolen)).status).toBe(401);
    expect((await emulator.stats()).token_requests.refresh_token).toBe(0);
    // The victim's browser is unaffected.
    victim.storage.setItem(EXPIRES_AT, "0");
    expect(await victim.sdk.ensureValidToken()).toMatch(/^at_/);
    expect((await emulator.stats()).token_requests.refresh_token).toBe(1);
  });

  it("retries a refresh whose answer was lost, and gets the same new pair from the gateway", async () => {
    const { storage, dpopKey } = await connected();
    let lost = 0;
    const via = fetchVia(gateway);
    const flaky: typeof fetch = async (input, init) => {
      const response = await via(input, init);
      // The gateway refreshed, but the answer never reaches the page.
      if (String(input).endsWith("/refresh") && lost++ === 0) throw new TypeError("fetch failed");
      return response;
    };
    const { sdk } = client({ storage, dpopKey, fetch: flaky });
    storage.setItem(EXPIRES_AT, "0");
    expect(await sdk.ensureValidToken()).toMatch(/^at_/);
    expect(lost).toBe(2);
    expect((await emulator.stats()).token_requests.refresh_token).toBe(1);
    expect((await emulator.stats()).refresh_reuse).toBe(0);
  });
});

describe("fetchSoundCloud", () => {
  it("calls the API with Authorization: OAuth and follows next_href on the API origin", async () => {
    const { sdk, storage } = await connected();
    const requests: Request[] = [];
    const spy = client({
      storage,
      fetch: (input, init) => {
        requests.push(new Request(input, init));
        return fetch(input, init);
      },
    }).sdk;
    const first = await spy.fetchSoundCloud("/me/tracks?linked_partitioning=true&limit=50");
    expect(first.status).toBe(200);
    const page = (await first.json()) as { collection: unknown[]; next_href: string };
    expect(page.collection).toHaveLength(50);
    const second = await spy.fetchSoundCloud(page.next_href);
    expect(((await second.json()) as { collection: unknown[] }).collection).toHaveLength(10);
    expect(requests.map((r) => r.headers.get("authorization"))).toEqual([
      `OAuth ${storage.map.get(ACCESS_TOKEN)}`,
      `OAuth ${storage.map.get(ACCESS_TOKEN)}`,
    ]);
    expect(await sdk.fetchSoundCloud("/me").then((r) => r.status)).toBe(200);
  });

  it("never sends the token to another origin", async () => {
    const { sdk, recorder } = await connected();
    const before = recorder.paths.length;
    for (const url of ["https://evil.test/me", "http://127.0.0.1:9/me", "@evil.test/me"]) {
      expect((await rejection(sdk.fetchSoundCloud(url))).code).toBe("invalid_url");
    }
    expect(recorder.paths.length).toBe(before);
  });

  it("on 401 refreshes once and retries", async () => {
    const { sdk, storage } = await connected();
    const stale = storage.map.get(ACCESS_TOKEN);
    await fetch(`${emulator.url}/_emulator/tokens/expire`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ access_token: stale }),
    });
    const response = await sdk.fetchSoundCloud("/me");
    expect(response.status).toBe(200);
    expect(storage.map.get(ACCESS_TOKEN)).not.toBe(stale);
    expect((await emulator.stats()).token_requests.refresh_token).toBe(1);
  });
});

describe("logout", () => {
  it("clears the stored session and signs out at SoundCloud through the gateway", async () => {
    const { sdk, storage, recorder } = await connected();
    const token = storage.map.get(ACCESS_TOKEN);
    const changes = vi.fn();
    const unsubscribe = sdk.subscribe(changes);
    await sdk.logout();
    expect(storage.map.size).toBe(0);
    expect(sdk.getUser()).toBeNull();
    expect(recorder.count("/sign-out")).toBe(1);
    expect(changes).toHaveBeenCalledTimes(1);
    unsubscribe();
    const me = await fetch(`${emulator.url}/me`, { headers: { Authorization: `OAuth ${token}` } });
    expect(me.status).toBe(401);
    // Nothing stored: nothing to sign out.
    await sdk.logout();
    expect(recorder.count("/sign-out")).toBe(1);
  });
});
