// @ts-check
// `npm run example:nextjs`: installs the Next.js example on first use (its own lockfile,
// kept out of the repository's install), builds it, and runs `next start` against the
// emulator, or against SoundCloud when SOUNDCLOUD_CLIENT_ID and _SECRET are set.
// `-- --dev` runs `next dev` instead of a production build.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ExampleConfigError, isMain } from "./example-main.js";
import { startOfflineSoundCloud, usesSoundCloud } from "./offline-soundcloud.js";

const APP_DIR = fileURLToPath(new URL("./nextjs/", import.meta.url));
const NEXT = join(APP_DIR, "node_modules", ".bin", "next");

/** Is the example's own install there? */
export function nextjsInstalled() {
  return existsSync(join(APP_DIR, "node_modules", "next", "package.json"));
}

/**
 * @param {string} command
 * @param {string[]} args
 * @param {NodeJS.ProcessEnv} [env]
 * @returns {Promise<void>}
 */
function run(command, args, env = process.env) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: APP_DIR, env, stdio: "inherit" });
    child.once("error", reject);
    child.once("exit", (code, signal) =>
      code === 0
        ? resolve()
        : reject(new Error(`${command} ${args.join(" ")}: ${signal ?? `exit ${code}`}`)),
    );
  });
}

/** PORT, or with PORT=0 a port that is free now (next start needs a number up front). */
async function choosePort() {
  const wanted = Number(process.env.PORT ?? 3000);
  if (wanted !== 0) return wanted;
  const probe = createServer();
  await new Promise((resolve) => probe.listen(0, "127.0.0.1", () => resolve(undefined)));
  const { port } = /** @type {import("node:net").AddressInfo} */ (probe.address());
  await new Promise((resolve) => probe.close(() => resolve(undefined)));
  return port;
}

async function main() {
  const dev = process.argv.includes("--dev");
  const real = usesSoundCloud(); // a half-set configuration stops here, before any work
  if (!nextjsInstalled()) {
    console.log("Installing the Next.js example's dependencies (once)…");
    await run("npm", ["ci", "--no-audit", "--no-fund"]);
  }
  if (!dev) await run(NEXT, ["build"], { ...process.env, NEXT_TELEMETRY_DISABLED: "1" });

  const port = await choosePort();
  const baseUrl = `http://localhost:${port}`;
  const redirectUri = process.env.SOUNDCLOUD_REDIRECT_URI ?? `${baseUrl}/soundcloud/callback`;
  /** @type {NodeJS.ProcessEnv} */
  const env = {
    ...process.env,
    NEXT_TELEMETRY_DISABLED: "1",
    SOUNDCLOUD_REDIRECT_URI: redirectUri,
  };
  /** @type {string | undefined} */
  let scratch;
  if (!real) {
    const offline = await startOfflineSoundCloud(redirectUri);
    // The emulator forgets everything on exit: so do the throwaway key and database.
    scratch = mkdtempSync(join(tmpdir(), "soundgate-nextjs-"));
    Object.assign(env, {
      SOUNDCLOUD_CLIENT_ID: offline.clientId,
      SOUNDCLOUD_CLIENT_SECRET: offline.clientSecret,
      SOUNDCLOUD_AUTH_URL: offline.emulatorUrl,
      SOUNDCLOUD_API_URL: offline.emulatorUrl,
      SOUNDGATE_ENCRYPTION_KEYS: `example:${randomBytes(32).toString("base64")}`,
      SOUNDGATE_DATABASE_URL: `sqlite:${join(scratch, "soundgate.db")}`,
    });
  }
  const next = spawn(
    NEXT,
    [dev ? "dev" : "start", "--port", String(port), "--hostname", "localhost"],
    {
      cwd: APP_DIR,
      env,
      stdio: "inherit",
    },
  );
  for (const signal of /** @type {const} */ (["SIGINT", "SIGTERM"]))
    process.on(signal, () => next.kill(signal));
  next.once("exit", (code, signal) => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
    process.exit(code ?? (signal ? 1 : 0));
  });
}

if (isMain(import.meta.url)) {
  try {
    await main();
  } catch (error) {
    if (!(error instanceof ExampleConfigError)) throw error;
    console.error(`Next.js example: ${error.message}`);
    process.exit(2);
  }
}
