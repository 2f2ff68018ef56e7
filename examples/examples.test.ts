import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serve } from "@hono/node-server";
import { createSoundgate, type Soundgate } from "@soundgate/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestEmulator, type TestEmulator } from "../test-support/emulator.js";
import { approveAtEmulator, TEST_ENCRYPTION_KEYS } from "../test-support/gateway.js";

const APP = {
  client_id: "example-app",
  client_secret: "example-app-secret",
  redirect_uris: ["http://app.test/soundcloud/callback"],
};

let emulator: TestEmulator;
let dir: string;

beforeAll(async () => {
  emulator = await startTestEmulator();
  await emulator.register(APP);
  dir = mkdtempSync(join(tmpdir(), "soundgate-examples-"));
  Object.assign(process.env, {
    SOUNDCLOUD_CLIENT_ID: APP.client_id,
    SOUNDCLOUD_CLIENT_SECRET: APP.client_secret,
    SOUNDCLOUD_REDIRECT_URI: APP.redirect_uris[0],
    SOUNDCLOUD_AUTH_URL: emulator.url,
    SOUNDCLOUD_API_URL: emulator.url,
    SOUNDGATE_DATABASE_URL: `sqlite:${join(dir, "next.db")}`,
    SOUNDGATE_ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS,
    SOUNDGATE_LOG_LEVEL: "silent",
  });
});
afterAll(async () => {
  await emulator.close();
  rmSync(dir, { recursive: true, force: true });
});

function open(name: string): Promise<Soundgate> {
  return createSoundgate({
    clientId: APP.client_id,
    clientSecret: APP.client_secret,
    redirectUri: APP.redirect_uris[0] as string,
    database: `sqlite:${join(dir, `${name}.db`)}`,
    encryptionKeys: TEST_ENCRYPTION_KEYS,
    authUrl: emulator.url,
    apiUrl: emulator.url,
  });
}

/** Drive an example over HTTP the way a browser and its user would. */
async function exercise(base: string): Promise<void> {
  const anonymous = await fetch(`${base}/soundcloud/me`);
  expect(anonymous.status).toBe(401);

  const login = await fetch(`${base}/login?user=alice`);
  const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0] as string;
  expect(cookie).toBe("app_user=alice");
  const as = { headers: { Cookie: cookie }, redirect: "manual" as const };

  const connect = await fetch(`${base}/soundcloud/connect`, as);
  expect(connect.status).toBe(302);
  const callback = await approveAtEmulator(emulator, connect.headers.get("location") ?? "");
  expect(`${callback.origin}${callback.pathname}`).toBe(APP.redirect_uris[0]);

  // Someone else cannot complete alice's flow.
  const mallory = await fetch(`${base}/soundcloud/callback${callback.search}`, {
    headers: { Cookie: "app_user=mallory" },
  });
  expect(mallory.status).toBe(403);

  const done = await fetch(`${base}/soundcloud/callback${callback.search}`, as);
  expect(done.status).toBe(200);
  expect(await done.json()).toMatchObject({ connected: { username: "nightjar-audio" } });

  const me = await fetch(`${base}/soundcloud/me`, as);
  expect(me.status).toBe(200);
  expect(await me.json()).toMatchObject({ username: "nightjar-audio" });

  const disconnect = await fetch(`${base}/soundcloud/disconnect`, { ...as, method: "POST" });
  expect(await disconnect.json()).toEqual({ disconnected: true });
  const after = await fetch(`${base}/soundcloud/me`, as);
  expect(after.status).toBe(401);
  expect(await after.json()).toMatchObject({ error: "reauth_required" });
}

describe("examples", () => {
  it("Express", async () => {
    const { createApp } = await import("./express/server.js");
    const sg = await open("express");
    const server = createApp(sg).listen(0);
    await new Promise((resolve) => server.once("listening", resolve));
    try {
      await exercise(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    } finally {
      server.close();
      await sg.close();
    }
  });

  it("Hono", async () => {
    const { createApp } = await import("./hono/server.js");
    const sg = await open("hono");
    const server = serve({ fetch: createApp(sg).fetch, port: 0, hostname: "127.0.0.1" });
    await new Promise((resolve) => server.once("listening", resolve));
    try {
      await exercise(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    } finally {
      server.close();
      await sg.close();
    }
  });

  it("Next.js route handler", async () => {
    const route = await import("./nextjs/app/soundcloud/[action]/route.js");
    // Serve the handler the way Next does: a web Request in, a Response out, with params.
    const server = serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch: async (request) => {
        const url = new URL(request.url);
        if (url.pathname === "/login") {
          const user = url.searchParams.get("user") ?? "";
          return new Response(JSON.stringify({ user }), {
            headers: {
              "Set-Cookie": `app_user=${user}; HttpOnly; Path=/`,
              "Content-Type": "application/json",
            },
          });
        }
        const action = /^\/soundcloud\/([a-z]+)$/.exec(url.pathname)?.[1];
        if (!action) return new Response("not found", { status: 404 });
        const context = { params: Promise.resolve({ action }) };
        return request.method === "POST"
          ? route.POST(request, context)
          : route.GET(request, context);
      },
    });
    await new Promise((resolve) => server.once("listening", resolve));
    try {
      await exercise(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    } finally {
      server.close();
      await (await route.soundgate()).close();
    }
  });
});
