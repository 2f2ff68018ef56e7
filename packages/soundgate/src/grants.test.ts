import { authorizeCode } from "@soundgate/test-support/emulator";
import { it } from "@soundgate/test-support/fixtures";
import { describe, expect } from "vitest";
import { ApiClient } from "./api-client.js";
import { isSoundgateError, type SoundgateErrorCode } from "./errors.js";
import { clientCredentials, exchangeCode, refreshToken, signOut } from "./grants.js";
import { createPkce } from "./pkce.js";

it.beforeEach(({ emulator }) => emulator.reset());

async function expectCode(promise: Promise<unknown>, code: SoundgateErrorCode): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isSoundgateError(error) ? error.code : error).toBe(code);
  return error as Error;
}

describe("authorization code grant against the emulator", () => {
  it("exchanges a code for tokens that work on /me", async ({ emulator }) => {
    const { code, verifier } = await authorizeCode(emulator);
    const before = Date.now();
    const tokens = await exchangeCode(emulator.client, { code, codeVerifier: verifier });
    expect(tokens.accessToken).toBeTruthy();
    expect(tokens.refreshToken).toBeTruthy();
    expect(tokens.expiresAt).toBeGreaterThanOrEqual(before + 3_599_000);
    const me = await new ApiClient({
      auth: tokens.accessToken,
      apiBaseUrl: emulator.endpoints.apiBaseUrl,
    }).me();
    expect(me.urn).toMatch(/^soundcloud:users:\d+$/);
    expect(me.username).toBeTruthy();
  });

  it("takes expiresAt from the injected clock", async ({ emulator }) => {
    const { code, verifier } = await authorizeCode(emulator);
    const tokens = await exchangeCode(
      { ...emulator.client, now: () => 1_000 },
      { code, codeVerifier: verifier },
    );
    expect(tokens.expiresAt).toBe(1_000 + 3_599_000);
  });

  it("rejects a wrong verifier with invalid_grant", async ({ emulator }) => {
    const { code } = await authorizeCode(emulator);
    const other = await createPkce();
    await expectCode(
      exchangeCode(emulator.client, { code, codeVerifier: other.verifier }),
      "invalid_grant",
    );
  });

  it("rejects a redirect URI other than the authorized one with invalid_grant", async ({
    emulator,
  }) => {
    const { code, verifier } = await authorizeCode(emulator);
    await expectCode(
      exchangeCode(emulator.client, {
        code,
        codeVerifier: verifier,
        redirectUri: "http://127.0.0.1:9/other",
      }),
      "invalid_grant",
    );
  });

  it("rejects a reused code, and the reuse revokes what the first exchange got", async ({
    emulator,
  }) => {
    const { code, verifier } = await authorizeCode(emulator);
    const first = await exchangeCode(emulator.client, { code, codeVerifier: verifier });
    await expectCode(
      exchangeCode(emulator.client, { code, codeVerifier: verifier }),
      "invalid_grant",
    );
    const api = new ApiClient({
      auth: first.accessToken,
      apiBaseUrl: emulator.endpoints.apiBaseUrl,
    });
    await expectCode(api.me(), "unauthorized");
    await expectCode(
      refreshToken(emulator.client, { refreshToken: first.refreshToken ?? "" }),
      "invalid_grant",
    );
  });

  it("rejects a wrong client secret with invalid_client, and never puts the secret in the message", async ({
    emulator,
  }) => {
    const { code, verifier } = await authorizeCode(emulator);
    const error = await expectCode(
      exchangeCode(
        { ...emulator.client, clientSecret: "not-the-secret" },
        { code, codeVerifier: verifier },
      ),
      "invalid_client",
    );
    expect(error.message).not.toContain("not-the-secret");
    expect(error.message).not.toContain(code);
    expect((error as { status?: number }).status).toBe(401);
  });

  it("never retries a code exchange, even on a 503", async ({ emulator }) => {
    const { code, verifier } = await authorizeCode(emulator);
    await emulator.configure({ fail_next: { target: "token", count: 1, status: 503 } });
    await expectCode(
      exchangeCode(emulator.client, { code, codeVerifier: verifier }),
      "upstream_unavailable",
    );
    expect((await emulator.stats()).token_requests.authorization_code).toBe(1);
  });
});

