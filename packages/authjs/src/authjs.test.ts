// Real Auth.js (@auth/core's Auth() handler, served over HTTP) against the emulator over HTTP.
import { Auth, type AuthConfig } from "@auth/core";
import { consentAtEmulator } from "@soundgate/test-support/consent";
import { startTestEmulator, type TestEmulator } from "@soundgate/test-support/emulator";
import { CookieJar } from "@soundgate/test-support/gateway";
import { type ServedApp, serveFetch } from "@soundgate/test-support/serve-fetch";
import { recordTokenRequests } from "@soundgate/test-support/token-recorder";
import type { SoundCloudEndpoints } from "soundgate";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import SoundCloud from "./provider.js";
import { type SoundCloudRefreshOptions, soundcloudRefresh } from "./refresh.js";

const APP = { client_id: "authjs-app", client_secret: "authjs-app-secret" };
const SECRET = "a-test-secret-of-at-least-thirty-two-characters";

let emulator: TestEmulator;
let app: ServedApp;
let clock = Date.now();
let logged: string[] = [];
let current: AuthConfig;

function config(
  refresh: SoundCloudRefreshOptions = {},
  endpoints: SoundCloudEndpoints = emulator.endpoints,
): AuthConfig {
  const soundcloud = soundcloudRefresh({
    clientId: APP.client_id,
    clientSecret: APP.client_secret,
    endpoints,
    now: () => clock,
    ...refresh,
  });
  const record = (...parts: unknown[]) => {
    logged.push(
      parts
        .map((part) => String(part instanceof Error ? part.stack : JSON.stringify(part)))
        .join(" "),
    );
  };
  return {
    basePath: "/auth",
    secret: SECRET,
    trustHost: true,
    providers: [
      SoundCloud({
        clientId: APP.client_id,
        clientSecret: APP.client_secret,
        endpoints,
      }),
    ],
    callbacks: { jwt: soundcloud.jwt, session: soundcloud.session },
    logger: { error: record, warn: record, debug: () => {} },
  };
}

beforeAll(async () => {
  emulator = await startTestEmulator();
  app = await serveFetch((request) => Auth(request, current));
  await emulator.register({
    ...APP,
    redirect_uris: [`${app.url}/auth/callback/soundcloud`],
  });
});
afterAll(async () => {
  await app.close();
  await emulator.close();
});
beforeEach(async () => {
  await emulator.reset();
  clock = Date.now();
  logged = [];
  current = config();
});

