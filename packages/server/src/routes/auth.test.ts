import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DpopKey } from "@soundgate/test-support/dpop";
import type { TestEmulator } from "@soundgate/test-support/emulator";
import { it } from "@soundgate/test-support/fixtures";
import {
  APP_CALLBACK,
  approveAtEmulator,
  deliverToGateway,
  dpopHeader,
  getResult,
  loginViaRedirect,
  refreshAt,
  resultKeyOf,
  resultSecret,
  startLogin,
} from "@soundgate/test-support/gateway";
import { describe, expect } from "vitest";
import { REFRESH_GRACE_MS } from "../auth/refresh.js";
import type { RunningGateway } from "../gateway.js";

// The file's emulator, with fresh grants, data and counters for each test.
it.beforeEach(({ emulator }) => emulator.reset());

async function json(response: Response): Promise<Record<string, unknown>> {
  return (await response.json()) as Record<string, unknown>;
}

describe("backend-redirect flow", () => {
  it("authorize → SoundCloud → redirect → result, once", async ({ emulator, gateway }) => {
    const login = await startLogin(gateway);
    const authorizeUrl = new URL(login.url);
    expect(authorizeUrl.origin).toBe(emulator.url);
    expect(authorizeUrl.searchParams.get("code_challenge_method")).toBe("S256");
    expect(authorizeUrl.searchParams.get("state")).toBe(login.state);
    expect(authorizeUrl.searchParams.get("redirect_uri")).toBe(
      "http://gateway.test/auth/soundcloud/redirect",
    );

    // Before SoundCloud sends the browser back there is no key, and without one the
    // gateway says only what is missing, nothing about the flow.
    const early = await getResult(gateway, login.state, login.verifier);
    expect(early.status).toBe(401);
    expect(await json(early)).toMatchObject({ error: "result_key_required" });

    const back = await deliverToGateway(gateway, await approveAtEmulator(emulator, login.url));
    expect(back.status).toBe(303);
    const location = new URL(back.headers.get("location") ?? "");
    expect(`${location.origin}${location.pathname}`).toBe(APP_CALLBACK);
    expect([...location.searchParams.keys()]).toEqual(["state", "result_key"]);
    expect(location.searchParams.get("state")).toBe(login.state);
    const key = location.searchParams.get("result_key") ?? "";
    expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const result = await getResult(gateway, login.state, login.verifier, key);
    expect(result.status).toBe(200);
    expect(result.headers.get("cache-control")).toBe("no-store");
    expect(result.headers.get("referrer-policy")).toBe("no-referrer");
    const body = await json(result);
    expect(body.access_token).toEqual(expect.any(String));
    expect(body.refresh_token).toEqual(expect.any(String));
    expect(body.expires_in).toBeGreaterThan(3500);
    expect(body.user).toEqual({
      id: expect.any(Number),
      urn: expect.stringMatching(/^soundcloud:users:\d+$/),
      username: expect.any(String),
      permalink: expect.any(String),
      avatar_url: expect.any(String),
    });
    // The token works at the API.
    const me = await fetch(`${emulator.url}/me`, {
      headers: { Authorization: `OAuth ${body.access_token}` },
    });
    expect(me.status).toBe(200);

    // One read only.
    const again = await getResult(gateway, login.state, login.verifier, key);
    expect(again.status).toBe(404);
    expect(await json(again)).toMatchObject({ error: "result_not_found" });
  });

  it("gives the authorization_url alias", async ({ gateway }) => {
    const { challenge } = resultSecret();
    const response = await fetch(
      `${gateway.url}/auth/soundcloud/authorize?return_to=${encodeURIComponent(APP_CALLBACK)}&result_challenge=${challenge}`,
    );
    const body = await json(response);
    expect(body.authorization_url).toBe(body.url);
    expect(Object.keys(body).sort()).toEqual(["authorization_url", "state", "url"]);
  });

  it("refuses a replayed state at /redirect", async ({ emulator, gateway }) => {
    const login = await startLogin(gateway);
    const redirect = await approveAtEmulator(emulator, login.url);
    expect((await deliverToGateway(gateway, redirect)).status).toBe(303);
    const replay = await deliverToGateway(gateway, redirect);
    expect(replay.status).toBe(400);
    expect(await json(replay)).toMatchObject({ error: "invalid_state" });
    expect((await emulator.stats()).token_requests.authorization_code).toBe(1);
  });

  it("refuses a missing, wrong, reused or oversized verifier or key with 4xx JSON, consuming nothing", async ({
    emulator,
    gateway,
  }) => {
    const login = await startLogin(gateway);
    const key = resultKeyOf(
      await deliverToGateway(gateway, await approveAtEmulator(emulator, login.url)),
    );
    const other = resultSecret().verifier; // a well-formed secret that is not this flow's
    const attempts: Array<[string, Response, number, string]> = [
      [
        "no verifier",
        await getResult(gateway, login.state, undefined, key),
        401,
        "result_verifier_required",
      ],
      ["no key", await getResult(gateway, login.state, login.verifier), 401, "result_key_required"],
      [
        "wrong verifier",
        await getResult(gateway, login.state, other, key),
        404,
        "result_not_found",
      ],
      [
        "wrong key",
        await getResult(gateway, login.state, login.verifier, other),
        404,
        "result_not_found",
      ],
      [
        "unknown state",
        await getResult(gateway, "nope", login.verifier, key),
        404,
        "result_not_found",
      ],
      [
        "empty key",
        await getResult(gateway, login.state, login.verifier, ""),
        400,
        "invalid_request",
      ],
      [
        "key too long",
        await getResult(gateway, login.state, login.verifier, "k".repeat(129)),
        400,
        "invalid_request",
      ],
      [
        "verifier too long",
        await getResult(gateway, login.state, "v".repeat(257), key),
        400,
        "invalid_request",
      ],
    ];
    for (const [what, response, status, error] of attempts) {
      expect(`${what}: ${response.status}`).toBe(`${what}: ${status}`);
      expect(response.headers.get("content-type")).toMatch(/^application\/json/);
      expect(await json(response)).toMatchObject({ error, message: expect.any(String) });
    }
    // Wrong and unknown look the same, so the answer says nothing about the flow.
    expect(await json(await getResult(gateway, login.state, other, key))).toEqual(
      await json(await getResult(gateway, "nope", login.verifier, key)),
    );
    expect((await getResult(gateway, login.state, login.verifier, key)).status).toBe(200);
    const reused = await getResult(gateway, login.state, login.verifier, key);
    expect(reused.status).toBe(404);
    expect(await json(reused)).toMatchObject({ error: "result_not_found" });
  });

  it("gives each login its own key: a key from one flow does not open another", async ({
    emulator,
    gateway,
  }) => {
    const first = await startLogin(gateway);
    const second = await startLogin(gateway);
    const firstKey = resultKeyOf(
      await deliverToGateway(gateway, await approveAtEmulator(emulator, first.url)),
    );
    const secondKey = resultKeyOf(
      await deliverToGateway(gateway, await approveAtEmulator(emulator, second.url)),
    );
    expect(firstKey).not.toBe(secondKey);
    expect((await getResult(gateway, second.state, second.verifier, firstKey)).status).toBe(404);
    expect((await getResult(gateway, second.state, second.verifier, secondKey)).status).toBe(200);
    expect((await getResult(gateway, first.state, first.verifier, firstKey)).status).toBe(200);
  });

  it("sends SoundCloud's access_denied back to the app, and /result reports it once", async ({
    gateway,
  }) => {
    const login = await startLogin(gateway);
    const page = await fetch(login.url);
    expect(page.status).toBe(200);
    const redirect = new URL("http://gateway.test/auth/soundcloud/redirect");
    redirect.searchParams.set("error", "access_denied");
    redirect.searchParams.set("state", login.state);
    const back = await deliverToGateway(gateway, redirect);
    expect(back.status).toBe(303);
    const location = new URL(back.headers.get("location") ?? "");
    expect(location.searchParams.get("error")).toBe("access_denied");
    expect(location.searchParams.get("state")).toBe(login.state);
    const key = resultKeyOf(back);
    expect(key).toBeDefined();
    expect((await getResult(gateway, login.state, login.verifier)).status).toBe(401);
    const result = await getResult(gateway, login.state, login.verifier, key);
    expect(result.status).toBe(403);
    expect(await json(result)).toMatchObject({ error: "access_denied" });
    expect((await getResult(gateway, login.state, login.verifier, key)).status).toBe(404);
  });

  it("sends a failed exchange back as an error, not a broken page", async ({
    emulator,
    gateway,
  }) => {
    const login = await startLogin(gateway);
    const redirect = await approveAtEmulator(emulator, login.url);
    redirect.searchParams.set("code", "not-a-real-code");
    const back = await deliverToGateway(gateway, redirect);
    expect(back.status).toBe(303);
    expect(new URL(back.headers.get("location") ?? "").searchParams.get("error")).toBe(
      "invalid_grant",
    );
    const result = await getResult(gateway, login.state, login.verifier, resultKeyOf(back));
    expect(result.status).toBe(400);
    expect(await json(result)).toMatchObject({ error: "invalid_grant" });
  });

  it("reports SoundCloud being down during the exchange as upstream_unavailable", async ({
    emulator,
    gateway,
  }) => {
    const login = await startLogin(gateway);
    const redirect = await approveAtEmulator(emulator, login.url);
    await emulator.configure({ fail_next: { target: "token", count: 1, status: 503 } });
    const back = await deliverToGateway(gateway, redirect);
    expect(new URL(back.headers.get("location") ?? "").searchParams.get("error")).toBe(
      "upstream_unavailable",
    );
    // The exchange was not retried: a code must never be presented twice.
    expect((await emulator.stats()).token_requests.authorization_code).toBe(1);
  });

  it("answers an unknown state at /redirect with 400 JSON and no redirect", async ({ gateway }) => {
    const response = await fetch(`${gateway.url}/auth/soundcloud/redirect?code=x&state=nope`, {
      redirect: "manual",
    });
    expect(response.status).toBe(400);
    expect(response.headers.get("location")).toBeNull();
    expect(await json(response)).toMatchObject({ error: "invalid_state" });
  });

  it("tells a browser an unknown login expired, without blaming SoundCloud", async ({
    gateway,
  }) => {
    const response = await fetch(`${gateway.url}/auth/soundcloud/redirect?code=x&state=nope`, {
      redirect: "manual",
      headers: { Accept: "text/html,application/xhtml+xml,*/*;q=0.8" },
    });
    expect(response.status).toBe(400);
    expect(response.headers.get("location")).toBeNull();
    const text = await response.text();
    expect(text).toContain("This login expired");
    expect(text).toContain("the gateway restarted");
    expect(text).not.toContain("SoundCloud reported");
  });

  it("sends a browser that started a BFF login back to the gateway's page with login_expired", async ({
    gateway,
    startGateway,
  }) => {
    const serving = await startGateway({
      env: { SOUNDGATE_ALLOWED_RETURN_TO: "http://gateway.test/" },
    });
    // A login cookie, but a state the gateway no longer knows: a restart lost the flow.
    const lost = (at: RunningGateway) =>
      fetch(`${at.url}/auth/soundcloud/redirect?code=x&state=nope`, {
        redirect: "manual",
        headers: { Cookie: "soundgate_login=from-before-the-restart" },
      });
    const response = await lost(serving);
    expect(response.status).toBe(303);
    // Never a return_to taken from the request: the gateway's own page.
    expect(response.headers.get("location")).toBe("http://gateway.test/?error=login_expired");
    expect(response.headers.getSetCookie().join()).toMatch(/soundgate_login=;/);
    // Where the gateway's page is not an allowed return_to, there is nowhere to send it.
    const elsewhere = await lost(gateway);
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.headers.get("location")).toBeNull();
  });

  it("defaults return_to to the gateway's done page for desktop apps", async ({
    emulator,
    gateway,
  }) => {
    const { challenge, verifier } = resultSecret();
    const response = await fetch(
      `${gateway.url}/auth/soundcloud/authorize?result_challenge=${challenge}`,
    );
    const { url, state } = (await response.json()) as { url: string; state: string };
    const back = await deliverToGateway(gateway, await approveAtEmulator(emulator, url));
    const key = resultKeyOf(back) ?? "";
    expect(back.headers.get("location")).toBe(
      `http://gateway.test/auth/soundcloud/done?state=${state}&result_key=${key}`,
    );
    const done = await fetch(
      `${gateway.url}/auth/soundcloud/done?state=${state}&result_key=${key}`,
    );
    expect(done.status).toBe(200);
    const text = await done.text();
    expect(text).toContain("close this tab");
    expect(text).toContain("not started here");
    expect(text).not.toContain(key);
    expect((await getResult(gateway, state, verifier, key)).status).toBe(200);
  });

  it("the done page says what happened when the login failed", async ({ gateway }) => {
    const denied = await (
      await fetch(`${gateway.url}/auth/soundcloud/done?error=access_denied`)
    ).text();
    expect(denied).toContain("You cancelled the connection");
    expect(denied).not.toContain("Return to the app");
    const failed = await (
      await fetch(`${gateway.url}/auth/soundcloud/done?error=${encodeURIComponent("<b>x</b>")}`)
    ).text();
    expect(failed).toContain("The login did not complete");
    expect(failed).toContain("&#60;b&#62;x&#60;/b&#62;"); // escaped, never markup
    const long = await fetch(`${gateway.url}/auth/soundcloud/done?error=${"x".repeat(300)}`);
    expect(long.status).toBe(400);
  });
});

