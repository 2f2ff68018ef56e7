// The README's first section is a newcomer's script: these commands, in this order, from a
// fresh clone. This keeps it honest: the commands it lists are the ones the repository
// defines, and `npm start`'s command prints the one URL the README promises.
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadConfig } from "@soundgate/server";
import { type GatewayProcess, spawnGateway } from "@soundgate/test-support/gateway-process";
import { afterEach, describe, expect, it } from "vitest";
import { DEV_EMULATOR_STATE_FILE } from "../packages/cli/src/dev-emulator.js";
import { freePort, runToEnd } from "../packages/cli/src/test-support.js";
import { DEV_KEY_FILE } from "../packages/server/src/crypto/dev-key.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const readme = readFileSync(join(ROOT, "README.md"), "utf8");
const manifest = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
  scripts: Record<string, string>;
};

/** The first section after the title, and the commands of its first ```sh block. */
function firstSection(): { title: string; text: string; commands: string[] } {
  const [, title = "", text = ""] = /^## (.+)\n([\s\S]*?)(?=^## )/m.exec(readme) ?? [];
  const block = /```sh\n([\s\S]*?)```/.exec(text)?.[1] ?? "";
  const commands = block
    .split("\n")
    .map((line) => line.replace(/#.*$/, "").trim())
    .filter(Boolean);
  return { title, text, commands };
}

const running: GatewayProcess[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.stop()));
});

describe("the README's first section", () => {
  it("tells a newcomer exactly these commands, in this order", () => {
    const { title, commands } = firstSection();
    expect(title).toBe("Your first hour");
    expect(commands).toEqual([
      "npm install",
      "npm start",
      "npm test",
      "npx soundgate --help",
      "npm run example:express",
    ]);
  });

  it("names only commands the repository defines, each building what it needs first", () => {
    const { scripts } = manifest;
    expect(scripts.prestart).toBe("npm run build");
    expect(scripts.pretest).toBe("npm run build");
    expect(scripts.start).toMatch(/^node packages\/cli\/bin\/soundgate\.js serve /);
    for (const example of ["express", "hono", "nextjs", "authjs", "better-auth"]) {
      expect(scripts[`example:${example}`], example).toMatch(/^tsc -b tsconfig\.build\.json && /);
      expect(firstSection().text).toContain(
        example === "express" ? "example:express" : `:${example}`,
      );
    }
  });

  it("npx soundgate --help runs in the repository (npm links the bin; npm test built it)", async () => {
    const ran = await runToEnd(["npx", "--no-install", "soundgate", "--help"], {
      cwd: ROOT,
      env: { HOME: process.env.HOME ?? "" },
    });
    expect(ran.code).toBe(0);
    expect(ran.stdout).toContain("soundgate <command> [options]");
  });

  it("npm start keeps what survives a restart in data/, which git ignores", async () => {
    const config = loadConfig({});
    expect(config.dataDir).toBe("./data");
    // The database, the development key and the built-in emulator's state, as named in
    // the server and the CLI; none of them may end up in a commit.
    const files = [
      config.databaseUrl.replace(/^sqlite:/, ""),
      join(config.dataDir, DEV_KEY_FILE),
      join(config.dataDir, DEV_EMULATOR_STATE_FILE),
    ];
    expect(files).toEqual([
      "./data/soundgate.db",
      "data/dev-encryption-key",
      "data/emulator-state.json",
    ]);
    const ignored = await runToEnd(["git", "check-ignore", "--no-index", ...files], {
      cwd: ROOT,
    });
    expect(ignored.code).toBe(0);
    expect(ignored.stdout.trim().split("\n")).toHaveLength(files.length);
  });

  it("npm start's command prints one URL, the one the README names", async () => {
    const url = loadConfig({}).publicUrl;
    expect(url).toBe("http://localhost:8787");
    expect(firstSection().text).toContain(`prints one URL, \`${url}\``);

    // `npm start` without its build step (npm test has built), on a free port.
    const [, ...args] = manifest.scripts.start?.split(" ") ?? [];
    expect(args.slice(0, 2)).toEqual(["packages/cli/bin/soundgate.js", "serve"]);
    const port = await freePort();
    const data = await mkdtemp(join(tmpdir(), "soundgate-first-hour-"));
    try {
      const gateway = await spawnGateway(
        {
          SOUNDGATE_PORT: String(port),
          SOUNDGATE_EMULATOR_PORT: "0",
          SOUNDGATE_DATA_DIR: data,
          SOUNDGATE_LOG_LEVEL: "info",
        },
        { args: args.slice(2), cwd: ROOT },
      );
      running.push(gateway);
      expect(gateway.url).toBe(`http://localhost:${port}`);
      const urls = new Set(
        [...gateway.output().matchAll(/https?:\/\/[^\s"'),]+/g)].map((m) =>
          m[0].replace(/\/$/, ""),
        ),
      );
      expect(urls).toEqual(new Set([`http://localhost:${port}`]));
      const page = await fetch(`http://127.0.0.1:${port}/`);
      expect(page.url).toBe(`http://localhost:${port}/`);
      expect(await page.text()).toContain("Connect with SoundCloud");
    } finally {
      await Promise.all(running.splice(0).map((p) => p.stop()));
      await rm(data, { recursive: true, force: true });
    }
  });
});
