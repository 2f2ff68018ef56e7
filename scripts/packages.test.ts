// The packages as npm would publish them: `npm pack`ed, looked into, installed from the
// tarballs into a fresh project outside the repository, and used from there (the CLI,
// imports, types, a gateway on the built-in emulator). What a workspace hides (a file
// left out of `files`, a dependency only the monorepo has, a path into a sibling
// package, an exact version pin) shows up here.
import { readFileSync, statSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import { dirname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { emulatorAt } from "@soundgate/test-support/emulator";
import { loginViaBff } from "@soundgate/test-support/gateway";
import { createTestDatabase, type TestDatabase } from "@soundgate/test-support/postgres";
import { EXIT } from "soundgate/exit-codes";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, type Ran, runToEnd } from "../packages/cli/src/test-support.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** Every publishable package: packed, looked into, installed and used from the consumer. */
const PUBLISHED = ["soundgate", "server", "browser", "emulator", "cli", "authjs", "better-auth"];

interface Packed {
  dir: string;
  name: string;
  version: string;
  /** Where its tarball is unpacked (npm's `package/` folder). */
  unpacked: string;
  tarball: string;
  files: string[];
  manifest: Record<string, Record<string, string> | string | undefined>;
}

let work: string;
let consumer: string;
const packed = new Map<string, Packed>();
let database: TestDatabase | undefined;

/** npm and friends in a clean environment: no npm_* variables of the `npm test` around us. */
function sh(command: string[], cwd: string, env: Record<string, string> = {}, timeoutMs = 60_000) {
  return runToEnd(command, {
    cwd,
    timeoutMs,
    env: {
      HOME: process.env.HOME ?? homedir(),
      // The machine's npm cache, shared with the repository's own install: the third-party
      // dependencies come from there when they can, from the registry when they must.
      npm_config_cache: process.env.npm_config_cache ?? join(homedir(), ".npm"),
      npm_config_update_notifier: "false",
      ...env,
    },
  });
}

function ok(ran: Ran, what: string): Ran {
  if (ran.code !== 0) throw new Error(`${what} exited ${ran.code}:\n${ran.stdout}\n${ran.stderr}`);
  return ran;
}

const versionOf = (name: string) =>
  (
    JSON.parse(readFileSync(join(ROOT, "node_modules", name, "package.json"), "utf8")) as {
      version: string;
    }
  ).version;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "soundgate-packages-"));
  const tarballs = join(work, "tarballs");
  await mkdir(tarballs);
  const dirs = PUBLISHED;
  const pack = ok(
    await sh(
      [
        "npm",
        "pack",
        "--json",
        "--pack-destination",
        tarballs,
        ...dirs.flatMap((d) => ["-w", `packages/${d}`]),
      ],
      ROOT,
    ),
    "npm pack",
  );
  const results = JSON.parse(pack.stdout) as Array<{
    name: string;
    version: string;
    filename: string;
    files: Array<{ path: string }>;
  }>;
  const dirOf = new Map(
    dirs.map((d) => [
      (
        JSON.parse(readFileSync(join(ROOT, "packages", d, "package.json"), "utf8")) as {
          name: string;
        }
      ).name,
      d,
    ]),
  );
  for (const result of results) {
    const dir = dirOf.get(result.name) as string;
    const unpacked = join(work, "unpacked", dir);
    await mkdir(unpacked, { recursive: true });
    const tarball = join(tarballs, result.filename);
    ok(await sh(["tar", "xzf", tarball, "-C", unpacked], work), `tar ${result.filename}`);
    const root = join(unpacked, "package");
    packed.set(dir, {
      dir,
      name: result.name,
      version: result.version,
      unpacked: root,
      tarball,
      files: result.files.map((f) => f.path).sort(),
      manifest: JSON.parse(await readFile(join(root, "package.json"), "utf8")),
    });
  }

  consumer = join(work, "consumer");
  await mkdir(consumer);
  await writeFile(
    join(consumer, "package.json"),
    `${JSON.stringify({ name: "consumer", private: true, type: "module" }, null, 2)}\n`,
  );
  // The database drivers are optional peers of @soundgate/server: a user installs the one
  // they need beside it, as the README says; both here. --ignore-scripts: better-sqlite3's
  // native build takes minutes on this machine and tests nothing of ours. The gateway runs
  // on PostgreSQL below, and SQLite's missing build is checked to be explained.
  ok(
    await sh(
      [
        "npm",
        "install",
        "--prefer-offline",
        "--no-audit",
        "--no-fund",
        "--ignore-scripts",
        ...PUBLISHED.map((d) => (packed.get(d) as Packed).tarball),
        // The peers of @soundgate/authjs and @soundgate/better-auth, as their READMEs say.
        `@auth/core@${versionOf("@auth/core")}`,
        `better-auth@${versionOf("better-auth")}`,
        `better-sqlite3@${versionOf("better-sqlite3")}`,
        `pg@${versionOf("pg")}`,
        `typescript@${versionOf("typescript")}`,
        `@types/node@${versionOf("@types/node")}`,
      ],
      consumer,
      {},
      240_000,
    ),
    "npm install of the tarballs",
  );
  database = await createTestDatabase();
}, 300_000);

