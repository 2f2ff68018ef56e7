import { chmodSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openSqliteStore } from "./sqlite.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const mode = (path: string) => statSync(path).mode & 0o777;
const posix = process.platform !== "win32";

describe.runIf(posix)("the SQLite file", () => {
  it("is created 0600, with its WAL and shared-memory files, in a 0700 directory", async () => {
    const root = mkdtempSync(join(tmpdir(), "soundgate-mode-"));
    dirs.push(root);
    const file = join(root, "data", "gateway.db");
    const previous = process.umask(0o022); // the usual umask: files 0644 unless we say
    let store: Awaited<ReturnType<typeof openSqliteStore>> | undefined;
    try {
      store = await openSqliteStore(`sqlite:${file}`);
      await store.takeRateLimit("k", Date.now(), 1_000, 1); // a write: WAL and SHM exist
      for (const path of [file, `${file}-wal`, `${file}-shm`]) {
        expect(existsSync(path), path).toBe(true);
        expect(mode(path).toString(8), path).toBe("600");
      }
      expect(mode(join(root, "data")).toString(8)).toBe("700");
    } finally {
      process.umask(previous);
      await store?.close();
    }
  });

  it("is made 0600 when an older version left it readable by others", async () => {
    const root = mkdtempSync(join(tmpdir(), "soundgate-mode-"));
    dirs.push(root);
    const file = join(root, "gateway.db");
    const first = await openSqliteStore(`sqlite:${file}`);
    await first.close();
    writeFileSync(`${file}-wal`, "");
    chmodSync(file, 0o644);
    chmodSync(`${file}-wal`, 0o644);
    const store = await openSqliteStore(`sqlite:${file}`);
    try {
      expect(mode(file).toString(8)).toBe("600");
      expect(mode(`${file}-wal`).toString(8)).toBe("600");
    } finally {
      await store.close();
    }
  });
});
