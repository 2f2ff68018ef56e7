import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../server.js";
import {
  api,
  configure,
  loginTokens,
  reset,
  TEST_CLIENT,
  type TokenBody,
} from "../test-support.js";
import type { ScPlaylist, ScStorefront, ScTrack } from "./schema.js";

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

async function loginAs(username: string): Promise<TokenBody> {
  await configure(emu, { auto_approve: username });
  return loginTokens(emu);
}

function sendJson(method: string, path: string, body: unknown, token = user.access_token) {
  return api(emu, path, token, {
    method,
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

async function getJson<T>(path: string, token = user.access_token): Promise<T> {
  const res = await api(emu, path, token);
  expect(res.status, path).toBe(200);
  return (await res.json()) as T;
}

async function ownTrack(): Promise<ScTrack> {
  const [track] = await getJson<ScTrack[]>("/me/tracks?limit=1");
  return track as ScTrack;
}

describe("PUT and DELETE /tracks/{urn}", () => {
  it("updates metadata from JSON or form fields, and moves the permalink with it", async () => {
    const track = await ownTrack();
    const res = await sendJson("PUT", `/tracks/${track.urn}`, {
      track: { title: "Renamed", genre: "Techno", description: null, permalink: "renamed" },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      urn: track.urn,
      title: "Renamed",
      genre: "Techno",
      description: null,
      permalink: "renamed",
      permalink_url: "https://soundcloud.com/nightjar-audio/renamed",
    });
    const form = await api(emu, `/tracks/${track.urn}`, user.access_token, {
      method: "PUT",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "track%5Bsharing%5D=private&track%5Bcommentable%5D=false",
    });
    expect(await form.json()).toMatchObject({ sharing: "private", commentable: false });
  });

  it("refuses other people's tracks with 403 and bad fields with 422", async () => {
    const other = await loginAs("copperline");
    const track = await ownTrack();
    expect(
      (await sendJson("PUT", `/tracks/${track.urn}`, { track: { title: "x" } }, other.access_token))
        .status,
    ).toBe(403);
    expect(
      (await api(emu, `/tracks/${track.urn}`, other.access_token, { method: "DELETE" })).status,
    ).toBe(403);
    const bad = await sendJson("PUT", `/tracks/${track.urn}`, { track: { sharing: "friends" } });
    expect(bad.status).toBe(422);
    const wrap = await sendJson("PUT", `/tracks/${track.urn}`, { title: "not wrapped" });
    expect(wrap.status).toBe(400);
  });

  it("deletes a track from everywhere it appeared", async () => {
    const track = await ownTrack();
    const other = await loginAs("copperline");
    await api(emu, `/likes/tracks/${track.urn}`, other.access_token, { method: "POST" });
    expect(
      (await api(emu, `/tracks/${track.urn}`, user.access_token, { method: "DELETE" })).status,
    ).toBe(200);
    expect((await api(emu, `/tracks/${track.urn}`, user.access_token)).status).toBe(404);
    const likes = await getJson<ScTrack[]>("/me/likes/tracks?limit=200", other.access_token);
    expect(likes.some((t) => t.urn === track.urn)).toBe(false);
  });
});

describe("storefront and preview", () => {
  it("replaces the storefront of an owner with a creator plan", async () => {
    const track = await ownTrack();
    const res = await sendJson("PUT", `/tracks/${track.urn}/storefront`, {
      title: "Download now",
      type: "digital",
      link: "https://example.com/buy",
      price: "0",
    });
    expect(res.status).toBe(200);
    expect((await res.json()) as ScStorefront).toEqual({
      track_urn: track.urn,
      title: "Download now",
      type: "digital",
      link: "https://example.com/buy",
      link_title: null,
      description: null,
      image_url: null,
      price: "0",
    });
    for (const body of [
      { title: "x", type: "digital" },
      { title: "x", type: "gift", link: "https://e.x" },
      { title: "x", type: "digital", link: "javascript:alert(1)" },
      { title: "x", type: "digital", link: "https://e.x", colour: "red" },
    ]) {
      expect((await sendJson("PUT", `/tracks/${track.urn}/storefront`, body)).status).toBe(400);
    }
  });

  it("refuses a storefront to free accounts", async () => {
    const free = await loginAs("saltmarsh");
    const [track] = await getJson<ScTrack[]>("/me/tracks?limit=1", free.access_token);
    const res = await sendJson(
      "PUT",
      `/tracks/${track?.urn}/storefront`,
      { title: "x", type: "digital", link: "https://e.x" },
      free.access_token,
    );
    expect(res.status).toBe(403);
  });

  it("302s a preview to the media host", async () => {
    const res = await api(emu, "/tracks/2000001/preview", user.access_token, {
      redirect: "manual",
    });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toMatch(/^https:\/\/cf-media\.sndcdn\.com\/.*preview/);
  });
});

describe("playlists", () => {
  it("creates a playlist from JSON, updates it and deletes it", async () => {
    const liked = await getJson<ScTrack[]>("/me/likes/tracks?limit=3");
    const res = await sendJson("POST", "/playlists", {
      playlist: {
        title: "Road Trip",
        sharing: "public",
        set_type: "album",
        tracks: liked.map((t) => ({ urn: t.urn })),
      },
    });
    expect(res.status).toBe(201);
    const created = (await res.json()) as ScPlaylist;
    expect(created).toMatchObject({ title: "Road Trip", track_count: 3, playlist_type: "album" });
    expect(created.tracks?.map((t) => t.urn)).toEqual(liked.map((t) => t.urn));
    const [newest] = await getJson<ScPlaylist[]>("/me/playlists?limit=1&show_tracks=false");
    expect(newest?.urn).toBe(created.urn);

    const updated = await sendJson("PUT", `/playlists/${created.urn}`, {
      playlist: { title: "Road Trip II", tracks: [{ urn: liked[0]?.urn }] },
    });
    expect(await updated.json()).toMatchObject({ title: "Road Trip II", track_count: 1 });

    const other = await loginAs("copperline");
    expect(
      (await api(emu, `/playlists/${created.urn}`, other.access_token, { method: "DELETE" }))
        .status,
    ).toBe(403);
    expect(
      (await api(emu, `/playlists/${created.urn}`, user.access_token, { method: "DELETE" })).status,
    ).toBe(200);
    expect((await api(emu, `/playlists/${created.urn}`, user.access_token)).status).toBe(404);
  });

  it("creates a playlist from multipart fields with comma-separated track URNs", async () => {
    const form = new FormData();
    form.append("playlist[title]", "Form made");
    form.append("playlist[sharing]", "private");
    form.append("playlist[tracks][][urn]", "soundcloud:tracks:2000001,soundcloud:tracks:2000002");
    const res = await api(emu, "/playlists", user.access_token, { method: "POST", body: form });
    expect(res.status).toBe(201);
    const created = (await res.json()) as ScPlaylist;
    expect(created).toMatchObject({ sharing: "private", track_count: 2 });
    const other = await loginAs("copperline");
    expect((await api(emu, `/playlists/${created.urn}`, other.access_token)).status).toBe(404);
  });

  it("answers 422 without a title and 404 for unknown tracks", async () => {
    expect((await sendJson("POST", "/playlists", { playlist: { sharing: "public" } })).status).toBe(
      422,
    );
    const unknown = await sendJson("POST", "/playlists", {
      playlist: { title: "x", tracks: [{ urn: "soundcloud:tracks:1" }] },
    });
    expect(unknown.status).toBe(404);
  });
});