afterAll(async () => {
  await database?.drop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe("each tarball", () => {
  it("has its README and the repository's LICENSE", () => {
    const license = readFileSync(join(ROOT, "LICENSE"), "utf8");
    for (const pkg of packed.values()) {
      expect(pkg.files, pkg.name).toContain("README.md");
      expect(pkg.files, pkg.name).toContain("LICENSE");
      expect(readFileSync(join(pkg.unpacked, "LICENSE"), "utf8"), pkg.name).toBe(license);
      expect(readFileSync(join(pkg.unpacked, "README.md"), "utf8"), pkg.name).toMatch(
        new RegExp(`^# ${pkg.name.replace("/", "\\/")}\\b`),
      );
    }
  });

  it("holds no tests, test helpers or build leftovers", () => {
    for (const pkg of packed.values()) {
      const strays = pkg.files.filter((f) =>
        /\.test\.|test-support|conformance|tsbuildinfo|(^|\/)\.env/.test(f),
      );
      expect(strays, pkg.name).toEqual([]);
      // Every built file comes from a source in the tarball (a stale dist/ file would not).
      for (const file of pkg.files.filter((f) => f.endsWith(".js") && f.startsWith("dist/"))) {
        const bundled = /^dist\/bundle\/(.+?)(?:-[\w-]{8})?\.js$/.exec(file);
        if (bundled) {
          // scripts/bundle.js: the entry, and chunks named for the module each starts with.
          const name = `/${bundled[1]}.ts`;
          const sources = pkg.files.filter((f) => f.startsWith("src/") && `/${f}`.endsWith(name));
          expect(sources, `${pkg.name}: ${file} has no source named ${name}`).not.toEqual([]);
          continue;
        }
        const source = file.replace(/^dist\//, "src/").replace(/\.js$/, ".ts");
        expect(pkg.files, `${pkg.name}: ${file} has no ${source}`).toContain(source);
      }
    }
  });

  it("points only at files inside itself: imports, URLs, source maps", () => {
    const problems: string[] = [];
    for (const pkg of packed.values()) {
      for (const file of pkg.files) {
        const path = join(pkg.unpacked, file);
        const text = readFileSync(path, "utf8");
        const inside = (target: string) => {
          const to = resolve(dirname(path), target);
          return to.startsWith(pkg.unpacked + sep) && existsFile(to);
        };
        // package.json names test-support only to leave it out of `files`.
        const needles = [ROOT.replace(/\/$/, ""), homedir()];
        if (file !== "package.json") needles.push("test-support");
        for (const needle of needles) {
          if (text.includes(needle)) problems.push(`${pkg.name}/${file} names ${needle}`);
        }
        if (/\.(js|d\.ts)$/.test(file)) {
          const specifiers = [
            ...text.matchAll(/(?:from|import)\s*\(?\s*"(\.{1,2}\/[^"]+)"/g),
            ...text.matchAll(/new URL\(\s*"(\.{1,2}\/[^"]+)",\s*import\.meta\.url\s*\)/g),
            ...text.matchAll(/sourceMappingURL=(\S+)/g),
          ].map((m) => m[1] as string);
          for (const target of specifiers) {
            if (!inside(target)) problems.push(`${pkg.name}/${file} → ${target}`);
          }
        }
        if (file.endsWith(".map")) {
          for (const source of (JSON.parse(text) as { sources: string[] }).sources) {
            if (!inside(source)) problems.push(`${pkg.name}/${file} → ${source}`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it("depends on its siblings by semver ranges of their published versions", () => {
    const versions = new Map([...packed.values()].map((p) => [p.name, p.version]));
    for (const pkg of packed.values()) {
      for (const field of ["dependencies", "peerDependencies", "optionalDependencies"]) {
        const deps = (pkg.manifest[field] ?? {}) as Record<string, string>;
        for (const [name, range] of Object.entries(deps)) {
          expect(range, `${pkg.name} ${field} ${name}`).not.toMatch(/^(workspace:|file:|link:|\*)/);
          const version = versions.get(name);
          if (version) expect(range, `${pkg.name} → ${name}`).toBe(`^${version}`);
        }
      }
    }
  });
});

describe("installed from the tarballs into a fresh project", () => {
  it("npx soundgate --help, --version and npx soundgate-emulator --help work", async () => {
    const help = ok(await sh(["npx", "--no-install", "soundgate", "--help"], consumer), "help");
    expect(help.stdout).toContain("soundgate <command> [options]");
    expect(help.stdout).toContain("serve");
    const version = ok(await sh(["npx", "--no-install", "soundgate", "--version"], consumer), "v");
    expect(version.stdout.trim()).toBe(`soundgate ${packed.get("cli")?.version}`);
    const emulator = await sh(["npx", "--no-install", "soundgate-emulator", "--help"], consumer);
    expect(emulator.code).toBe(0);
    expect(emulator.stdout + emulator.stderr).toContain("--port");
  }, 60_000);

  it("imports each package and entry point", async () => {
    const expected: Record<string, string[]> = {
      soundgate: ["createPkce", "TokenManager", "createSoundCloud"],
      "soundgate/exit-codes": ["EXIT", "EXIT_MEANINGS"],
      "@soundgate/server": ["startGateway", "createSoundgate", "loadConfig"],
      "@soundgate/emulator": ["startEmulator", "StateFileError"],
      "@soundgate/browser": ["createSoundgateClient", "SoundgateError"],
      "@soundgate/cli": ["runCli", "EXIT"],
      "@soundgate/authjs": ["default", "SoundCloud", "soundcloudRefresh", "postgresCoordination"],
      "@soundgate/better-auth": ["soundcloud", "soundcloudProvider", "postgresLock"],
    };
    for (const [specifier, names] of Object.entries(expected)) {
      const ran = ok(
        await sh(
          [
            process.execPath,
            "--input-type=module",
            "-e",
            `const m = await import(${JSON.stringify(specifier)}); console.log(JSON.stringify(Object.keys(m)));`,
          ],
          consumer,
        ),
        `import ${specifier}`,
      );
      expect(JSON.parse(ran.stdout), specifier).toEqual(expect.arrayContaining(names));
    }
  }, 120_000);

  it("has types that resolve under moduleResolution nodenext (strict, libraries checked)", async () => {
    await writeFile(
      join(consumer, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          module: "nodenext",
          moduleResolution: "nodenext",
          target: "es2022",
          lib: ["es2023", "dom", "dom.iterable"],
          types: ["node"],
          strict: true,
          noEmit: true,
          skipLibCheck: false,
        },
        files: ["consumer.ts"],
      }),
    );
    await writeFile(join(consumer, "consumer.ts"), CONSUMER_TS);
    const tsc = await sh(
      [process.execPath, join(consumer, "node_modules", "typescript", "bin", "tsc"), "-p", "."],
      consumer,
      {},
      120_000,
    );
    expect(tsc.stdout + tsc.stderr).toBe("");
    expect(tsc.code).toBe(0);
    // tsc checking every library's types takes seconds alone and far longer beside a full
    // parallel run: the child has 120 s, so the test must too.
  }, 150_000);

  it("has types for the Auth.js and better-auth adapters beside their peers", async () => {
    await writeFile(
      join(consumer, "tsconfig.adapters.json"),
      JSON.stringify({
        extends: "./tsconfig.json",
        compilerOptions: { skipLibCheck: true },
        files: ["adapters.ts"],
      }),
    );
    await writeFile(join(consumer, "adapters.ts"), CONSUMER_ADAPTERS_TS);
    const tsc = await sh(
      [
        process.execPath,
        join(consumer, "node_modules", "typescript", "bin", "tsc"),
        "-p",
        "tsconfig.adapters.json",
      ],
      consumer,
      {},
      120_000,
    );
    expect(tsc.stdout + tsc.stderr).toBe("");
    expect(tsc.code).toBe(0);
  }, 150_000);

  it("runs the gateway on the built-in emulator (on PostgreSQL), and a BFF login works", async (test) => {
    if (!database) return test.skip();
    const ports = { gateway: await freePort(), emulator: await freePort() };
    const { spawn } = await import("node:child_process");
    const child = spawn(
      "npx",
      ["--no-install", "soundgate", "serve", "--port", `${ports.gateway}`],
      {
        cwd: consumer,
        env: {
          PATH: process.env.PATH ?? "",
          HOME: process.env.HOME ?? homedir(),
          SOUNDGATE_DATABASE_URL: database.url,
          SOUNDGATE_DATA_DIR: join(consumer, "data"),
          SOUNDGATE_EMULATOR_PORT: String(ports.emulator),
          SOUNDGATE_LOG_LEVEL: "warn",
        },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let output = "";
    child.stdout.on("data", (chunk) => {
      output += chunk;
    });
    child.stderr.on("data", (chunk) => {
      output += chunk;
    });
    try {
      await expect.poll(() => output, { timeout: 30_000 }).toMatch(/listening on http:\/\/\S+/);
      const url = /listening on (http:\/\/\S+)/.exec(output)?.[1] as string;
      expect(url).toBe(`http://localhost:${ports.gateway}`);
      expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ status: "ok", store: "ok" });
      const emulator = emulatorAt(`http://127.0.0.1:${ports.emulator}`);
      const { jar } = await loginViaBff(emulator, { url }, { returnTo: `${url}/` });
      const me = await fetch(`${url}/api/soundcloud/me`, { headers: { Cookie: jar.header() } });
      expect(me.status).toBe(200);
      expect(await me.json()).toMatchObject({ username: "nightjar-audio" });
    } finally {
      child.kill("SIGTERM");
      if (child.exitCode === null) await new Promise((r) => child.once("exit", r));
    }
  });

  it("says what to do when SQLite's native module is not built, and exits 8", async () => {
    const ran = await sh(["npx", "--no-install", "soundgate", "serve", "--port", "0"], consumer, {
      SOUNDGATE_DATA_DIR: join(consumer, "data-sqlite"),
      SOUNDGATE_EMULATOR_PORT: "0",
    });
    expect(ran.code).toBe(EXIT.missingPackage);
    expect(ran.stderr).toContain("SQLite's native module (better-sqlite3) is not built");
    expect(ran.stderr).toContain("npm rebuild better-sqlite3");
    expect(ran.stderr).not.toContain("Could not locate the bindings file");
  });
});

function existsFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

// What a TypeScript user of each package writes first. The @ts-expect-error lines fail the
// compile if a package's types were missing (everything would be `any`).
const CONSUMER_TS = `import { createPkce, createSoundCloud, MemoryTokenStore, TokenManager } from "soundgate";
import { EXIT } from "soundgate/exit-codes";
import { createSoundgate, type GatewayConfig, loadConfig, type RunningGateway, startGateway } from "@soundgate/server";
import { type EmulatorOptions, type RunningEmulator, startEmulator } from "@soundgate/emulator";
import { createSoundgateClient, type SoundgateClient } from "@soundgate/browser";
import { runCli } from "@soundgate/cli";

const emulatorOptions: EmulatorOptions = { port: 0, accessTokenTtlS: 60 };
export const emulator: Promise<RunningEmulator> = startEmulator(emulatorOptions);
export const gateway = (config: GatewayConfig): Promise<RunningGateway> => startGateway({ config });
export const config: GatewayConfig = loadConfig({ SOUNDGATE_PORT: "0" });
export const client: SoundgateClient = createSoundgateClient({ gatewayUrl: "http://localhost:8787" });
export const cli: Promise<number> = runCli(["--version"]);
export const exit: number = EXIT.ok;
export const pkce = createPkce();
export const library = createSoundgate;
export const sc = createSoundCloud;
export const manager = TokenManager;
export const store = new MemoryTokenStore();
// @ts-expect-error loadConfig takes an environment, not a number
loadConfig(42);
// @ts-expect-error EmulatorOptions has no such option
export const wrong: EmulatorOptions = { prot: 1 };
// @ts-expect-error runCli takes the arguments as strings
runCli([1]);
`;

// The framework adapters, as their READMEs use them. Checked with skipLibCheck: the peers'
// own declarations do not compile on their own (@auth/core's name modules it does not
// depend on; better-auth's name bun:sqlite), which is theirs to fix. Missing or broken
// types of ours still fail: the imports would be \`any\` and the @ts-expect-error unused.
const CONSUMER_ADAPTERS_TS = `import type { OAuthConfig } from "@auth/core/providers";
import SoundCloud, { type SoundCloudProfile, soundcloudRefresh } from "@soundgate/authjs";
import { soundcloud } from "@soundgate/better-auth";
import { betterAuth } from "better-auth";

export const provider: OAuthConfig<SoundCloudProfile> = SoundCloud({ clientId: "id" });
export const callbacks = soundcloudRefresh();
export const auth = betterAuth({ plugins: [soundcloud()] });
// @ts-expect-error the provider takes an options object
SoundCloud("id");
// @ts-expect-error the plugin takes an options object
soundcloud(42);
`;
