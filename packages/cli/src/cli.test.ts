import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { EXIT } from "soundgate/exit-codes";
import { afterEach, describe, expect, it } from "vitest";

// The CLI runs from dist, as users run it (npm test builds first).
const cli = fileURLToPath(new URL("../bin/soundgate.js", import.meta.url));
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
});

function run(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [cli, ...args], {
    env: { PATH: process.env.PATH ?? "", SOUNDGATE_LOG_LEVEL: "silent", ...env },
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
    child,
    output: () => ({ stdout, stderr }),
    exit: async () => {
      if (child.exitCode === null) await once(child, "exit");
      return child.exitCode;
    },
    listening: () =>
      new Promise<string>((resolve, reject) => {
        // On stderr when stdout carries JSON logs (off a terminal), else on stdout.
        const check = () => {
          const match = /listening on (http:\/\/\S+)/.exec(stdout + stderr);
          if (match) resolve(match[1] as string);
        };
        child.stdout?.on("data", check);
        child.stderr?.on("data", check);
        child.once("exit", () => reject(new Error(`exited: ${stderr}`)));
      }),
  };
}

describe("soundgate CLI", () => {
  it("serve starts on the emulator when no credentials are set, answers, and stops on SIGTERM", async () => {
    const proc = run(["serve", "--port", "0"], {
      SOUNDGATE_EMULATOR_PORT: "0",
      SOUNDGATE_DATABASE_URL: "sqlite::memory:",
      SOUNDGATE_ENCRYPTION_KEYS: `k:${Buffer.alloc(32, 3).toString("base64")}`,
    });
    const url = await proc.listening();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(proc.output().stderr).toContain("the built-in emulator on port");
    const health = await fetch(`${url}/healthz`);
    expect(await health.json()).toEqual({ status: "ok", store: "ok" });
    const home = await fetch(`${url}/`);
    expect(await home.text()).toContain("Connect with SoundCloud");
    proc.child.kill("SIGTERM");
    expect(await proc.exit()).toBe(0);
  });

  it("exits 3 with one line naming the variable on bad configuration", async () => {
    const proc = run(["serve"], { SOUNDGATE_ALLOWED_RETURN_TO: "javascript:alert(1)" });
    expect(await proc.exit()).toBe(EXIT.config);
    expect(proc.output().stderr.trim().split("\n")).toHaveLength(1);
    expect(proc.output().stderr).toContain("SOUNDGATE_ALLOWED_RETURN_TO");
  });

  it("refuses to run without credentials in production", async () => {
    const proc = run(["serve"], { NODE_ENV: "production" });
    expect(await proc.exit()).toBe(EXIT.config);
    expect(proc.output().stderr).toContain("SOUNDCLOUD_CLIENT_ID");
  });

  it("exits 2 on usage errors and prints help", async () => {
    const unknown = run(["frobnicate"]);
    expect(await unknown.exit()).toBe(EXIT.usage);
    expect(unknown.output().stderr).toContain('unknown command "frobnicate"');
    const badPort = run(["serve", "--port", "eighty"]);
    expect(await badPort.exit()).toBe(EXIT.usage);
    const help = run(["--help"]);
    expect(await help.exit()).toBe(0);
    expect(help.output().stdout).toContain("serve [--port N]");
  });

  it("generates encryption keys that the gateway accepts", async () => {
    const proc = run(["keys", "generate"]);
    expect(await proc.exit()).toBe(0);
    const key = proc.output().stdout.trim();
    expect(key).toMatch(/^[A-Za-z0-9_-]+:[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(key.split(":")[1] ?? "", "base64")).toHaveLength(32);
  });
});