describe("return_to allowlist", () => {
  const refused = [
    "http://evil.test/callback",
    "http://app.test/callback2",
    "http://app.test/other",
    "https://app.test/callback",
    "http://app.test:8080/callback",
    "http://user:pass@app.test/callback",
    "javascript:alert(1)",
    "//evil.test/callback",
    "/callback",
    "app.test/callback",
    "http://app.test/callback?next=http://evil.test",
    "",
  ];
  for (const value of refused) {
    it(`refuses ${JSON.stringify(value)} with 400 and stores nothing`, async ({ gateway }) => {
      const { challenge } = resultSecret();
      const response = await fetch(
        `${gateway.url}/auth/soundcloud/authorize?return_to=${encodeURIComponent(value)}&result_challenge=${challenge}`,
        { redirect: "manual" },
      );
      expect(response.status).toBe(400);
      expect(response.headers.get("location")).toBeNull();
      expect((await json(response)).error).toMatch(/return_to_not_allowed|invalid_request/);
    });
  }
});

describe("native-app return_to (RFC 8252)", () => {
  it("sends state and result_key to a loopback port the app chose, on 127.0.0.1 and [::1]", async ({
    emulator,
    startGateway,
  }) => {
    const native = await startGateway({
      env: {
        SOUNDGATE_ALLOWED_RETURN_TO: `${APP_CALLBACK},http://127.0.0.1:*/callback,http://[::1]:*/callback`,
      },
    });
    for (const returnTo of [
      "http://127.0.0.1:54321/callback",
      "http://[::1]:61000/callback",
      "http://127.0.0.1/callback",
    ]) {
      const login = await startLogin(native, { return_to: returnTo });
      const back = await deliverToGateway(native, await approveAtEmulator(emulator, login.url));
      const location = new URL(back.headers.get("location") ?? "");
      expect(`${location.origin}${location.pathname}`).toBe(new URL(returnTo).href);
      expect(location.searchParams.get("state")).toBe(login.state);
      const key = location.searchParams.get("result_key") ?? undefined;
      expect((await getResult(native, login.state, login.verifier, key)).status).toBe(200);
    }
    for (const returnTo of [
      "http://localhost:54321/callback",
      "http://127.0.0.2:54321/callback",
      "https://127.0.0.1:54321/callback",
      "http://127.0.0.1:54321/callback?x=1",
    ]) {
      const { challenge } = resultSecret();
      const response = await fetch(
        `${native.url}/auth/soundcloud/authorize?return_to=${encodeURIComponent(returnTo)}&result_challenge=${challenge}`,
      );
      expect(`${returnTo}: ${response.status}`).toBe(`${returnTo}: 400`);
      expect(await json(response)).toMatchObject({ error: "return_to_not_allowed" });
    }
  });

  it("redirects to an allowed private-use scheme exactly", async ({ emulator, startGateway }) => {
    const native = await startGateway({
      env: { SOUNDGATE_ALLOWED_RETURN_TO: "com.example.app:/callback" },
    });
    const login = await startLogin(native, { return_to: "com.example.app:/callback" });
    const back = await deliverToGateway(native, await approveAtEmulator(emulator, login.url));
    expect(back.status).toBe(303);
    const location = back.headers.get("location") ?? "";
    expect(location).toMatch(/^com\.example\.app:\/callback\?state=[^&]+&result_key=[\w-]{43}$/);
  });
});

