import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { DpopKey } from "@soundgate/test-support/dpop";
import { startTestEmulator, type TestEmulator } from "@soundgate/test-support/emulator";
import {
  APP_CALLBACK,
  approveAtEmulator,
  deliverToGateway,
  dpopHeader,
  getResult,
  resultKeyOf,
  resultSecret,
  startLogin,
  startTestGateway,
} from "@soundgate/test-support/gateway";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { RunningGateway } from "../gateway.js";
import { createLogger } from "../logger.js";

let emulator: TestEmulator;
const started: RunningGateway[] = [];
beforeAll(async () => {
  emulator = await startTestEmulator();
});
afterAll(() => emulator.close());
afterEach(async () => {
  await Promise.all(started.splice(0).map((g) => g.close()));
});

async function gatewayWith(
  env: Record<string, string> = {},
  logger?: ReturnType<typeof createLogger>,
) {
  const gateway = await startTestGateway(emulator, { env, logger });
  started.push(gateway);
  return gateway;
}

function expectJsonError(response: Response, status: number) {
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toMatch(/^application\/json/);
}

describe("bad input gets a 4xx JSON answer", () => {
  it("on every endpoint", async () => {
    const gateway = await gatewayWith();
    const base = `${gateway.url}/auth/soundcloud`;
    // A valid DPoP proof where one is needed, so each case is refused for what it tests.
    const proof = (method: string, path: string) =>
      dpopHeader(gateway, new DpopKey(), method, `/auth/soundcloud/${path}`);
    const post = (path: string, body: BodyInit, type = "application/json") =>
      fetch(`${base}/${path}`, {
        method: "POST",
        headers: { "Content-Type": type, ...proof("POST", path) },
        body,
      });
    const result = (query: string, headers: Record<string, string> = {}) =>
      fetch(`${base}/result${query}`, { headers: { ...proof("GET", "result"), ...headers } });
    const bothHalves = { "X-Soundgate-Result-Verifier": "v", "X-Soundgate-Result-Key": "k" };
    const cases: Array<[Promise<Response>, number, string]> = [
      [post("refresh", "{not json"), 400, "invalid_json"],
      [post("refresh", "[]"), 400, "invalid_request"],
      [post("refresh", JSON.stringify({ refresh_token: 42 })), 400, "invalid_request"],
      [post("refresh", JSON.stringify({ refresh_token: "" })), 400, "invalid_request"],
      [post("refresh", JSON.stringify({})), 400, "invalid_request"],
      [
        post("refresh", "refresh_token=x", "application/x-www-form-urlencoded"),
        415,
        "unsupported_media_type",
      ],
      [
        post("refresh", JSON.stringify({ refresh_token: "x".repeat(40_000) })),
        413,
        "payload_too_large",
      ],
      [post("refresh", new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])), 400, "invalid_json"],
      [post("callback", JSON.stringify({ code: ["a"], state: "s" })), 400, "invalid_request"],
      [
        post("callback", JSON.stringify({ code: "a", state: "s" })),
        401,
        "result_verifier_required",
      ],
      [
        fetch(`${base}/callback`, {
          method: "POST",
          headers: {
            "Content-Type": "application/json",
            "X-Soundgate-Result-Verifier": "v",
            ...proof("POST", "callback"),
          },
          body: JSON.stringify({ code: "a", state: "s" }),
        }),
        400,
        "invalid_state",
      ],
      [post("callback", "null"), 400, "invalid_request"],
      [result(""), 400, "invalid_request"],
      [result(`?state=${"x".repeat(600)}`), 400, "invalid_request"],
      [result("?state=%E0%A4%A", bothHalves), 404, "result_not_found"],
      [result("?state=abc"), 401, "result_verifier_required"],
      [result("?state=abc", { "X-Soundgate-Result-Verifier": "v" }), 401, "result_key_required"],
      [
        result("?state=abc", { ...bothHalves, "X-Soundgate-Result-Key": "k".repeat(2000) }),
        400,
        "invalid_request",
      ],
      // Without a DPoP proof, or with something else in its place.
      [fetch(`${base}/result?state=abc`, { headers: bothHalves }), 401, "invalid_dpop_proof"],
      [result("?state=abc", { ...bothHalves, DPoP: "not.a.proof" }), 401, "invalid_dpop_proof"],
      [result("?state=abc", { ...bothHalves, DPoP: "x".repeat(5000) }), 401, "invalid_dpop_proof"],
      [
        fetch(`${base}/refresh`, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ refresh_token: "rt" }),
        }),
        401,
        "invalid_dpop_proof",
      ],
      [fetch(`${base}/redirect?code=x`), 400, "invalid_request"],
      [
        fetch(
          `${base}/authorize?return_to=${encodeURIComponent(APP_CALLBACK)}&result_challenge=short`,
        ),
        400,
        "invalid_request",
      ],
      [fetch(`${base}/refresh`), 405, "method_not_allowed"],
      [fetch(`${base}/authorize`, { method: "DELETE" }), 405, "method_not_allowed"],
      [fetch(`${base}/nope`), 404, "not_found"],
      [fetch(`${gateway.url}/nope`), 404, "not_found"],
    ];
    for (const [pending, status, error] of cases) {
      const response = await pending;
      expectJsonError(response, status);
      const body = (await response.json()) as { error: string; message: string };
      expect(body.error).toBe(error);
      expect(body.message).toEqual(expect.any(String));
    }
    // Still healthy afterwards.
    expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);
  });
});

