import { DpopKey } from "@soundgate/test-support/dpop";
import { test } from "@soundgate/test-support/fixtures";
import {
  APP_CALLBACK,
  GATEWAY_CLIENT,
  loginViaBff,
  loginViaRedirect,
  refreshAt,
  startLogin,
  TEST_ENCRYPTION_KEYS,
} from "@soundgate/test-support/gateway";
import { parseMetrics, sampleValue, withoutValues } from "@soundgate/test-support/metrics";
import { describe, expect } from "vitest";
import type { RunningGateway } from "../gateway.js";

const TOKEN = "metrics-token-for-tests-0123456789";

/** `gatewayWith(env)`: a gateway with these settings on the file's emulator, closed after the test. */
const it = test.extend(
  "gatewayWith",
  ({ startGateway }) =>
    (env: Record<string, string> = {}): Promise<RunningGateway> =>
      startGateway({ env }),
);
it.beforeEach(({ emulator }) => emulator.reset());

async function scrape(url: string, token: string | undefined = TOKEN): Promise<string> {
  const response = await fetch(url, {
    headers: token === undefined ? {} : { Authorization: `Bearer ${token}` },
  });
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  expect(response.headers.get("cache-control")).toBe("no-store");
  return response.text();
}

describe("GET /metrics", () => {
  it("moves with a real login, refreshes, BFF proxy calls and failures", async ({
    emulator,
    gatewayWith,
  }) => {
    const gateway = await gatewayWith({ SOUNDGATE_METRICS_TOKEN: TOKEN });
    const metricsUrl = `${gateway.url}/metrics`;
    const before = parseMetrics(await scrape(metricsUrl));
    expect(sampleValue(before, "soundgate_logins_started_total", { flow: "result" })).toBe(0);

    // Tokens to the front end: login, refresh at SoundCloud, a racing second tab with the
    // same key (joins the refresh or gets the grace answer), and a stolen spent token.
    const login = await loginViaRedirect(emulator, gateway);
    const first = await refreshAt(gateway, login.refresh_token, login.dpop);
    expect(first.status).toBe(200);
    const again = await refreshAt(gateway, login.refresh_token, login.dpop);
    expect(again.status).toBe(200);
    expect((await refreshAt(gateway, login.refresh_token, new DpopKey())).status).toBe(401);
    expect((await refreshAt(gateway, login.refresh_token)).status).toBe(401);

    // A declined login comes back with error=access_denied.
    const declined = await startLogin(gateway);
    const back = await fetch(
      `${gateway.url}/auth/soundcloud/redirect?state=${declined.state}&error=access_denied`,
      { redirect: "manual" },
    );
    expect(back.status).toBe(303);

    // BFF: 1-second access tokens, due half a second after they are issued (the margin is
    // min(60 s, lifetime / 2)): after a pause, every proxied call refreshes first.
    await emulator.configure({ access_token_ttl_s: 1 });
    const { jar } = await loginViaBff(emulator, gateway);
    const due = () => new Promise((resolve) => setTimeout(resolve, 600));
    const proxy = async (path: string) => {
      await due();
      return fetch(`${gateway.url}/api/soundcloud${path}`, { headers: { Cookie: jar.header() } });
    };
    const me = () => proxy("/me");
    expect((await me()).status).toBe(200);
    expect((await me()).status).toBe(200);
    expect((await proxy("/tracks/999999999")).status).toBe(404);
    await emulator.configure({ fail_next: { target: "api", status: 500 } });
    expect((await me()).status).toBe(500);
    expect((await fetch(`${gateway.url}/api/soundcloud/me`)).status).toBe(401);

    const after = parseMetrics(await scrape(metricsUrl));
    const value = (name: string, labels: Record<string, string> = {}) =>
      sampleValue(after, name, labels);

    expect(value("soundgate_logins_started_total", { flow: "result" })).toBe(2);
    expect(value("soundgate_logins_completed_total", { flow: "result" })).toBe(1);
    expect(
      value("soundgate_logins_failed_total", { flow: "result", reason: "access_denied" }),
    ).toBe(1);
    expect(value("soundgate_logins_started_total", { flow: "session" })).toBe(1);
    expect(value("soundgate_logins_completed_total", { flow: "session" })).toBe(1);

    expect(value("soundgate_refreshes_total", { held_by: "browser", outcome: "upstream" })).toBe(1);
    expect(value("soundgate_refreshes_total", { held_by: "browser", outcome: "grace" })).toBe(1);
    expect(value("soundgate_refresh_grace_hits_total")).toBe(1);
    expect(value("soundgate_refresh_replays_refused_total", { reason: "other_client" })).toBe(2);
    expect(value("soundgate_dpop_proofs_refused_total", { reason: "wrong_key" })).toBe(1);
    expect(value("soundgate_dpop_proofs_refused_total", { reason: "missing" })).toBe(1);
    // Every proxied call with a session refreshed first: once each, at SoundCloud or
    // by joining a refresh already running.
    const gatewayRefreshes =
      value("soundgate_refreshes_total", { held_by: "gateway", outcome: "upstream" }) +
      value("soundgate_refreshes_total", { held_by: "gateway", outcome: "shared" });
    expect(gatewayRefreshes).toBe(4);
    expect(
      value("soundgate_refreshes_total", { held_by: "gateway", outcome: "upstream" }),
    ).toBeGreaterThanOrEqual(1);

    const proxied = (code: string) =>
      value("soundgate_proxy_request_duration_seconds_count", { method: "GET", code });
    expect(proxied("200")).toBe(2);
    expect(proxied("404")).toBe(1);
    expect(proxied("500")).toBe(1);
    expect(proxied("401")).toBe(1);
    expect(
      value("soundgate_proxy_request_duration_seconds_bucket", {
        method: "GET",
        code: "200",
        le: "+Inf",
      }),
    ).toBe(2);

    expect(
      value("soundgate_upstream_errors_total", { operation: "api", reason: "server_error" }),
    ).toBe(1);
    const upstream = (operation: string, code: string) =>
      value("soundgate_upstream_request_duration_seconds_count", { operation, code });
    expect(upstream("authorization_code", "2xx")).toBe(2);
    expect(upstream("refresh_token", "2xx")).toBe(5);
    expect(upstream("api", "5xx")).toBe(1);

    expect(
      value("soundgate_store_operation_duration_seconds_count", {
        operation: "createFlow",
        outcome: "ok",
      }),
    ).toBe(3);
    expect(value("soundgate_store_lock_wait_seconds_count")).toBeGreaterThanOrEqual(5);
    // The process's own, for the usual dashboards.
    expect(value("process_resident_memory_bytes")).toBeGreaterThan(0);
    expect(after.some((s) => s.name.startsWith("nodejs_eventloop_lag"))).toBe(true);
  });

  it("counts racing refreshes of one token once upstream; the others shared or from grace", async ({
    emulator,
    gatewayWith,
  }) => {
    const gateway = await gatewayWith({ SOUNDGATE_METRICS_TOKEN: TOKEN });
    const login = await loginViaRedirect(emulator, gateway);
    const answers = await Promise.all(
      [1, 2, 3].map(() => refreshAt(gateway, login.refresh_token, login.dpop)),
    );
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    const samples = parseMetrics(await scrape(`${gateway.url}/metrics`));
    const outcome = (outcome: string) =>
      sampleValue(samples, "soundgate_refreshes_total", { held_by: "browser", outcome });
    expect(outcome("upstream")).toBe(1);
    expect(outcome("shared") + outcome("grace")).toBe(2);
    expect((await emulator.stats()).token_requests.refresh_token).toBe(1);
  });

  it("counts the gateway's own rate limit and SoundCloud's errors by reason", async ({
    emulator,
    gatewayWith,
  }) => {
    const gateway = await gatewayWith({
      SOUNDGATE_METRICS_TOKEN: TOKEN,
      SOUNDGATE_RATE_LIMIT_PER_MINUTE: "2",
    });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      statuses.push((await fetch(`${gateway.url}/auth/soundcloud/config`)).status);
    }
    expect(statuses).toEqual([200, 200, 429]);

    const open = await gatewayWith({ SOUNDGATE_METRICS_TOKEN: TOKEN });
    const login = await loginViaRedirect(emulator, open);
    // SoundCloud rate limits the refresh (answered as such, after the client's retries).
    await emulator.configure({
      fail_next: { target: "token", status: 429, retry_after: 0, count: 5 },
    });
    expect((await refreshAt(open, login.refresh_token, login.dpop)).status).toBe(429);

    const limited = parseMetrics(await scrape(`${gateway.url}/metrics`));
    expect(sampleValue(limited, "soundgate_rate_limited_total", { limit: "auth" })).toBe(1);
    const upstream = parseMetrics(await scrape(`${open.url}/metrics`));
    expect(
      sampleValue(upstream, "soundgate_upstream_errors_total", {
        operation: "refresh_token",
        reason: "rate_limited",
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sampleValue(upstream, "soundgate_refreshes_total", {
        held_by: "browser",
        outcome: "upstream",
      }),
    ).toBe(0);
  });

  it("is off by default: 404, like any unknown path", async ({ gatewayWith }) => {
    const gateway = await gatewayWith();
    const response = await fetch(`${gateway.url}/metrics`, {
      headers: { Authorization: `Bearer ${TOKEN}` },
    });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: "not_found" });
  });

  it("asks for the bearer token: 401 without it or with another, never a partial answer", async ({
    gatewayWith,
  }) => {
    const gateway = await gatewayWith({ SOUNDGATE_METRICS_TOKEN: TOKEN });
    for (const authorization of [
      undefined,
      `Bearer ${TOKEN}x`,
      `Bearer ${TOKEN.slice(0, -1)}`,
      `Basic ${TOKEN}`,
      TOKEN,
    ]) {
      const response = await fetch(`${gateway.url}/metrics`, {
        headers: authorization === undefined ? {} : { Authorization: authorization },
      });
      expect(response.status).toBe(401);
      expect(response.headers.get("www-authenticate")).toBe('Bearer realm="metrics"');
      const body = await response.text();
      expect(JSON.parse(body)).toMatchObject({ error: "unauthorized" });
      expect(body).not.toContain("soundgate_");
    }
    expect(await scrape(`${gateway.url}/metrics`)).toContain("soundgate_logins_started_total");
  });

  it("on SOUNDGATE_METRICS_PORT: served there (token still asked for when set), not on the main port", async ({
    gatewayWith,
  }) => {
    const open = await gatewayWith({ SOUNDGATE_METRICS_PORT: "0" });
    expect(open.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    expect(open.metricsUrl).not.toContain(`:${open.port}/`);
    expect(await scrape(open.metricsUrl ?? "", undefined)).toContain("soundgate_refreshes_total");
    expect((await fetch(`${open.url}/metrics`)).status).toBe(404);
    const elsewhere = await fetch((open.metricsUrl ?? "").replace(/\/metrics$/, "/healthz"));
    expect(elsewhere.status).toBe(404);
    expect(await elsewhere.json()).toMatchObject({ error: "not_found" });

    const both = await gatewayWith({
      SOUNDGATE_METRICS_PORT: "0",
      SOUNDGATE_METRICS_TOKEN: TOKEN,
    });
    expect((await fetch(both.metricsUrl ?? "")).status).toBe(401);
    expect(await scrape(both.metricsUrl ?? "")).toContain("soundgate_logins_started_total");
    expect(
      (await fetch(`${both.url}/metrics`, { headers: { Authorization: `Bearer ${TOKEN}` } }))
        .status,
    ).toBe(404);

    // Closing the gateway closes its metrics port too.
    const url = both.metricsUrl ?? "";
    await both.close();
    await expect(fetch(url)).rejects.toThrow();
  });

  it("never puts a user, a token, an address or a secret in a label", async ({
    emulator,
    gatewayWith,
  }) => {
    const gateway = await gatewayWith({ SOUNDGATE_METRICS_TOKEN: TOKEN });
    const login = await loginViaRedirect(emulator, gateway);
    const refreshed = (await (
      await refreshAt(gateway, login.refresh_token, login.dpop)
    ).json()) as { access_token: string; refresh_token: string };
    const { jar } = await loginViaBff(emulator, gateway);
    await fetch(`${gateway.url}/api/soundcloud/me`, { headers: { Cookie: jar.header() } });
    const stranger = await startLogin(gateway);
    await fetch(
      `${gateway.url}/auth/soundcloud/redirect?state=${stranger.state}&error=${"x".repeat(40)}`,
      { redirect: "manual" },
    );
    const text = await scrape(`${gateway.url}/metrics`);

    const user = login.user as { id: number; username: string; urn: string; permalink: string };
    const secrets = [
      login.access_token,
      login.refresh_token,
      refreshed.access_token,
      refreshed.refresh_token,
      login.dpop.thumbprint,
      ...jar.cookies.values(),
      stranger.state,
      stranger.verifier,
      "x".repeat(40),
      String(user.id),
      user.username,
      user.urn,
      user.permalink,
      GATEWAY_CLIENT.client_secret,
      TEST_ENCRYPTION_KEYS.split(":")[1] ?? "",
      TOKEN,
      APP_CALLBACK,
      "127.0.0.1",
    ];
    // Values are numbers (memory sizes could hold any digits): names, labels and help only.
    const labelled = withoutValues(text);
    for (const secret of secrets) {
      expect(secret.length).toBeGreaterThan(4);
      expect(labelled).not.toContain(secret);
    }
    // And beyond these: every label value of ours is a word, a method, a status or a bucket.
    const samples = parseMetrics(text).filter((s) => s.name.startsWith("soundgate_"));
    expect(samples.length).toBeGreaterThan(50);
    for (const sample of samples) {
      for (const [label, value] of Object.entries(sample.labels)) {
        if (label === "le") expect(value).toMatch(/^(\d+(\.\d+)?|\+Inf)$/);
        else expect(value).toMatch(/^([a-z_]{1,24}|[A-Z]{3,7}|[1-5]\d\d|[1-5]xx|[a-zA-Z]{1,32})$/);
      }
    }
  });
});
