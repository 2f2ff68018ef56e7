import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestEmulator } from "@soundgate/test-support/emulator";
import { test } from "@soundgate/test-support/fixtures";
import { approveAtEmulator, TEST_ENCRYPTION_KEYS } from "@soundgate/test-support/gateway";
import type { TestDatabase } from "@soundgate/test-support/postgres";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { GatewayError } from "./errors.js";
import { HttpError } from "./http/errors.js";
import { createSoundgate, NotConnectedError, type Soundgate } from "./library.js";
import { createLogger } from "./logger.js";

const APP = {
  client_id: "app-client",
  client_secret: "app-client-secret",
  redirect_uris: ["http://app.test/soundcloud/callback"],
};

let emulator: TestEmulator;
let postgres: TestDatabase | undefined;
let dir: string;

// The file's emulator and Postgres database (none: its cases skip), for the helpers below.
test.beforeAll(({ emulator: fileEmulator, maybePostgres }) => {
  emulator = fileEmulator;
  postgres = maybePostgres;
  dir = mkdtempSync(join(tmpdir(), "soundgate-lib-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeEach(async () => {
  await emulator.reset();
  await emulator.register(APP);
});

const databases: Array<[string, () => string | undefined]> = [
  ["SQLite", () => `sqlite:${join(dir, `lib-${Math.random().toString(36).slice(2)}.db`)}`],
  ["Postgres", () => postgres?.url],
];

for (const [name, database] of databases) {
  describe(`createSoundgate on ${name}`, () => {
    let now = Date.now();
    async function open(url = database()): Promise<Soundgate> {
      if (!url) throw new Error("no database");
      return createSoundgate({
        clientId: APP.client_id,
        clientSecret: APP.client_secret,
        redirectUri: APP.redirect_uris[0] as string,
        database: url,
        encryptionKeys: TEST_ENCRYPTION_KEYS,
        authUrl: emulator.url,
        apiUrl: emulator.url,
        now: () => now,
        logger: createLogger("silent"),
      });
    }

    async function connect(sg: Soundgate, appUserId: string) {
      const { url } = await sg.startConnection(appUserId);
      return sg.completeConnection(appUserId, await approveAtEmulator(emulator, url));
    }

    beforeEach((context) => {
      if (!database()) context.skip();
      now = Date.now();
    });

    it("connects an app user and calls the API for them later, from another instance", async () => {
      const url = database();
      const sg = await open(url);
      const info = await connect(sg, "user-42");
      expect(info).toMatchObject({
        appUserId: "user-42",
        status: "active",
        user: { username: "nightjar-audio" },
      });
      await sg.close();

      const later = await open(url);
      const me = await later.forUser("user-42").me();
      expect(me.username).toBe("nightjar-audio");
      expect((await emulator.stats()).token_requests.refresh_token).toBe(0);
      await later.close();
    });

    it("refreshes when due, stores the rotated token, and shares one refresh among 100 callers", async () => {
      const url = database();
      const sg = await open(url);
      await connect(sg, "u1");
      now += 3_600_000; // past expiry
      const results = await Promise.all(Array.from({ length: 100 }, () => sg.forUser("u1").me()));
      expect(results.every((me) => me.username === "nightjar-audio")).toBe(true);
      const stats = await emulator.stats();
      expect(stats.token_requests.refresh_token).toBe(1);
      expect(stats.refresh_reuse).toBe(0);
      await sg.close();
      // A fresh instance reads the rotated set: no second refresh, and it works.
      const again = await open(url);
      expect((await again.forUser("u1").me()).username).toBe("nightjar-audio");
      expect((await emulator.stats()).token_requests.refresh_token).toBe(1);
      await again.close();
    });

    it("sees a reconnect, a refresh and a disconnect made by another instance at once", async () => {
      // Each instance remembers the access tokens it has opened (by their sealed value);
      // what the other one changed must still be what it uses, on its very next call.
      const url = database();
      const a = await open(url);
      const presented: string[] = [];
      const b = await createSoundgate({
        clientId: APP.client_id,
        clientSecret: APP.client_secret,
        redirectUri: APP.redirect_uris[0] as string,
        database: url as string,
        encryptionKeys: TEST_ENCRYPTION_KEYS,
        authUrl: emulator.url,
        apiUrl: emulator.url,
        now: () => now,
        logger: createLogger("silent"),
        fetch: (input, init) => {
          const auth = new Headers(init?.headers).get("authorization");
          if (auth?.startsWith("OAuth ")) presented.push(auth.slice(6));
          return fetch(input, init);
        },
      });
      await connect(a, "u7");
      await b.forUser("u7").me();
      await b.forUser("u7").me();
      const first = presented.at(-1);

      // Reconnected on A: B's next call presents the new grant's token.
      await connect(a, "u7");
      await b.forUser("u7").me();
      const second = presented.at(-1);
      expect(second).not.toBe(first);

      // Refreshed on A (rotating both tokens): B uses the rotated access token and never
      // refreshes with the spent refresh token.
      now += 3_600_000;
      await a.forUser("u7").me();
      await b.forUser("u7").me();
      const third = presented.at(-1);
      expect(third).not.toBe(second);
      const stats = await emulator.stats();
      expect(stats.token_requests.refresh_token).toBe(1);
      expect(stats.refresh_reuse).toBe(0);

      // Disconnected on A: B's next call is refused.
      expect(await a.disconnect("u7")).toBe(true);
      await expect(b.forUser("u7").me()).rejects.toMatchObject({ code: "not_connected" });
      await Promise.all([a.close(), b.close()]);
    });

    it("refuses to complete a flow for a different app user, without burning it", async () => {
      const sg = await open();
      const { url } = await sg.startConnection("alice");
      const callback = await approveAtEmulator(emulator, url);
      const wrong = await sg.completeConnection("mallory", callback).catch((e: unknown) => e);
      expect(wrong).toBeInstanceOf(GatewayError);
      expect(wrong).not.toBeInstanceOf(HttpError);
      expect(wrong).toMatchObject({ code: "flow_user_mismatch" });
      expect(await sg.getConnection("mallory")).toBeUndefined();
      expect((await sg.completeConnection("alice", callback)).appUserId).toBe("alice");
      // Replayed callback: the flow is gone.
      await expect(sg.completeConnection("alice", callback)).rejects.toMatchObject({
        code: "invalid_state",
      });
      await sg.close();
    });

    it("rejects a bad callback URL with the domain error, not an HTTP one", async () => {
      const sg = await open();
      const cases: Array<[string, string, RegExp]> = [
        ["not a url", "invalid_request", /not an absolute URL/],
        ["http://app.test/soundcloud/callback?code=abc", "invalid_request", /no state/],
        ["http://app.test/soundcloud/callback?code=abc&state=made-up", "invalid_state", /unknown/],
      ];
      for (const [url, code, message] of cases) {
        const error = await sg.completeConnection("dana", url).catch((e: unknown) => e);
        expect(error, url).toBeInstanceOf(GatewayError);
        expect(error, url).not.toBeInstanceOf(HttpError);
        expect(error, url).toMatchObject({ code, message: expect.stringMatching(message) });
      }
      // SoundCloud's own error word stays visible as the reason of login_failed.
      const { state } = await sg.startConnection("dana");
      const failed = await sg
        .completeConnection(
          "dana",
          `http://app.test/soundcloud/callback?state=${state}&error=server_error`,
        )
        .catch((e: unknown) => e);
      expect(failed).toMatchObject({ code: "login_failed", reason: "server_error" });
      expect((failed as GatewayError).toJSON().error).toBe("server_error");
      await sg.close();
    });

    it("reports a declined consent as access_denied", async () => {
      const sg = await open();
      const { state } = await sg.startConnection("bob");
      await expect(
        sg.completeConnection("bob", { state, error: "access_denied" }),
      ).rejects.toMatchObject({
        name: "GatewayError",
        code: "access_denied",
        message: "The user declined to connect SoundCloud",
      });
      expect(await sg.getConnection("bob")).toBeUndefined();
      await sg.close();
    });

    it("lists and disconnects (signing out at SoundCloud)", async () => {
      const sg = await open();
      // Postgres keeps one database for the file: these ids sort after every other test's.
      await connect(sg, "zz-a");
      await connect(sg, "zz-b");
      expect((await sg.listConnections()).map((c) => c.appUserId).slice(-2)).toEqual([
        "zz-a",
        "zz-b",
      ]);
      expect((await sg.listConnections({ after: "zz-a" })).map((c) => c.appUserId)).toEqual([
        "zz-b",
      ]);
      const token = await sg.accessToken("zz-a");
      expect(await sg.disconnect("zz-a")).toBe(true);
      expect((await emulator.stats()).sign_outs).toBe(1);
      const api = await fetch(`${emulator.url}/me`, {
        headers: { Authorization: `OAuth ${token}` },
      });
      expect(api.status).toBe(401);
      expect(await sg.getConnection("zz-a")).toBeUndefined();
      await expect(sg.forUser("zz-a").me()).rejects.toMatchObject({ code: "not_connected" });
      await sg.close();
    });

    it("tells a user who never connected to connect first, not to connect again", async () => {
      const sg = await open();
      const error = await sg
        .forUser("never-connected")
        .me()
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NotConnectedError);
      // A domain error, not an HTTP one: the embedding app decides what its users see.
      expect(error).toBeInstanceOf(GatewayError);
      expect(error).not.toBeInstanceOf(HttpError);
      expect(error).not.toHaveProperty("status");
      expect(error).toMatchObject({ name: "GatewayError", code: "not_connected" });
      expect((error as GatewayError).toJSON()).toEqual({
        error: "not_connected",
        message: (error as Error).message,
      });
      expect((error as Error).message).toMatch(/connect SoundCloud first/);
      expect((error as Error).message).not.toMatch(/again/);
      await expect(sg.accessToken("never-connected")).rejects.toMatchObject({
        code: "not_connected",
      });
      expect((await emulator.stats()).api_requests).toBe(0);
      await sg.close();
    });

    it("marks a dead grant reauth_required and says so", async () => {
      const sg = await open();
      await connect(sg, "c");
      // Revoke the grant at SoundCloud behind our back.
      await fetch(`${emulator.url}/sign-out`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ access_token: await sg.accessToken("c") }),
      });
      now += 3_600_000;
      await expect(sg.forUser("c").me()).rejects.toMatchObject({ code: "reauth_required" });
      expect(await sg.getConnection("c")).toMatchObject({ status: "reauth_required" });
      // Connecting again heals it.
      await connect(sg, "c");
      expect(await sg.getConnection("c")).toMatchObject({ status: "active" });
      await sg.close();
    });
  });
}

describe("createSoundgate configuration", () => {
  it("refuses to run in production without encryption keys, and validates its options", async () => {
    const base = {
      clientId: "a",
      clientSecret: "b",
      redirectUri: "http://x.test/cb",
      database: "sqlite::memory:",
    };
    await expect(createSoundgate({ ...base, production: true })).rejects.toMatchObject({
      variable: "encryptionKeys",
    });
    await expect(createSoundgate({ ...base, redirectUri: "nope" })).rejects.toMatchObject({
      variable: "redirectUri",
    });
    await expect(createSoundgate({ ...base, clientSecret: "" })).rejects.toMatchObject({
      variable: "clientSecret",
    });
  });

  it("takes any logger with info, warn and error (not only pino's)", async () => {
    const lines: string[] = [];
    const record = (fields: unknown, message?: string) =>
      lines.push(typeof fields === "string" ? fields : (message ?? ""));
    const sg = await createSoundgate({
      clientId: "a",
      clientSecret: "b",
      redirectUri: "http://x.test/cb",
      database: "sqlite::memory:",
      logger: { info: record, warn: record, error: record },
    });
    await sg.close();
    expect(lines.some((line) => /ephemeral key/.test(line))).toBe(true);
  });
});
