import { SoundgateError } from "./errors.js";
import { callsNeedSignals, noteTimeout } from "./http-deadline.js";

export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

export const DEFAULT_TIMEOUT_MS = 10_000;

export interface TransportOptions {
  fetch?: FetchLike | undefined;
  /** Whole-request budget, including reading the body. Default 10 s; Infinity for none. */
  timeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
}

export interface BufferedResponse {
  status: number;
  headers: Headers;
  text: string;
  /**
   * A browser answered a manual redirect opaquely: status 0, no Location, no body. Only
   * browsers do this (Node, Deno, Bun and workers show the 3xx), so callers that read a
   * redirect's Location need another way there.
   */
  redirectHidden?: true;
}

/**
 * One HTTP round trip with a deadline that also covers reading the body, so a server
 * that sends headers and then stalls cannot hang the caller. Transport failures become
 * SoundgateErrors; HTTP error statuses are returned for the caller to interpret.
 */
export async function sendBuffered(
  url: string,
  init: RequestInit,
  options: TransportOptions,
): Promise<BufferedResponse> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const doFetch = options.fetch ?? globalThis.fetch;
  // No caller's signal to follow and no hang seen lately: a timer keeps the deadline
  // (http-deadline.ts says why and what that leaves open).
  if (options.signal === undefined && !callsNeedSignals()) {
    return withTimer(() => roundTrip(doFetch, url, init), timeoutMs);
  }
  const { signal, cleanup, timedOut } = deadline(timeoutMs, options.signal);
  try {
    return await roundTrip(doFetch, url, { ...init, signal });
  } catch (error) {
    throw transportError(error, timedOut(), options.signal);
  } finally {
    cleanup();
  }
}

async function roundTrip(doFetch: FetchLike, url: string, init: RequestInit) {
  const response = await doFetch(url, { ...init, redirect: init.redirect ?? "manual" });
  if (response.type === "opaqueredirect") {
    return { status: 0, headers: response.headers, text: "", redirectHidden: true as const };
  }
  const text = await response.text();
  return { status: response.status, headers: response.headers, text };
}

/** `call`'s answer, or a timeout error at the deadline (the call itself runs on, unheard). */
async function withTimer<T>(call: () => Promise<T>, timeoutMs: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let expired = false;
  const late = Number.isFinite(timeoutMs)
    ? new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          expired = true;
          noteTimeout();
          reject(timeoutError(timeoutMs));
        }, timeoutMs);
      })
    : undefined;
  try {
    return await (late ? Promise.race([call(), late]) : call());
  } catch (error) {
    throw transportError(error, expired, undefined);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Like sendBuffered but hands back the live Response (for streaming). The deadline
 * covers only the time to response headers; the caller owns the body.
 */
export async function sendStreaming(
  url: string,
  init: RequestInit,
  options: TransportOptions,
): Promise<Response> {
  const { signal, cleanup, timedOut } = deadline(
    options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    options.signal,
  );
  const doFetch = options.fetch ?? globalThis.fetch;
  try {
    return await doFetch(url, { ...init, signal, redirect: init.redirect ?? "manual" });
  } catch (error) {
    throw transportError(error, timedOut(), options.signal);
  } finally {
    cleanup();
  }
}

function deadline(timeoutMs: number, outer: AbortSignal | undefined) {
  const controller = new AbortController();
  let expired = false;
  // Infinity: the caller keeps its own clock (an upload's idle timer) through `outer`.
  const timer = Number.isFinite(timeoutMs)
    ? setTimeout(() => {
        expired = true;
        noteTimeout();
        controller.abort(timeoutError(timeoutMs));
      }, timeoutMs)
    : undefined;
  const onOuterAbort = () => controller.abort(outer?.reason);
  if (outer?.aborted) onOuterAbort();
  else outer?.addEventListener("abort", onOuterAbort, { once: true });
  return {
    signal: controller.signal,
    timedOut: () => expired,
    cleanup: () => {
      clearTimeout(timer);
      outer?.removeEventListener("abort", onOuterAbort);
    },
  };
}

function timeoutError(timeoutMs: number): SoundgateError {
  return new SoundgateError("timeout", `No complete answer within ${timeoutMs} ms`);
}

function transportError(
  error: unknown,
  timedOut: boolean,
  outer: AbortSignal | undefined,
): SoundgateError {
  if (error instanceof SoundgateError) return error;
  if (timedOut) {
    return new SoundgateError("timeout", "SoundCloud did not answer in time", { cause: error });
  }
  if (outer?.aborted) {
    return new SoundgateError("aborted", "The request was aborted", { cause: outer.reason });
  }
  // fetch reports refused, reset and dropped connections as a TypeError; the cause
  // names the system error (ECONNREFUSED, UND_ERR_SOCKET, ...) without any secret.
  return new SoundgateError("upstream_unavailable", "Could not reach SoundCloud", { cause: error });
}
