// The demo in a real Chromium: logins in both flows by clicking SoundCloud's (the
// emulator's) consent page, denial, reload, Disconnect, layout and accessibility checks,
// and screenshots of the connected page in test-artifacts/.

import {
  collectPageErrors,
  type DemoStack,
  launchChromium,
  screenshot,
  startDemoStack,
} from "@soundgate/test-support/browser";
import { startTestEmulator, type TestEmulator } from "@soundgate/test-support/emulator";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  clickThroughLogin,
  countdownText,
  focusOrder,
  lowContrastText,
  storageOf,
  USER,
  unlabelledControls,
  waitConnected,
  waitForImages,
} from "./helpers.js";

let browser: Browser | undefined;
let emulator: TestEmulator;
const stacks: DemoStack[] = [];

beforeAll(async () => {
  browser = await launchChromium();
  emulator = await startTestEmulator();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await Promise.all(stacks.map((stack) => stack.close()));
  await emulator?.close();
});

interface Tab {
  context: BrowserContext;
  page: Page;
  errors: string[];
}

async function openTab(viewport = { width: 1280, height: 860 }): Promise<Tab> {
  if (!browser) throw new Error("no browser");
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  return { context, page, errors: collectPageErrors(page) };
}

const KEYS = ["access_token", "refresh_token", "token_expires_at", "sc_user"];

for (const flow of ["backend-redirect", "direct"] as const) {
  describe(`${flow} flow`, { timeout: 60_000 }, () => {
    let stack: DemoStack;
    beforeAll(async () => {
      stack = await startDemoStack({ flow, emulator });
      stacks.push(stack);
    });

    it("connects by clicking through SoundCloud's consent page", async (test) => {
      if (!browser) return test.skip();
      const { page, context, errors } = await openTab();
      const gatewayCalls: string[] = [];
      page.on("request", (request) => {
        const url = new URL(request.url());
        if (url.pathname.startsWith("/auth/"))
          gatewayCalls.push(`${request.method()} ${url.pathname}`);
      });
      const before = await emulator.stats();
      await clickThroughLogin(page, stack);
      await waitConnected(page);

      // The flow this gateway is in really happened.
      expect(gatewayCalls).toContain(
        flow === "direct" ? "POST /auth/soundcloud/callback" : "GET /auth/soundcloud/result",
      );
      // Code and state are gone from the address bar.
      expect(page.url()).toBe(`${stack.url}/`);

      // Profile: name, handle and place, counts, avatar from the API origin.
      await expect
        .poll(() => page.locator("#profile-handle").textContent())
        .toBe(`@${USER.username} · Stockholm, Sweden`);
      expect(await page.locator("#stat-followers").textContent()).toBe("25");
      expect(await page.locator("#stat-followings").textContent()).toBe("40");
      expect(await page.locator("#stat-tracks").textContent()).toBe("60");
      expect(await page.locator("#stat-likes").textContent()).toBe("450");
      expect(await page.locator("#profile-avatar").getAttribute("src")).toMatch(
        new RegExp(`^${emulator.url}/images/`),
      );
      // 50 a page.
      await expect.poll(() => page.locator("#tracks-count").textContent()).toBe("50 of 60");
      await expect.poll(() => page.locator("#likes-count").textContent()).toBe("50 of 450");
      expect(await page.locator("#account-name").textContent()).toBe(USER.username);
      expect(await countdownText(page)).toMatch(/^59:\d\d left$|^1:00:00 left$/);

      // Starlib's keys, Starlib's formats; and the SDK's own: the token's lifetime, which
      // caps the refresh margin at half of it.
      const stored = await storageOf(page);
      expect(Object.keys(stored).sort()).toEqual([...KEYS, "soundgate.token_lifetime"].sort());
      expect(Number(stored["soundgate.token_lifetime"])).toBeGreaterThan(3_500_000);
      expect(stored.access_token).toMatch(/^at_/);
      expect(stored.refresh_token).toMatch(/^rt_/);
      expect(Number(stored.token_expires_at)).toBeGreaterThan(Date.now() + 3_500_000);
      expect(JSON.parse(stored.sc_user ?? "")).toMatchObject({ username: USER.username });
      expect(await page.evaluate(() => sessionStorage.length)).toBe(0);

      // "Load more" follows next_href, in both lists; on the last page the buttons go.
      await page.getByRole("button", { name: "Load more of your tracks" }).click();
      await expect.poll(() => page.locator("#tracks-items li").count()).toBe(60);
      expect(await page.locator("#tracks-count").textContent()).toBe("60 of 60");
      expect(await page.locator("#tracks-paging").isHidden()).toBe(true);
      await page.getByRole("button", { name: "Load more liked tracks" }).click();
      await expect.poll(() => page.locator("#likes-items li").count()).toBe(100);
      const after = await emulator.stats();
      expect(
        after.token_requests.authorization_code - before.token_requests.authorization_code,
      ).toBe(1);
      expect(after.token_requests.refresh_token).toBe(before.token_requests.refresh_token);
      expect(await page.locator("#notice").isHidden()).toBe(true);
      expect(errors).toEqual([]);
      await context.close();
    });

    it("says the user cancelled when they press Cancel", async (test) => {
      if (!browser) return test.skip();
      const { page, context, errors } = await openTab();
      await clickThroughLogin(page, stack, "Cancel");
      const notice = page.locator("#notice");
      await notice.getByText("You cancelled the connection").waitFor();
      expect(await notice.textContent()).toContain("nothing was shared");
      expect(await notice.textContent()).not.toMatch(/denied/i);
      expect(await page.getByRole("button", { name: "Connect with SoundCloud" }).isVisible()).toBe(
        true,
      );
      expect(page.url()).toBe(`${stack.url}/`);
      expect(await storageOf(page)).toEqual({});
      if (flow === "backend-redirect") await screenshot(page, "demo-cancelled-tokens");
      expect(errors).toEqual([]);
      await context.close();
    });
  });
}

