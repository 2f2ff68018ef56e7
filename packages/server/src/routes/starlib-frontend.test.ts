// Starlib's front end, unchanged, against the gateway with SOUNDGATE_COMPAT=starlib, in a
// real Chromium: the web build (backend-redirect and direct flows, on its own origin), the
// desktop build (Tauri's webview and poller, on http://tauri.localhost), a refresh near
// expiry, and the gateway's messages shown through FastAPI's `detail`. The front end is
// test-support/starlib-frontend, written from the contract of Starlib's code.

import {
  type PageServer,
  type StaticFile,
  starlibFrontendFiles,
  startPageServer,
} from "@soundgate/test-support/app-pages";
import {
  type LiveGateway,
  launchChromium,
  screenshot,
  startLiveGateway,
} from "@soundgate/test-support/browser";
import { startTestEmulator, type TestEmulator } from "@soundgate/test-support/emulator";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

const USER = "nightjar-audio";
const TAURI = "http://tauri.localhost";
const CALLBACK = "/auth/soundcloud/callback";

let browser: Browser | undefined;
let emulator: TestEmulator;
let web: PageServer;
let webDirect: PageServer;
let gateway: LiveGateway;
let direct: LiveGateway;

beforeAll(async () => {
  browser = await launchChromium();
  emulator = await startTestEmulator();
  web = await startPageServer();
  webDirect = await startPageServer();
  // What a Starlib deployment sets: its page origins (web build and Tauri's), exactly.
  gateway = await startLiveGateway(emulator, () => ({
    SOUNDGATE_COMPAT: "starlib",
    SOUNDGATE_ALLOWED_RETURN_TO: `${web.url}${CALLBACK}`,
    SOUNDGATE_ALLOWED_ORIGINS: `${web.url},tauri://localhost,${TAURI},https://tauri.localhost`,
  }));
  direct = await startLiveGateway(emulator, () => ({
    SOUNDGATE_COMPAT: "starlib",
    SOUNDGATE_ALLOWED_RETURN_TO: `${webDirect.url}${CALLBACK}`,
    SOUNDCLOUD_REDIRECT_URI: `${webDirect.url}${CALLBACK}`,
  }));
  web.files = starlibFrontendFiles({
    apiBase: gateway.url,
    soundcloudApi: emulator.url,
    desktopBackend: gateway.url,
  });
  webDirect.files = starlibFrontendFiles({
    apiBase: direct.url,
    soundcloudApi: emulator.url,
    desktopBackend: direct.url,
  });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await Promise.all([gateway?.close(), direct?.close(), web?.close(), webDirect?.close()]);
  await emulator?.close();
});
beforeEach(async () => {
  await emulator.configure({ access_token_ttl_s: 3599 });
});

async function newContext(): Promise<BrowserContext> {
  if (!browser) throw new Error("no browser");
  const context = await browser.newContext();
  context.setDefaultTimeout(15_000);
  return context;
}

/** Clicks Connect on SoundCloud's (the emulator's) consent page. */
async function consent(page: Page, choice = `Connect as ${USER}`): Promise<void> {
  await page.waitForURL((url) => url.origin === emulator.url);
  await page.getByRole("button", { name: choice, exact: true }).click();
}

async function storage(page: Page) {
  return page.evaluate(() => ({
    local: { ...localStorage },
    oauthState: sessionStorage.getItem("oauth_state"),
  }));
}

function expectStarlibLogin(stored: Awaited<ReturnType<typeof storage>>, before: number) {
  expect(Object.keys(stored.local).sort()).toEqual([
    "access_token",
    "refresh_token",
    "sc_user",
    "token_expires_at",
  ]);
  expect(stored.local.access_token).toMatch(/^at_/);
  expect(stored.local.refresh_token).toMatch(/^rt_/);
  const expiresAt = Number(stored.local.token_expires_at);
  expect(expiresAt).toBeGreaterThanOrEqual(before + 3_590_000);
  expect(expiresAt).toBeLessThanOrEqual(Date.now() + 3_600_000);
  expect(JSON.parse(stored.local.sc_user ?? "")).toEqual({
    id: expect.any(Number),
    urn: expect.stringMatching(/^soundcloud:users:\d+$/),
    username: USER,
    permalink: expect.any(String),
    avatar_url: expect.any(String),
  });
  expect(stored.oauthState).toBeNull();
}

