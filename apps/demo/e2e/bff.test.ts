// The demo's default mode, BFF, in a real Chromium: the page holds no token, only an
// HttpOnly session cookie; SoundCloud is reached through the gateway's proxy.

import {
  collectPageErrors,
  type DemoStack,
  launchChromium,
  screenshot,
  startDemoStack,
} from "@soundgate/test-support/browser";
import { startTestEmulator, type TestEmulator } from "@soundgate/test-support/emulator";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clickThroughLogin, storageOf, USER, waitConnected } from "./helpers.js";

let browser: Browser | undefined;
let emulator: TestEmulator;
let stack: DemoStack;

beforeAll(async () => {
  browser = await launchChromium();
  emulator = await startTestEmulator();
  stack = await startDemoStack({ emulator });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await stack?.close();
  await emulator?.close();
});

// Signed out, /auth/session answers 200 {signed_in:false}: not a failed request, so the
// console stays clean, and any console error fails the tests.
async function tab() {
  if (!browser) throw new Error("no browser");
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const all = collectPageErrors(page);
  return { context, page, errors: () => all };
}

describe("BFF mode (the default)", { timeout: 60_000 }, () => {
  it("is the default, connects by clicking the consent page, and leaves no token in the browser", async (test) => {
    if (!browser) return test.skip();
    const { context, page, errors } = await tab();
    await page.goto(`${stack.url}/`);
    expect(await page.locator("#mode").textContent()).toContain("BFF mode");
    await clickThroughLogin(page, stack, `Connect as ${USER.username}`, "bff");
    await waitConnected(page);
    // No countdown, no meter: the page has no token to time.
    await page.locator("#gateway-held", { hasText: "Held by the gateway" }).waitFor();
    expect(await page.locator("#token-held").isHidden()).toBe(true);
    expect(await storageOf(page)).toEqual({});
    // The session cookie is HttpOnly: the page's script cannot read it.
    expect(await page.evaluate(() => document.cookie)).toBe("");
    const cookies = await context.cookies();
    expect(cookies.map((c) => c.name)).toEqual(["soundgate_session"]);
    expect(cookies[0]?.httpOnly).toBe(true);
    expect(cookies[0]?.sameSite).toBe("Lax");
    await screenshot(page, "demo-connected-bff");
    // "Load more" pages through the proxy.
    await page.getByRole("button", { name: "Load more liked tracks" }).click();
    await page.locator("#likes-items li").nth(99).waitFor();

    await page.reload();
    await waitConnected(page);
    expect(errors()).toEqual([]);
    await context.close();
  });

  it("says the user cancelled after Cancel", async (test) => {
    if (!browser) return test.skip();
    const { context, page } = await tab();
    await clickThroughLogin(page, stack, "Cancel", "bff");
    await page.locator("#notice-title", { hasText: "You cancelled the connection" }).waitFor();
    expect(await page.getByRole("button", { name: "Connect with SoundCloud" }).isVisible()).toBe(
      true,
    );
    expect(new URL(page.url()).search).toBe("");
    await context.close();
  });

  it("Disconnect ends the session on the gateway and at SoundCloud", async (test) => {
    if (!browser) return test.skip();
    const { context, page, errors } = await tab();
    await clickThroughLogin(page, stack, `Connect as ${USER.username}`, "bff");
    await waitConnected(page);
    const before = (await emulator.stats()).sign_outs;
    await page.getByRole("button", { name: "Disconnect" }).click();
    await page.getByRole("button", { name: "Connect with SoundCloud" }).waitFor();
    expect((await emulator.stats()).sign_outs).toBe(before + 1);
    expect(errors()).toEqual([]);
    await page.locator("#notice", { hasText: "Disconnected from SoundCloud" }).waitFor();
    const session = await page.evaluate(async () => (await fetch("/auth/session")).json());
    expect(session).toEqual({ signed_in: false });
    await context.close();
  });

  // A session check the page sent just before Disconnect, answered "signed in" before the
  // logout landed but delivered after it, must not bring the page back: it did, and the page
  // then loaded the profile and both lists through a proxy that now answers 401.
  it("a session answer already on its way when Disconnect is pressed does not sign the page back in", async (test) => {
    if (!browser) return test.skip();
    const { context, page, errors } = await tab();
    await clickThroughLogin(page, stack, `Connect as ${USER.username}`, "bff");
    await waitConnected(page);
    let caught: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      caught = resolve;
    });
    let logoutDone: () => void = () => undefined;
    const loggedOut = new Promise<void>((resolve) => {
      logoutDone = resolve;
    });
    let holding = true;
    await page.route("**/auth/session", async (route) => {
      if (!holding) return route.fallback();
      holding = false;
      // Answered now (still signed in), handed to the page only after the logout.
      const answer = await route.fetch();
      expect(await answer.json()).toMatchObject({ signed_in: true });
      caught();
      await loggedOut;
      await route.fulfill({ response: answer });
    });
    // An API call makes the page check its session a moment later.
    await page.getByRole("button", { name: "Load more liked tracks" }).click();
    await held;
    await page.getByRole("button", { name: "Disconnect" }).click();
    await page.getByRole("button", { name: "Connect with SoundCloud" }).waitFor();
    logoutDone();
    // Give a wrongly revived page the time to load its profile and lists.
    await page.waitForTimeout(1_000);
    expect(await page.getByRole("button", { name: "Connect with SoundCloud" }).isVisible()).toBe(
      true,
    );
    expect(errors()).toEqual([]);
    await context.close();
  });
});
