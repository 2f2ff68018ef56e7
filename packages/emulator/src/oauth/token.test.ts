import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../server.js";
import {
  api,
  basicAuth,
  clientCredentials,
  configure,
  DEFAULT_REDIRECT,
  exchangeCode,
  getCode,
  loginTokens,
  postForm,
  postJson,
  refresh,
  reset,
  stats,
  TEST_CLIENT,
  type TokenBody,
} from "../test-support.js";

const OTHER_CLIENT = {
  client_id: "other-app",
  client_secret: "other-secret",
  redirect_uris: [DEFAULT_REDIRECT],
};

let emu: RunningEmulator;
let now = Date.UTC(2025, 0, 1);

beforeAll(async () => {
  emu = await startEmulator({
    clients: [TEST_CLIENT, OTHER_CLIENT],
    autoApprove: true,
    now: () => now,
  });
});
afterAll(() => emu.close());
beforeEach(() => reset(emu));

const tokenUrl = () => `${emu.url}/oauth/token`;

async function errorOf(res: Response): Promise<string> {
  const body = (await res.json()) as { error: string };
  return body.error;
}

describe("authorization_code", () => {
  it("exchanges a code for SoundCloud-shaped tokens that open /me", async () => {
    const { code, verifier } = await getCode(emu);
    const res = await exchangeCode(emu, code, verifier);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const body = (await res.json()) as TokenBody;
    expect(Object.keys(body).sort()).toEqual(
      ["access_token", "expires_in", "refresh_token", "scope", "token_type"].sort(),
    );
    expect(body).toMatchObject({ expires_in: 3599, scope: "", token_type: "bearer" });
    expect(body.access_token).toMatch(/^at_[A-Za-z0-9_-]{43}$/);
    expect(body.refresh_token).toMatch(/^rt_[A-Za-z0-9_-]{43}$/);
    const me = await api(emu, "/me", body.access_token);
    expect(me.status).toBe(200);
    expect(((await me.json()) as { username: string }).username).toBe("nightjar-audio");
  });

  it("rejects a wrong verifier, and a malformed one, with invalid_grant", async () => {
    const { code } = await getCode(emu);
    const wrong = await exchangeCode(emu, code, "x".repeat(43));
    expect(wrong.status).toBe(400);
    expect(await errorOf(wrong)).toBe("invalid_grant");
    const malformed = await exchangeCode(emu, code, "short");
    expect(await errorOf(malformed)).toBe("invalid_grant");
  });

  it("rejects a redirect_uri other than the one authorized", async () => {
    const { code, verifier } = await getCode(emu);
    const res = await exchangeCode(emu, code, verifier, {
      redirect_uri: "https://app.example/cb?tenant=acme",
    });
    expect(res.status).toBe(400);
    expect(await errorOf(res)).toBe("invalid_grant");
  });

  it("rejects a code issued to another client", async () => {
    const { code, verifier } = await getCode(emu);
    const res = await exchangeCode(emu, code, verifier, {
      client_id: OTHER_CLIENT.client_id,
      client_secret: OTHER_CLIENT.client_secret,
    });
    expect(await errorOf(res)).toBe("invalid_grant");
  });

  it("refuses a reused code and revokes what the first exchange issued", async () => {
    const { code, verifier } = await getCode(emu);
    const first = (await (await exchangeCode(emu, code, verifier)).json()) as TokenBody;
    expect((await api(emu, "/me", first.access_token)).status).toBe(200);

    const second = await exchangeCode(emu, code, verifier);
    expect(second.status).toBe(400);
    expect(await errorOf(second)).toBe("invalid_grant");

    expect((await api(emu, "/me", first.access_token)).status).toBe(401);
    const refreshed = await refresh(emu, first.refresh_token);
    expect(await errorOf(refreshed)).toBe("invalid_grant");
  });

  it("expires codes after code_ttl_s on the emulator's clock", async () => {
    const { code, verifier } = await getCode(emu);
    now += 60_000;
    const res = await exchangeCode(emu, code, verifier);
    expect(res.status).toBe(400);
    expect(await errorOf(res)).toBe("invalid_grant");
  });

  it("accepts a code just before it expires", async () => {
    await configure(emu, { code_ttl_s: 5 });
    const { code, verifier } = await getCode(emu);
    now += 4_999;
    expect((await exchangeCode(emu, code, verifier)).status).toBe(200);
  });

  it("needs code, redirect_uri and code_verifier", async () => {
    const { code } = await getCode(emu);
    const res = await postForm(tokenUrl(), {
      grant_type: "authorization_code",
      code,
      redirect_uri: DEFAULT_REDIRECT,
      client_id: TEST_CLIENT.client_id,
      client_secret: TEST_CLIENT.client_secret,
    });
    expect(res.status).toBe(400);
    expect(await errorOf(res)).toBe("invalid_request");
  });
});