/** The web build's whole login, ending on the library page. */
async function webLogin(page: Page, origin: string): Promise<void> {
  await page.goto(`${origin}/`);
  await page.getByRole("button", { name: "Connect SoundCloud" }).click();
  await consent(page);
  await page.waitForURL((url) => url.pathname === "/library");
  await page.locator("#user", { hasText: `Signed in as ${USER}` }).waitFor();
}

/**
 * The desktop build: its pages on Tauri's Windows origin, and `__TAURI_INTERNALS__` whose
 * login command opens a second window on the authorization URL and resolves as that
 * window starts loading the gateway's done page (or, with `early`, once it has opened).
 */
async function tauriApp(options: { early?: boolean } = {}): Promise<{
  context: BrowserContext;
  page: Page;
  consented: Promise<void>;
}> {
  const context = await newContext();
  // Tauri's webview lets its own pages reach the app's local backend; Chromium asks first
  // (Local Network Access) for a page it considers public, as a routed host is.
  await context.grantPermissions(["local-network-access"], { origin: TAURI });
  const files: Record<string, StaticFile> = starlibFrontendFiles({
    apiBase: gateway.url,
    soundcloudApi: emulator.url,
    desktopBackend: gateway.url,
  });
  await context.route(`${TAURI}/**`, (route) => {
    const path = new URL(route.request().url()).pathname;
    const file = files[path] ?? files["/index.html"];
    return route.fulfill({ status: 200, contentType: file?.type, body: file?.body });
  });
  let consented!: () => void;
  let failed!: (error: unknown) => void;
  const done = new Promise<void>((resolve, reject) => {
    consented = resolve;
    failed = reject;
  });
  await context.exposeFunction("__tauriInvoke", async (command: string, args: { url: string }) => {
    if (command !== "open_login_window") throw new Error(`unknown command ${command}`);
    const webview = await context.newPage();
    const ended = webview.waitForRequest(
      (request) =>
        request.isNavigationRequest() &&
        request.url().startsWith(`${gateway.url}/auth/soundcloud/done`),
    );
    await webview.goto(args.url);
    const finish = async () => {
      await consent(webview);
      await ended;
      await webview.close();
    };
    if (options.early) {
      // Resolve now; the person clicks Connect a moment later, while the app polls.
      setTimeout(() => finish().then(consented, failed), 2_000);
      return null;
    }
    await finish();
    consented();
    return null;
  });
  await context.addInitScript(() => {
    const w = window as unknown as Record<string, unknown>;
    w.__TAURI_INTERNALS__ = {
      invoke: (command: string, args: unknown) =>
        (w.__tauriInvoke as (c: string, a: unknown) => Promise<unknown>)(command, args),
    };
  });
  const page = await context.newPage();
  return { context, page, consented: done };
}

