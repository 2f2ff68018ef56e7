import { startTestEmulator, type TestEmulator } from "@soundgate/test-support/emulator";
import { APP_CALLBACK, resultSecret, startTestGateway } from "@soundgate/test-support/gateway";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { GatewayError } from "../errors.js";
import type { RunningGateway } from "../gateway.js";
import { createServices } from "./services.js";

let emulator: TestEmulator;
let gateway: RunningGateway | undefined;
beforeAll(async () => {
  emulator = await startTestEmulator();
});
afterAll(() => emulator.close());
afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
});

async function services(env: Record<string, string> = {}) {
  gateway = await startTestGateway(emulator, { env });
  return createServices(gateway.context);
}

describe("LoginRedirect: SoundCloud's redirect, by the flow it finishes", () => {
  it("sends a Starlib login on to its return_to, leaving the browser's login cookie alone", async () => {
    const { starlibHandoff, loginRedirect } = await services();
    const { state } = await starlibHandoff.start({
      returnTo: APP_CALLBACK,
      resultChallenge: resultSecret().challenge,
    });
    const outcome = await loginRedirect.finish({ state, error: "access_denied" }, undefined);
    expect(outcome).toMatchObject({ kind: "redirect", endsBrowserLogin: false });
    expect(outcome).not.toHaveProperty("session");
    const location = new URL((outcome as { location: string }).location);
    expect(`${location.origin}${location.pathname}`).toBe(APP_CALLBACK);
    expect(location.searchParams.get("state")).toBe(state);
    expect(location.searchParams.get("error")).toBe("access_denied");
  });

  it("refuses a connection flow (it completes at the app's callback) and ends it", async () => {
    const { appUserConnections, loginRedirect } = await services();
    const { state } = await appUserConnections.start("alice");
    const refused = await loginRedirect.finish({ state, code: "c" }, undefined).catch((e) => e);
    expect(refused).toBeInstanceOf(GatewayError);
    expect(refused).toMatchObject({ code: "invalid_state" });
    // The flow is gone: the same state is now an unknown login.
    expect(await loginRedirect.finish({ state, code: "c" }, undefined)).toEqual({
      kind: "page",
      page: "login_expired",
      home: undefined,
    });
  });

  it("tells of an unknown login on a page, or sends a BFF browser home when home is allowed", async () => {
    const closed = await services();
    expect(await closed.loginRedirect.finish({ state: "made-up" }, "login-cookie")).toEqual({
      kind: "page",
      page: "login_expired",
      home: undefined,
    });
    await gateway?.close();

    const home = "http://gateway.test/";
    const open = await services({ SOUNDGATE_ALLOWED_RETURN_TO: `${APP_CALLBACK},${home}` });
    expect(await open.loginRedirect.finish({ state: "made-up" }, undefined)).toEqual({
      kind: "page",
      page: "login_expired",
      home,
    });
    expect(await open.loginRedirect.finish({ state: "made-up" }, "login-cookie")).toEqual({
      kind: "redirect",
      location: `${home}?error=login_expired`,
      endsBrowserLogin: true,
    });
  });
});
