// SoundCloud misbehaving, through the whole stack (BFF proxy → token manager → emulator):
// bursts of 503, 429 with Retry-After, latency past the timeout, dropped connections,
// malformed JSON. Each must give a clear error, be retried only where that is safe, and
// never cost the user their refresh token.

import { startTestEmulator, type TestEmulator } from "@soundgate/test-support/emulator";
import {
  loginViaBff,
  loginViaRedirect,
  refreshAt,
  startTestGateway,
} from "@soundgate/test-support/gateway";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RunningGateway } from "../gateway.js";

let emulator: TestEmulator;
let gateway: RunningGateway;
let cookie: string;

beforeAll(async () => {
  emulator = await startTestEmulator();
  gateway = await startTestGateway(emulator);
});
afterAll(async () => {
  await gateway.close();
  await emulator.close();
});
beforeEach(async () => {
  await emulator.reset();
  cookie = (await loginViaBff(emulator, gateway)).jar.header();
  // Make the next API call refresh first.
  await fetch(`${emulator.url}/_emulator/tokens/expire`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: "{}",
  });
});

const me = () => fetch(`${gateway.url}/api/soundcloud/me`, { headers: { Cookie: cookie } });

async function expectStillWorks(): Promise<void> {
  const response = await me();
  expect(response.status).toBe(200);
  const stats = await emulator.stats();
  expect(stats.refresh_reuse).toBe(0);
  expect(stats.token_errors.invalid_grant ?? 0).toBe(0);
}

describe("SoundCloud faults during a refresh", () => {
  it("a short burst of 503 is retried and succeeds", async () => {
    await emulator.configure({ fail_next: { target: "token", count: 2, status: 503 } });
    const response = await me();
    expect(response.status).toBe(200);
    expect((await emulator.stats()).token_requests.refresh_token).toBe(3);
    await expectStillWorks();
  });

  it("a long burst of 503 gives a clear 502 and keeps the grant", async () => {
    await emulator.configure({ fail_next: { target: "token", count: 5, status: 503 } });
    const response = await me();
    expect(response.status).toBe(502);
    expect(await response.json()).toMatchObject({ error: "upstream_unavailable" });
    await expectStillWorks();
  });

  it("429 with a short Retry-After is waited out", async () => {
    await emulator.configure({
      fail_next: { target: "token", count: 1, status: 429, retry_after: 1 },
    });
    const started = Date.now();
    expect((await me()).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    await expectStillWorks();
  });

  it("429 with a long Retry-After is reported, not waited out", async () => {
    await emulator.configure({
      fail_next: { target: "token", count: 1, status: 429, retry_after: 3600 },
    });
    const response = await me();
    expect(response.status).toBe(502);
    expect((await emulator.stats()).token_requests.refresh_token).toBe(1);
    await expectStillWorks();
  });

  it("a token endpoint that hangs past the timeout gives a clear error, and the grant survives", async () => {
    await emulator.configure({ fail_next: { target: "token", count: 1, mode: "hang" } });
    const started = Date.now();
    const response = await me();
    expect(response.status).toBe(502);
    expect(Date.now() - started).toBeLessThan(15_000);
    await expectStillWorks();
  }, 30_000);

  it("a dropped connection and a malformed body give clear errors, and the grant survives", async () => {
    await emulator.configure({ fail_next: { target: "token", count: 1, mode: "drop" } });
    expect((await me()).status).toBe(502);
    await emulator.configure({ fail_next: { target: "token", count: 1, mode: "malformed_json" } });
    expect((await me()).status).toBe(502);
    await emulator.configure({
      fail_next: { target: "token", count: 1, mode: "html", status: 502 },
    });
    expect((await me()).status).toBe(502);
    await expectStillWorks();
  });
});

describe("SoundCloud faults on API calls through the proxy", () => {
  it("pass through with their status and Retry-After (the proxy does not retry for the page)", async () => {
    await me(); // refresh first, so faults hit the API call
    await emulator.configure({ fail_next: { target: "api", count: 1, status: 503 } });
    expect((await me()).status).toBe(503);
    await emulator.configure({
      fail_next: { target: "api", count: 1, status: 429, retry_after: 30 },
    });
    const limited = await me();
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("30");
    await expectStillWorks();
  });
});

describe("Starlib /refresh under faults", () => {
  it("never spends the refresh token on a fault, so the next try works", async () => {
    const login = await loginViaRedirect(emulator, gateway);
    for (const fault of [
      { status: 503, count: 5 },
      { mode: "drop", count: 1 },
      { mode: "malformed_json", count: 1 },
    ]) {
      await emulator.configure({ fail_next: { target: "token", ...fault } });
      const failed = await refreshAt(gateway, login.refresh_token, login.dpop);
      expect(failed.status).toBeGreaterThanOrEqual(502);
      expect(await failed.json()).toMatchObject({ error: "upstream_unavailable" });
    }
    const ok = await refreshAt(gateway, login.refresh_token, login.dpop);
    expect(ok.status).toBe(200);
    expect((await emulator.stats()).refresh_reuse).toBe(0);
  });
});
