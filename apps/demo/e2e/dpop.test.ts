// Sender-bound refresh tokens in a real Chromium: the token-mode demo's tokens, copied into
// a second browser (another context: its own IndexedDB, so its own DPoP key), refresh
// nothing there, by the SDK or by hand, while the browser that signed in keeps going.

import {
  collectPageErrors,
  type DemoStack,
  launchChromium,
  screenshot,
  startDemoStack,
} from "@soundgate/test-support/browser";
import type { Browser, BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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

const upstreamRefreshes = async () => (await stack.emulator.stats()).token_requests.refresh_token;

async function newContext(): Promise<BrowserContext> {
  if (!browser) throw new Error("no browser");
  const context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
  context.setDefaultTimeout(15_000);
  return context;
}

describe("tokens stolen from a browser", { timeout: 60_000 }, () => {
  it("refresh nothing in another browser; the browser that signed in keeps refreshing", async (test) => {
    if (!browser) return test.skip();
    const victimContext = await newContext();
    const victim = await victimContext.newPage();
    const errors = collectPageErrors(victim);
    await clickThroughLogin(victim, stack);
    await waitConnected(victim);

    // The key the SDK made is in IndexedDB, and its private half cannot be exported.
    const key = await victim.evaluate(
      () =>
        new Promise<{ extractable: boolean; exported: string; alg: string }>((resolve) => {
          const open = indexedDB.open("soundgate");
          open.onsuccess = () => {
            const read = open.result.transaction("keys").objectStore("keys").get("dpop");
            read.onsuccess = async () => {
              const pair = read.result as CryptoKeyPair;
              const exported = await crypto.subtle.exportKey("jwk", pair.privateKey).then(
                () => "exported",
                (error: Error) => error.name,
              );
              resolve({
                extractable: pair.privateKey.extractable,
                exported,
                alg: (pair.privateKey.algorithm as EcKeyAlgorithm).namedCurve,
              });
            };
          };
        }),
    );
    expect(key).toEqual({ extractable: false, exported: "InvalidAccessError", alg: "P-256" });

    // Everything an XSS or an extension could read from the victim's localStorage.
    const stolen = await storageOf(victim);
    expect(stolen.refresh_token).toMatch(/^rt_/);
    const before = await upstreamRefreshes();

    // The thief's own browser: the demo with the stolen tokens, expiring now.
    const thiefContext = await newContext();
    await thiefContext.addInitScript((tokens: Record<string, string>) => {
      if (localStorage.getItem("refresh_token")) return;
      for (const [name, value] of Object.entries(tokens)) localStorage.setItem(name, value);
      localStorage.setItem("soundgate_demo_mode", "tokens");
      localStorage.setItem("token_expires_at", String(Date.now() - 1000));
    }, stolen);
    const thief = await thiefContext.newPage();
    const refreshes: number[] = [];
    thief.on("response", (response) => {
      if (new URL(response.url()).pathname === "/auth/soundcloud/refresh") {
        refreshes.push(response.status());
      }
    });
    await thief.goto(`${stack.url}/`);
    await thief
      .locator("#notice-title", { hasText: "This session belongs to another browser" })
      .waitFor();
    await thief.getByRole("button", { name: "Connect with SoundCloud" }).waitFor();
    await screenshot(thief, "dpop-stolen-tokens-refused");
    expect(refreshes).toEqual([401]);
    // The SDK cleared what it could not use.
    expect((await storageOf(thief)).refresh_token).toBeUndefined();

    // By hand from the thief's browser, with a proof of the thief's own key: nothing.
    const byHand = await thief.evaluate(async (refreshToken) => {
      const keys = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, [
        "sign",
      ]);
      const jwk = await crypto.subtle.exportKey("jwk", keys.publicKey);
      const b64 = (bytes: Uint8Array) =>
        btoa(String.fromCharCode(...bytes))
          .replace(/\+/g, "-")
          .replace(/\//g, "_")
          .replace(/=+$/, "");
      const part = (value: object) => b64(new TextEncoder().encode(JSON.stringify(value)));
      const input = `${part({ typ: "dpop+jwt", alg: "ES256", jwk: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y } })}.${part(
        {
          htm: "POST",
          htu: `${location.origin}/auth/soundcloud/refresh`,
          iat: Math.floor(Date.now() / 1000),
          jti: b64(crypto.getRandomValues(new Uint8Array(16))),
        },
      )}`;
      const signature = new Uint8Array(
        await crypto.subtle.sign(
          { name: "ECDSA", hash: "SHA-256" },
          keys.privateKey,
          new TextEncoder().encode(input),
        ),
      );
      const answers = [];
      const attempts: Array<Record<string, string>> = [{}, { DPoP: `${input}.${b64(signature)}` }];
      for (const headers of attempts) {
        const response = await fetch("/auth/soundcloud/refresh", {
          method: "POST",
          headers: { "Content-Type": "application/json", ...headers },
          body: JSON.stringify({ refresh_token: refreshToken }),
        });
        answers.push(`${response.status} ${(await response.json()).error}`);
      }
      return answers;
    }, stolen.refresh_token ?? "");
    expect(byHand).toEqual(["401 invalid_dpop_proof", "401 invalid_dpop_proof"]);
    expect(await upstreamRefreshes()).toBe(before); // the gateway's secret was never spent

    // The victim's browser renews as before: its tokens were never spent by the thief.
    await victim.evaluate(() => localStorage.setItem("token_expires_at", String(Date.now() + 500)));
    await expect
      .poll(async () => (await storageOf(victim)).refresh_token, { timeout: 10_000 })
      .not.toBe(stolen.refresh_token);
    await victim.locator("#countdown", { hasText: /^59:\d\d left$/ }).waitFor();
    expect(await upstreamRefreshes()).toBe(before + 1);
    expect(errors).toEqual([]);
    await victimContext.close();
    await thiefContext.close();
  });
});