describe("Starlib's front end with SOUNDGATE_COMPAT=starlib", { timeout: 60_000 }, () => {
  it("web build, backend-redirect flow: /authorize, consent, /result, tokens under its keys", async (test) => {
    if (!browser) return test.skip();
    const context = await newContext();
    const page = await context.newPage();
    const results: number[] = [];
    page.on("response", (r) => {
      if (r.url().includes("/auth/soundcloud/result")) results.push(r.status());
    });
    const before = Date.now();
    await webLogin(page, web.url);
    expect(results).toEqual([200]);
    expect(new URL(page.url()).search).toBe("?source=soundcloud");
    expectStarlibLogin(await storage(page), before);
    await screenshot(page, "starlib-web-library");
    await context.close();
  });

  it("web build, direct flow: the callback page posts code and state to /callback", async (test) => {
    if (!browser) return test.skip();
    const context = await newContext();
    const page = await context.newPage();
    const posted = page.waitForRequest(
      (r) => r.method() === "POST" && r.url() === `${direct.url}/auth/soundcloud/callback`,
    );
    const before = Date.now();
    await webLogin(page, webDirect.url);
    expect(JSON.parse((await posted).postData() ?? "{}")).toEqual({
      code: expect.any(String),
      state: expect.any(String),
    });
    expectStarlibLogin(await storage(page), before);
    await context.close();
  });

  it("desktop build (Tauri webview on tauri.localhost): polls /result, ignores the session-cookie failure", async (test) => {
    if (!browser) return test.skip();
    const { context, page, consented } = await tauriApp();
    const warnings: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "warning") warnings.push(m.text());
    });
    const before = Date.now();
    await page.goto(`${TAURI}/`);
    await page.getByRole("button", { name: "Connect SoundCloud" }).click();
    await consented;
    await page.waitForURL((url) => url.pathname === "/library");
    await page.locator("#user", { hasText: `Signed in as ${USER}` }).waitFor();
    expect(new URL(page.url()).origin).toBe(TAURI);
    expectStarlibLogin(await storage(page), before);
    expect(warnings.join("\n")).toMatch(
      /Could not save the SoundCloud session cookie: No such endpoint/,
    );
    await context.close();
  });

  it("desktop build: the poller gets 404 while the person is still on the consent page, then the tokens", async (test) => {
    if (!browser) return test.skip();
    const { context, page, consented } = await tauriApp({ early: true });
    const results: number[] = [];
    page.on("response", (r) => {
      if (r.url().includes("/auth/soundcloud/result")) results.push(r.status());
    });
    await page.goto(`${TAURI}/`);
    await page.getByRole("button", { name: "Connect SoundCloud" }).click();
    await consented;
    await page.waitForURL((url) => url.pathname === "/library");
    expect(results.length).toBeGreaterThanOrEqual(2);
    expect(results.slice(0, -1).every((status) => status === 404)).toBe(true);
    expect(results.at(-1)).toBe(200);
    await context.close();
  });

  it("refreshes near expiry through /refresh and keeps the new tokens", async (test) => {
    if (!browser) return test.skip();
    // A token with 30 s left is inside Starlib's 60-second margin.
    await emulator.configure({ access_token_ttl_s: 30 });
    const context = await newContext();
    const page = await context.newPage();
    await webLogin(page, web.url);
    const first = await storage(page);
    const refreshesBefore = (await emulator.stats()).token_requests.refresh_token;
    await page.getByRole("button", { name: "Load my SoundCloud profile" }).click();
    await page.locator("#profile", { hasText: `Profile: ${USER}` }).waitFor();
    expect((await emulator.stats()).token_requests.refresh_token).toBe(refreshesBefore + 1);
    const after = await storage(page);
    expect(after.local.access_token).not.toBe(first.local.access_token);
    expect(after.local.refresh_token).not.toBe(first.local.refresh_token);
    expect(Number(after.local.token_expires_at)).toBeGreaterThan(
      Number(first.local.token_expires_at),
    );
    await context.close();
  });

  it("shows the gateway's own message on errors (its `detail`), and SoundCloud's denial", async (test) => {
    if (!browser) return test.skip();
    const context = await newContext();
    const page = await context.newPage();

    // Cancel on SoundCloud's consent page.
    await page.goto(`${web.url}/`);
    await page.getByRole("button", { name: "Connect SoundCloud" }).click();
    await consent(page, "Cancel");
    await page.waitForURL((url) => url.pathname === CALLBACK);
    expect(await page.locator("#error").textContent()).toBe(
      "SoundCloud denied access: access_denied",
    );
    expect((await storage(page)).local).toEqual({});

    // A login result can be read once: the callback page opened again says so.
    const callback = page.waitForRequest(
      (r) => r.isNavigationRequest() && new URL(r.url()).pathname === CALLBACK,
    );
    await webLogin(page, web.url);
    await page.goto((await callback).url());
    await expect
      .poll(() => page.locator("#error").textContent())
      .toMatch(/^No login result for this state/);

    // A refresh token SoundCloud no longer accepts.
    await page.goto(`${web.url}/library`);
    await page.evaluate(() => {
      localStorage.setItem("refresh_token", "rt_revoked");
      localStorage.setItem("token_expires_at", "0");
    });
    await page.getByRole("button", { name: "Load my SoundCloud profile" }).click();
    expect(await page.locator("#error").textContent()).toBe(
      "SoundCloud no longer accepts this refresh token; connect again",
    );
    await screenshot(page, "starlib-error-detail");
    await context.close();
  });
});
