import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../server.js";
import {
  api,
  clientCredentials,
  loginTokens,
  reset,
  stats,
  TEST_CLIENT,
  type TokenBody,
} from "../test-support.js";
import type {
  ScCollection,
  ScComment,
  ScMe,
  ScPlaylist,
  ScStreams,
  ScTrack,
  ScUser,
} from "./schema.js";

let emu: RunningEmulator;
let user: TokenBody;
let app: TokenBody;

beforeAll(async () => {
  emu = await startEmulator({ clients: [TEST_CLIENT], autoApprove: true });
});
afterAll(() => emu.close());
beforeEach(async () => {
  await reset(emu);
  user = await loginTokens(emu);
  app = (await (await clientCredentials(emu)).json()) as TokenBody;
});

async function getJson<T>(path: string, token = user.access_token): Promise<T> {
  const res = await api(emu, path, token);
  expect(res.status, path).toBe(200);
  return (await res.json()) as T;
}

describe("authentication", () => {
  it("answers a missing token with SoundCloud's 401 Error shape", async () => {
    const res = await fetch(`${emu.url}/me`);
    expect(res.status).toBe(401);
    const body = await res.json();
    expect(body).toMatchObject({
      code: 401,
      message: expect.any(String),
      link: "https://developers.soundcloud.com/docs/api/explorer/open-api",
      status: "401 - Unauthorized",
    });
  });

  it("accepts Bearer as well as OAuth", async () => {
    const res = await fetch(`${emu.url}/me`, {
      headers: { authorization: `Bearer ${user.access_token}` },
    });
    expect(res.status).toBe(200);
  });

  it("refuses tokens in the query string, even next to a valid header", async () => {
    for (const name of ["oauth_token", "access_token"]) {
      const bare = await fetch(`${emu.url}/me?${name}=${user.access_token}`);
      expect(bare.status).toBe(401);
      const both = await api(emu, `/me?${name}=${user.access_token}`, user.access_token);
      expect(both.status).toBe(401);
    }
  });

  it("refuses unknown tokens and refresh tokens used as access tokens", async () => {
    expect((await api(emu, "/me", "at_unknown")).status).toBe(401);
    expect((await api(emu, "/me", user.refresh_token)).status).toBe(401);
  });

  it("needs a user's token for /me and writes, any token for public reads", async () => {
    for (const path of ["/me", "/me/likes/tracks", "/me/tracks", "/me/followings"]) {
      expect((await api(emu, path, app.access_token)).status, path).toBe(401);
    }
    const like = await api(emu, "/likes/tracks/2000100", app.access_token, { method: "POST" });
    expect(like.status).toBe(401);
    for (const path of [
      "/tracks/2000001",
      "/users/1000001",
      "/tracks?q=night",
      "/playlists/3000001",
    ]) {
      expect((await api(emu, path, app.access_token)).status, path).toBe(200);
    }
  });

  it("counts every API request, 401s included", async () => {
    const before = (await stats(emu)).api_requests;
    await fetch(`${emu.url}/me`);
    await api(emu, "/me", user.access_token);
    await api(emu, "/tracks/999", user.access_token);
    expect((await stats(emu)).api_requests).toBe(before + 3);
  });

  it("counts requests to paths with no route, and every 404 apart", async () => {
    const before = await stats(emu);
    expect((await api(emu, "/me/nothing-here", user.access_token)).status).toBe(404);
    expect((await api(emu, "/tracks/999", user.access_token)).status).toBe(404);
    expect((await api(emu, "/me", user.access_token, { method: "PATCH" })).status).toBe(405);
    // The OAuth side, the image CDN and the control surface are not API requests.
    await fetch(`${emu.url}/images/avatars-0000000000000000-large.svg`);
    await fetch(`${emu.url}/_emulator/nothing`);
    const after = await stats(emu);
    expect(after.api_requests).toBe(before.api_requests + 3);
    expect(after.api_not_found).toBe(before.api_not_found + 2);
  });
});

