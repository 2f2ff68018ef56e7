import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../server.js";
import {
  api,
  clientCredentials,
  configure,
  loginTokens,
  reset,
  stats,
  TEST_CLIENT,
  type TokenBody,
} from "../test-support.js";

let emu: RunningEmulator;
let user: TokenBody;
let now = Date.UTC(2025, 0, 1, 12, 0, 0);
const STREAMS = "/tracks/soundcloud:tracks:2000001/streams";

beforeAll(async () => {
  emu = await startEmulator({ clients: [TEST_CLIENT], autoApprove: true, now: () => now });
});
afterAll(() => emu.close());
beforeEach(async () => {
  await reset(emu);
  user = await loginTokens(emu);
});

describe("plays quota", () => {
  it("is SoundCloud's by default: 15,000 stream requests per app per 24 h", async () => {
    const config = (await (await configure(emu, {})).json()) as {
      rate_limits: Record<string, unknown>;
    };
    expect(config.rate_limits).toMatchObject({
      plays_per_client: 15000,
      plays_per_client_window_s: 86400,
    });
  });

  it("answers 429 with SoundCloud's rate-limit body once an app used its plays", async () => {
    await configure(emu, { rate_limits: { plays_per_client: 2 } });
    const start = now;
    expect((await api(emu, STREAMS, user.access_token)).status).toBe(200);
    now += 60_000;
    // Any token of the same app counts against the same quota.
    const app = (await (await clientCredentials(emu)).json()) as TokenBody;
    expect((await api(emu, STREAMS, app.access_token)).status).toBe(200);
    const refused = await api(emu, STREAMS, user.access_token);
    expect(refused.status).toBe(429);
    expect(await refused.json()).toEqual({
      errors: [
        {
          meta: {
            rate_limit: { group: "plays", max_nr_of_requests: 2, time_window: "PT24H" },
            remaining_requests: 0,
            // The window started with the first request and lasts 24 h.
            reset_time: "2025/01/02 12:00:00 +0000",
          },
        },
      ],
    });
    expect(start).toBe(Date.UTC(2025, 0, 1, 12, 0, 0));
    expect((await stats(emu)).plays_rate_limited).toBe(1);
    // A refused request is not a play.
    const played = (await (
      await api(emu, "/me/recently-played/tracks", user.access_token)
    ).json()) as unknown[];
    expect(played).toHaveLength(1);
    // Other endpoints are not limited.
    expect((await api(emu, "/tracks/soundcloud:tracks:2000001", user.access_token)).status).toBe(
      200,
    );

    // A day later the window is over (and the old access token too).
    now = start + 24 * 60 * 60 * 1000;
    const fresh = await loginTokens(emu);
    expect((await api(emu, STREAMS, fresh.access_token)).status).toBe(200);
  });

  it("can be turned off, and counts per app", async () => {
    await configure(emu, { rate_limits: { plays_per_client: 0 } });
    expect((await api(emu, STREAMS, user.access_token)).status).toBe(429);
    await configure(emu, { rate_limits: { plays_per_client: null } });
    for (let i = 0; i < 3; i++) {
      expect((await api(emu, STREAMS, user.access_token)).status).toBe(200);
    }
    const bad = await configure(emu, { rate_limits: { plays_per_client: "lots" } });
    expect(bad.status).toBe(400);
  });
});
