// `soundgate serve` as `npm start` runs it: the real command, the demo page, the built-in
// emulator, and what it prints. One URL, which works from either loopback name.

import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import {
  collectPageErrors,
  DEMO_DIST,
  launchChromium,
  screenshot,
} from "@soundgate/test-support/browser";
import { type GatewayProcess, spawnGateway } from "@soundgate/test-support/gateway-process";
import type { Browser } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { serveBanner } from "./serve-banner.js";
import { freePort, SOUNDGATE_BIN, shellQuote } from "./test-support.js";

const KEYS = `k:${Buffer.alloc(32, 5).toString("base64")}`;
const running: GatewayProcess[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.stop()));
});

/** `soundgate serve --port <free> --static apps/demo/dist` on the built-in emulator. */
async function serveDemo(env: Record<string, string> = {}) {
  const port = await freePort();
  const gateway = await spawnGateway(
    {
      SOUNDGATE_EMULATOR_PORT: "0",
      SOUNDGATE_DATABASE_URL: "sqlite::memory:",
      SOUNDGATE_ENCRYPTION_KEYS: KEYS,
      ...env,
    },
    { args: ["--port", String(port), "--static", DEMO_DIST] },
  );
  running.push(gateway);
  return { gateway, port };
}

/** Every http(s) URL in a text, without trailing punctuation. */
function urlsIn(text: string): Set<string> {
  return new Set([...text.matchAll(/https?:\/\/[^\s"'),]+/g)].map((m) => m[0].replace(/\/$/, "")));
}

describe("soundgate serve prints one URL", () => {
  it("the public URL (http://localhost:<port>), and nothing on stdout but JSON log records", async () => {
    const { gateway, port } = await serveDemo({ SOUNDGATE_LOG_LEVEL: "info" });
    const open = `http://localhost:${port}`;
    expect(gateway.url).toBe(open);
    // Let the gateway's own `listening` record arrive too.
    await expect.poll(() => gateway.output()).toContain('"msg":"listening"');
    const [stdout, stderr] = [stdoutOf(gateway), stderrOf(gateway)];
    const records = stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records.find((r) => r.msg === "listening")).toMatchObject({ url: open });
    expect(records.find((r) => r.msg === "listening")).not.toHaveProperty("public_url");
    // The banner is for a person: on stderr while stdout carries JSON.
    expect(stderr).toContain(`Soundgate is listening on ${open}\n`);
    expect(stderr).toContain("the built-in emulator on port");
    expect(urlsIn(stdout + stderr)).toEqual(new Set([open]));
  });

  it("pretty logs (a terminal): the banner joins them on stdout, still one URL", async () => {
    const { gateway, port } = await serveDemo({
      SOUNDGATE_LOG_LEVEL: "info",
      SOUNDGATE_LOG_FORMAT: "pretty",
    });
    await expect.poll(() => stdoutOf(gateway)).toContain("Open it in a browser");
    expect(stdoutOf(gateway)).toMatch(/INFO {2}listening url=http:\/\/localhost:\d+\n/);
    expect(stderrOf(gateway)).toBe("");
    expect(urlsIn(gateway.output())).toEqual(new Set([`http://localhost:${port}`]));
  });

  it("names the metrics URL when /metrics is on its own port, and it answers", async () => {
    const { gateway } = await serveDemo({ SOUNDGATE_METRICS_PORT: "0" });
    const metrics = /metrics +(http:\/\/\S+)/.exec(stderrOf(gateway))?.[1];
    expect(metrics).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const answer = await fetch(metrics as string);
    expect(answer.status).toBe(200);
    expect(await answer.text()).toContain("soundgate_");
  });

  it("names /metrics on the main port, and that it needs the token, when only a token is set", async () => {
    const { gateway, port } = await serveDemo({
      SOUNDGATE_METRICS_TOKEN: "a-metrics-token-of-some-length",
    });
    expect(stderrOf(gateway)).toContain(
      `metrics     http://localhost:${port}/metrics (Authorization: Bearer $SOUNDGATE_METRICS_TOKEN)`,
    );
    expect(stderrOf(gateway)).not.toContain("a-metrics-token-of-some-length");
  });
});

// What `npm start` shows a person: `script` gives `soundgate serve` a pseudo-terminal, and
// with no SOUNDGATE_LOG_FORMAT the gateway must choose readable lines itself (the test
// above sets the format; this one proves the default). Without `script` the test is
// skipped locally, but under CI=true it runs (and fails): nothing silently.
describe("soundgate serve on a terminal, in development", () => {
  it.skipIf(spawnSync("script", ["--version"]).status !== 0 && process.env.CI !== "true")(
    "logs readable lines, no JSON, beside the banner and its one URL",
    async () => {
      const port = await freePort();
      // `exec` keeps the shell's pid, printed first: the test stops the gateway by it.
      const serve = [process.execPath, SOUNDGATE_BIN, "serve", "--port", String(port)]
        .map(shellQuote)
        .join(" ");
      const child = spawn("script", ["-qec", `echo "pid=$$"; exec ${serve}`, "/dev/null"], {
        env: {
          PATH: process.env.PATH ?? "",
          SOUNDGATE_EMULATOR_PORT: "0",
          SOUNDGATE_DATABASE_URL: "sqlite::memory:",
          SOUNDGATE_ENCRYPTION_KEYS: KEYS,
          SOUNDGATE_LOG_LEVEL: "info",
        },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let raw = "";
      child.stdout.on("data", (chunk) => {
        raw += chunk;
      });
      // On a pty stdout and stderr arrive together, with CRLF line ends; colours stripped.
      // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes.
      const text = () => raw.replace(/\r\n/g, "\n").replace(/\x1b\[[0-9;]*m/g, "");
      try {
        await expect.poll(text, { timeout: 20_000 }).toContain("Open it in a browser");
        expect((await fetch(`http://localhost:${port}/healthz`)).status).toBe(200);
        await expect.poll(text).toMatch(/ INFO {2}GET \/healthz 200 \d+ms\n/);
        const lines = text()
          .split("\n")
          .filter((line) => line.trim() !== "" && !line.startsWith("pid="));
        for (const line of lines) {
          // The banner (indented) or a record: time, level, message. Never a JSON object.
          expect(line).toMatch(/^ {2,}\S|^\d\d:\d\d:\d\d\.\d{3} (DEBUG|INFO|WARN|ERROR) {1,2}\S/);
        }
        expect(text()).toMatch(/ INFO {2}listening url=http:\/\/localhost:\d+\n/);
        expect(urlsIn(text())).toEqual(new Set([`http://localhost:${port}`]));
      } finally {
        if (child.exitCode === null) {
          await expect.poll(text).toMatch(/pid=\d+/);
          process.kill(Number(/pid=(\d+)/.exec(text())?.[1]), "SIGTERM");
          await once(child, "exit");
        }
      }
      expect(child.exitCode).toBe(0);
    },
  );
});

describe("a real Chromium, starting from the other loopback name", { timeout: 60_000 }, () => {
  let browser: Browser | undefined;
  beforeAll(async () => {
    browser = await launchChromium();
  }, 60_000);
  afterAll(() => browser?.close());

  it("opens http://127.0.0.1:<port>/, lands on localhost, and completes a login", async (test) => {
    if (!browser) return test.skip();
    const { gateway, port } = await serveDemo();
    const open = `http://localhost:${port}`;
    const context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    const errors = collectPageErrors(page);
    await page.goto(`http://127.0.0.1:${port}/`);
    expect(new URL(page.url()).origin).toBe(open);
    await page.getByRole("button", { name: "Connect with SoundCloud" }).click();
    await page.waitForURL((url) => url.origin !== open);
    await page.getByRole("button", { name: "Connect as nightjar-audio", exact: true }).click();
    await page.waitForURL((url) => url.origin === open);
    await page.getByRole("heading", { name: "Mara Lindqvist" }).waitFor();
    expect(page.url()).not.toContain("error");
    await screenshot(page, "serve-other-loopback-name-connected");
    // Signed out, /auth/session answers 200 {signed_in: false}: no failed request at all.
    expect(errors).toEqual([]);
    await context.close();
    expect(gateway.output()).not.toContain("return_to_not_allowed");
  });
});

describe("serveBanner", () => {
  it("behind a proxy: where it listens, then the public URL", () => {
    const text = serveBanner({
      url: "http://0.0.0.0:8787",
      publicUrl: "https://sg.example.com",
      soundcloud: { clientId: "abc" },
    });
    expect(text).toBe(
      "\n  Soundgate is listening on http://0.0.0.0:8787\n" +
        "    public URL  https://sg.example.com\n" +
        "    SoundCloud  app abc\n\n",
    );
  });
});

// GatewayProcess keeps one combined log; the streams are told apart by re-reading them.
function stdoutOf(gateway: GatewayProcess): string {
  return gateway.streams().stdout;
}
function stderrOf(gateway: GatewayProcess): string {
  return gateway.streams().stderr;
}
