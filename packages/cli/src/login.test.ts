import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type RunningEmulator, startEmulator } from "@soundgate/emulator";
import { EXIT } from "soundgate/exit-codes";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

// The CLI runs from dist, as users run it (npm test builds first).
const cli = fileURLToPath(new URL("../bin/soundgate.js", import.meta.url));
const CLIENT = { client_id: "cli-test-app", client_secret: "cli-test-secret" };

let emulator: RunningEmulator;
let port: number;
let redirectUri: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  port = await freePort();
  redirectUri = `http://127.0.0.1:${port}/callback`;
  emulator = await startEmulator({
    port: 0,
    clients: [{ ...CLIENT, redirect_uris: [redirectUri] }],
    autoApprove: true,
  });
});
afterAll(() => emulator.close());
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A running `soundgate …` whose output can be awaited line by line. */
function start(args: string[], env: Record<string, string>, cwd: string) {
  const child = spawn(process.execPath, [cli, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk) => {
    stdout += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    stderr += chunk;
  });
  return {
    output: () => ({ stdout, stderr }),
    exit: async () => {
      if (child.exitCode === null) await once(child, "exit");
      return child.exitCode;
    },
    /** The authorize URL the login prints for the person to open. */
    authorizeUrl: () =>
      new Promise<URL>((resolve, reject) => {
        const check = () => {
          const match = /(http:\/\/127\.0\.0\.1:\d+\/authorize\?\S+)/.exec(stderr);
          if (match) resolve(new URL(match[1] as string));
        };
        check();
        child.stderr?.on("data", check);
        child.once("exit", () => reject(new Error(`exited first: ${stderr}`)));
      }),
  };
}

async function session() {
  const configDir = join(await mkdtemp(join(tmpdir(), "soundgate-login-")), "config");
  const env = {
    SOUNDGATE_CONFIG_DIR: configDir,
    SOUNDCLOUD_CLIENT_ID: CLIENT.client_id,
    SOUNDCLOUD_CLIENT_SECRET: CLIENT.client_secret,
    SOUNDCLOUD_AUTH_URL: emulator.url,
    SOUNDCLOUD_API_URL: emulator.url,
  };
  return { configDir, env, cwd: join(configDir, "..") };
}

const loginArgs = () => ["login", "--no-browser", "--port", String(port), "--timeout", "20"];

