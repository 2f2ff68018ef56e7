import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { EmulatorConfig } from "./config.js";
import { type RunningEmulator, startEmulator } from "./server.js";
import {
  api,
  basicAuth,
  configure,
  loginTokens,
  postForm,
  postJson,
  reset,
  stats,
  TEST_CLIENT,
} from "./test-support.js";

let emu: RunningEmulator;

beforeAll(async () => {
  emu = await startEmulator({ clients: [TEST_CLIENT], autoApprove: true });
});
afterAll(() => emu.close());
beforeEach(() => reset(emu));

const control = (path: string) => `${emu.url}/_emulator${path}`;

async function config(): Promise<EmulatorConfig> {
  return (await (await fetch(control("/config"))).json()) as EmulatorConfig;
}

describe("config", () => {
  it("starts from the options and SoundCloud's defaults", async () => {
    expect(await config()).toEqual({
      access_token_ttl_s: 3599,
      code_ttl_s: 60,
      latency_ms: 0,
      auto_approve: true,
      revoke_on_refresh_reuse: true,
      rate_limits: {
        client_credentials_per_client: 50,
        client_credentials_per_client_window_s: 43200,
        client_credentials_per_ip: 30,
        client_credentials_per_ip_window_s: 3600,
        plays_per_client: 15000,
        plays_per_client_window_s: 86400,
      },
      fail_next: [],
    });
  });

  it("applies a subset and answers the whole config", async () => {
    const res = await configure(emu, {
      access_token_ttl_s: 10,
      rate_limits: { client_credentials_per_ip: 3 },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as EmulatorConfig;
    expect(body.access_token_ttl_s).toBe(10);
    expect(body.rate_limits.client_credentials_per_ip).toBe(3);
    expect(body.rate_limits.client_credentials_per_client).toBe(50);
    expect(await config()).toEqual(body);
  });

  it.each([
    ["an unknown key", { nope: 1 }],
    ["a string ttl", { access_token_ttl_s: "10" }],
    ["a zero ttl", { access_token_ttl_s: 0 }],
    ["a fractional ttl", { code_ttl_s: 1.5 }],
    ["negative latency", { latency_ms: -1 }],
    ["an unknown user", { auto_approve: "mallory" }],
    ["a numeric auto_approve", { auto_approve: 1 }],
    ["a non-boolean revoke flag", { revoke_on_refresh_reuse: "yes" }],
    ["an unknown rate limit", { rate_limits: { per_moon: 1 } }],
    ["a zero window", { rate_limits: { client_credentials_per_ip_window_s: 0 } }],
    ["a bad fault target", { fail_next: { target: "moon" } }],
    ["a bad fault mode", { fail_next: { target: "api", mode: "explode" } }],
    ["a bad fault status", { fail_next: { target: "api", status: 200 } }],
    ["a zero fault count", { fail_next: { target: "api", count: 0 } }],
    ["an unknown fault key", { fail_next: { target: "api", colour: "red" } }],
    ["an array", [1, 2]],
    ["a string", "hello"],
  ])("refuses %s with a 400 and changes nothing", async (_label, patch) => {
    const before = await config();
    // A valid key rides along: nothing may be applied when any key is bad.
    const body =
      typeof patch === "object" && !Array.isArray(patch)
        ? { access_token_ttl_s: 42, ...patch }
        : patch;
    const bad = await configure(emu, body);
    expect(bad.status).toBe(400);
    const answer = (await bad.json()) as { error: string; message: string };
    expect(answer.error).toBeTruthy();
    expect(answer.message).toBeTruthy();
    expect(await config()).toEqual(before);
  });

  it("answers malformed JSON with a 400 JSON error", async () => {
    for (const body of ["{", "", "nul", '{"a":}']) {
      const res = await fetch(control("/config"), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: expect.any(String) });
    }
  });

  it("delays non-control responses by latency_ms", async () => {
    const { access_token } = await loginTokens(emu);
    await configure(emu, { latency_ms: 200 });
    let started = Date.now();
    await api(emu, "/me", access_token);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    started = Date.now();
    await fetch(control("/stats"));
    expect(Date.now() - started).toBeLessThan(150);
  });
});

describe("clients", () => {
  const client = {
    client_id: "late-app",
    client_secret: "late-secret",
    redirect_uris: ["https://late.example/cb"],
  };

  it("registers a client without echoing its secret", async () => {
    const res = await postJson(control("/clients"), client);
    expect(res.status).toBe(201);
    const text = await res.text();
    expect(text).not.toContain("late-secret");
    expect(JSON.parse(text)).toEqual({
      client_id: "late-app",
      redirect_uris: ["https://late.example/cb"],
    });
    const list = await (await fetch(control("/clients"))).text();
    expect(list).toContain("late-app");
    expect(list).not.toContain("secret");
  });

  it("replaces a client registered again under the same id", async () => {
    await postJson(control("/clients"), client);
    await postJson(control("/clients"), { ...client, client_secret: "rotated" });
    const old = await postForm(
      `${emu.url}/oauth/token`,
      { grant_type: "client_credentials" },
      { authorization: basicAuth("late-app", "late-secret") },
    );
    expect(old.status).toBe(401);
    const rotated = await postForm(
      `${emu.url}/oauth/token`,
      { grant_type: "client_credentials" },
      { authorization: basicAuth("late-app", "rotated") },
    );
    expect(rotated.status).toBe(200);
  });

  it.each([
    ["a relative redirect URI", { ...client, redirect_uris: ["/cb"] }],
    ["a javascript: redirect URI", { ...client, redirect_uris: ["javascript:alert(1)"] }],
    ["a redirect URI with a fragment", { ...client, redirect_uris: ["https://a.example/#x"] }],
    ["no redirect URIs", { ...client, redirect_uris: [] }],
    ["no secret", { client_id: "x", redirect_uris: ["https://a.example/"] }],
    ["a numeric id", { ...client, client_id: 7 }],
    ["an unknown key", { ...client, scopes: ["all"] }],
  ])("refuses %s with 400", async (_label, body) => {
    const res = await postJson(control("/clients"), body);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      error: "invalid_client",
      message: expect.any(String),
    });
  });
});

