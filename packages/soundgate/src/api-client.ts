import type { Me } from "./api-types.js";
import { resolveEndpoints } from "./endpoints.js";
import { SoundgateError, type SoundgateErrorCode } from "./errors.js";
import { DEFAULT_TIMEOUT_MS, type FetchLike, sendBuffered } from "./http.js";
import {
  parseRetryAfter,
  type RetryPolicy,
  resolveRetryPolicy,
  retryDelay,
  sleep,
} from "./retry.js";
import type { TokenProvider } from "./token-provider.js";

export interface ApiClientOptions {
  /** Who supplies access tokens: TokenManager#provider(key), a ClientCredentialsCache, or a fixed token. */
  auth: TokenProvider | string;
  /** Default https://api.soundcloud.com. Tokens are only ever sent to this origin. */
  apiBaseUrl?: string | undefined;
  fetch?: FetchLike | undefined;
  timeoutMs?: number | undefined;
  retry?: Partial<RetryPolicy> | undefined;
  now?: (() => number) | undefined;
}

export type QueryValue = string | number | boolean | undefined | null;

export interface RequestOptions {
  query?: Record<string, QueryValue> | undefined;
  /** A JSON-serialisable body (sent as JSON) or a ready BodyInit (FormData, URLSearchParams...). */
  body?: unknown;
  signal?: AbortSignal | undefined;
}

const IDEMPOTENT = new Set(["GET", "HEAD", "PUT", "DELETE", "OPTIONS"]);

/**
 * Calls the SoundCloud API with `Authorization: OAuth <token>`. On a 401 it asks the
 * token provider for a new token and retries once; 429 and 5xx on idempotent requests
 * are retried within the policy, honouring Retry-After; every request has a deadline.
 */
export class ApiClient {
  readonly apiBaseUrl: string;
  readonly #origin: string;
  readonly #auth: TokenProvider;
  readonly #fetch: FetchLike | undefined;
  readonly #timeoutMs: number;
  readonly #retry: RetryPolicy;
  readonly #now: () => number;

  constructor(options: ApiClientOptions) {
    this.apiBaseUrl = resolveEndpoints({ apiBaseUrl: options.apiBaseUrl }).apiBaseUrl;
    this.#origin = new URL(this.apiBaseUrl).origin;
    const auth = options.auth;
    this.#auth = typeof auth === "string" ? { getAccessToken: async () => auth } : auth;
    this.#fetch = options.fetch;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#retry = resolveRetryPolicy(options.retry);
    this.#now = options.now ?? Date.now;
  }

  /** `GET /me`: the authenticated user (needs a user token). */
  me(options: { signal?: AbortSignal } = {}): Promise<Me> {
    return this.request<Me>("GET", "/me", options);
  }

  get<T>(path: string, options: RequestOptions = {}): Promise<T> {
    return this.request<T>("GET", path, options);
  }

  /**
   * Any API call. `path` is relative to the API base (`/tracks/soundcloud:tracks:1`) or
   * an absolute URL on the API origin (a `next_href`); any other host is refused so a
   * token is never sent elsewhere.
   */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const url = this.resolveUrl(path, options.query);
    const verb = method.toUpperCase();
    const { body, contentType } = encodeBody(options.body);
    let retriedAuth = false;
    for (let attempt = 0; ; attempt++) {
      const token = await this.#auth.getAccessToken({ signal: options.signal });
      const headers: Record<string, string> = {
        Accept: "application/json",
        Authorization: `OAuth ${token}`,
      };
      if (contentType) headers["Content-Type"] = contentType;
      const response = await sendBuffered(
        url,
        { method: verb, headers, ...(body === undefined ? {} : { body }) },
        { fetch: this.#fetch, timeoutMs: this.#timeoutMs, signal: options.signal },
      );
      if (response.status >= 200 && response.status < 300)
        return parseJson<T>(response.text, response.status);
      if (response.status === 302 || response.status === 303) {
        // /resolve answers 302 with a JSON body naming the resource.
        return parseJson<T>(response.text, response.status);
      }
      if (response.status === 401 && !retriedAuth && this.#auth.handleUnauthorized) {
        retriedAuth = true;
        if (await this.#auth.handleUnauthorized(token)) continue;
      }
      const retryAfter = parseRetryAfter(response.headers.get("retry-after"), this.#now());
      const transient = response.status === 429 || response.status >= 500;
      const wait =
        transient && IDEMPOTENT.has(verb)
          ? retryDelay(attempt + 1, retryAfter, this.#retry)
          : undefined;
      if (wait === undefined) throw apiError(response.status, retryAfter);
      await sleep(wait, options.signal);
    }
  }

  resolveUrl(path: string, query?: Record<string, QueryValue>): string {
    let url: URL;
    if (/^https?:\/\//i.test(path)) {
      url = new URL(path);
      if (url.origin !== this.#origin) {
        throw new SoundgateError(
          "invalid_argument",
          "Refusing to send a SoundCloud token to another host",
        );
      }
    } else {
      url = new URL(this.apiBaseUrl + (path.startsWith("/") ? path : `/${path}`));
    }
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined && value !== null) url.searchParams.set(key, String(value));
    }
    return url.toString();
  }
}

function encodeBody(body: unknown): { body?: BodyInit; contentType?: string } {
  if (body === undefined) return {};
  if (
    typeof body === "string" ||
    body instanceof URLSearchParams ||
    body instanceof FormData ||
    body instanceof Blob ||
    body instanceof ArrayBuffer ||
    ArrayBuffer.isView(body)
  ) {
    return { body: body as BodyInit };
  }
  return { body: JSON.stringify(body), contentType: "application/json" };
}

function parseJson<T>(text: string, status: number): T {
  if (text === "") return undefined as T;
  try {
    return JSON.parse(text) as T;
  } catch (cause) {
    throw new SoundgateError(
      "invalid_response",
      "The SoundCloud API answered with malformed JSON",
      { status, cause },
    );
  }
}

function apiError(status: number, retryAfter: number | undefined): SoundgateError {
  const [code, message] = describeApiStatus(status);
  return new SoundgateError(code, message, { status, retryAfter });
}

function describeApiStatus(status: number): [SoundgateErrorCode, string] {
  if (status === 401) return ["unauthorized", "SoundCloud rejected the access token (HTTP 401)"];
  if (status === 403) return ["forbidden", "SoundCloud refused access to this resource (HTTP 403)"];
  if (status === 404) return ["not_found", "SoundCloud has no such resource (HTTP 404)"];
  if (status === 429) return ["rate_limited", "SoundCloud is rate limiting this app (HTTP 429)"];
  if (status >= 500) return ["upstream_unavailable", `SoundCloud's API failed (HTTP ${status})`];
  return ["api_error", `SoundCloud refused the request (HTTP ${status})`];
}
