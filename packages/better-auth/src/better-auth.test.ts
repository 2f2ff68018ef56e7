// A real better-auth instance (on a SQLite file, and on PostgreSQL with two instances)
// served over HTTP, against the emulator over HTTP.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { consentAtEmulator } from "@soundgate/test-support/consent";
import { startTestEmulator, type TestEmulator } from "@soundgate/test-support/emulator";
import { CookieJar } from "@soundgate/test-support/gateway";
import { createTestDatabase, type TestDatabase } from "@soundgate/test-support/postgres";
import { type ServedApp, serveFetch } from "@soundgate/test-support/serve-fetch";
import { recordTokenRequests } from "@soundgate/test-support/token-recorder";
import { betterAuth } from "better-auth";
import { getMigrations } from "better-auth/db/migration";
import Database from "better-sqlite3";
import pg from "pg";
import type { LockFn, SoundCloudEndpoints } from "soundgate";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { soundcloud } from "./plugin.js";
import { postgresLock } from "./postgres-lock.js";

const APP = { client_id: "better-auth-app", client_secret: "better-auth-app-secret" };

let emulator: TestEmulator;
const cleanups: Array<() => Promise<void> | void> = [];
const redirectUris: string[] = [];

beforeAll(async () => {
  emulator = await startTestEmulator();
});
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await emulator.close();
});
beforeEach(() => emulator.reset());

function makeAuth(
  url: string,
  database: unknown,
  lock?: LockFn,
  endpoints: SoundCloudEndpoints = emulator.endpoints,
) {
  return betterAuth({
    baseURL: url,
    secret: "better-auth-test-secret-of-enough-length-0123456789",
    database: database as never,
    emailAndPassword: { enabled: true },
    account: {
      encryptOAuthTokens: true,
      // SoundCloud shares no email: linking needs these (see the README).
      accountLinking: { trustedProviders: ["soundcloud"], allowDifferentEmails: true },
    },
    plugins: [
      soundcloud({
        clientId: APP.client_id,
        clientSecret: APP.client_secret,
        endpoints,
        lock,
      }),
    ],
    telemetry: { enabled: false },
    logger: { disabled: true },
  });
}
type AuthInstance = ReturnType<typeof makeAuth>;

interface Instance {
  url: string;
  auth: AuthInstance;
}

async function instance(
  database: unknown,
  lock?: LockFn,
  endpoints?: SoundCloudEndpoints,
): Promise<Instance> {
  let auth: AuthInstance | undefined;
  const served: ServedApp = await serveFetch((request) => (auth as AuthInstance).handler(request));
  cleanups.push(() => served.close());
  auth = makeAuth(served.url, database, lock, endpoints);
  const { runMigrations } = await getMigrations(auth.options);
  await runMigrations();
  redirectUris.push(`${served.url}/api/auth/callback/soundcloud`);
  await emulator.register({ ...APP, redirect_uris: redirectUris });
  return { url: served.url, auth };
}

