import { startTestEmulator, type TestEmulator } from "@soundgate/test-support/emulator";
import {
  APP_CALLBACK,
  approveAtEmulator,
  CookieJar,
  loginViaBff,
  startTestGateway,
} from "@soundgate/test-support/gateway";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RunningGateway } from "../gateway.js";

let emulator: TestEmulator;
let gateway: RunningGateway;
const started: RunningGateway[] = [];
const ORIGIN = "http://gateway.test";

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
  await Promise.all(started.splice(0).map((g) => g.close()));
});

function api(jar: CookieJar | undefined, path: string, init: RequestInit = {}) {
  const headers = new Headers(init.headers);
  if (jar) headers.set("Cookie", jar.header());
  return fetch(`${gateway.url}/api/soundcloud${path}`, { ...init, headers, redirect: "manual" });
}

/** next_href points at the public URL; in tests that is a name, so go to the real port. */
function local(href: string): string {
  return href.replace(ORIGIN, gateway.url);
}

describe("BFF login", () => {
  it("sets an HttpOnly session cookie and never gives the browser a token", async () => {
    const start = await fetch(
      `${gateway.url}/auth/soundcloud/login?return_to=${encodeURIComponent(APP_CALLBACK)}`,
      { redirect: "manual" },
    );
    expect(start.status).toBe(302);
    expect(start.headers.get("location")?.startsWith(`${emulator.url}/authorize?`)).toBe(true);
    const loginCookie = start.headers.getSetCookie()[0] ?? "";
    expect(loginCookie).toMatch(/^soundgate_login=[^;]+;.*HttpOnly/i);
    expect(loginCookie).toMatch(/SameSite=Lax/i);

    const { jar, landing } = await loginViaBff(emulator, gateway);
    expect(landing.href).toBe(APP_CALLBACK);
    expect([...jar.cookies.keys()]).toEqual(["soundgate_session"]);

    const session = await fetch(`${gateway.url}/auth/session`, {
      headers: { Cookie: jar.header() },
    });
    expect(session.status).toBe(200);
    expect(session.headers.get("cache-control")).toBe("no-store");
    const body = (await session.json()) as Record<string, unknown>;
    expect(body).toEqual({
      signed_in: true,
      user: expect.objectContaining({
        username: "nightjar-audio",
        urn: "soundcloud:users:1000001",
      }),
      expires_at: expect.any(Number),
      refreshed_at: null, // no refresh yet: the tokens are the login's
      instance: gateway.context.config.instanceId,
    });
    // The session lasts SOUNDGATE_SESSION_TTL_HOURS (default a week).
    expect(body.expires_at as number).toBeGreaterThan(Date.now() + 6 * 24 * 3_600_000);
    expect(JSON.stringify(body)).not.toMatch(/token/i);
  });

  it("moves refreshed_at when the gateway refreshes the tokens", async () => {
    const { jar } = await loginViaBff(emulator, gateway);
    const read = async () =>
      (
        (await (
          await fetch(`${gateway.url}/auth/session`, { headers: { Cookie: jar.header() } })
        ).json()) as { refreshed_at: number | null }
      ).refreshed_at;
    expect(await read()).toBeNull();
    const before = Date.now();
    // Every access token SoundCloud issued is now expired: the next API call refreshes.
    await fetch(`${emulator.url}/_emulator/tokens/expire`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: "{}",
    });
    expect((await api(jar, "/me")).status).toBe(200);
    expect((await emulator.stats()).token_requests.refresh_token).toBe(1);
    expect(await read()).toBeGreaterThanOrEqual(before);
  });

  it("uses a __Host- Secure cookie when the gateway is on https", async () => {
    const secure = await startTestGateway(emulator, {
      env: {
        SOUNDGATE_PUBLIC_URL: "https://gateway.test",
        SOUNDGATE_ALLOWED_RETURN_TO: "https://app.test/",
      },
    });
    started.push(secure);
    const start = await fetch(
      `${secure.url}/auth/soundcloud/login?return_to=${encodeURIComponent("https://app.test/")}`,
      {
        redirect: "manual",
      },
    );
    const cookie = start.headers.getSetCookie()[0] ?? "";
    expect(cookie).toMatch(/^__Host-soundgate_login=/);
    expect(cookie).toMatch(/; Secure/i);
    expect(cookie).toMatch(/; Path=\//i);
    expect(cookie).not.toMatch(/Domain=/i);
  });

  it("refuses to finish a login this browser did not start (login CSRF)", async () => {
    const start = await fetch(
      `${gateway.url}/auth/soundcloud/login?return_to=${encodeURIComponent(APP_CALLBACK)}`,
      {
        redirect: "manual",
      },
    );
    const redirect = await approveAtEmulator(emulator, start.headers.get("location") ?? "");
    // The victim's browser follows the attacker's link: no login cookie.
    const back = await fetch(`${gateway.url}${redirect.pathname}${redirect.search}`, {
      redirect: "manual",
    });
    expect(back.status).toBe(303);
    expect(new URL(back.headers.get("location") ?? "").searchParams.get("error")).toBe(
      "login_not_started_here",
    );
    expect(
      back.headers
        .getSetCookie()
        .some((c) => c.startsWith("soundgate_session=") && !/Max-Age=0/i.test(c)),
    ).toBe(false);
    expect((await emulator.stats()).token_requests.authorization_code).toBe(0);
  });

  it("refuses a return_to outside the allowlist", async () => {
    const response = await fetch(
      `${gateway.url}/auth/soundcloud/login?return_to=http://evil.test/`,
      {
        redirect: "manual",
      },
    );
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: "return_to_not_allowed" });
  });

  it("says signed out (200, so no failed request in the console) and the proxy says 401 without a session", async () => {
    const signedOut = await fetch(`${gateway.url}/auth/session`);
    expect(signedOut.status).toBe(200);
    expect(await signedOut.json()).toEqual({ signed_in: false });
    const unknown = await fetch(`${gateway.url}/auth/session`, {
      headers: { Cookie: "soundgate_session=forged" },
    });
    expect(await unknown.json()).toEqual({ signed_in: false });
    const proxied = await api(undefined, "/me");
    expect(proxied.status).toBe(401);
    expect(await proxied.json()).toMatchObject({ error: "not_authenticated" });
    const forged = await api(
      Object.assign(new CookieJar(), { header: () => "soundgate_session=forged" }),
      "/me",
    );
    expect(forged.status).toBe(401);
  });
});

