import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { chmod, mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type RunningEmulator, startEmulator } from "@soundgate/emulator";
import { EXIT } from "soundgate/exit-codes";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

// `soundgate login` with a browser opener, and a second local process that reads the
// opener's command line (as any local account can, in /proc/<pid>/cmdline) and races
// the loopback listener with it. The CLI runs from dist, as users run it.
const cli = fileURLToPath(new URL("../bin/soundgate.js", import.meta.url));
const CLIENT = { client_id: "cli-opener-app", client_secret: "cli-opener-secret" };
const VICTIM = "nightjar-audio";
const ATTACKER = "copperline";

let emulator: RunningEmulator;
let dir: string;
let opener: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "soundgate-opener-"));
  // The "browser": does nothing but stay alive with the URL in its argv.
  opener = join(dir, "fake-browser");
  await writeFile(opener, "#!/bin/sh\nsleep 60\n");
  await chmod(opener, 0o755);
  emulator = await startEmulator({ port: 0 });
});
afterAll(() => emulator.close());
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
  // The openers are the CLI's detached children.
  for (const pid of openerPids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {}
  }
  openerPids.clear();
});
const openerPids = new Set<number>();

async function configure(patch: Record<string, unknown>) {
  const response = await fetch(`${emulator.url}/_emulator/config`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(patch),
  });
  expect(response.ok).toBe(true);
}

async function startLogin(port: number) {
  const redirectUri = `http://127.0.0.1:${port}/callback`;
  await fetch(`${emulator.url}/_emulator/clients`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ ...CLIENT, redirect_uris: [redirectUri] }),
  });
  const configDir = join(await mkdtemp(join(dir, "login-")), "config");
  const child = spawn(process.execPath, [cli, "login", "--port", String(port), "--timeout", "20"], {
    cwd: dir,
    env: {
      PATH: process.env.PATH ?? "",
      BROWSER: opener,
      SOUNDGATE_CONFIG_DIR: configDir,
      SOUNDCLOUD_CLIENT_ID: CLIENT.client_id,
      SOUNDCLOUD_CLIENT_SECRET: CLIENT.client_secret,
      SOUNDCLOUD_AUTH_URL: emulator.url,
      SOUNDCLOUD_API_URL: emulator.url,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let stderr = "";
  child.stderr?.on("data", (chunk) => {
    stderr += chunk;
  });
  return {
    configDir,
    stderr: () => stderr,
    exit: async () => {
      if (child.exitCode === null) await once(child, "exit");
      return child.exitCode;
    },
  };
}

/** What another local account sees: the opener's argv, from /proc. */
async function readOpenerArgv(): Promise<string[]> {
  for (let attempt = 0; attempt < 200; attempt++) {
    for (const entry of await readdir("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      let cmdline: string;
      try {
        cmdline = await readFile(`/proc/${entry}/cmdline`, "utf8");
      } catch {
        continue;
      }
      const argv = cmdline.split("\0").filter(Boolean);
      if (argv.some((arg) => arg === opener)) {
        openerPids.add(Number(entry));
        return argv.slice(argv.indexOf(opener) + 1);
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("the browser opener never ran");
}

/** Approve at the emulator as `username` and bring SoundCloud's answer to the loopback. */
async function approveAndDeliver(authorizeUrl: string, username: string) {
  await configure({ auto_approve: username });
  const consent = await fetch(authorizeUrl, { redirect: "manual" });
  const back = consent.headers.get("location");
  if (!back) throw new Error(`emulator: ${consent.status}`);
  return fetch(back);
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function loggedInAs(configDir: string): Promise<string | undefined> {
  const file = join(configDir, "session.json");
  if (!existsSync(file)) return undefined;
  const saved = JSON.parse(await readFile(file, "utf8")) as { user: { username: string } };
  return saved.user.username;
}

describe.runIf(process.platform === "linux")("soundgate login's browser opener", () => {
  it("gets no secret: its argv holds only a one-time local link", async () => {
    const login = await startLogin(await freePort());
    const argv = await readOpenerArgv();
    expect(argv).toHaveLength(1);
    const link = new URL(argv[0] as string);
    expect(link.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    for (const secret of ["state", "code_challenge", "client_id", "redirect_uri"]) {
      expect(link.searchParams.has(secret)).toBe(false);
    }
    expect(argv[0]).not.toContain(emulator.url.replace("http://", ""));
    // The person's browser follows it to SoundCloud and back: logged in.
    const first = await fetch(link, { redirect: "manual" });
    expect(first.status).toBe(302);
    expect(first.headers.get("referrer-policy")).toBe("no-referrer");
    const done = await approveAndDeliver(first.headers.get("location") as string, VICTIM);
    expect(done.status).toBe(200);
    expect(await login.exit()).toBe(0);
    expect(await loggedInAs(login.configDir)).toBe(VICTIM);
  });

  it("cannot be raced by another local account that reads the opener's argv", async () => {
    const login = await startLogin(await freePort());
    // The attacker polls /proc and is faster than any browser: it opens what the opener
    // was given and takes SoundCloud's authorize URL (with the login's state) from it.
    const [link = ""] = await readOpenerArgv();
    const stolen = await fetch(link, { redirect: "manual" });
    const authorizeUrl = stolen.headers.get("location") ?? link;
    // The person's browser opens the link too, a moment later.
    const browser = await fetch(link, { redirect: "manual" });
    // The attacker approves with their own SoundCloud account and answers the listener.
    const answer = await approveAndDeliver(authorizeUrl, ATTACKER).catch(() => undefined);
    // The login was called off when the link was opened twice: nobody is linked, and
    // both the terminal and the browser say why.
    expect(await login.exit()).toBe(EXIT.auth);
    expect(await loggedInAs(login.configDir)).toBeUndefined();
    expect(login.stderr()).toContain("opened twice");
    expect(answer?.status ?? 400).not.toBe(200);
    expect(browser.status).toBe(400);
    expect(await browser.text()).toContain("already been opened");
  });
});
