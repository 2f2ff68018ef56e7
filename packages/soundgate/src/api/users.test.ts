import { signedInUser } from "@soundgate/test-support/emulator";
import { it } from "@soundgate/test-support/fixtures";
import { describe, expect } from "vitest";
import { createSoundCloud, type SoundCloud } from "./soundcloud.js";
import type { Playlist, UserUrn } from "./types.js";

let sc: SoundCloud;

it.beforeEach(async ({ emulator }) => {
  await emulator.reset();
  const manager = await signedInUser(emulator);
  sc = createSoundCloud({
    auth: manager.provider("me"),
    apiBaseUrl: emulator.url,
    signOutUrl: emulator.endpoints.signOutUrl,
  });
});

const COPPERLINE: UserUrn = "soundcloud:users:1000002";

describe("sc.users", () => {
  it("reads a profile and everything hanging off it", async () => {
    const user = await sc.users.get(COPPERLINE);
    expect(user).toMatchObject({ username: "copperline", track_count: 18 });
    expect(await sc.users.tracks(COPPERLINE, { limit: 200 }).toArray()).toHaveLength(18);
    expect(await sc.users.playlists(COPPERLINE, { showTracks: false }).toArray()).toHaveLength(2);
    expect(await sc.users.followings(COPPERLINE).toArray()).toHaveLength(
      user.followings_count ?? -1,
    );
    expect(await sc.users.followers(COPPERLINE).toArray()).toHaveLength(user.followers_count ?? -1);
    const allAccess = { access: ["playable", "preview", "blocked"] } as const;
    expect(await sc.users.likedTracks(COPPERLINE, allAccess).toArray()).toHaveLength(35);
    expect(await sc.users.likedPlaylists(COPPERLINE).toArray()).toHaveLength(2);
    // The emulator seeds copperline with 4 reposted tracks and 1 reposted playlist.
    expect(await sc.users.repostedTracks(COPPERLINE, allAccess).toArray()).toHaveLength(4);
    expect(await sc.users.repostedPlaylists(COPPERLINE).toArray()).toHaveLength(1);
    const related = await sc.users.related(COPPERLINE, { limit: 5 }).toArray(5);
    expect(related.every((u) => u.urn !== COPPERLINE)).toBe(true);
    expect(Array.isArray(await sc.users.webProfiles(COPPERLINE))).toBe(true);
  });

  it("searches by text and by URNs", async () => {
    const found = await sc.users.search({ q: "copper" }).toArray();
    expect(found.map((u) => u.username)).toContain("copperline");
    const exact = await sc.users.search({ urns: [COPPERLINE] }).toArray();
    expect(exact.map((u) => u.urn)).toEqual([COPPERLINE]);
  });
});

describe("sc.resolve and sc.signOut", () => {
  it("resolves soundcloud.com URLs to the user, track or playlist they show", async () => {
    const user = await sc.resolve("https://soundcloud.com/copperline");
    expect(user).toMatchObject({ kind: "user", urn: COPPERLINE });
    const track = await sc.tracks.get("soundcloud:tracks:2000001");
    expect(await sc.resolve(track.permalink_url ?? "")).toMatchObject({
      kind: "track",
      urn: track.urn,
    });
    const [playlist] = (await sc.me.playlists({ showTracks: false, limit: 1 }).toArray(1)) as [
      Playlist,
    ];
    const resolved = await sc.resolve(playlist.permalink_url ?? "");
    expect(resolved).toMatchObject({ kind: "playlist", urn: playlist.urn });
    await expect(sc.resolve("https://soundcloud.com/nobody-here")).rejects.toMatchObject({
      code: "not_found",
    });
  });

  it("signs out: the session's token stops working", async () => {
    await sc.me.get();
    await sc.signOut();
    await expect(sc.me.get()).rejects.toMatchObject({ code: "reauth_required" });
  });
});
