// SOUNDGATE_COMPAT=starlib over real HTTP: the answers Starlib's backend gave where ours
// differ (unbound results, `detail` in every error, 404 while pending, its /authorize
// keys), one warning at start, and every other protection still on. The same front end
// in Chromium: starlib-frontend.test.ts.
import { Writable } from "node:stream";
import { startTestEmulator, type TestEmulator } from "@soundgate/test-support/emulator";
import {
  APP_CALLBACK,
  approveAtEmulator,
  deliverToGateway,
  getResult,
  resultKeyOf,
  startLogin,
  startTestGateway,
  type TestGatewayOptions,
} from "@soundgate/test-support/gateway";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RunningGateway } from "../gateway.js";
import { createLogger } from "../logger.js";

const STARLIB = { SOUNDGATE_COMPAT: "starlib" };

let emulator: TestEmulator;
let gateway: RunningGateway;
const started: RunningGateway[] = [];

beforeAll(async () => {
  emulator = await startTestEmulator();
});
afterAll(() => emulator.close());
beforeEach(async () => {
  await emulator.reset();
  gateway = await start();
});
afterEach(async () => {
  await Promise.all(started.splice(0).map((g) => g.close()));
});

async function start(options: TestGatewayOptions = {}): Promise<RunningGateway> {
  const started_ = await startTestGateway(emulator, {
    ...options,
    env: { ...STARLIB, ...options.env },
  });
  started.push(started_);
  return started_;
}

/** Starlib's first call: return_to only, no result_challenge. */
async function authorize(target: RunningGateway, returnTo = APP_CALLBACK) {
  const response = await fetch(
    `${target.url}/auth/soundcloud/authorize?return_to=${encodeURIComponent(returnTo)}`,
  );
  return { response, body: (await response.json()) as Record<string, string> };
}

/** /result as Starlib's front end asks for it: by state alone, no secrets, no DPoP proof. */
const starlibResult = (state: string) => getResult(gateway, state, undefined, undefined, null);