describe("client authentication", () => {
  it("refuses a wrong or missing secret with 401 invalid_client", async () => {
    const { code, verifier } = await getCode(emu);
    const wrong = await exchangeCode(emu, code, verifier, { client_secret: "nope" });
    expect(wrong.status).toBe(401);
    expect(await errorOf(wrong)).toBe("invalid_client");
    const missing = await postForm(tokenUrl(), {
      grant_type: "authorization_code",
      code,
      code_verifier: verifier,
      redirect_uri: DEFAULT_REDIRECT,
      client_id: TEST_CLIENT.client_id,
    });
    expect(missing.status).toBe(401);
    expect(await errorOf(missing)).toBe("invalid_client");
    // The failed attempts did not burn the code.
    expect((await exchangeCode(emu, code, verifier)).status).toBe(200);
  });

  it("refuses an unknown client", async () => {
    const res = await postForm(
      tokenUrl(),
      { grant_type: "client_credentials" },
      { authorization: basicAuth("ghost", "secret") },
    );
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toMatch(/^Basic/);
    expect(await errorOf(res)).toBe("invalid_client");
  });

  it("accepts HTTP Basic for the authorization_code grant", async () => {
    const { code, verifier } = await getCode(emu);
    const res = await postForm(
      tokenUrl(),
      {
        grant_type: "authorization_code",
        code,
        code_verifier: verifier,
        redirect_uri: DEFAULT_REDIRECT,
      },
      { authorization: basicAuth(TEST_CLIENT.client_id, TEST_CLIENT.client_secret) },
    );
    expect(res.status).toBe(200);
  });

  it("refuses two authentication methods at once", async () => {
    const res = await postForm(
      tokenUrl(),
      {
        grant_type: "client_credentials",
        client_id: TEST_CLIENT.client_id,
        client_secret: TEST_CLIENT.client_secret,
      },
      { authorization: basicAuth(TEST_CLIENT.client_id, TEST_CLIENT.client_secret) },
    );
    expect(res.status).toBe(400);
    expect(await errorOf(res)).toBe("invalid_request");
  });
});

describe("request format", () => {
  it("answers a JSON body with invalid_request", async () => {
    const res = await postJson(tokenUrl(), {
      grant_type: "client_credentials",
      client_id: TEST_CLIENT.client_id,
      client_secret: TEST_CLIENT.client_secret,
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: "invalid_request" });
  });

  it("answers a missing body with invalid_request", async () => {
    const res = await fetch(tokenUrl(), { method: "POST" });
    expect(res.status).toBe(400);
    expect(await errorOf(res)).toBe("invalid_request");
  });

  it("answers an unknown grant_type with unsupported_grant_type", async () => {
    const res = await postForm(tokenUrl(), {
      grant_type: "password",
      client_id: TEST_CLIENT.client_id,
      client_secret: TEST_CLIENT.client_secret,
    });
    expect(res.status).toBe(400);
    expect(await errorOf(res)).toBe("unsupported_grant_type");
  });

  it("refuses repeated parameters", async () => {
    const res = await fetch(tokenUrl(), {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "grant_type=client_credentials&grant_type=client_credentials",
    });
    expect(await errorOf(res)).toBe("invalid_request");
  });

  it("never echoes secrets, codes or verifiers in errors", async () => {
    const { code, verifier } = await getCode(emu);
    const res = await exchangeCode(emu, code, verifier, { client_secret: "s3cr3t-guess" });
    const text = await res.text();
    for (const secret of [code, verifier, "s3cr3t-guess"]) expect(text).not.toContain(secret);
  });
});

