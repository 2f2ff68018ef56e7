import { spawn } from "node:child_process";
import { once } from "node:events";
import { chmodSync, mkdirSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../config.js";
import { ConfigError } from "../config-error.js";
import { resolveCipher } from "../gateway.js";
import { createLogger } from "../logger.js";
import { Cipher } from "./cipher.js";
import { DEV_KEY_FILE, DevKeyError, loadOrCreateDevKey } from "./dev-key.js";

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "soundgate-dev-key-"));
});
afterEach(() => rm(root, { recursive: true, force: true }));

const mode = (path: string) => statSync(path).mode & 0o777;
const silent = createLogger("silent");

describe.runIf(process.platform !== "win32")("the development key file", () => {
  it("is made once, 0600 in a new 0700 directory, and read back unchanged", () => {
    const dir = join(root, "data");
    const made = loadOrCreateDevKey(dir);
    expect(made).toMatchObject({ path: join(dir, DEV_KEY_FILE), created: true });
    expect(mode(dir)).toBe(0o700);
    expect(mode(made.path)).toBe(0o600);
    const again = loadOrCreateDevKey(dir);
    expect(again).toEqual({ ...made, created: false });
    // It is a key the gateway's own parser takes, and it opens what it sealed.
    const sealed = Cipher.fromEnv(made.keys).seal("secret", "t:c:1");
    expect(Cipher.fromEnv(again.keys).open(sealed, "t:c:1")).toBe("secret");
  });

  it("is one key when several processes start on an empty directory at once", async () => {
    const dir = join(root, "data");
    const module = fileURLToPath(new URL("../../dist/crypto/dev-key.js", import.meta.url));
    const script = `import(${JSON.stringify(module)}).then((m) => process.stdout.write(m.loadOrCreateDevKey(${JSON.stringify(dir)}).keys))`;
    const children = Array.from({ length: 6 }, () =>
      spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] }),
    );
    const keys = await Promise.all(
      children.map(async (child) => {
        let out = "";
        child.stdout.on("data", (chunk) => {
          out += chunk;
        });
        const [code] = await once(child, "exit");
        expect(code).toBe(0);
        return out;
      }),
    );
    expect(new Set(keys).size).toBe(1);
    expect(keys[0]).toMatch(/^dev:/);
  });

  it("refuses a file others can read, a symlink and an empty file, naming the file", () => {
    const dir = join(root, "data");
    const { path } = loadOrCreateDevKey(dir);
    chmodSync(path, 0o640);
    expect(() => loadOrCreateDevKey(dir)).toThrow(DevKeyError);
    expect(() => loadOrCreateDevKey(dir)).toThrow(`${path} is readable by others (mode 640)`);

    const linked = join(root, "linked");
    mkdirSync(linked, { mode: 0o700 });
    chmodSync(path, 0o600);
    symlinkSync(path, join(linked, DEV_KEY_FILE));
    expect(() => loadOrCreateDevKey(linked)).toThrow("is not a regular file");

    const empty = join(root, "empty");
    mkdirSync(empty, { mode: 0o700 });
    writeFileSync(join(empty, DEV_KEY_FILE), "", { mode: 0o600 });
    expect(() => loadOrCreateDevKey(empty)).toThrow("is empty");
  });
});

describe("resolveCipher", () => {
  const config = (env: Record<string, string>) =>
    loadConfig({ SOUNDGATE_DATA_DIR: join(root, "data"), ...env });

  it("uses SOUNDGATE_ENCRYPTION_KEYS when set, and writes nothing", () => {
    const { source } = resolveCipher(
      config({ SOUNDGATE_ENCRYPTION_KEYS: `k:${Buffer.alloc(32, 1).toString("base64")}` }),
      silent,
    );
    expect(source).toEqual({ kind: "configured" });
    expect(() => statSync(join(root, "data"))).toThrow();
  });

  it("in development, keeps a key in the data directory beside the default database", () => {
    const dev = config({});
    expect(dev.databaseUrl).toBe(`sqlite:${join(root, "data")}/soundgate.db`);
    expect(resolveCipher(dev, silent).source).toEqual({
      kind: "development",
      path: join(root, "data", DEV_KEY_FILE),
      created: true,
    });
  });

  it("with an in-memory database, an ephemeral key and no file", () => {
    const { source, cipher } = resolveCipher(
      config({ SOUNDGATE_DATABASE_URL: "sqlite::memory:" }),
      silent,
    );
    expect(source).toEqual({ kind: "ephemeral" });
    expect(cipher.ephemeral).toBe(true);
    expect(() => statSync(join(root, "data"))).toThrow();
  });

  it("in production, refuses without keys and writes nothing", () => {
    const production = config({
      NODE_ENV: "production",
      SOUNDCLOUD_CLIENT_ID: "app",
      SOUNDCLOUD_CLIENT_SECRET: "secret",
    });
    expect(() => resolveCipher(production, silent)).toThrow(ConfigError);
    expect(() => resolveCipher(production, silent)).toThrow(
      "SOUNDGATE_ENCRYPTION_KEYS: is required when NODE_ENV=production",
    );
    expect(() => statSync(join(root, "data"))).toThrow();
  });
});
