import { isSoundgateError } from "soundgate";
import { returnToAllowlist } from "../config.js";
import { loginFailureReason } from "../counters.js";
import { GatewayError } from "../errors.js";
import { matchReturnTo } from "../return-to.js";
import type { FlowRecord } from "../store/store.js";
import type { GatewayContext } from "./context.js";

// What the two logins that finish at the gateway share: the Starlib hand-off (flow kind
// "result") and BFF sessions ("session"). An app user's connection finishes at the app's
// own callback instead. Both check return_to when they start and again when they finish,
// and both are counted the same way.

/** return_to must be allowed (default: the gateway's done page). Returns it normalized. */
export function allowedReturnTo(ctx: GatewayContext, value: string | undefined): string {
  const wanted = value ?? `${ctx.config.publicUrl}/auth/soundcloud/done`;
  const returnTo = matchReturnTo(returnToAllowlist(ctx.config), wanted);
  if (!returnTo) {
    throw new GatewayError(
      "return_to_not_allowed",
      "return_to is not one of the gateway's allowed URLs",
    );
  }
  return returnTo;
}

/**
 * Where a finished flow sends the browser: its stored return_to, if that is still on the
 * allowlist (it was when the flow started; the configuration may have changed since).
 * Otherwise the flow ends here, with a 400 and no redirect.
 */
export async function usableReturnTo(ctx: GatewayContext, flow: FlowRecord): Promise<string> {
  const returnTo = matchReturnTo(returnToAllowlist(ctx.config), flow.returnTo);
  if (returnTo) return returnTo;
  await ctx.store.deleteFlow(flow.id);
  if (flow.kind !== "connection") loginEnded(ctx, flow.kind, "return_to_not_allowed");
  ctx.logger.warn({ flow_kind: flow.kind }, "a login flow's return_to is no longer allowed");
  throw new GatewayError(
    "return_to_not_allowed",
    "This login's return_to is not one of the gateway's allowed URLs (any more); start again",
  );
}

/** A login handed out a SoundCloud authorize URL. */
export function loginStarted(ctx: GatewayContext, flow: "result" | "session"): void {
  ctx.counters.increment("soundgate_logins_started_total", { flow });
}

/** A login came back from SoundCloud and ended: signed in (`error` null) or not, and why. */
export function loginEnded(
  ctx: GatewayContext,
  flow: "result" | "session",
  error: string | null,
): void {
  if (error === null) ctx.counters.increment("soundgate_logins_completed_total", { flow });
  else {
    ctx.counters.increment("soundgate_logins_failed_total", {
      flow,
      reason: loginFailureReason(error),
    });
  }
}

/** What a failed exchange logs: the core error code, never the error itself. */
export function errorCode(error: unknown): string {
  return isSoundgateError(error) ? error.code : "unexpected";
}