describe("direct callback flow", () => {
  let direct: RunningGateway;
  let emulator: TestEmulator;
  it.beforeEach(async ({ emulator: fileEmulator, startGateway }) => {
    emulator = fileEmulator;
    direct = await startGateway({ env: { SOUNDCLOUD_REDIRECT_URI: APP_CALLBACK } });
  });

  async function codeAtFrontEnd() {
    const login = await startLogin(direct);
    expect(new URL(login.url).searchParams.get("redirect_uri")).toBe(APP_CALLBACK);
    const redirect = await approveAtEmulator(emulator, login.url);
    expect(`${redirect.origin}${redirect.pathname}`).toBe(APP_CALLBACK);
    return { ...login, code: redirect.searchParams.get("code") ?? "" };
  }

  function callback(body: unknown, verifier?: string) {
    return fetch(`${direct.url}/auth/soundcloud/callback`, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        ...(verifier === undefined ? {} : { "X-Soundgate-Result-Verifier": verifier }),
        ...dpopHeader(direct, new DpopKey(), "POST", "/auth/soundcloud/callback"),
      },
      body: JSON.stringify(body),
    });
  }

  it("exchanges the code posted by the front end", async () => {
    const login = await codeAtFrontEnd();
    const response = await callback({ code: login.code, state: login.state }, login.verifier);
    expect(response.status).toBe(200);
    const body = await json(response);
    expect(body.access_token).toEqual(expect.any(String));
    expect(body.user).toMatchObject({ username: expect.any(String) });
  });

  it("refuses a callback without the verifier, so an intercepted code is useless, and keeps the flow", async ({
    emulator,
  }) => {
    const login = await codeAtFrontEnd();
    const stolen = await callback({ code: login.code, state: login.state });
    expect(stolen.status).toBe(401);
    expect(await json(stolen)).toMatchObject({ error: "result_verifier_required" });
    const wrong = await callback({ code: login.code, state: login.state }, resultSecret().verifier);
    expect(wrong.status).toBe(400);
    expect(await json(wrong)).toMatchObject({ error: "invalid_state" }); // as if unknown
    expect((await emulator.stats()).token_requests.authorization_code).toBe(0);
    expect((await callback({ code: login.code, state: login.state }, login.verifier)).status).toBe(
      200,
    );
  });

  it("refuses a replayed callback", async ({ emulator }) => {
    const login = await codeAtFrontEnd();
    expect((await callback({ code: login.code, state: login.state }, login.verifier)).status).toBe(
      200,
    );
    const replay = await callback({ code: login.code, state: login.state }, login.verifier);
    expect(replay.status).toBe(400);
    expect(await json(replay)).toMatchObject({ error: "invalid_state" });
    expect((await emulator.stats()).token_requests.authorization_code).toBe(1);
  });

  it("maps a rejected code to 400 invalid_grant", async () => {
    const login = await codeAtFrontEnd();
    const response = await callback({ code: "forged", state: login.state }, login.verifier);
    expect(response.status).toBe(400);
    expect(await json(response)).toMatchObject({ error: "invalid_grant" });
  });
});

