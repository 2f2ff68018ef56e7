import { describe, expect, it } from "vitest";
import { seedCatalog, seedData } from "./seed.js";

describe("seeded data", () => {
  it("is the same on every run", () => {
    expect(seedData()).toEqual(seedData());
  });

  it("gives the default account enough to page past the 200 limit", () => {
    const catalog = seedCatalog();
    const [first] = catalog.signInUsers;
    expect(first?.username).toBe("nightjar-audio");
    const id = first?.id ?? 0;
    expect(catalog.trackIdsOf(id)).toHaveLength(60);
    expect(catalog.likedTrackIdsOf(id)).toHaveLength(450);
    expect(catalog.playlistIdsOf(id)).toHaveLength(4);
    expect(catalog.followingIdsOf(id)).toHaveLength(40);
    expect(catalog.followerIdsOf(id).length).toBeGreaterThanOrEqual(25);
  });

  it("keeps relations sound: likes are of others' tracks, no duplicates, unique permalinks", () => {
    const catalog = seedCatalog();
    for (const user of catalog.allUserList()) {
      const likes = catalog.likedTrackIdsOf(user.id);
      expect(new Set(likes).size).toBe(likes.length);
      for (const trackId of likes) expect(catalog.tracks.get(trackId)?.user_id).not.toBe(user.id);
      const permalinks = catalog.trackIdsOf(user.id).map((t) => catalog.tracks.get(t)?.permalink);
      expect(new Set(permalinks).size).toBe(permalinks.length);
      expect(catalog.followingIdsOf(user.id)).not.toContain(user.id);
    }
    const userPermalinks = catalog.allUserList().map((u) => u.permalink);
    expect(new Set(userPermalinks).size).toBe(userPermalinks.length);
  });
  it("lets every write be tried from the default account, on both sides of each relation", () => {
    const catalog = seedCatalog();
    const id = catalog.signInUsers[0]?.id ?? 0;
    const liked = new Set(catalog.likedTrackIdsOf(id));
    const reposted = new Set(catalog.repostedTrackIdsOf(id));
    // Something to undo (DELETE /reposts/...) and something to do (POST /reposts/...).
    expect(reposted.size).toBeGreaterThan(0);
    expect(catalog.repostedPlaylistIdsOf(id).length).toBeGreaterThan(0);
    const fresh = catalog
      .allTrackList()
      .filter((t) => t.user_id !== id && t.access === "playable" && t.sharing === "public")
      .filter((t) => !liked.has(t.id) && !reposted.has(t.id));
    expect(fresh.length).toBeGreaterThan(10);
    const likedPlaylists = new Set(catalog.likedPlaylistIdsOf(id));
    const repostedPlaylists = new Set(catalog.repostedPlaylistIdsOf(id));
    const freshPlaylists = catalog
      .allPlaylistList()
      .filter((p) => p.user_id !== id && !likedPlaylists.has(p.id) && !repostedPlaylists.has(p.id));
    expect(freshPlaylists.length).toBeGreaterThan(0);
    // Someone to follow, and the account's own tracks start without reposters.
    const followed = new Set(catalog.followingIdsOf(id));
    expect(catalog.allUserList().some((u) => u.id !== id && !followed.has(u.id))).toBe(true);
    for (const trackId of catalog.trackIdsOf(id)) {
      expect(catalog.trackReposterIds(trackId)).toEqual([]);
    }
  });
});
