import { SoundgateError } from "@soundgate/browser";
import { expect, describe as group, it } from "vitest";
import { describe } from "./messages.js";

// Every code the gateway puts on `return_to?error=…` after a BFF login, SoundCloud's OAuth
// errors it passes on, and what /auth/session and the SDK say: each gets its own words,
// never the fallback that repeats the raw message.
const CODES = [
  "access_denied",
  "login_not_started_here",
  "state_mismatch",
  "login_expired",
  "invalid_state",
  "result_not_found",
  "invalid_grant",
  "invalid_request",
  "login_failed",
  "server_error",
  "temporarily_unavailable",
  "upstream_unavailable",
  "rate_limited",
  "gateway_misconfigured",
  "invalid_client",
  "unauthorized_client",
  "invalid_scope",
  "unsupported_response_type",
  "reauth_required",
  "not_connected",
  "session_unreadable",
  "invalid_dpop_proof",
  "network_error",
  "timeout",
];

group("describe", () => {
  it.each(CODES)("words %s plainly", (code) => {
    // The demo maps login_not_started_here to state_mismatch before it gets here.
    const shown = code === "login_not_started_here" ? "state_mismatch" : code;
    const notice = describe(new SoundgateError(shown, "RAW"), "finish connecting");
    expect(notice.text).not.toContain("RAW");
    expect(notice.title.length).toBeGreaterThan(0);
  });

  it("calls Cancel the person's choice, not an error", () => {
    const notice = describe(new SoundgateError("access_denied", "x"), "finish connecting");
    expect(notice).toMatchObject({ tone: "info", title: "You cancelled the connection" });
  });

  it("blames SoundCloud only when it was SoundCloud", () => {
    const blames = (code: string) =>
      /SoundCloud is not answering/.test(
        describe(new SoundgateError(code, "x"), "finish connecting").text,
      );
    expect(blames("upstream_unavailable")).toBe(true);
    for (const code of ["login_expired", "invalid_state", "session_unreadable", "login_failed"]) {
      expect(blames(code), code).toBe(false);
    }
  });

  it("treats codes from the URL as data, never as keys of the object", () => {
    for (const code of ["constructor", "toString", "__proto__", "hasOwnProperty"]) {
      const notice = describe(new SoundgateError(code, "The sign-in did not complete"), "x");
      expect(notice.title).toBe("Couldn't x");
      expect(notice.text).toBe("The sign-in did not complete");
    }
  });
});
