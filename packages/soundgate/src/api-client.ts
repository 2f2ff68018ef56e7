import { Paginated } from "./api/pagination.js";
import type { QueryValue } from "./api/query.js";
import type { Me } from "./api/types.js";
import { resolveEndpoints } from "./endpoints.js";
import { SoundgateError, type SoundgateErrorCode } from "./errors.js";
import { type BufferedResponse, DEFAULT_TIMEOUT_MS, type FetchLike, sendBuffered } from "./http.js";
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
  /** Deadline of each request, body included. Default 10 s. */
  timeoutMs?: number | undefined;
  retry?: Partial<RetryPolicy> | undefined;
  now?: (() => number) | undefined;
}

export type { QueryValue };

export interface RequestOptions {
  query?: Record<string, QueryValue> | undefined;
  /** A JSON-serialisable body (sent as JSON) or a ready BodyInit (FormData, URLSearchParams...). */
  body?: unknown;
  /** Extra headers (Accept, say). Authorization is always the client's own. */
  headers?: Record<string, string> | undefined;
  signal?: AbortSignal | undefined;
  /** This request's deadline, instead of the client's. */
  timeoutMs?: number | undefined;
  /**
   * `manual` (the default) hands a redirect back unread, so the token is never sent to
   * wherever it points. `follow` lets the runtime follow it; fetch drops Authorization when
   * a redirect leaves the origin (Fetch standard), so the token still stays home.
   */
  redirect?: "manual" | "follow" | undefined;
}

/** An API answer as it came, whatever its status (see `send`). */
export interface ApiResponse extends BufferedResponse {
  url: string;
}

const IDEMPOTENT = new Set(["GET", "HEAD", "PUT", "DELETE", "OPTIONS"]);

/**
 * Calls the SoundCloud API with `Authorization: OAuth <token>`. On a 401 it asks the
 * token provider for a new token and retries once; 429 and 5xx on idempotent requests
 * are retried within the policy, honouring Retry-After; every request has a deadline.
 */
export class ApiClient {
  readonly apiBaseUrl: string;
  /** The transport (default: the global fetch) and deadline, for calls built outside `send`. */
  readonly fetch: FetchLike | undefined;
  readonly timeoutMs: number;
  readonly #origin: string;
  readonly #auth: TokenProvider;
  readonly #retry: RetryPolicy;
  readonly #now: () => number;

