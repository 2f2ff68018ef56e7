import { resolveEndpoints, type SoundCloudEndpoints } from "./endpoints.js";
import { SoundgateError } from "./errors.js";
import type { FetchLike } from "./http.js";
import { type RetryPolicy, resolveRetryPolicy } from "./retry.js";

/** Everything a grant needs to talk to SoundCloud's authorization server. */
export interface OAuthClientOptions {
  clientId: string;
  /** Required by SoundCloud for every exchange and refresh: keep it on a server. */
  clientSecret: string;
  /** Must equal a redirect URI registered for the app, character for character. */
  redirectUri?: string | undefined;
  /** Override to point at the emulator or another host. Default: SoundCloud's. */
  endpoints?: Partial<SoundCloudEndpoints> | undefined;
  fetch?: FetchLike | undefined;
  /** Per request, including the body. Default 10 000 ms. */
  timeoutMs?: number | undefined;
  /** Clock for expiresAt, in ms since the epoch. Default Date.now. */
  now?: (() => number) | undefined;
  /** Bounds for retrying token POSTs that the server said it did not process (429/503). */
  retry?: Partial<RetryPolicy> | undefined;
}

/** OAuthClientOptions with every default filled in. */
export interface ResolvedOAuthClient {
  clientId: string;
  clientSecret: string;
  redirectUri: string | undefined;
  endpoints: SoundCloudEndpoints;
  fetch: FetchLike | undefined;
  timeoutMs: number | undefined;
  now: () => number;
  retry: RetryPolicy;
}

export function resolveOAuthClient(options: OAuthClientOptions): ResolvedOAuthClient {
  if (typeof options.clientId !== "string" || options.clientId === "") {
    throw new SoundgateError("invalid_argument", "clientId is required");
  }
  if (typeof options.clientSecret !== "string" || options.clientSecret === "") {
    throw new SoundgateError("invalid_argument", "clientSecret is required");
  }
  return {
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    redirectUri: options.redirectUri,
    endpoints: resolveEndpoints(options.endpoints),
    fetch: options.fetch,
    timeoutMs: options.timeoutMs,
    now: options.now ?? Date.now,
    retry: resolveRetryPolicy(options.retry),
  };
}