describe("soundgate login in a browser (the person's side played by the test)", () => {
  it("prints a PKCE authorize URL, ignores a forged answer, and finishes on the real one", async () => {
    const { configDir, env, cwd } = await session();
    const login = start(loginArgs(), env, cwd);
    const url = await login.authorizeUrl();
    expect(url.searchParams.get("client_id")).toBe(CLIENT.client_id);
    expect(url.searchParams.get("redirect_uri")).toBe(redirectUri);
    expect(url.searchParams.get("code_challenge_method")).toBe("S256");
    expect(url.searchParams.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url.searchParams.get("state")?.length).toBeGreaterThanOrEqual(43);

    const forged = await fetch(`${redirectUri}?code=stolen&state=guess`);
    expect(forged.status).toBe(400);
    await forged.text();

    // The browser: SoundCloud (auto-approving) redirects back to the loopback address.
    const consent = await fetch(url, { redirect: "manual" });
    const back = consent.headers.get("location") as string;
    expect(back.startsWith(`${redirectUri}?`)).toBe(true);
    const done = await fetch(back);
    expect(done.status).toBe(200);
    expect(done.headers.get("referrer-policy")).toBe("no-referrer");
    expect(await done.text()).toContain("You can close this tab");

    expect(await login.exit()).toBe(0);
    expect(login.output().stderr).toContain("Logged in to SoundCloud as nightjar-audio");
    // The app's secret stays in the environment; it is never written to disk.
    const saved = await readFile(join(configDir, "session.json"), "utf8");
    expect(saved).not.toContain(CLIENT.client_secret);
    expect(JSON.parse(saved)).toMatchObject({ clientId: CLIENT.client_id, redirectUri });
  });

  it("refreshes with the secret from the environment, and says so when it is missing", async () => {
    const { configDir, env, cwd } = await session();
    const login = start(loginArgs(), env, cwd);
    const consent = await fetch(await login.authorizeUrl(), { redirect: "manual" });
    await (await fetch(consent.headers.get("location") as string)).text();
    expect(await login.exit()).toBe(0);

    const file = join(configDir, "default.tokens.json");
    const stored = JSON.parse(await readFile(file, "utf8"));
    await writeFile(file, JSON.stringify({ ...stored, expiresAt: Date.now() - 1000 }));
    const { SOUNDCLOUD_CLIENT_SECRET: _, ...withoutSecret } = env;
    const blocked = start(["token"], withoutSecret, cwd);
    expect(await blocked.exit()).toBe(EXIT.config);
    expect(blocked.output().stderr).toContain("SOUNDCLOUD_CLIENT_SECRET");
    // ./.env is read too.
    await writeFile(join(cwd, ".env"), `SOUNDCLOUD_CLIENT_SECRET=${CLIENT.client_secret}\n`);
    const refreshed = start(["token"], withoutSecret, cwd);
    expect(await refreshed.exit()).toBe(0);
    expect(refreshed.output().stdout.trim()).toMatch(/^at_/);
    expect(refreshed.output().stdout.trim()).not.toBe(stored.accessToken);
  });

  it("exits 5 (auth) when the person denies access", async () => {
    const { env, cwd } = await session();
    const login = start(loginArgs(), env, cwd);
    const state = (await login.authorizeUrl()).searchParams.get("state") as string;
    const denied = await fetch(
      `${redirectUri}?error=access_denied&state=${encodeURIComponent(state)}`,
    );
    expect(await denied.text()).toContain("did not grant access");
    expect(await login.exit()).toBe(EXIT.auth);
    expect(login.output().stderr).toContain("access_denied");
  });

  it("exits 5 (auth) when nobody answers in time", async () => {
    const { env, cwd } = await session();
    const login = start([...loginArgs().slice(0, -1), "1"], env, cwd);
    expect(await login.exit()).toBe(EXIT.auth);
    expect(login.output().stderr).toContain("no answer from the browser within 1 s");
  });

  it("exits 130 and frees the port when interrupted", async () => {
    const { env, cwd } = await session();
    const login = start(loginArgs(), env, cwd);
    await login.authorizeUrl();
    children.at(-1)?.kill("SIGINT");
    expect(await login.exit()).toBe(EXIT.interrupted);
    expect(login.output().stderr).toContain("login cancelled");
    const again = start(loginArgs(), env, cwd);
    await again.authorizeUrl();
    children.at(-1)?.kill("SIGINT");
    expect(await again.exit()).toBe(EXIT.interrupted);
  });

  it("exits 3 without credentials, or when the port is taken", async () => {
    const { env, cwd } = await session();
    const none = start(loginArgs(), { SOUNDGATE_CONFIG_DIR: env.SOUNDGATE_CONFIG_DIR }, cwd);
    expect(await none.exit()).toBe(EXIT.config);
    expect(none.output().stderr).toContain("SOUNDCLOUD_CLIENT_ID");
    const first = start(loginArgs(), env, cwd);
    await first.authorizeUrl();
    const second = start(loginArgs(), env, cwd);
    expect(await second.exit()).toBe(EXIT.config);
    expect(second.output().stderr).toContain(`127.0.0.1:${port}`);
  });

  it("exits 2 on bad flags, and 4 when SoundCloud cannot be reached", async () => {
    const { env, cwd } = await session();
    const bad = start(["login", "--auto-approve"], env, cwd);
    expect(await bad.exit()).toBe(EXIT.usage);
    const offline = await startEmulator({ port: 0, autoApprove: true });
    const unreachable = offline.url;
    const logged = start(
      ["login", "--emulator", "--auto-approve", "--emulator-url", unreachable],
      env,
      cwd,
    );
    expect(await logged.exit()).toBe(0);
    await offline.close();
    const whoami = start(["whoami"], env, cwd);
    expect(await whoami.exit()).toBe(EXIT.unreachable);
    expect(whoami.output().stderr).toContain("Could not reach SoundCloud");
  });

  it("exits 4 when no emulator answers, and stores nothing", async () => {
    const { configDir, env, cwd } = await session();
    const gone = await startEmulator({ port: 0 });
    await gone.close();
    for (const args of [
      ["--emulator-url", gone.url],
      [], // the default emulator URL, overridden by the variable
    ]) {
      const login = start(
        ["login", "--emulator", "--auto-approve", ...args],
        {
          ...env,
          SOUNDGATE_EMULATOR_URL: gone.url,
        },
        cwd,
      );
      expect(await login.exit()).toBe(EXIT.unreachable);
      expect(login.output().stderr).toBe(
        `soundgate: no SoundCloud emulator answers at ${gone.url}; start one with \`soundgate emulator\` (or \`npx soundgate-emulator\`), or name another with --emulator-url\n`,
      );
    }
    await expect(readFile(join(configDir, "session.json"))).rejects.toThrow(/ENOENT/);
  });
});
