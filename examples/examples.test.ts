// The Express and Hono examples, started by their own commands (offline: each starts the
// emulator in its process) and used over HTTP as a browser and its user would.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSoundgate } from "@soundgate/server";
import { consentAtEmulator } from "@soundgate/test-support/consent";
import { startTestEmulator, type TestEmulator } from "@soundgate/test-support/emulator";
import { TEST_ENCRYPTION_KEYS } from "@soundgate/test-support/gateway";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorBody } from "./soundgate-from-env.js";
import { cleanEnv, REPO, spawnExample } from "./spawn-example.js";

const READY = /example on (http:\/\/localhost:\d+)\//;

/**
 * The routes every app-user example has, driven like a browser: the toy login, connect
 * through the consent page, the callback, /me, disconnect.
 */
async function exercise(base: string): Promise<void> {
  const anonymous = await fetch(`${base}/soundcloud/me`);
  expect(anonymous.status).toBe(401);
  expect(await anonymous.json()).toMatchObject({ error: "not_signed_in" });
  expect(await (await fetch(`${base}/`)).text()).toContain("Sign in to the app as alice");

  const login = await fetch(`${base}/login?user=alice`, { redirect: "manual" });
  expect(login.status).toBe(303);
  const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0] as string;
  expect(cookie).toBe("app_user=alice");
  const as = { headers: { Cookie: cookie }, redirect: "manual" as const };
  expect(await (await fetch(`${base}/`, as)).text()).toContain("Connect SoundCloud");

  // Never connected: "connect first", not "connect again".
  const early = await fetch(`${base}/soundcloud/me`, as);
  expect(early.status).toBe(409);
  expect(await early.json()).toMatchObject({
    error: "not_connected",
    message: expect.stringMatching(/connect SoundCloud first/),
  });

  const connect = await fetch(`${base}/soundcloud/connect`, as);
  expect(connect.status).toBe(302);
  const callback = await consentAtEmulator(connect.headers.get("location") ?? "", {
    user: "nightjar-audio",
  });
  expect(`${callback.origin}${callback.pathname}`).toBe(`${base}/soundcloud/callback`);

  // Someone else cannot complete alice's flow.
  const mallory = await fetch(`${base}/soundcloud/callback${callback.search}`, {
    headers: { Cookie: "app_user=mallory" },
  });
  expect(mallory.status).toBe(403);
  expect(await mallory.json()).toMatchObject({ error: "flow_user_mismatch" });

  const done = await fetch(`${base}/soundcloud/callback${callback.search}`, as);
  expect(done.status).toBe(200);
  expect(await done.json()).toMatchObject({ connected: { username: "nightjar-audio" } });

  const me = await fetch(`${base}/soundcloud/me`, as);
  expect(me.status).toBe(200);
  expect(await me.json()).toMatchObject({ username: "nightjar-audio" });

  const disconnect = await fetch(`${base}/soundcloud/disconnect`, { ...as, method: "POST" });
  expect(await disconnect.json()).toEqual({ disconnected: true });
  const after = await fetch(`${base}/soundcloud/me`, as);
  expect(after.status).toBe(409);
  expect(await after.json()).toMatchObject({ error: "not_connected" });
}

const EXAMPLES = [
  { name: "Express", script: "example:express", file: "examples/express/server.js" },
  { name: "Hono", script: "example:hono", file: "examples/hono/server.js" },
];

