import { request } from "node:http";
import { type LiveGateway, startLiveGateway } from "@soundgate/test-support/browser";
import { startTestEmulator, type TestEmulator } from "@soundgate/test-support/emulator";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { isLoopbackName } from "./loopback-alias.js";

let emulator: TestEmulator;
const started: LiveGateway[] = [];
beforeAll(async () => {
  emulator = await startTestEmulator();
});
afterAll(() => emulator.close());
afterEach(async () => {
  await Promise.all(started.splice(0).map((g) => g.close()));
});

/** A gateway listening on 127.0.0.1:<port>, public at http://<publicHost>:<port> unless `env` says otherwise. */
async function gateway(publicHost: string, env: Record<string, string> = {}) {
  const live = await startLiveGateway(emulator, (url) => ({
    SOUNDGATE_PUBLIC_URL: url.replace("127.0.0.1", publicHost),
    ...env,
  }));
  started.push(live);
  const port = new URL(live.url).port;
  return { live, port, publicOrigin: `http://${publicHost}:${port}` };
}

/** GET with a Host header of our choosing (fetch does not let a caller set Host). */
function getWithHost(url: string, host: string): Promise<{ status: number; location?: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { host } }, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, location: res.headers.location });
    });
    req.on("error", reject);
    req.end();
  });
}

describe("another loopback name for the development gateway", () => {
  it("a browser on http://127.0.0.1:<port>/ is sent to http://localhost:<port>/, path and query kept", async () => {
    const { live, publicOrigin } = await gateway("localhost");
    const first = await fetch(`${live.url}/?mode=tokens`, { redirect: "manual" });
    expect(first.status).toBe(307);
    expect(first.headers.get("location")).toBe(`${publicOrigin}/?mode=tokens`);
    expect(first.headers.get("cache-control")).toBe("no-store");

    // Followed, as a browser does: it ends on the public origin's page.
    const followed = await fetch(`${live.url}/`);
    expect(followed.status).toBe(200);
    expect(followed.url).toBe(`${publicOrigin}/`);
    expect(await followed.text()).toContain("Connect with SoundCloud");

    // A login started on the other name: redirected to the public origin, where it is allowed.
    const login = await fetch(
      `${live.url}/auth/soundcloud/login?return_to=${encodeURIComponent(`${publicOrigin}/`)}`,
      { redirect: "manual" },
    );
    expect(login.status).toBe(307);
    expect(login.headers.get("location")).toMatch(
      new RegExp(`^${publicOrigin}/auth/soundcloud/login\\?return_to=`),
    );
  });

  it("redirects [::1] and 127.0.0.2 too, and the public name itself is served", async () => {
    const { live, port, publicOrigin } = await gateway("localhost");
    for (const host of [`[::1]:${port}`, `127.0.0.2:${port}`, `LOCALHOST.:${port}`]) {
      expect(await getWithHost(`${live.url}/healthz`, host), host).toEqual({
        status: 307,
        location: `${publicOrigin}/healthz`,
      });
    }
    expect((await getWithHost(`${live.url}/healthz`, `localhost:${port}`)).status).toBe(200);
  });

  it("works the other way round: public at 127.0.0.1, a request on localhost is redirected", async () => {
    const { live, port } = await gateway("127.0.0.1");
    expect(await getWithHost(`${live.url}/`, `localhost:${port}`)).toEqual({
      status: 307,
      location: `http://127.0.0.1:${port}/`,
    });
    expect((await fetch(`${live.url}/`, { redirect: "manual" })).status).toBe(200);
  });

  it("leaves other hosts, other ports, non-loopback public URLs and production alone", async () => {
    const dev = await gateway("localhost");
    // Not a loopback name: not ours to redirect (and never an open redirect).
    expect((await getWithHost(`${dev.live.url}/healthz`, `evil.test:${dev.port}`)).status).toBe(
      200,
    );
    // Another port: a dev server on localhost:5173 proxying here keeps working.
    expect((await getWithHost(`${dev.live.url}/healthz`, "127.0.0.1:5173")).status).toBe(200);

    const proxied = await gateway("localhost", { SOUNDGATE_PUBLIC_URL: "http://gateway.test" });
    expect((await fetch(`${proxied.live.url}/healthz`, { redirect: "manual" })).status).toBe(200);

    const production = await gateway("localhost", {
      NODE_ENV: "production",
      SOUNDGATE_ENCRYPTION_KEYS: `k:${Buffer.alloc(32, 1).toString("base64")}`,
    });
    expect((await fetch(`${production.live.url}/healthz`, { redirect: "manual" })).status).toBe(
      200,
    );
  });
});

describe("isLoopbackName", () => {
  it("is localhost, 127.0.0.0/8 and [::1], nothing that merely looks like them", () => {
    for (const name of ["localhost", "LOCALHOST", "localhost.", "127.0.0.1", "127.1.2.3", "[::1]"])
      expect(isLoopbackName(name), name).toBe(true);
    for (const name of ["localhost.evil.test", "127.0.0.1.evil.test", "0.0.0.0", "[::]", "::1x"])
      expect(isLoopbackName(name), name).toBe(false);
  });
});
