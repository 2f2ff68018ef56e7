// The core claims to run in browsers, not only in Node: this loads its built ES modules,
// unbundled, into real Chromium and calls a real emulator from the page. A browser differs
// where it counts: a manual redirect comes back opaque (status 0, no Location), CORS
// applies, and Web Crypto is the only crypto.
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { launchChromium } from "@soundgate/test-support/browser";
import {
  signedInUser,
  startTestEmulator,
  type TestEmulator,
} from "@soundgate/test-support/emulator";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const DIST = fileURLToPath(new URL("../dist/", import.meta.url));

let emulator: TestEmulator;
let server: Server;
let origin: string;
let browser: Browser | undefined;
let page: Page;
let accessToken: string;

/** Serves the built core at /dist/ and an empty page at /, nothing else. */
function serveDist(): Promise<Server> {
  const s = createServer(async (req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    if (path === "/") {
      res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><title>core</title>");
      return;
    }
    const file = normalize(join(DIST, path.replace(/^\/dist\//, "")));
    if (!path.startsWith("/dist/") || !file.startsWith(DIST) || extname(file) !== ".js") {
      res.writeHead(404).end();
      return;
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, { "content-type": "text/javascript" }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve) => s.listen(0, "127.0.0.1", () => resolve(s)));
}

beforeAll(async () => {
  emulator = await startTestEmulator();
  const manager = await signedInUser(emulator);
  accessToken = await manager.getAccessToken("me");
  server = await serveDist();
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await launchChromium();
  if (browser) {
    page = await browser.newPage();
    await page.goto(origin);
  }
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
  await emulator?.close();
});

/** Runs `body` in the page with the core imported as `sg`; answers what it returns. */
function inPage<T>(body: string, arg: Record<string, unknown> = {}): Promise<T> {
  const input = JSON.stringify({ ...arg, api: emulator.url, token: accessToken });
  // A string, not a function: the test runner would rewrite a function's import().
  return page.evaluate(
    `(async () => { const sg = await import("/dist/index.js"); const input = ${input}; ${body} })()`,
  ) as Promise<T>;
}

describe("the core in Chromium", () => {
  it("makes a PKCE pair with Web Crypto whose challenge is the S256 of the verifier", async () => {
    if (!browser) return;
    const pkce = await inPage<{ verifier: string; challenge: string; state: string }>(`
      const { verifier, challenge } = await sg.createPkce();
      return { verifier, challenge, state: sg.createState() };
    `);
    expect(pkce.verifier).toMatch(/^[A-Za-z0-9_-]{43,128}$/);
    expect(pkce.challenge).toBe(createHash("sha256").update(pkce.verifier).digest("base64url"));
    expect(pkce.state.length).toBeGreaterThanOrEqual(43);
  });

  it("calls the API from the page: /me, a paginated list, and a 401 as unauthorized", async () => {
    if (!browser) return;
    const out = await inPage<{ username: string; likes: number; code: string }>(`
      const sc = sg.createSoundCloud({ auth: input.token, apiBaseUrl: input.api });
      const me = await sc.me.get();
      const likes = await sc.me.likes.tracks({ limit: 20 }).toArray(60);
      const bad = sg.createSoundCloud({ auth: "not-a-token", apiBaseUrl: input.api });
      const code = await bad.me.get().then(() => "none", (e) => e.code);
      return { username: me.username, likes: likes.length, code };
    `);
    expect(out.username).toBeTruthy();
    expect(out.likes).toBe(60); // three pages of 20, each found through next_href
    expect(out.code).toBe("unauthorized");
  });

  it("resolves a soundcloud.com URL although the browser hides /resolve's 302", async () => {
    if (!browser) return;
    const user = await inPage<{ kind: string; username: string }>(`
      const sc = sg.createSoundCloud({ auth: input.token, apiBaseUrl: input.api });
      const found = await sc.resolve("https://soundcloud.com/copperline");
      return { kind: found.kind, username: found.username };
    `);
    expect(user).toEqual({ kind: "user", username: "copperline" });
  });

  it("says plainly that a preview URL cannot be read in a browser, instead of a bare status 0", async () => {
    if (!browser) return;
    const error = await inPage<{ code: string; message: string }>(`
      const sc = sg.createSoundCloud({ auth: input.token, apiBaseUrl: input.api });
      return sc.tracks.previewUrl("soundcloud:tracks:2000001").then(
        () => ({ code: "none", message: "" }),
        (e) => ({ code: e.code, message: e.message }),
      );
    `);
    expect(error.code).toBe("api_error");
    expect(error.message).toMatch(/streams\(\)/);
  });
});
