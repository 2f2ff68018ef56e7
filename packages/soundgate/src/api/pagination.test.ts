import {
  authorizeCode,
  startTestEmulator,
  type TestEmulator,
} from "@soundgate/test-support/emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiClient } from "../api-client.js";
import { exchangeCode } from "../grants.js";
import { createSoundCloud } from "./soundcloud.js";

let emulator: TestEmulator;
let lying: TestEmulator;
let token: string;
let lyingToken: string;

beforeAll(async () => {
  emulator = await startTestEmulator();
  // An API whose next_href points at another origin (another port is another origin).
  lying = await startTestEmulator({ publicUrl: "http://127.0.0.1:9" });
  const a = await authorizeCode(emulator);
  token = (await exchangeCode(emulator.client, { code: a.code, codeVerifier: a.verifier }))
    .accessToken;
  const b = await authorizeCode(lying);
  lyingToken = (await exchangeCode(lying.client, { code: b.code, codeVerifier: b.verifier }))
    .accessToken;
});
afterAll(async () => {
  await emulator.close();
  await lying.close();
});

describe("Paginated", () => {
  it("never follows a next_href to another origin, so the token stays home", async () => {
    const sc = createSoundCloud({ auth: lyingToken, apiBaseUrl: lying.url });
    const pages = sc.me.likes.tracks({ limit: 200 }).pages();
    const first = await pages.next();
    expect(first.value?.collection).toHaveLength(200);
    expect(first.value?.next_href).toMatch(/^http:\/\/127\.0\.0\.1:9\//);
    const before = (await lying.stats()).api_requests;
    await expect(pages.next()).rejects.toMatchObject({ code: "invalid_argument" });
    expect((await lying.stats()).api_requests).toBe(before);
  });

  it("treats a list answered as a bare array as a single page", async () => {
    const api = new ApiClient({ auth: token, apiBaseUrl: emulator.url });
    await createSoundCloud({ auth: token, apiBaseUrl: emulator.url }).tracks.streams(
      "soundcloud:tracks:2000001",
    );
    const pages = [];
    for await (const page of api.paginate("/me/recently-played/tracks").pages()) pages.push(page);
    expect(pages).toHaveLength(1);
    expect(pages[0]?.collection).toHaveLength(1);
  });

  it("pages a bare-array list (the deprecated TracksList) by offset while pages come back full", async () => {
    const sc = createSoundCloud({ auth: token, apiBaseUrl: emulator.url });
    const all = await sc.me.followingsTracks({ limit: 200 }).toArray();
    const pages = [];
    for await (const page of sc.me.followingsTracks({ limit: 7 }).pages()) pages.push(page);
    expect(all.length).toBeGreaterThan(7);
    expect(pages.length).toBe(Math.floor(all.length / 7) + 1);
    expect(pages.flatMap((p) => p.collection).map((t) => t.urn)).toEqual(all.map((t) => t.urn));
    expect(pages.every((p) => !("offsetPaged" in p))).toBe(true);
  });

  it("walks any list by path and checks its limit", async () => {
    const sc = createSoundCloud({ auth: token, apiBaseUrl: emulator.url });
    const comments = await sc
      .paginate<{ urn: string }>("/tracks/soundcloud:tracks:2000001/comments", { limit: 2 })
      .toArray();
    expect(comments.every((c) => c.urn.startsWith("soundcloud:comments:"))).toBe(true);
    expect(() => sc.me.likes.tracks({ limit: 500 })).toThrow(/limit/);
    expect(() => sc.me.likes.tracks({ limit: 0 })).toThrow(/limit/);
  });

  it("stops when the caller's signal aborts", async () => {
    const sc = createSoundCloud({ auth: token, apiBaseUrl: emulator.url });
    const controller = new AbortController();
    const seen: string[] = [];
    const walk = (async () => {
      for await (const track of sc.me.likes.tracks({ limit: 10, signal: controller.signal })) {
        seen.push(track.urn);
        if (seen.length === 15) controller.abort();
      }
    })();
    await expect(walk).rejects.toMatchObject({ code: "aborted" });
    expect(seen).toHaveLength(15);
  });
});
