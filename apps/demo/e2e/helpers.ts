import type { Page } from "playwright-core";
import type { DemoStack } from "../../../test-support/browser.js";

export const USER = { username: "nightjar-audio", name: "Mara Lindqvist" };

/**
 * Clicks through a login: Connect → SoundCloud's consent page → `choice` → back on the
 * demo. `mode` picks the demo's mode (BFF is its default; these token tests ask for the
 * Starlib-compatible token mode, which the page then remembers).
 */
export async function clickThroughLogin(
  page: Page,
  stack: DemoStack,
  choice = `Connect as ${USER.username}`,
  mode: "tokens" | "bff" = "tokens",
): Promise<void> {
  await page.goto(`${stack.url}/?mode=${mode}`);
  await page.getByRole("button", { name: "Connect with SoundCloud" }).click();
  await page.waitForURL((url) => url.origin === stack.emulator.url);
  await page.getByRole("button", { name: choice, exact: true }).click();
  await page.waitForURL((url) => url.origin === stack.url);
}

export async function waitConnected(page: Page): Promise<void> {
  await page.getByRole("heading", { name: USER.name }).waitFor();
  await page.locator("#tracks-items li").nth(9).waitFor();
  await page.locator("#likes-items li").nth(9).waitFor();
}

/** Everything in the page's localStorage, but the demo's own mode preference. */
export function storageOf(page: Page): Promise<Record<string, string>> {
  return page.evaluate(() =>
    Object.fromEntries(
      Object.entries(localStorage).filter(([key]) => key !== "soundgate_demo_mode"),
    ),
  );
}

export const countdownText = (page: Page) => page.locator("#countdown").textContent();

/** Counts requests the pages of a context make to the gateway's refresh endpoint. */
export function countRefreshes(pages: { on: Page["on"] }): () => number {
  let n = 0;
  pages.on("request", (request) => {
    if (new URL(request.url()).pathname === "/auth/soundcloud/refresh") n += 1;
  });
  return () => n;
}
