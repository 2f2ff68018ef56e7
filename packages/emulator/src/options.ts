import { isPlainObject, unknownKey } from "./validate.js";

/** A registered OAuth client (an "app" on SoundCloud's developer portal). */
export interface EmulatorClient {
  client_id: string;
  client_secret: string;
  /** Exact-match allowlist: /authorize refuses any other redirect_uri. */
  redirect_uris: string[];
  /** Shown on the consent page; the client id is shown when absent. */
  name?: string;
  /**
   * Skip the consent page for this client only: true approves as the first seeded user,
   * a string as that seeded user, false always shows consent. Unset: the emulator-wide
   * `auto_approve` applies. Lets one tool (a scripted `soundgate login --emulator
   * --auto-approve`) approve its own logins without changing consent for every other app.
   */
  auto_approve?: boolean | string;
}

/**
 * SoundCloud's rate limits: client-credentials tokens (50 per 12 h per app, 30 per
 * hour per IP) and the plays quota (15,000 stream requests per 24 h per app).
 */
export interface RateLimits {
  client_credentials_per_client: number;
  client_credentials_per_client_window_s: number;
  client_credentials_per_ip: number;
  client_credentials_per_ip_window_s: number;
  /** `GET /tracks/{urn}/streams` per app and window; null turns the quota off. */
  plays_per_client: number | null;
  plays_per_client_window_s: number;
}

export interface EmulatorOptions {
  /** Interface to listen on. Default "127.0.0.1". */
  host?: string;
  /** Port to listen on. Default 0 (a free port). */
  port?: number;
  /** Registered at start; kept across /_emulator/reset. */
  clients?: EmulatorClient[];
  /** Lifetime of access tokens. Default 3599 (what SoundCloud answers). */
  accessTokenTtlS?: number;
  /** Lifetime of authorization codes. Default 60. */
  codeTtlS?: number;
  /** true = approve as the first seeded user without a consent page; a string = that username. */
  autoApprove?: boolean | string;
  /** Delay added to every non-control response. Default 0. */
  latencyMs?: number;
  rateLimits?: Partial<RateLimits>;
  /** Injectable clock in ms since the epoch, for expiry tests. Default Date.now. */
  now?: () => number;
  /** Origin used in next_href, uri fields and Location headers. Default: the request's own origin. */
  publicUrl?: string;
  /**
   * Keep registered clients, grants, tokens and every write in this JSON file, so they
   * survive a restart. Read at start (a corrupt or unreadable file throws StateFileError),
   * written atomically with mode 0600 after each request that changes something.
   */
  stateFile?: string;
}

export const DEFAULT_RATE_LIMITS: Readonly<RateLimits> = Object.freeze({
  client_credentials_per_client: 50,
  client_credentials_per_client_window_s: 12 * 60 * 60,
  client_credentials_per_ip: 30,
  client_credentials_per_ip_window_s: 60 * 60,
  plays_per_client: 15_000,
  plays_per_client_window_s: 24 * 60 * 60,
});

export const DEFAULT_ACCESS_TOKEN_TTL_S = 3599;
export const DEFAULT_CODE_TTL_S = 60;

/** Checks a redirect URI the way registration does: absolute http(s), no fragment. */
export function redirectUriProblem(uri: unknown): string | null {
  if (typeof uri !== "string" || uri.length === 0) return "redirect URIs must be non-empty strings";
  if (uri.length > 2048) return "redirect URIs must be at most 2048 characters";
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return "redirect URIs must be absolute URLs";
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return "redirect URIs must use http or https";
  }
  // RFC 6749 §3.1.2: the redirection endpoint URI MUST NOT include a fragment.
  if (uri.includes("#")) return "redirect URIs must not contain a fragment";
  return null;
}

/** Validates a client registration (from options or the control surface). */
export function clientProblem(value: unknown): string | null {
  if (!isPlainObject(value)) {
    return "a client must be an object with client_id, client_secret and redirect_uris";
  }
  const extra = unknownKey(value, [
    "client_id",
    "client_secret",
    "redirect_uris",
    "name",
    "auto_approve",
  ]);
  if (extra !== undefined) return `unknown client key: ${extra}`;
  const client = value;
  if (!isCredentialString(client.client_id)) {
    return "client_id must be 1-200 printable ASCII characters without ':'";
  }
  if (!isCredentialString(client.client_secret)) {
    return "client_secret must be 1-200 printable ASCII characters without ':'";
  }
  if (client.name !== undefined && (typeof client.name !== "string" || client.name.length > 100)) {
    return "name must be a string of at most 100 characters";
  }
  const approve = client.auto_approve;
  if (approve !== undefined && typeof approve !== "boolean" && typeof approve !== "string") {
    return "auto_approve must be false, true or a seeded username";
  }
  const uris = client.redirect_uris;
  if (!Array.isArray(uris) || uris.length === 0 || uris.length > 20) {
    return "redirect_uris must be an array of 1-20 absolute http(s) URLs";
  }
  for (const uri of uris) {
    const problem = redirectUriProblem(uri);
    if (problem) return problem;
  }
  return null;
}

// Printable ASCII without ':' so the pair always survives HTTP Basic encoding.
function isCredentialString(value: unknown): value is string {
  return typeof value === "string" && /^[\x21-\x39\x3b-\x7e]{1,200}$/.test(value);
}

export function copyClient(client: EmulatorClient): EmulatorClient {
  const copy: EmulatorClient = {
    client_id: client.client_id,
    client_secret: client.client_secret,
    redirect_uris: [...client.redirect_uris],
  };
  if (client.name !== undefined) copy.name = client.name;
  if (client.auto_approve !== undefined) copy.auto_approve = client.auto_approve;
  return copy;
}