describe("app-user examples, started by their commands", () => {
  const scripts = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")).scripts;

  for (const example of EXAMPLES) {
    it(`${example.name}: offline with no settings; sign in, connect, /me, disconnect`, async () => {
      expect(scripts[example.script]).toMatch(new RegExp(`node ${example.file}$`));
      const app = spawnExample([example.file], cleanEnv({ PORT: "0" }));
      try {
        const [, base] = await app.waitFor(READY, 30_000);
        await exercise(base as string);
      } finally {
        await app.stop();
      }
      expect(app.output()).toMatch(/SoundCloud emulator on http:\/\/127\.0\.0\.1:\d+/);
      expect(app.output()).not.toMatch(/unexpected error/);
    });
  }

  it("half-set credentials: one line naming the missing variable, exit 2, no stack", async () => {
    const runs = [
      ["Express", "examples/express/server.js", "SOUNDCLOUD_CLIENT_ID", "SOUNDCLOUD_CLIENT_SECRET"],
      ["Hono", "examples/hono/server.js", "SOUNDCLOUD_CLIENT_SECRET", "SOUNDCLOUD_CLIENT_ID"],
      ["Next.js", "examples/run-nextjs.js", "SOUNDCLOUD_CLIENT_ID", "SOUNDCLOUD_CLIENT_SECRET"],
      ["Auth.js", "examples/authjs/server.js", "SOUNDCLOUD_CLIENT_SECRET", "SOUNDCLOUD_CLIENT_ID"],
      [
        "better-auth",
        "examples/better-auth/server.js",
        "SOUNDCLOUD_CLIENT_ID",
        "SOUNDCLOUD_CLIENT_SECRET",
      ],
    ] as const;
    await Promise.all(
      runs.map(async ([name, file, set, missing]) => {
        const app = spawnExample([file], cleanEnv({ PORT: "0", [set]: "x" }));
        expect(await app.exited()).toBe(2);
        expect(app.output().trim()).toBe(
          `${name} example: ${missing} is not set but ${set} is: set both to use SoundCloud, or neither to run offline against the emulator`,
        );
      }),
    );
  });

  it("a port in use: one line naming PORT, exit 3", async () => {
    const first = spawnExample(["examples/express/server.js"], cleanEnv({ PORT: "0" }));
    try {
      const [, base] = await first.waitFor(READY, 30_000);
      const port = new URL(base as string).port;
      const second = spawnExample(["examples/hono/server.js"], cleanEnv({ PORT: port }));
      expect(await second.exited()).toBe(3);
      expect(second.output().trim()).toBe(
        `Hono example: port ${port} is in use; set PORT to another (PORT=0 takes a free one)`,
      );
    } finally {
      await first.stop();
    }
  });

  it("a bad setting names its environment variable, not an option", async () => {
    const app = spawnExample(
      ["examples/hono/server.js"],
      cleanEnv({ PORT: "0", SOUNDGATE_ENCRYPTION_KEYS: "not-a-key" }),
    );
    expect(await app.exited()).toBe(2);
    const lines = app.output().trim().split("\n");
    expect(lines.at(-1)).toMatch(/^Hono example: SOUNDGATE_ENCRYPTION_KEYS: /);
    expect(app.output()).not.toMatch(/\n\s+at /);
  });
});

describe("the examples' error handler", () => {
  let emulator: TestEmulator;
  let dir: string;
  beforeAll(async () => {
    emulator = await startTestEmulator();
    dir = mkdtempSync(join(tmpdir(), "soundgate-examples-"));
  });
  afterAll(async () => {
    await emulator.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("logs an unexpected error by name and message (no token) and answers internal_error", async () => {
    const { createApp } = await import("./express/server.js");
    const sg = await createSoundgate({
      clientId: "example-app",
      clientSecret: "example-app-secret",
      redirectUri: "http://app.test/soundcloud/callback",
      database: `sqlite:${join(dir, "closed.db")}`,
      encryptionKeys: TEST_ENCRYPTION_KEYS,
      authUrl: emulator.url,
      apiUrl: emulator.url,
    });
    await sg.close(); // every store call now fails: a fault no handler expects
    const logged: string[] = [];
    const original = console.error;
    console.error = (line: string) => logged.push(line);
    const server = createApp(sg).listen(0, "127.0.0.1");
    try {
      await new Promise((resolve) => server.once("listening", resolve));
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const response = await fetch(`${base}/soundcloud/me`, {
        headers: { Cookie: "app_user=alice" },
      });
      expect(response.status).toBe(500);
      expect(await response.json()).toEqual({
        error: "internal_error",
        message: "Something went wrong",
      });
    } finally {
      console.error = original;
      server.close();
    }
    expect(logged).toHaveLength(1);
    expect(logged[0]).toBe("unexpected error: Error: driver has already been destroyed");
  });

  it("says what Soundgate's errors mean, and logs only the unexpected ones", () => {
    const logged: string[] = [];
    const log = (line: string) => logged.push(line);
    const soundgateError = (code: string) =>
      Object.assign(new Error(`SoundCloud said ${code}`), { name: "SoundgateError", code });
    expect(errorBody(soundgateError("reauth_required"), log)).toMatchObject({
      status: 401,
      body: { error: "reauth_required" },
    });
    expect(errorBody(soundgateError("rate_limited"), log)).toMatchObject({ status: 429 });
    expect(logged).toEqual([]);
    expect(errorBody(soundgateError("upstream_unavailable"), log)).toMatchObject({
      status: 502,
      body: { error: "soundcloud_error" },
    });
    expect(logged).toEqual([
      "unexpected error: SoundgateError (upstream_unavailable): SoundCloud said upstream_unavailable",
    ]);
  });
});