describe("refresh grant", () => {
  it("rotates the refresh token, and a reused one is invalid_grant", async ({ emulator }) => {
    const { code, verifier } = await authorizeCode(emulator);
    const first = await exchangeCode(emulator.client, { code, codeVerifier: verifier });
    const second = await refreshToken(emulator.client, { refreshToken: first.refreshToken ?? "" });
    expect(second.refreshToken).toBeTruthy();
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(second.accessToken).not.toBe(first.accessToken);
    await expectCode(
      refreshToken(emulator.client, { refreshToken: first.refreshToken ?? "" }),
      "invalid_grant",
    );
    const stats = await emulator.stats();
    expect(stats.refresh_reuse).toBe(1);
    expect(stats.token_errors.invalid_grant).toBe(1);
  });

  it("retries a 503 and succeeds without spending the token twice", async ({ emulator }) => {
    const { code, verifier } = await authorizeCode(emulator);
    const first = await exchangeCode(emulator.client, { code, codeVerifier: verifier });
    await emulator.configure({ fail_next: { target: "token", count: 1, status: 503 } });
    const second = await refreshToken(
      { ...emulator.client, retry: { baseDelayMs: 10 } },
      {
        refreshToken: first.refreshToken ?? "",
      },
    );
    expect(second.accessToken).toBeTruthy();
    const stats = await emulator.stats();
    expect(stats.token_requests.refresh_token).toBe(2);
    expect(stats.refresh_reuse).toBe(0);
  });

  it("gives up after the retry bound with upstream_unavailable", async ({ emulator }) => {
    const { code, verifier } = await authorizeCode(emulator);
    const first = await exchangeCode(emulator.client, { code, codeVerifier: verifier });
    await emulator.configure({ fail_next: { target: "token", count: 10, status: 503 } });
    await expectCode(
      refreshToken(
        { ...emulator.client, retry: { baseDelayMs: 5, maxRetries: 2 } },
        { refreshToken: first.refreshToken ?? "" },
      ),
      "upstream_unavailable",
    );
    expect((await emulator.stats()).token_requests.refresh_token).toBe(3);
  });
});

describe("client credentials and sign-out", () => {
  it("gets an app token with HTTP Basic that works on public endpoints only", async ({
    emulator,
  }) => {
    const tokens = await clientCredentials(emulator.client);
    const api = new ApiClient({
      auth: tokens.accessToken,
      apiBaseUrl: emulator.endpoints.apiBaseUrl,
    });
    await expectCode(api.me(), "unauthorized");
    const tracks = await api.get<unknown[]>("/tracks", { query: { q: "a", limit: 5 } });
    expect(Array.isArray(tracks)).toBe(true);
  });

  it("authenticates with HTTP Basic when the id and secret hold characters form encoding escapes", async ({
    emulator,
  }) => {
    const odd = { client_id: "odd-client*'()", client_secret: "s3cret*'()!~%+" };
    await emulator.register({ ...odd, redirect_uris: ["http://127.0.0.1:9/callback"] });
    const tokens = await clientCredentials({
      ...emulator.client,
      clientId: odd.client_id,
      clientSecret: odd.client_secret,
    });
    expect(tokens.accessToken).toBeTruthy();
  });

  it("reports a 429 with its Retry-After as rate_limited, without waiting it out", async ({
    emulator,
  }) => {
    await emulator.configure({
      fail_next: { target: "token", count: 5, status: 429, retry_after: 120 },
    });
    const error = await expectCode(clientCredentials(emulator.client), "rate_limited");
    expect((error as { retryAfter?: number }).retryAfter).toBe(120);
    expect((await emulator.stats()).token_requests.client_credentials).toBe(1);
  });

  it("waits out a short Retry-After and then succeeds", async ({ emulator }) => {
    await emulator.configure({
      fail_next: { target: "token", count: 1, status: 429, retry_after: 1 },
    });
    const started = Date.now();
    const tokens = await clientCredentials(emulator.client);
    expect(tokens.accessToken).toBeTruthy();
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it("signs out: the access token stops working", async ({ emulator }) => {
    const { code, verifier } = await authorizeCode(emulator);
    const tokens = await exchangeCode(emulator.client, { code, codeVerifier: verifier });
    await signOut(emulator.client, { accessToken: tokens.accessToken });
    const api = new ApiClient({
      auth: tokens.accessToken,
      apiBaseUrl: emulator.endpoints.apiBaseUrl,
    });
    await expectCode(api.me(), "unauthorized");
  });
});

describe("transport failures are typed", () => {
  it("times out a token endpoint that never answers", async ({ emulator }) => {
    await emulator.configure({ fail_next: { target: "token", count: 1, mode: "hang" } });
    const started = Date.now();
    await expectCode(clientCredentials({ ...emulator.client, timeoutMs: 300 }), "timeout");
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("treats a CDN error page as upstream_unavailable and malformed JSON as invalid_response", async ({
    emulator,
  }) => {
    await emulator.configure({
      fail_next: { target: "token", count: 1, mode: "html", status: 502 },
    });
    await expectCode(
      clientCredentials({ ...emulator.client, retry: { maxRetries: 0 } }),
      "upstream_unavailable",
    );
    await emulator.configure({ fail_next: { target: "token", count: 1, mode: "malformed_json" } });
    await expectCode(clientCredentials(emulator.client), "invalid_response");
  });

  it("reports a dropped connection as upstream_unavailable", async ({ emulator }) => {
    await emulator.configure({ fail_next: { target: "token", count: 1, mode: "drop" } });
    await expectCode(clientCredentials(emulator.client), "upstream_unavailable");
  });

  it("reports a closed port as upstream_unavailable", async ({ emulator }) => {
    const endpoints = { ...emulator.endpoints, tokenUrl: "http://127.0.0.1:1/oauth/token" };
    await expectCode(clientCredentials({ ...emulator.client, endpoints }), "upstream_unavailable");
  });
});
