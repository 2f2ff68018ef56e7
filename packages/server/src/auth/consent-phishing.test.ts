// Consent phishing, scripted in a real Chromium: the attacker starts a login with their
// own result secret, sends SoundCloud's consent link to a victim, the victim clicks
// Connect in their own browser, and the attacker asks the gateway for the result. The
// attacker must get nothing on every flow, and the victim's page must say the login was
// not started there. Two browser contexts = two people (separate storage and cookies).

import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type PageServer, sdkAppFiles, startPageServer } from "@soundgate/test-support/app-pages";
import {
  type LiveGateway,
  launchChromium,
  screenshot,
  startLiveGateway,
} from "@soundgate/test-support/browser";
import { DpopKey } from "@soundgate/test-support/dpop";
import { startTestEmulator, type TestEmulator } from "@soundgate/test-support/emulator";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const VICTIM = "nightjar-audio";

let browser: Browser | undefined;
let emulator: TestEmulator;
let app: PageServer;
let directApp: PageServer;
let gateway: LiveGateway;
let direct: LiveGateway;
let attacker: BrowserContext;
let victim: BrowserContext;

beforeAll(async () => {
  browser = await launchChromium();
  emulator = await startTestEmulator();
  app = await startPageServer();
  directApp = await startPageServer();
  gateway = await startLiveGateway(emulator, () => ({
    SOUNDGATE_ALLOWED_RETURN_TO: `${app.url}/callback`,
  }));
  // The direct flow: SoundCloud sends the code straight to the app's page.
  direct = await startLiveGateway(emulator, () => ({
    SOUNDGATE_ALLOWED_RETURN_TO: `${directApp.url}/callback`,
    SOUNDCLOUD_REDIRECT_URI: `${directApp.url}/callback`,
  }));
  app.files = await sdkAppFiles({ gatewayUrl: gateway.url, apiUrl: emulator.url });
  directApp.files = await sdkAppFiles({ gatewayUrl: direct.url, apiUrl: emulator.url });
  await emulator.configure({ auto_approve: false });
  if (browser) {
    attacker = await browser.newContext();
    victim = await browser.newContext();
    attacker.setDefaultTimeout(15_000);
    victim.setDefaultTimeout(15_000);
  }
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await Promise.all([gateway?.close(), direct?.close(), app?.close(), directApp?.close()]);
  await emulator?.close();
});

interface Lure {
  url: string;
  state: string;
  verifier: string;
}

/**
 * The attacker, in their own browser on a page of the app's origin (any origin would do
 * for /authorize), starts a login with a result secret only they know.
 */
async function attackerStarts(at: LiveGateway, origin: string, returnTo?: string): Promise<Lure> {
  const page = await attacker.newPage();
  await page.goto(`${origin}/`);
  const lure = await page.evaluate(
    async ({ gatewayUrl, returnTo }) => {
      const b64 = (bytes: ArrayBuffer | Uint8Array) =>
        btoa(String.fromCharCode(...new Uint8Array(bytes)))
          .replace(/\+/g, "-")
          .replace(/\//g, "_")
          .replace(/=+$/, "");
      const verifier = b64(crypto.getRandomValues(new Uint8Array(32)));
      const challenge = b64(
        await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)),
      );
      const query = new URLSearchParams({ result_challenge: challenge });
      if (returnTo) query.set("return_to", returnTo);
      const response = await fetch(`${gatewayUrl}/auth/soundcloud/authorize?${query}`);
      const body = await response.json();
      if (!response.ok) throw new Error(`authorize: ${response.status} ${JSON.stringify(body)}`);
      return { url: body.authorization_url as string, state: body.state as string, verifier };
    },
    { gatewayUrl: at.url, returnTo },
  );
  await page.close();
  return lure;
}