describe("result binding levels", () => {
  it("need result_challenge by default", async ({ gateway }) => {
    const response = await fetch(
      `${gateway.url}/auth/soundcloud/authorize?return_to=${encodeURIComponent(APP_CALLBACK)}`,
    );
    expect(response.status).toBe(400);
    expect(await json(response)).toMatchObject({ error: "result_challenge_required" });
  });

  it("initiator (blind polling, opt-in): the verifier alone, 202 while pending; a key sent must be right", async ({
    emulator,
    startGateway,
  }) => {
    const blind = await startGateway({
      env: { SOUNDGATE_RESULT_BINDING: "initiator" },
    });
    const login = await startLogin(blind);
    const pending = await getResult(blind, login.state, login.verifier);
    expect(pending.status).toBe(202);
    expect(await pending.json()).toEqual({ status: "pending" });
    expect((await getResult(blind, login.state, resultSecret().verifier)).status).toBe(404);
    const back = await deliverToGateway(blind, await approveAtEmulator(emulator, login.url));
    expect(resultKeyOf(back)).toBeDefined(); // still handed out, for apps that can read it
    expect((await getResult(blind, login.state)).status).toBe(401);
    expect((await getResult(blind, login.state, login.verifier, "wrong")).status).toBe(404);
    expect((await getResult(blind, login.state, login.verifier)).status).toBe(200);
  });

  for (const env of [
    { SOUNDGATE_RESULT_BINDING: "none" } as Record<string, string>,
    { SOUNDGATE_ALLOW_UNBOUND_RESULT: "true" }, // the deprecated spelling
  ]) {
    it(`none (${Object.keys(env)[0]}): Starlib-style flows by state alone; bound flows stay bound`, async ({
      emulator,
      startGateway,
    }) => {
      const open = await startGateway({ env });
      const unbound = await startLogin(open, { result_challenge: null });
      const back = await deliverToGateway(open, await approveAtEmulator(emulator, unbound.url));
      expect([...new URL(back.headers.get("location") ?? "").searchParams.keys()]).toEqual([
        "state",
      ]);
      expect((await getResult(open, unbound.state)).status).toBe(200);

      const bound = await startLogin(open);
      const key = resultKeyOf(
        await deliverToGateway(open, await approveAtEmulator(emulator, bound.url)),
      );
      expect((await getResult(open, bound.state)).status).toBe(404);
      expect((await getResult(open, bound.state, bound.verifier, "wrong")).status).toBe(404);
      expect((await getResult(open, bound.state, bound.verifier, key)).status).toBe(200);
    });
  }
});

