import type { Context } from "hono";
import { json, socketOf, soundcloudErrorBody } from "./http.js";
import type { FaultTarget, TokenErrorCode } from "./stats.js";
import { isIntInRange, isPlainObject, unknownKey } from "./validate.js";

/**
 * Fault injection (`fail_next`): the next `count` requests to a target fail in
 * a chosen way, before the emulator looks at them, so a faulted request never
 * changes state (a faulted refresh does not spend its refresh token).
 */

export type FaultMode = "status" | "html" | "malformed_json" | "drop" | "hang";

export const FAULT_TARGETS: readonly FaultTarget[] = ["token", "api", "authorize"];
const FAULT_MODES: readonly FaultMode[] = ["status", "html", "malformed_json", "drop", "hang"];
const FAULT_KEYS = ["target", "count", "status", "retry_after", "mode", "error"] as const;

/** Marks an in-process answer that stands for a dropped connection (see app.ts). */
export const DROPPED_HEADER = "x-emulator-dropped-connection";

/** A pending fault as shown in the config; `count` is what is left. */
export interface Fault {
  target: FaultTarget;
  count: number;
  mode: FaultMode;
  /** HTTP status for `status` and `html` modes (default 503 and 502). */
  status: number;
  /** Seconds for a Retry-After header, or null for none. */
  retry_after: number | null;
  /** Token target, `status` mode: the OAuth `error` code (default derived from the status). */
  error: string | null;
}

export type FaultsResult = { ok: true; faults: Fault[] } | { ok: false; message: string };

/** Parses `fail_next`: one fault object, an array of them, or null (clear all). */
export function parseFailNext(value: unknown): FaultsResult {
  if (value === null) return { ok: true, faults: [] };
  const items = Array.isArray(value) ? value : [value];
  const faults: Fault[] = [];
  for (const item of items) {
    const parsed = parseFault(item);
    if (typeof parsed === "string") return { ok: false, message: parsed };
    faults.push(parsed);
  }
  return { ok: true, faults };
}

function parseFault(value: unknown): Fault | string {
  if (!isPlainObject(value)) return "fail_next must be an object, an array of objects or null";
  const extra = unknownKey(value, FAULT_KEYS);
  if (extra !== undefined) return `unknown fail_next key: ${extra}`;
  const { target, count = 1, mode = "status", status, retry_after = null, error = null } = value;
  if (!FAULT_TARGETS.includes(target as FaultTarget)) {
    return `fail_next.target must be one of ${FAULT_TARGETS.join(", ")}`;
  }
  if (!isIntInRange(count, 1, 1_000_000)) return "fail_next.count must be an integer >= 1";
  if (!FAULT_MODES.includes(mode as FaultMode)) {
    return `fail_next.mode must be one of ${FAULT_MODES.join(", ")}`;
  }
  const defaultStatus = mode === "html" ? 502 : 503;
  if (status !== undefined && !isIntInRange(status, 400, 599)) {
    return "fail_next.status must be an integer from 400 to 599";
  }
  if (retry_after !== null && !isIntInRange(retry_after, 0, 86_400)) {
    return "fail_next.retry_after must be an integer number of seconds (0-86400)";
  }
  if (error !== null && (typeof error !== "string" || !/^[a-z_]{1,64}$/.test(error))) {
    return "fail_next.error must be a lowercase OAuth error code";
  }
  return {
    target: target as FaultTarget,
    count,
    mode: mode as FaultMode,
    status: (status as number | undefined) ?? defaultStatus,
    retry_after,
    error,
  };
}

/** Pending faults, first in first out per target. */
export class FaultQueue {
  private readonly pending: Fault[] = [];

  add(faults: readonly Fault[]): void {
    for (const fault of faults) this.pending.push({ ...fault });
  }

  clear(): void {
    this.pending.length = 0;
  }

  list(): Fault[] {
    return this.pending.map((fault) => ({ ...fault }));
  }

  /** Consumes one use of the oldest pending fault for `target`. */
  take(target: FaultTarget): Fault | null {
    const index = this.pending.findIndex((fault) => fault.target === target);
    const fault = this.pending[index];
    if (!fault) return null;
    fault.count -= 1;
    if (fault.count <= 0) this.pending.splice(index, 1);
    return { ...fault };
  }
}

/** What a fault needs from the emulator: a way to wait for shutdown (for `hang`). */
export interface FaultRuntime {
  /** Registers a callback for emulator shutdown; returns an unregister function. */
  onClose(callback: () => void): () => void;
}

/** Serves a fault. `drop` and `hang` produce no real answer. */
export async function serveFault(
  c: Context,
  fault: Fault,
  runtime: FaultRuntime,
): Promise<Response> {
  const retryHeaders: Record<string, string> =
    fault.retry_after === null ? {} : { "retry-after": String(fault.retry_after) };
  switch (fault.mode) {
    case "status":
      return json(statusBody(fault), fault.status, {
        ...retryHeaders,
        ...(fault.target === "token" ? { "cache-control": "no-store" } : {}),
      });
    case "html":
      return new Response(cdnErrorPage(fault.status), {
        status: fault.status,
        headers: { "content-type": "text/html; charset=utf-8", ...retryHeaders },
      });
    case "malformed_json":
      return new Response(TRUNCATED_JSON[fault.target], {
        status: 200,
        headers: { "content-type": "application/json; charset=utf-8" },
      });
    case "drop": {
      const socket = socketOf(c);
      if (socket) {
        socket.destroy();
        return new Response(null, { status: 204 });
      }
      // In-process there is no socket to cut: mark the answer so the app's fetch
      // rejects instead, which is what a client sees when a connection drops.
      return new Response(null, { status: 502, headers: { [DROPPED_HEADER]: "1" } });
    }
    case "hang":
      await hangUntilGone(c.req.raw.signal, runtime);
      return new Response(null, { status: 204 });
  }
}

function statusBody(fault: Fault): unknown {
  if (fault.target !== "token") {
    return soundcloudErrorBody(fault.status, fault.status >= 500 ? "service unavailable" : "error");
  }
  return { error: fault.error ?? oauthErrorForStatus(fault.status) };
}

function oauthErrorForStatus(
  status: number,
): TokenErrorCode | "server_error" | "temporarily_unavailable" {
  if (status === 429) return "rate_limit_exceeded";
  if (status === 401) return "invalid_client";
  if (status === 400) return "invalid_request";
  if (status === 500) return "server_error";
  if (status >= 500) return "temporarily_unavailable";
  return "invalid_request";
}

// Cut mid-value, the way a proxy that gives up mid-stream leaves them.
const TRUNCATED_JSON: Record<FaultTarget, string> = {
  token: '{"access_token":"at_trunc',
  api: '{"collection":[{"kind":"track","urn":"soundcloud:tracks:',
  authorize: '{"status":"30',
};

function cdnErrorPage(status: number): string {
  return `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>${status} ERROR</title></head>
<body><h1>${status} ERROR</h1>
<h2>The request could not be satisfied.</h2>
<hr noshade size="1px">
<p>We can't connect to the server for this app or website at this time. There might be too much traffic or a configuration error.</p>
<hr noshade size="1px">
<pre>Generated by edge-cache (Soundgate emulator)
Request ID: emulated-fault</pre>
</body></html>
`;
}

/** Resolves when the client goes away or the emulator shuts down, never otherwise. */
function hangUntilGone(signal: AbortSignal, runtime: FaultRuntime): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      signal.removeEventListener("abort", done);
      unregister();
      resolve();
    };
    const unregister = runtime.onClose(done);
    signal.addEventListener("abort", done);
  });
}
