import { describe, expect, it } from "vitest";
import { GatewayError, type GatewayErrorCode } from "../errors.js";
import { StoreUnavailableError } from "../store/store-errors.js";
import { HttpError } from "./errors.js";
import { httpErrorOf, httpStatusOf, knownHttpError, STATUS_OF } from "./status-of.js";

// Failures that are not the caller's: SoundCloud, the database, the gateway's own setup.
const SERVER_SIDE: GatewayErrorCode[] = [
  "gateway_misconfigured",
  "upstream_unavailable",
  "store_unavailable",
];

describe("the status table", () => {
  const codes = Object.keys(STATUS_OF) as GatewayErrorCode[];

  it("gives every code a status: 5xx for upstream and store, 4xx for the caller's", () => {
    expect(codes.length).toBeGreaterThanOrEqual(19);
    for (const code of codes) {
      const status = httpStatusOf(new GatewayError(code, "m"));
      if (SERVER_SIDE.includes(code)) expect(status, code).toBeGreaterThanOrEqual(500);
      else expect([status >= 400, status < 500], code).toEqual([true, true]);
    }
  });

  it("keeps the statuses clients were written against", () => {
    expect(STATUS_OF).toMatchObject({
      invalid_request: 400,
      invalid_state: 400,
      invalid_grant: 400,
      reauth_required: 401,
      invalid_dpop_proof: 401,
      access_denied: 403,
      flow_user_mismatch: 403,
      result_pending: 404,
      result_not_found: 404,
      not_connected: 409,
      rate_limited: 429,
      upstream_unavailable: 502,
      store_unavailable: 503,
    });
  });

  it("keeps SoundCloud's timeout (504) and overload (503) apart from other upstream failures", () => {
    const upstream = (kind?: "timeout" | "overloaded") =>
      httpStatusOf(new GatewayError("upstream_unavailable", "m", { upstream: kind }));
    expect([upstream(), upstream("timeout"), upstream("overloaded")]).toEqual([502, 504, 503]);
  });

  it("adds Retry-After when there is one, and the DPoP challenge to invalid_dpop_proof", () => {
    const limited = httpErrorOf(new GatewayError("rate_limited", "slow", { retryAfter: 30 }));
    expect(limited).toMatchObject({ status: 429, error: "rate_limited", message: "slow" });
    expect(limited.headers).toEqual({ "Retry-After": "30" });
    expect(httpErrorOf(new GatewayError("not_connected", "m")).headers).toEqual({});
    expect(httpErrorOf(new GatewayError("invalid_dpop_proof", "m")).headers).toEqual({
      "WWW-Authenticate": `DPoP algs="ES256", error="invalid_dpop_proof"`,
    });
  });

  it("shows a failed login's OAuth word as the error, with the login_failed status", () => {
    const failed = httpErrorOf(new GatewayError("login_failed", "m", { reason: "server_error" }));
    expect(failed.body({ detail: true })).toEqual({
      error: "server_error",
      message: "m",
      detail: "m",
    });
    expect(failed.status).toBe(400);
  });

  it("answers a store failure 503 with Retry-After, HttpErrors as they are, others not at all", () => {
    const store = knownHttpError(new StoreUnavailableError("pool_timeout"));
    expect(store).toMatchObject({ status: 503, error: "store_unavailable" });
    expect(store?.headers).toEqual({ "Retry-After": "2" });
    const edge = new HttpError(405, "method_not_allowed", "m");
    expect(knownHttpError(edge)).toBe(edge);
    expect(knownHttpError(new Error("boom"))).toBeUndefined();
  });
});
