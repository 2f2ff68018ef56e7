import { signedInUser } from "@soundgate/test-support/emulator";
import { it } from "@soundgate/test-support/fixtures";
import { describe, expect } from "vitest";
import { ClientCredentialsCache } from "../client-credentials.js";
import { createSoundCloud, type SoundCloud } from "./soundcloud.js";
import type { TrackUrn } from "./types.js";

let sc: SoundCloud;

it.beforeEach(async ({ emulator }) => {
  await emulator.reset();
  const manager = await signedInUser(emulator);
  sc = createSoundCloud({ auth: manager.provider("me"), apiBaseUrl: emulator.url });
});

const TRACK: TrackUrn = "soundcloud:tracks:2000001";

describe("sc.tracks", () => {
  it("gets a track, its streams, its preview URL and who liked it", async () => {
    const track = await sc.tracks.get(TRACK);
    expect(track).toMatchObject({
      urn: TRACK,
      kind: "track",
      user: { username: "nightjar-audio" },
    });
    const streams = await sc.tracks.streams(TRACK);
    expect(streams.hls_aac_160_url).toMatch(/^https:\/\//);
    expect(await sc.tracks.previewUrl(TRACK)).toMatch(/^https:\/\/cf-media\.sndcdn\.com\//);
    const liked = (await sc.me.likes.tracks({ limit: 1 }).toArray(1))[0];
    const fans = await sc.tracks.favoriters(liked?.urn as TrackUrn).toArray();
    expect(fans.some((u) => u.username === "nightjar-audio")).toBe(true);
  });

  it("searches with filters and pages through the results", async () => {
    const results = await sc.tracks.search({ q: "night", limit: 10 }).toArray(25);
    expect(results.length).toBeGreaterThan(0);
    for (const t of results) {
      expect(`${t.title} ${t.genre} ${t.tag_list}`.toLowerCase()).toContain("night");
    }
    const blocked = await sc.tracks.search({ access: ["blocked"], limit: 50 }).toArray(50);
    expect(blocked.length).toBeGreaterThan(0);
    expect(blocked.every((t) => t.access === "blocked")).toBe(true);
    const exact = await sc.tracks.search({ urns: [TRACK, "soundcloud:tracks:2000002"] }).toArray();
    expect(exact.map((t) => t.urn).sort()).toEqual([TRACK, "soundcloud:tracks:2000002"]);
    const related = await sc.tracks.related(TRACK, { limit: 5 }).toArray(5);
    expect(related.every((t) => t.urn !== TRACK)).toBe(true);
  });

  it("updates, sets a storefront on, and deletes an own track", async () => {
    const updated = await sc.tracks.update(TRACK, { title: "New title", genre: "Techno" });
    expect(updated).toMatchObject({ urn: TRACK, title: "New title", genre: "Techno" });
    const storefront = await sc.tracks.setStorefront(TRACK, {
      title: "Buy it",
      type: "vinyl",
      link: "https://shop.example/lp",
    });
    expect(storefront).toMatchObject({ track_urn: TRACK, type: "vinyl", price: null });
    await sc.tracks.delete(TRACK);
    await expect(sc.tracks.get(TRACK)).rejects.toMatchObject({ code: "not_found", status: 404 });
  });

  it("posts and lists comments, newest first", async () => {
    const comment = await sc.comments.create(TRACK, { body: "at the drop", timestamp: 2000 });
    expect(comment).toMatchObject({ body: "at the drop", timestamp: 2000, track_urn: TRACK });
    const [newest] = await sc.comments.list(TRACK).toArray(1);
    expect(newest?.urn).toBe(comment.urn);
    await expect(sc.comments.create(TRACK, { body: "  " })).rejects.toMatchObject({
      code: "invalid_argument",
    });
  });

  it("likes, unlikes, reposts and lists reposters", async () => {
    // An own track: never among the seeded likes, so the like is new.
    const target = (await sc.me.tracks({ limit: 1 }).toArray(1))[0]?.urn as TrackUrn;
    await sc.likes.track(target);
    expect((await sc.me.likes.tracks({ limit: 1 }).toArray(1))[0]?.urn).toBe(target);
    expect((await sc.tracks.get(target)).user_favorite).toBe(true);
    await sc.likes.unlikeTrack(target);
    expect((await sc.tracks.get(target)).user_favorite).toBe(false);
    await sc.reposts.track(target);
    const reposters = await sc.tracks.reposters(target).toArray();
    expect(reposters.map((u) => u.username)).toEqual(["nightjar-audio"]);
    await sc.reposts.unrepostTrack(target);
    expect(await sc.tracks.reposters(target).toArray()).toEqual([]);
  });

  it("rejects a URN of another kind, or anything path-like, before sending", async ({
    emulator,
  }) => {
    const before = (await emulator.stats()).api_requests;
    for (const bad of ["soundcloud:users:1", "../me", "soundcloud:tracks:1/../../me", "123"]) {
      await expect(sc.tracks.get(bad as TrackUrn)).rejects.toMatchObject({
        code: "invalid_argument",
      });
    }
    expect((await emulator.stats()).api_requests).toBe(before);
  });

  it("reads public data with a cached app token, which /me refuses", async ({ emulator }) => {
    const app = createSoundCloud({
      auth: new ClientCredentialsCache({ client: emulator.client }),
      apiBaseUrl: emulator.url,
    });
    const [track, user] = await Promise.all([
      app.tracks.get(TRACK),
      app.users.get("soundcloud:users:1000002"),
    ]);
    expect(track.urn).toBe(TRACK);
    expect(user.username).toBe("copperline");
    expect((await emulator.stats()).token_requests.client_credentials).toBe(1);
    await expect(app.me.get()).rejects.toMatchObject({ code: "unauthorized" });
  });
});
