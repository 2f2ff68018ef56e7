import { request } from "node:http";
import { startTestEmulator, type TestEmulator } from "@soundgate/test-support/emulator";
import { type CookieJar, loginViaBff, startTestGateway } from "@soundgate/test-support/gateway";
import { recordingLogger } from "@soundgate/test-support/recording-logger";
import { type ServedApp, serveFetch } from "@soundgate/test-support/serve-fetch";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { RunningGateway } from "../gateway.js";

// The Node server answers the proxy's GETs itself (proxy-direct.ts); every other host runs
// the app's route. Both must give the same answers: here one gateway is asked the same
// things through its own server (direct) and through its app served by @hono/node-server
// (the route), and which requests reached the app is counted.

let emulator: TestEmulator;
const closing: Array<{ close(): Promise<void> }> = [];
beforeAll(async () => {
  emulator = await startTestEmulator();
});
afterAll(() => emulator.close());
afterEach(async () => {
  await Promise.all(closing.splice(0).map((c) => c.close()));
  await emulator.reset();
});

interface Pair {
  gateway: RunningGateway;
  /** The same gateway's app, served by another host. */
  app: ServedApp;
  jar: CookieJar;
  /** Requests that reached the app through the gateway's own server. */
  appCalls: string[];
}

async function pair(env: Record<string, string> = {}, logger = recordingLogger()): Promise<Pair> {
  const gateway = await startTestGateway(emulator, { env, logger: logger.logger });
  closing.push(gateway);
  const appCalls: string[] = [];
  const fetchApp = gateway.app.fetch.bind(gateway.app);
  // The Node server resolves app.fetch per request: count what reaches it.
  gateway.app.fetch = (req: Request, ...rest: unknown[]) => {
    appCalls.push(`${req.method} ${new URL(req.url).pathname}`);
    return fetchApp(req, ...(rest as []));
  };
  const app = await serveFetch((req) => fetchApp(req));
  closing.push(app);
  const { jar } = await loginViaBff(emulator, gateway);
  appCalls.length = 0;
  return { gateway, app, jar, appCalls };
}

/** An answer as a client sees it, without what differs between two sockets or two calls. */
async function seen(response: Response) {
  const headers = [...response.headers]
    .filter(([name]) => !["date", "connection", "keep-alive"].includes(name))
    .map(([name, value]) => (name.startsWith("x-ratelimit-") ? [name, "…"] : [name, value]));
  return { status: response.status, headers, body: await response.text() };
}

async function both(p: Pair, path: string, init: RequestInit = {}, before?: () => Promise<void>) {
  await before?.();
  const direct = await seen(await fetch(`${p.gateway.url}${path}`, init));
  await before?.();
  const viaApp = await seen(await fetch(`${p.app.url}${path}`, init));
  return { direct, viaApp };
}

