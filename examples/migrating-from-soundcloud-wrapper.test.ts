// The migration guide's code, run as written: every ```ts block of
// docs/migrating-from-soundcloud-wrapper.md that is not a "Before" is in
// migrating-from-soundcloud-wrapper.ts verbatim, and that file runs against the emulator.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { startTestEmulator, type TestEmulator } from "@soundgate/test-support/emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO } from "./spawn-example.js";

const GUIDE = join(REPO, "docs", "migrating-from-soundcloud-wrapper.md");
const RUNNABLE = join(REPO, "examples", "migrating-from-soundcloud-wrapper.ts");

const APP = {
  client_id: "migrating-app",
  client_secret: "migrating-app-secret",
  redirect_uris: ["http://app.test/soundcloud/callback"],
};

function codeBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```ts\n([\s\S]*?)\n^```$/gm)].map((match) => match[1] ?? "");
}

describe("docs/migrating-from-soundcloud-wrapper.md", () => {
  it("has each of its Soundgate blocks, verbatim, in the file that runs", () => {
    const blocks = codeBlocks(readFileSync(GUIDE, "utf8"));
    const after = blocks.filter((block) => !block.startsWith("// Before"));
    expect(blocks.length - after.length).toBeGreaterThanOrEqual(3); // the soundcloud-wrapper side
    expect(after.length).toBeGreaterThanOrEqual(8);
    const runnable = readFileSync(RUNNABLE, "utf8");
    for (const block of after) expect(runnable, `not in ${RUNNABLE}:\n${block}`).toContain(block);
  });

  describe("its code, against the emulator", () => {
    let emulator: TestEmulator;
    beforeAll(async () => {
      emulator = await startTestEmulator();
      await emulator.register(APP);
      Object.assign(process.env, {
        SOUNDCLOUD_EMULATOR_URL: emulator.url,
        SOUNDCLOUD_CLIENT_ID: APP.client_id,
        SOUNDCLOUD_CLIENT_SECRET: APP.client_secret,
        SOUNDCLOUD_REDIRECT_URI: APP.redirect_uris[0],
      });
    });
    afterAll(async () => {
      await emulator.close();
    });

    it("logs in, calls the API, pages, handles errors, reads public data and signs out there", async () => {
      const guide = await import("./migrating-from-soundcloud-wrapper.js");
      expect(guide.me.username).toBe("nightjar-audio");
      expect(guide.someFollowers).toHaveLength(10);
      expect(Array.isArray(guide.recent)).toBe(true); // recentlyPlayed() is an array
      expect(guide.titles.length).toBeGreaterThan(50); // every page, not the first 50
      expect(guide.first.collection).toHaveLength(50);
      expect(guide.first.next_href).toMatch(new RegExp(`^${emulator.url}/`));
      expect(guide.track.urn).toBe("soundcloud:tracks:2000001");
      expect(guide.missing).toBe("no such track");
      const stats = await emulator.stats();
      expect(stats.sign_outs).toBe(1); // at the emulator: signOutUrl is set, not SoundCloud's
      expect(stats.token_requests.client_credentials).toBe(1);
      expect(await guide.myStore.get(guide.userId)).toBeUndefined();
    });
  });
});
