// The Next.js example as `npm run example:nextjs` runs it: `next build`, then `next start`
// with the emulator, used over HTTP and in Chromium. Next is installed by the example's
// own lockfile (`npm ci` in examples/nextjs; .ci/run has a step for it), not the repository's:
// under CI a missing install fails this file, elsewhere it is skipped with the reason printed.

import { collectPageErrors, launchChromium, screenshot } from "@soundgate/test-support/browser";
import { consentAtEmulator } from "@soundgate/test-support/consent";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nextjsInstalled } from "./run-nextjs.js";
import { cleanEnv, type ExampleProcess, spawnExample } from "./spawn-example.js";

const inCi = Boolean(process.env.CI) && process.env.CI !== "false" && process.env.CI !== "0";
const installed = nextjsInstalled();
const NOT_INSTALLED =
  "the Next.js example is not installed: run `npm ci` in examples/nextjs (or `npm run example:nextjs` once)";
if (!installed && !inCi) console.warn(`\n[Next.js example tests skipped] ${NOT_INSTALLED}\n`);

if (inCi && !installed) {
  describe("Next.js example under CI", () => {
    it("is installed", () => {
      throw new Error(`${NOT_INSTALLED}. It must run under CI.`);
    });
  });
}

describe.runIf(installed)("Next.js example (next build + next start, offline)", () => {
  let app: ExampleProcess;
  let base: string;
  beforeAll(async () => {
    app = spawnExample(["examples/run-nextjs.js"], cleanEnv({ PORT: "0" }));
    // `next build` of the app takes about a minute on two busy cores.
    const [, url] = await app.waitFor(/Local:\s+(http:\/\/localhost:\d+)/, 280_000);
    base = url as string;
    await app.waitFor(/Ready in/, 30_000);
  }, 300_000);
  afterAll(async () => {
    await app?.stop();
  });

  it("built with next build and serves with next start", () => {
    expect(app.output()).toMatch(/Next\.js 1[56]\.\d+/);
    expect(app.output()).toMatch(/ƒ \/soundcloud\/callback/); // the route table of `next build`
    expect(app.output()).toMatch(/SoundCloud emulator on http:\/\/127\.0\.0\.1:\d+/);
  });

  it("connect → consent → callback → /me → disconnect over HTTP", async () => {
    expect(await (await fetch(`${base}/`)).text()).toContain("Sign in to the app as alice");
    const anonymous = await fetch(`${base}/soundcloud/me`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ error: "not_signed_in" });

    const login = await fetch(`${base}/login?user=alice`, { redirect: "manual" });
    expect(login.status).toBe(303);
    const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0] as string;
    expect(cookie).toBe("app_user=alice");
    const as = { headers: { Cookie: cookie }, redirect: "manual" as const };
    expect(await (await fetch(`${base}/`, as)).text()).toContain("SoundCloud is not connected");

    const early = await fetch(`${base}/soundcloud/me`, as);
    expect(early.status).toBe(409);
    expect(await early.json()).toMatchObject({
      error: "not_connected",
      message: expect.stringMatching(/connect SoundCloud first/),
    });

    const connect = await fetch(`${base}/soundcloud/connect`, as);
    expect(connect.status).toBe(302);
    const callback = await consentAtEmulator(connect.headers.get("location") ?? "", {
      user: "nightjar-audio",
    });
    expect(`${callback.origin}${callback.pathname}`).toBe(`${base}/soundcloud/callback`);

    const mallory = await fetch(`${base}/soundcloud/callback${callback.search}`, {
      headers: { Cookie: "app_user=mallory" },
    });
    expect(mallory.status).toBe(403);
    expect(await mallory.json()).toMatchObject({ error: "flow_user_mismatch" });

    const done = await fetch(`${base}/soundcloud/callback${callback.search}`, as);
    expect(done.status).toBe(303);
    expect(done.headers.get("location")).toBe(`${base}/`);
    expect(await (await fetch(`${base}/`, as)).text()).toMatch(
      /Connected to SoundCloud as <strong>Mara Lindqvist<\/strong>.*nightjar-audio.*60.*tracks/,
    );

    const me = await fetch(`${base}/soundcloud/me`, as);
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ username: "nightjar-audio" });

    const disconnect = await fetch(`${base}/soundcloud/disconnect`, { ...as, method: "POST" });
    expect(await disconnect.json()).toEqual({ disconnected: true });
    const after = await fetch(`${base}/soundcloud/me`, as);
    expect(after.status).toBe(409);
    expect(await after.json()).toMatchObject({ error: "not_connected" });
    // Every failure above was an expected one: nothing logged as unexpected, no Next error.
    expect(app.output()).not.toMatch(/unexpected error|⨯/);
  });

  describe("in Chromium", () => {
    let browser: Browser | undefined;
    beforeAll(async () => {
      browser = await launchChromium();
    });
    afterAll(async () => {
      await browser?.close();
    });

    it("sign in, Connect SoundCloud, the consent page, back connected, Disconnect", async (context) => {
      if (!browser) return context.skip();
      const page = await browser.newPage();
      const errors = collectPageErrors(page);
      await page.goto(`${base}/`);
      await page.getByRole("link", { name: "Sign in to the app as alice" }).click();
      await page.getByRole("link", { name: "Connect SoundCloud" }).click();
      await page.getByRole("button", { name: "Connect as nightjar-audio" }).click();
      await page.waitForURL(`${base}/`);
      await expect
        .poll(() => page.locator("main").textContent())
        .toMatch(/Connected to SoundCloud as Mara Lindqvist \(nightjar-audio\): 60 tracks/);
      await screenshot(page, "nextjs-example-connected");
      await page.getByRole("button", { name: "Disconnect SoundCloud" }).click();
      await expect
        .poll(() => page.locator("main").textContent())
        .toMatch(/SoundCloud is not connected/);
      await screenshot(page, "nextjs-example-disconnected");
      expect(errors).toEqual([]);
      await page.close();
    });
  });
});