describe("expiry (injected clock)", () => {
  it("refuses a flow finished after 10 minutes, and a result read after 5", async ({
    emulator,
    startGateway,
  }) => {
    let now = Date.now();
    const clocked = await startGateway({ now: () => now });

    const late = await startLogin(clocked);
    const redirect = await approveAtEmulator(emulator, late.url);
    now += 10 * 60_000 + 1;
    const back = await deliverToGateway(clocked, redirect);
    expect(back.status).toBe(400);
    expect(resultKeyOf(back)).toBeUndefined();

    const slow = await startLogin(clocked);
    const slowKey = resultKeyOf(
      await deliverToGateway(clocked, await approveAtEmulator(emulator, slow.url)),
    );
    now += 5 * 60_000 + 1;
    const proofs = new DpopKey(() => now);
    expect((await getResult(clocked, slow.state, slow.verifier, slowKey, proofs)).status).toBe(404);
  });
});

describe("refresh", () => {
  it("turns 50 concurrent refreshes of one token into 1 upstream refresh and 50 identical answers", async ({
    emulator,
    gateway,
  }) => {
    const login = await loginViaRedirect(emulator, gateway);
    const responses = await Promise.all(
      Array.from({ length: 50 }, () => refreshAt(gateway, login.refresh_token, login.dpop)),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(50).fill(200));
    const bodies = await Promise.all(
      responses.map((r) => r.json() as Promise<Record<string, unknown>>),
    );
    const first = bodies[0] as Record<string, unknown>;
    expect(Object.keys(first).sort()).toEqual(["access_token", "expires_in", "refresh_token"]);
    for (const body of bodies) {
      expect(body.access_token).toBe(first.access_token);
      expect(body.refresh_token).toBe(first.refresh_token);
    }
    expect(first.refresh_token).not.toBe(login.refresh_token);
    const stats = await emulator.stats();
    expect(stats.token_requests.refresh_token).toBe(1);
    expect(stats.refresh_reuse).toBe(0);
    const me = await fetch(`${emulator.url}/me`, {
      headers: { Authorization: `OAuth ${first.access_token}` },
    });
    expect(me.status).toBe(200);
  });

  it(`answers the same client's repeat within ${REFRESH_GRACE_MS / 1000} s with the same new set instead of burning the grant`, async ({
    emulator,
    gateway,
  }) => {
    const login = await loginViaRedirect(emulator, gateway);
    const first = await json(await refreshAt(gateway, login.refresh_token, login.dpop));
    const repeat = await json(await refreshAt(gateway, login.refresh_token, login.dpop));
    expect(repeat.access_token).toBe(first.access_token);
    expect((await emulator.stats()).token_requests.refresh_token).toBe(1);
    // The new refresh token still works: the grant is alive.
    expect((await refreshAt(gateway, String(first.refresh_token), login.dpop)).status).toBe(200);
  });

  it("after the grace window, a spent token is 401 reauth_required", async ({
    emulator,
    startGateway,
  }) => {
    let now = Date.now();
    const clocked = await startGateway({ now: () => now });
    const dpop = new DpopKey(() => now);
    const login = await loginViaRedirect(emulator, clocked, {}, dpop);
    expect((await refreshAt(clocked, login.refresh_token, dpop)).status).toBe(200);
    now += REFRESH_GRACE_MS + 1;
    const late = await refreshAt(clocked, login.refresh_token, dpop);
    expect(late.status).toBe(401);
    expect(await json(late)).toMatchObject({ error: "reauth_required" });
  });

  it("reports SoundCloud down as upstream_unavailable", async ({ emulator, gateway }) => {
    const login = await loginViaRedirect(emulator, gateway);
    await emulator.configure({ fail_next: { target: "token", count: 10, status: 503 } });
    const response = await refreshAt(gateway, login.refresh_token, login.dpop);
    expect([502, 503]).toContain(response.status);
    expect(await json(response)).toMatchObject({ error: "upstream_unavailable" });
  });
});

