import { type GatewayError, httpStatusOf } from "@soundgate/server";
import { appUser } from "./app-user";

/** JSON `{error, message}` with a status. */
export function problem(status: number, error: string, message: string): Response {
  return Response.json({ error, message }, { status });
}

/**
 * A route handler for the signed-in app user: 401 without one, and every failure turned
 * into a `{error, message}` answer by `errorResponse`.
 */
export function forAppUser(
  handle: (user: string, request: Request) => Promise<Response>,
): (request: Request) => Promise<Response> {
  return async (request) => {
    const user = await appUser();
    if (!user) return problem(401, "not_signed_in", "Sign in at /login?user=alice first");
    try {
      return await handle(user, request);
    } catch (error) {
      return errorResponse(error);
    }
  };
}

/**
 * Soundgate's own errors (GatewayError) carry a machine code that httpStatusOf maps to the
 * gateway's status (`not_connected` 409, `invalid_state` 400, `flow_user_mismatch` 403, …);
 * a grant SoundCloud no longer accepts
 * is a 401. Anything else is unexpected: logged by name and message only (Soundgate's
 * messages never hold a token), then answered 500, or 502 when SoundCloud failed.
 */
export function errorResponse(error: unknown): Response {
  // Errors are told apart by name and code, not instanceof: where Next bundles a package,
  // pages and route handlers each get their own copy of its classes.
  const { name, message, code } = (
    error instanceof Error ? error : { name: typeof error, message: String(error) }
  ) as { name: string; message: string; code?: unknown };
  const gatewayError =
    name === "GatewayError" && typeof code === "string" ? (error as GatewayError) : undefined;
  const status = gatewayError ? httpStatusOf(gatewayError) : 500;
  if (gatewayError && status < 500) {
    return problem(status, gatewayError.toJSON().error, message);
  }
  if (name === "SoundgateError" && code === "reauth_required") {
    return problem(
      401,
      "reauth_required",
      "SoundCloud no longer accepts this connection; connect again",
    );
  }
  if (name === "SoundgateError" && code === "rate_limited") {
    return problem(429, "rate_limited", "SoundCloud asks us to slow down; try again later");
  }
  console.error(`unexpected error: ${name}${code ? ` (${code})` : ""}: ${message}`);
  if (name === "SetupError") return problem(500, "misconfigured", message);
  if (gatewayError) return problem(status, gatewayError.toJSON().error, message);
  if (name === "SoundgateError") {
    return problem(502, "soundcloud_error", "SoundCloud could not answer that; try again later");
  }
  return problem(500, "internal_error", "Something went wrong");
}
