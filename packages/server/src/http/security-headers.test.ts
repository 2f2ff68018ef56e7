import {
  collectPageErrors,
  DEMO_DIST,
  launchChromium,
  screenshot,
} from "@soundgate/test-support/browser";
import { startTestEmulator, type TestEmulator } from "@soundgate/test-support/emulator";
import { loginViaBff, startTestGateway } from "@soundgate/test-support/gateway";
import type { Browser } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { RunningGateway } from "../gateway.js";

let emulator: TestEmulator;
const started: RunningGateway[] = [];
beforeAll(async () => {
  emulator = await startTestEmulator();
});
afterAll(() => emulator.close());
afterEach(async () => {
  await Promise.all(started.splice(0).map((g) => g.close()));
});

async function gatewayWith(env: Record<string, string> = {}) {
  const gateway = await startTestGateway(emulator, { env });
  started.push(gateway);
  return gateway;
}

/** The directives of a Content-Security-Policy header, by name. */
function csp(response: Response): Map<string, string[]> {
  const header = response.headers.get("content-security-policy") ?? "";
  const directives = new Map<string, string[]>();
  for (const part of header.split(";")) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name) directives.set(name.toLowerCase(), values);
  }
  return directives;
}

/** What every page must have: no inline script or style by default, never framed. */
function expectStrictPage(response: Response) {
  const policy = csp(response);
  const scripts = policy.get("script-src") ?? policy.get("default-src") ?? [];
  const styles = policy.get("style-src") ?? policy.get("default-src") ?? [];
  expect(scripts.length).toBeGreaterThan(0);
  for (const source of [...scripts, ...styles]) {
    expect(source).not.toMatch(/unsafe-inline|unsafe-eval|^\*$|^https?:$|^data:$/);
  }
  expect(policy.get("frame-ancestors")).toEqual(["'none'"]);
  expect(policy.get("base-uri")).toEqual(["'none'"]);
  expect(policy.get("object-src") ?? policy.get("default-src")).toEqual(["'none'"]);
  expect(response.headers.get("x-content-type-options")).toBe("nosniff");
  expect(response.headers.get("x-frame-options")).toBe("DENY");
}

describe("pages", () => {
  it("the built-in home page and the done page have a strict CSP and cannot be framed", async () => {
    const gateway = await gatewayWith();
    for (const path of ["/", "/auth/soundcloud/done"]) {
      const response = await fetch(`${gateway.url}${path}`);
      expect(response.status, path).toBe(200);
      expect(response.headers.get("content-type")).toMatch(/^text\/html/);
      expectStrictPage(response);
    }
  });

  it("every other page the gateway answers is strict too: the done page's errors, the expired login", async () => {
    const gateway = await gatewayWith();
    for (const [path, status, headers] of [
      ["/auth/soundcloud/done?error=access_denied", 200, {}],
      ["/auth/soundcloud/done?error=server_error", 200, {}],
      // A browser back with a login the gateway lost gets a page, not JSON.
      ["/auth/soundcloud/redirect?code=x&state=lost", 400, { Accept: "text/html" }],
    ] as const) {
      const response = await fetch(`${gateway.url}${path}`, { headers });
      expect(response.status, path).toBe(status);
      expect(response.headers.get("content-type"), path).toMatch(/^text\/html/);
      expectStrictPage(response);
    }
  });

  it("a front end served with --static has a strict CSP on every file and on 404s", async () => {
    const gateway = await gatewayWith({ SOUNDGATE_STATIC_DIR: DEMO_DIST });
    const index = await fetch(`${gateway.url}/`);
    expect(index.status).toBe(200);
    expectStrictPage(index);
    const html = await index.text();
    // The demo needs no inline script or style attribute, so none is allowed.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/\sstyle=/);
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1] as string;
    const script = await fetch(`${gateway.url}${asset}`);
    expect(script.status).toBe(200);
    expect(script.headers.get("x-content-type-options")).toBe("nosniff");
    expect(csp(script).get("frame-ancestors")).toEqual(["'none'"]);
    const missing = await fetch(`${gateway.url}/nope.html`);
    expect(missing.status).toBe(404);
    expect(csp(missing).get("frame-ancestors")).toEqual(["'none'"]);
  });

  it("JSON answers and errors cannot be framed or sniffed either", async () => {
    const gateway = await gatewayWith();
    for (const [path, status] of [
      ["/healthz", 200],
      ["/nope", 404],
      ["/auth/soundcloud/result", 400],
      ["/auth/soundcloud/config", 200],
      ["/auth/session", 200],
      ["/api/soundcloud/me", 401],
    ] as const) {
      const response = await fetch(`${gateway.url}${path}`);
      expect(response.status, path).toBe(status);
      const policy = csp(response);
      expect(policy.get("default-src"), path).toEqual(["'none'"]);
      expect(policy.get("frame-ancestors"), path).toEqual(["'none'"]);
      expect(response.headers.get("x-content-type-options"), path).toBe("nosniff");
      expect(response.headers.get("referrer-policy"), path).toBe("no-referrer");
    }
  });
});

