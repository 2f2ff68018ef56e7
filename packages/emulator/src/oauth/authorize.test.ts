import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../server.js";
import {
  authorizeRedirect,
  authorizeUrl,
  configure,
  DEFAULT_REDIRECT,
  exchangeCode,
  pkcePair,
  postForm,
  postJson,
  reset,
  stats,
  TEST_CLIENT,
} from "../test-support.js";

let emu: RunningEmulator;
let now = Date.UTC(2025, 0, 1);

beforeAll(async () => {
  emu = await startEmulator({ clients: [TEST_CLIENT], now: () => now });
});
afterAll(() => emu.close());
beforeEach(() => reset(emu));

async function consentPage(params: Record<string, string | undefined> = {}) {
  const { verifier, challenge } = pkcePair();
  const res = await fetch(authorizeUrl(emu.url, { code_challenge: challenge, ...params }));
  const html = await res.text();
  const transaction = /name="transaction_id" value="([^"]+)"/.exec(html)?.[1];
  return { res, html, transaction, verifier };
}

function decide(fields: Record<string, string>) {
  return fetch(`${emu.url}/authorize`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields).toString(),
    redirect: "manual",
  });
}

describe("consent page", () => {
  it("names the app and offers every seeded account plus Cancel", async () => {
    const { res, html, transaction } = await consentPage();
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(html).toContain("Test App");
    expect(html).toContain("wants to access your SoundCloud account");
    expect(transaction).toMatch(/^txn_/);
    for (const username of ["nightjar-audio", "copperline", "saltmarsh", "blue-hour-fm"]) {
      expect(html).toContain(`name="user" value="${username}"`);
      expect(html).toContain(`Connect as ${username}`);
    }
    expect(html).toMatch(/<button[^>]*name="decision" value="cancel"[^>]*>Cancel<\/button>/);
    // Nothing external: no scripts, no remote stylesheets or images.
    expect(html).not.toMatch(/<script|<link|src="http/i);
    // The PKCE challenge never travels through the page.
    expect(html).not.toContain("code_challenge");
  });

  it("calls a client registered without a name the app at its redirect URI's host", async () => {
    await fetch(`${emu.url}/_emulator/clients`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        client_id: "no-name-app",
        client_secret: "s3cret",
        redirect_uris: ["http://localhost:8787/auth/soundcloud/redirect"],
      }),
    });
    const { html } = await consentPage({
      client_id: "no-name-app",
      redirect_uri: "http://localhost:8787/auth/soundcloud/redirect",
    });
    expect(html).toContain(
      '<h1><span class="app">The app at localhost:8787</span> wants to access your SoundCloud account</h1>',
    );
    expect(html).toContain("<title>The app at localhost:8787 wants to connect");
    // The id is still there for developers, but not as the app's name.
    expect(html).toContain("<code>no-name-app</code>");
  });

  it("escapes a client's name", async () => {
    const register = (name: string) =>
      fetch(`${emu.url}/_emulator/clients`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ ...TEST_CLIENT, name }),
      });
    await register('<img src=x onerror="alert(1)">');
    try {
      const { html } = await consentPage();
      expect(html).not.toContain("<img src=x");
      expect(html).toContain("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;");
    } finally {
      await register(TEST_CLIENT.name ?? "Test App");
    }
  });

  it("Connect redirects with a code that exchanges for that user's tokens", async () => {
    const { transaction, verifier } = await consentPage();
    const res = await decide({ transaction_id: transaction ?? "", user: "saltmarsh" });
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get("location") ?? "");
    expect(`${location.origin}${location.pathname}`).toBe(DEFAULT_REDIRECT);
    expect(location.searchParams.get("state")).toBe("state-123");
    const code = location.searchParams.get("code") ?? "";
    const tokenRes = await exchangeCode(emu, code, verifier);
    expect(tokenRes.status).toBe(200);
    const { access_token } = (await tokenRes.json()) as { access_token: string };
    const me = await fetch(`${emu.url}/me`, {
      headers: { authorization: `OAuth ${access_token}` },
    });
    expect(((await me.json()) as { username: string }).username).toBe("saltmarsh");
  });

  it("Cancel redirects with access_denied and the state", async () => {
    const { transaction } = await consentPage();
    const res = await decide({ transaction_id: transaction ?? "", decision: "cancel" });
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get("location") ?? "");
    expect(location.searchParams.get("error")).toBe("access_denied");
    expect(location.searchParams.get("state")).toBe("state-123");
    expect(location.searchParams.has("code")).toBe(false);
  });

  it("answers each consent once", async () => {
    const { transaction } = await consentPage();
    expect((await decide({ transaction_id: transaction ?? "", user: "copperline" })).status).toBe(
      302,
    );
    const again = await decide({ transaction_id: transaction ?? "", user: "copperline" });
    expect(again.status).toBe(400);
    expect(again.headers.get("location")).toBeNull();
    // The app's request was fine: the page says so, instead of blaming its client_id.
    const html = await again.text();
    expect(html).toContain("This request has expired");
    expect(html).toContain("a restart of the emulator forgets them all");
    expect(html).not.toContain("Check the client_id");
  });

  it("expires a consent left open for more than 10 minutes", async () => {
    const { transaction } = await consentPage();
    now += 10 * 60 * 1000 + 1;
    const res = await decide({ transaction_id: transaction ?? "", user: "copperline" });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("expired");
  });

  it("refuses unknown users and forged transactions without redirecting", async () => {
    const { transaction } = await consentPage();
    const unknownUser = await decide({ transaction_id: transaction ?? "", user: "mallory" });
    expect(unknownUser.status).toBe(400);
    expect(unknownUser.headers.get("location")).toBeNull();
    const forged = await decide({ transaction_id: "txn_forged", user: "copperline" });
    expect(forged.status).toBe(400);
    expect(forged.headers.get("location")).toBeNull();
  });

  it("omits state from the redirect only when none was sent", async () => {
    const { transaction } = await consentPage({ state: undefined });
    const res = await decide({ transaction_id: transaction ?? "", user: "copperline" });
    const location = new URL(res.headers.get("location") ?? "");
    expect(location.searchParams.has("state")).toBe(false);
    expect(location.searchParams.get("code")).toMatch(/^code_/);
  });

  it("keeps the registered redirect URI's own query and encodes state", async () => {
    const odd = "a b&c=d/é";
    const { transaction } = await consentPage({
      redirect_uri: "https://app.example/cb?tenant=acme",
      state: odd,
    });
    const res = await decide({ transaction_id: transaction ?? "", decision: "cancel" });
    const location = new URL(res.headers.get("location") ?? "");
    expect(location.origin + location.pathname).toBe("https://app.example/cb");
    expect(location.searchParams.get("tenant")).toBe("acme");
    expect(location.searchParams.get("state")).toBe(odd);
    expect(location.searchParams.get("error")).toBe("access_denied");
  });
});

