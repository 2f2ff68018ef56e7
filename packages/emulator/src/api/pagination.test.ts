import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../server.js";
import { api, loginTokens, TEST_CLIENT } from "../test-support.js";
import type { ScCollection, ScTrack } from "./schema.js";

let emu: RunningEmulator;
let token: string;

beforeAll(async () => {
  emu = await startEmulator({ clients: [TEST_CLIENT], autoApprove: true });
  token = (await loginTokens(emu)).access_token;
});
afterAll(() => emu.close());

async function page(path: string) {
  const res = await api(emu, path, token);
  return { res, body: (await res.json()) as ScCollection<ScTrack> };
}

describe("linked_partitioning", () => {
  it("walks all 450 likes in 3 pages of at most 200, without duplicates", async () => {
    const seen: string[] = [];
    const sizes: number[] = [];
    let next: string | undefined = "/me/likes/tracks?limit=200&linked_partitioning=true";
    while (next) {
      const { res, body } = await page(next);
      expect(res.status).toBe(200);
      sizes.push(body.collection.length);
      seen.push(...body.collection.map((t) => t.urn));
      next = body.next_href;
      if (next) {
        const url = new URL(next);
        expect(url.origin).toBe(emu.url);
        expect(url.searchParams.get("limit")).toBe("200");
        expect(url.searchParams.get("linked_partitioning")).toBe("true");
        expect(url.searchParams.get("cursor")).toBeTruthy();
      }
    }
    expect(sizes).toEqual([200, 200, 50]);
    expect(new Set(seen).size).toBe(450);
  });

  it("leaves next_href out of the last page", async () => {
    const { body } = await page("/me/playlists?linked_partitioning=true&limit=10");
    expect(body.collection).toHaveLength(4);
    expect("next_href" in body).toBe(false);
  });

  it("defaults to 50 per page and clamps limits above 200", async () => {
    const defaults = await page("/me/likes/tracks?linked_partitioning=true");
    expect(defaults.body.collection).toHaveLength(50);
    const clamped = await page("/me/likes/tracks?linked_partitioning=1&limit=1000");
    expect(clamped.body.collection).toHaveLength(200);
    expect(new URL(clamped.body.next_href ?? "").searchParams.get("limit")).toBe("200");
  });

  it("keeps the caller's filters in next_href", async () => {
    const { body } = await page("/tracks?q=night&limit=5&linked_partitioning=true");
    const next = new URL(body.next_href ?? "");
    expect(next.pathname).toBe("/tracks");
    expect(next.searchParams.get("q")).toBe("night");
  });

  it.each([
    ["garbage", "nope"],
    ["a forged offset", `${Buffer.from("0").toString("base64url")}.AAAAAAAAAAAAAAAAAAAAAA`],
  ])("answers a tampered cursor (%s) with 400", async (_label, cursor) => {
    const res = await api(
      emu,
      `/me/likes/tracks?linked_partitioning=true&cursor=${encodeURIComponent(cursor)}`,
      token,
    );
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 400, message: "invalid cursor" });
  });

  it("refuses a cursor edited by one character, and one replayed on another list", async () => {
    const { body } = await page("/me/likes/tracks?limit=10&linked_partitioning=true");
    const next = new URL(body.next_href ?? "");
    const cursor = next.searchParams.get("cursor") ?? "";
    const edited = `${cursor.slice(0, -1)}${cursor.endsWith("A") ? "B" : "A"}`;
    next.searchParams.set("cursor", edited);
    expect((await api(emu, next.href, token)).status).toBe(400);
    const replay = await api(
      emu,
      `/me/tracks?linked_partitioning=true&cursor=${encodeURIComponent(cursor)}`,
      token,
    );
    expect(replay.status).toBe(400);
  });
});

describe("plain arrays", () => {
  it("returns an array without linked_partitioning and honours offset", async () => {
    const all = (await (await api(emu, "/me/tracks?limit=200", token)).json()) as ScTrack[];
    expect(Array.isArray(all)).toBe(true);
    expect(all).toHaveLength(60);
    const tail = (await (
      await api(emu, "/me/tracks?limit=5&offset=58", token)
    ).json()) as ScTrack[];
    expect(tail.map((t) => t.urn)).toEqual(all.slice(58).map((t) => t.urn));
  });

  it.each([
    "limit=abc",
    "limit=-1",
    "limit=0",
    "limit=1.5",
    "offset=-3",
    "offset=x",
    "linked_partitioning=maybe",
  ])("answers %s with a SoundCloud-shaped 400", async (query) => {
    const res = await api(emu, `/me/likes/tracks?${query}`, token);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { code: number; message: string; link: string };
    expect(body.code).toBe(400);
    expect(body.message).toBeTruthy();
    expect(body.link).toMatch(/^https:\/\/developers\.soundcloud\.com\//);
  });
});
