import { signedInUser } from "@soundgate/test-support/emulator";
import { it } from "@soundgate/test-support/fixtures";
import { describe, expect } from "vitest";
import { createSoundCloud, type SoundCloud } from "./soundcloud.js";
import type { Playlist, TrackUrn } from "./types.js";

let sc: SoundCloud;

it.beforeEach(async ({ emulator }) => {
  await emulator.reset();
  const manager = await signedInUser(emulator);
  sc = createSoundCloud({ auth: manager.provider("me"), apiBaseUrl: emulator.url });
});

describe("sc.playlists", () => {
  it("pages through the tracks of a 120-track playlist", async () => {
    const big = (await sc.me.playlists({ showTracks: false }).toArray()).find(
      (p) => p.track_count === 120,
    ) as Playlist;
    expect(big).toBeDefined();
    const playlist = await sc.playlists.get(big.urn, { showTracks: false });
    expect(playlist.tracks).toBeUndefined();
    const sizes: number[] = [];
    for await (const page of sc.playlists
      .tracks(big.urn, { limit: 50, access: ["playable", "preview", "blocked"] })
      .pages()) {
      sizes.push(page.collection.length);
    }
    expect(sizes).toEqual([50, 50, 20]);
  });

  it("creates, updates and deletes a playlist", async () => {
    const liked = await sc.me.likes.tracks({ limit: 3 }).toArray(3);
    const created = await sc.playlists.create({
      title: "Commute",
      sharing: "private",
      tracks: liked.map((t) => t.urn),
    });
    expect(created).toMatchObject({ title: "Commute", sharing: "private", track_count: 3 });
    const updated = await sc.playlists.update(created.urn, {
      title: "Commute (short)",
      tracks: [liked[0]?.urn as TrackUrn],
    });
    expect(updated).toMatchObject({ title: "Commute (short)", track_count: 1 });
    await sc.playlists.delete(created.urn);
    await expect(sc.playlists.get(created.urn)).rejects.toMatchObject({ code: "not_found" });
  });

  it("searches playlists, likes and reposts one, and lists its reposters", async () => {
    const found = await sc.playlists.search({ q: "ep", showTracks: false, limit: 5 }).toArray(5);
    expect(found.length).toBeGreaterThan(0);
    const target = found.find((p) => p.user?.username !== "nightjar-audio") as Playlist;
    await sc.likes.playlist(target.urn);
    expect((await sc.me.likes.playlists({ limit: 1 }).toArray(1))[0]?.urn).toBe(target.urn);
    await sc.likes.unlikePlaylist(target.urn);
    // The emulator seeds some reposts; a new one comes first.
    const seeded = (await sc.me.reposts.playlists().toArray()).map((p) => p.urn);
    await sc.reposts.playlist(target.urn);
    expect((await sc.me.reposts.playlists().toArray()).map((p) => p.urn)).toEqual([
      target.urn,
      ...seeded,
    ]);
    expect((await sc.playlists.reposters(target.urn).toArray()).length).toBe(1);
    await sc.reposts.unrepostPlaylist(target.urn);
    expect((await sc.me.reposts.playlists().toArray()).map((p) => p.urn)).toEqual(seeded);
  });
});