describe("request validation", () => {
  it("shows a 400 page, never a redirect, for an unknown client", async () => {
    const { res } = await authorizeRedirect(emu.url, {
      client_id: "nobody",
      code_challenge: pkcePair().challenge,
    });
    expect(res.status).toBe(400);
    expect(res.headers.get("location")).toBeNull();
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
  });

  it.each([
    ["another URI", "https://evil.example/callback"],
    ["a prefix match", `${DEFAULT_REDIRECT}/more`],
    ["an extra query", `${DEFAULT_REDIRECT}?x=1`],
    ["a trailing slash", `${DEFAULT_REDIRECT}/`],
    ["no URI", undefined],
  ])("shows a 400 page, never a redirect, for %s", async (_label, redirectUri) => {
    const { res } = await authorizeRedirect(emu.url, {
      redirect_uri: redirectUri,
      code_challenge: pkcePair().challenge,
    });
    expect(res.status).toBe(400);
    expect(res.headers.get("location")).toBeNull();
    expect(await res.text()).toContain("redirect");
  });

  it.each([
    ["no code_challenge", { code_challenge: undefined }],
    ["method plain", { code_challenge_method: "plain" }],
    ["no method (plain by default)", { code_challenge_method: undefined }],
    ["a short challenge", { code_challenge: "abc" }],
    ["a challenge with bad characters", { code_challenge: `${"a".repeat(42)}=` }],
  ])("redirects with invalid_request for %s", async (_label, params) => {
    const { res, location } = await authorizeRedirect(emu.url, {
      code_challenge: pkcePair().challenge,
      ...params,
    });
    expect(res.status).toBe(302);
    expect(location?.searchParams.get("error")).toBe("invalid_request");
    expect(location?.searchParams.get("error_description")).toBeTruthy();
    expect(location?.searchParams.get("state")).toBe("state-123");
    expect(location?.searchParams.has("code")).toBe(false);
  });

  it("redirects with unsupported_response_type for response_type=token", async () => {
    const { location } = await authorizeRedirect(emu.url, {
      response_type: "token",
      code_challenge: pkcePair().challenge,
    });
    expect(location?.searchParams.get("error")).toBe("unsupported_response_type");
    expect(location?.searchParams.get("state")).toBe("state-123");
  });

  it("counts every authorization request, rejected ones included", async () => {
    await authorizeRedirect(emu.url, { client_id: "nobody" });
    await authorizeRedirect(emu.url, { code_challenge: pkcePair().challenge });
    expect((await stats(emu)).authorize_requests).toBe(2);
  });
});