describe("reset", () => {
  it("restores tokens, stats, config and data but keeps registered clients", async () => {
    await postJson(control("/clients"), {
      client_id: "kept-app",
      client_secret: "kept-secret",
      redirect_uris: ["https://kept.example/cb"],
    });
    const { access_token } = await loginTokens(emu);
    await api(emu, "/likes/tracks/soundcloud:tracks:2000001", access_token, { method: "POST" });
    await configure(emu, { latency_ms: 50, auto_approve: false, fail_next: { target: "api" } });

    const res = await fetch(control("/reset"), { method: "POST" });
    expect(res.status).toBe(200);

    expect((await api(emu, "/me", access_token)).status).toBe(401);
    const s = await stats(emu);
    expect(s.api_requests).toBe(1);
    expect(s.token_requests.authorization_code).toBe(0);
    expect((await config()).latency_ms).toBe(0);
    expect((await config()).auto_approve).toBe(true);
    expect((await config()).fail_next).toEqual([]);
    const kept = await postForm(
      `${emu.url}/oauth/token`,
      { grant_type: "client_credentials" },
      { authorization: basicAuth("kept-app", "kept-secret") },
    );
    expect(kept.status).toBe(200);
    const fresh = await loginTokens(emu);
    const me = (await (await api(emu, "/me", fresh.access_token)).json()) as {
      public_favorites_count: number;
    };
    expect(me.public_favorites_count).toBe(450);
  });
});

describe("tokens/expire", () => {
  it("expires one named access token", async () => {
    const a = await loginTokens(emu);
    const b = await loginTokens(emu);
    const res = await postJson(control("/tokens/expire"), { access_token: a.access_token });
    expect(await res.json()).toEqual({ expired: 1 });
    expect((await api(emu, "/me", a.access_token)).status).toBe(401);
    expect((await api(emu, "/me", b.access_token)).status).toBe(200);
  });

  it("expires every access token with {} or no body", async () => {
    const a = await loginTokens(emu);
    const res = await fetch(control("/tokens/expire"), { method: "POST" });
    expect(res.status).toBe(200);
    expect((await api(emu, "/me", a.access_token)).status).toBe(401);
    const b = await loginTokens(emu);
    await postJson(control("/tokens/expire"), {});
    expect((await api(emu, "/me", b.access_token)).status).toBe(401);
  });

  it("404s an unknown token and 400s bad bodies", async () => {
    expect((await postJson(control("/tokens/expire"), { access_token: "at_nope" })).status).toBe(
      404,
    );
    expect((await postJson(control("/tokens/expire"), { access_token: 5 })).status).toBe(400);
    expect((await postJson(control("/tokens/expire"), ["x"])).status).toBe(400);
  });
});

it("lists the accounts of the consent page", async () => {
  const users = (await (await fetch(control("/users"))).json()) as { username: string }[];
  expect(users.map((u) => u.username)).toEqual([
    "nightjar-audio",
    "copperline",
    "saltmarsh",
    "velvet-transit",
    "hollow-oak",
    "blue-hour-fm",
  ]);
});