describe("/me", () => {
  it("describes the signed-in user with the spec's Me fields", async () => {
    const me = await getJson<ScMe>("/me");
    expect(me).toMatchObject({
      kind: "user",
      id: 1000001,
      urn: "soundcloud:users:1000001",
      username: "nightjar-audio",
      permalink: "nightjar-audio",
      permalink_url: "https://soundcloud.com/nightjar-audio",
      uri: `${emu.url}/users/soundcloud:users:1000001`,
      full_name: "Mara Lindqvist",
      city: "Stockholm",
      country: "Sweden",
      track_count: 60,
      playlist_count: 4,
      followings_count: 40,
      public_favorites_count: 450,
      likes_count: 450,
      comments_count: 0,
      primary_email_confirmed: true,
    });
    expect(me.created_at).toMatch(/^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d \+0000$/);
    expect(me.quota).toMatchObject({ unlimited_upload_quota: true });
  });

  it("lists own tracks newest first, and oldest first with sort=asc", async () => {
    const desc = await getJson<ScTrack[]>("/me/tracks?limit=200");
    const asc = await getJson<ScTrack[]>("/me/tracks?limit=200&sort=asc");
    expect(desc).toHaveLength(60);
    expect(asc.map((t) => t.urn)).toEqual([...desc].reverse().map((t) => t.urn));
    const dates = desc.map((t) => t.created_at);
    expect([...dates].sort().reverse()).toEqual(dates);
    expect(desc.every((t) => t.user.urn === "soundcloud:users:1000001")).toBe(true);
  });

  it("lists followings and followers consistently with the counts", async () => {
    const me = await getJson<ScMe>("/me");
    // User lists answer {collection, next_href} with or without linked_partitioning, as the spec says.
    const followings = (await getJson<ScCollection<ScUser>>("/me/followings?limit=200")).collection;
    const followers = (await getJson<ScCollection<ScUser>>("/me/followers?limit=200")).collection;
    expect(followings).toHaveLength(me.followings_count);
    expect(followers).toHaveLength(me.followers_count);
    expect(
      followings.every((u) => u.kind === "user" && u.urn.startsWith("soundcloud:users:")),
    ).toBe(true);
  });

  it("lists playlists with their tracks unless show_tracks=false", async () => {
    const withTracks = await getJson<ScPlaylist[]>("/me/playlists");
    expect(withTracks.map((p) => p.track_count).sort((a, b) => a - b)).toEqual([12, 24, 48, 120]);
    expect(withTracks.every((p) => p.tracks?.length === p.track_count)).toBe(true);
    const without = await getJson<ScPlaylist[]>("/me/playlists?show_tracks=false");
    expect(without.every((p) => p.tracks === undefined)).toBe(true);
  });
});

