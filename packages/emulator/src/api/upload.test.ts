import { createHash } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../server.js";
import {
  api,
  clientCredentials,
  configure,
  loginTokens,
  reset,
  TEST_CLIENT,
  type TokenBody,
} from "../test-support.js";
import type { ScMe, ScTrack } from "./schema.js";

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

function audio(bytes = 48_000, name = "take-1.mp3", type = "audio/mpeg"): File {
  const data = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) data[i] = (i * 31) % 251;
  return new File([data], name, { type });
}

function upload(fields: Record<string, string | Blob>, token = user.access_token) {
  const form = new FormData();
  for (const [key, value] of Object.entries(fields)) form.append(key, value);
  return api(emu, "/tracks", token, { method: "POST", body: form });
}

async function loginAs(username: string): Promise<TokenBody> {
  await configure(emu, { auto_approve: username });
  return loginTokens(emu);
}

describe("POST /tracks", () => {
  it("stores a multipart upload as the caller's newest track and keeps the bytes' digest", async () => {
    const file = audio(160_000);
    const before = (await (await api(emu, "/me", user.access_token)).json()) as ScMe;
    const res = await upload({
      "track[title]": "Harbour Lights (demo)",
      "track[asset_data]": file,
      "track[genre]": "Ambient",
      "track[tag_list]": 'drone "field recording"',
      "track[license]": "cc-by",
      "track[downloadable]": "false",
      "track[release_date]": "2025-05-31",
    });
    expect(res.status).toBe(201);
    const track = (await res.json()) as ScTrack;
    expect(track).toMatchObject({
      kind: "track",
      title: "Harbour Lights (demo)",
      permalink: "harbour-lights-demo",
      genre: "Ambient",
      tag_list: 'drone "field recording"',
      license: "cc-by",
      downloadable: false,
      sharing: "public",
      duration: 10_000,
      release_year: 2025,
      release_month: 5,
      release_day: 31,
      user: { urn: before.urn },
    });
    const [newest] = (await (await api(emu, "/me/tracks?limit=1", user.access_token)).json()) as [
      ScTrack,
    ];
    expect(newest.urn).toBe(track.urn);
    const after = (await (await api(emu, "/me", user.access_token)).json()) as ScMe;
    expect(after.track_count).toBe(before.track_count + 1);

    const uploads = await (await fetch(`${emu.url}/_emulator/uploads`)).json();
    const digest = createHash("sha256")
      .update(new Uint8Array(await file.arrayBuffer()))
      .digest("hex");
    expect(uploads).toEqual([
      {
        track_urn: track.urn,
        filename: "take-1.mp3",
        content_type: "audio/mpeg",
        bytes: 160_000,
        sha256: digest,
      },
    ]);
  });

  it("keeps a private upload to its owner and to holders of the secret link", async () => {
    const res = await upload({
      "track[title]": "Unfinished",
      "track[asset_data]": audio(),
      "track[sharing]": "private",
    });
    const track = (await res.json()) as ScTrack;
    expect(track.sharing).toBe("private");
    expect(track.secret_uri).toMatch(/\?secret_token=s-[0-9a-f]+$/);
    const secret = new URL(track.secret_uri as string).searchParams.get("secret_token");

    const other = await loginAs("copperline");
    expect((await api(emu, `/tracks/${track.urn}`, other.access_token)).status).toBe(404);
    const shared = await api(
      emu,
      `/tracks/${track.urn}?secret_token=${secret}`,
      other.access_token,
    );
    expect(shared.status).toBe(200);
    expect(((await shared.json()) as ScTrack).secret_uri).toBeNull();
    const theirView = (await (
      await api(emu, `/users/${track.user.urn}/tracks?limit=200`, other.access_token)
    ).json()) as ScTrack[];
    expect(theirView.some((t) => t.urn === track.urn)).toBe(false);
    const search = (await (
      await api(emu, "/tracks?q=unfinished&limit=200", other.access_token)
    ).json()) as ScTrack[];
    expect(search.some((t) => t.urn === track.urn)).toBe(false);
  });

  it("answers 422 naming the field for missing, unknown or invalid fields", async () => {
    const cases: [Record<string, string | Blob>, RegExp][] = [
      [{ "track[asset_data]": audio() }, /track\[title\] is required/],
      [{ "track[title]": "x" }, /track\[asset_data\] is required/],
      [{ "track[title]": "x", "track[asset_data]": audio(), "track[tags]": "a" }, /unknown field/],
      [{ "track[title]": "x", "track[asset_data]": audio(), "track[license]": "mine" }, /license/],
      [{ "track[title]": "x", "track[asset_data]": audio(), "track[streamable]": "yes" }, /true/],
      [{ "track[title]": "x", "track[asset_data]": audio(10, "notes.txt", "text/plain") }, /audio/],
      [{ "track[title]": "x", "track[asset_data]": "not a file" }, /must be a file/],
      [{ "track[title]": "x", "track[asset_data]": audio(0) }, /empty/],
    ];
    for (const [fields, message] of cases) {
      const res = await upload(fields);
      expect(res.status, JSON.stringify(Object.keys(fields))).toBe(422);
      expect(((await res.json()) as { message: string }).message).toMatch(message);
    }
    expect(await (await fetch(`${emu.url}/_emulator/uploads`)).json()).toEqual([]);
  });

  it("needs a user's token and a multipart body", async () => {
    const app = (await (await clientCredentials(emu)).json()) as TokenBody;
    const res = await upload(
      { "track[title]": "x", "track[asset_data]": audio() },
      app.access_token,
    );
    expect(res.status).toBe(401);
    const json = await api(emu, "/tracks", user.access_token, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ track: { title: "x" } }),
    });
    expect(json.status).toBe(422);
    const text = await api(emu, "/tracks", user.access_token, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: "hello",
    });
    expect(text.status).toBe(400);
  });

  it("accepts uploads far over the 64 KB limit of other bodies", async () => {
    const res = await upload({ "track[title]": "Long one", "track[asset_data]": audio(3_000_000) });
    expect(res.status).toBe(201);
    const big = await api(emu, "/likes/tracks/2000100", user.access_token, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ pad: "x".repeat(70_000) }),
    });
    expect(big.status).toBe(413);
  });
});