describe("refresh_token", () => {
  it("rotates: a new pair each time; old access tokens live until they expire", async () => {
    const first = await loginTokens(emu);
    const res = await refresh(emu, first.refresh_token);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const second = (await res.json()) as TokenBody;
    expect(second.access_token).not.toBe(first.access_token);
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(second).toMatchObject({ expires_in: 3599, scope: "", token_type: "bearer" });
    expect((await api(emu, "/me", second.access_token)).status).toBe(200);
    expect((await api(emu, "/me", first.access_token)).status).toBe(200);
    const third = await refresh(emu, second.refresh_token);
    expect(third.status).toBe(200);
  });

  it("treats a reused refresh token as theft: invalid_grant, counted, grant revoked", async () => {
    const first = await loginTokens(emu);
    const second = (await (await refresh(emu, first.refresh_token)).json()) as TokenBody;
    const reused = await refresh(emu, first.refresh_token);
    expect(reused.status).toBe(400);
    expect(await errorOf(reused)).toBe("invalid_grant");
    expect((await stats(emu)).refresh_reuse).toBe(1);
    // Every token of the grant is gone, including the freshly rotated ones.
    expect((await api(emu, "/me", second.access_token)).status).toBe(401);
    expect((await api(emu, "/me", first.access_token)).status).toBe(401);
    expect(await errorOf(await refresh(emu, second.refresh_token))).toBe("invalid_grant");
  });

  it("keeps the grant when revoke_on_refresh_reuse is false", async () => {
    await configure(emu, { revoke_on_refresh_reuse: false });
    const first = await loginTokens(emu);
    const second = (await (await refresh(emu, first.refresh_token)).json()) as TokenBody;
    expect(await errorOf(await refresh(emu, first.refresh_token))).toBe("invalid_grant");
    expect((await stats(emu)).refresh_reuse).toBe(1);
    expect((await api(emu, "/me", second.access_token)).status).toBe(200);
    expect((await refresh(emu, second.refresh_token)).status).toBe(200);
  });

  it("refuses unknown refresh tokens and those of another client", async () => {
    expect(await errorOf(await refresh(emu, "rt_unknown"))).toBe("invalid_grant");
    const tokens = await loginTokens(emu);
    const stolen = await refresh(emu, tokens.refresh_token, {
      client_id: OTHER_CLIENT.client_id,
      client_secret: OTHER_CLIENT.client_secret,
    });
    expect(await errorOf(stolen)).toBe("invalid_grant");
    // Another client's attempt neither spends nor revokes the token.
    expect((await refresh(emu, tokens.refresh_token)).status).toBe(200);
    expect((await stats(emu)).refresh_reuse).toBe(0);
  });

  it("needs the client secret", async () => {
    const tokens = await loginTokens(emu);
    const res = await postForm(tokenUrl(), {
      grant_type: "refresh_token",
      refresh_token: tokens.refresh_token,
      client_id: TEST_CLIENT.client_id,
    });
    expect(res.status).toBe(401);
    expect(await errorOf(res)).toBe("invalid_client");
  });

  it("issues access tokens with the configured lifetime", async () => {
    await configure(emu, { access_token_ttl_s: 30 });
    const tokens = await loginTokens(emu);
    expect(tokens.expires_in).toBe(30);
    now += 29_000;
    expect((await api(emu, "/me", tokens.access_token)).status).toBe(200);
    now += 1_000;
    const expired = await api(emu, "/me", tokens.access_token);
    expect(expired.status).toBe(401);
    expect(((await expired.json()) as { message: string }).message).toMatch(/expired/);
    // The refresh token outlives its access token.
    expect((await refresh(emu, tokens.refresh_token)).status).toBe(200);
  });
});