describe("API proxy", () => {
  it("calls the API with the session's token and passes statuses through", async () => {
    const { jar } = await loginViaBff(emulator, gateway);
    const me = await api(jar, "/me");
    expect(me.status).toBe(200);
    expect(me.headers.get("cache-control")).toContain("no-store");
    expect(await me.json()).toMatchObject({ username: "nightjar-audio" });
    const missing = await api(jar, "/tracks/soundcloud:tracks:1");
    expect(missing.status).toBe(404);
  });

  it("answers a front end on an allowed origin with CORS and credentials, and no other origin", async () => {
    const { jar } = await loginViaBff(emulator, gateway);
    const allowed = await api(jar, "/me", { headers: { Origin: "http://app.test" } });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get("access-control-allow-origin")).toBe("http://app.test");
    expect(allowed.headers.get("access-control-allow-credentials")).toBe("true");
    expect(allowed.headers.get("vary")).toMatch(/origin/i);
    const other = await api(jar, "/me", { headers: { Origin: "http://evil.test" } });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("rewrites next_href to the proxy and pages through 450 likes", async () => {
    const { jar } = await loginViaBff(emulator, gateway);
    let next: string | null = "/me/likes/tracks?linked_partitioning=true&limit=200";
    const seen = new Set<string>();
    let pages = 0;
    while (next) {
      const response = await (next.startsWith("/")
        ? api(jar, next)
        : fetch(local(next), { headers: { Cookie: jar.header() } }));
      expect(response.status).toBe(200);
      const page = (await response.json()) as {
        collection: Array<{ urn: string }>;
        next_href?: string | null;
      };
      for (const track of page.collection) seen.add(track.urn);
      if (page.next_href)
        expect(page.next_href.startsWith(`${ORIGIN}/api/soundcloud/me/likes/tracks?`)).toBe(true);
      next = page.next_href ?? null;
      pages++;
    }
    expect(pages).toBe(3);
    expect(seen.size).toBe(450);
  });

  it("rewrites /resolve's redirect to the proxy", async () => {
    const { jar } = await loginViaBff(emulator, gateway);
    const response = await api(
      jar,
      `/resolve?url=${encodeURIComponent("https://soundcloud.com/nightjar-audio")}`,
    );
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe(
      `${ORIGIN}/api/soundcloud/users/soundcloud:users:1000001`,
    );
  });

  it("needs the CSRF header and an allowed Origin for state changes", async () => {
    const { jar } = await loginViaBff(emulator, gateway);
    const path = "/likes/tracks/soundcloud:tracks:2000001";
    const noHeader = await api(jar, path, { method: "POST", headers: { Origin: ORIGIN } });
    expect(noHeader.status).toBe(403);
    expect(await noHeader.json()).toMatchObject({ error: "csrf_rejected" });
    const badOrigin = await api(jar, path, {
      method: "POST",
      headers: { Origin: "http://evil.test", "X-Soundgate-CSRF": "1" },
    });
    expect(badOrigin.status).toBe(403);
    const ok = await api(jar, path, {
      method: "POST",
      headers: { Origin: ORIGIN, "X-Soundgate-CSRF": "1" },
    });
    expect(ok.status).toBeLessThan(300);
    const unlike = await api(jar, path, {
      method: "DELETE",
      headers: { Origin: "http://app.test", "X-Soundgate-CSRF": "1" },
    });
    expect(unlike.status).toBeLessThan(300);
  });

  it("only proxies the API's areas, and no tricks in the path", async () => {
    const { jar } = await loginViaBff(emulator, gateway);
    for (const path of [
      "/oauth/token",
      "/sign-out",
      "/_emulator/stats",
      "/me/../_emulator/stats",
      "/me/%2e%2e/_emulator/stats",
      "/me%2f..%2f_emulator",
      "//evil.test/me",
      "",
    ]) {
      const response = await api(jar, path);
      expect([404]).toContain(response.status);
    }
    const patch = await api(jar, "/me", {
      method: "PATCH",
      headers: { Origin: ORIGIN, "X-Soundgate-CSRF": "1" },
    });
    expect(patch.status).toBe(405);
    // Tokens in the query are stripped, not forwarded.
    const withToken = await api(jar, "/me?oauth_token=abc");
    expect(withToken.status).toBe(200);
  });

  it("refreshes an expired token once for concurrent calls, then serves them all", async () => {
    const { jar } = await loginViaBff(emulator, gateway);
    await fetch(`${emulator.url}/_emulator/tokens/expire`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: "{}",
    });
    const responses = await Promise.all(Array.from({ length: 30 }, () => api(jar, "/me")));
    expect(responses.map((r) => r.status)).toEqual(Array(30).fill(200));
    expect((await emulator.stats()).token_requests.refresh_token).toBe(1);
  });

  it("says reauth_required when SoundCloud has revoked the grant", async () => {
    const { jar } = await loginViaBff(emulator, gateway);
    await emulator.configure({
      fail_next: { target: "token", count: 1, status: 400, error: "invalid_grant" },
    });
    await fetch(`${emulator.url}/_emulator/tokens/expire`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: "{}",
    });
    const response = await api(jar, "/me");
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: "reauth_required" });
    const session = await fetch(`${gateway.url}/auth/session`, {
      headers: { Cookie: jar.header() },
    });
    expect(session.status).toBe(200);
    expect(await session.json()).toEqual({
      signed_in: false,
      reauth_required: true,
      reason: "grant_revoked",
      message: expect.stringContaining("SoundCloud no longer accepts"),
    });
  });
});

describe("logout", () => {
  it("signs out at SoundCloud, deletes the session and clears the cookie (CSRF-checked)", async () => {
    const { jar } = await loginViaBff(emulator, gateway);
    const forged = await fetch(`${gateway.url}/auth/logout`, {
      method: "POST",
      headers: { Cookie: jar.header() },
    });
    expect(forged.status).toBe(403);
    const response = await fetch(`${gateway.url}/auth/logout`, {
      method: "POST",
      headers: { Cookie: jar.header(), Origin: ORIGIN, "X-Soundgate-CSRF": "1" },
    });
    expect(response.status).toBe(204);
    expect(response.headers.getSetCookie().join()).toMatch(/soundgate_session=;.*Max-Age=0/i);
    expect((await emulator.stats()).sign_outs).toBe(1);
    expect((await api(jar, "/me")).status).toBe(401);
  });
});
