import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { installServer } from "@soundgate/test-support/server-install";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const repo = fileURLToPath(new URL("../../../..", import.meta.url));

/** Runs an ES module script with `node` in `cwd` (bare imports resolve from there). */
async function script(cwd: string, source: string): Promise<unknown> {
  const { stdout } = await run(process.execPath, ["--input-type=module", "-e", source], {
    cwd,
    env: { PATH: process.env.PATH ?? "" },
    timeout: 15_000,
  });
  return JSON.parse(stdout);
}

/** What opening `url` does in that install: the error's kind, package and message. */
const tryOpen = (url: string) => `
  const server = await import("@soundgate/server");
  try {
    const store = await server.openStore(${JSON.stringify(url)});
    await store.close();
    console.log(JSON.stringify({ opened: true }));
  } catch (error) {
    console.log(JSON.stringify({
      configError: error instanceof server.ConfigError,
      missingPackage: error instanceof server.MissingPackageError ? error.packageName : null,
      message: error.message,
    }));
  }`;

let root: string;
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "soundgate-drivers-"));
  await installServer(join(root, "bare"));
  await installServer(join(root, "sqlite-only"), ["better-sqlite3"]);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("@soundgate/server installed without the database drivers (optional peers)", () => {
  it("names better-sqlite3 for a sqlite: URL, as a ConfigError, and creates no file", async () => {
    const cwd = join(root, "bare");
    expect(await script(cwd, tryOpen("sqlite:./data/gateway.db"))).toEqual({
      configError: true,
      missingPackage: "better-sqlite3",
      message:
        "SOUNDGATE_DATABASE_URL: a sqlite: database needs the better-sqlite3 package, which is not installed; install it beside @soundgate/server: npm install better-sqlite3",
    });
    expect(existsSync(join(cwd, "data"))).toBe(false);
  });

  it("names pg for a postgres:// URL", async () => {
    const result = await script(join(root, "bare"), tryOpen("postgres://127.0.0.1:9/none"));
    expect(result).toMatchObject({ configError: true, missingPackage: "pg" });
    expect((result as { message: string }).message).toContain("npm install pg");
  });

  it("runs on SQLite with better-sqlite3 alone: pg is not needed", async () => {
    const cwd = join(root, "sqlite-only");
    expect(await script(cwd, tryOpen("sqlite:./data/gateway.db"))).toEqual({ opened: true });
    expect(await script(cwd, tryOpen("postgres://127.0.0.1:9/none"))).toMatchObject({
      missingPackage: "pg",
    });
  });
});

/** The CommonJS modules loaded from one package (both drivers are CommonJS). */
const countLoaded = `
  const { createRequire } = await import("node:module");
  const cache = createRequire(import.meta.url).cache;
  const from = (name) =>
    Object.keys(cache).filter((path) => path.includes("/node_modules/" + name + "/")).length;`;

describe("with both drivers installed (the monorepo)", () => {
  it("loads neither on import, and only better-sqlite3 for a running SQLite gateway", async () => {
    const dir = mkdtempSync(join(root, "gateway-"));
    const result = await script(
      repo,
      `${countLoaded}
      const server = await import("@soundgate/server");
      const onImport = { pg: from("pg"), sqlite: from("better-sqlite3") };
      const config = server.loadConfig({
        SOUNDGATE_DATABASE_URL: ${JSON.stringify(`sqlite:${join(dir, "gateway.db")}`)},
        SOUNDCLOUD_CLIENT_ID: "app", SOUNDCLOUD_CLIENT_SECRET: "secret",
        SOUNDGATE_PORT: "0", SOUNDGATE_LOG_LEVEL: "silent",
      });
      const gateway = await server.startGateway({ config });
      const health = (await fetch(gateway.url + "/healthz")).status;
      await gateway.close();
      console.log(JSON.stringify({ onImport, health, pg: from("pg"), sqlite: from("better-sqlite3") }));`,
    );
    expect(result).toMatchObject({ onImport: { pg: 0, sqlite: 0 }, health: 200, pg: 0 });
    expect((result as { sqlite: number }).sqlite).toBeGreaterThan(0);
  });
});
