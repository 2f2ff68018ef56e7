import { test } from "@soundgate/test-support/fixtures";
import { describe, expect } from "vitest";
import type { RunningGateway } from "../gateway.js";

/** `gatewayWith(env, now)`: a gateway on the file's emulator, closed after the test. */
const it = test.extend(
  "gatewayWith",
  ({ startGateway }) =>
    (env: Record<string, string>, now?: () => number) =>
      startGateway({ env, now }),
);

/** An auth endpoint that needs no login (401: no verifier sent); each call costs one token of the limit. */
function hit(gateway: RunningGateway, headers: Record<string, string> = {}) {
  return fetch(`${gateway.url}/auth/soundcloud/result?state=x`, { headers });
}

/** One request after the other, so the order of the answers is the order of arrival. */
async function statuses(requests: Array<() => Promise<Response>>): Promise<number[]> {
  const out: number[] = [];
  for (const request of requests) {
    const response = await request();
    await response.body?.cancel();
    out.push(response.status);
  }
  return out;
}

describe("the client address behind a proxy", () => {
  it("is the one the trusted proxy saw, not the leftmost (client-written) X-Forwarded-For entry", async ({
    gatewayWith,
  }) => {
    // The proxy appends the address it saw (203.0.113.7); the client wrote the rest.
    const gateway = await gatewayWith({
      SOUNDGATE_TRUST_PROXY: "true",
      SOUNDGATE_RATE_LIMIT_PER_MINUTE: "5",
    });
    const results = await statuses(
      Array.from(
        { length: 20 },
        (_, i) => () => hit(gateway, { "X-Forwarded-For": `10.9.${i}.1, 203.0.113.7` }),
      ),
    );
    expect(results.filter((s) => s !== 429)).toHaveLength(5);
    // Another real client behind the same proxy is not affected.
    const other = await hit(gateway, { "X-Forwarded-For": "10.9.0.1, 203.0.113.8" });
    expect(other.status).toBe(401);
  });

  it("with a hop count, is the entry that many hops from the right", async ({ gatewayWith }) => {
    const gateway = await gatewayWith({
      SOUNDGATE_TRUST_PROXY: "2",
      SOUNDGATE_RATE_LIMIT_PER_MINUTE: "3",
    });
    // client-written, the client as the CDN saw it, the CDN as the load balancer saw it
    const results = await statuses(
      Array.from(
        { length: 6 },
        (_, i) => () =>
          hit(gateway, { "X-Forwarded-For": `198.51.100.${i}, 203.0.113.9, 192.0.2.${i}` }),
      ),
    );
    expect(results).toEqual([401, 401, 401, 429, 429, 429]);
  });

  it("refuses an X-Forwarded-For entry that is not an address with 400 JSON", async ({
    gatewayWith,
  }) => {
    const gateway = await gatewayWith({
      SOUNDGATE_TRUST_PROXY: "1",
      SOUNDGATE_RATE_LIMIT_PER_MINUTE: "100",
    });
    for (const value of ["not-an-ip", "203.0.113.7, <script>", "1.2.3.4, ", "999.1.1.1"]) {
      const response = await hit(gateway, { "X-Forwarded-For": value });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: "invalid_forwarded_for" });
    }
    // Ports and bracketed IPv6 as some proxies write them are addresses.
    for (const value of ["203.0.113.7:51234", "[2001:db8::1]:443", "2001:db8::1"]) {
      expect((await hit(gateway, { "X-Forwarded-For": value })).status).toBe(401);
    }
  });

  it("counts IPv6 clients per /64, since one host holds a whole /64", async ({ gatewayWith }) => {
    const gateway = await gatewayWith({
      SOUNDGATE_TRUST_PROXY: "true",
      SOUNDGATE_RATE_LIMIT_PER_MINUTE: "2",
    });
    const results = await statuses(
      ["2001:db8:1:2::1", "2001:db8:1:2:ffff::9", "2001:db8:1:2:aaaa:bbbb:cccc:dddd"].map(
        (address) => () => hit(gateway, { "X-Forwarded-For": address }),
      ),
    );
    expect(results).toEqual([401, 401, 429]);
    expect((await hit(gateway, { "X-Forwarded-For": "2001:db8:1:3::1" })).status).toBe(401);
  });

  it("ignores X-Forwarded-For unless the proxy is trusted", async ({ gatewayWith }) => {
    const gateway = await gatewayWith({ SOUNDGATE_RATE_LIMIT_PER_MINUTE: "2" });
    const results = await statuses(
      ["10.0.0.1", "10.0.0.2", "10.0.0.3"].map((a) => () => hit(gateway, { "X-Forwarded-For": a })),
    );
    expect(results).toEqual([401, 401, 429]);
  });
});

describe("the limit", () => {
  it("does not let twice the limit through at a minute boundary", async ({ gatewayWith }) => {
    let clock = Date.UTC(2026, 0, 1, 12, 0, 59, 900); // 100 ms before a minute turns
    const gateway = await gatewayWith({ SOUNDGATE_RATE_LIMIT_PER_MINUTE: "5" }, () => clock);
    const before = await statuses(Array.from({ length: 5 }, () => () => hit(gateway)));
    clock += 200; // the next minute has begun
    const after = await statuses(Array.from({ length: 5 }, () => () => hit(gateway)));
    expect(before).toEqual([401, 401, 401, 401, 401]);
    expect(after.filter((s) => s === 429)).toHaveLength(5);
    // Capacity comes back steadily: one request per 12 s at 5 per minute.
    clock += 12_000;
    expect(await statuses([() => hit(gateway), () => hit(gateway)])).toEqual([401, 429]);
  });

  it("says when to come back", async ({ gatewayWith }) => {
    const clock = Date.UTC(2026, 0, 1, 12, 0, 0);
    const gateway = await gatewayWith({ SOUNDGATE_RATE_LIMIT_PER_MINUTE: "1" }, () => clock);
    await statuses([() => hit(gateway)]);
    const limited = await hit(gateway);
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("60");
    expect(await limited.json()).toMatchObject({ error: "rate_limited" });
  });
});

describe("several instances on one Postgres database", () => {
  it("share one limit per client", async ({ gatewayWith, postgres }) => {
    const env = { SOUNDGATE_DATABASE_URL: postgres.url, SOUNDGATE_RATE_LIMIT_PER_MINUTE: "6" };
    const gateways = [await gatewayWith(env), await gatewayWith(env), await gatewayWith(env)];
    const results = await statuses(
      Array.from({ length: 18 }, (_, i) => () => hit(gateways[i % 3] as RunningGateway)),
    );
    expect(results.filter((s) => s !== 429)).toHaveLength(6);
    expect(results.slice(6).every((s) => s === 429)).toBe(true);
  });

  it("keep the limit exact under concurrent requests", async ({ gatewayWith, postgres }) => {
    const env = {
      SOUNDGATE_DATABASE_URL: postgres.url,
      SOUNDGATE_RATE_LIMIT_PER_MINUTE: "10",
      SOUNDGATE_TRUST_PROXY: "true",
    };
    const gateways = [await gatewayWith(env), await gatewayWith(env)];
    const headers = { "X-Forwarded-For": "198.51.100.77" };
    const responses = await Promise.all(
      Array.from({ length: 40 }, (_, i) => hit(gateways[i % 2] as RunningGateway, headers)),
    );
    await Promise.all(responses.map((r) => r.body?.cancel()));
    expect(responses.filter((r) => r.status !== 429)).toHaveLength(10);
  });
});