/** A browser: JSON POSTs with the page's Origin, cookies kept. */
async function post(at: Instance, jar: CookieJar, path: string, body: unknown): Promise<Response> {
  const response = await fetch(`${at.url}/api/auth${path}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Origin: at.url, Cookie: jar.header() },
    body: JSON.stringify(body),
    redirect: "manual",
  });
  jar.take(response);
  return response;
}

/** Start (sign-in or link), press Connect on the consent page, deliver the redirect back. */
async function throughSoundCloud(jar: CookieJar, start: Response, user: string) {
  expect(start.status).toBe(200);
  const { url } = (await start.json()) as { url: string };
  const authorize = new URL(url);
  expect(authorize.searchParams.get("code_challenge_method")).toBe("S256");
  expect(authorize.searchParams.get("state")).toBeTruthy();
  const callback = await consentAtEmulator(url, { user });
  const back = await fetch(callback, { headers: { Cookie: jar.header() }, redirect: "manual" });
  jar.take(back);
  return back;
}

async function getSession(at: Instance, jar: CookieJar) {
  const response = await fetch(`${at.url}/api/auth/get-session`, {
    headers: { Cookie: jar.header() },
  });
  return (await response.json()) as { user: { id: string; name: string; email: string } } | null;
}

async function expireSoundCloudToken(at: Instance, userId: string): Promise<void> {
  const context = await at.auth.$context;
  const account = (await context.internalAdapter.findAccounts(userId)).find(
    (a) => a.providerId === "soundcloud",
  );
  await context.internalAdapter.updateAccount(account?.id as string, {
    accessTokenExpiresAt: new Date(Date.now() - 60_000),
  });
}

async function soundcloudAccount(at: Instance, userId: string) {
  const context = await at.auth.$context;
  return (await context.internalAdapter.findAccounts(userId)).find(
    (a) => a.providerId === "soundcloud",
  );
}

function suite(
  name: string,
  open: () => Promise<{ database: unknown; lock?: LockFn } | undefined>,
) {
  describe(`better-auth with the soundcloud plugin on ${name}`, () => {
    let a: Instance;
    let b: Instance;
    let ready = false;
    beforeAll(async () => {
      const opened = await open();
      if (!opened) return;
      a = await instance(opened.database, opened.lock);
      b = await instance(opened.database, opened.lock);
      ready = true;
    });

    it("signs up via SoundCloud: a session for the SoundCloud user, tokens stored encrypted", async (context) => {
      if (!ready) return context.skip();
      const jar = new CookieJar();
      const start = await post(a, jar, "/sign-in/social", {
        provider: "soundcloud",
        callbackURL: "/dashboard",
      });
      const back = await throughSoundCloud(jar, start, "velvet-transit");
      expect(back.status).toBe(302);
      expect(back.headers.get("location")).toMatch(/\/dashboard$/);
      const session = await getSession(a, jar);
      expect(session?.user).toMatchObject({
        name: "Kenji Arai",
        email: "1000004@soundcloud.placeholder.invalid",
        image: expect.stringMatching(/^http/),
      });
      const account = await soundcloudAccount(a, session?.user.id as string);
      expect(account?.accountId).toBe("soundcloud:users:1000004");
      // Sealed at rest: neither token is readable in the row.
      expect(account?.accessToken).not.toMatch(/^at_/);
      expect(account?.refreshToken).not.toMatch(/^rt_/);
      // ...and the session on the other instance is the same user.
      expect((await getSession(b, jar))?.user.id).toBe(session?.user.id);
    });

    it("links SoundCloud to an existing user; 50 concurrent getSoundCloudAccessToken after expiry → 1 refresh; unlink", async (context) => {
      if (!ready) return context.skip();
      const jar = new CookieJar();
      const email = `${name.toLowerCase()}-${Date.now()}@example.test`;
      const signUp = await post(a, jar, "/sign-up/email", {
        email,
        password: "correct horse battery staple",
        name: "Existing User",
      });
      expect(signUp.status).toBe(200);
      const userId = (await getSession(a, jar))?.user.id as string;
      const link = await post(a, jar, "/link-social", {
        provider: "soundcloud",
        callbackURL: "/settings",
      });
      const back = await throughSoundCloud(jar, link, "hollow-oak");
      expect(back.headers.get("location")).toMatch(/\/settings$/);
      expect((await getSession(a, jar))?.user).toMatchObject({ id: userId, email });
      const linked = await soundcloudAccount(a, userId);
      expect(linked?.accountId).toBe("soundcloud:users:1000005");

      await expireSoundCloudToken(a, userId);
      const before = await emulator.stats();
      const answers = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          (i % 2 ? b : a).auth.api.getSoundCloudAccessToken({ body: { userId } }),
        ),
      );
      expect(new Set(answers.map((answer) => answer.accessToken)).size).toBe(1);
      const stats = await emulator.stats();
      expect(stats.token_requests.refresh_token - before.token_requests.refresh_token).toBe(1);
      expect(stats.token_errors.invalid_grant).toBe(0);
      const token = answers[0]?.accessToken as string;
      const me = await fetch(`${emulator.url}/me`, {
        headers: { Authorization: `OAuth ${token}` },
      });
      expect(((await me.json()) as { username: string }).username).toBe("hollow-oak");
      // The rotated refresh token was stored (sealed) before anyone got the access token.
      const after = await soundcloudAccount(a, userId);
      expect(after?.refreshToken).not.toBe(linked?.refreshToken);
      expect(after?.refreshToken).not.toMatch(/^rt_/);
      expect(new Date(after?.accessTokenExpiresAt as Date).getTime()).toBeGreaterThan(Date.now());
      // The stored (sealed) rotated token opens and SoundCloud takes it: the next refresh works.
      await expireSoundCloudToken(a, userId);
      const again = await b.auth.api.getSoundCloudAccessToken({ body: { userId } });
      expect(again.accessToken).not.toBe(token);
      const later = await emulator.stats();
      expect(later.token_requests.refresh_token - before.token_requests.refresh_token).toBe(2);
      expect(later.token_errors.invalid_grant).toBe(0);
      expect(later.refresh_reuse).toBe(0);

      const unlink = await post(a, jar, "/unlink-account", { accountId: after?.id });
      expect(unlink.status, await unlink.clone().text()).toBe(200);
      expect(await soundcloudAccount(a, userId)).toBeUndefined();
      await expect(a.auth.api.getSoundCloudAccessToken({ body: { userId } })).rejects.toMatchObject(
        { status: "UNAUTHORIZED" },
      );
    });

    it("better-auth's own getAccessToken, 50 at once after expiry, also refreshes once", async (context) => {
      if (!ready) return context.skip();
      const jar = new CookieJar();
      const start = await post(a, jar, "/sign-in/social", {
        provider: "soundcloud",
        callbackURL: "/",
      });
      await throughSoundCloud(jar, start, "blue-hour-fm");
      const userId = (await getSession(a, jar))?.user.id as string;
      const accountId = (await soundcloudAccount(a, userId))?.id as string;
      await expireSoundCloudToken(a, userId);
      const before = await emulator.stats();
      const answers = await Promise.all(
        Array.from({ length: 50 }, () =>
          a.auth.api.getAccessToken({ body: { accountId, userId } }),
        ),
      );
      expect(new Set(answers.map((answer) => answer.accessToken)).size).toBe(1);
      const stats = await emulator.stats();
      expect(stats.token_requests.refresh_token - before.token_requests.refresh_token).toBe(1);
      expect(stats.token_errors.invalid_grant).toBe(0);
    });

    it("a refused refresh token → SOUNDCLOUD_REAUTH_REQUIRED, and it is not presented again", async (context) => {
      if (!ready) return context.skip();
      const jar = new CookieJar();
      const start = await post(a, jar, "/sign-in/social", {
        provider: "soundcloud",
        callbackURL: "/",
      });
      await throughSoundCloud(jar, start, "copperline");
      const userId = (await getSession(a, jar))?.user.id as string;
      await expireSoundCloudToken(a, userId);
      await emulator.configure({
        fail_next: { target: "token", status: 400, error: "invalid_grant" },
      });
      const before = await emulator.stats();
      for (let i = 0; i < 2; i++)
        await expect(
          b.auth.api.getSoundCloudAccessToken({ body: { userId } }),
        ).rejects.toMatchObject({ body: { code: "SOUNDCLOUD_REAUTH_REQUIRED" } });
      const stats = await emulator.stats();
      expect(stats.token_requests.refresh_token - before.token_requests.refresh_token).toBe(1);
    });

    it("Cancel on the consent page and forged callbacks → better-auth's error redirect, never a 500", async (context) => {
      if (!ready) return context.skip();
      const jar = new CookieJar();
      const start = await post(a, jar, "/sign-in/social", {
        provider: "soundcloud",
        callbackURL: "/",
      });
      const { url } = (await start.json()) as { url: string };
      const denied = await consentAtEmulator(url, { cancel: true });
      const back = await fetch(denied, { headers: { Cookie: jar.header() }, redirect: "manual" });
      expect(back.status).toBe(302);
      expect(back.headers.get("location")).toMatch(/\/api\/auth\/error\?error=access_denied&/);
      const base = `${a.url}/api/auth/callback/soundcloud`;
      for (const attempt of [
        base,
        `${base}?code=x`,
        `${base}?code=x&state=forged`,
        `${base}?state=%FF`,
      ]) {
        const response = await fetch(attempt, {
          headers: { Cookie: jar.header() },
          redirect: "manual",
        });
        // better-auth's error page, which answers 200: the user never sees a 500.
        expect(response.status, attempt).toBe(302);
        const location = response.headers.get("location") ?? "";
        expect(location, attempt).toMatch(/\/api\/auth\/error\?error=state_(not_found|mismatch)$/);
        expect((await fetch(location)).status, location).toBe(200);
      }
      expect(await getSession(a, jar)).toBeNull();
    });
  });
}

describe("the soundcloud plugin's token requests", () => {
  it("send the client secret in the body (client_secret_post), never as Basic", async () => {
    const recorder = await recordTokenRequests(emulator.endpoints);
    cleanups.push(() => recorder.close());
    const dir = mkdtempSync(join(tmpdir(), "soundgate-better-auth-post-"));
    const database = new Database(join(dir, "auth.db"));
    cleanups.push(() => {
      database.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const at = await instance(database, undefined, recorder.endpoints);
    const jar = new CookieJar();
    const start = await post(at, jar, "/sign-in/social", {
      provider: "soundcloud",
      callbackURL: "/",
    });
    await throughSoundCloud(jar, start, "saltmarsh");
    const userId = (await getSession(at, jar))?.user.id as string;
    await expireSoundCloudToken(at, userId);
    await at.auth.api.getSoundCloudAccessToken({ body: { userId } });
    const accountId = (await soundcloudAccount(at, userId))?.id as string;
    await expireSoundCloudToken(at, userId);
    await at.auth.api.getAccessToken({ body: { accountId, userId } });
    // The code exchange, the plugin's refresh, better-auth's own getAccessToken refresh.
    expect(recorder.requests.map((r) => r.grantType)).toEqual([
      "authorization_code",
      "refresh_token",
      "refresh_token",
    ]);
    expect(recorder.notClientSecretPost()).toEqual([]);
  });
});

suite("SQLite", async () => {
  const dir = mkdtempSync(join(tmpdir(), "soundgate-better-auth-"));
  const database = new Database(join(dir, "auth.db"));
  cleanups.push(() => {
    database.close();
    rmSync(dir, { recursive: true, force: true });
  });
  // Two "instances" in one process share the file; the in-process single flight is per
  // instance, so they need the lock too: here one held in memory for both.
  const tails = new Map<string, Promise<unknown>>();
  const lock: LockFn = async (key, work) => {
    const mine = (tails.get(key) ?? Promise.resolve()).then(work, work);
    tails.set(
      key,
      mine.catch(() => {}),
    );
    return mine;
  };
  return { database, lock };
});

suite("PostgreSQL", async () => {
  const database: TestDatabase | undefined = await createTestDatabase();
  if (!database) return undefined;
  const appPool = new pg.Pool({ connectionString: database.url, max: 10 });
  const lockPool = new pg.Pool({ connectionString: database.url, max: 4 });
  // An idle pooled client whose connection the server ends emits 'error' on its pool; with
  // no listener that is an uncaught exception in the test process. Log it instead, as the
  // README tells users to.
  for (const pool of [appPool, lockPool])
    pool.on("error", (error) => console.warn(`idle PostgreSQL client: ${error.message}`));
  cleanups.push(async () => {
    await appPool.end();
    await lockPool.end();
    await database.drop();
  });
  return { database: appPool, lock: postgresLock(lockPool) };
});
