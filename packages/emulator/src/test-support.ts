import { createHash, randomBytes } from "node:crypto";
import type { EmulatorClient } from "./options.js";
import type { RunningEmulator } from "./server.js";
import type { EmulatorStats } from "./stats.js";

/**
 * Helpers for driving an emulator over HTTP in tests: PKCE pairs, the
 * authorization request, form posts and the control surface. They only build
 * requests; every assertion stays in the tests.
 */

export const TEST_CLIENT: EmulatorClient = {
  client_id: "test-app",
  client_secret: "test-secret-0123456789",
  redirect_uris: ["http://localhost:5173/callback", "https://app.example/cb?tenant=acme"],
  name: "Test App",
};

export const DEFAULT_REDIRECT = TEST_CLIENT.redirect_uris[0] as string;

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

export function authorizeUrl(base: string, params: Record<string, string | undefined>): URL {
  const url = new URL("/authorize", base);
  const defaults: Record<string, string> = {
    client_id: TEST_CLIENT.client_id,
    redirect_uri: DEFAULT_REDIRECT,
    response_type: "code",
    code_challenge_method: "S256",
    state: "state-123",
  };
  for (const [name, value] of Object.entries({ ...defaults, ...params })) {
    if (value !== undefined) url.searchParams.set(name, value);
  }
  return url;
}

export function postForm(
  url: string,
  params: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(params).toString(),
  });
}

export function postJson(url: string, body: unknown): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

export function basicAuth(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${id}:${secret}`).toString("base64")}`;
}

export interface TokenBody {
  access_token: string;
  refresh_token: string;
  expires_in: number;
  scope: string;
  token_type: string;
}

/** GET /authorize without following the redirect; returns the Location as a URL. */
export async function authorizeRedirect(base: string, params: Record<string, string | undefined>) {
  const res = await fetch(authorizeUrl(base, params), { redirect: "manual" });
  const location = res.headers.get("location");
  return { res, location: location === null ? null : new URL(location) };
}

/** Runs GET /authorize with auto-approve on and returns the code and its verifier. */
export async function getCode(
  emu: RunningEmulator,
  params: Record<string, string | undefined> = {},
): Promise<{ code: string; verifier: string }> {
  const { verifier, challenge } = pkcePair();
  const { location } = await authorizeRedirect(emu.url, { code_challenge: challenge, ...params });
  const code = location?.searchParams.get("code");
  if (!code) throw new Error(`no code in redirect: ${location?.href ?? "none"}`);
  return { code, verifier };
}

export function exchangeCode(
  emu: RunningEmulator,
  code: string,
  verifier: string,
  overrides: Record<string, string> = {},
): Promise<Response> {
  return postForm(`${emu.url}/oauth/token`, {
    grant_type: "authorization_code",
    code,
    code_verifier: verifier,
    redirect_uri: DEFAULT_REDIRECT,
    client_id: TEST_CLIENT.client_id,
    client_secret: TEST_CLIENT.client_secret,
    ...overrides,
  });
}

/** A full user login (needs auto-approve): code, exchange, token body. */
export async function loginTokens(emu: RunningEmulator): Promise<TokenBody> {
  const { code, verifier } = await getCode(emu);
  const res = await exchangeCode(emu, code, verifier);
  if (res.status !== 200) throw new Error(`token exchange failed: ${res.status}`);
  return (await res.json()) as TokenBody;
}

export function refresh(
  emu: RunningEmulator,
  refreshToken: string,
  overrides: Record<string, string> = {},
): Promise<Response> {
  return postForm(`${emu.url}/oauth/token`, {
    grant_type: "refresh_token",
    refresh_token: refreshToken,
    client_id: TEST_CLIENT.client_id,
    client_secret: TEST_CLIENT.client_secret,
    ...overrides,
  });
}

export function clientCredentials(emu: RunningEmulator): Promise<Response> {
  return postForm(
    `${emu.url}/oauth/token`,
    { grant_type: "client_credentials" },
    { authorization: basicAuth(TEST_CLIENT.client_id, TEST_CLIENT.client_secret) },
  );
}

export function api(
  emu: RunningEmulator,
  path: string,
  token: string,
  init: RequestInit = {},
): Promise<Response> {
  const url = path.startsWith("http") ? path : `${emu.url}${path}`;
  return fetch(url, {
    ...init,
    headers: { authorization: `OAuth ${token}`, ...(init.headers as Record<string, string>) },
  });
}

export async function configure(emu: RunningEmulator, patch: unknown): Promise<Response> {
  return postJson(`${emu.url}/_emulator/config`, patch);
}

export async function stats(emu: RunningEmulator) {
  const res = await fetch(`${emu.url}/_emulator/stats`);
  return (await res.json()) as EmulatorStats;
}

export async function reset(emu: RunningEmulator): Promise<void> {
  const res = await fetch(`${emu.url}/_emulator/reset`, { method: "POST" });
  if (res.status !== 200) throw new Error(`reset failed: ${res.status}`);
}