describe("client_credentials", () => {
  it("issues a user-less token: public endpoints work, /me is 401", async () => {
    const res = await clientCredentials(emu);
    expect(res.status).toBe(200);
    const body = (await res.json()) as TokenBody;
    expect(body).toMatchObject({ expires_in: 3599, scope: "", token_type: "bearer" });
    expect(body.refresh_token).toMatch(/^rt_/);
    expect((await api(emu, "/me", body.access_token)).status).toBe(401);
    expect((await api(emu, "/tracks/soundcloud:tracks:2000001", body.access_token)).status).toBe(
      200,
    );
    // Its refresh token rotates like any other and still carries no user.
    const refreshed = (await (await refresh(emu, body.refresh_token)).json()) as TokenBody;
    expect((await api(emu, "/me", refreshed.access_token)).status).toBe(401);
  });

  it("accepts body credentials too", async () => {
    const res = await postForm(tokenUrl(), {
      grant_type: "client_credentials",
      client_id: TEST_CLIENT.client_id,
      client_secret: TEST_CLIENT.client_secret,
    });
    expect(res.status).toBe(200);
  });

  it("rate limits per client, with Retry-After until the window frees a slot", async () => {
    await configure(emu, {
      rate_limits: { client_credentials_per_client: 2, client_credentials_per_client_window_s: 60 },
    });
    expect((await clientCredentials(emu)).status).toBe(200);
    now += 10_000;
    expect((await clientCredentials(emu)).status).toBe(200);
    const limited = await clientCredentials(emu);
    expect(limited.status).toBe(429);
    expect(await limited.json()).toEqual({
      error: "rate_limit_exceeded",
      error_description: expect.any(String),
    });
    expect(limited.headers.get("retry-after")).toBe("50");
    now += 50_000;
    expect((await clientCredentials(emu)).status).toBe(200);
    const s = await stats(emu);
    expect(s.token_errors.rate_limit_exceeded).toBe(1);
    expect(s.token_requests.client_credentials).toBe(4);
  });

  it("rate limits per IP across clients", async () => {
    await configure(emu, {
      rate_limits: { client_credentials_per_ip: 1, client_credentials_per_ip_window_s: 3600 },
    });
    expect((await clientCredentials(emu)).status).toBe(200);
    const other = await postForm(
      tokenUrl(),
      { grant_type: "client_credentials" },
      { authorization: basicAuth(OTHER_CLIENT.client_id, OTHER_CLIENT.client_secret) },
    );
    expect(other.status).toBe(429);
    expect(Number(other.headers.get("retry-after"))).toBe(3600);
  });
});

describe("sign-out", () => {
  it("revokes the grant: access and refresh tokens stop working", async () => {
    const tokens = await loginTokens(emu);
    const res = await postJson(`${emu.url}/sign-out`, { access_token: tokens.access_token });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "200 - OK" });
    expect((await api(emu, "/me", tokens.access_token)).status).toBe(401);
    expect(await errorOf(await refresh(emu, tokens.refresh_token))).toBe("invalid_grant");
    expect((await stats(emu)).sign_outs).toBe(1);
  });

  it("accepts a form and signs out with an expired access token too", async () => {
    await configure(emu, { access_token_ttl_s: 1 });
    const tokens = await loginTokens(emu);
    now += 2_000;
    const res = await postForm(`${emu.url}/sign-out`, { access_token: tokens.access_token });
    expect(res.status).toBe(200);
    expect(await errorOf(await refresh(emu, tokens.refresh_token))).toBe("invalid_grant");
  });

  it("is idempotent: unknown tokens get 200 too", async () => {
    const res = await postJson(`${emu.url}/sign-out`, { access_token: "at_unknown" });
    expect(res.status).toBe(200);
  });

  it("needs an access_token", async () => {
    const res = await postJson(`${emu.url}/sign-out`, {});
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: "invalid_request" });
    const broken = await fetch(`${emu.url}/sign-out`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{nope",
    });
    expect(broken.status).toBe(400);
  });
});

it("counts token requests under their grant type, failures included", async () => {
  const tokens = await loginTokens(emu);
  await refresh(emu, tokens.refresh_token);
  await refresh(emu, "rt_unknown");
  await clientCredentials(emu);
  await postForm(tokenUrl(), { grant_type: "password" });
  await postJson(tokenUrl(), {});
  const s = await stats(emu);
  expect(s.token_requests).toEqual({
    authorization_code: 1,
    refresh_token: 2,
    client_credentials: 1,
    unknown: 2,
  });
  expect(s.token_errors).toMatchObject({
    invalid_grant: 1,
    unsupported_grant_type: 1,
    invalid_request: 1,
  });
});
