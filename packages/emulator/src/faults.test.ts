import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createEmulatorApp } from "./app.js";
import { type RunningEmulator, startEmulator } from "./server.js";
import {
  api,
  authorizeRedirect,
  configure,
  loginTokens,
  pkcePair,
  refresh,
  reset,
  stats,
  TEST_CLIENT,
  type TokenBody,
} from "./test-support.js";

let emu: RunningEmulator;

beforeAll(async () => {
  emu = await startEmulator({ clients: [TEST_CLIENT], autoApprove: true });
});
afterAll(() => emu.close());
beforeEach(() => reset(emu));

async function failNext(fault: Record<string, unknown>) {
  const res = await configure(emu, { fail_next: fault });
  expect(res.status).toBe(200);
}

describe("status mode", () => {
  it("503s the token endpoint without spending the refresh token", async () => {
    const tokens = await loginTokens(emu);
    await failNext({ target: "token", count: 1, status: 503 });
    const faulted = await refresh(emu, tokens.refresh_token);
    expect(faulted.status).toBe(503);
    expect(faulted.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await faulted.json()).toEqual({ error: "temporarily_unavailable" });

    const retried = await refresh(emu, tokens.refresh_token);
    expect(retried.status).toBe(200);
    const s = await stats(emu);
    expect(s.token_requests.refresh_token).toBe(2);
    expect(s.refresh_reuse).toBe(0);
    expect(s.faults_injected.token).toBe(1);
  });

  it("429s the token endpoint with Retry-After", async () => {
    const tokens = await loginTokens(emu);
    await failNext({ target: "token", status: 429, retry_after: 7 });
    const res = await refresh(emu, tokens.refresh_token);
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("7");
    expect(await res.json()).toEqual({ error: "rate_limit_exceeded" });
    expect((await refresh(emu, tokens.refresh_token)).status).toBe(200);
  });

  it("can answer a chosen OAuth error", async () => {
    const tokens = await loginTokens(emu);
    await failNext({ target: "token", status: 400, error: "invalid_grant" });
    const res = await refresh(emu, tokens.refresh_token);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: "invalid_grant" });
    expect((await refresh(emu, tokens.refresh_token)).status).toBe(200);
  });

  it("fails API requests `count` times in SoundCloud's Error shape, then recovers", async () => {
    const { access_token } = await loginTokens(emu);
    await failNext({ target: "api", count: 2, status: 503 });
    for (let i = 0; i < 2; i++) {
      const res = await api(emu, "/me", access_token);
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ code: 503 });
    }
    expect((await api(emu, "/me", access_token)).status).toBe(200);
    const s = await stats(emu);
    expect(s.api_requests).toBe(3);
    expect(s.faults_injected.api).toBe(2);
  });

  it("queues faults in order and shows what is pending", async () => {
    const { access_token } = await loginTokens(emu);
    const res = await configure(emu, {
      fail_next: [
        { target: "api", status: 500 },
        { target: "api", status: 429, retry_after: 1 },
      ],
    });
    const config = (await res.json()) as { fail_next: { status: number; count: number }[] };
    expect(config.fail_next.map((f) => [f.status, f.count])).toEqual([
      [500, 1],
      [429, 1],
    ]);
    expect((await api(emu, "/me", access_token)).status).toBe(500);
    const limited = await api(emu, "/me", access_token);
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("1");
    expect((await api(emu, "/me", access_token)).status).toBe(200);
  });

  it("faults /authorize", async () => {
    await failNext({ target: "authorize", status: 503 });
    const { res } = await authorizeRedirect(emu.url, { code_challenge: pkcePair().challenge });
    expect(res.status).toBe(503);
    expect((await stats(emu)).authorize_requests).toBe(1);
  });

  it("never touches the control surface", async () => {
    await failNext({ target: "api", count: 5, mode: "drop" });
    expect((await fetch(`${emu.url}/_emulator/stats`)).status).toBe(200);
    await configure(emu, { fail_next: null });
    expect(
      ((await (await fetch(`${emu.url}/_emulator/config`)).json()) as { fail_next: [] }).fail_next,
    ).toEqual([]);
  });
});

describe("broken answers", () => {
  it("html: a CDN-style error page with the status (502 by default)", async () => {
    const tokens = await loginTokens(emu);
    await failNext({ target: "token", mode: "html" });
    const res = await refresh(emu, tokens.refresh_token);
    expect(res.status).toBe(502);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    expect(await res.text()).toMatch(/<html/i);
    expect((await refresh(emu, tokens.refresh_token)).status).toBe(200);
  });

  it("malformed_json: 200 application/json that does not parse", async () => {
    const tokens = await loginTokens(emu);
    await failNext({ target: "token", mode: "malformed_json" });
    const res = await refresh(emu, tokens.refresh_token);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    const text = await res.text();
    expect(() => JSON.parse(text)).toThrow();
    expect((await refresh(emu, tokens.refresh_token)).status).toBe(200);
  });

  it("drop: the connection closes without an answer", async () => {
    const tokens = await loginTokens(emu);
    await failNext({ target: "token", mode: "drop" });
    await expect(refresh(emu, tokens.refresh_token)).rejects.toThrow();
    expect((await refresh(emu, tokens.refresh_token)).status).toBe(200);
  });

  it("hang: no answer until the client gives up", async () => {
    const { access_token } = await loginTokens(emu);
    await failNext({ target: "api", mode: "hang" });
    const started = Date.now();
    await expect(
      api(emu, "/me", access_token, { signal: AbortSignal.timeout(300) }),
    ).rejects.toMatchObject({ name: "TimeoutError" });
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect((await api(emu, "/me", access_token)).status).toBe(200);
  });

  it("hang: close() releases hung requests and keep-alive sockets at once", async () => {
    const other = await startEmulator({ clients: [TEST_CLIENT], autoApprove: true });
    const tokens = (await loginTokens(other)) as TokenBody;
    await configure(other, { fail_next: { target: "api", mode: "hang" } });
    const hung = api(other, "/me", tokens.access_token).then(
      () => "answered",
      () => "failed",
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    await other.close();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await hung).toBe("failed");
  });
});

describe("in-process app", () => {
  it("serves requests through app.fetch without a server", async () => {
    const app = createEmulatorApp({ clients: [TEST_CLIENT] });
    const res = await app.fetch(new Request("http://emulator.test/_emulator/stats"));
    expect(res.status).toBe(200);
    const me = await app.fetch(new Request("http://emulator.test/me"));
    expect(me.status).toBe(401);
  });

  it("turns a dropped connection into a rejected fetch", async () => {
    const app = createEmulatorApp({ clients: [TEST_CLIENT] });
    await app.fetch(
      new Request("http://emulator.test/_emulator/config", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ fail_next: { target: "api", mode: "drop" } }),
      }),
    );
    await expect(app.fetch(new Request("http://emulator.test/me"))).rejects.toThrow(TypeError);
    expect((await app.fetch(new Request("http://emulator.test/me"))).status).toBe(401);
  });
});