/** The attacker asks for the result with everything they have (and a guessed key). */
async function attackerCollects(
  at: LiveGateway,
  origin: string,
  lure: Lure,
): Promise<Array<{ status: number; body: Record<string, unknown> }>> {
  const page = await attacker.newPage();
  await page.goto(`${origin}/`);
  // The attacker signs DPoP proofs with a key of their own: a proof proves only that.
  const key = new DpopKey();
  const proofs = [1, 2, 3].map(() => key.proof("GET", `${at.url}/auth/soundcloud/result`));
  const answers = await page.evaluate(
    async ({ gatewayUrl, state, verifier, proofs }) => {
      const guess = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))))
        .replace(/\+/g, "-")
        .replace(/\//g, "_")
        .replace(/=+$/, "");
      const attempts: Array<Record<string, string>> = [
        { "X-Soundgate-Result-Verifier": verifier },
        { "X-Soundgate-Result-Verifier": verifier, "X-Soundgate-Result-Key": guess },
        {},
      ];
      const out = [];
      for (const [i, headers] of attempts.entries()) {
        try {
          const response = await fetch(
            `${gatewayUrl}/auth/soundcloud/result?state=${encodeURIComponent(state)}`,
            { headers: { ...headers, DPoP: proofs[i] ?? "" } },
          );
          out.push({ status: response.status, body: await response.json() });
        } catch (error) {
          out.push({ status: 0, body: { fetch_failed: String(error) } });
        }
      }
      return out;
    },
    { gatewayUrl: at.url, state: lure.state, verifier: lure.verifier, proofs },
  );
  await page.close();
  return answers;
}

/** The victim opens the link in their own browser and clicks Connect on SoundCloud. */
async function victimApproves(lure: Lure, landsOn: (url: URL) => boolean): Promise<Page> {
  const page = await victim.newPage();
  await page.goto(lure.url);
  await page.getByRole("button", { name: `Connect as ${VICTIM}`, exact: true }).click();
  await page.waitForURL(landsOn);
  return page;
}

function expectNothingFor(answers: Array<{ status: number; body: Record<string, unknown> }>) {
  // Their verifier alone; with a guessed key (same answer as an unknown state); nothing.
  expect(answers.map((a) => `${a.status} ${a.body.error}`)).toEqual([
    "401 result_key_required",
    "404 result_not_found",
    "401 result_verifier_required",
  ]);
  for (const answer of answers) {
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
    expect(answer.body).not.toHaveProperty("access_token");
    expect(answer.body).toEqual(expect.objectContaining({ error: expect.any(String) }));
  }
}

async function victimMessage(page: Page): Promise<{ text: string; code: string }> {
  const message = page.locator("#message");
  await expect.poll(() => message.textContent()).not.toBe("Loading…");
  return {
    text: (await message.textContent()) ?? "",
    code: (await message.getAttribute("data-code")) ?? "",
  };
}

