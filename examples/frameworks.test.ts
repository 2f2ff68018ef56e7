// The Auth.js and better-auth examples, started as their main blocks would start them
// (against an emulator) and used as a browser would: sign in through the consent page.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { consentAtEmulator } from "@soundgate/test-support/consent";
import { startTestEmulator, type TestEmulator } from "@soundgate/test-support/emulator";
import { CookieJar } from "@soundgate/test-support/gateway";
import { type ServedApp, serveFetch } from "@soundgate/test-support/serve-fetch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanEnv, spawnExample } from "./spawn-example.js";

const APP = { client_id: "framework-example", client_secret: "framework-example-secret" };
let emulator: TestEmulator;
let dir: string;
beforeAll(async () => {
  emulator = await startTestEmulator();
  dir = mkdtempSync(join(tmpdir(), "soundgate-framework-examples-"));
});
afterAll(async () => {
  await emulator.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Serve a handler whose options need its own URL (the redirect URI). */
async function serveLate(
  make: (baseUrl: string) => Promise<(request: Request) => Promise<Response>>,
): Promise<ServedApp> {
  let handler: ((request: Request) => Promise<Response>) | undefined;
  const served = await serveFetch((request) =>
    handler ? handler(request) : new Response("starting", { status: 503 }),
  );
  handler = await make(served.url);
  return served;
}

async function page(url: string, jar: CookieJar): Promise<string> {
  const response = await fetch(url, { headers: { Cookie: jar.header() } });
  jar.take(response);
  expect(response.status).toBe(200);
  return response.text();
}

describe("framework examples", () => {
  it("Auth.js: sign in with SoundCloud, the page greets the user, sign out", async () => {
    const { createApp } = await import("./authjs/server.js");
    const app = await serveLate(async (baseUrl) => {
      await emulator.register({ ...APP, redirect_uris: [`${baseUrl}/auth/callback/soundcloud`] });
      return createApp({
        baseUrl,
        clientId: APP.client_id,
        clientSecret: APP.client_secret,
        endpoints: emulator.endpoints,
        secret: "example-test-secret-of-thirty-two-characters",
      });
    });
    try {
      const jar = new CookieJar();
      const home = await page(`${app.url}/`, jar);
      expect(home).toContain("Sign in with SoundCloud");
      const csrfToken = /name="csrfToken" value="([^"]+)"/.exec(home)?.[1] ?? "";
      const start = await fetch(`${app.url}/auth/signin/soundcloud`, {
        method: "POST",
        headers: { Cookie: jar.header(), "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ csrfToken }),
        redirect: "manual",
      });
      jar.take(start);
      const callback = await consentAtEmulator(start.headers.get("location") ?? "", {
        user: "nightjar-audio",
      });
      const back = await fetch(callback, { headers: { Cookie: jar.header() }, redirect: "manual" });
      jar.take(back);
      expect(back.status).toBe(302);
      const signedIn = await page(`${app.url}/`, jar);
      expect(signedIn).toContain("Signed in as <strong>Mara Lindqvist</strong>");
      const csrf2 = /name="csrfToken" value="([^"]+)"/.exec(signedIn)?.[1] ?? "";
      const out = await fetch(`${app.url}/auth/signout`, {
        method: "POST",
        headers: { Cookie: jar.header(), "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ csrfToken: csrf2 }),
        redirect: "manual",
      });
      jar.take(out);
      expect(await page(`${app.url}/`, jar)).toContain("Sign in with SoundCloud");
    } finally {
      await app.close();
    }
  });

  it("better-auth: sign in with SoundCloud, the page shows the user's counts from the API", async () => {
    const { createApp } = await import("./better-auth/server.js");
    const app = await serveLate(async (baseUrl) => {
      await emulator.register({
        ...APP,
        redirect_uris: [`${baseUrl}/api/auth/callback/soundcloud`],
      });
      return createApp({
        baseUrl,
        clientId: APP.client_id,
        clientSecret: APP.client_secret,
        endpoints: emulator.endpoints,
        secret: "example-test-secret-of-thirty-two-characters",
        databaseFile: join(dir, "better-auth.db"),
      });
    });
    try {
      const jar = new CookieJar();
      expect(await page(`${app.url}/`, jar)).toContain("Sign in with SoundCloud");
      const start = await fetch(`${app.url}/api/auth/sign-in/social`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Origin: app.url },
        body: JSON.stringify({ provider: "soundcloud", callbackURL: "/" }),
      });
      jar.take(start);
      const { url } = (await start.json()) as { url: string };
      const callback = await consentAtEmulator(url, { user: "nightjar-audio" });
      const back = await fetch(callback, { headers: { Cookie: jar.header() }, redirect: "manual" });
      jar.take(back);
      expect(back.status).toBe(302);
      const signedIn = await page(`${app.url}/`, jar);
      expect(signedIn).toContain(
        "Signed in as <strong>Mara Lindqvist</strong>: 60 tracks, 25 followers",
      );
    } finally {
      await app.close();
    }
  });

  for (const [name, file] of [
    ["Auth.js", "examples/authjs/server.js"],
    ["better-auth", "examples/better-auth/server.js"],
  ] as const) {
    it(`${name}: its command starts it offline, with the emulator`, async () => {
      const env = cleanEnv({ PORT: "0", DATABASE_FILE: join(dir, `${name}-command.db`) });
      const app = spawnExample([file], env);
      try {
        const [, base] = await app.waitFor(/example on (http:\/\/localhost:\d+)\//, 30_000);
        const home = await fetch(`${base}/`);
        expect(home.status).toBe(200);
        expect(await home.text()).toContain("Sign in with SoundCloud");
      } finally {
        await app.stop();
      }
      expect(app.output()).toMatch(/SoundCloud emulator on http:\/\/127\.0\.0\.1:\d+/);
    });
  }
});