describe("tracks", () => {
  it("finds a track by URN, encoded URN or bare id", async () => {
    const byUrn = await getJson<ScTrack>("/tracks/soundcloud:tracks:2000001");
    const byEncoded = await getJson<ScTrack>("/tracks/soundcloud%3Atracks%3A2000001");
    const byId = await getJson<ScTrack>("/tracks/2000001");
    expect(byUrn).toEqual(byEncoded);
    expect(byUrn).toEqual(byId);
    expect(byUrn).toMatchObject({
      kind: "track",
      id: 2000001,
      urn: "soundcloud:tracks:2000001",
      uri: `${emu.url}/tracks/soundcloud:tracks:2000001`,
      user: { urn: "soundcloud:users:1000001", username: "nightjar-audio" },
    });
    expect(byUrn.permalink_url).toBe(`https://soundcloud.com/nightjar-audio/${byUrn.permalink}`);
    for (const field of ["title", "duration", "genre", "tag_list", "playback_count", "access"]) {
      expect(byUrn, field).toHaveProperty(field);
    }
  });

  it("answers unknown ids with 404 and malformed ones with 400, SoundCloud-shaped", async () => {
    const missing = await api(emu, "/tracks/soundcloud:tracks:1", user.access_token);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ code: 404, status: "404 - Not Found" });
    const wrongKind = await api(emu, "/tracks/soundcloud:users:1000001", user.access_token);
    expect(wrongKind.status).toBe(400);
    const junk = await api(emu, "/tracks/not-a-urn", user.access_token);
    expect(junk.status).toBe(400);
  });

  it("searches title, genre and tags case-insensitively", async () => {
    const results = await getJson<ScTrack[]>("/tracks?q=MIDNIGHT&limit=200");
    expect(results.length).toBeGreaterThan(0);
    for (const t of results) {
      expect(`${t.title} ${t.genre} ${t.tag_list}`.toLowerCase()).toContain("midnight");
    }
    const byGenre = await getJson<ScTrack[]>("/tracks?q=drum%20%26%20bass&limit=200");
    expect(byGenre.length).toBeGreaterThan(0);
    const none = await getJson<ScTrack[]>("/tracks?q=zzzz-no-such-thing");
    expect(none).toEqual([]);
  });

  it("filters search by access", async () => {
    const blocked = await getJson<ScTrack[]>("/tracks?access=blocked&limit=200");
    expect(blocked.length).toBeGreaterThan(0);
    expect(blocked.every((t) => t.access === "blocked" && t.streamable === false)).toBe(true);
    const defaults = await getJson<ScTrack[]>("/tracks?limit=200&offset=0");
    expect(defaults.some((t) => t.access === "blocked")).toBe(false);
    expect((await api(emu, "/tracks?access=everything", user.access_token)).status).toBe(400);
  });

  it("gives stream URLs in the spec's shape", async () => {
    const streams = await getJson<ScStreams>("/tracks/2000001/streams");
    expect(Object.keys(streams).sort()).toEqual(
      ["hls_aac_160_url", "hls_mp3_128_url", "http_mp3_128_url", "preview_mp3_128_url"].sort(),
    );
  });

  it("pages through comments", async () => {
    const [newest] = await getJson<ScTrack[]>("/me/tracks?limit=1");
    const first = await getJson<ScCollection<ScComment>>(
      `/tracks/${newest?.urn}/comments?linked_partitioning=true`,
    );
    expect(first.collection).toHaveLength(50);
    expect(first.collection[0]).toMatchObject({
      kind: "comment",
      track_urn: newest?.urn,
      urn: expect.stringMatching(/^soundcloud:comments:\d+$/),
      user: { kind: "user" },
    });
    const second = await getJson<ScCollection<ScComment>>(first.next_href ?? "");
    expect(second.collection).toHaveLength(25);
    expect(second.next_href).toBeUndefined();
  });
});

