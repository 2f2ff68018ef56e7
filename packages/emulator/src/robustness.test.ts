import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrng } from "./random.js";
import { type RunningEmulator, startEmulator } from "./server.js";
import { loginTokens, TEST_CLIENT } from "./test-support.js";

let emu: RunningEmulator;
let token: string;

beforeAll(async () => {
  emu = await startEmulator({ clients: [TEST_CLIENT], autoApprove: true });
  token = (await loginTokens(emu)).access_token;
});
afterAll(() => emu.close());

async function expectJsonError(res: Response, status: number) {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  const body = (await res.json()) as {
    error?: unknown;
    message?: unknown;
    error_description?: unknown;
  };
  // The token endpoint speaks OAuth (error_description); everything else says message.
  expect(body.message ?? body.error_description).toEqual(expect.any(String));
  expect(body.error).toEqual(expect.any(String));
  return body;
}

describe("unknown paths and methods", () => {
  it("answers unknown paths with 404 JSON in the shape of their side", async () => {
    const api = await expectJsonError(await fetch(`${emu.url}/no/such/thing`), 404);
    expect(api).toMatchObject({ code: 404 });
    const control = await expectJsonError(await fetch(`${emu.url}/_emulator/nope`), 404);
    expect(control).not.toHaveProperty("code");
  });

  it.each([
    ["DELETE", "/me"],
    ["PUT", "/oauth/token"],
    ["GET", "/oauth/token"],
    ["GET", "/sign-out"],
    ["POST", "/_emulator/stats"],
    ["PATCH", "/tracks/2000001"],
    ["DELETE", "/authorize"],
  ])("answers %s %s with 405 JSON and an Allow header", async (method, path) => {
    const res = await fetch(`${emu.url}${path}`, { method });
    await expectJsonError(res, 405);
    expect(res.headers.get("allow")).toBeTruthy();
  });

  it("answers CORS preflights on API paths", async () => {
    const res = await fetch(`${emu.url}/me`, {
      method: "OPTIONS",
      headers: {
        origin: "http://localhost:5173",
        "access-control-request-method": "GET",
        "access-control-request-headers": "authorization",
      },
    });
    expect(res.status).toBeLessThan(300);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
  });
});

describe("bad input", () => {
  const big = "x".repeat(70 * 1024);

  it.each(["/oauth/token", "/_emulator/config", "/sign-out", "/authorize"])(
    "answers a body over 64 KB on %s with 413",
    async (path) => {
      const res = await fetch(`${emu.url}${path}`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: `a=${big}`,
      });
      await expectJsonError(res, 413);
    },
  );

  it.each([
    "/tracks?q=%ZZ",
    "/tracks/%E0%A4%A",
    "/tracks?q=%FF",
    "/authorize?client_id=%C3%28",
    "/_emulator/stats?x=%",
  ])("answers malformed percent-encoding (%s) with 400", async (path) => {
    const res = await fetch(`${emu.url}${path}`, { headers: { authorization: `OAuth ${token}` } });
    await expectJsonError(res, 400);
  });

  it("answers invalid UTF-8 bodies with 400", async () => {
    const bytes = new Uint8Array([0x67, 0x72, 0x61, 0x6e, 0x74, 0x3d, 0xff, 0xfe]);
    const token = await fetch(`${emu.url}/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: bytes,
    });
    await expectJsonError(token, 400);
    const config = await fetch(`${emu.url}/_emulator/config`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: bytes,
    });
    await expectJsonError(config, 400);
  });

  it("answers malformed form encoding with invalid_request", async () => {
    const res = await fetch(`${emu.url}/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "grant_type=client_credentials&client_id=%ZZ",
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: "invalid_request" });
  });

  it("survives garbage on the socket", async () => {
    const answer = await new Promise<string>((resolve) => {
      const socket = connect(emu.port, "127.0.0.1");
      let data = "";
      socket.on("data", (chunk) => {
        data += chunk.toString("latin1");
      });
      socket.on("close", () => resolve(data));
      socket.on("error", () => resolve(data));
      socket.write("GET /tracks/\xff\x00 HTTP/1.1\r\nHost: x\r\n\r\nNOT HTTP AT ALL\r\n\r\n");
      setTimeout(() => socket.destroy(), 500);
    });
    expect(answer).not.toMatch(/^HTTP\/1\.1 5/);
    expect((await fetch(`${emu.url}/_emulator/stats`)).status).toBe(200);
  });
});

describe("fuzz", () => {
  it("never answers 5xx to hundreds of random requests", async () => {
    const rng = createPrng(1234);
    const paths = [
      "/authorize",
      "/oauth/token",
      "/sign-out",
      "/me",
      "/me/likes/tracks",
      "/tracks",
      "/tracks/2000001",
      "/tracks/soundcloud:tracks:2000001/comments",
      "/users/1000001/tracks",
      "/playlists/3000001/tracks",
      "/resolve",
      "/likes/tracks/2000001",
      "/_emulator/config",
      "/_emulator/clients",
      "/_emulator/tokens/expire",
      "/_emulator/nope",
    ];
    const queries = [
      "",
      "?limit=-5",
      "?limit=99999999999",
      "?linked_partitioning=true&cursor=....",
      "?q=%00%01",
      "?url=javascript:alert(1)",
      "?client_id=test-app&redirect_uri=x&code_challenge=%20",
      "?access=playable,,",
      "?show_tracks=perhaps",
      "?sort=sideways",
      "?offset=1e9",
    ];
    const bodies = [
      undefined,
      "",
      "{}",
      "[]",
      "null",
      '{"fail_next":{"target":"api","count":-1}}',
      '{"rate_limits":{"client_credentials_per_ip":1e999}}',
      "grant_type=authorization_code&code=&redirect_uri=&code_verifier=",
      "grant_type=refresh_token&refresh_token=rt_x&client_id=test-app&client_secret=test-secret-0123456789",
      "\u0000\u0001\u0002",
      '{"client_id":"a","client_secret":"b","redirect_uris":"nope"}',
      "a=1&a=2&&&=",
    ];
    const types = ["application/json", "application/x-www-form-urlencoded", "text/plain", ""];
    const auths = [undefined, `OAuth ${token}`, "OAuth", "Bearer  ", "Basic !!!", "Basic Og=="];
    const methods = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"];
    for (let i = 0; i < 300; i++) {
      const method = rng.pick(methods);
      const path = rng.pick(paths) + rng.pick(queries);
      const headers: Record<string, string> = {};
      const type = rng.pick(types);
      if (type) headers["content-type"] = type;
      const auth = rng.pick(auths);
      if (auth) headers.authorization = auth;
      const body = method === "GET" || method === "HEAD" ? undefined : rng.pick(bodies);
      const res = await fetch(`${emu.url}${path}`, { method, headers, body, redirect: "manual" });
      const text = await res.text();
      expect(res.status, `${method} ${path} ${body ?? ""}`).toBeLessThan(500);
      if (res.headers.get("content-type")?.startsWith("application/json") && method !== "HEAD") {
        expect(() => JSON.parse(text), `${method} ${path}`).not.toThrow();
      }
    }
    // The config posts above must not have left faults or latency behind to confuse others.
    await fetch(`${emu.url}/_emulator/reset`, { method: "POST" });
  });
});
