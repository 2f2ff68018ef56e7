import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../server.js";
import { api, loginTokens, reset, TEST_CLIENT, type TokenBody } from "../test-support.js";
import type { ScActivities, ScCollection, ScTrack, ScUser } from "./schema.js";

/**
 * Operations the spec marks deprecated that SoundCloud still answers and SDKs still
 * call. (Their shapes are checked against the spec in the conformance test; this is
 * what they mean.)
 */

let emu: RunningEmulator;
let user: TokenBody;
const ME = "soundcloud:users:1000001";

beforeAll(async () => {
  emu = await startEmulator({ clients: [TEST_CLIENT], autoApprove: true });
});
afterAll(() => emu.close());
beforeEach(async () => {
  await reset(emu);
  user = await loginTokens(emu);
});

async function getJson<T>(path: string): Promise<T> {
  const res = await api(emu, path, user.access_token);
  expect(res.status, path).toBe(200);
  return (await res.json()) as T;
}

async function users(path: string): Promise<ScUser[]> {
  return (await getJson<ScCollection<ScUser>>(path)).collection;
}

describe("deprecated operations", () => {
  it("/me/activities shows your posts beside your followings'; /all/own only yours", async () => {
    const feed = await getJson<ScActivities>("/me/feed?limit=200");
    const activities = await getJson<ScActivities>("/me/activities?limit=200");
    const own = await getJson<ScActivities>("/me/activities/all/own?limit=200");
    const owner = (a: ScActivities["collection"][number]) => a.origin.user.urn;
    expect(own.collection.length).toBeGreaterThan(0);
    expect(own.collection.every((a) => owner(a) === ME)).toBe(true);
    expect(activities.collection.some((a) => owner(a) === ME)).toBe(true);
    expect(activities.collection.some((a) => owner(a) !== ME)).toBe(true);
    expect(feed.collection.some((a) => owner(a) === ME)).toBe(false);
    const tracks = await getJson<ScActivities>("/me/activities/tracks?limit=20");
    const feedTracks = await getJson<ScActivities>("/me/feed/tracks?limit=20");
    expect(tracks.collection).toEqual(feedTracks.collection);
    expect(tracks.future_href).toMatch(/\/me\/activities\/tracks\?limit=20$/);
  });

  it("/users/{urn}/favorites is the user's liked tracks", async () => {
    const favorites = await getJson<ScTrack[]>(`/users/${ME}/favorites?limit=30`);
    const likes = await getJson<ScTrack[]>(`/users/${ME}/likes/tracks?limit=30`);
    expect(favorites.map((t) => t.urn)).toEqual(likes.map((t) => t.urn));
    expect(favorites).toHaveLength(30);
  });

  it("looks up one following or follower: the user, or 404 when there is no such relation", async () => {
    const followings = await users("/me/followings?limit=200");
    const followers = await users("/me/followers?limit=200");
    const [followed] = followings;
    const [follower] = followers;
    const related = new Set(
      [ME, ...followings, ...followers].map((u) => (typeof u === "string" ? u : u.urn)),
    );
    const stranger = (await users("/users?limit=200")).find((u) => !related.has(u.urn)) as ScUser;
    expect((await getJson<ScUser>(`/me/followings/${followed?.urn}`)).urn).toBe(followed?.urn);
    expect((await getJson<ScUser>(`/me/followers/${follower?.urn}`)).urn).toBe(follower?.urn);
    expect((await getJson<ScUser>(`/users/${ME}/followings/${followed?.urn}`)).urn).toBe(
      followed?.urn,
    );
    for (const path of [
      `/me/followings/${stranger.urn}`,
      `/me/followers/${stranger.urn}`,
      `/users/${ME}/followings/${stranger.urn}`,
      "/me/followings/soundcloud:users:1",
    ]) {
      expect((await api(emu, path, user.access_token)).status, path).toBe(404);
    }
    expect((await api(emu, "/me/followers/soundcloud:tracks:1", user.access_token)).status).toBe(
      400,
    );
  });
});