describe("HSTS", () => {
  it("is sent on every answer of an https deployment", async () => {
    const gateway = await gatewayWith({
      SOUNDGATE_PUBLIC_URL: "https://gateway.test",
      SOUNDGATE_ALLOWED_RETURN_TO: "https://app.test/",
    });
    for (const path of ["/", "/healthz", "/nope", "/auth/soundcloud/done"]) {
      const response = await fetch(`${gateway.url}${path}`);
      expect(response.headers.get("strict-transport-security"), path).toMatch(
        /^max-age=\d{8,}; includeSubDomains$/,
      );
    }
  });

  it("is not sent on plain-http localhost, where it would pin a developer's browser", async () => {
    const gateway = await gatewayWith();
    expect((await fetch(`${gateway.url}/`)).headers.get("strict-transport-security")).toBeNull();
  });
});

describe("proxied API bodies", () => {
  it("an upstream HTML page is served sandboxed and unsniffable, never as our page", async () => {
    const gateway = await gatewayWith();
    const { jar } = await loginViaBff(emulator, gateway);
    await emulator.configure({ fail_next: { target: "api", count: 1, mode: "html", status: 502 } });
    const response = await fetch(`${gateway.url}/api/soundcloud/me`, {
      headers: { Cookie: jar.header() },
    });
    expect(response.status).toBe(502);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    expect(await response.text()).toContain("<html>");
    const policy = csp(response);
    expect(policy.has("sandbox")).toBe(true);
    expect(policy.get("sandbox")).toEqual([]);
    expect(policy.get("default-src")).toEqual(["'none'"]);
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    // JSON answers get the same treatment.
    const me = await fetch(`${gateway.url}/api/soundcloud/me`, {
      headers: { Cookie: jar.header() },
    });
    expect(me.status).toBe(200);
    expect(csp(me).has("sandbox")).toBe(true);
  });
});

describe("the built-in pages in Chromium", () => {
  let browser: Browser | undefined;
  beforeAll(async () => {
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  it("run their own script and style under the CSP, and nothing is refused", async (context) => {
    if (!browser) return context.skip();
    const gateway = await gatewayWith();
    const page = await browser.newPage();
    const errors = collectPageErrors(page);
    // Every refusal the CSP makes, as the page itself sees it.
    await page.addInitScript(() => {
      const seen: string[] = [];
      Object.assign(window, { cspViolations: seen });
      document.addEventListener("securitypolicyviolation", (event) =>
        seen.push(`${event.violatedDirective} ${event.blockedURI}`),
      );
    });
    const violations = () =>
      page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations);
    try {
      await page.goto(`${gateway.url}/auth/soundcloud/done`);
      await page.getByRole("heading", { name: "Return to the app" }).waitFor();
      // The page's own <style> applies: the card is laid out, not default-styled.
      const radius = await page
        .locator(".card")
        .evaluate((el) => getComputedStyle(el).borderRadius);
      expect(radius).toBe("12px");
      await screenshot(page, "gateway-done-page");
      expect(await violations()).toEqual([]);

      // The page a browser sees when it comes back with a login the gateway lost.
      await page.goto(`${gateway.url}/auth/soundcloud/redirect?code=x&state=lost-in-a-restart`);
      await page.getByRole("heading", { name: "This login expired" }).waitFor();
      expect(await page.locator(".card").evaluate((el) => getComputedStyle(el).borderRadius)).toBe(
        "12px",
      );
      await screenshot(page, "gateway-login-expired-page");
      expect(await violations()).toEqual([]);

      await page.goto(`${gateway.url}/`);
      await page.getByRole("button", { name: "Connect with SoundCloud" }).click();
      // The module script ran: it asked /authorize and showed its answer (this page's
      // origin is not an allowed return_to here, which is all the test needs).
      await page
        .locator("#out")
        .filter({ hasText: /return_to/ })
        .waitFor();
      await screenshot(page, "gateway-home-page");
      expect(await violations()).toEqual([]);
      expect(errors.filter((e) => /security policy|refused/i.test(e))).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
