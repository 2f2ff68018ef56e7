// Desktop apps the native way (RFC 8252), in a real Chromium: the app's window runs the
// SDK from source; the login happens in the user's browser (another context) or in a
// login webview; the way back to the app is a loopback listener on a random port, a
// private-use URI scheme, or the URL the webview ended on. Each carries state and the
// result_key, which the SDK sends back with its verifier.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type PageServer, sdkAppFiles, startPageServer } from "@soundgate/test-support/app-pages";
import {
  type LiveGateway,
  launchChromium,
  startLiveGateway,
} from "@soundgate/test-support/browser";
import { startTestEmulator, type TestEmulator } from "@soundgate/test-support/emulator";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const USER = "nightjar-audio";
const SCHEME_RETURN_TO = "com.example.app:/callback";

let browser: Browser | undefined;
let emulator: TestEmulator;
let app: PageServer;
let gateway: LiveGateway;
/** The user's everyday browser, where the login happens for loopback and scheme apps. */
let systemBrowser: BrowserContext;

beforeAll(async () => {
  browser = await launchChromium();
  emulator = await startTestEmulator();
  app = await startPageServer();
  gateway = await startLiveGateway(emulator, () => ({
    SOUNDGATE_ALLOWED_RETURN_TO: `http://127.0.0.1:*/callback,${SCHEME_RETURN_TO}`,
    SOUNDGATE_ALLOWED_ORIGINS: app.url,
  }));
  app.files = await sdkAppFiles({ gatewayUrl: gateway.url, apiUrl: emulator.url });
  if (browser) {
    systemBrowser = await browser.newContext();
    systemBrowser.setDefaultTimeout(15_000);
  }
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await gateway?.close();
  await app?.close();
  await emulator?.close();
});

/**
 * A fresh app (its own storage) and its window, where the SDK runs, with `openLogin(url)`
 * from the app's native side exposed to the page.
 */
async function appWindow(openLogin: (url: string) => Promise<string>): Promise<Page> {
  if (!browser) throw new Error("no browser");
  const context = await browser.newContext();
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  await page.exposeFunction("openLogin", openLogin);
  await page.goto(`${app.url}/`);
  await page.locator("#message", { hasText: "Ready" }).waitFor();
  return page;
}

/** The user approves on SoundCloud's consent page in `context`. */
async function approve(context: BrowserContext, url: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(url);
  await page.getByRole("button", { name: `Connect as ${USER}`, exact: true }).click();
  return page;
}

interface LoginOutcome {
  user?: { username: string };
  error?: { code: string; message: string };
  stored: Record<string, string>;
}

/** `sdk.login({poll: true, returnTo, open: openLogin})` in the app's window. */
function loginInApp(page: Page, returnTo?: string): Promise<LoginOutcome> {
  return page.evaluate(async (returnTo) => {
    const w = window as unknown as {
      sdk: { login(options: object): Promise<{ username: string }> };
      openLogin(url: string): Promise<string>;
    };
    const stored = () => ({ ...localStorage });
    try {
      const user = await w.sdk.login({
        poll: true,
        ...(returnTo ? { returnTo } : {}),
        open: (url: string) => w.openLogin(url),
      });
      return { user, stored: stored() };
    } catch (error) {
      const { code, message } = error as { code: string; message: string };
      return { error: { code, message }, stored: stored() };
    }
  }, returnTo);
}

function expectConnected(outcome: LoginOutcome) {
  expect(outcome.error).toBeUndefined();
  expect(outcome.user?.username).toBe(USER);
  expect(outcome.stored.access_token).toMatch(/^at_/);
  expect(outcome.stored.refresh_token).toMatch(/^rt_/);
  expect(JSON.parse(outcome.stored.sc_user ?? "{}")).toMatchObject({ username: USER });
}

/** Counts the app's calls to /result and the key header they carried. */
function watchResults(page: Page): string[] {
  const keys: string[] = [];
  page.on("request", (request) => {
    if (new URL(request.url()).pathname === "/auth/soundcloud/result") {
      keys.push(request.headers()["x-soundgate-result-key"] ?? "(none)");
    }
  });
  return keys;
}