/** What a browser does from "Sign in with SoundCloud" to the consent page. */
async function startSignIn(jar: CookieJar): Promise<URL> {
  const csrf = await fetch(`${app.url}/auth/csrf`);
  jar.take(csrf);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const start = await fetch(`${app.url}/auth/signin/soundcloud`, {
    method: "POST",
    headers: { Cookie: jar.header(), "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ csrfToken, callbackUrl: `${app.url}/library` }),
    redirect: "manual",
  });
  jar.take(start);
  expect(start.status).toBe(302);
  return new URL(start.headers.get("location") ?? "");
}

async function deliver(jar: CookieJar, callback: URL | string): Promise<Response> {
  const response = await fetch(callback, { headers: { Cookie: jar.header() }, redirect: "manual" });
  jar.take(response);
  return response;
}

async function signIn(user = "nightjar-audio"): Promise<CookieJar> {
  const jar = new CookieJar();
  const callback = await consentAtEmulator((await startSignIn(jar)).href, { user });
  const back = await deliver(jar, callback);
  expect(back.status).toBe(302);
  expect(back.headers.get("location")).toBe(`${app.url}/library`);
  return jar;
}

async function session(jar: CookieJar | string): Promise<Record<string, unknown> | null> {
  const cookie = typeof jar === "string" ? jar : jar.header();
  const response = await fetch(`${app.url}/auth/session`, { headers: { Cookie: cookie } });
  expect(response.status).toBe(200);
  if (typeof jar !== "string") jar.take(response);
  return (await response.json()) as Record<string, unknown> | null;
}

const HOUR = 3_600_000;

describe("Auth.js with the SoundCloud provider (JWT sessions)", () => {
  it("signs in through the consent page with PKCE S256 and state; the session shows the SoundCloud user", async () => {
    const jar = new CookieJar();
    const authorize = await startSignIn(jar);
    expect(`${authorize.origin}${authorize.pathname}`).toBe(emulator.endpoints.authorizeUrl);
    expect(authorize.searchParams.get("client_id")).toBe(APP.client_id);
    expect(authorize.searchParams.get("redirect_uri")).toBe(`${app.url}/auth/callback/soundcloud`);
    expect(authorize.searchParams.get("code_challenge_method")).toBe("S256");
    expect(authorize.searchParams.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(authorize.searchParams.get("state")?.length).toBeGreaterThan(20);

    const back = await deliver(jar, await consentAtEmulator(authorize.href, { user: "saltmarsh" }));
    expect(back.status).toBe(302);
    const me = await session(jar);
    expect(me).toMatchObject({
      user: { name: "Inês Duarte", image: expect.stringContaining("http") },
    });
    expect(me).not.toHaveProperty("error");
    // The tokens stay in the encrypted cookie; the session JSON (which the browser reads) has none.
    expect(JSON.stringify(me)).not.toMatch(/(^|[^\w-])(at|rt)_/);
    const stats = await emulator.stats();
    expect(stats.token_requests.authorization_code).toBe(1);
    expect(stats.token_errors.invalid_grant).toBe(0);
  });

  it("sends the client secret in the token request body (client_secret_post), never as Basic", async () => {
    const recorder = await recordTokenRequests(emulator.endpoints);
    try {
      current = config({}, recorder.endpoints);
      const jar = await signIn();
      clock += 2 * HOUR;
      expect(await session(jar)).not.toHaveProperty("error");
      // Auth.js's code exchange (the provider's setting), then the helper's refresh.
      expect(recorder.requests.map((r) => r.grantType)).toEqual([
        "authorization_code",
        "refresh_token",
      ]);
      expect(recorder.notClientSecretPost()).toEqual([]);
    } finally {
      await recorder.close();
    }
  });

  it("after expiry, 50 concurrent session reads make 1 refresh, 0 invalid_grant, and the user stays signed in", async () => {
    const jar = await signIn();
    clock += 2 * HOUR;
    const cookie = jar.header();
    const reads = await Promise.all(
      Array.from({ length: 50 }, () =>
        fetch(`${app.url}/auth/session`, { headers: { Cookie: cookie } }),
      ),
    );
    const bodies = await Promise.all(
      reads.map((r) => r.json() as Promise<Record<string, unknown>>),
    );
    for (const body of bodies) {
      expect(body).toMatchObject({ user: { name: "Mara Lindqvist" } });
      expect(body).not.toHaveProperty("error");
    }
    const stats = await emulator.stats();
    expect(stats.token_requests.refresh_token).toBe(1);
    expect(stats.token_errors.invalid_grant).toBe(0);
    expect(stats.refresh_reuse).toBe(0);

    // Every answer carried the rotated tokens: any of the 50 new cookies keeps working...
    jar.take(reads[17] as Response);
    clock += 2 * HOUR;
    expect(await session(jar)).not.toHaveProperty("error");
    expect((await emulator.stats()).token_requests.refresh_token).toBe(2);
    expect((await emulator.stats()).token_errors.invalid_grant).toBe(0);
  });

  it("a request still carrying the old cookie within the grace gets the same new tokens", async () => {
    const jar = await signIn();
    const old = jar.header();
    clock += 2 * HOUR;
    expect(await session(jar)).not.toHaveProperty("error");
    const late = await fetch(`${app.url}/auth/session`, { headers: { Cookie: old } });
    expect(await late.json()).not.toHaveProperty("error");
    const stats = await emulator.stats();
    expect(stats.token_requests.refresh_token).toBe(1);
    expect(stats.token_errors.invalid_grant).toBe(0);
  });

  it("a refresh token SoundCloud refuses → the session carries error: RefreshTokenError", async () => {
    const jar = await signIn();
    // The user revoked the app at SoundCloud (sign-out revokes the grant, refresh token included).
    await emulator.configure({
      fail_next: { target: "token", status: 400, error: "invalid_grant" },
    });
    clock += 2 * HOUR;
    const me = await session(jar);
    expect(me).toMatchObject({ error: "RefreshTokenError", user: { name: "Mara Lindqvist" } });
    // It sticks, without presenting the dead token again.
    expect(await session(jar)).toMatchObject({ error: "RefreshTokenError" });
    expect((await emulator.stats()).token_requests.refresh_token).toBe(1);
  });

  it("SoundCloud down during a refresh keeps the session; the next read refreshes", async () => {
    const jar = await signIn();
    await emulator.configure({ fail_next: { target: "token", status: 503, count: 5 } });
    clock += 2 * HOUR;
    expect(await session(jar)).not.toHaveProperty("error");
    await emulator.configure({ fail_next: null });
    expect(await session(jar)).not.toHaveProperty("error");
    expect((await emulator.stats()).token_errors.invalid_grant).toBe(0);
  });

  it("Cancel on the consent page lands on Auth.js's error page, never a 500", async () => {
    const jar = new CookieJar();
    const denied = await consentAtEmulator((await startSignIn(jar)).href, { cancel: true });
    expect(denied.searchParams.get("error")).toBe("access_denied");
    const back = await deliver(jar, denied);
    expect(back.status).toBe(302);
    expect(back.headers.get("location")).toMatch(/\/auth\/(error|signin)\?error=/);
    expect(await session(jar)).toBeNull();
  });

  it("bad callbacks (no state, forged state, replayed, refused code, junk) → a redirect to Auth.js's error page, never a 500", async () => {
    const jar = new CookieJar();
    const good = await consentAtEmulator((await startSignIn(jar)).href, { user: "copperline" });
    const code = good.searchParams.get("code") ?? "";
    const base = `${app.url}/auth/callback/soundcloud`;
    const attempts = [
      `${base}`,
      `${base}?code=${code}`,
      `${base}?code=${code}&state=forged`,
      `${base}?state=${good.searchParams.get("state")}`,
      `${base}?code=%E0%A4%A&state=%FF`,
      `${app.url}/auth/callback/not-a-provider?code=x&state=y`,
    ];
    // Auth.js labels every failed callback but a denial "Configuration" and sends the
    // browser to its error page (which it renders with status 500: see the README).
    const errorPage = `${app.url}/auth/error?error=Configuration`;
    for (const attempt of attempts) {
      const response = await deliver(jar, attempt);
      expect(response.status, attempt).toBe(302);
      expect(response.headers.get("location"), attempt).toBe(errorPage);
    }
    // A real callback whose code SoundCloud refuses at the token endpoint: the same page.
    const other = new CookieJar();
    const refusedCode = await consentAtEmulator((await startSignIn(other)).href, {
      user: "copperline",
    });
    await emulator.configure({
      fail_next: { target: "token", status: 400, error: "invalid_grant" },
    });
    const refused = await deliver(other, refusedCode);
    expect(refused.status).toBe(302);
    expect(refused.headers.get("location")).toBe(errorPage);
    expect(await session(other)).toBeNull();
    // The callback of a finished sign-in, delivered again: refused, the session kept.
    const done = new CookieJar();
    const finished = await consentAtEmulator((await startSignIn(done)).href, { user: "saltmarsh" });
    expect((await deliver(done, finished)).headers.get("location")).toBe(`${app.url}/library`);
    const replayed = await deliver(done, finished);
    expect(replayed.status).toBe(302);
    expect(replayed.headers.get("location")).toBe(errorPage);
    expect(await session(done)).toMatchObject({ user: { name: "Inês Duarte" } });
    // Without its cookies (another browser), a real code and state still do not sign in.
    const stranger = await fetch(good, { redirect: "manual" });
    expect(stranger.status).toBe(302);
    expect(stranger.headers.get("location")).toMatch(/error=/);
    expect(await session(jar)).toBeNull();
    // The emulator saw no token leak: nothing logged carries a token or the secret.
    expect(logged.join("\n")).not.toContain(APP.client_secret);
  });

  it("with pages.error set, a failed callback lands on the app's own page instead", async () => {
    current = { ...config(), pages: { error: "/signin-problem" } };
    const response = await deliver(new CookieJar(), `${app.url}/auth/callback/soundcloud?code=x`);
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe(`${app.url}/signin-problem?error=Configuration`);
  });
});
