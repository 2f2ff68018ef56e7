import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeAll, describe, expect, it } from "vitest";

const packageDir = fileURLToPath(new URL("..", import.meta.url));
const cli = fileURLToPath(new URL("../bin/soundgate-emulator.js", import.meta.url));

// The CLI runs from dist, as users run it: build first (incremental, so cheap when fresh).
beforeAll(() => {
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  execFileSync(process.execPath, [tsc, "-b", packageDir], { stdio: "pipe" });
}, 120_000);

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
});

interface Started {
  child: ChildProcess;
  lines: string[];
  stderr: () => string;
}

/** Spawns the CLI and resolves once it has printed `count` stdout lines. */
function startCli(args: string[], count: number): Promise<Started> {
  const child = spawn(process.execPath, [cli, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let out = "";
  let err = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    err += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const lines = out.split("\n").filter(Boolean);
      if (lines.length >= count) resolve({ child, lines, stderr: () => err });
    });
    child.on("exit", (code) => reject(new Error(`exited with ${code}: ${err}`)));
  });
}

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    children.push(child);
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}

describe("soundgate-emulator", () => {
  it("prints where it listens, serves the control surface and stops on SIGTERM", async () => {
    const { child, lines } = await startCli(["--port", "0"], 1);
    expect(lines).toHaveLength(1);
    const match = /^listening on (http:\/\/127\.0\.0\.1:(\d+))$/.exec(lines[0] ?? "");
    expect(match).not.toBeNull();
    const res = await fetch(`${match?.[1]}/_emulator/stats`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ api_requests: 0 });
    const exited = exitOf(child);
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  });

  it("registers a client, names it without its secret, and auto-approves", async () => {
    const { child, lines, stderr } = await startCli(
      [
        "--port=0",
        "--client-id",
        "cli-app",
        "--client-secret",
        "cli-secret-value",
        "--redirect-uri",
        "http://localhost:5173/callback",
        "--redirect-uri",
        "http://localhost:5173/other",
        "--client-name",
        "My CLI App",
        "--auto-approve",
        "--access-token-ttl",
        "120",
      ],
      2,
    );
    expect(lines[1]).toBe('registered client cli-app "My CLI App" (2 redirect URI(s))');
    expect(lines.join("\n") + stderr()).not.toContain("cli-secret-value");
    const url = /^listening on (\S+)$/.exec(lines[0] ?? "")?.[1] ?? "";
    const config = (await (await fetch(`${url}/_emulator/config`)).json()) as {
      auto_approve: unknown;
      access_token_ttl_s: number;
    };
    expect(config).toMatchObject({ auto_approve: true, access_token_ttl_s: 120 });
    const exited = exitOf(child);
    child.kill("SIGINT");
    expect(await exited).toBe(0);
  });

  it.each([
    [["--bogus"], /unknown option --bogus/],
    [["--port", "abc"], /--port/],
    [["--port", "70000"], /--port/],
    [["--client-id", "x"], /--client-secret/],
    [["--client-id", "x", "--client-secret", "y"], /--redirect-uri/],
    [["--client-id", "x", "--client-secret", "y", "--redirect-uri", "ftp://x"], /http/],
    [["--auto-approve", "mallory", "--port", "0"], /mallory/],
    [["--client-name", "x"], /--client-name needs --client-id/],
    [["--latency-ms", "-5"], /--latency-ms/],
    [["stray"], /unexpected argument/],
    [["--plays-quota", "many"], /--plays-quota/],
  ])("exits 2 with one clear line for %j", async (args, pattern) => {
    const { code, stdout, stderr } = await run(args);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    const lines = stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(pattern);
  });

  it("--state-file keeps registered clients across restarts; a corrupt file exits 3", async () => {
    const dir = mkdtempSync(join(tmpdir(), "emulator-cli-"));
    const file = join(dir, "state.json");
    try {
      const first = await startCli(
        ["--port", "0", "--state-file", file, "--plays-quota", "off"],
        1,
      );
      const url = /^listening on (\S+)$/.exec(first.lines[0] ?? "")?.[1] ?? "";
      const registered = await fetch(`${url}/_emulator/clients`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          client_id: "kept-app",
          client_secret: "kept-secret",
          redirect_uris: ["http://localhost:5173/callback"],
        }),
      });
      expect(registered.status).toBe(201);
      const config = (await (await fetch(`${url}/_emulator/config`)).json()) as {
        rate_limits: { plays_per_client: unknown };
      };
      expect(config.rate_limits.plays_per_client).toBeNull();
      let exited = exitOf(first.child);
      first.child.kill("SIGTERM");
      expect(await exited).toBe(0);

      const second = await startCli(["--port", "0", "--state-file", file], 1);
      const again = /^listening on (\S+)$/.exec(second.lines[0] ?? "")?.[1] ?? "";
      const clients = (await (await fetch(`${again}/_emulator/clients`)).json()) as unknown[];
      expect(clients).toEqual([
        { client_id: "kept-app", redirect_uris: ["http://localhost:5173/callback"] },
      ]);
      exited = exitOf(second.child);
      second.child.kill("SIGTERM");
      expect(await exited).toBe(0);

      writeFileSync(file, readFileSync(file, "utf8").slice(0, 100));
      const { code, stdout, stderr } = await run(["--port", "0", "--state-file", file]);
      expect(code).toBe(3);
      expect(stdout).toBe("");
      expect(stderr.trim().split("\n")).toEqual([
        `soundgate-emulator: state file ${file}: is not valid JSON (corrupt or truncated); nothing was changed. Move the file away to start from the seeded data.`,
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("--help describes every flag and exits 0", async () => {
    const { code, stdout } = await run(["--help"]);
    expect(code).toBe(0);
    for (const flag of [
      "--port",
      "--host",
      "--client-id",
      "--client-secret",
      "--redirect-uri",
      "--access-token-ttl",
      "--code-ttl",
      "--auto-approve",
      "--latency-ms",
      "--public-url",
      "--plays-quota",
      "--state-file",
      "--help",
    ]) {
      expect(stdout).toContain(flag);
    }
  });
});
