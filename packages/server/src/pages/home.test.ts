// The gateway's built-in page (served when no front end is configured), in Chromium: it
// completes a login with both halves, and refuses a callback link it did not start.

import {
  type LiveGateway,
  launchChromium,
  startLiveGateway,
} from "@soundgate/test-support/browser";
import { startTestEmulator, type TestEmulator } from "@soundgate/test-support/emulator";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let browser: Browser | undefined;
let emulator: TestEmulator;
let gateway: LiveGateway;

beforeAll(async () => {
  browser = await launchChromium();
  emulator = await startTestEmulator();
  gateway = await startLiveGateway(emulator);
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await gateway?.close();
  await emulator?.close();
});

describe("the built-in page", { timeout: 60_000 }, () => {
  it("connects, and the same callback link in another browser says it was not started there", async (test) => {
    if (!browser) return test.skip();
    const context = await browser.newContext();
    context.setDefaultTimeout(15_000);
    const page = await context.newPage();
    const results: string[] = [];
    page.on("request", (r) => {
      if (r.url().includes("/auth/soundcloud/result")) {
        results.push(r.headers()["x-soundgate-result-key"] ?? "(none)");
      }
    });
    await page.goto(`${gateway.url}/`);
    const callback = page.waitForRequest(
      (r) => r.isNavigationRequest() && r.url().startsWith(`${gateway.url}/?state=`),
    );
    await page.getByRole("button", { name: "Connect with SoundCloud" }).click();
    await page.getByRole("button", { name: "Connect as nightjar-audio", exact: true }).click();
    const link = (await callback).url();
    await page.locator("#out", { hasText: "Connected as soundcloud:users:" }).waitFor();
    expect(results).toEqual([new URL(link).searchParams.get("result_key")]);
    expect(page.url()).toBe(`${gateway.url}/`);

    const other = await browser.newContext();
    const elsewhere = await other.newPage();
    await elsewhere.goto(link);
    await expect.poll(() => elsewhere.locator("#out").textContent()).toMatch(/not started here/);
    await other.close();
    await context.close();
  });
});