describe("persistence", () => {
  it("a flow started before a restart completes after it (SQLite file)", async ({
    emulator,
    startGateway,
  }) => {
    const dir = mkdtempSync(join(tmpdir(), "soundgate-"));
    try {
      const env = { SOUNDGATE_DATABASE_URL: `sqlite:${join(dir, "gateway.db")}` };
      const before = await startGateway({ env });
      const login = await startLogin(before);
      await before.close();

      const after = await startGateway({ env });
      const back = await deliverToGateway(after, await approveAtEmulator(emulator, login.url));
      expect(back.status).toBe(303);
      expect((await getResult(after, login.state, login.verifier, resultKeyOf(back))).status).toBe(
        200,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("sign-out", () => {
  const signOuts = async (emulator: TestEmulator) =>
    ((await emulator.stats()) as unknown as { sign_outs: number }).sign_outs;
  function signOut(target: RunningGateway, body: unknown) {
    return fetch(`${target.url}/auth/soundcloud/sign-out`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
  }

  it("signs the user out at SoundCloud: 204, and the grant is gone", async ({
    emulator,
    gateway,
  }) => {
    const login = await loginViaRedirect(emulator, gateway);
    const response = await signOut(gateway, { access_token: login.access_token });
    expect(response.status).toBe(204);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(await response.text()).toBe("");
    expect(await signOuts(emulator)).toBe(1);
    const me = await fetch(`${emulator.url}/me`, {
      headers: { Authorization: `OAuth ${login.access_token}` },
    });
    expect(me.status).toBe(401);
    // The refresh token died with the grant.
    const refresh = await refreshAt(gateway, login.refresh_token, login.dpop);
    expect(refresh.status).toBe(401);
    expect(await json(refresh)).toMatchObject({ error: "reauth_required" });
    // Signing out again is fine: the goal is reached.
    expect((await signOut(gateway, { access_token: login.access_token })).status).toBe(204);
  });

  it("refuses bad input with 4xx JSON and never calls SoundCloud", async ({
    gateway,
    emulator,
  }) => {
    for (const body of [{}, { access_token: "" }, { access_token: 42 }, null, []]) {
      const response = await signOut(gateway, body);
      expect(response.status).toBe(400);
      expect(await json(response)).toMatchObject({ error: "invalid_request" });
    }
    const form = await fetch(`${gateway.url}/auth/soundcloud/sign-out`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: "access_token=x",
    });
    expect(form.status).toBe(415);
    const get = await fetch(`${gateway.url}/auth/soundcloud/sign-out`);
    expect(get.status).toBe(405);
    expect(await signOuts(emulator)).toBe(0);
  });

  it("answers 502 upstream_unavailable when SoundCloud cannot be reached", async ({
    startGateway,
  }) => {
    // Port 9 (discard) on loopback refuses connections.
    const down = await startGateway({
      env: { SOUNDCLOUD_AUTH_URL: "http://127.0.0.1:9" },
    });
    const response = await signOut(down, { access_token: "at_whatever" });
    expect(response.status).toBe(502);
    expect(await json(response)).toMatchObject({ error: "upstream_unavailable" });
  });
});

describe("public config", () => {
  it("tells a front end where the API is, and nothing secret", async ({
    emulator,
    gateway,
    startGateway,
  }) => {
    const response = await fetch(`${gateway.url}/auth/soundcloud/config`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(response.headers.get("cache-control")).toBe("public, max-age=300");
    expect(await response.json()).toEqual({ api_url: emulator.url, bff: true });
    const direct = await startGateway({
      env: { SOUNDCLOUD_REDIRECT_URI: APP_CALLBACK },
    });
    const directConfig = await fetch(`${direct.url}/auth/soundcloud/config`);
    expect(await directConfig.json()).toEqual({ api_url: emulator.url, bff: false });
    const post = await fetch(`${gateway.url}/auth/soundcloud/config`, { method: "POST" });
    expect(post.status).toBe(405);
  });
});
