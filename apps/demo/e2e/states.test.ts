// Every state a person can see on the demo, in a real Chromium against a real gateway and
// emulator: what each says (asserted), readable contrast in the light and the dark scheme,
// and a screenshot of each in test-artifacts/ (states-*.png).
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  collectPageErrors,
  type DemoStack,
  launchChromium,
  screenshot,
  startDemoStack,
} from "@soundgate/test-support/browser";
import { startTestEmulator, type TestEmulator } from "@soundgate/test-support/emulator";
import { TEST_ENCRYPTION_KEYS } from "@soundgate/test-support/gateway";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  clickThroughLogin,
  lowContrastText,
  USER,
  waitConnected,
  waitForImages,
} from "./helpers.js";

let browser: Browser | undefined;
let emulator: TestEmulator;
let stack: DemoStack;
/** A gateway on a database file, restarted with other keys as `npm start` does in development. */
let restarting: DemoStack;
let dir: string;
const OTHER_KEYS = `test2:${randomBytes(32).toString("base64")}`;

beforeAll(async () => {
  browser = await launchChromium();
  emulator = await startTestEmulator();
  stack = await startDemoStack({ emulator });
  dir = mkdtempSync(join(tmpdir(), "soundgate-states-"));
  restarting = await startDemoStack({
    emulator,
    env: { SOUNDGATE_DATABASE_URL: `sqlite:${join(dir, "gateway.db")}` },
  });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await stack?.close();
  await restarting?.close();
  await emulator?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Tab {
  context: BrowserContext;
  page: Page;
  errors: string[];
}

async function open(
  options: { width?: number; height?: number; dark?: boolean } = {},
): Promise<Tab> {
  if (!browser) throw new Error("no browser");
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1280, height: options.height ?? 860 },
    colorScheme: options.dark ? "dark" : "light",
    locale: "en-US",
  });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  return { context, page, errors: collectPageErrors(page) };
}

const text = async (page: Page, selector: string) =>
  ((await page.locator(selector).textContent()) ?? "").replace(/\s+/g, " ").trim();

/** The notice under the header: its tone, title and text, once it shows `title`. */
async function noticeSaying(page: Page, title: string) {
  await page.locator("#notice-title", { hasText: title }).waitFor();
  return {
    tone: await page.locator("#notice").getAttribute("data-tone"),
    title: await text(page, "#notice-title"),
    text: await text(page, "#notice-text"),
  };
}

async function connectBff(page: Page, at: DemoStack = stack): Promise<void> {
  await clickThroughLogin(page, at, `Connect as ${USER.username}`, "bff");
  await waitConnected(page);
}

const DAY = 86_400_000;

