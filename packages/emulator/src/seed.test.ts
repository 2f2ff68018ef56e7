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
});
