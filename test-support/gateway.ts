// A real gateway on a free port, wired to a real emulator, plus a browser-like login driver.
import { createHash, randomBytes } from "node:crypto";
import { loadConfig, type RunningGateway, startGateway } from "@soundgate/server";
import { DpopKey } from "./dpop.js";
import type { TestEmulator } from "./emulator.js";

/** A fixed key so a "restart" can read what the previous process stored. */
export const TEST_ENCRYPTION_KEYS = `test1:${Buffer.alloc(32, 7).toString("base64")}`;
export const APP_CALLBACK = "http://app.test/callback";
export const GATEWAY_CLIENT = {
  client_id: "gateway-client",
  client_secret: "gateway-client-secret",
};

export interface TestGatewayOptions {
  env?: Record<string, string>;
  now?: () => number;
  logger?: Parameters<typeof startGateway>[0]["logger"];
  limits?: Parameters<typeof startGateway>[0]["limits"];
}

export async function startTestGateway(
  emulator: TestEmulator,
  options: TestGatewayOptions = {},
): Promise<RunningGateway> {
  const config = loadConfig({
    SOUNDCLOUD_CLIENT_ID: GATEWAY_CLIENT.client_id,
    SOUNDCLOUD_CLIENT_SECRET: GATEWAY_CLIENT.client_secret,
    SOUNDCLOUD_AUTH_URL: emulator.url,
    SOUNDCLOUD_API_URL: emulator.url,
    SOUNDGATE_HOST: "127.0.0.1",
    SOUNDGATE_PORT: "0",
    SOUNDGATE_PUBLIC_URL: "http://gateway.test",
    SOUNDGATE_ALLOWED_RETURN_TO: APP_CALLBACK,
    SOUNDGATE_DATABASE_URL: "sqlite::memory:",
    SOUNDGATE_ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS,
    SOUNDGATE_LOG_LEVEL: "silent",
    SOUNDGATE_RATE_LIMIT_PER_MINUTE: "0",
    SOUNDGATE_MAX_CONNECTIONS_PER_IP: "0",
    ...options.env,
  });
  await emulator.register({ ...GATEWAY_CLIENT, redirect_uris: [config.redirectUri] });
  return startGateway({ config, now: options.now, logger: options.logger, limits: options.limits });
}