describe("a connected page", { timeout: 60_000 }, () => {
  let stack: DemoStack;
  beforeAll(async () => {
    stack = await startDemoStack({ emulator });
    stacks.push(stack);
  });

  it("stays connected across a reload, without a new login or a refresh", async (test) => {
    if (!browser) return test.skip();
    const { page, context, errors } = await openTab();
    await clickThroughLogin(page, stack);
    await waitConnected(page);
    const stored = await storageOf(page);
    const before = await emulator.stats();
    await page.reload();
    await waitConnected(page);
    expect(await storageOf(page)).toEqual(stored);
    const after = await emulator.stats();
    expect(after.token_requests.authorization_code).toBe(before.token_requests.authorization_code);
    expect(after.token_requests.refresh_token).toBe(before.token_requests.refresh_token);
    expect(await page.getByRole("button", { name: "Disconnect" }).isVisible()).toBe(true);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("Disconnect clears storage and signs out at SoundCloud", async (test) => {
    if (!browser) return test.skip();
    const { page, context, errors } = await openTab();
    await clickThroughLogin(page, stack);
    await waitConnected(page);
    const token = (await storageOf(page)).access_token;
    const signOuts = async () =>
      ((await emulator.stats()) as unknown as { sign_outs: number }).sign_outs;
    const before = await signOuts();

    await page.getByRole("button", { name: "Disconnect" }).click();
    const connect = page.getByRole("button", { name: "Connect with SoundCloud" });
    await connect.waitFor();
    // Focus moves to what replaced the button, and the change is announced.
    expect(await connect.evaluate((el) => el === document.activeElement)).toBe(true);
    expect(await page.locator("#status").textContent()).toContain("Disconnected from SoundCloud");
    expect(await page.locator("#notice").textContent()).toContain("Disconnected from SoundCloud");
    expect(await storageOf(page)).toEqual({});
    expect(await page.locator("#account").isHidden()).toBe(true);
    await expect.poll(signOuts).toBe(before + 1);
    const me = await fetch(`${emulator.url}/me`, { headers: { Authorization: `OAuth ${token}` } });
    expect(me.status).toBe(401);

    await page.reload();
    await connect.waitFor();
    expect(errors).toEqual([]);
    await context.close();
  });

  it("looks right on a desktop and a 375 px phone, with readable contrast and a sensible focus order", async (test) => {
    if (!browser) return test.skip();
    const desktop = await openTab({ width: 1280, height: 900 });
    await desktop.page.goto(`${stack.url}/?mode=tokens`);
    await desktop.page.getByRole("button", { name: "Connect with SoundCloud" }).waitFor();
    await screenshot(desktop.page, "demo-signed-out-desktop");
    expect(await lowContrastText(desktop.page)).toEqual([]);

    await clickThroughLogin(desktop.page, stack);
    await waitConnected(desktop.page);
    await waitForImages(desktop.page);
    await screenshot(desktop.page, "demo-connected-desktop");
    expect(await lowContrastText(desktop.page)).toEqual([]);
    expect(await focusOrder(desktop.page, 4)).toEqual([
      "A Skip to content",
      "A Soundgate home",
      "BUTTON Disconnect",
      expect.stringMatching(/^A /), // the first track
    ]);
    expect(await unlabelledControls(desktop.page)).toEqual([]);

    // The same session on a phone (the context shares storage with a new page).
    const phone = await desktop.context.newPage();
    await phone.setViewportSize({ width: 375, height: 812 });
    await phone.goto(`${stack.url}/`);
    await waitConnected(phone);
    await waitForImages(phone);
    await screenshot(phone, "demo-connected-mobile");
    await screenshot(phone, "demo-connected-mobile-full", true);
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
      375,
    );
    expect(await lowContrastText(phone)).toEqual([]);
    for (const name of ["Disconnect", "Load more of your tracks"]) {
      const box = await phone.getByRole("button", { name }).boundingBox();
      expect(box?.height ?? 0).toBeGreaterThanOrEqual(36); // big enough to tap
    }
    expect(desktop.errors).toEqual([]);
    await desktop.context.close();
  });
});
