import { afterEach, describe, expect, it } from "vitest";
import { type Loopback, startLoopback } from "./loopback.js";

const AUTHORIZE = "https://secure.soundcloud.example/authorize?state=s3cret-state&code_challenge=x";
const open: Loopback[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((loopback) => loopback.close()));
});

async function loopback(): Promise<Loopback> {
  const started = await startLoopback(0);
  open.push(started);
  return started;
}

describe("the loopback listener of `soundgate login`", () => {
  it("takes one completion; a second one is refused", async () => {
    const server = await loopback();
    const code = server.waitForCode("s3cret-state", 10_000);
    const first = await fetch(`${server.redirectUri}?code=c1&state=s3cret-state`);
    expect(first.status).toBe(200);
    const second = await fetch(`${server.redirectUri}?code=c2&state=s3cret-state`);
    expect(second.status).toBe(400);
    expect(await code).toBe("c1");
  });

  it("hands the SoundCloud URL to the first browser that opens the launch link, again on Back", async () => {
    const server = await loopback();
    const code = server.waitForCode("s3cret-state", 10_000);
    const link = server.launchUrl(AUTHORIZE);
    expect(link).not.toContain("s3cret-state");
    const first = await fetch(link, { redirect: "manual" });
    expect(first.status).toBe(302);
    expect(first.headers.get("location")).toBe(AUTHORIZE);
    expect(first.headers.get("cache-control")).toBe("no-store");
    const cookie = first.headers.getSetCookie()[0]?.split(";")[0] ?? "";
    expect(cookie).toMatch(/=/);
    // The same browser going back to the link: the same answer, nothing called off.
    const back = await fetch(link, { redirect: "manual", headers: { Cookie: cookie } });
    expect(back.status).toBe(302);
    await fetch(`${server.redirectUri}?code=c1&state=s3cret-state`);
    expect(await code).toBe("c1");
  });

  it("calls the login off when a second client opens the launch link", async () => {
    const server = await loopback();
    const code = server.waitForCode("s3cret-state", 10_000);
    const outcome = code.then(
      () => "resolved",
      (error: Error) => error.message,
    );
    const link = server.launchUrl(AUTHORIZE);
    expect((await fetch(link, { redirect: "manual" })).status).toBe(302);
    const other = await fetch(link, { redirect: "manual" });
    expect(other.status).toBe(400);
    expect(await outcome).toMatch(/opened twice/);
    // Nothing completes it afterwards, whoever holds the state.
    expect((await fetch(`${server.redirectUri}?code=c1&state=s3cret-state`)).status).toBe(400);
  });

  it("ignores a launch link it did not make", async () => {
    const server = await loopback();
    const code = server.waitForCode("s3cret-state", 10_000);
    const link = new URL(server.launchUrl(AUTHORIZE));
    link.searchParams.set("k", "guess");
    expect((await fetch(link, { redirect: "manual" })).status).toBe(404);
    expect((await fetch(server.launchUrl(AUTHORIZE), { redirect: "manual" })).status).toBe(302);
    await fetch(`${server.redirectUri}?code=c1&state=s3cret-state`);
    expect(await code).toBe("c1");
  });
});