/** What a front end keeps to prove it started a flow. */
export function resultSecret(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

/** A gateway to drive over HTTP, in this process or its own. */
export interface GatewayAt {
  url: string;
  /** SOUNDGATE_PUBLIC_URL, which DPoP proofs name (default: the test gateways' name). */
  publicUrl?: string;
  context?: { config: { publicUrl: string } };
}

/** The name test gateways are public under; requests go to their real address. */
export const TEST_PUBLIC_URL = "http://gateway.test";

/** The URL a browser would use for `path` on this gateway (what htu names). */
export function publicUrlOf(gateway: GatewayAt, path = ""): string {
  return `${gateway.publicUrl ?? gateway.context?.config.publicUrl ?? TEST_PUBLIC_URL}${path}`;
}

/**
 * A fetch for a client that addresses the gateway by its public URL (as a browser behind
 * a proxy does): requests to that origin go to where the gateway really listens.
 */
export function fetchVia(gateway: GatewayAt, inner: typeof fetch = fetch): typeof fetch {
  const publicOrigin = new URL(publicUrlOf(gateway)).origin;
  return (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (url.origin !== publicOrigin) return inner(input, init);
    return inner(`${gateway.url}${url.pathname}${url.search}`, init);
  };
}

/** A DPoP header for `method` on `path` of this gateway, signed by `key`. */
export function dpopHeader(
  gateway: GatewayAt,
  key: DpopKey,
  method: string,
  path: string,
): Record<string, string> {
  return { DPoP: key.proof(method, publicUrlOf(gateway, path)) };
}

/** POST /refresh as the SDK sends it: with a proof when `key` is given. */
export function refreshAt(
  gateway: GatewayAt,
  refreshToken: string,
  key?: DpopKey,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${gateway.url}/auth/soundcloud/refresh`, {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      ...(key ? dpopHeader(gateway, key, "POST", "/auth/soundcloud/refresh") : {}),
      ...headers,
    },
    body: JSON.stringify({ refresh_token: refreshToken }),
  });
}

export interface StartedLogin {
  state: string;
  url: string;
  verifier: string;
}

export async function startLogin(
  gateway: GatewayAt,
  query: { return_to?: string; result_challenge?: string | null } = {},
): Promise<StartedLogin> {
  const secret = resultSecret();
  const params = new URLSearchParams({ return_to: query.return_to ?? APP_CALLBACK });
  if (query.result_challenge !== null)
    params.set("result_challenge", query.result_challenge ?? secret.challenge);
  const response = await fetch(`${gateway.url}/auth/soundcloud/authorize?${params}`);
  const body = (await response.json()) as { url: string; state: string; authorization_url: string };
  if (response.status !== 200)
    throw new Error(`authorize: ${response.status} ${JSON.stringify(body)}`);
  return { state: body.state, url: body.authorization_url, verifier: secret.verifier };
}

/** Follow the authorize URL with auto-approve on; returns SoundCloud's redirect back. */
export async function approveAtEmulator(
  emulator: TestEmulator,
  authorizeUrl: string,
): Promise<URL> {
  await emulator.configure({ auto_approve: true });
  const response = await fetch(authorizeUrl, { redirect: "manual" });
  const location = response.headers.get("location");
  if (response.status !== 302 || !location)
    throw new Error(`emulator authorize: ${response.status}`);
  return new URL(location);
}

/** Deliver SoundCloud's redirect to the gateway (the browser's hop). Returns the gateway's answer. */
export function deliverToGateway(gateway: GatewayAt, redirect: URL): Promise<Response> {
  return fetch(`${gateway.url}${redirect.pathname}${redirect.search}`, { redirect: "manual" });
}

/** The result_key the gateway's redirect to return_to carried (the approving browser's half). */
export function resultKeyOf(redirect: Response): string | undefined {
  const location = redirect.headers.get("location");
  return (location && new URL(location).searchParams.get("result_key")) || undefined;
}

/** GET /result with the halves given, and a DPoP proof (from a fresh key unless one is given; none for null). */
export function getResult(
  gateway: GatewayAt,
  state: string,
  verifier?: string,
  key?: string,
  dpop: DpopKey | null = new DpopKey(),
): Promise<Response> {
  const headers: Record<string, string> = {};
  if (verifier !== undefined) headers["X-Soundgate-Result-Verifier"] = verifier;
  if (key !== undefined) headers["X-Soundgate-Result-Key"] = key;
  if (dpop) Object.assign(headers, dpopHeader(gateway, dpop, "GET", "/auth/soundcloud/result"));
  return fetch(`${gateway.url}/auth/soundcloud/result?state=${encodeURIComponent(state)}`, {
    headers,
  });
}

/**
 * The backend-redirect flow end to end; returns the /result JSON and the DPoP key the
 * tokens are bound to (a fresh one unless given).
 */
export async function loginViaRedirect(
  emulator: TestEmulator,
  gateway: GatewayAt,
  query: { return_to?: string } = {},
  dpop: DpopKey = new DpopKey(),
): Promise<{
  access_token: string;
  refresh_token: string;
  expires_in: number;
  user: Record<string, unknown>;
  dpop: DpopKey;
}> {
  const login = await startLogin(gateway, query);
  const back = await deliverToGateway(gateway, await approveAtEmulator(emulator, login.url));
  if (back.status !== 303) throw new Error(`redirect: ${back.status} ${await back.text()}`);
  const result = await getResult(gateway, login.state, login.verifier, resultKeyOf(back), dpop);
  if (result.status !== 200) throw new Error(`result: ${result.status} ${await result.text()}`);
  const body = (await result.json()) as {
    access_token: string;
    refresh_token: string;
    expires_in: number;
    user: Record<string, unknown>;
  };
  return { ...body, dpop };
}

/** Cookies as a browser would keep them for one site (enough for the gateway's cookies). */
export class CookieJar {
  readonly cookies = new Map<string, string>();

  take(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair = "", ...attributes] = line.split(";");
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === "";
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  }
}

/**
 * BFF login in the backend-redirect flow; returns the browser's cookie jar. With
 * `completeAt`, SoundCloud's redirect lands on another gateway instance.
 */
export async function loginViaBff(
  emulator: TestEmulator,
  gateway: GatewayAt,
  options: { returnTo?: string; completeAt?: GatewayAt } = {},
): Promise<{ jar: CookieJar; landing: URL }> {
  const returnTo = options.returnTo ?? APP_CALLBACK;
  const completeAt = options.completeAt ?? gateway;
  const jar = new CookieJar();
  const start = await fetch(
    `${gateway.url}/auth/soundcloud/login?return_to=${encodeURIComponent(returnTo)}`,
    { redirect: "manual" },
  );
  if (start.status !== 302) throw new Error(`login: ${start.status} ${await start.text()}`);
  jar.take(start);
  const redirect = await approveAtEmulator(emulator, start.headers.get("location") ?? "");
  const back = await fetch(`${completeAt.url}${redirect.pathname}${redirect.search}`, {
    redirect: "manual",
    headers: { Cookie: jar.header() },
  });
  if (back.status !== 303) throw new Error(`redirect: ${back.status} ${await back.text()}`);
  jar.take(back);
  return { jar, landing: new URL(back.headers.get("location") ?? "") };
}
