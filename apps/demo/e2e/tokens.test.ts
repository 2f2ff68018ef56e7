// Token lifetime in a real Chromium: a page that keeps working while its tokens expire
// every few seconds, and two tabs whose token expires at the same moment making exactly
// one refresh, with the Web Locks API and with the storage-lease fallback.

import {
  collectPageErrors,
  type DemoStack,
  launchChromium,
  startDemoStack,
} from "@soundgate/test-support/browser";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { clickThroughLogin, storageOf, waitConnected } from "./helpers.js";

let browser: Browser | undefined;
let stack: DemoStack;

beforeAll(async () => {
  browser = await launchChromium();
  stack = await startDemoStack();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await stack?.close();
});
beforeEach(async () => {
  await stack.emulator.configure({ access_token_ttl_s: 3599 });
});

const refreshCount = async () => (await stack.emulator.stats()).token_requests.refresh_token;
const loadedTracks = (page: Page) => page.locator("#tracks-items li").count();

async function newContext(): Promise<BrowserContext> {
  if (!browser) throw new Error("no browser");
  const context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
  context.setDefaultTimeout(15_000);
  return context;
}

describe("tokens", { timeout: 60_000 }, () => {
  it("keeps working when the access token lives 3 seconds", async (test) => {
    if (!browser) return test.skip();
    await stack.emulator.configure({ access_token_ttl_s: 3 });
    const context = await newContext();
    const page = await context.newPage();
    const errors = collectPageErrors(page);
    const result = page.waitForResponse((r) => r.url().includes("/auth/soundcloud/result"));
    const before = await refreshCount();

    await clickThroughLogin(page, stack);
    const first = ((await (await result).json()) as { access_token: string }).access_token;
    await waitConnected(page);

    // The page renews each time the token runs out; wait for two renewals past the first.
    await expect.poll(refreshCount, { timeout: 20_000, interval: 250 }).toBeGreaterThan(before + 2);
    const dead = await fetch(`${stack.emulator.url}/me`, {
      headers: { Authorization: `OAuth ${first}` },
    });
    expect(dead.status).toBe(401); // the login's token really expired

    await page.getByRole("button", { name: "Load more of your tracks" }).click();
    await expect.poll(() => loadedTracks(page)).toBe(60);
    await page.getByRole("button", { name: "Load more liked tracks" }).click();
    await expect.poll(() => page.locator("#likes-items li").count()).toBe(100);
    expect(await page.locator("#countdown").textContent()).toMatch(/^0:0[0-3] left$|^Renewing…$/);
    expect(await page.locator("#notice").isHidden()).toBe(true);
    const stored = await storageOf(page);
    expect(stored.access_token).not.toBe(first);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("refreshes once and retries when SoundCloud says the token expired early (401)", async (test) => {
    if (!browser) return test.skip();
    const context = await newContext();
    const page = await context.newPage();
    await clickThroughLogin(page, stack);
    await waitConnected(page);
    const { access_token: token } = await storageOf(page);
    await fetch(`${stack.emulator.url}/_emulator/tokens/expire`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ access_token: token }),
    });
    const before = await refreshCount();
    await page.getByRole("button", { name: "Load more of your tracks" }).click();
    await expect.poll(() => loadedTracks(page)).toBe(60);
    expect(await refreshCount()).toBe(before + 1);
    expect((await storageOf(page)).access_token).not.toBe(token);
    expect(await page.locator("#notice").isHidden()).toBe(true);
    await context.close();
  });

  for (const locks of ["Web Locks", "no Web Locks (storage lease)"] as const) {
    it(`two tabs open when the token expires make exactly one refresh: ${locks}`, async (test) => {
      if (!browser) return test.skip();
      const context = await newContext();
      if (locks !== "Web Locks") {
        await context.addInitScript(() => {
          Object.defineProperty(Navigator.prototype, "locks", {
            get: () => undefined,
            configurable: true,
          });
        });
      }
      const a = await context.newPage();
      const errors = collectPageErrors(a);
      await clickThroughLogin(a, stack);
      await waitConnected(a);
      const b = await context.newPage();
      errors.push(...collectPageErrors(b));
      await b.goto(`${stack.url}/`);
      await waitConnected(b);
      expect(await b.evaluate(() => typeof navigator.locks)).toBe(
        locks === "Web Locks" ? "object" : "undefined",
      );

      const stale = (await storageOf(a)).access_token;
      const before = await refreshCount();
      let gatewayRefreshes = 0;
      let queued: unknown;
      const renewing = () =>
        Promise.all(
          [a, b].map((page) => page.locator("#countdown", { hasText: "Renewing" }).waitFor()),
        );
      await context.route("**/auth/soundcloud/refresh", async (route) => {
        gatewayRefreshes += 1;
        if (gatewayRefreshes > 1) return route.continue(); // a second one fails the test below
        try {
          // Hold the refresh until the other tab is renewing too, so the two really overlap.
          await renewing();
          if (locks === "Web Locks") {
            await a.waitForFunction(async () => (await navigator.locks.query()).pending?.length);
            queued = await a.evaluate(() => navigator.locks.query());
          }
        } finally {
          await route.continue().catch(() => {});
        }
      });

      // Both tabs find the token expiring at the same moment, like tabs waking up together.
      await a.evaluate(() => localStorage.setItem("token_expires_at", String(Date.now() + 1500)));
      await expect.poll(() => gatewayRefreshes, { timeout: 10_000 }).toBeGreaterThan(0);
      await Promise.all(
        [a, b].map((page) => page.locator("#countdown", { hasText: /^59:\d\d left$/ }).waitFor()),
      );

      expect(gatewayRefreshes).toBe(1);
      expect(await refreshCount()).toBe(before + 1);
      if (locks === "Web Locks") {
        // One tab held the lock while the other waited for it.
        expect(queued).toMatchObject({
          held: [{ name: "soundgate-refresh" }],
          pending: [{ name: "soundgate-refresh" }],
        });
      }
      const [inA, inB] = [await storageOf(a), await storageOf(b)];
      expect(inA.access_token).not.toBe(stale);
      expect(inB.access_token).toBe(inA.access_token);
      // A lease (the fallback's) is given back.
      await expect
        .poll(async () => (await storageOf(a))["soundgate.refresh_lease"])
        .toBeUndefined();

      // The other tab uses the shared tokens without a refresh of its own.
      await b.getByRole("button", { name: "Load more of your tracks" }).click();
      await expect.poll(() => loadedTracks(b)).toBe(60);
      expect(await refreshCount()).toBe(before + 1);
      expect(errors).toEqual([]);
      await context.close();
    });
  }
});