describe("consent phishing", { timeout: 60_000 }, () => {
  it("return_to = the app's page: the attacker gets nothing; the victim's page says it was not started there", async (test) => {
    if (!browser) return test.skip();
    const lure = await attackerStarts(gateway, app.url, `${app.url}/callback`);
    const page = await victimApproves(lure, (url) => url.origin === app.url);
    expectNothingFor(await attackerCollects(gateway, app.url, lure));
    const said = await victimMessage(page);
    await screenshot(page, "phishing-victim-app-page");
    expect(said.code).toBe("state_mismatch");
    expect(said.text).toMatch(/not started here/i);
    // The page cleaned the address bar: no state or key left in the history.
    expect(new URL(page.url()).search).toBe("");
  });

  it("return_to = the gateway's done page: the attacker gets nothing; the page tells the victim", async (test) => {
    if (!browser) return test.skip();
    const lure = await attackerStarts(gateway, app.url);
    const page = await victimApproves(lure, (url) => url.pathname === "/auth/soundcloud/done");
    expectNothingFor(await attackerCollects(gateway, app.url, lure));
    await screenshot(page, "phishing-victim-done-page");
    expect(await page.locator("main").textContent()).toMatch(/not started here/i);
  });

  it("direct callback flow: the code reaches only the victim's page, which refuses it", async (test) => {
    if (!browser) return test.skip();
    const lure = await attackerStarts(direct, directApp.url, `${directApp.url}/callback`);
    const callbacks: string[] = [];
    victim.on("request", (request) => {
      if (new URL(request.url()).pathname === "/auth/soundcloud/callback") {
        callbacks.push(request.url());
      }
    });
    const page = await victimApproves(lure, (url) => url.origin === directApp.url);
    expectNothingFor(await attackerCollects(direct, directApp.url, lure));
    const said = await victimMessage(page);
    expect(said.code).toBe("state_mismatch");
    expect(said.text).toMatch(/not started here/i);
    expect(callbacks).toEqual([]); // the victim's page never spent the code
  });

  it("loopback return_to (desktop app): the victim's browser goes to the victim's own machine", async (test) => {
    if (!browser) return test.skip();
    const loopback = await startLiveGateway(emulator, () => ({
      SOUNDGATE_ALLOWED_RETURN_TO: `${app.url}/callback,http://127.0.0.1:*/callback`,
    }));
    // The attacker's desktop app listens on the attacker's own machine. The victim's
    // browser resolves 127.0.0.1 to the victim's machine, where nothing listens on that
    // port: here, a port just freed on this machine.
    const probe: Server = createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    try {
      const lure = await attackerStarts(loopback, app.url, `http://127.0.0.1:${port}/callback`);
      const page = await victim.newPage();
      await page.goto(lure.url);
      const landed = page.waitForEvent("requestfailed", (request) =>
        request.url().startsWith(`http://127.0.0.1:${port}/callback?`),
      );
      await page.getByRole("button", { name: `Connect as ${VICTIM}`, exact: true }).click();
      // The state and the key went to the victim's machine, and only there.
      const url = new URL((await landed).url());
      expect(url.searchParams.get("state")).toBe(lure.state);
      expect(url.searchParams.get("result_key")).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expectNothingFor(await attackerCollects(loopback, app.url, lure));
    } finally {
      await loopback.close();
    }
  });
});

describe("one person, a second tab", { timeout: 60_000 }, () => {
  it("a callback URL pasted into another tab is refused there before any request; the key alone opens nothing", async (test) => {
    if (!browser) return test.skip();
    const context = await browser.newContext();
    context.setDefaultTimeout(15_000);
    const first = await context.newPage();
    await first.goto(`${app.url}/`);
    await first.locator("#message", { hasText: "Ready" }).waitFor();
    const callback = first.waitForRequest(
      (r) => r.isNavigationRequest() && r.url().startsWith(`${app.url}/callback?`),
    );
    await first.evaluate(() => {
      const w = window as unknown as { sdk: { login(o: object): Promise<void> } };
      void w.sdk.login({ returnTo: `${location.origin}/callback` });
    });
    await first.getByRole("button", { name: `Connect as ${VICTIM}`, exact: true }).click();
    const callbackUrl = (await callback).url();
    expect(callbackUrl).toContain("result_key=");
    expect((await victimMessage(first)).text).toBe(`Connected as ${VICTIM}`);

    // The person pastes the same link into another tab.
    const second = await context.newPage();
    const results: string[] = [];
    second.on("request", (r) => {
      if (r.url().includes("/auth/soundcloud/result")) results.push(r.url());
    });
    await second.goto(callbackUrl);
    const said = await victimMessage(second);
    expect(said.code).toBe("state_mismatch");
    expect(results).toEqual([]);
    // The key alone, sent by hand from the second tab, opens nothing and spends nothing.
    const byHand = await second.evaluate(
      async ({ gatewayUrl, url, proof }) => {
        const params = new URL(url).searchParams;
        const response = await fetch(
          `${gatewayUrl}/auth/soundcloud/result?state=${params.get("state")}`,
          { headers: { "X-Soundgate-Result-Key": params.get("result_key") ?? "", DPoP: proof } },
        );
        return { status: response.status, body: await response.json() };
      },
      {
        gatewayUrl: gateway.url,
        url: callbackUrl,
        proof: new DpopKey().proof("GET", `${gateway.url}/auth/soundcloud/result`),
      },
    );
    expect(byHand).toEqual({
      status: 401,
      body: expect.objectContaining({ error: "result_verifier_required" }),
    });

    await context.close();
  });
});
