import type { FetchLike } from "soundgate";
import type { SoundCloudAppConfig } from "../config.js";
import type { Counters } from "../counters.js";
import { statusClass } from "./labels.js";
import type { Metrics, UpstreamOperation } from "./metrics.js";

const GRANTS = new Set<UpstreamOperation>([
  "authorization_code",
  "refresh_token",
  "client_credentials",
]);

/**
 * The fetch every call to SoundCloud goes through (token grants, the API, the API
 * proxy, sign-out), timed and counted by what it was for. Nothing of the request is
 * recorded but its operation: not the URL (it can hold ids), not the body (secrets).
 */
export function instrumentedFetch(
  inner: FetchLike,
  soundcloud: SoundCloudAppConfig,
  metrics: Metrics,
): FetchLike {
  return async (input, init) => {
    const operation = operationOf(input, init, soundcloud);
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    let response: Response;
    try {
      response = await inner(input, init);
    } catch (error) {
      metrics.upstreamDuration.observe({ operation, code: "error" }, seconds());
      const aborted =
        (init?.signal ?? (input instanceof Request ? input.signal : undefined))?.aborted === true;
      count(metrics.counters, operation, aborted ? "timeout" : "network");
      throw error;
    }
    metrics.upstreamDuration.observe({ operation, code: statusClass(response.status) }, seconds());
    if (response.status === 429) count(metrics.counters, operation, "rate_limited");
    else if (response.status >= 500) count(metrics.counters, operation, "server_error");
    return response;
  };
}

function count(
  counters: Counters,
  operation: UpstreamOperation,
  reason: "network" | "timeout" | "rate_limited" | "server_error",
): void {
  counters.increment("soundgate_upstream_errors_total", { operation, reason });
}

/** What a request to SoundCloud is for, from its URL and (token endpoint) its grant_type. */
export function operationOf(
  input: string | URL | Request,
  init: RequestInit | undefined,
  soundcloud: SoundCloudAppConfig,
): UpstreamOperation {
  const href = input instanceof Request ? input.url : String(input);
  if (!URL.canParse(href)) return "other";
  const url = new URL(href);
  const under = (base: string, path: string) => {
    const root = new URL(base);
    return (
      url.origin === root.origin && url.pathname === `${root.pathname.replace(/\/$/, "")}${path}`
    );
  };
  if (under(soundcloud.authUrl, "/oauth/token")) {
    const body = init?.body;
    const grant =
      typeof body === "string"
        ? new URLSearchParams(body).get("grant_type")
        : body instanceof URLSearchParams
          ? body.get("grant_type")
          : null;
    return grant !== null && GRANTS.has(grant as UpstreamOperation)
      ? (grant as UpstreamOperation)
      : "other";
  }
  if (under(soundcloud.authUrl, "/sign-out")) return "sign_out";
  if (url.href.startsWith(`${soundcloud.apiUrl}/`)) return "api";
  return "other";
}
