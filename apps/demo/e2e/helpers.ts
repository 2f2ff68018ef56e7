import type { DemoStack } from "@soundgate/test-support/browser";
import type { Page } from "playwright-core";

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

/** Loads every image, lazy ones too (a full-page screenshot shows them all). */
export async function waitForImages(page: Page): Promise<void> {
  await page.evaluate(() => {
    for (const img of document.images) img.loading = "eager";
  });
  await page.waitForFunction(() =>
    [...document.images].every((img) => !img.getAttribute("src") || img.complete),
  );
}

/** Presses Tab `n` times from the top; returns "TAG accessible-ish name" per stop. */
export async function focusOrder(page: Page, n: number): Promise<string[]> {
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
export function unlabelledControls(page: Page): Promise<string[]> {
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
export function lowContrastText(page: Page): Promise<string[]> {
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
