import { cp, mkdir, mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { installServer } from "@soundgate/test-support/server-install";
import { EXIT } from "soundgate/exit-codes";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runToEnd } from "./test-support.js";

const packageDir = fileURLToPath(new URL("..", import.meta.url));
const coreDir = fileURLToPath(new URL("../../soundgate", import.meta.url));

/**
 * @soundgate/cli as an install without the optional packages: the CLI's files and, in
 * node_modules, only its one dependency, the core. What `npm install @soundgate/cli` gives.
 */
async function installCli(at: string): Promise<void> {
  const cli = join(at, "node_modules", "@soundgate", "cli");
  await mkdir(cli, { recursive: true });
  for (const part of ["bin", "dist", "package.json"]) {
    await cp(join(packageDir, part), join(cli, part), { recursive: true });
  }
  await symlink(coreDir, join(at, "node_modules", "soundgate"), "dir").catch((error) => {
    if (error.code !== "EEXIST") throw error;
  });
}

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "soundgate-cli-install-"));
  await installCli(root);
});
afterAll(() => rm(root, { recursive: true, force: true }));

const bin = (at = root) => join(at, "node_modules", "@soundgate", "cli", "bin", "soundgate.js");

describe("installed without @soundgate/server and @soundgate/emulator", () => {
  it("runs the commands that need only the core", async () => {
    const version = await runToEnd([process.execPath, bin(), "--version"]);
    expect(version.code).toBe(EXIT.ok);
    const token = await runToEnd([process.execPath, bin(), "token"], {
      env: { SOUNDGATE_CONFIG_DIR: join(root, "config") },
    });
    expect(token).toMatchObject({ code: EXIT.auth, stdout: "" });
    expect(token.stderr).toContain("not logged in");
    const keys = await runToEnd([process.execPath, bin(), "keys", "generate"]);
    expect(keys.code).toBe(EXIT.ok);
  });

  it("says which package serve, keys rotate and emulator need, and exits 8", async () => {
    for (const [args, name] of [
      [["serve"], "@soundgate/server"],
      [["keys", "rotate"], "@soundgate/server"],
      [["emulator"], "@soundgate/emulator"],
      [["help", "emulator"], "@soundgate/emulator"],
    ] as const) {
      const result = await runToEnd([process.execPath, bin(), ...args], { cwd: root });
      expect(result.code, args.join(" ")).toBe(EXIT.missingPackage);
      expect(result.stderr, args.join(" ")).toContain(`needs ${name}, which is not installed`);
      expect(result.stderr, args.join(" ")).toContain(`npm install ${name}`);
    }
    // The gateway needs a database driver too: the hint names the default one.
    const serve = await runToEnd([process.execPath, bin(), "serve"], { cwd: root });
    expect(serve.stderr).toContain("npm install @soundgate/server better-sqlite3");
  });

  it("says to build when dist/ is missing (a fresh clone before npm run build)", async () => {
    const unbuilt = join(root, "unbuilt");
    await mkdir(join(unbuilt, "bin"), { recursive: true });
    await cp(bin(), join(unbuilt, "bin", "soundgate.js"));
    const result = await runToEnd([process.execPath, join(unbuilt, "bin", "soundgate.js")]);
    expect(result.code).toBe(EXIT.missingPackage);
    expect(result.stderr).toContain("run `npm run build`");
  });
});

describe("installed with @soundgate/server but without a database driver", () => {
  let withServer: string;
  beforeAll(async () => {
    withServer = join(root, "with-server");
    await installServer(withServer);
    await installCli(withServer);
  });

  it("serve says to install better-sqlite3 for the default SQLite database, and exits 8", async () => {
    const result = await runToEnd([process.execPath, bin(withServer), "serve"], {
      cwd: withServer,
      env: {
        SOUNDCLOUD_CLIENT_ID: "app",
        SOUNDCLOUD_CLIENT_SECRET: "secret",
        SOUNDGATE_PORT: "0",
        SOUNDGATE_LOG_LEVEL: "silent",
      },
    });
    expect(result.code).toBe(EXIT.missingPackage);
    expect(result.stderr).toContain("needs the better-sqlite3 package, which is not installed");
    expect(result.stderr).toContain("npm install better-sqlite3");
    expect(result.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
    expect(result.stdout).toBe("");
  });
});