describe("users and playlists", () => {
  it("finds users and searches them", async () => {
    const u = await getJson<ScUser>("/users/soundcloud:users:1000002");
    expect(u).toMatchObject({ username: "copperline", kind: "user" });
    const found = await getJson<ScCollection<ScUser>>("/users?q=copper");
    expect(found.collection.map((x) => x.username)).toContain("copperline");
    const tracks = await getJson<ScTrack[]>("/users/1000002/tracks?limit=200");
    expect(tracks).toHaveLength(18);
    expect(await getJson<ScTrack[]>("/users/1000006/tracks")).toEqual([]);
  });

  it("serves a playlist and pages its tracks", async () => {
    const playlists = await getJson<ScPlaylist[]>("/me/playlists?show_tracks=false");
    const big = playlists.find((p) => p.track_count === 120) as ScPlaylist;
    const single = await getJson<ScPlaylist>(`/playlists/${encodeURIComponent(big.urn)}`);
    expect(single).toMatchObject({ kind: "playlist", urn: big.urn, track_count: 120 });
    expect(single.permalink_url).toMatch(/^https:\/\/soundcloud\.com\/nightjar-audio\/sets\//);
    const seen = new Set<string>();
    let next: string | undefined =
      `/playlists/${big.urn}/tracks?linked_partitioning=true&access=playable,preview,blocked`;
    while (next) {
      const body: ScCollection<ScTrack> = await getJson(next);
      for (const t of body.collection) seen.add(t.urn);
      next = body.next_href;
    }
    expect(seen.size).toBe(120);
  });
});

describe("resolve", () => {
  it("302s to the API resource with SoundCloud's Found body", async () => {
    const track = await getJson<ScTrack>("/tracks/2000001");
    const cases: [string, string][] = [
      ["https://soundcloud.com/nightjar-audio", "/users/soundcloud:users:1000001"],
      [track.permalink_url, `/tracks/${track.urn}`],
    ];
    const [playlist] = await getJson<ScPlaylist[]>("/me/playlists?show_tracks=false&limit=1");
    cases.push([playlist?.permalink_url ?? "", `/playlists/${playlist?.urn}`]);
    for (const [url, path] of cases) {
      const res = await api(emu, `/resolve?url=${encodeURIComponent(url)}`, user.access_token, {
        redirect: "manual",
      });
      expect(res.status, url).toBe(302);
      const location = `${emu.url}${path}`;
      expect(res.headers.get("location")).toBe(location);
      expect(await res.json()).toEqual({ status: "302 - Found", location });
    }
  });

  it("follows to the resource when the client follows redirects", async () => {
    const res = await api(
      emu,
      `/resolve?url=${encodeURIComponent("https://soundcloud.com/copperline")}`,
      user.access_token,
    );
    expect(res.status).toBe(200);
    expect(((await res.json()) as ScUser).username).toBe("copperline");
  });

  it("answers 404 for unknown URLs and 400 without a url", async () => {
    for (const url of [
      "https://soundcloud.com/nobody-here",
      "https://soundcloud.com/nightjar-audio/no-such-track",
      "https://soundcloud.com/nightjar-audio/sets/none",
      "https://example.com/nightjar-audio",
      "not a url at all",
    ]) {
      const res = await api(emu, `/resolve?url=${encodeURIComponent(url)}`, user.access_token);
      expect(res.status, url).toBe(404);
    }
    expect((await api(emu, "/resolve", user.access_token)).status).toBe(400);
  });
});

describe("likes", () => {
  it("likes and unlikes a track; /me/likes/tracks and counts follow", async () => {
    const mine = await getJson<ScTrack[]>("/me/tracks?limit=1");
    const target = mine[0] as ScTrack; // own tracks are never among the seeded likes
    const liked = await api(emu, `/likes/tracks/${target.urn}`, user.access_token, {
      method: "POST",
    });
    expect(liked.status).toBe(200);
    expect(await liked.json()).toEqual({ status: "200 - OK" });

    const [newest] = await getJson<ScTrack[]>("/me/likes/tracks?limit=1");
    expect(newest?.urn).toBe(target.urn);
    expect((await getJson<ScMe>("/me")).public_favorites_count).toBe(451);
    const after = await getJson<ScTrack>(`/tracks/${target.urn}`);
    expect(after.favoritings_count).toBe(target.favoritings_count + 1);
    expect(after.user_favorite).toBe(true);

    // Liking twice changes nothing.
    await api(emu, `/likes/tracks/${target.urn}`, user.access_token, { method: "POST" });
    expect((await getJson<ScMe>("/me")).public_favorites_count).toBe(451);

    const unliked = await api(emu, `/likes/tracks/${target.urn}`, user.access_token, {
      method: "DELETE",
    });
    expect(unliked.status).toBe(200);
    const likes = await getJson<ScTrack[]>("/me/likes/tracks?limit=200");
    expect(likes.some((t) => t.urn === target.urn)).toBe(false);
    expect((await getJson<ScMe>("/me")).public_favorites_count).toBe(450);
  });

  it("likes and unlikes a playlist", async () => {
    const before = await getJson<ScPlaylist[]>("/me/likes/playlists?show_tracks=false");
    const all = await getJson<ScPlaylist[]>("/playlists?show_tracks=false&limit=200");
    const target = all.find(
      (p) => p.user.username !== "nightjar-audio" && !before.some((b) => b.urn === p.urn),
    ) as ScPlaylist;
    expect(
      (await api(emu, `/likes/playlists/${target.urn}`, user.access_token, { method: "POST" }))
        .status,
    ).toBe(200);
    const during = await getJson<ScPlaylist[]>("/me/likes/playlists?show_tracks=false");
    expect(during[0]?.urn).toBe(target.urn);
    await api(emu, `/likes/playlists/${target.urn}`, user.access_token, { method: "DELETE" });
    const after = await getJson<ScPlaylist[]>("/me/likes/playlists?show_tracks=false");
    expect(after.map((p) => p.urn)).toEqual(before.map((p) => p.urn));
  });

  it("404s on unknown tracks and is undone by reset", async () => {
    const missing = await api(emu, "/likes/tracks/soundcloud:tracks:42", user.access_token, {
      method: "POST",
    });
    expect(missing.status).toBe(404);
    const [own] = await getJson<ScTrack[]>("/me/tracks?limit=1");
    await api(emu, `/likes/tracks/${own?.urn}`, user.access_token, { method: "POST" });
    await reset(emu);
    const fresh = await loginTokens(emu);
    const me = await getJson<ScMe>("/me", fresh.access_token);
    expect(me.public_favorites_count).toBe(450);
  });
});
