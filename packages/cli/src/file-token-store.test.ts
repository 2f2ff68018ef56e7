import { spawnSync } from "node:child_process";
import { mkdtemp, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { withFileLock } from "./file-lock.js";
import { FileTokenStore } from "./file-token-store.js";

const tokens = {
  accessToken: "at_example",
  refreshToken: "rt_example",
  expiresAt: 1_900_000_000_000,
  scope: "",
};

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), "soundgate-store-"));
}

const mode = async (path: string) => (await stat(path)).mode & 0o777;

describe("FileTokenStore", () => {
  it("keeps tokens in a 0600 file inside a 0700 directory it creates", async () => {
    const dir = join(await tempDir(), "nested", "soundgate");
    const store = new FileTokenStore(dir);
    expect(await store.get("default")).toBeUndefined();
    await store.set("default", tokens);
    expect(await store.get("default")).toEqual({ ...tokens, reauthRequired: false });
    expect(await mode(dir)).toBe(0o700);
    expect(await mode(store.pathOf("default"))).toBe(0o600);
    // Atomic replacement leaves no temporary files behind.
    await store.set("default", { ...tokens, accessToken: "at_second" });
    expect(await readdir(dir)).toEqual(["default.tokens.json"]);
    await store.delete("default");
    await store.delete("default");
    expect(await store.get("default")).toBeUndefined();
  });

  it("treats a damaged file as no login, and refuses keys that could leave the directory", async () => {
    const store = new FileTokenStore(await tempDir());
    await writeFile(store.pathOf("default"), "{not json");
    expect(await store.get("default")).toBeUndefined();
    expect(() => store.pathOf("../evil")).toThrow(TypeError);
    expect(() => store.pathOf("")).toThrow(TypeError);
  });

  it("runs locked work one at a time", async () => {
    const store = new FileTokenStore(await tempDir());
    let inside = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 5 }, () =>
        store.withLock("default", async () => {
          inside++;
          most = Math.max(most, inside);
          await new Promise((resolve) => setTimeout(resolve, 20));
          inside--;
        }),
      ),
    );
    expect(most).toBe(1);
    expect(await readdir(store.dir)).toEqual([]);
  });

  it("breaks a lock left behind by a process that is gone", async () => {
    const dir = await tempDir();
    const lock = join(dir, "default.lock");
    // A pid that existed and has exited.
    const { pid } = spawnSync(process.execPath, ["-e", ""]);
    await writeFile(lock, `${pid}\n`);
    const started = Date.now();
    expect(await withFileLock(lock, async () => "ran")).toBe("ran");
    expect(Date.now() - started).toBeLessThan(2_000);
    await expect(readFile(lock)).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("gives up waiting for a live lock after its timeout", async () => {
    const dir = await tempDir();
    const lock = join(dir, "default.lock");
    await writeFile(lock, `${process.pid}\n`);
    await expect(withFileLock(lock, async () => "ran", { timeoutMs: 200 })).rejects.toThrow(
      /another soundgate process/,
    );
  });
});