describe("native apps", { timeout: 60_000 }, () => {
  it("loopback: a listener on a random 127.0.0.1 port receives state and result_key", async (test) => {
    if (!browser) return test.skip();
    const heard: string[] = [];
    let delivered!: (url: string) => void;
    const arrived = new Promise<string>((resolve) => {
      delivered = resolve;
    });
    // The app's native side (Rust, Node, Go…): a one-shot listener on the loopback.
    const listener: Server = createServer((request, response) => {
      const url = `http://127.0.0.1:${port}${request.url}`;
      if (new URL(url).pathname !== "/callback") {
        response.writeHead(404).end(); // the browser's favicon request, say
        return;
      }
      heard.push(url);
      response
        .writeHead(200, { "Content-Type": "text/html; charset=utf-8" })
        .end("<!doctype html><title>Done</title><h1>You can close this tab</h1>");
      delivered(url);
    });
    await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
    const port = (listener.address() as AddressInfo).port;
    try {
      let tab: Page | undefined;
      const page = await appWindow(async (url) => {
        tab = await approve(systemBrowser, url);
        return arrived;
      });
      const keys = watchResults(page);
      const outcome = await loginInApp(page, `http://127.0.0.1:${port}/callback`);
      expectConnected(outcome);
      expect(heard).toHaveLength(1);
      const landed = new URL(heard[0] ?? "");
      expect(landed.pathname).toBe("/callback");
      expect(landed.searchParams.get("result_key")).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(keys).toEqual([landed.searchParams.get("result_key")]);
      expect(await tab?.locator("h1").textContent()).toBe("You can close this tab");
      await page.context().close();
    } finally {
      await new Promise<void>((resolve) => listener.close(() => resolve()));
    }
  });

  it("private-use scheme: the browser hands com.example.app:/callback?… to the app", async (test) => {
    if (!browser) return test.skip();
    const page = await appWindow(async (url) => {
      const tab = await systemBrowser.newPage();
      // What the operating system does with the gateway's redirect to the app's scheme:
      // it gives the URL to the app (here: read from the redirect the browser received).
      const handedOver = tab.waitForResponse(
        (response) => new URL(response.url()).pathname === "/auth/soundcloud/redirect",
      );
      await tab.goto(url);
      await tab.getByRole("button", { name: `Connect as ${USER}`, exact: true }).click();
      const redirect = await handedOver;
      expect(redirect.status()).toBe(303);
      return (await redirect.headerValue("location")) ?? "";
    });
    const keys = watchResults(page);
    const outcome = await loginInApp(page, SCHEME_RETURN_TO);
    expectConnected(outcome);
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(/^[A-Za-z0-9_-]{43}$/);
    await page.context().close();
  });

  it("in-app webview: open() resolves with the URL the webview ended on (the gateway's done page)", async (test) => {
    if (!browser) return test.skip();
    const done = `${gateway.url}/auth/soundcloud/done?`;
    let webview: Page | undefined;
    const page = await appWindow(async (url) => {
      // Like Starlib's Tauri command: a separate window that resolves as soon as it
      // starts loading the done page, with that URL.
      webview = await page.context().newPage();
      const ended = webview.waitForRequest(
        (request) => request.isNavigationRequest() && request.url().startsWith(done),
      );
      await webview.goto(url);
      await webview.getByRole("button", { name: `Connect as ${USER}`, exact: true }).click();
      return (await ended).url();
    });
    const keys = watchResults(page);
    const outcome = await loginInApp(page); // return_to defaults to the done page
    expectConnected(outcome);
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(/^[A-Za-z0-9_-]{43}$/);
    await webview?.close();
    await page.context().close();
  });

  it("a denial in the login window is reported as access_denied, with nothing stored", async (test) => {
    if (!browser) return test.skip();
    const done = `${gateway.url}/auth/soundcloud/done?`;
    const page = await appWindow(async (url) => {
      const webview = await page.context().newPage();
      const ended = webview.waitForRequest(
        (request) => request.isNavigationRequest() && request.url().startsWith(done),
      );
      await webview.goto(url);
      await webview.getByRole("button", { name: "Cancel", exact: true }).click();
      const final = (await ended).url();
      await webview.locator("h1", { hasText: "You cancelled the connection" }).waitFor();
      await webview.close();
      return final;
    });
    const outcome = await loginInApp(page);
    expect(outcome.error?.code).toBe("access_denied");
    expect(outcome.stored.access_token).toBeUndefined();
    await page.context().close();
  });

  it("refuses a loopback return_to on any host but 127.0.0.1 and [::1], another path, or https", async (test) => {
    if (!browser) return test.skip();
    const page = await appWindow(async () => {
      throw new Error("never opened: /authorize refuses first");
    });
    for (const returnTo of [
      "http://localhost:8123/callback",
      "http://127.0.0.2:8123/callback",
      "http://0.0.0.0:8123/callback",
      "http://[::2]:8123/callback",
      "https://127.0.0.1:8123/callback",
      "http://127.0.0.1:8123/other",
      "http://127.0.0.1:8123/callback/more",
      "com.example.app:/other",
      "com.evil.app:/callback",
    ]) {
      const outcome = await loginInApp(page, returnTo);
      expect(`${returnTo}: ${outcome.error?.code}`).toBe(`${returnTo}: return_to_not_allowed`);
    }
    await page.context().close();
  });
});
