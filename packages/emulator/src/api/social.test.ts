import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../server.js";
import {
  api,
  clientCredentials,
  loginTokens,
  reset,
  TEST_CLIENT,
  type TokenBody,
} from "../test-support.js";
import type {
  ScActivities,
  ScCollection,
  ScComment,
  ScMe,
  ScPlaylist,
  ScTrack,
  ScUser,
} from "./schema.js";

let emu: RunningEmulator;
let user: TokenBody;

beforeAll(async () => {
  emu = await startEmulator({ clients: [TEST_CLIENT], autoApprove: true });
});
afterAll(() => emu.close());
beforeEach(async () => {
  await reset(emu);
  user = await loginTokens(emu);
});

async function getJson<T>(path: string, token = user.access_token): Promise<T> {
  const res = await api(emu, path, token);
  expect(res.status, path).toBe(200);
  return (await res.json()) as T;
}

/** User lists are always `{collection, next_href}` (the spec's Users). */
async function users(path: string): Promise<ScUser[]> {
  return (await getJson<ScCollection<ScUser>>(path)).collection;
}

function call(method: string, path: string, body?: unknown, token = user.access_token) {
  return api(emu, path, token, {
    method,
    ...(body === undefined
      ? {}
      : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  });
}

describe("followings", () => {
  it("follows (201 with the user, then 200) and unfollows; both sides' counts follow", async () => {
    const me = await getJson<ScMe>("/me");
    const following = await users("/me/followings?limit=200");
    const target = (await users("/users?limit=200")).find(
      (u) => u.urn !== me.urn && !following.some((f) => f.urn === u.urn),
    ) as ScUser;

    const first = await call("PUT", `/me/followings/${target.urn}`);
    expect(first.status).toBe(201);
    expect(((await first.json()) as ScUser).followers_count).toBe(target.followers_count + 1);
    expect((await call("PUT", `/me/followings/${target.urn}`)).status).toBe(200);
    const [newest] = await users("/me/followings?limit=1");
    expect(newest?.urn).toBe(target.urn);
    const theirFollowers = await users(`/users/${target.urn}/followers?limit=200`);
    expect(theirFollowers.some((u) => u.urn === me.urn)).toBe(true);
    expect((await getJson<ScMe>("/me")).followings_count).toBe(me.followings_count + 1);

    const gone = await call("DELETE", `/me/followings/${target.urn}`);
    expect(gone.status).toBe(200);
    expect((await getJson<ScMe>("/me")).followings_count).toBe(me.followings_count);
  });

  it("refuses to follow yourself with a 422 that says why, and unknown users with 404", async () => {
    const me = await getJson<ScMe>("/me");
    const self = await call("PUT", `/me/followings/${me.urn}`);
    expect(self.status).toBe(422);
    expect(((await self.json()) as { message: string }).message).toMatch(/yourself/);
    expect((await call("PUT", "/me/followings/soundcloud:users:42")).status).toBe(404);
  });
});

describe("reposts", () => {
  it("reposts a track and a playlist and shows them in every list", async () => {
    const me = await getJson<ScMe>("/me");
    const seededTracks = (await getJson<ScTrack[]>("/me/reposts/tracks")).map((t) => t.urn);
    const seededPlaylists = (await getJson<ScPlaylist[]>("/me/reposts/playlists")).map(
      (p) => p.urn,
    );
    expect(seededTracks.length).toBeGreaterThan(0);
    const track = await getJson<ScTrack>("/tracks/2000100");
    const repost = await call("POST", `/reposts/tracks/${track.urn}`);
    expect(repost.status).toBe(201);
    expect(await repost.json()).toEqual({ status: "201 - Created" });
    // The default account starts with seeded reposts; a new one goes first.
    expect((await getJson<ScTrack[]>("/me/reposts/tracks")).map((t) => t.urn)).toEqual([
      track.urn,
      ...seededTracks,
    ]);
    const linked = await getJson<{ collection: ScTrack[] }>(
      `/users/${me.urn}/reposts/tracks?linked_partitioning=true&access=playable,preview,blocked`,
    );
    expect(linked.collection.map((t) => t.urn)).toEqual([track.urn, ...seededTracks]);
    const reposters = await users(`/tracks/${track.urn}/reposters`);
    expect(reposters.map((u) => u.urn)).toEqual([me.urn]);
    expect((await getJson<ScTrack>(`/tracks/${track.urn}`)).reposts_count).toBe(
      track.reposts_count + 1,
    );
    expect((await getJson<ScMe>("/me")).reposts_count).toBe(me.reposts_count + 1);

    const [playlist] = await getJson<ScPlaylist[]>("/playlists?limit=1&show_tracks=false");
    expect((await call("POST", `/reposts/playlists/${playlist?.urn}`)).status).toBe(201);
    expect((await getJson<ScPlaylist[]>("/me/reposts/playlists")).map((p) => p.urn)).toEqual([
      playlist?.urn,
      ...seededPlaylists,
    ]);
    expect((await users(`/playlists/${playlist?.urn}/reposters`)).length).toBe(1);

    expect((await call("DELETE", `/reposts/tracks/${track.urn}`)).status).toBe(200);
    expect((await getJson<ScTrack[]>("/me/reposts/tracks")).map((t) => t.urn)).toEqual(
      seededTracks,
    );
  });
});

describe("comments", () => {
  it("posts a comment that is then the newest on the track", async () => {
    const res = await call("POST", "/tracks/2000001/comments", {
      comment: { body: "lovely bassline", timestamp: "1500" },
    });
    expect(res.status).toBe(201);
    const comment = (await res.json()) as ScComment;
    expect(comment).toMatchObject({
      kind: "comment",
      body: "lovely bassline",
      timestamp: 1500,
      track_urn: "soundcloud:tracks:2000001",
      user: { username: "nightjar-audio" },
    });
    const page = await getJson<ScCollection<ScComment>>("/tracks/2000001/comments?limit=1");
    const [newest] = page.collection;
    expect(newest?.urn).toBe(comment.urn);
  });

  it("answers 422 for a blank body or a timestamp past the end, 401 for an app token", async () => {
    expect(
      (await call("POST", "/tracks/2000001/comments", { comment: { body: " " } })).status,
    ).toBe(422);
    expect((await call("POST", "/tracks/2000001/comments", { comment: {} })).status).toBe(422);
    const past = await call("POST", "/tracks/2000001/comments", {
      comment: { body: "x", timestamp: 99_999_999 },
    });
    expect(past.status).toBe(422);
    const app = (await (await clientCredentials(emu)).json()) as TokenBody;
    const denied = await call(
      "POST",
      "/tracks/2000001/comments",
      { comment: { body: "x" } },
      app.access_token,
    );
    expect(denied.status).toBe(401);
  });
});

describe("feed, recently played and related", () => {
  it("serves the feed as Activities, newest first, always paginated", async () => {
    const page = await getJson<ScActivities>("/me/feed?limit=20");
    expect(page.collection).toHaveLength(20);
    expect(page.next_href).toMatch(/cursor=/);
    expect(page.future_href).toBe(`${emu.url}/me/feed?limit=20`);
    const types = new Set(page.collection.map((a) => a.type));
    expect([...types].every((t) => t === "track" || t === "playlist")).toBe(true);
    const times = page.collection.map((a) => Date.parse(a.created_at.replace(/\//g, "-")));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    const next = await getJson<ScActivities>(page.next_href as string);
    expect(next.collection[0]?.origin.urn).not.toBe(page.collection[0]?.origin.urn);
    const tracksOnly = await getJson<ScActivities>("/me/feed/tracks?limit=50");
    expect(tracksOnly.collection.every((a) => a.type === "track")).toBe(true);
  });

  it("remembers plays (a streams request) for /me/recently-played/tracks, newest first", async () => {
    expect(await getJson<ScTrack[]>("/me/recently-played/tracks")).toEqual([]);
    for (const id of [2000001, 2000002, 2000001]) await getJson(`/tracks/${id}/streams`);
    const played = await getJson<ScTrack[]>("/me/recently-played/tracks");
    expect(played.map((t) => t.urn)).toEqual([
      "soundcloud:tracks:2000001",
      "soundcloud:tracks:2000002",
    ]);
  });

  it("recommends related artists, never the user themself", async () => {
    const related = await users("/users/soundcloud:users:1000002/related?limit=10");
    expect(related.length).toBeGreaterThan(0);
    expect(related.some((u) => u.urn === "soundcloud:users:1000002")).toBe(false);
  });
});