describe("SOUNDGATE_COMPAT=starlib", () => {
  it("answers /authorize with Starlib's keys, and /result by state alone, once", async () => {
    const { response, body } = await authorize(gateway);
    expect(response.status).toBe(200);
    expect(Object.keys(body).sort()).toEqual(["authorization_url", "state"]);
    const back = await deliverToGateway(
      gateway,
      await approveAtEmulator(emulator, body.authorization_url ?? ""),
    );
    // Exactly Starlib's redirect: return_to?state=…
    expect(back.headers.get("location")).toBe(`${APP_CALLBACK}?state=${body.state}`);
    const result = await starlibResult(body.state ?? "");
    expect(result.status).toBe(200);
    expect(await result.json()).toMatchObject({ access_token: expect.any(String) });
    const again = await starlibResult(body.state ?? "");
    expect(again.status).toBe(404);
  });

  it("answers 404 while the login is pending (Starlib's poller retries on 404 only)", async () => {
    const { body } = await authorize(gateway, "http://gateway.test/auth/soundcloud/done");
    const pending = await starlibResult(body.state ?? "");
    expect(pending.status).toBe(404);
    expect(await pending.json()).toEqual({
      error: "result_pending",
      message: "The login is not finished yet",
      detail: "The login is not finished yet",
    });
    await deliverToGateway(
      gateway,
      await approveAtEmulator(emulator, body.authorization_url ?? ""),
    );
    expect((await starlibResult(body.state ?? "")).status).toBe(200);
  });

  it("puts FastAPI's `detail` beside error and message in every error body; the default does not", async () => {
    const base = `${gateway.url}/auth/soundcloud`;
    const errors = [
      await fetch(`${base}/result?state=unknown`),
      await fetch(`${base}/authorize?return_to=${encodeURIComponent("http://evil.test/")}`),
      await fetch(`${base}/refresh`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: "{broken",
      }),
      await fetch(`${base}/refresh`),
      await fetch(`${gateway.url}/nope`),
    ];
    expect(errors.map((r) => r.status)).toEqual([404, 400, 400, 405, 404]);
    for (const response of errors) {
      const body = (await response.json()) as Record<string, string>;
      expect(Object.keys(body).sort()).toEqual(["detail", "error", "message"]);
      expect(body.detail).toBe(body.message);
    }
    const plain = await startTestGateway(emulator);
    started.push(plain);
    const body = await (await fetch(`${plain.url}/auth/soundcloud/result?state=x`)).json();
    expect(Object.keys(body as object).sort()).toEqual(["error", "message"]);
  });

  it("says once, at start, that results are unbound", async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    await start({ logger: createLogger("info", sink) });
    const warnings = lines.filter((line) => line.includes('"level":"warn"'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/unbound.*SOUNDGATE_COMPAT=starlib/);
  });

  it("keeps the exact return_to allowlist (Starlib checked the origin only)", async () => {
    for (const returnTo of [
      "http://app.test/other",
      "http://app.test/callback/../admin",
      "http://app.test/callback?next=x",
    ]) {
      const { response, body } = await authorize(gateway, returnTo);
      expect(`${returnTo}: ${response.status}`).toBe(`${returnTo}: 400`);
      expect(body).toMatchObject({ error: "return_to_not_allowed", detail: expect.any(String) });
    }
  });

  it("keeps flows expiring (Starlib kept them in memory forever)", async () => {
    let now = Date.now();
    const clocked = await start({ now: () => now });
    const { body } = await authorize(clocked);
    const redirect = await approveAtEmulator(emulator, body.authorization_url ?? "");
    now += 10 * 60_000 + 1;
    const late = await deliverToGateway(clocked, redirect);
    expect(late.status).toBe(400);
    expect(await late.json()).toMatchObject({ error: "invalid_state", detail: expect.any(String) });
  });

  it("keeps single-flight refresh: 20 concurrent refreshes are one upstream refresh", async () => {
    const { body } = await authorize(gateway);
    await deliverToGateway(
      gateway,
      await approveAtEmulator(emulator, body.authorization_url ?? ""),
    );
    const login = (await (await starlibResult(body.state ?? "")).json()) as {
      refresh_token: string;
    };
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        fetch(`${gateway.url}/auth/soundcloud/refresh`, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ refresh_token: login.refresh_token }),
        }),
      ),
    );
    expect(answers.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect((await emulator.stats()).token_requests.refresh_token).toBe(1);
  });

  it("keeps bound flows bound: the SDK's logins need both halves here too", async () => {
    const login = await startLogin(gateway);
    const back = await deliverToGateway(gateway, await approveAtEmulator(emulator, login.url));
    const key = resultKeyOf(back);
    expect(key).toBeDefined();
    expect((await getResult(gateway, login.state)).status).toBe(404);
    // The initiator's verifier alone is the phisher's position: not enough here either.
    const half = await getResult(gateway, login.state, login.verifier);
    expect(half.status).toBe(404);
    expect(await half.json()).toMatchObject({ error: "result_not_found" });
    expect((await getResult(gateway, login.state, undefined, key)).status).toBe(404);
    expect((await getResult(gateway, login.state, login.verifier, key)).status).toBe(200);
  });

  it("answers CORS for Tauri's origins (tauri://localhost, http(s)://tauri.localhost)", async () => {
    const tauri = await start({
      env: {
        SOUNDGATE_ALLOWED_ORIGINS:
          "http://app.test,tauri://localhost,http://tauri.localhost,https://tauri.localhost",
      },
    });
    for (const origin of [
      "tauri://localhost",
      "http://tauri.localhost",
      "https://tauri.localhost",
    ]) {
      const preflight = await fetch(`${tauri.url}/auth/soundcloud/result?state=x`, {
        method: "OPTIONS",
        headers: {
          Origin: origin,
          "Access-Control-Request-Method": "GET",
          "Access-Control-Request-Headers": "content-type",
        },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get("access-control-allow-origin")).toBe(origin);
      const get = await fetch(`${tauri.url}/auth/soundcloud/result?state=x`, {
        headers: { Origin: origin },
      });
      expect(get.headers.get("access-control-allow-origin")).toBe(origin);
    }
    const other = await fetch(`${tauri.url}/auth/soundcloud/result?state=x`, {
      headers: { Origin: "starlib://localhost" },
    });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("says the user cancelled on the done page (Starlib's said you were connected)", async () => {
    const page = await (
      await fetch(`${gateway.url}/auth/soundcloud/done?error=access_denied`)
    ).text();
    expect(page).toContain("You cancelled the connection");
    expect(page).not.toMatch(/SoundCloud connected|You're connected/i);
  });
});