describe("headers", () => {
  it("marks auth responses no-store and no-referrer, and answers CORS only for allowed origins", async () => {
    const gateway = await gatewayWith();
    const { challenge } = resultSecret();
    const url = `${gateway.url}/auth/soundcloud/authorize?return_to=${encodeURIComponent(APP_CALLBACK)}&result_challenge=${challenge}`;
    const allowed = await fetch(url, { headers: { Origin: "http://app.test" } });
    expect(allowed.headers.get("access-control-allow-origin")).toBe("http://app.test");
    expect(allowed.headers.get("cache-control")).toBe("no-store");
    expect(allowed.headers.get("referrer-policy")).toBe("no-referrer");
    expect(allowed.headers.get("access-control-allow-credentials")).toBe("true");
    expect(allowed.headers.get("vary")).toMatch(/origin/i);
    const other = await fetch(url, { headers: { Origin: "http://evil.test" } });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
    expect(other.headers.get("vary")).toMatch(/origin/i);
    const preflight = await fetch(`${gateway.url}/auth/soundcloud/callback`, {
      method: "OPTIONS",
      headers: {
        Origin: "http://app.test",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers":
          "content-type,x-soundgate-result-verifier,x-soundgate-result-key",
      },
    });
    expect(preflight.status).toBe(204);
    const allowedHeaders = preflight.headers.get("access-control-allow-headers")?.toLowerCase();
    expect(allowedHeaders).toContain("x-soundgate-result-verifier");
    expect(allowedHeaders).toContain("x-soundgate-result-key");
  });

  it("rate limits the auth endpoints per IP with Retry-After", async () => {
    const gateway = await gatewayWith({ SOUNDGATE_RATE_LIMIT_PER_MINUTE: "5" });
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 7; i++) {
      last = await fetch(`${gateway.url}/auth/soundcloud/result?state=x`);
      statuses.push(last.status);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429]);
    expect(Number(last?.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await last?.json()).toMatchObject({ error: "rate_limited" });
    // Health checks are not limited.
    expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);
  });
});

describe("secrets stay secret", () => {
  it("never writes tokens, codes, states or verifiers to the log or to the database in plain text", async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const dir = mkdtempSync(join(tmpdir(), "soundgate-"));
    try {
      const dbFile = join(dir, "gateway.db");
      const gateway = await gatewayWith(
        { SOUNDGATE_DATABASE_URL: `sqlite:${dbFile}` },
        createLogger("debug", sink),
      );
      const login = await startLogin(gateway);
      const redirect = await approveAtEmulator(emulator, login.url);
      const code = redirect.searchParams.get("code") ?? "";
      // Leave one flow completed but unread, so the result is in the database.
      const key = resultKeyOf(await deliverToGateway(gateway, redirect)) ?? "";
      expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const second = await startLogin(gateway);
      const dump = readFileSync(dbFile).toString("latin1") + readWalIfAny(dbFile);
      const log = lines.join("");
      expect(log).toContain('"path":"/auth/soundcloud/redirect"');
      for (const secret of [login.state, second.state, code, login.verifier, key]) {
        expect(log).not.toContain(secret);
        expect(dump).not.toContain(secret);
      }
      // The completed result sits in the database sealed: not even its JSON keys show.
      expect(dump).toContain("auth_flows");
      expect(dump).not.toContain("accessToken");
      const result = (await (
        await getResult(gateway, login.state, login.verifier, key)
      ).json()) as Record<string, string>;
      expect(dump).not.toContain(result.access_token);
      expect(dump).not.toContain(result.refresh_token);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

function readWalIfAny(dbFile: string): string {
  try {
    return readFileSync(`${dbFile}-wal`).toString("latin1");
  } catch {
    return "";
  }
}

describe("health", () => {
  it("reports the store", async () => {
    const gateway = await gatewayWith();
    const response = await fetch(`${gateway.url}/healthz`);
    expect(await response.json()).toEqual({ status: "ok", store: "ok" });
  });
});

describe("a method an auth endpoint does not serve", () => {
  it("gets 405 {error, message} with Allow on every auth path; unknown paths stay 404", async () => {
    const gateway = await gatewayWith();
    const serves: Record<string, string> = {
      authorize: "GET, HEAD",
      redirect: "GET, HEAD",
      login: "GET, HEAD",
      result: "GET, HEAD",
      callback: "POST",
      refresh: "POST",
      "sign-out": "POST",
      config: "GET, HEAD",
      done: "GET, HEAD",
    };
    for (const [path, allow] of Object.entries(serves)) {
      for (const method of allow === "POST" ? ["GET", "PUT"] : ["POST", "DELETE"]) {
        const response = await fetch(`${gateway.url}/auth/soundcloud/${path}`, { method });
        expect(response.status, `${method} ${path}`).toBe(405);
        expect(response.headers.get("allow"), path).toBe(allow);
        expect(response.headers.get("cache-control")).toBe("no-store");
        expect(await response.json()).toEqual({
          error: "method_not_allowed",
          message: "This endpoint does not support that method",
        });
      }
    }
    const unknown = await fetch(`${gateway.url}/auth/soundcloud/nope`, { method: "POST" });
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get("allow")).toBeNull();
  });
});
