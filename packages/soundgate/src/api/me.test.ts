import { signedInUser, type TestEmulator } from "@soundgate/test-support/emulator";
import { it } from "@soundgate/test-support/fixtures";
import { describe, expect } from "vitest";
import { createSoundCloud, type SoundCloud } from "./soundcloud.js";
import type { Track, User } from "./types.js";

let sc: SoundCloud;

it.beforeEach(async ({ emulator }) => {
  await emulator.reset();
  const manager = await signedInUser(emulator);
  sc = createSoundCloud({ auth: manager.provider("me"), apiBaseUrl: emulator.url });
});

async function apiRequests(emulator: TestEmulator): Promise<number> {
  return (await emulator.stats()).api_requests;
}

describe("sc.me", () => {
  it("gets the signed-in user", async () => {
    const me = await sc.me.get();
    expect(me).toMatchObject({ urn: "soundcloud:users:1000001", username: "nightjar-audio" });
    expect(me.quota?.unlimited_upload_quota).toBe(true);
  });

  it("iterates all 450 liked tracks, one request per page", async ({ emulator }) => {
    const before = await apiRequests(emulator);
    const urns: string[] = [];
    for await (const track of sc.me.likes.tracks({ limit: 200 })) urns.push(track.urn);
    expect(urns).toHaveLength(450);
    expect(new Set(urns).size).toBe(450);
    expect((await apiRequests(emulator)) - before).toBe(3);
  });

  it("hands out whole pages, the first page alone, or the first few items", async ({
    emulator,
  }) => {
    const sizes: number[] = [];
    for await (const page of sc.me.likes.tracks({ limit: 200 }).pages()) {
      sizes.push(page.collection.length);
    }
    expect(sizes).toEqual([200, 200, 50]);
    const first = await sc.me.likes.tracks().page();
    expect(first.collection).toHaveLength(50);
    expect(first.next_href).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/me\/likes\/tracks\?/);
    const before = await apiRequests(emulator);
    const few = await sc.me.likes.tracks({ limit: 20 }).toArray(5);
    expect(few).toHaveLength(5);
    expect((await apiRequests(emulator)) - before).toBe(1);
  });

  it("lists own tracks in either order and playlists with or without tracks", async () => {
    const desc = await sc.me.tracks({ limit: 200 }).toArray();
    const asc = await sc.me.tracks({ limit: 200, sort: "asc" }).toArray();
    expect(desc).toHaveLength(60);
    expect(asc.map((t) => t.urn)).toEqual([...desc].reverse().map((t) => t.urn));
    const bare = await sc.me.playlists({ showTracks: false }).toArray();
    expect(bare).toHaveLength(4);
    expect(bare.every((p) => p.tracks === undefined)).toBe(true);
    const full = await sc.me.playlists().toArray();
    expect(full.every((p) => p.tracks?.length === p.track_count)).toBe(true);
  });

  it("follows and unfollows, and the lists follow", async () => {
    const followings = await sc.me.followings({ limit: 200 }).toArray();
    const target = (await sc.users.search({ limit: 200 }).toArray()).find(
      (u: User) => u.urn !== "soundcloud:users:1000001" && !followings.some((f) => f.urn === u.urn),
    ) as User;
    await sc.me.follow(target.urn);
    const [newest] = await sc.me.followings({ limit: 1 }).toArray(1);
    expect(newest?.urn).toBe(target.urn);
    await sc.me.follow(target.urn); // again: fine
    await sc.me.unfollow(target.urn);
    expect((await sc.me.followings({ limit: 200 }).toArray()).length).toBe(followings.length);
    expect((await sc.me.followers({ limit: 200 }).toArray()).length).toBeGreaterThanOrEqual(25);
  });

  it("refuses to follow with a URN of another kind before anything is sent", async ({
    emulator,
  }) => {
    const before = await apiRequests(emulator);
    const wrong = "soundcloud:tracks:2000001" as unknown as `soundcloud:users:${string}`;
    await expect(sc.me.follow(wrong)).rejects.toMatchObject({ code: "invalid_argument" });
    expect(await apiRequests(emulator)).toBe(before);
  });

  it("reads the feed, followings' tracks, reposts and recently played", async () => {
    const feed = await sc.me.feed({ limit: 10 }).page();
    expect(feed.collection).toHaveLength(10);
    expect(feed.future_href).toBeTruthy();
    expect(feed.collection.every((a) => ["track", "playlist"].includes(a.type))).toBe(true);
    const feedTracks = await sc.me.feedTracks({ limit: 10 }).toArray(10);
    expect(feedTracks.every((a) => a.type === "track")).toBe(true);
    expect((await sc.me.followingsTracks({ limit: 5 }).toArray(5)).length).toBe(5);

    // The emulator seeds some reposts; a new one comes first.
    const seeded = (await sc.me.reposts.tracks().toArray()).map((t: Track) => t.urn);
    await sc.reposts.track("soundcloud:tracks:2000100");
    const reposted = await sc.me.reposts.tracks().toArray();
    expect(reposted.map((t: Track) => t.urn)).toEqual(["soundcloud:tracks:2000100", ...seeded]);

    await sc.tracks.streams("soundcloud:tracks:2000002");
    const played = await sc.me.recentlyPlayed();
    expect(played.map((t) => t.urn)).toEqual(["soundcloud:tracks:2000002"]);
  });
});