  constructor(options: ApiClientOptions) {
    this.apiBaseUrl = resolveEndpoints({ apiBaseUrl: options.apiBaseUrl }).apiBaseUrl;
    this.#origin = new URL(this.apiBaseUrl).origin;
    const auth = options.auth;
    this.#auth = typeof auth === "string" ? { getAccessToken: async () => auth } : auth;
    this.fetch = options.fetch;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
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
   * Any API call, parsed as JSON. `path` is relative to the API base
   * (`/tracks/soundcloud:tracks:1`) or an absolute URL on the API origin (a `next_href`);
   * any other host is refused so a token is never sent elsewhere. A 302 (`/resolve`)
   * answers its JSON body; any other non-2xx status is a SoundgateError.
   */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    let response = await this.send(method, path, options);
    if (response.redirectHidden && method.toUpperCase() === "GET") {
      // In a browser a manual redirect (`/resolve`'s 302) cannot be read: follow it instead,
      // and answer what it points at.
      response = await this.send(method, path, { ...options, redirect: "follow" });
    }
    const { status } = response;
    if ((status >= 200 && status < 300) || status === 302 || status === 303) {
      return parseJson<T>(response.text, status);
    }
    throw apiError(
      status,
      parseRetryAfter(response.headers.get("retry-after"), this.#now()),
      response.text,
    );
  }

  /**
   * Like `request`, but hands back the final response whatever its status, after the
   * same token handling and retries: for callers that show SoundCloud's own answer
   * (the CLI's `api` command) or read headers (`Location`).
   */
  async send(method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse> {
    const url = this.resolveUrl(path, options.query);
    const verb = method.toUpperCase();
    const { body, contentType } = encodeBody(options.body);
    let retriedAuth = false;
    for (let attempt = 0; ; attempt++) {
      const token = await this.#auth.getAccessToken({ signal: options.signal });
      const headers: Record<string, string> = {
        Accept: "application/json",
        ...options.headers,
        Authorization: `OAuth ${token}`,
      };
      if (contentType) headers["Content-Type"] = contentType;
      const response = await sendBuffered(
        url,
        {
          method: verb,
          headers,
          ...(body === undefined ? {} : { body }),
          ...(options.redirect ? { redirect: options.redirect } : {}),
        },
        {
          fetch: this.fetch,
          timeoutMs: options.timeoutMs ?? this.timeoutMs,
          signal: options.signal,
        },
      );
      if (response.status === 401 && !retriedAuth && this.#auth.handleUnauthorized) {
        retriedAuth = true;
        if (await this.#auth.handleUnauthorized(token)) continue;
      }
      const transient = response.status === 429 || response.status >= 500;
      if (!transient || !IDEMPOTENT.has(verb)) return { ...response, url };
      const retryAfter = parseRetryAfter(response.headers.get("retry-after"), this.#now());
      const wait = retryDelay(attempt + 1, retryAfter, this.#retry);
      if (wait === undefined) return { ...response, url };
      await sleep(wait, options.signal);
    }
  }

  /**
   * Runs `attempt` with a valid access token; if it answers 401, asks the provider for
   * a new token and, when `replayable`, runs it once more. For requests built outside
   * `send`, such as a streamed upload whose body can be produced again from a Blob.
   * A body that cannot be replayed still gets the provider told, so the next call works.
   */
  async withToken<R extends { status: number }>(
    attempt: (token: string) => Promise<R>,
    options: { signal?: AbortSignal | undefined; replayable: boolean },
  ): Promise<R> {
    const token = await this.#auth.getAccessToken({ signal: options.signal });
    const first = await attempt(token);
    if (first.status !== 401 || !this.#auth.handleUnauthorized) return first;
    const renewed = await this.#auth.handleUnauthorized(token);
    if (!renewed || !options.replayable) return first;
    return attempt(await this.#auth.getAccessToken({ signal: options.signal }));
  }

  /**
   * A list endpoint, page by page or item by item (`for await`), following `next_href`
   * on the API origin only.
   */
  paginate<T>(
    path: string,
    options: { query?: Record<string, QueryValue>; limit?: number; signal?: AbortSignal } = {},
  ): Paginated<T> {
    return new Paginated<T>(this, path, options);
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

export function parseJson<T>(text: string, status: number): T {
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

/**
 * The error for an API answer with a failing status. `body` (SoundCloud's answer) is read
 * for one thing only: on a 422, the names of the fields SoundCloud refused, so the
 * message can say which one (`track[release_date]`) instead of "the request's fields".
 */
export function apiError(
  status: number,
  retryAfter: number | undefined,
  body?: string,
): SoundgateError {
  const [code, message] = describeApiStatus(status);
  const fields = status === 422 && body !== undefined ? refusedFields(body) : [];
  const named =
    fields.length === 0
      ? message
      : `SoundCloud refused ${fields.length === 1 ? "the field" : "the fields"} ${fields.join(", ")} (HTTP 422)`;
  return new SoundgateError(code, named, { status, retryAfter });
}

/** A field name as SoundCloud writes one: `track[title]`, `playlist[tracks]`. */
const FIELD_NAME = /\b[a-z][a-z_]{0,39}(?:\[[a-z][a-z_]{0,39}\]){1,3}/g;

/**
 * The field names in SoundCloud's Error schema (`{message, errors: [{error_message}]}`),
 * and nothing else of it: the rest of a response body never reaches a message (see
 * errors.ts), and a name made of lowercase letters and brackets cannot carry a token.
 */
function refusedFields(body: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return [];
  }
  if (typeof parsed !== "object" || parsed === null) return [];
  const { message, errors } = parsed as { message?: unknown; errors?: unknown };
  const texts = Array.isArray(errors)
    ? errors.map((e) => (e as { error_message?: unknown } | null)?.error_message)
    : [];
  texts.push(message);
  const names = new Set<string>();
  for (const text of texts) {
    if (typeof text !== "string") continue;
    for (const match of text.slice(0, 1000).matchAll(FIELD_NAME)) names.add(match[0]);
  }
  return [...names].slice(0, 5);
}

function describeApiStatus(status: number): [SoundgateErrorCode, string] {
  if (status === 401) return ["unauthorized", "SoundCloud rejected the access token (HTTP 401)"];
  if (status === 403) return ["forbidden", "SoundCloud refused access to this resource (HTTP 403)"];
  if (status === 404) return ["not_found", "SoundCloud has no such resource (HTTP 404)"];
  if (status === 422) {
    return ["api_error", "SoundCloud could not process the request's fields (HTTP 422)"];
  }
  if (status === 429) return ["rate_limited", "SoundCloud is rate limiting this app (HTTP 429)"];
  if (status >= 500) return ["upstream_unavailable", `SoundCloud's API failed (HTTP ${status})`];
  return ["api_error", `SoundCloud refused the request (HTTP ${status})`];
}