describe("the proxy's GETs answered by the Node server", () => {
  it("answer exactly as the app's route does: bodies, headers, statuses, errors", async () => {
    const p = await pair();
    const signedIn = { headers: { Cookie: p.jar.header() } };
    const cases: Array<[string, string, RequestInit, (() => Promise<void>)?]> = [
      ["a user", "/api/soundcloud/me", signedIn],
      [
        "a page with next_href",
        "/api/soundcloud/me/tracks?limit=1&linked_partitioning=true",
        signedIn,
      ],
      ["HEAD", "/api/soundcloud/me", { ...signedIn, method: "HEAD" }],
      [
        "a conditional GET",
        "/api/soundcloud/me",
        { headers: { ...signedIn.headers, "If-None-Match": '"x"' } },
      ],
      ["no session", "/api/soundcloud/me", {}],
      [
        "an unknown session",
        "/api/soundcloud/me",
        { headers: { Cookie: "soundgate_session=nope" } },
      ],
      ["a path the proxy refuses", "/api/soundcloud/oauth/token", signedIn],
      ["an escaped slash", "/api/soundcloud/me%2Ftracks", signedIn],
      ["a token in the query", "/api/soundcloud/me?oauth_token=x&limit=2", signedIn],
      [
        "SoundCloud overloaded",
        "/api/soundcloud/me",
        signedIn,
        () => emulator.configure({ fail_next: { target: "api", count: 1, status: 503 } }),
      ],
      [
        "SoundCloud rate-limiting",
        "/api/soundcloud/me",
        signedIn,
        () =>
          emulator.configure({
            fail_next: { target: "api", count: 1, status: 429, retry_after: 30 },
          }),
      ],
      [
        "an HTML error page",
        "/api/soundcloud/me",
        signedIn,
        () =>
          emulator.configure({ fail_next: { target: "api", count: 1, mode: "html", status: 502 } }),
      ],
    ];
    for (const [name, path, init, before] of cases) {
      const { direct, viaApp } = await both(p, path, init, before);
      expect(direct, name).toEqual(viaApp);
    }
    // Spot checks that the cases are what they say (a comparison alone passes on two wrongs).
    const page = await both(p, cases[1]?.[1] ?? "", signedIn);
    expect(JSON.parse(page.direct.body).next_href).toMatch(
      /^http:\/\/gateway\.test\/api\/soundcloud\//,
    );
    expect((await both(p, "/api/soundcloud/me", {})).direct.status).toBe(401);
    // A percent-escape is the app's to decode: only that one reached it.
    expect(p.appCalls).toEqual(["GET /api/soundcloud/me%2Ftracks"]);
  });

  it("write the app's log line and metrics for each", async () => {
    const logger = recordingLogger();
    const p = await pair({ SOUNDGATE_METRICS_TOKEN: "metrics-token-0123456789" }, logger);
    await fetch(`${p.gateway.url}/api/soundcloud/me?limit=1`, {
      headers: { Cookie: p.jar.header() },
    });
    await fetch(`${p.gateway.url}/api/soundcloud/me`);
    const lines = logger
      .text()
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line))
      .filter((line) => line.msg === "request" && line.path.startsWith("/api/"));
    expect(lines.map((l) => [l.method, l.path, l.status])).toEqual([
      ["GET", "/api/soundcloud/me", 200],
      ["GET", "/api/soundcloud/me", 401],
    ]);
    const metrics = await (
      await fetch(`${p.gateway.url}/metrics`, {
        headers: { Authorization: "Bearer metrics-token-0123456789" },
      })
    ).text();
    for (const code of ["200", "401"]) {
      expect(metrics).toMatch(
        new RegExp(
          `soundgate_proxy_request_duration_seconds_count\\{method="GET",code="${code}"\\} 1`,
        ),
      );
    }
    expect(p.appCalls.filter((c) => c.includes("/api/"))).toEqual([]);
  });

  it("answer under the Starlib profile with `detail`, as the app does", async () => {
    const p = await pair({ SOUNDGATE_COMPAT: "starlib" });
    const { direct, viaApp } = await both(p, "/api/soundcloud/me", {});
    expect(direct).toEqual(viaApp);
    expect(JSON.parse(direct.body)).toMatchObject({
      error: "not_authenticated",
      detail: expect.any(String),
    });
    expect(p.appCalls).toEqual([]);
  });

  it("leave the app what it treats otherwise: other methods, CORS, URLs it rewrites", async () => {
    const allowed = "http://app.test";
    const p = await pair({ SOUNDGATE_ALLOWED_ORIGINS: allowed });
    const cookie = p.jar.header();

    // With an Origin to answer: the app's CORS headers come with the answer.
    const cors = await fetch(`${p.gateway.url}/api/soundcloud/me`, {
      headers: { Cookie: cookie, Origin: allowed },
    });
    expect(cors.status).toBe(200);
    expect(cors.headers.get("access-control-allow-origin")).toBe(allowed);

    // A state change: the app's CSRF check, then the proxy.
    const refused = await fetch(`${p.gateway.url}/api/soundcloud/me`, {
      method: "DELETE",
      headers: { Cookie: cookie },
    });
    expect(refused.status).toBe(403);

    // A dot segment (fetch would resolve it, so a raw request): the app's URL, normalised.
    const dotted = await rawGet(p.gateway.url, "/api/soundcloud/tracks/../me", cookie);
    expect(dotted.status).toBe(200);
    expect(JSON.parse(dotted.body).username).toBeTypeOf("string");

    expect(p.appCalls).toEqual([
      "GET /api/soundcloud/me",
      "DELETE /api/soundcloud/me",
      "GET /api/soundcloud/me",
    ]);
  });
});

describe("the proxy's GETs on another loopback name for the development gateway", () => {
  it("are redirected to the public name by the app, as every other path is", async () => {
    // Only the Host header's port has to match the public URL's: the gateway itself listens
    // on a free port.
    const gateway = await startTestGateway(emulator, {
      env: { SOUNDGATE_PUBLIC_URL: "http://localhost:4321" },
    });
    closing.push(gateway);
    const alias = await rawGet(gateway.url, "/api/soundcloud/me?limit=1", "", "127.0.0.2:4321");
    expect(alias).toMatchObject({
      status: 307,
      location: "http://localhost:4321/api/soundcloud/me?limit=1",
    });
    // On the public name itself the proxy answers (no session here).
    expect((await rawGet(gateway.url, "/api/soundcloud/me", "", "localhost:4321")).status).toBe(
      401,
    );
  });
});

/** A GET whose path (and Host, if given) is sent as written. */
function rawGet(base: string, path: string, cookie: string, host?: string) {
  return new Promise<{ status: number; body: string; location?: string }>((resolve, reject) => {
    // Options, not a URL string: new URL would resolve the dot segments here.
    const { hostname, port } = new URL(base);
    const headers = { cookie, ...(host ? { host } : {}) };
    const req = request({ hostname, port, path, headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => {
        body += chunk;
      });
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, body, location: res.headers.location }),
      );
    });
    req.on("error", reject);
    req.end();
  });
}