describe("the demo's states", { timeout: 90_000 }, () => {
  it("signed out: the pitch and one button, and a clean console (no 401 for /auth/session)", async (test) => {
    if (!browser) return test.skip();
    const { context, page, errors } = await open();
    const session = page.waitForResponse((r) => r.url().endsWith("/auth/session"));
    await page.goto(`${stack.url}/?mode=bff`);
    expect((await session).status()).toBe(200);
    await page.getByRole("button", { name: "Connect with SoundCloud" }).waitFor();
    expect(await text(page, "#hero-title")).toBe("Your SoundCloud, connected safely");
    expect(await text(page, "#mode")).toBe("BFF mode · tokens stay on the gateway");
    expect(await page.locator("#notice").isHidden()).toBe(true);
    expect(await page.locator("#connected").isHidden()).toBe(true);
    expect(await lowContrastText(page)).toEqual([]);
    await screenshot(page, "states-signed-out");
    expect(errors).toEqual([]);
    await context.close();
  });

  it("consent page: names the app, in the light and the dark scheme", async (test) => {
    if (!browser) return test.skip();
    const { context, page } = await open();
    await page.goto(`${stack.url}/?mode=bff`);
    await page.getByRole("button", { name: "Connect with SoundCloud" }).click();
    await page.waitForURL((url) => url.origin === emulator.url);
    expect(await text(page, "h1")).toBe("Soundgate demo wants to access your SoundCloud account");
    expect(await page.title()).toBe("Soundgate demo wants to connect · SoundCloud (emulator)");
    expect(await text(page, ".dest")).toContain(`${stack.url}/auth/soundcloud/redirect`);
    await page.getByRole("button", { name: `Connect as ${USER.username}`, exact: true }).waitFor();
    await page.getByRole("button", { name: "Cancel" }).waitFor();
    expect(await lowContrastText(page)).toEqual([]);
    await screenshot(page, "states-consent-light");

    await page.emulateMedia({ colorScheme: "dark" });
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe(
      "rgb(18, 18, 18)",
    );
    expect(await lowContrastText(page)).toEqual([]);
    await screenshot(page, "states-consent-dark");
    await context.close();
  });

  it("signed in (BFF): the token panel says what the gateway reports, not a bar", async (test) => {
    if (!browser) return test.skip();
    const { context, page, errors } = await open();
    await connectBff(page);
    const reported = (await page.evaluate(async () => (await fetch("/auth/session")).json())) as {
      refreshed_at: number | null;
      expires_at: number;
    };
    expect(reported.refreshed_at).toBeNull(); // the tokens are the login's
    const panel = page.locator("#gateway-held");
    await panel.waitFor();
    expect(await text(page, "#session-title")).toBe("Access token");
    expect(await text(page, ".session-held")).toBe("Held by the gateway");
    expect(await page.locator("#token-held").isHidden()).toBe(true); // no countdown, no bar
    await expect.poll(() => text(page, "#session-refreshed")).toBe("not yet (fresh from sign-in)");
    expect(await text(page, "#session-ends")).toMatch(
      /^in 7 days · \w{3}, \w{3} \d{1,2}, \d{1,2}:\d\d [AP]M$/,
    );
    expect(await text(page, "#session-instance")).toBe(stack.gateway.context.config.instanceId);
    expect(reported.expires_at - Date.now()).toBeGreaterThan(7 * DAY - 60_000);
    expect(await text(page, "#profile-name")).toBe(USER.name);
    await waitForImages(page);
    expect(await lowContrastText(page)).toEqual([]);
    await screenshot(page, "states-bff-signed-in");

    // The gateway refreshes when SoundCloud says the token expired; the page asks again
    // after its API calls, and the panel's time is the refresh's.
    await fetch(`${emulator.url}/_emulator/tokens/expire`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: "{}",
    });
    const refreshes = (await emulator.stats()).token_requests.refresh_token;
    const again = page.waitForResponse(
      async (r) =>
        r.url().endsWith("/auth/session") &&
        ((await r.json()) as { refreshed_at: number | null }).refreshed_at !== null,
    );
    await page.getByRole("button", { name: "Load more of your tracks" }).click();
    await again;
    expect((await emulator.stats()).token_requests.refresh_token).toBe(refreshes + 1);
    await expect
      .poll(() => text(page, "#session-refreshed"))
      .toMatch(/^just now · \d{1,2}:\d\d [AP]M$/);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("lists: 50 at a time, Load more, Load all (and Stop)", async (test) => {
    if (!browser) return test.skip();
    const { context, page, errors } = await open({ height: 1000 });
    const likePages: string[] = [];
    page.on("request", (r) => {
      if (new URL(r.url()).pathname === "/api/soundcloud/me/likes/tracks") likePages.push(r.url());
    });
    await connectBff(page);
    await expect.poll(() => text(page, "#tracks-count")).toBe("50 of 60");
    await expect.poll(() => text(page, "#likes-count")).toBe("50 of 450");
    for (const name of [
      "Load more of your tracks",
      "Load all of your tracks",
      "Load more liked tracks",
      "Load all liked tracks",
    ]) {
      expect(await page.getByRole("button", { name }).isVisible(), name).toBe(true);
    }
    await page.evaluate(() =>
      document.getElementById("likes-paging")?.scrollIntoView({ block: "center" }),
    );
    await screenshot(page, "states-lists-50");

    await page.getByRole("button", { name: "Load all liked tracks" }).click();
    await expect.poll(() => text(page, "#likes-count"), { timeout: 30_000 }).toBe("450 of 450");
    expect(await page.locator("#likes-items li").count()).toBe(450);
    expect(await page.locator("#likes-paging").isHidden()).toBe(true);
    expect(await text(page, "#status")).toBe("All 450 liked tracks loaded.");
    expect(likePages).toHaveLength(9); // 450 likes, 50 a page
    await page.evaluate(() =>
      document.querySelector("#likes-items li:last-child")?.scrollIntoView({ block: "center" }),
    );
    await screenshot(page, "states-lists-all");

    // Stop: with a slow SoundCloud, the person can stop a long Load all part-way.
    await page.reload();
    await waitConnected(page);
    await emulator.configure({ latency_ms: 400 });
    try {
      await page.getByRole("button", { name: "Load all liked tracks" }).click();
      await expect.poll(() => page.locator("#likes-items li").count()).toBeGreaterThan(50);
      await page.getByRole("button", { name: "Stop loading liked tracks" }).click();
      await page.getByRole("button", { name: "Load all liked tracks" }).waitFor();
      const stopped = await page.locator("#likes-items li").count();
      expect(stopped).toBeLessThan(450);
      expect(await text(page, "#status")).toBe(`Stopped: ${stopped} liked tracks loaded.`);
      expect(await text(page, "#likes-count")).toBe(`${stopped} of 450`);
    } finally {
      await emulator.configure({ latency_ms: 0 });
    }
    expect(errors).toEqual([]);
    await context.close();
  });

  it("disconnected: a confirmation that says what ended, and where", async (test) => {
    if (!browser) return test.skip();
    const { context, page, errors } = await open();
    await connectBff(page);
    await page.getByRole("button", { name: "Disconnect" }).click();
    const notice = await noticeSaying(page, "Disconnected from SoundCloud");
    expect(notice).toEqual({
      tone: "success",
      title: "Disconnected from SoundCloud",
      text: "The gateway ended your session and signed its tokens out at SoundCloud. Nothing is left in this browser.",
    });
    await page.getByRole("button", { name: "Connect with SoundCloud" }).waitFor();
    expect(await text(page, "#status")).toContain("Disconnected from SoundCloud.");
    expect(await lowContrastText(page)).toEqual([]);
    await screenshot(page, "states-disconnected");
    expect(errors).toEqual([]);
    await context.close();
  });

  it("cancelled: the person's own choice, not an error", async (test) => {
    if (!browser) return test.skip();
    const { context, page, errors } = await open();
    await clickThroughLogin(page, stack, "Cancel", "bff");
    const notice = await noticeSaying(page, "You cancelled the connection");
    expect(notice.tone).toBe("info");
    expect(notice.text).toBe(
      "Your SoundCloud account was not connected, and nothing was shared. Connect whenever you like.",
    );
    expect(await text(page, "#notice")).not.toMatch(/denied|error/i);
    expect(new URL(page.url()).search).toBe("");
    expect(await lowContrastText(page)).toEqual([]);
    await screenshot(page, "states-cancelled");
    expect(errors).toEqual([]);
    await context.close();
  });

  it("a login the gateway lost in a restart: says so, and does not blame SoundCloud", async (test) => {
    if (!browser) return test.skip();
    const { context, page, errors } = await open();
    await restarting.restart(); // the first key
    await page.goto(`${restarting.url}/?mode=bff`);
    await page.getByRole("button", { name: "Connect with SoundCloud" }).click();
    await page.waitForURL((url) => url.origin === emulator.url);
    // While the person is on SoundCloud, the gateway restarts with another key (as the
    // development gateway does: its key is made at start), so the login cannot finish.
    await restarting.restart({ SOUNDGATE_ENCRYPTION_KEYS: OTHER_KEYS });
    await page.getByRole("button", { name: `Connect as ${USER.username}`, exact: true }).click();
    await page.waitForURL((url) => url.origin === restarting.url);
    const notice = await noticeSaying(page, "The login expired or the gateway restarted");
    expect(notice.tone).toBe("error");
    expect(notice.text).toContain("a restart of the gateway cancels the ones in progress");
    expect(notice.text).not.toMatch(/SoundCloud (is not|isn't) answering/);
    expect(new URL(page.url()).search).toBe("");
    await page.getByRole("button", { name: "Connect with SoundCloud" }).waitFor();
    expect(await lowContrastText(page)).toEqual([]);
    await screenshot(page, "states-login-lost-in-restart");

    // Connecting again works at once.
    await connectBff(page, restarting);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("token mode, a login the gateway lost in a restart: the gateway's page says so and leads back", async (test) => {
    if (!browser) return test.skip();
    const { context, page, errors } = await open();
    await restarting.restart(); // the first key
    await page.goto(`${restarting.url}/?mode=tokens`);
    await page.getByRole("button", { name: "Connect with SoundCloud" }).click();
    await page.waitForURL((url) => url.origin === emulator.url);
    await restarting.restart({ SOUNDGATE_ENCRYPTION_KEYS: OTHER_KEYS });
    await page.getByRole("button", { name: `Connect as ${USER.username}`, exact: true }).click();
    // This flow comes back to the gateway, which cannot know where the login started.
    await page.getByRole("heading", { name: "This login expired" }).waitFor();
    expect(new URL(page.url()).pathname).toBe("/auth/soundcloud/redirect");
    expect(await text(page, "main")).toContain(
      "the gateway restarted while you were on SoundCloud",
    );
    expect(await lowContrastText(page)).toEqual([]);
    await screenshot(page, "states-token-login-lost-in-restart");
    await page.getByRole("link", { name: "Start again" }).click();
    await page.getByRole("button", { name: "Connect with SoundCloud" }).waitFor();
    // The 400 of the page itself is the only console entry.
    expect(errors).toEqual([
      "console: Failed to load resource: the server responded with a status of 400 (Bad Request)",
    ]);
    await context.close();
  });

  it("a session the gateway can no longer read after a restart: says why, and offers Connect", async (test) => {
    if (!browser) return test.skip();
    const { context, page, errors } = await open();
    await restarting.restart({ SOUNDGATE_ENCRYPTION_KEYS: OTHER_KEYS });
    await connectBff(page, restarting);
    await restarting.restart({ SOUNDGATE_ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS });
    await page.reload();
    const notice = await noticeSaying(page, "The gateway can no longer read your session");
    expect(notice.text).toContain("Nothing is wrong with your SoundCloud account");
    await page.getByRole("button", { name: "Connect with SoundCloud" }).waitFor();
    expect(await page.locator("#connected").isHidden()).toBe(true);
    await screenshot(page, "states-session-unreadable");
    expect(errors).toEqual([]);
    await context.close();
  });

  it("token mode: the page holds a token and counts it down", async (test) => {
    if (!browser) return test.skip();
    const { context, page, errors } = await open();
    await clickThroughLogin(page, stack, `Connect as ${USER.username}`, "tokens");
    await waitConnected(page);
    expect(await text(page, "#mode")).toBe(`Token mode · API ${new URL(emulator.url).host}`);
    expect(await page.locator("#gateway-held").isHidden()).toBe(true);
    expect(await text(page, "#countdown")).toMatch(/^59:\d\d left$|^1:00:00 left$/);
    expect(await page.locator(".meter").isVisible()).toBe(true);
    expect(await text(page, "#session-hint")).toBe("Renewed automatically through the gateway.");
    await waitForImages(page);
    expect(await lowContrastText(page)).toEqual([]);
    await screenshot(page, "states-token-mode");
    expect(errors).toEqual([]);
    await context.close();
  });

  it("375 px: everything fits, the panel and the paging buttons too", async (test) => {
    if (!browser) return test.skip();
    const { context, page, errors } = await open({ width: 375, height: 812 });
    await connectBff(page);
    await page.locator("#gateway-held").waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
      375,
    );
    for (const name of ["Load more liked tracks", "Load all liked tracks", "Disconnect"]) {
      const box = await page.getByRole("button", { name }).boundingBox();
      expect(box?.height ?? 0, name).toBeGreaterThanOrEqual(36);
      expect((box?.x ?? 0) + (box?.width ?? 0), name).toBeLessThanOrEqual(375);
    }
    expect(await text(page, "#session-instance")).toBe(stack.gateway.context.config.instanceId);
    await waitForImages(page);
    expect(await lowContrastText(page)).toEqual([]);
    await screenshot(page, "states-mobile-375");
    await page.evaluate(() =>
      document.getElementById("tracks-paging")?.scrollIntoView({ block: "center" }),
    );
    await screenshot(page, "states-mobile-375-paging");
    expect(errors).toEqual([]);
    await context.close();
  });

  it("dark mode: every state readable", async (test) => {
    if (!browser) return test.skip();
    const { context, page, errors } = await open({ dark: true });
    await page.goto(`${stack.url}/?mode=bff`);
    await page.getByRole("button", { name: "Connect with SoundCloud" }).waitFor();
    expect(
      await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor),
    ).toBe("rgb(18, 18, 20)");
    expect(await lowContrastText(page)).toEqual([]);
    await screenshot(page, "states-dark-signed-out");

    await page.getByRole("button", { name: "Connect with SoundCloud" }).click();
    await page.getByRole("button", { name: "Cancel" }).click();
    await noticeSaying(page, "You cancelled the connection");
    expect(await lowContrastText(page)).toEqual([]);
    await screenshot(page, "states-dark-cancelled");

    await connectBff(page);
    await page.locator("#gateway-held").waitFor();
    await waitForImages(page);
    expect(await lowContrastText(page)).toEqual([]);
    await screenshot(page, "states-dark-signed-in");

    await page.getByRole("button", { name: "Disconnect" }).click();
    await noticeSaying(page, "Disconnected from SoundCloud");
    expect(await lowContrastText(page)).toEqual([]);
    await screenshot(page, "states-dark-disconnected");

    // An error notice, too: a login that did not complete.
    await page.goto(`${stack.url}/?error=login_expired`);
    await noticeSaying(page, "The login expired or the gateway restarted");
    expect(await lowContrastText(page)).toEqual([]);
    await screenshot(page, "states-dark-error");
    expect(errors).toEqual([]);
    await context.close();
  });
});
