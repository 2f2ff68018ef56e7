// The demo in a real Chromium: logins in both flows by clicking SoundCloud's (the
// emulator's) consent page, denial, reload, Disconnect, layout and accessibility checks,
// and screenshots of the connected page in test-artifacts/.
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  collectPageErrors,
  type DemoStack,
  launchChromium,
  screenshot,
  startDemoStack,
} from "../../../test-support/browser.js";
import { startTestEmulator, type TestEmulator } from "../../../test-support/emulator.js";
import { clickThroughLogin, countdownText, storageOf, USER, waitConnected } from "./helpers.js";

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
      await expect.poll(() => page.locator("#tracks-count").textContent()).toBe("10 of 60");
      await expect.poll(() => page.locator("#likes-count").textContent()).toBe("10 of 450");
      expect(await page.locator("#account-name").textContent()).toBe(USER.username);
      expect(await countdownText(page)).toMatch(/^59:\d\d left$|^1:00:00 left$/);

      // Starlib's keys, Starlib's formats.
      const stored = await storageOf(page);
      expect(Object.keys(stored).sort()).toEqual([...KEYS].sort());
      expect(stored.access_token).toMatch(/^at_/);
      expect(stored.refresh_token).toMatch(/^rt_/);
      expect(Number(stored.token_expires_at)).toBeGreaterThan(Date.now() + 3_500_000);
      expect(JSON.parse(stored.sc_user ?? "")).toMatchObject({ username: USER.username });
      expect(await page.evaluate(() => sessionStorage.length)).toBe(0);

      // "Load more" follows next_href, in both lists.
      await page.getByRole("button", { name: "Load more of your tracks" }).click();
      await expect.poll(() => page.locator("#tracks-items li").count()).toBe(20);
      expect(await page.locator("#tracks-count").textContent()).toBe("20 of 60");
      await page.getByRole("button", { name: "Load more liked tracks" }).click();
      await expect.poll(() => page.locator("#likes-items li").count()).toBe(20);
      const after = await emulator.stats();
      expect(
        after.token_requests.authorization_code - before.token_requests.authorization_code,
      ).toBe(1);
      expect(after.token_requests.refresh_token).toBe(before.token_requests.refresh_token);
      expect(await page.locator("#notice").isHidden()).toBe(true);
      expect(errors).toEqual([]);
      await context.close();
    });

    it("says access was denied when the user presses Cancel", async (test) => {
      if (!browser) return test.skip();
      const { page, context, errors } = await openTab();
      await clickThroughLogin(page, stack, "Cancel");
      const notice = page.getByRole("alert");
      await notice.getByText("Access was denied").waitFor();
      expect(await notice.textContent()).toContain("nothing was shared");
      expect(await page.getByRole("button", { name: "Connect with SoundCloud" }).isVisible()).toBe(
        true,
      );
      expect(page.url()).toBe(`${stack.url}/`);
      expect(await storageOf(page)).toEqual({});
      if (flow === "backend-redirect") await screenshot(page, "demo-access-denied");
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
    expect(await page.getByRole("status").textContent()).toContain("disconnected");
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

/** Loads every image, lazy ones too (a full-page screenshot shows them all). */
async function waitForImages(page: Page): Promise<void> {
  await page.evaluate(() => {
    for (const img of document.images) img.loading = "eager";
  });
  await page.waitForFunction(() =>
    [...document.images].every((img) => !img.getAttribute("src") || img.complete),
  );
}

/** Presses Tab `n` times from the top; returns "TAG accessible-ish name" per stop. */
async function focusOrder(page: Page, n: number): Promise<string[]> {
  // Start where a fresh page starts: before the first focusable element.
  await page.reload();
  await waitConnected(page);
  const stops: string[] = [];
  for (let i = 0; i < n; i++) {
    await page.keyboard.press("Tab");
    stops.push(
      await page.evaluate(() => {
        const el = document.activeElement as HTMLElement;
        const style = getComputedStyle(el);
        const visible = style.outlineStyle !== "none" && Number.parseFloat(style.outlineWidth) >= 2;
        const name =
          el.getAttribute("aria-label") ?? (el.textContent ?? "").replace(/\s+/g, " ").trim();
        return `${el.tagName} ${name}${visible ? "" : " (no visible focus)"}`;
      }),
    );
  }
  return stops;
}

/** Buttons and links without an accessible name, and images without alt. */
function unlabelledControls(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const problems: string[] = [];
    for (const el of document.querySelectorAll<HTMLElement>("button, a[href]")) {
      const name =
        el.getAttribute("aria-label") ?? (el.textContent ?? "").replace(/\s+/g, " ").trim();
      if (!name && el.offsetParent !== null) problems.push(el.outerHTML.slice(0, 80));
    }
    for (const img of document.images) {
      if (!img.hasAttribute("alt")) problems.push(img.outerHTML.slice(0, 80));
    }
    return problems;
  });
}

/**
 * Visible text whose colour against the nearest opaque background is below 4.5:1
 * (WCAG AA for body text). Text on gradients or images is skipped.
 */
function lowContrastText(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const rgba = (value: string) => {
      const parts = (value.match(/\(([^)]+)\)/)?.[1] ?? "0,0,0,0")
        .split(/[\s,/]+/)
        .filter(Boolean)
        .map(Number);
      return { r: parts[0] ?? 0, g: parts[1] ?? 0, b: parts[2] ?? 0, a: parts[3] ?? 1 };
    };
    const channel = (v: number) => {
      const s = v / 255;
      return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    };
    const luminance = (c: { r: number; g: number; b: number }) =>
      0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b);
    const background = (el: Element | null) => {
      for (let node = el; node; node = node.parentElement) {
        const style = getComputedStyle(node);
        if (style.backgroundImage !== "none") return null;
        const color = rgba(style.backgroundColor);
        if (color.a > 0.9) return color;
      }
      return { r: 255, g: 255, b: 255, a: 1 };
    };
    const failures: string[] = [];
    for (const el of document.querySelectorAll<HTMLElement>("body *")) {
      const hasText = [...el.childNodes].some(
        (node) => node.nodeType === Node.TEXT_NODE && node.textContent?.trim(),
      );
      if (!hasText || el.closest("[hidden], .visually-hidden, [aria-hidden='true']")) continue;
      const box = el.getBoundingClientRect();
      if (box.width === 0 || box.height === 0) continue;
      const bg = background(el);
      if (!bg) continue;
      const fg = rgba(getComputedStyle(el).color);
      const [hi, lo] = [luminance(fg), luminance(bg)].sort((a, b) => b - a) as [number, number];
      const ratio = (hi + 0.05) / (lo + 0.05);
      if (ratio < 4.5) {
        failures.push(
          `${el.tagName}.${el.className} "${(el.textContent ?? "").trim().slice(0, 30)}" ${ratio.toFixed(2)}`,
        );
      }
    }
    return failures;
  });
}
