import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "./index.js";
import { api, clientCredentials, TEST_CLIENT } from "./test-support.js";

let emu: RunningEmulator;
beforeAll(async () => {
  emu = await startEmulator({ clients: [TEST_CLIENT] });
});
afterAll(() => emu.close());

async function appToken(): Promise<string> {
  return ((await (await clientCredentials(emu)).json()) as { access_token: string }).access_token;
}

describe("images", () => {
  it("serves every avatar and artwork URL the API hands out, offline", async () => {
    const token = await appToken();
    const user = (await (
      await fetch(`${emu.url}/users/soundcloud:users:1000001`, {
        headers: { Authorization: `OAuth ${token}` },
      })
    ).json()) as { avatar_url: string };
    expect(user.avatar_url.startsWith(`${emu.url}/images/avatars-`)).toBe(true);
    const tracks = (await (
      await api(emu, "/users/soundcloud:users:1000001/tracks?limit=20", token)
    ).json()) as Array<{ artwork_url: string | null }>;
    const artwork = tracks.map((t) => t.artwork_url).find((u): u is string => u !== null);
    for (const url of [user.avatar_url, artwork ?? ""]) {
      const image = await fetch(url);
      expect(image.status).toBe(200);
      expect(image.headers.get("content-type")).toMatch(/^image\/svg\+xml/);
      expect(await image.text()).toMatch(/^<svg /);
    }
    // Deterministic: the same URL draws the same picture.
    expect(await (await fetch(user.avatar_url)).text()).toBe(
      await (await fetch(user.avatar_url)).text(),
    );
  });

  it("answers unknown image names with 404", async () => {
    expect((await fetch(`${emu.url}/images/avatars-xyz-large.svg`)).status).toBe(404);
    expect((await fetch(`${emu.url}/images/..%2f_emulator%2fstats`)).status).toBe(404);
  });
});