describe("auto-approve", () => {
  it("redirects at once with a code for the first seeded user", async () => {
    await configure(emu, { auto_approve: true });
    const { verifier, challenge } = pkcePair();
    const { res, location } = await authorizeRedirect(emu.url, { code_challenge: challenge });
    expect(res.status).toBe(302);
    const code = location?.searchParams.get("code") ?? "";
    const tokens = (await (await exchangeCode(emu, code, verifier)).json()) as {
      access_token: string;
    };
    const me = await fetch(`${emu.url}/me`, {
      headers: { authorization: `OAuth ${tokens.access_token}` },
    });
    expect(((await me.json()) as { username: string }).username).toBe("nightjar-audio");
  });

  it("signs in as a named user", async () => {
    await configure(emu, { auto_approve: "velvet-transit" });
    const { verifier, challenge } = pkcePair();
    const { location } = await authorizeRedirect(emu.url, { code_challenge: challenge });
    const code = location?.searchParams.get("code") ?? "";
    const { access_token } = (await (await exchangeCode(emu, code, verifier)).json()) as {
      access_token: string;
    };
    const me = await fetch(`${emu.url}/me`, {
      headers: { authorization: `OAuth ${access_token}` },
    });
    expect(((await me.json()) as { username: string }).username).toBe("velvet-transit");
  });

  it("approves one client's logins by its own auto_approve, and no one else's", async () => {
    const scripted = {
      client_id: "scripted-login",
      client_secret: "scripted-secret",
      redirect_uris: ["http://127.0.0.1:9/callback"],
      auto_approve: "velvet-transit",
    };
    const registered = await postJson(`${emu.url}/_emulator/clients`, scripted);
    expect(registered.status).toBe(201);
    expect(await registered.json()).toMatchObject({ auto_approve: "velvet-transit" });
    // The emulator-wide setting is untouched: every other app still shows consent.
    expect((await (await fetch(`${emu.url}/_emulator/config`)).json()).auto_approve).toBe(false);
    const other = await consentPage();
    expect(other.res.status).toBe(200);
    expect(other.transaction).toBeDefined();

    const { verifier, challenge } = pkcePair();
    const { location } = await authorizeRedirect(emu.url, {
      client_id: scripted.client_id,
      redirect_uri: scripted.redirect_uris[0],
      code_challenge: challenge,
    });
    const code = location?.searchParams.get("code") ?? "";
    const token = await postForm(`${emu.url}/oauth/token`, {
      grant_type: "authorization_code",
      code,
      code_verifier: verifier,
      redirect_uri: scripted.redirect_uris[0] as string,
      client_id: scripted.client_id,
      client_secret: scripted.client_secret,
    });
    const { access_token } = (await token.json()) as { access_token: string };
    const me = await fetch(`${emu.url}/me`, {
      headers: { authorization: `OAuth ${access_token}` },
    });
    expect(((await me.json()) as { username: string }).username).toBe("velvet-transit");

    // Registering it again without auto_approve puts consent back for it too.
    const { auto_approve: _, ...plain } = scripted;
    await postJson(`${emu.url}/_emulator/clients`, plain);
    const again = await authorizeRedirect(emu.url, {
      client_id: scripted.client_id,
      redirect_uri: scripted.redirect_uris[0],
      code_challenge: pkcePair().challenge,
    });
    expect(again.res.status).toBe(200);
  });

  it("refuses a client auto_approve naming no seeded user", async () => {
    const res = await postJson(`${emu.url}/_emulator/clients`, {
      client_id: "x",
      client_secret: "y",
      redirect_uris: ["http://127.0.0.1:9/callback"],
      auto_approve: "mallory",
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: "invalid_client" });
    await expect(
      startEmulator({
        clients: [{ ...TEST_CLIENT, auto_approve: 1 as unknown as boolean }],
      }),
    ).rejects.toThrow(/auto_approve/);
  });

  it("still validates the request first", async () => {
    await configure(emu, { auto_approve: true });
    const bad = await authorizeRedirect(emu.url, { redirect_uri: "https://evil.example/" });
    expect(bad.res.status).toBe(400);
    expect(bad.res.headers.get("location")).toBeNull();
    const plain = await authorizeRedirect(emu.url, {
      code_challenge: pkcePair().challenge,
      code_challenge_method: "plain",
    });
    expect(plain.location?.searchParams.get("error")).toBe("invalid_request");
  });
});

it("POST /authorize needs a form body", async () => {
  const res = await postForm(`${emu.url}/authorize`, {});
  expect(res.status).toBe(400);
  const json = await fetch(`${emu.url}/authorize`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: "{}",
  });
  expect(json.status).toBe(400);
});
